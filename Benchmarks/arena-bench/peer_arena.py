#!/usr/bin/env python3
"""Dev-only peer of arena-bench: the same deduplicated-count recipe in numpy/scipy.

Ties are half wins (the Chatbot Arena convention; arena-bench --ties half). Battles are reduced to
unique (first, second, outcome) cells with counts; the full fit and every bootstrap replicate
minimize sum_cells count * -log P(outcome) by scipy L-BFGS-B on the unique rows; replicate counts are
np.random.multinomial(M, counts / M); replicates warm-start from the full-data estimate.

    python3 peer_arena.py /tmp/arena-bench-1m.csv 1000
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/arena-bench-1m.csv"
replicates = int(sys.argv[2]) if len(sys.argv) > 2 else 1000

t0 = time.perf_counter()
with open(path) as f:
    header = f.readline().strip().split(",")
    rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
wi, li, ti = header.index("winner"), header.index("loser"), header.index("tie")
names = {}
def idx(name):
    i = names.get(name)
    if i is None:
        i = names[name] = len(names)
    return i
w = np.fromiter((idx(r[wi]) for r in rows), dtype=np.int64, count=len(rows))
l = np.fromiter((idx(r[li]) for r in rows), dtype=np.int64, count=len(rows))
tie = np.fromiter((r[ti] == "1" for r in rows), dtype=bool, count=len(rows))
del rows
n = len(names)
t1 = time.perf_counter()

# Unique cells: (first, second, outcome) with outcome 0 first won, 1 second won, 2 tie.
first, second = np.minimum(w, l), np.maximum(w, l)
outcome = np.where(tie, 2, np.where(w == first, 0, 1))
codes, counts = np.unique((first * n + second) * 3 + outcome, return_counts=True)
pair_code, cell_outcome = codes // 3, codes % 3
pairs, cell_row = np.unique(pair_code, return_inverse=True)
pf, ps = pairs // n, pairs % n
M = counts.sum()

def row_weights(cell_counts):
    a = np.bincount(cell_row, weights=cell_counts * (cell_outcome == 0), minlength=len(pairs))
    b = np.bincount(cell_row, weights=cell_counts * (cell_outcome == 1), minlength=len(pairs))
    t = np.bincount(cell_row, weights=cell_counts * (cell_outcome == 2), minlength=len(pairs))
    return a + t / 2, b + t / 2

def loss_and_grad(theta, a, b):
    d = theta[pf] - theta[ps]
    loss = -(a * log_expit(d) + b * log_expit(-d)).sum()
    g = (a + b) * expit(d) - a
    grad = np.bincount(pf, weights=g, minlength=n) - np.bincount(ps, weights=g, minlength=n)
    return loss, grad

def fit(a, b, x0):
    res = minimize(loss_and_grad, x0, args=(a, b), jac=True, method="L-BFGS-B",
                   options={"maxiter": 1000, "gtol": 1e-8, "ftol": 1e-15})
    x = res.x - res.x.mean()
    return x, res

a, b = row_weights(counts.astype(float))
theta, res = fit(a, b, np.zeros(n))
t2 = time.perf_counter()
rng = np.random.default_rng(1)
samples = np.empty((replicates, n))
p = counts / M
for r in range(replicates):
    c = rng.multinomial(M, p).astype(float)
    ar, br = row_weights(c)
    samples[r], _ = fit(ar, br, theta)
lo, hi = np.percentile(samples, [2.5, 97.5], axis=0)
t3 = time.perf_counter()
inv = {v: k for k, v in names.items()}
order = np.argsort(-theta)[:3]
print(json.dumps({
    "impl": "python", "battles": int(M), "items": n, "cells": int(len(counts)), "replicates": replicates,
    "load_s": t1 - t0, "fit_s": t2 - t1, "bootstrap_s": t3 - t2, "fit_plus_bootstrap_s": t3 - t1,
    "log_likelihood": -float(res.fun), "iterations": int(res.nit), "max_abs_gradient": float(np.abs(res.jac).max()),
    "mean_interval_width": float((hi - lo).mean()), "top": {inv[int(i)]: float(theta[i]) for i in order},
}))
