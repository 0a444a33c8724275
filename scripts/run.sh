#!/usr/bin/env bash
# Installs what is missing, builds Kefu (Release) in build/, indexes content/ into var/index and serves it
# in the foreground on 127.0.0.1:${PORT:-8080}; the server prints its URL. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target kefu-indexer kefu-server

mkdir -p var
build/indexer/kefu-indexer build --content content --index var/index
exec build/server/kefu-server --index var/index --db var/kefu.db --content content \
  --listen "127.0.0.1:${PORT:-8080}"
