#!/usr/bin/env bash
# W1 side by side: the Python peers and RewardKit's item Bradley–Terry on the same file, in one run.
#
#   bash Benchmarks/item-bt-bench/run.sh            # from the package root
#   DATA=/tmp/prefbench SKIP_GEN=1 SKIP_BUILD=1 SCRATCH=.build bash Benchmarks/item-bt-bench/run.sh
#
# Needs: pip install numpy scipy scikit-learn choix threadpoolctl (../shared/bench/requirements.txt
# minus torch). Prints one JSON line per method, a whole-process comparison (CLI vs the peers'
# script reading the same CSV) with peak memory from /usr/bin/time -v, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${BENCH:-../shared/bench}
DATA=${DATA:-/tmp/prefbench}
SCRATCH=${SCRATCH:-.build}
OUT=${OUT:-/tmp/item-bt-bench}
mkdir -p "$OUT"

if [[ -z "${SKIP_GEN:-}" || ! -f "$DATA/w1/comparisons.csv" ]]; then
  python3 "$BENCH/gen.py" "$DATA" --only w1
fi
if [[ -z "${SKIP_BUILD:-}" ]]; then
  swift build -c release --scratch-path "$SCRATCH" --product item-bt-bench >/dev/null
  swift build -c release --scratch-path "$SCRATCH" --product rewardkit >/dev/null
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

# The centered scipy MLE (L-BFGS to gtol 1e-9, as peers.py's reference), one value per item id.
if [[ ! -f "$DATA/w1/scipy_mle.txt" ]]; then
  python3 - "$BENCH" "$DATA" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, peers
w, l, _ = peers.w1_load(sys.argv[2])
ref, _ = peers.w1_scipy_lbfgs(w, l, 2000, gtol=1e-9)
np.savetxt(sys.argv[2] + "/w1/scipy_mle.txt", ref - ref.mean(), fmt="%.17g")
PY
fi

peak() { grep "Maximum resident" "$1" | awk '{print $6/1024}'; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

for method in sklearn_logreg scipy_lbfgs choix_ilsr; do
  /usr/bin/time -v python3 "$BENCH/peers.py" "$DATA" w1 "$method" > "$OUT/$method.json" 2> "$OUT/$method.time"
  echo "$(cat "$OUT/$method.json" | tail -1)"
  echo "  whole process: $(grep 'Elapsed (wall' "$OUT/$method.time" | awk '{print $NF}'), peak $(peak "$OUT/$method.time") MiB"
done
/usr/bin/time -v "$BIN/item-bt-bench" "$DATA" --reference "$DATA/w1/scipy_mle.txt" > "$OUT/swift.json" 2> "$OUT/swift.time"
cat "$OUT/swift.json"
echo "  whole process: $(grep 'Elapsed (wall' "$OUT/swift.time" | awk '{print $NF}'), peak $(peak "$OUT/swift.time") MiB"
/usr/bin/time -v "$BIN/rewardkit" fit bradley-terry --comparisons "$DATA/w1/comparisons.csv" --l2 1e-4 \
  --output "$OUT/strengths.csv" --report "$OUT/report.json" 2> "$OUT/cli.time"
echo "rewardkit fit bradley-terry (whole process): $(grep 'Elapsed (wall' "$OUT/cli.time" | awk '{print $NF}'), peak $(peak "$OUT/cli.time") MiB, fit_seconds $(field "$OUT/report.json" fit_seconds)"

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda m: json.loads(open(f"{out}/{m}.json").read().splitlines()[-1])
swift = load("swift")
print(f"\nswift fit {swift['wall_s']:.4f} s (median of {len(swift['wall_s_all'])}), iters {swift['iters']}, "
      f"max|grad| {swift['max_abs_grad']:.1e}, max|Δ| vs scipy MLE {swift['max_abs_diff_vs_scipy_mle']:.1e}")
for m in ["sklearn_logreg", "scipy_lbfgs", "choix_ilsr"]:
    peer = load(m)
    rel = abs(peer["loglik"] - swift["loglik"]) / abs(peer["loglik"])
    print(f"{m:16s} {peer['wall_s']:.4f} s -> ratio {peer['wall_s'] / swift['wall_s']:.1f}x; "
          f"log-lik {peer['loglik']:.6f} vs swift {swift['loglik']:.6f} (rel. diff {rel:.1e}); "
          f"other cores during peer fit {peer.get('other_cpu_cores_during_fit')}")
PY
