#!/usr/bin/env python3
"""Write the reference fixtures for the Swift tests: Tests/ZeroGapTests/Fixtures/reference/.

For each case: X.npy (n×d float64, last column ones = bias), y.npy (length n float64),
G.npy (d×P float64 seeded Gaussian gates) and expected.json with the reference solver's
objectives (bench/reference.py, cvxpy + Clarabel) for every model × loss that fits the labels.
Deterministic: fixed seeds, numpy's PCG64 (default_rng).  Re-run with
    python3 bench/make_reference_cases.py [--out DIR]
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
OUT = os.path.join(ROOT, "Tests", "ZeroGapTests", "Fixtures", "reference")

# name, seed, n, d (including the bias column), number of gates, labels
CASES = [
    ("regression-n20-d3", 101, 20, 3, 10, "real"),
    ("regression-n40-d5", 102, 40, 5, 25, "real"),
    ("classification-n30-d4", 103, 30, 4, 20, "pm1"),
    ("classification-n60-d6", 104, 60, 6, 40, "pm1"),
]
BETA_FRACTION = 0.1  # β = this × max_i ‖Xᵀ D_i y‖ (the gated squared-loss λ_max), rounded to 3 digits


def make_data(seed, n, d, P, labels):
    """Planted two-layer ReLU teacher (4 neurons) plus noise; ±1 labels are its sign."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, d))
    X[:, : d - 1] = rng.standard_normal((n, d - 1))
    X[:, d - 1] = 1.0
    U = rng.standard_normal((d, 4))
    a = rng.choice([-1.0, 1.0], size=4) * (0.5 + rng.random(4))
    f = np.maximum(X @ U, 0.0) @ a
    if labels == "real":
        y = f + 0.1 * rng.standard_normal(n)
    else:
        y = np.where(f - np.median(f) + 0.3 * rng.standard_normal(n) >= 0, 1.0, -1.0)
    G = rng.standard_normal((d, P))
    return X, y, G


def combos(labels):
    out = [("gated-relu", "squared"), ("relu", "squared")]
    if labels == "pm1":
        out += [("gated-relu", "logistic"), ("relu", "logistic"), ("gated-relu", "hinge"), ("relu", "hinge")]
    return out


def yhat_from_dual(loss, y, v):
    """ŷ implied by the optimal dual point: y − v (squared), y·log((1−q)/q) with q = y v (logistic)."""
    if loss == "squared":
        return y - v
    q = np.clip(y * v, 1e-300, 1 - 1e-16)
    return y * np.log((1 - q) / q)


def main():
    import clarabel
    import cvxpy as cp

    out_dir = OUT
    if "--out" in sys.argv:
        out_dir = sys.argv[sys.argv.index("--out") + 1]
    os.makedirs(out_dir, exist_ok=True)
    index = []
    for name, seed, n, d, P, labels in CASES:
        X, y, G = make_data(seed, n, d, P, labels)
        D, kept = R.patterns_from_gates(X, G)
        lam = max(float(np.linalg.norm(X.T @ (D[:, i] * y))) for i in range(D.shape[1]))
        beta = float(f"{BETA_FRACTION * lam:.3g}")
        case_dir = os.path.join(out_dir, name)
        os.makedirs(case_dir, exist_ok=True)
        np.save(os.path.join(case_dir, "X.npy"), np.ascontiguousarray(X, dtype="<f8"))
        np.save(os.path.join(case_dir, "y.npy"), np.ascontiguousarray(y, dtype="<f8"))
        np.save(os.path.join(case_dir, "G.npy"), np.ascontiguousarray(G, dtype="<f8"))
        results = {}
        for model, loss in combos(labels):
            r = R.solve(X, y, D, beta, model, loss, dual=True)
            if r["objective"] is None:
                sys.exit(f"{name} {model} {loss}: the reference solver failed ({r['status']})")
            col = r["_columns"][0]
            entry = {
                "objective": r["objective"],
                "dual": r["dual"],
                "status": r["status"],
                "tolerance": r["tolerance"],
                "dual_status": r["dual_status"],
                "max_cone_violation": r["max_cone_violation"],
                "nonzero_blocks": int(sum(int(np.linalg.norm(B[:, j]) > 1e-7)
                                          for B in col["blocks"].values() for j in range(B.shape[1]))),
            }
            if loss != "hinge":  # ŷ is unique for strictly convex losses
                entry["prediction"] = r["prediction"]
                if r["dual"] is not None:
                    dv = R.solve_dual_column(X, y, D, beta, model, loss)["dual_point"]
                    entry["prediction_agreement"] = float(
                        np.max(np.abs(np.asarray(r["prediction"]) - yhat_from_dual(loss, y, dv))))
                entry["certificate"] = r.get("certificate")
            results[f"{model}/{loss}"] = entry
            gap = None if r["dual"] is None else r["objective"] - r["dual"]
            print(f"{name:24s} {model:10s} {loss:8s} P={D.shape[1]:3d} β={beta:<8g} "
                  f"obj={r['objective']:.12f} gap={gap if gap is None else f'{gap:.1e}'} [{r['status']}]")
        expected = {
            "case": name,
            "seed": seed,
            "n": n,
            "d": d,
            "gates": P,
            "patterns": int(D.shape[1]),
            "pattern_gate_indices": [int(k) for k in kept],
            "labels": labels,
            "bias_column": d - 1,
            "beta": beta,
            "files": {"X": "X.npy", "y": "y.npy", "G": "G.npy"},
            "results": results,
            "generator": {
                "command": "python3 bench/make_reference_cases.py",
                "numpy": np.__version__,
                "cvxpy": cp.__version__,
                "clarabel": clarabel.__version__,
            },
        }
        with open(os.path.join(case_dir, "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        index.append(name)
    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(out_dir) for fn in fns)
    print(f"wrote {len(index)} cases to {out_dir} ({total / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
