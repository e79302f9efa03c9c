#!/usr/bin/env bash
# Noisy Bradley–Terry at scale, side by side with crowd-kit's NoisyBradleyTerry on the same file:
# 1,000,000 comparisons from 5,000 annotators over 2,000 items (gen.py, seeded), fit time, peak
# memory (/usr/bin/time -v) and Spearman with the true strengths; plain Bradley–Terry for reference.
#
#   bash Benchmarks/noisy-bench/run.sh [DATA_DIR] [SUBSET_ROWS]     (defaults /tmp/noisybench, 100000)
#   SKIP_BUILD=1 SCRATCH=.build-bench bash Benchmarks/noisy-bench/run.sh
#
# Needs: pip install crowd-kit scipy pandas. crowd-kit's gradient is a Python loop over the rows, so it
# also runs on the first SUBSET_ROWS rows (stated in the output); set CROWDKIT_FULL=0 to skip its 1M run.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-/tmp/noisybench}
SUBSET=${2:-100000}
SCRATCH=${SCRATCH:-.build-bench}
OUT=${OUT:-/tmp/noisy-bench}
HERE=Benchmarks/noisy-bench
mkdir -p "$OUT"
[[ -f "$DATA/comparisons.csv" ]] || python3 "$HERE/gen.py" "$DATA"
if [[ -z "${SKIP_BUILD:-}" ]]; then swift build -c release --scratch-path "$SCRATCH" --product rewardkit >/dev/null; fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
peak() { grep "Maximum resident" "$1" | awk '{printf "%.0f", $6/1024}'; }
wall() { grep "Elapsed (wall" "$1" | awk '{print $NF}'; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

ours() {   # $1 = comparison file, $2 = tag
  /usr/bin/time -v "$BIN/rewardkit" fit noisy-bradley-terry --comparisons "$1" --output "$OUT/$2-strengths.csv" \
    --annotators "$OUT/$2-annotators.csv" --report "$OUT/$2-report.json" 2> "$OUT/$2.time"
  /usr/bin/time -v "$BIN/rewardkit" fit bradley-terry --comparisons "$1" --output "$OUT/$2-bt.csv" --report "$OUT/$2-bt.json" 2> "$OUT/$2-bt.time"
  echo "rewardkit noisy-bradley-terry ($2): fit $(field "$OUT/$2-report.json" fit_seconds) s, $(field "$OUT/$2-report.json" iterations) iterations, converged $(field "$OUT/$2-report.json" converged); whole process $(wall "$OUT/$2.time"), peak $(peak "$OUT/$2.time") MiB; $(python3 $HERE/score.py "$DATA" "$OUT/$2-strengths.csv" "$OUT/$2-annotators.csv")"
  echo "rewardkit bradley-terry ($2, plain): fit $(field "$OUT/$2-bt.json" fit_seconds) s; whole process $(wall "$OUT/$2-bt.time"), peak $(peak "$OUT/$2-bt.time") MiB; $(python3 $HERE/score.py "$DATA" "$OUT/$2-bt.csv")"
}
crowdkit() {   # $1 = rows ("" for all), $2 = tag
  /usr/bin/time -v python3 "$HERE/peer_crowdkit.py" "$DATA" ${1:+--rows "$1"} > "$OUT/$2-crowdkit.json" 2> "$OUT/$2-crowdkit.time"
  echo "crowd-kit NoisyBradleyTerry ($2): $(tail -1 "$OUT/$2-crowdkit.json"); whole process $(wall "$OUT/$2-crowdkit.time"), peak $(peak "$OUT/$2-crowdkit.time") MiB"
}

# The subset: the first SUBSET rows (every annotator's first labels, gen.py writes annotators in turn).
head -n $((SUBSET + 1)) "$DATA/comparisons.csv" > "$OUT/subset.csv"
echo "== subset: first $SUBSET rows"
ours "$OUT/subset.csv" subset
crowdkit "$SUBSET" subset
echo "== full file: $(($(wc -l < "$DATA/comparisons.csv") - 1)) rows"
ours "$DATA/comparisons.csv" full
if [[ "${CROWDKIT_FULL:-1}" != 0 ]]; then crowdkit "" full; fi

python3 - "$OUT" "${CROWDKIT_FULL:-1}" <<'PY'
import json, sys
out, full = sys.argv[1], sys.argv[2] != "0"
for tag in ["subset"] + (["full"] if full else []):
    ours = json.load(open(f"{out}/{tag}-report.json"))["fit_seconds"]
    peer = json.loads(open(f"{out}/{tag}-crowdkit.json").read().splitlines()[-1])["wall_s"]
    print(f"{tag}: crowd-kit fit {peer:.2f} s / rewardkit fit {ours:.2f} s = {peer / ours:.1f}x")
PY
