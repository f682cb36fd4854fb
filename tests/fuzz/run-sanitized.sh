#!/usr/bin/env bash
# ctest "sanitize: <suite>": runs a suite's tests as the sanitizer tree's own ctest has them (one
# process per test or group, so a test that skips, exit 77, skips alone), with ASan, LSan and
# UBSan reporting to the log; any report fails its test, and so this one.
#   run-sanitized.sh SANITIZE_DIR BINARY INCLUDE_REGEX EXCLUDE_REGEX LEAKS
# LEAKS 1: LeakSanitizer on; 0: off (tests whose children _exit, tests/fuzz/CMakeLists.txt says why).
# Exit 77 (skipped, with the reason) without the sanitizer tree.
set -euo pipefail
dir=$1 bin=$2 include=$3 exclude=$4 leaks=$5
if [[ ${RUNBOX_SANITIZE:-1} == 0 ]]; then
  echo "skipped: RUNBOX_SANITIZE=0 (the sanitizer tree is not built)"
  exit 77
fi
if [[ ! -x $dir/$bin ]]; then
  echo "skipped: $dir/$bin is not built (scripts/lib/build-sanitize.sh builds the sanitizer tree)"
  exit 77
fi
# halt_on_error: the first report ends the process with a failing status. log_path: every
# sanitized process (the tests and the runboxd they start, whose exit status the shared daemon
# fixture does not check) writes its reports to a file of its own here; any file fails this test.
logs=$dir/sanitizer-logs/$(basename "$bin")-$(echo "$include" | tr -c 'a-z\n' _)
rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS=${RUNBOX_ASAN_OPTIONS:-detect_leaks=$leaks:halt_on_error=1:print_summary=1}:log_path=$logs/asan
export UBSAN_OPTIONS=${RUNBOX_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$logs/ubsan
args=(--test-dir "$dir" --output-on-failure --no-tests=error -R "$include")
[[ -n $exclude ]] && args+=(-E "$exclude")
echo "[sanitize] ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS ctest ${args[*]}"
rc=0
ctest "${args[@]}" || rc=$?
for f in "$logs"/*; do
  [[ -e $f ]] || continue
  echo "[sanitize] a sanitizer report, $f:"
  cat "$f"
  rc=1
done
exit "$rc"
