#!/usr/bin/env bash
# Side-by-side: Swift arena-bench vs the numpy/scipy peer on the same 1,000,000-battle file
# (100 models, ties), full fit + 1,000 bootstrap replicates; wall time and peak memory from /usr/bin/time -v.
#   Benchmarks/arena-bench/run.sh [REPLICATES] [SCRATCH]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPLICATES="${1:-1000}"
SCRATCH="${2:-.build}"
DATA=/tmp/arena-bench-1m.csv
swift build -c release --scratch-path "$SCRATCH" --product arena-bench >/dev/null
BIN="$SCRATCH/release/arena-bench"
[ -f "$DATA" ] || "$BIN" --data "$DATA" --replicates 2 >/dev/null   # writes the file once (fixed seed)

run() {  # name, command...
    local name=$1; shift
    local log; log=$(mktemp)
    /usr/bin/time -v "$@" 2>"$log" | tee "/tmp/arena-bench-$name.json"
    echo "$name: wall $(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}'), peak RSS $(grep 'Maximum resident set size' "$log" | awk '{print $NF}') kB"
    rm -f "$log"
}
run swift "$BIN" --data "$DATA" --replicates "$REPLICATES" --ties half
run python python3 Benchmarks/arena-bench/peer_arena.py "$DATA" "$REPLICATES"
python3 - <<'PY'
import json
s = json.load(open("/tmp/arena-bench-swift.json")); p = json.load(open("/tmp/arena-bench-python.json"))
print(f"fit+bootstrap: swift {s['fit_plus_bootstrap_s']:.2f} s, python {p['fit_plus_bootstrap_s']:.2f} s, "
      f"ratio {p['fit_plus_bootstrap_s'] / s['fit_plus_bootstrap_s']:.1f}x")
print(f"full fit: swift {s['fit_s']:.3f} s, python {p['fit_s']:.3f} s; load: swift {s['load_s']:.2f} s, python {p['load_s']:.2f} s")
print(f"log-likelihood: swift {s['log_likelihood']:.6f}, python {p['log_likelihood']:.6f}")
print(f"mean 95% interval width: swift {s['mean_interval_width']:.4f}, python {p['mean_interval_width']:.4f}")
PY
