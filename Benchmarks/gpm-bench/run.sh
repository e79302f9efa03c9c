#!/usr/bin/env bash
# W4 side by side: RewardKit's feature-level GPM (gpm-bench) and the PyTorch GPM head of
# ../../../shared/bench/peers.py (torch_gpm_k2), on the same files, each in a fresh process,
# each under /usr/bin/time -v for peak memory. Run from the package root:
#
#   bash Benchmarks/gpm-bench/run.sh [DATADIR] [REPEATS]
#
# DATADIR defaults to /tmp/prefbench (generated with gen.py --only w4 when missing); REPEATS (default 3)
# alternates Swift and torch runs so both see the same machine load. Results go to stdout as JSON lines
# (one per run, with "peak_rss_kb" from time -v) and to /tmp/gpm-bench-results.jsonl.
set -euo pipefail
DATA=${1:-/tmp/prefbench}
REPEATS=${2:-3}
BENCH=${BENCH:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/bench}
SCRATCH=${SCRATCH:-.build}
OUT=/tmp/gpm-bench-results.jsonl
: > "$OUT"
# The environment of ../shared/bench (BENCHMARKS.md, "The machine's limit"): OpenBLAS's Haswell kernel.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
export OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}

if [ ! -f "$DATA/w4/chosen.npy" ]; then
    python3 "$BENCH/gen.py" "$DATA" --only w4 >&2
fi
swift build -c release --scratch-path "$SCRATCH" --product gpm-bench >&2
BIN="$SCRATCH/release/gpm-bench"

have_torch=0
if python3 -c "import torch" 2>/dev/null; then have_torch=1; else
    echo "torch is not importable: Swift numbers only (peer's published W4 figure: 2.2 s, 230k pairs/s, test acc 0.894)" >&2
fi

# Runs a command under time -v and appends its JSON lines, each with the process's peak RSS.
measure() {
    local log out rss
    log=$(mktemp); out=$(mktemp)
    /usr/bin/time -v "$@" >"$out" 2>"$log"
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    grep '^{' "$out" | while IFS= read -r line; do
        echo "${line%\}},\"peak_rss_kb\":${rss}}" | tee -a "$OUT"
    done
    rm -f "$log" "$out"
}

for ((r = 1; r <= REPEATS; r++)); do
    measure "$BIN" "$DATA" --only peer_setup --threads 1
    if [ "$have_torch" = 1 ]; then measure python3 "$BENCH/peers.py" "$DATA" w4 torch_gpm_k2; fi
    measure "$BIN" "$DATA" --only peer_setup --threads 2
    measure "$BIN" "$DATA" --only best --threads 1
done
measure "$BIN" "$DATA" --only fixed --threads 1

# Medians per method.
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    key = r["method"] if r["method"].startswith("torch") else "%s (%d BLAS threads)" % (r["method"], r["threads"])
    by.setdefault(key, []).append(r)
print("\nmedians over runs (wall_s, pairs_per_s, test_acc, peak RSS MB):", file=sys.stderr)
for m, rs in by.items():
    w = statistics.median(r["wall_s"] for r in rs)
    p = statistics.median(r["pairs_per_s"] for r in rs)
    a = statistics.median(r["test_acc"] for r in rs)
    mem = statistics.median(r["peak_rss_kb"] for r in rs) / 1024
    print(f"  {m:46s} {w:7.3f} s  {p/1e3:8.1f}k pairs/s  test {a:.4f}  {mem:6.0f} MB  (n={len(rs)})", file=sys.stderr)
torch = statistics.median(r["pairs_per_s"] for r in by["torch_gpm_k2"]) if "torch_gpm_k2" in by else 230e3
label = "torch_gpm_k2 (this run)" if "torch_gpm_k2" in by else "torch_gpm_k2 (published 230k)"
for m, rs in by.items():
    if m.startswith("swift"):
        print(f"  pairs/s ratio {m} / {label} = {statistics.median(r['pairs_per_s'] for r in rs) / torch:.2f}", file=sys.stderr)
PY
