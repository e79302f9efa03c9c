#!/bin/bash
# W2 and W3 side by side: each peer (scikit-learn, PyTorch) and then RewardKit on the same files, in
# the same run of the machine, each under /usr/bin/time -v for peak memory.
#
#   bash Benchmarks/reward-head-bench/run.sh [DATADIR]      (default /tmp/prefbench)
#
# Needs: python3 with numpy, scikit-learn, threadpoolctl (W2) and torch (W3 and W2's torch peer);
# the data from `python3 ../shared/bench/gen.py DATADIR --only w2,w3`.
set -euo pipefail
DATA=${1:-/tmp/prefbench}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/peers.py}
OUT=${OUT:-/tmp/reward-head-bench.jsonl}
REPEAT=${REPEAT:-1}
cd "$ROOT"
SCRATCH=${SCRATCH:-.build}
# The environment of ../shared/bench (BENCHMARKS.md, "The machine's limit"): OpenBLAS's Haswell kernel.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
export OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}
swift build -c release --scratch-path "$SCRATCH" --product reward-head-bench >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/reward-head-bench

run() {  # label, command...
    local label=$1; shift
    local tmp; tmp=$(mktemp)
    /usr/bin/time -v "$@" 2>"$tmp" | tail -1 | tee -a "$OUT"
    echo "    [$label] peak RSS (time -v): $(grep 'Maximum resident' "$tmp" | awk '{print $6/1024 " MB"}')" >&2
    rm -f "$tmp"
}

: > "$OUT"
for i in $(seq "$REPEAT"); do
    if [ -d "$DATA/w2" ]; then
        python3 -c "import sklearn" 2>/dev/null && run sklearn python3 "$PEERS" "$DATA" w2 sklearn_logreg
        run swift "$BIN" "$DATA" w2 swift_linear_lbfgs
        python3 -c "import torch" 2>/dev/null && run torch python3 "$PEERS" "$DATA" w2 torch_linear_bt
        run swift "$BIN" "$DATA" w2 swift_linear_adam_b512
    fi
    if [ -d "$DATA/w3" ]; then
        if python3 -c "import torch" 2>/dev/null; then
            run torch python3 "$PEERS" "$DATA" w3 torch_mlp_bt_b256
        fi
        run swift "$BIN" "$DATA" w3 swift_mlp_b256
        if python3 -c "import torch" 2>/dev/null; then
            run torch python3 "$PEERS" "$DATA" w3 torch_mlp_bt_b1024
        fi
        run swift "$BIN" "$DATA" w3 swift_mlp_b1024
    fi
done
echo "results: $OUT" >&2
