#!/usr/bin/env bash
# Whole-system benchmark (not part of the tests): Release build, then kefu-bench on generated
# corpora, Kefu beside SQLite FTS5 (trigram). Usage: scripts/bench.sh [--entries 1000,10000,100000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKEFU_BUILD_TESTS=OFF -DKEFU_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target kefu-bench >/dev/null
build/bench/kefu-bench "$@"
