#!/usr/bin/env python3
"""Time the reference solver (cvxpy + Clarabel) on a planted problem, for comparison with Swift.

Default problem: n = 500, d = 20 (19 Gaussian features + a bias column of ones), 100 Gaussian
gates, targets from a planted two-layer ReLU teacher (10 neurons) plus N(0, 0.1²) noise, seed 0,
squared loss, β = 0.1 × max_i ‖Xᵀ D_i y‖ rounded to 3 digits.  Both gated-relu (C-GReLU) and
relu (C-ReLU) are solved, each twice: "ladder" is exactly what reference.py does (tolerance 1e-12
first, looser rungs only if Clarabel fails; every attempt is listed) and "tol=1e-8" is one Clarabel
solve at 1e-8.  "total" is wall time including cvxpy's canonicalisation; "clarabel" is the sum
of Clarabel's own solve times over the attempts.

Usage: python3 bench/time_reference.py [--n 500] [--d 20] [--gates 100] [--seed 0] [--repeat 1] [--json] [--save DIR]
"""
import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference as R  # noqa: E402


def planted(n, d, P, seed, teacher=10, noise=0.1):
    rng = np.random.default_rng(seed)
    X = np.empty((n, d))
    X[:, : d - 1] = rng.standard_normal((n, d - 1))
    X[:, d - 1] = 1.0
    U = rng.standard_normal((d, teacher)) / np.sqrt(d)
    a = rng.choice([-1.0, 1.0], size=teacher)
    y = np.maximum(X @ U, 0.0) @ a + noise * rng.standard_normal(n)
    G = rng.standard_normal((d, P))
    return X, y, G


def main():
    import clarabel
    import cvxpy as cp

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--gates", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save", metavar="DIR", help="write X.npy, y.npy, G.npy there (for ZEROGAP_BENCH_PLANTED)")
    a = ap.parse_args()

    X, y, G = planted(a.n, a.d, a.gates, a.seed)
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        for name, arr in (("X", X), ("y", y), ("G", G)):
            np.save(os.path.join(a.save, name + ".npy"), np.asfortranarray(arr) if arr.ndim == 2 else arr)
    D, _ = R.patterns_from_gates(X, G)
    lam = max(float(np.linalg.norm(X.T @ (D[:, i] * y))) for i in range(D.shape[1]))
    beta = float(f"{0.1 * lam:.3g}")
    rows = []
    ladder = R.TOLERANCES
    for model in ("gated-relu", "relu"):
        for mode, tols in (("ladder", ladder), ("tol=1e-8", (1e-8,))):
            R.TOLERANCES = tols
            totals, solves = [], []
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                r = R.solve(X, y, D, beta, model, "squared")
                totals.append(time.perf_counter() - t0)
                col = r["_columns"][0]
                solves.append(sum(x.get("seconds") or 0.0 for x in col["attempts"]))
            nz = sum(int(np.linalg.norm(B[:, j]) > 1e-6) for B in col["blocks"].values()
                     for j in range(B.shape[1]))
            rows.append({
                "model": model, "mode": mode, "objective": r["objective"], "status": r["status"],
                "tolerance": r["tolerance"], "iterations": col["iterations"],
                "attempts": [f"{x['tol']:.0e}:{x['status']}" for x in col["attempts"]],
                "total_seconds_min": min(totals), "total_seconds_median": float(np.median(totals)),
                "clarabel_seconds_min": min(solves), "nonzero_blocks": nz,
                "max_cone_violation": r["max_cone_violation"],
            })
    R.TOLERANCES = ladder
    info = {"n": a.n, "d": a.d, "gates": a.gates, "patterns": int(D.shape[1]), "seed": a.seed, "beta": beta,
            "loss": "squared", "repeat": a.repeat, "solver": f"Clarabel {clarabel.__version__} via cvxpy {cp.__version__}",
            "numpy": np.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "results": rows}
    if a.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"n={a.n} d={a.d} gates={a.gates} -> P={D.shape[1]} patterns, seed={a.seed}, β={beta}, squared loss, "
          f"{info['solver']}, best of {a.repeat}")
    print(f"{'model':11s} {'mode':9s} {'objective':>20s} {'status':>19s} {'tol':>6s} {'iters':>5s} {'total s':>8s} "
          f"{'clarabel s':>10s} {'blocks':>6s}")
    for r in rows:
        print(f"{r['model']:11s} {r['mode']:9s} {r['objective']:20.10f} {r['status']:>19s} {r['tolerance']:6.0e} {r['iterations']:5d} "
              f"{r['total_seconds_min']:8.3f} {r['clarabel_seconds_min']:10.3f} {r['nonzero_blocks']:6d}  {' '.join(r['attempts'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
