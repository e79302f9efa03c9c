#!/usr/bin/env bash
# Every side-by-side benchmark of Benchmarks/ in one go, on a quiet machine, each against its Python
# peers on the same files (../shared/bench). Builds into SCRATCH (default .build-bench, so the test
# build in .build, which uses -enable-testing, is left alone). Output: one log per workload in OUT.
#   bash Benchmarks/run-all.sh [OUT]        (default /tmp/rewardkit-bench)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/rewardkit-bench}
export SCRATCH=${SCRATCH:-.build-bench}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
export OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}
BENCH=${BENCH:-$(pwd)/../shared/bench}
DATA=${DATA:-/tmp/prefbench}
mkdir -p "$OUT"
[ -f "$DATA/w1/comparisons.csv" ] || python3 "$BENCH/gen.py" "$DATA"
swift build -c release --scratch-path "$SCRATCH" >/dev/null || exit 1
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
echo "== numeric core";  /usr/bin/time -v "$BIN/numeric-core-bench" "$OUT/numeric-core.json" > "$OUT/numeric-core.txt" 2>&1
echo "== W1 item BT";    SKIP_GEN=1 SKIP_BUILD=1 BENCH="$BENCH" DATA="$DATA" bash Benchmarks/item-bt-bench/run.sh > "$OUT/w1.txt" 2>&1
echo "== W2/W3 heads";   OUT="$OUT/w2w3.jsonl" bash Benchmarks/reward-head-bench/run.sh "$DATA" > "$OUT/w2w3.txt" 2>&1
echo "== W4 GPM";        BENCH="$BENCH" bash Benchmarks/gpm-bench/run.sh "$DATA" 3 > "$OUT/w4.txt" 2>&1
echo "== W5 mixtures";   BENCH="$BENCH" bash Benchmarks/mixture-bench/run.sh "$DATA" 1 > "$OUT/w5.txt" 2>&1
echo "== arena";         bash Benchmarks/arena-bench/run.sh 1000 "$SCRATCH" > "$OUT/arena.txt" 2>&1
echo "== item scale";    /usr/bin/time -v "$BIN/item-scale-bench" > "$OUT/item-scale.txt" 2>&1
echo "== distributed";   BIN="$BIN" bash Benchmarks/dist-bench/run.sh "$DATA" > "$OUT/dist.txt" 2>&1
echo "== noisy BT";      SKIP_BUILD=1 SCRATCH="$SCRATCH" OUT="$OUT/noisy" bash Benchmarks/noisy-bench/run.sh /tmp/noisybench > "$OUT/noisy.txt" 2>&1
echo "== Plackett–Luce"; SKIP_BUILD=1 OUT="$OUT/pl" bash Benchmarks/pl-bench/run.sh > "$OUT/pl.txt" 2>&1
echo "logs in $OUT"
