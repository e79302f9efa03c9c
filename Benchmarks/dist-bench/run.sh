#!/usr/bin/env bash
# Issue 17: strong scaling of the W2 linear head and the W5 EM mixture at 1 and 2 MPI ranks
# (communication time reported separately), and the out-of-core linear head on a data set of
# 1.5× the machine's memory that this script writes and deletes (also on failure or interrupt).
#   bash Benchmarks/dist-bench/run.sh [DATADIR]         (W2/W5 from ../shared/bench/gen.py)
#   SKIP_BIG=1 bash Benchmarks/dist-bench/run.sh        (scaling only)
#   SKIP_SCALING=1 bash Benchmarks/dist-bench/run.sh    (out of core only)
#   BIG_DIR=/path ITERATIONS=3 SUBSET_ROWS=500000 …      (where and how long the out-of-core run is)
set -euo pipefail
DATA=${1:-/tmp/prefbench}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$HERE/../shared/bench}
SCRATCH=${SCRATCH:-.build}
BIG_DIR=${BIG_DIR:-/tmp/rewardkit-outofcore}
ITERATIONS=${ITERATIONS:-3}
SUBSET_ROWS=${SUBSET_ROWS:-500000}
DIM=${DIM:-768}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
export OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}
[ -f "$DATA/w2/chosen.npy" ] || python3 "$BENCH/gen.py" "$DATA" --only w2
[ -f "$DATA/w5/chosen.npy" ] || python3 "$BENCH/gen.py" "$DATA" --only w5
cd "$HERE"
if [ -z "${BIN:-}" ]; then   # BIN=folder of release binaries already built
  swift build -c release --product rewardkit --scratch-path "$SCRATCH" >/dev/null
  swift build -c release --product dist-bench --scratch-path "$SCRATCH" >/dev/null
  BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
fi
command -v mpirun >/dev/null || { echo "mpirun not found: apt-get install -y libopenmpi-dev openmpi-bin"; exit 1; }
MPIRUN=(mpirun --oversubscribe -x OPENBLAS_CORETYPE -x OPENBLAS_L2_SIZE)
[ "$(id -u)" = "0" ] && MPIRUN+=(--allow-run-as-root)
OUT=$(mktemp -d /tmp/dist-bench.XXXXXX)

# One timed run: prints the report's fit time, communication and the peak resident set (the
# largest process: /usr/bin/time's maxRSS covers mpirun's ranks).
timed() {
  local label=$1; shift
  /usr/bin/time -v "$@" > "$OUT/stdout.txt" 2> "$OUT/time.txt" || { cat "$OUT/time.txt"; exit 1; }
  local rss wall
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$OUT/time.txt")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$OUT/time.txt")
  python3 - "$OUT/report.json" "$label" "$rss" "$wall" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
fit = r.get("fit_seconds")
comm = r.get("communication_seconds", 0.0)
evals = r.get("function_evaluations") or r.get("steps")
per = f"  ({evals:.0f} passes, {1000 * fit / evals:6.1f} ms each)" if evals else ""
print(f"  {sys.argv[2]:<37} fit {fit:8.3f} s{per}  communication {comm:7.3f} s  "
      f"bytes/rank {int(r.get('communicated_bytes_per_rank', 0)):>10}  maxRSS {int(sys.argv[3]) / 1024:7.0f} MB  wall {sys.argv[4]}"
      + (f"  test acc {r['test_accuracy']:.4f}" if r.get('test_accuracy') is not None else "")
      + (f"  accuracy {r['accuracy']:.4f}" if r.get('accuracy') is not None and r.get('test_accuracy') is None else ""))
PY
  cp "$OUT/report.json" "$OUT/$label.json"
}

if [ "${SKIP_SCALING:-0}" != "1" ]; then
echo "== W2 linear head, L-BFGS, float32 (100k pairs × 768)"
W2=(fit reward-head --chosen "$DATA/w2/chosen.npy" --rejected "$DATA/w2/rejected.npy"
    --test-chosen "$DATA/w2/test_chosen.npy" --test-rejected "$DATA/w2/test_rejected.npy" --quiet --report "$OUT/report.json")
timed "W2 single process (in memory)" "$BIN/rewardkit" "${W2[@]}"
timed "W2 single process --out-of-core" "$BIN/rewardkit" "${W2[@]}" --out-of-core
timed "W2 mpirun -np 1 --distributed" "${MPIRUN[@]}" -np 1 "$BIN/rewardkit" "${W2[@]}" --distributed
timed "W2 mpirun -np 2 --distributed" "${MPIRUN[@]}" -np 2 "$BIN/rewardkit" "${W2[@]}" --distributed
timed "W2 mpirun -np 2, 1 BLAS thread each" "${MPIRUN[@]}" -np 2 -x OPENBLAS_NUM_THREADS=1 "$BIN/rewardkit" "${W2[@]}" --distributed

echo "== W5 MaxMin EM, K = 3, linear (200 users, 128 features)"
W5=(fit mixture --method maxmin-em --components 3 --chosen "$DATA/w5/chosen.npy" --rejected "$DATA/w5/rejected.npy"
    --users "$DATA/w5/users.csv" --groups "$DATA/w5/groups.csv" --test-chosen "$DATA/w5/test_chosen.npy"
    --test-rejected "$DATA/w5/test_rejected.npy" --test-users "$DATA/w5/test_users.csv" --quiet --report "$OUT/report.json")
timed "W5 single process" "$BIN/rewardkit" "${W5[@]}"
timed "W5 mpirun -np 1 --distributed" "${MPIRUN[@]}" -np 1 "$BIN/rewardkit" "${W5[@]}" --distributed
timed "W5 mpirun -np 2 --distributed" "${MPIRUN[@]}" -np 2 "$BIN/rewardkit" "${W5[@]}" --distributed
python3 - "$OUT" <<'PY'
import json, sys
d = sys.argv[1]
def load(name): return json.load(open(f"{d}/{name}.json"))
def per_pass(r): return r["fit_seconds"] / (r.get("function_evaluations") or r.get("steps") or 1)
w2 = [load(f"W2 {n}") for n in ["single process (in memory)", "mpirun -np 1 --distributed", "mpirun -np 2 --distributed"]]
w5 = [load(f"W5 {n}") for n in ["single process", "mpirun -np 1 --distributed", "mpirun -np 2 --distributed"]]
print(f"W2 time per pass, 1 rank / 2 ranks: {per_pass(w2[1]) / per_pass(w2[2]):.2f} (fit seconds {w2[1]['fit_seconds'] / w2[2]['fit_seconds']:.2f}); "
      f"single process / 2 ranks: {per_pass(w2[0]) / per_pass(w2[2]):.2f}")
print(f"W5 fit seconds, 1 rank / 2 ranks: {w5[1]['fit_seconds'] / w5[2]['fit_seconds']:.2f}; single process / 2 ranks: "
      f"{w5[0]['fit_seconds'] / w5[2]['fit_seconds']:.2f}")
t1, t2 = w5[0]["log_likelihood_trace"], w5[2]["log_likelihood_trace"]
print(f"W5 trace: {len(t1)} EM iterations, max relative difference 1 process vs 2 ranks "
      f"{max(abs(a - b) / abs(a) for a, b in zip(t1, t2)):.2e}")
PY
fi

[ "${SKIP_BIG:-0}" = "1" ] && { rm -rf "$OUT"; exit 0; }

echo "== out of core: linear head on a data set of 1.5× memory"
MEM_KB=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
# The machine's memory rounded up to whole GiB (MemTotal omits what the firmware and kernel keep),
# times 1.5: 24 GiB → 36 GiB of features in the two files.
RAM_GIB=$(( (MEM_KB + 1048575) / 1048576 ))
ROWS=$(python3 -c "import math; print(math.ceil(1.5 * $RAM_GIB * 2**30 / (2 * $DIM * 4)))")
NEED=$(( 2 * ROWS * DIM * 4 ))
mkdir -p "$BIG_DIR"
AVAIL=$(( $(df --output=avail -k "$BIG_DIR" | tail -1) * 1024 ))
if [ "$AVAIL" -lt $(( NEED + 8 * 1024 * 1024 * 1024 )) ]; then
  echo "  skipped: needs $(( NEED >> 30 )) GiB + 8 GiB spare in $BIG_DIR, $(( AVAIL >> 30 )) GiB free"
  rmdir "$BIG_DIR" 2>/dev/null || true
  rm -rf "$OUT"
  exit 0
fi
cleanup() { rm -f "$BIG_DIR/chosen.npy" "$BIG_DIR/rejected.npy"; rmdir "$BIG_DIR" 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT INT TERM
echo "  memory $RAM_GIB GiB (MemTotal $(( MEM_KB >> 10 )) MiB); writing $ROWS pairs × $DIM float32: 2 files, $(python3 -c "print(f'{$NEED / 2**30:.2f}')") GiB in all"
/usr/bin/time -v "$BIN/dist-bench" write "$BIG_DIR" "$ROWS" "$DIM" 2> "$OUT/time.txt" | sed 's/^/  /'
ls -l "$BIG_DIR" | sed 's/^/  /'
for mode in streamed in-memory; do
  if [ $mode = streamed ]; then ARGS=(streamed "$BIG_DIR" "$ITERATIONS"); else ARGS=(in-memory "$BIG_DIR" "$SUBSET_ROWS" "$ITERATIONS"); fi
  /usr/bin/time -v "$BIN/dist-bench" "${ARGS[@]}" > "$OUT/$mode.json" 2> "$OUT/time.txt" || { cat "$OUT/time.txt"; exit 1; }
  echo "  $mode: $(cat "$OUT/$mode.json")"
  echo "  $mode: maxRSS $(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$OUT/time.txt") MB, wall $(awk '/Elapsed \(wall clock\)/ {print $NF}' "$OUT/time.txt")"
done
python3 - "$OUT" <<'PY'
import json, sys
s = json.load(open(f"{sys.argv[1]}/streamed.json")); m = json.load(open(f"{sys.argv[1]}/in-memory.json"))
print(f"  throughput out of core / in memory: {s['rows_per_second']:.3e} / {m['rows_per_second']:.3e} rows/s = {s['rows_per_second'] / m['rows_per_second']:.2f}")
PY
