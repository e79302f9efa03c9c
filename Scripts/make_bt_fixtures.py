#!/usr/bin/env python3
"""Reference fixtures for RewardKit's item-level paired-comparison models (dev-only).

    pip install numpy scipy choix
    python3 Scripts/make_bt_fixtures.py [--data ../shared/data]

Writes Tests/ItemModelsTests/Fixtures/*.json. Each fixture holds a data set (inline, or a path
relative to the shared data folder), the model, λ, and the reference optimum: centered strengths,
tie parameter (ν for Davidson, θ for Rao–Kupper), log-likelihood, objective and the sum-to-zero
covariance standard errors.

The references are independent of the Swift code:
- Bradley–Terry without ties: choix.opt_pairwise (penalty alpha·‖θ‖², so alpha = λ/2), polished
  by Newton steps on the written likelihood.
- Davidson, Rao–Kupper, Thurstone and weighted data: the likelihood written in the textbook
  strength form (π = e^θ), minimized with scipy; gradients by complex-step differentiation of
  that written likelihood (no hand-derived derivatives), Hessians by central differences of the
  complex-step gradient, then Newton polishing to max |gradient| < 1e-10.

Penalty convention: F = −log L + (λ/2)‖θ‖² (the tie parameter is not penalized).
"""
import argparse
import csv
import json
import os

import numpy as np
import scipy.optimize
import scipy.special

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "ItemModelsTests", "Fixtures")


def negloglik(params, data, model, ties):
    """−log L written from the probability formulas (complex-safe)."""
    n = data["n"]
    theta = params[:n]
    w, l, t, wt = data["w"], data["l"], data["t"], data["wt"]
    pw, pl = np.exp(theta[w]), np.exp(theta[l])
    if model == "thurstone":
        d = theta[w] - theta[l]
        phi = 0.5 * scipy.special.erfc(-d / np.sqrt(2))
        if ties == "halfWins":
            phin = 0.5 * scipy.special.erfc(d / np.sqrt(2))
            per = np.where(t, 0.5 * np.log(phi) + 0.5 * np.log(phin), np.log(phi))
        else:
            per = np.log(phi)
        return -np.sum(wt * per)
    if ties == "davidson":
        nu = np.exp(params[n])
        denom = pw + pl + nu * np.sqrt(pw * pl)
        per = np.where(t, np.log(nu * np.sqrt(pw * pl) / denom), np.log(pw / denom))
        return -np.sum(wt * per)
    if ties == "raoKupper":
        th = np.exp(params[n])
        win = pw / (pw + th * pl)
        tie = (th * th - 1) * pw * pl / ((pw + th * pl) * (pl + th * pw))
        per = np.where(t, np.log(tie), np.log(win))
        return -np.sum(wt * per)
    win = pw / (pw + pl)
    if ties == "halfWins":
        per = np.where(t, 0.5 * np.log(win) + 0.5 * np.log(1 - win), np.log(win))
    else:
        per = np.log(win)
    return -np.sum(wt * per)


def objective(params, data, model, ties, lam):
    n = data["n"]
    return negloglik(params, data, model, ties) + lam / 2 * np.sum(params[:n] ** 2)


def complex_step_gradient(f, x, h=1e-30):
    g = np.zeros_like(x)
    for k in range(len(x)):
        z = x.astype(complex)
        z[k] += 1j * h
        g[k] = f(z).imag / h
    return g


def hessian(f, x, h=1e-5):
    m = len(x)
    H = np.zeros((m, m))
    for k in range(m):
        e = np.zeros(m)
        e[k] = h * max(1.0, abs(x[k]))
        H[:, k] = (complex_step_gradient(f, x + e) - complex_step_gradient(f, x - e)) / (2 * e[k])
    return (H + H.T) / 2


def fit(data, model, ties, lam, start=None):
    n = data["n"]
    dim = n + (1 if ties in ("davidson", "raoKupper") else 0)
    f = lambda p: objective(p, data, model, ties, lam)
    x = np.zeros(dim) if start is None else np.array(start, dtype=float)
    if dim > n and start is None:
        x[n] = 0.0 if ties == "davidson" else 0.3
    res = scipy.optimize.minimize(lambda p: f(p).real, x, jac=lambda p: complex_step_gradient(f, p),
                                  method="BFGS", options={"gtol": 1e-10, "maxiter": 10000})
    x = res.x
    for _ in range(20):
        g = complex_step_gradient(f, x)
        if np.max(np.abs(g)) < 1e-11:
            break
        H = hessian(f, x)
        x = x - np.linalg.pinv(H, rcond=1e-13) @ g
        x[:n] -= x[:n].mean()
    g = complex_step_gradient(f, x)
    assert np.max(np.abs(g)) < 1e-9, f"reference fit did not converge: max|g| = {np.max(np.abs(g))}"
    x[:n] -= x[:n].mean()
    return x


def standard_errors(x, data, model, ties, lam):
    n = data["n"]
    f = lambda p: objective(p, data, model, ties, lam)
    H = hessian(f, x)
    dim = len(x)
    P = np.eye(dim)
    P[:n, :n] -= 1.0 / n
    if lam > 0:
        cov = P @ np.linalg.inv(H) @ P
    else:
        # Moore–Penrose inverse on the centered subspace (projecting first removes the
        # finite-difference noise along the null direction u = (1, …, 1[, 0])).
        cov = P @ np.linalg.pinv(P @ H @ P, rcond=1e-9) @ P
    return np.sqrt(np.diag(cov))


def make_fixture(name, items, records, model, ties, lam, reference, data_file=None, choix_alpha=None):
    index = {s: i for i, s in enumerate(items)}
    keep = [r for r in records if not (ties == "drop" and r[2])]
    data = {
        "n": len(items),
        "w": np.array([index[r[0]] for r in keep]),
        "l": np.array([index[r[1]] for r in keep]),
        "t": np.array([bool(r[2]) for r in keep]),
        "wt": np.array([float(r[3]) for r in keep]),
    }
    start = None
    if choix_alpha is not None:
        import choix
        pairs = [(index[r[0]], index[r[1]]) for r in keep]
        start = choix.opt_pairwise(len(items), pairs, alpha=choix_alpha, tol=1e-12)
    x = fit(data, model, ties, lam, start)
    if choix_alpha is not None:
        delta = np.max(np.abs((start - start.mean()) - x[: len(items)]))
        assert delta < 1e-6, f"{name}: choix and the polished optimum differ by {delta}"
    n = len(items)
    se = standard_errors(x, data, model, ties, lam)
    nll = float(negloglik(x, data, model, ties))
    fixture = {
        "name": name,
        "reference": reference,
        "model": model,
        "ties": ties,
        "l2": lam,
        "items": items,
        "strengths": [float(v) for v in x[:n]],
        "standard_errors": [float(v) for v in se[:n]],
        "log_likelihood": -nll,
        "objective": nll + lam / 2 * float(np.sum(x[:n] ** 2)),
    }
    if len(x) > n:
        fixture["tie_parameter"] = float(np.exp(x[n]))
        fixture["log_tie_parameter_standard_error"] = float(se[n])
    if data_file is None:
        fixture["comparisons"] = {
            "winner": [r[0] for r in records],
            "loser": [r[1] for r in records],
            "tie": [int(bool(r[2])) for r in records],
            "weight": [float(r[3]) for r in records],
        }
    else:
        fixture["data_file"] = data_file
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(fixture, fh, indent=1)
        fh.write("\n")
    print(f"{name}: {n} items, {len(records)} records, logL {-nll:.6f}")


def synthetic(rng, n, m, model="bt", tie_param=None):
    theta = rng.normal(size=n)
    items = [f"item{k}" for k in range(n)]
    records = []
    for _ in range(m):
        i, j = rng.choice(n, size=2, replace=False)
        d = theta[i] - theta[j]
        if model == "davidson":
            a, b, c = np.exp(d / 2), np.exp(-d / 2), tie_param
            pw, pt = a / (a + b + c), c / (a + b + c)
        elif model == "thurstone":
            pw, pt = 0.5 * scipy.special.erfc(-d / np.sqrt(2)), 0.0
        else:
            pw, pt = 1 / (1 + np.exp(-d)), 0.0
        u = rng.random()
        if u < pw:
            records.append((items[i], items[j], 0, 1.0))
        elif u < pw + pt:
            records.append((items[i], items[j], 1, 1.0))
        else:
            records.append((items[j], items[i], 0, 1.0))
    return items, records


def read_shared(path):
    items, index, records = [], {}, []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            for name in (row["winner"], row["loser"]):
                if name not in index:
                    index[name] = len(items)
                    items.append(name)
            records.append((row["winner"], row["loser"], int(row.get("tie") or 0), 1.0))
    return items, records


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)

    cycle = [("a", "b", 0, 1.0), ("b", "c", 0, 1.0), ("c", "a", 0, 1.0)] * 2
    make_fixture("cycle3", ["a", "b", "c"], cycle, "bradleyTerry", "halfWins", 0.0,
                 "choix.opt_pairwise(alpha=0); all strengths equal", choix_alpha=0.0)

    items, records = synthetic(rng, 6, 80)
    make_fixture("bt_small_mle", items, records, "bradleyTerry", "halfWins", 0.0,
                 "choix.opt_pairwise(alpha=0) polished by Newton", choix_alpha=0.0)
    make_fixture("bt_small_l2", items, records, "bradleyTerry", "halfWins", 0.5,
                 "choix.opt_pairwise(alpha=0.25 = λ/2) polished by Newton", choix_alpha=0.25)
    make_fixture("thurstone_small", *synthetic(rng, 6, 120, "thurstone"), "thurstone", "halfWins", 0.0,
                 "scipy BFGS + Newton on the written probit likelihood")
    items, records = synthetic(rng, 6, 120, "thurstone")
    make_fixture("thurstone_small_l2", items, records, "thurstone", "halfWins", 0.3,
                 "scipy BFGS + Newton on the written probit likelihood")

    items, records = synthetic(rng, 5, 40)
    records = [(w, l, t, float(np.round(rng.uniform(0.2, 3.0), 3))) for (w, l, t, _) in records]
    make_fixture("bt_weighted", items, records, "bradleyTerry", "halfWins", 0.1,
                 "scipy BFGS + Newton on the written weighted likelihood")

    items, records = synthetic(rng, 6, 200, "davidson", 1.2)
    make_fixture("ties_davidson", items, records, "bradleyTerry", "davidson", 0.0,
                 "scipy BFGS + Newton on the written Davidson likelihood (ν = e^η)")
    make_fixture("ties_davidson_l2", items, records, "bradleyTerry", "davidson", 0.2,
                 "scipy BFGS + Newton on the written Davidson likelihood")
    make_fixture("ties_rao_kupper", items, records, "bradleyTerry", "raoKupper", 0.0,
                 "scipy BFGS + Newton on the written Rao–Kupper likelihood (θ = e^η)")
    make_fixture("ties_half_wins", items, records, "bradleyTerry", "halfWins", 0.0,
                 "scipy BFGS + Newton; a tie is half a win for each side")

    shared = os.path.abspath(args.data)
    if os.path.isdir(shared):
        for folder, model, ties, lam, alpha in [
            ("bt2_citations", "bradleyTerry", "halfWins", 0.0, 0.0),
            ("bt2_baseball", "bradleyTerry", "halfWins", 0.0, 0.0),
            ("bt2_icehockey", "bradleyTerry", "davidson", 0.0, None),
            ("vicuna80_human", "bradleyTerry", "raoKupper", 0.0, None),
            ("vicuna80_human", "bradleyTerry", "davidson", 0.0, None),
            ("nascar2002", "bradleyTerry", "halfWins", 0.1, 0.05),
        ]:
            path = os.path.join(shared, folder, "comparisons.csv")
            items, records = read_shared(path)
            name = f"real_{folder}_{ties}"
            make_fixture(name, items, records, model, ties, lam,
                         f"{folder}: " + ("choix.opt_pairwise(alpha=λ/2) polished" if alpha is not None
                                          else "scipy BFGS + Newton on the written likelihood"),
                         data_file=f"{folder}/comparisons.csv", choix_alpha=alpha)
    else:
        print(f"shared data folder {shared} not found: real-data fixtures skipped")


if __name__ == "__main__":
    main()
