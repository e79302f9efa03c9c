"""Seeded labelling campaign for the noisy Bradley–Terry benchmark.

    python3 Benchmarks/noisy-bench/gen.py OUT_DIR [--comparisons 1000000] [--annotators 5000] [--items 2000] [--seed 20261204]

Writes OUT_DIR/comparisons.csv (winner,loser,annotator,first), OUT_DIR/truth.csv (item,strength)
and OUT_DIR/annotators_truth.csv (annotator,kind,reliability,bias). Items have θ ~ N(0, 1); each
annotator labels comparisons/annotators uniformly random pairs, the first-shown item a fair coin:
70% careful (η ~ U(0.9, 1), β ~ N(0, 0.1²)), 15% sloppy (η ~ U(0.6, 0.85), β ~ N(0.3, 0.2²)),
8% left-clickers (always the item shown first), 7% adversarial (η = 0.2). The report of
`a reported i ≻ j` follows P = η·σ(θ_i − θ_j + β·s) + (1 − η)·σ(−(θ_i − θ_j + β·s)), s = +1 when i was
shown first (Docs/Annotators.md).
"""
import argparse, os
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--comparisons", type=int, default=1_000_000)
p.add_argument("--annotators", type=int, default=5000)
p.add_argument("--items", type=int, default=2000)
p.add_argument("--seed", type=int, default=20261204)
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(a.seed)
n, A, m = a.items, a.annotators, a.comparisons
theta = rng.normal(size=n)
kind = rng.choice(4, size=A, p=[0.70, 0.15, 0.08, 0.07])
eta = np.where(kind == 0, rng.uniform(0.9, 1.0, A), np.where(kind == 1, rng.uniform(0.6, 0.85, A), np.where(kind == 2, 1.0, 0.2)))
beta = np.where(kind == 0, rng.normal(0, 0.1, A), np.where(kind == 1, rng.normal(0.3, 0.2, A), np.where(kind == 2, np.inf, 0.0)))
who = np.repeat(np.arange(A), m // A)
who = np.concatenate([who, rng.integers(0, A, m - who.size)])
first = rng.integers(0, n, m)
second = rng.integers(0, n - 1, m)
second += second >= first
d = theta[first] - theta[second] + beta[who]          # the first-shown item's side (β = +∞: always first)
with np.errstate(over="ignore"):
    sig = 1 / (1 + np.exp(-d))
prob_first = eta[who] * sig + (1 - eta[who]) * (1 - sig)
first_wins = rng.random(m) < prob_first
winner = np.where(first_wins, first, second)
loser = np.where(first_wins, second, first)
names = np.array([f"i{k:04d}" for k in range(n)])
people = np.array([f"a{k:04d}" for k in range(A)])
with open(os.path.join(a.out, "comparisons.csv"), "w") as f:
    f.write("winner,loser,annotator,first\n")
    rows = np.stack([names[winner], names[loser], people[who], names[first]], axis=1)
    f.write("\n".join(",".join(r) for r in rows))
    f.write("\n")
with open(os.path.join(a.out, "truth.csv"), "w") as f:
    f.write("item,strength\n" + "".join(f"{names[k]},{float(theta[k] - theta.mean())!r}\n" for k in range(n)))
kinds = np.array(["careful", "sloppy", "left-clicker", "adversarial"])
with open(os.path.join(a.out, "annotators_truth.csv"), "w") as f:
    f.write("annotator,kind,reliability,bias\n" + "".join(f"{people[k]},{kinds[kind[k]]},{float(eta[k])!r},{float(beta[k])!r}\n" for k in range(A)))
print(f"{m} comparisons, {A} annotators, {n} items -> {a.out}")
