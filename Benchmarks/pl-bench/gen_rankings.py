#!/usr/bin/env python3
"""Seeded Plackett–Luce rankings for pl-bench: OUT/rankings.csv (long CSV ranking,item,rank) and
OUT/truth.txt (the centered true strengths).

    python3 Benchmarks/pl-bench/gen_rankings.py OUT [ITEMS] [RANKINGS] [LENGTH] [SEED]

Defaults: 200 items, 20,000 rankings of 4, seed 16. Each ranking ranks a uniform random subset
of LENGTH items, ordered by the Gumbel trick (θ + Gumbel noise, decreasing), θ ~ N(0, 1).
"""
import os
import sys

import numpy as np

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
m = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
k = int(sys.argv[4]) if len(sys.argv) > 4 else 4
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 16
rng = np.random.default_rng(seed)
theta = rng.normal(size=n)
theta -= theta.mean()
os.makedirs(out, exist_ok=True)
np.savetxt(os.path.join(out, "truth.txt"), theta, fmt="%.17g")
# Options: k distinct items per ranking (argsort of random keys over a small oversampled draw).
options = np.empty((m, k), dtype=np.int64)
for start in range(0, m, 100_000):
    stop = min(m, start + 100_000)
    rows = stop - start
    picks = np.argsort(rng.random((rows, n)), axis=1)[:, :k] if n <= 512 else None
    if picks is None:
        picks = rng.integers(0, n, size=(rows, k))
        while True:
            s = np.sort(picks, axis=1)
            bad = np.any(s[:, 1:] == s[:, :-1], axis=1)
            if not bad.any():
                break
            picks[bad] = rng.integers(0, n, size=(bad.sum(), k))
    options[start:stop] = picks
keys = theta[options] + rng.gumbel(size=options.shape)
order = np.take_along_axis(options, np.argsort(-keys, axis=1), axis=1)
with open(os.path.join(out, "rankings.csv"), "w") as f:
    f.write("ranking,item,rank\n")
    ranks = np.tile(np.arange(1, k + 1), m)
    ids = np.repeat(np.arange(1, m + 1), k)
    items = order.reshape(-1)
    np.savetxt(f, np.stack([ids, items, ranks], axis=1), fmt="%d,item%d,%d")
print(f"{out}/rankings.csv: {m} rankings of {k} over {n} items (seed {seed})")
