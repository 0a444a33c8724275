#!/usr/bin/env bash
# Installs the Debian 12 packages Kefu needs to build, test and run. Idempotent: when everything is
# already installed it prints nothing and touches nothing; otherwise it runs apt-get update once and
# installs only what is missing (with sudo when not root). Extra package names given as arguments
# are installed too (scripts/bench.sh adds the benchmark tools).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libxapian-dev libicu-dev icu-devtools libopencc-dev opencc
  libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libsimdjson-dev libsqlite3-dev libssl-dev
  libgtest-dev curl
)
packages+=("$@")

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: this script needs Debian 12 (dpkg and apt-get); install these yourself:" >&2
  echo "  ${packages[*]}" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  # `dpkg -s` also succeeds for removed-but-not-purged packages, so look at the status line.
  if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: missing packages and neither root nor sudo: ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
