#!/usr/bin/env python3
"""Reference fixtures for RewardKit's Plackett–Luce item model (dev-only, run once).

    pip install numpy scipy choix torch
    python3 Scripts/make_pl_fixtures.py

Writes Tests/ItemModelsTests/Fixtures/PlackettLuce/pl_*.json (a folder of its own: the Bradley–Terry
fixture tests read every .json directly in Fixtures/). Each fixture holds the rankings (places from
best to worst, a place being a list of item names; optional unranked options), λ, the tie model
and the reference optimum: centered strengths, log tie parameters, log-likelihood and objective.

The references are independent of the Swift code:
- No ties, full rankings: choix 0.4.1 `opt_rankings` (Newton-CG; choix penalizes alpha·‖θ‖², so
  alpha = λ/2) and `ilsr_rankings` (alpha = 0, the maximum-likelihood estimate; choix's LSR
  "alpha" is a Markov-chain regularizer, not an L2 penalty, so it is only used at 0).
- Top-k rankings: the probability of a top-k ranking written as the sum, over every order of the
  unranked options, of the full Plackett–Luce probability (brute force), maximized by Newton with
  PyTorch autograd derivatives.
- Davidson–Luce ties: each place's probability written from the definition, δ_t·(Π π)^{1/t} over
  the sum over all subsets of the remaining items of size ≤ D, checked to normalize over every
  ordered partition of each option set, maximized by Newton with PyTorch autograd derivatives.
R's PlackettLuce is not available here (Debian has no r-cran-plackettluce package).
"""
import itertools
import json
import math
import os

import choix
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "ItemModelsTests", "Fixtures", "PlackettLuce")


def sample_pl(rng, theta, options):
    """A Plackett–Luce order of `options` by the Gumbel trick."""
    keys = theta[options] + rng.gumbel(size=len(options))
    return [options[k] for k in np.argsort(-keys)]


def sample_dl(rng, theta, options, deltas):
    """Davidson–Luce places of `options`: groups S with weight δ_|S|·exp(mean θ_S)."""
    remaining = list(options)
    places = []
    largest = len(deltas) + 1
    while remaining:
        groups = [g for t in range(1, min(largest, len(remaining)) + 1) for g in itertools.combinations(remaining, t)]
        w = np.array([(1 if len(g) == 1 else deltas[len(g) - 2]) * math.exp(np.mean(theta[list(g)])) for g in groups])
        g = groups[rng.choice(len(groups), p=w / w.sum())]
        places.append(list(g))
        remaining = [i for i in remaining if i not in g]
    return places


def newton(nll, x0, tol=1e-12, iterations=100):
    """Newton with autograd gradient/Hessian, a pseudo-inverse for the centering null direction."""
    x = torch.tensor(x0, requires_grad=False)
    for _ in range(iterations):
        g = torch.autograd.functional.jacobian(nll, x)
        if g.abs().max() < tol:
            break
        h = torch.autograd.functional.hessian(nll, x)
        step = torch.linalg.pinv(h, hermitian=True) @ g
        t = 1.0
        f0 = nll(x)
        while nll(x - t * step) > f0 + 1e-12 * abs(float(f0)) and t > 1e-8:
            t /= 2
        x = x - t * step
    g = torch.autograd.functional.jacobian(nll, x)
    assert g.abs().max() < 1e-9, f"not converged: {g.abs().max()}"
    return x.detach().numpy()


def write(name, items, rankings, l2, ties, theta, etas, loglik, objective, reference):
    theta = np.asarray(theta, dtype=float)
    theta = theta - theta.mean()
    record = {
        "name": name, "reference": reference, "ties": ties, "l2": l2, "items": items,
        "rankings": [{"places": [[items[i] for i in place] for place in r["places"]],
                      "unranked": [items[i] for i in r.get("unranked", [])]} for r in rankings],
        "strengths": [float(v) for v in theta], "log_tie_parameters": [float(v) for v in etas],
        "log_likelihood": float(loglik), "objective": float(objective),
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(record, f, indent=1)
    print(name, reference, "loglik", loglik)


def pl_nll_choix(theta, rankings):
    """The full-ranking negative log-likelihood, written directly."""
    total = 0.0
    for r in rankings:
        order = [p[0] for p in r["places"]]
        for k in range(len(order) - 1):
            rest = theta[order[k:]]
            total -= theta[order[k]] - (rest.max() + math.log(np.exp(rest - rest.max()).sum()))
    return total


def choix_fixtures():
    rng = np.random.default_rng(16)
    n = 8
    theta = rng.normal(size=n)
    rankings = []
    for _ in range(150):
        m = rng.integers(2, 6)
        options = list(rng.choice(n, size=m, replace=False))
        rankings.append({"places": [[int(i)] for i in sample_pl(rng, theta, options)]})
    data = [tuple(p[0] for p in r["places"]) for r in rankings]
    items = [f"item{i}" for i in range(n)]
    mle = choix.ilsr_rankings(n, data, alpha=0.0, tol=1e-14, max_iter=10_000)
    mle -= mle.mean()
    opt = choix.opt_rankings(n, data, alpha=0.0, tol=1e-14)
    opt -= opt.mean()
    assert np.abs(mle - opt).max() < 1e-6, np.abs(mle - opt).max()
    ll = -pl_nll_choix(mle, rankings)
    write("pl_choix_mle", items, rankings, 0.0, "none", mle, [], ll, -ll, "choix.ilsr_rankings(alpha=0), = opt_rankings(alpha=0) to 1e-6")
    alpha = 0.05
    pen = choix.opt_rankings(n, data, alpha=alpha, tol=1e-14)
    ll = -pl_nll_choix(pen, rankings)
    write("pl_choix_l2", items, rankings, 2 * alpha, "none", pen, [], ll, -ll + alpha * np.sum(pen ** 2),
          "choix.opt_rankings(alpha=0.05), λ = 2·alpha = 0.1")


def topk_fixture():
    rng = np.random.default_rng(61)
    n = 6
    theta_true = rng.normal(size=n)
    rankings = []
    for _ in range(60):
        options = list(rng.choice(n, size=rng.integers(3, 6), replace=False))
        order = [int(i) for i in sample_pl(rng, theta_true, options)]
        rankings.append({"places": [[i] for i in order[:2]], "unranked": order[2:]})
    l2 = 0.1

    def nll(x):
        total = torch.zeros(())
        for r in rankings:
            top = [p[0] for p in r["places"]]
            probabilities = []
            for rest in itertools.permutations(r["unranked"]):
                order = top + list(rest)
                logp = torch.zeros(())
                for k in range(len(order) - 1):
                    logp = logp + x[order[k]] - torch.logsumexp(x[order[k:]], 0)
                probabilities.append(logp)
            total = total - torch.logsumexp(torch.stack(probabilities), 0)
        return total

    objective = lambda x: nll(x) + 0.5 * l2 * (x ** 2).sum()
    x = newton(objective, np.zeros(n))
    items = [f"item{i}" for i in range(n)]
    xt = torch.tensor(x)
    write("pl_topk_bruteforce", items, rankings, l2, "none", x, [], -float(nll(xt)), float(objective(xt)),
          "top-k probability as the sum over all completions (brute force), Newton with torch autograd")


def ordered_partitions(options, largest):
    """Every ordered partition of `options` into groups of at most `largest` items."""
    if not options:
        yield []
        return
    for t in range(1, min(largest, len(options)) + 1):
        for group in itertools.combinations(options, t):
            rest = [i for i in options if i not in group]
            for tail in ordered_partitions(rest, largest):
                yield [list(group)] + tail


def dl_fixture():
    rng = np.random.default_rng(1909)
    n = 5
    theta_true = rng.normal(size=n)
    deltas_true = [0.7, 0.3]
    rankings = []
    for _ in range(120):
        options = [int(i) for i in rng.choice(n, size=rng.integers(2, 5), replace=False)]
        rankings.append({"places": [[int(i) for i in p] for p in sample_dl(rng, theta_true, options, deltas_true)]})
    largest = max(len(p) for r in rankings for p in r["places"])
    l2 = 0.05

    def log_place(x, group, remaining):
        t = len(group)
        phi = lambda g: x[list(g)].mean() + (x[n + len(g) - 2] if len(g) >= 2 else 0)
        alternatives = [g for s in range(1, min(largest, len(remaining)) + 1) for g in itertools.combinations(remaining, s)]
        return phi(group) - torch.logsumexp(torch.stack([phi(g) for g in alternatives]), 0)

    def log_ranking(x, places):
        remaining = [i for p in places for i in p]
        total = torch.zeros(())
        for p in places:
            total = total + log_place(x, p, remaining)
            remaining = [i for i in remaining if i not in p]
        return total

    # The model is a distribution: over every ordered partition of an option set, P sums to 1.
    x_check = torch.tensor(list(rng.normal(size=n)) + list(rng.normal(size=largest - 1)))
    total = sum(math.exp(float(log_ranking(x_check, part))) for part in ordered_partitions([0, 1, 2, 3], largest))
    assert abs(total - 1) < 1e-12, total

    def nll(x):
        return -sum(log_ranking(x, r["places"]) for r in rankings)

    objective = lambda x: nll(x) + 0.5 * l2 * (x[:n] ** 2).sum()
    x = newton(objective, np.zeros(n + largest - 1))
    items = [f"item{i}" for i in range(n)]
    xt = torch.tensor(x)
    write("pl_davidson_luce_bruteforce", items, rankings, l2, "davidson_luce", x[:n], list(x[n:]), -float(nll(xt)),
          float(objective(xt)), "Davidson–Luce written from its definition (normalization checked), Newton with torch autograd")


if __name__ == "__main__":
    choix_fixtures()
    topk_fixture()
    dl_fixture()
