#!/usr/bin/env python3
"""Write the vector-output fixture (MATH.md §3.9) for the Swift tests:
Tests/ZeroGapTests/Fixtures/reference/vector-n20-d3/.

X and G are those of `regression-n20-d3`; Y.npy (20×2) is new (seeded). expected.json holds, from cvxpy + Clarabel:
* `relu/squared`, `gated-relu/squared`: the per-column upper bound (sum of the scalar programs, bench/reference.py);
* `nuclear`: the nuclear-norm gated program min ½‖Σ D_i X V_i − Y‖_F² + β Σ‖V_i‖_* over the same patterns.
Deterministic. Re-run with  python3 bench/make_vector_reference.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference as R  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(ROOT, "Tests", "ZeroGapTests", "Fixtures", "reference")
OUT = os.path.join(BASE, "vector-n20-d3")


def nuclear(X, Y, D, beta):
    import cvxpy as cp

    n, d = X.shape
    k = Y.shape[1]
    V = [cp.Variable((d, k)) for _ in range(D.shape[1])]
    pred = sum(cp.multiply(D[:, [i]], X @ V[i]) for i in range(D.shape[1]))
    obj = 0.5 * cp.sum_squares(pred - Y) + beta * sum(cp.normNuc(v) for v in V)
    prob = cp.Problem(cp.Minimize(obj))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    Vs = [v.value for v in V]
    yhat = sum(D[:, [i]] * (X @ Vs[i]) for i in range(len(Vs)))
    value = 0.5 * np.sum((yhat - Y) ** 2) + beta * sum(np.linalg.svd(v, compute_uv=False).sum() for v in Vs)
    return float(value), prob.status


def main():
    src = os.path.join(BASE, "regression-n20-d3")
    X = np.load(os.path.join(src, "X.npy"))
    G = np.load(os.path.join(src, "G.npy"))
    y = np.load(os.path.join(src, "y.npy"))
    rng = np.random.default_rng(201)
    y2 = np.maximum(X @ rng.standard_normal(X.shape[1]), 0) - 0.5 * np.maximum(X @ rng.standard_normal(X.shape[1]), 0)
    y2 += 0.1 * rng.standard_normal(X.shape[0])
    Y = np.stack([y, y2], axis=1)
    D, _ = R.patterns_from_gates(X, G)
    beta = 2.0
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "Y.npy"), np.ascontiguousarray(Y))
    results = {}
    for model in ["gated-relu", "relu"]:
        r = R.solve(X, Y, D, beta, model, "squared")
        results[f"{model}/squared"] = {"objective": r["objective"], "status": r["status"], "tolerance": r["tolerance"]}
    value, status = nuclear(X, Y, D, beta)
    results["nuclear"] = {"objective": value, "status": status}
    expected = {
        "case": "vector-n20-d3", "X": "../regression-n20-d3/X.npy", "G": "../regression-n20-d3/G.npy", "Y": "Y.npy",
        "n": int(X.shape[0]), "d": int(X.shape[1]), "k": 2, "patterns": int(D.shape[1]), "beta": beta,
        "results": results,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
