#!/usr/bin/env bash
# Configures and builds the sanitizer tree build-sanitize/ (clang 14, ASan + UBSan, any UB is an
# error, libFuzzer instrumentation): the fuzz targets and the unit, sandbox and daemon suites
# with what they run (runbox, runboxd, rbprobe). The ordinary tree's ctest runs them from there
# (tests "fuzz: <target>" and "sanitize: <suite>", tests/fuzz/CMakeLists.txt). Incremental.
#   RUNBOX_SANITIZE=0   skip it (those tests then report themselves skipped)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [[ ${RUNBOX_SANITIZE:-1} == 0 ]]; then
  echo "[sanitize] RUNBOX_SANITIZE=0: the sanitizer tree is not built; the fuzz: and sanitize: tests skip"
  exit 0
fi
start=$SECONDS
echo "[sanitize] configuring build-sanitize/ (clang 14, ASan + UBSan, libFuzzer)..."
mkdir -p build-sanitize
# -O1: the sanitizers' usual level (fast enough to fuzz, stacks still readable).
CC=clang-14 CXX=clang++-14 cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DRUNBOX_WERROR=ON -DRUNBOX_SANITIZE=ON >build-sanitize/.configure.log 2>&1 \
  || { cat build-sanitize/.configure.log >&2; echo "[sanitize] error: cmake configure failed" >&2; exit 1; }
echo "[sanitize] compiling (cmake --build build-sanitize -j$(nproc))..."
cmake --build build-sanitize -j"$(nproc)" --target runbox_fuzz_targets runbox_unit_tests runbox_sandbox_tests \
  runbox_daemon_tests
echo "[sanitize] done in $((SECONDS - start)) s"
