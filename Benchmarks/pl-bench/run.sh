#!/usr/bin/env bash
# pl-bench side by side: choix 0.4.1 (mm_rankings; opt_rankings with WITH_OPT=1, ~100 s) and
# RewardKit's Plackett–Luce on the same seeded file (200 items, 20,000 rankings of 4), in one run,
# with the fit-time ratio, |Δ log-likelihood| and peak memory (/usr/bin/time -v); then RewardKit
# alone on 1M rankings of 10 over 10,000 items (time and peak memory; choix's MM takes hours there).
#
#   bash Benchmarks/pl-bench/run.sh                 # from the package root
#   SKIP_BUILD=1 SCRATCH=.build-bench WITH_OPT=1 SKIP_LARGE=1 bash Benchmarks/pl-bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-/tmp/pl-bench}
SCRATCH=${SCRATCH:-.build}
OUT=${OUT:-/tmp/pl-bench/out}
mkdir -p "$OUT"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
export OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}

[ -f "$DATA/rankings.csv" ] || python3 Benchmarks/pl-bench/gen_rankings.py "$DATA" 200 20000 4 16
if [[ -z "${SKIP_BUILD:-}" ]]; then
  swift build -c release --scratch-path "$SCRATCH" --product pl-bench >/dev/null
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
peak() { grep "Maximum resident" "$1" | awk '{print $6/1024}'; }

methods="mm"
[[ -n "${WITH_OPT:-}" ]] && methods="mm opt"
for method in $methods; do
  /usr/bin/time -v python3 Benchmarks/pl-bench/peer_pl.py "$DATA/rankings.csv" "$method" > "$OUT/choix_$method.json" 2> "$OUT/choix_$method.time"
  tail -1 "$OUT/choix_$method.json"
  echo "  whole process: $(grep 'Elapsed (wall' "$OUT/choix_$method.time" | awk '{print $NF}'), peak $(peak "$OUT/choix_$method.time") MiB"
done
/usr/bin/time -v "$BIN/pl-bench" fit "$DATA/rankings.csv" --reference "$DATA/choix_mm.txt" > "$OUT/swift.json" 2> "$OUT/swift.time"
cat "$OUT/swift.json"
echo "  whole process: $(grep 'Elapsed (wall' "$OUT/swift.time" | awk '{print $NF}'), peak $(peak "$OUT/swift.time") MiB"

python3 - "$OUT" $methods <<'PY'
import json, sys
out, methods = sys.argv[1], sys.argv[2:]
load = lambda name: json.loads(open(f"{out}/{name}.json").read().splitlines()[-1])
swift = load("swift")
print(f"\nrewardkit fit {swift['wall_s']:.4f} s (median of {len(swift['wall_s_all'])}, {swift['solver']}, {swift['iters']} iterations), "
      f"MM {swift['mm_wall_s']:.4f} s ({swift['mm_iters']} sweeps), load {swift['load_s']:.4f} s, "
      f"max|Δθ| vs choix MM {swift['max_abs_diff_vs_reference']:.1e}")
for m in methods:
    peer = load(f"choix_{m}")
    print(f"choix {m}_rankings {peer['wall_s']:.3f} s -> ratio {peer['wall_s'] / swift['wall_s']:.0f}x "
          f"(vs RewardKit MM {peer['wall_s'] / swift['mm_wall_s']:.0f}x); "
          f"|Δ log-lik| {abs(peer['loglik'] - swift['loglik']):.1e} (choix {peer['loglik']:.6f}, rewardkit {swift['loglik']:.6f})")
PY

if [[ -z "${SKIP_LARGE:-}" ]]; then
  /usr/bin/time -v "$BIN/pl-bench" large 10000 1000000 10 > "$OUT/large.json" 2> "$OUT/large.time"
  cat "$OUT/large.json"
  echo "  whole process (generation + fit): $(grep 'Elapsed (wall' "$OUT/large.time" | awk '{print $NF}'), peak $(peak "$OUT/large.time") MiB"
fi
