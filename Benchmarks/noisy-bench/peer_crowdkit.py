"""crowd-kit's NoisyBradleyTerry on the benchmark file: prints one JSON line (fit seconds after
loading, Spearman of its scores with the true strengths).

    python3 Benchmarks/noisy-bench/peer_crowdkit.py DATA_DIR [--rows N] [--n-iter 100]

crowd-kit's model is P = γ_w·σ(±(s_i − s_j)) + (1 − γ_w)·σ(±q_w) with `left` the item shown first, so the
file's `first` column is its `left`. --rows N fits the first N rows only (a stated subset).
"""
import argparse, json, time
import numpy as np, pandas as pd
from scipy.stats import spearmanr
from crowdkit.aggregation import NoisyBradleyTerry

p = argparse.ArgumentParser()
p.add_argument("data")
p.add_argument("--rows", type=int, default=None)
p.add_argument("--n-iter", type=int, default=100)
a = p.parse_args()
frame = pd.read_csv(f"{a.data}/comparisons.csv", nrows=a.rows, dtype=str)
left = frame["first"]
right = np.where(frame["first"] == frame["winner"], frame["loser"], frame["winner"])
data = pd.DataFrame({"worker": frame["annotator"], "left": left, "right": right, "label": frame["winner"]})
truth = pd.read_csv(f"{a.data}/truth.csv", dtype={"item": str}).set_index("item")["strength"]
start = time.perf_counter()
model = NoisyBradleyTerry(n_iter=a.n_iter).fit(data)
seconds = time.perf_counter() - start
scores = model.scores_.reindex(truth.index)
rho = spearmanr(np.log(scores.values) - np.log1p(-scores.values), truth.values, nan_policy="omit").statistic
print(json.dumps({"method": "crowdkit_noisy_bt", "rows": len(frame), "n_iter": a.n_iter, "wall_s": seconds,
                  "spearman": float(rho), "items_scored": int(scores.notna().sum())}))
