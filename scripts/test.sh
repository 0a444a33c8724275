#!/usr/bin/env bash
# Installs what is missing, builds everything in build-test/ with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test (all labels: unit, integration, golden).
# Exits non-zero on any build or test failure. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

build_dir=build-test
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DKEFU_SANITIZE=ON -DKEFU_BUILD_TESTS=ON
cmake --build "$build_dir" -j"$(nproc)"

# Leaks fail the tests; UB is fatal (also compiled in with -fno-sanitize-recover) and shows its stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

cd "$build_dir"
ctest --output-on-failure "$@"
