#!/usr/bin/env python3
"""The Python peer of pl-bench: choix 0.4.1 on the same rankings.csv.

    python3 Benchmarks/pl-bench/peer_pl.py DATA/rankings.csv mm|opt

mm: choix.mm_rankings(alpha=0, tol=1e-8) (its default tolerance: L1 norm of the change of the
iterate); opt: choix.opt_rankings(alpha=0, Newton-CG, tol=1e-8). Prints one JSON line with the fit's
wall time (loading excluded), the centered strengths' log-likelihood (the Plackett–Luce
log-likelihood written here with numpy), and the strengths file written next to the data.
"""
import json
import os
import sys
import time

import choix
import numpy as np

path, method = sys.argv[1], sys.argv[2]
rows = np.loadtxt(path, delimiter=",", skiprows=1, dtype=str)
ranking = rows[:, 0].astype(np.int64)
items = np.array([int(s[4:]) for s in rows[:, 1]])
rank = rows[:, 2].astype(np.int64)
n = items.max() + 1
order = np.lexsort((rank, ranking))
k = np.bincount(ranking)[1:].max()
table = items[order].reshape(-1, k)   # equal-length rankings, best first
data = [tuple(r) for r in table]


def loglik(theta):
    s = theta[table]
    total = 0.0
    for j in range(k - 1):
        rest = s[:, j:]
        top = rest.max(axis=1)
        total += np.sum(s[:, j] - top - np.log(np.exp(rest - top[:, None]).sum(axis=1)))
    return total


start = time.perf_counter()
if method == "mm":
    theta = choix.mm_rankings(n, data, alpha=0.0, tol=1e-8, max_iter=100_000)
else:
    theta = choix.opt_rankings(n, data, alpha=0.0, tol=1e-8)
wall = time.perf_counter() - start
theta = theta - theta.mean()
np.savetxt(os.path.join(os.path.dirname(path), f"choix_{method}.txt"), theta, fmt="%.17g")
print(json.dumps({"method": f"choix_{method}_rankings", "wall_s": wall, "loglik": loglik(theta), "items": int(n),
                  "rankings": len(data)}))
