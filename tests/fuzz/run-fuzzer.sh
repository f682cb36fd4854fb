#!/usr/bin/env bash
# ctest "fuzz: <target>": runs one libFuzzer target of the sanitizer tree for a bounded time.
#   run-fuzzer.sh BINARY CORPUS WORK SECONDS
# The corpus is copied to WORK/corpus first (libFuzzer adds what it finds there, never to the
# source tree); a crash, a leak, UB, an input slower than 25 s or over 2 GiB RSS fails the test,
# and the input is kept as WORK/crashes/<kind>-<sha1> (the log says which: add it to the corpus
# as a regression seed once fixed). Exit 77 (skipped, with the reason) without the sanitizer tree.
set -euo pipefail
bin=$(readlink -f "$1") corpus=$(readlink -f "$2") work=$(readlink -m "$3") seconds=$4
if [[ ${RUNBOX_SANITIZE:-1} == 0 ]]; then
  echo "skipped: RUNBOX_SANITIZE=0 (the sanitizer tree is not built)"
  exit 77
fi
if [[ ! -x $bin ]]; then
  echo "skipped: $bin is not built (scripts/lib/build-sanitize.sh builds the sanitizer tree)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
cp -R "$corpus"/. "$work/corpus/"
args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
      # libFuzzer's own default exit code for a finding is 77, which ctest would call "skipped".
      -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/crashes/")
dict=$(dirname "$corpus")/../$(basename "$corpus").dict
[[ -f $dict ]] && args+=(-dict="$dict")
echo "[fuzz] $bin ${args[*]} $work/corpus ($(find "$corpus" -type f | wc -l) seeds)"
cd "$work"
exec nice -n 5 "$bin" "${args[@]}" "$work/corpus"
