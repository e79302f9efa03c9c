#!/usr/bin/env bash
# W5 side by side: the peer's EM mixture (scipy L-BFGS-B M-steps, soft EM, k-means start) and
# RewardKit's EM, in the same run of the machine. Generates /tmp/prefbench/w5 when missing.
#   bash Benchmarks/mixture-bench/run.sh [DATADIR] [REPEATS]
set -euo pipefail
DATA=${1:-/tmp/prefbench}
REPEATS=${2:-3}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$HERE/../shared/bench}
[ -f "$DATA/w5/chosen.npy" ] || python3 "$BENCH/gen.py" "$DATA" --only w5
cd "$HERE"
swift build -c release --product mixture-bench --scratch-path "${SCRATCH:-.build}" >/dev/null
BIN="$(swift build -c release --product mixture-bench --scratch-path "${SCRATCH:-.build}" --show-bin-path)/mixture-bench"
for i in $(seq "$REPEATS"); do
  /usr/bin/time -v python3 "$BENCH/peers.py" "$DATA" w5 em_mixture_k3 2> /tmp/mixture-bench-peer-time.txt
  grep -E "Maximum resident" /tmp/mixture-bench-peer-time.txt | sed 's/^/  peer /'
  /usr/bin/time -v "$BIN" "$DATA" swift_em_k3 swift_em_k3_hard 2> /tmp/mixture-bench-swift-time.txt
  grep -E "Maximum resident" /tmp/mixture-bench-swift-time.txt | sed 's/^/  swift /'
done
