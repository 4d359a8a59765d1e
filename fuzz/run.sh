#!/bin/sh
# Runs the fuzz targets one after another, one libFuzzer worker each (docs/fuzzing.md).
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# The stable toolchain runs cargo-fuzz with RUSTC_BOOTSTRAP=1 and no sanitizer (the
# engine has no unsafe code); -O -a builds optimized with debug assertions and overflow
# checks. Crashes land in fuzz/artifacts/TARGET/, new inputs in fuzz/corpus/TARGET/.
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-load_flow load_any expr template}
for t in $targets; do
  case $t in
    load_*) dict=dicts/yaml.dict; max_len=65536 ;;
    *) dict=dicts/expr.dict; max_len=4096 ;;
  esac
  echo "== $t: $secs s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a -s none "$t" -- \
    -dict="$dict" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$secs" -print_final_stats=1
done
