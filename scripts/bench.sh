#!/usr/bin/env bash
# Benchmarks (not part of the tests), Release build: kefu-bench on generated corpora beside SQLite
# FTS5 (trigram), the Google Benchmark micro-benchmarks, and HTTP throughput and latency with wrk
# on the search and chat routes at 1, 16 and 64 connections (loopback only, 10 s each), with the
# server's peak RSS, then a soak: search and chat together at 64 connections for
# KEFU_BENCH_SOAK_SECONDS (default 300), the server's RSS sampled every 30 s, to show memory stays flat.
# docs/BENCHMARKS.md explains the method and holds the results.
# Usage: scripts/bench.sh [--entries 1000,10000,100000] [--queries N]   (kefu-bench's flags)
#        KEFU_BENCH_HTTP_ENTRIES="1000 10000" KEFU_BENCH_SECONDS=10 for the HTTP part's corpus sizes
#        (default 10000; the soak runs on the last) and duration per run;
#        KEFU_BENCH_HTTP_QUERIES (default 40000) questions for wrk: with too few, a server faster than
#        a few hundred requests/s answers mostly from its cache of questions already asked;
#        KEFU_BENCH_SOAK_SECONDS=0 skips the soak; KEFU_BENCH_ONLY=http skips kefu-bench and the
#        micro-benchmarks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh libbenchmark-dev wrk
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKEFU_BUILD_TESTS=OFF -DKEFU_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target kefu-bench kefu-micro-bench kefu-indexer kefu-server >/dev/null

if [[ ${KEFU_BENCH_ONLY:-} != http ]]; then
  echo "## kefu-bench"
  build/bench/kefu-bench "$@"

  echo "## micro-benchmarks"
  build/bench/kefu-micro-bench --benchmark_min_time=0.5
fi

echo "## HTTP (wrk)"
tmp=$(mktemp -d)
server_pid=
stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    server_pid=
  fi
}
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
seconds=${KEFU_BENCH_SECONDS:-10}
rss() { awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$server_pid/status"; }

# Exports and indexes an N-entry corpus into $tmp/N and serves it; sets url and server_pid.
serve() {
  local dir=$tmp/$1
  build/bench/kefu-bench --export "$1" "$dir/corpus" --queries "${KEFU_BENCH_HTTP_QUERIES:-40000}"
  build/indexer/kefu-indexer build --content "$dir/corpus" --index "$dir/index" >/dev/null
  build/server/kefu-server --index "$dir/index" --db "$dir/kefu.db" --listen 127.0.0.1:0 \
    --rate-limit 0 --threads 80 --log-level warn > "$dir/server.out" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$dir/server.out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(sed -n 's/^listening on //p' "$dir/server.out")
  [[ -n $url ]] || { echo "bench: the server did not start" >&2; exit 1; }
  # Measuring an empty index would say nothing: the first question must find entries.
  curl -sf "$url/api/v1/search?q=$(head -1 "$dir/corpus/queries.txt")" | grep -q '"id":"bench-' ||
    { echo "bench: the server finds nothing in the exported corpus" >&2; exit 1; }
  queries=$dir/corpus/queries.txt
  messages=$dir/corpus/messages.txt
}

echo "| entries | route | connections | requests/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|---|"
sizes=(${KEFU_BENCH_HTTP_ENTRIES:-10000})
for entries in "${sizes[@]}"; do
  serve "$entries"
  for route in search chat; do
    for connections in 1 16 64; do
      threads=$(( connections < 2 ? 1 : 2 ))
      out=$(QUERIES=$queries MESSAGES=$messages \
        wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "bench/wrk/$route.lua" "$url")
      rps=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
      p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
      p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
      errors=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' <<< "$out")
      echo "| $entries | $route | $connections | $rps | $p50 | $p99 | ${errors:-0} |"
    done
  done
  echo "server peak RSS at $entries entries: $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$server_pid/status")"
  [[ $entries == "${sizes[-1]}" ]] || stop_server
done

# On the last size's server.
soak=${KEFU_BENCH_SOAK_SECONDS:-300}
if (( soak > 0 )); then
  echo "## soak: search and chat at 32 connections each for ${soak} s"
  echo "| after s | server RSS |"
  echo "|---|---|"
  echo "| 0 | $(rss) |"
  QUERIES=$queries wrk -t1 -c32 -d"${soak}s" -s bench/wrk/search.lua "$url" > "$tmp/soak-search.out" &
  search_pid=$!
  MESSAGES=$messages wrk -t1 -c32 -d"${soak}s" -s bench/wrk/chat.lua "$url" > "$tmp/soak-chat.out" &
  chat_pid=$!
  for (( t = 30; t <= soak; t += 30 )); do
    sleep 30
    echo "| $t | $(rss) |"
  done
  wait "$search_pid" "$chat_pid"
  echo "soak requests/s: search $(awk '/^Requests\/sec/ {print $2}' "$tmp/soak-search.out"), chat $(awk '/^Requests\/sec/ {print $2}' "$tmp/soak-chat.out")"
fi
