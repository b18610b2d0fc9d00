#!/usr/bin/env python3
"""Independent reference solver for the four-layer parallel ReLU program (MATH.md §4.4 applied to §4.3).

The recursion of §4.4 applied once more to the three-layer program of §4.3 (scalar output, squared
loss, unnormalised as in MATH.md §0; X already contains any ones column, no standardisation):

    blocks   b = (i, σ1, l, σ2, m, s),  i < P1, l < P2, m < P3,  σ1, σ2, s ∈ {+1, −1},  u_b ∈ R^d
    level 2  h2_{l,σ2,m,s} = Σ_{i,σ1} σ1 · D1_i X u_{i,σ1,l,σ2,m,s}
    level 3  h3_{m,s}      = Σ_{l,σ2} σ2 · D2_l h2_{l,σ2,m,s}
    output   ŷ             = Σ_{m,s}  s  · D3_m h3_{m,s}

    min  ½‖ŷ − y‖² + β Σ_b ‖u_b‖₂
    s.t. (2D1_i − I) X u_b ≥ 0 (every block),  (2D2_l − I) h2 ≥ 0 (every level-2 node),
         (2D3_m − I) h3 ≥ 0 (every level-3 node).

Patterns: D1 = every realisable 1[X g ≥ 0] (reference_parallel.first_layer_patterns: exhaustive LP
test of all 2^n masks, cross-checked by the d = 2 angle sweep and 200 000 random gates); D2 and D3 =
all 2^n masks of {0,1}^n (reference_parallel.second_layer_patterns).  Size 8·P1·P2·P3 blocks of
dimension d (16 384 blocks for n = 4, d = 2).

Penalty.  Σ_b ‖u_b‖ is the *path* norm of the recovered branch (tree) network: per top node (m, s)
a branch s·(Σ_{l,σ2} σ2 (Σ_{i,σ1} σ1 (X u_b)_+)_+)_+, whose paths have weight products ‖u_b‖.  At
depth 3 this equals the §4.3 Frobenius-product (R1) penalty after rebalancing; at depth 4 the R1
penalty of the same tree network, optimally rebalanced, is Σ_{top} (Σ_k T_k^{2/3})^{3/2} with T_k =
Σ_{b under level-2 node k} ‖u_b‖, which is ≥ the path norm (equal iff each top branch uses one
level-2 node).  Both are reported; the fixture's `recovered_objective` is the path-norm one.

Reported, all evaluated in numpy at the returned point: the objective, the max cone violation per
level, the recovered network's objective (ReLUs in place of the masks), and a dual certificate
built from the solver's own multipliers: with v = y − ŷ and the inequality duals λ ≥ 0,
c = max_b ‖X^T w_b(v, λ)‖ (the block's dual constraint), t = min(1, β/c), lower bound
yᵀ(tv) − ½‖tv‖²  (valid for any v and λ ≥ 0; see `dual_certificate`).

Usage:
  python3 bench/reference_deep_parallel.py --x X.npy --y y.npy --beta B [--json]
  python3 bench/reference_deep_parallel.py --example-c            # Example C, β = 0.05, vs §4.3
  python3 bench/reference_deep_parallel.py --make-fixtures DIR    # instances examplec4, random4

Same environment as bench/reference.py and bench/reference_parallel.py (bench/_refenv.py).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference as R  # noqa: E402,F401  (tolerance ladder and Clarabel options, via RP._ladder)
import reference_parallel as RP  # noqa: E402  (pattern enumeration, ladder, honest_tolerance)

MAX_N = 5  # 8·P1·2^n·2^n blocks: n = 5 is already 8·P1·1024 ≈ 80 000 blocks for d = 2


# --------------------------------------------------------------------------------------------
# Index layout
# --------------------------------------------------------------------------------------------

class Layout:
    """Block ordering, innermost first: (i, σ1), then (l, σ2), then (m, s).

        top node    t = 2m + (s == −1)                         (N3 = 2·P3)
        level-2     k = t·(2·P2) + 2l + (σ2 == −1)              (N2 = N3·2·P2)
        block       b = k·(2·P1) + 2i + (σ1 == −1)              (B  = N2·2·P1)

    Dense n×B (resp. n×N2, n×N3) masks and sign vectors, and the sparse summation matrices
    Sum1 (B×N2, entries σ1) and Sum2 (N2×N3, entries σ2), so that
        H2 = (D1b ∘ X U) Sum1,  H3 = (D2k ∘ H2) Sum2,  ŷ = (D3t ∘ H3) s.
    """

    def __init__(self, D1, D2, D3):
        import scipy.sparse as sp

        self.P1, self.P2, self.P3 = D1.shape[1], D2.shape[1], D3.shape[1]
        self.N3 = 2 * self.P3
        self.N2 = self.N3 * 2 * self.P2
        self.B = self.N2 * 2 * self.P1
        pm = np.array([1.0, -1.0])
        self.D1b = np.tile(np.repeat(D1, 2, axis=1), (1, self.N2))  # n × B
        self.sig1 = np.tile(pm, self.P1 * self.N2)  # B
        self.D2k = np.tile(np.repeat(D2, 2, axis=1), (1, self.N3))  # n × N2
        self.sig2 = np.tile(pm, self.P2 * self.N3)  # N2
        self.D3t = np.repeat(D3, 2, axis=1)  # n × N3
        self.sig3 = np.tile(pm, self.P3)  # N3
        self.Sum1 = sp.csr_matrix((self.sig1, (np.arange(self.B), np.arange(self.B) // (2 * self.P1))),
                                  shape=(self.B, self.N2))
        self.Sum2 = sp.csr_matrix((self.sig2, (np.arange(self.N2), np.arange(self.N2) // (2 * self.P2))),
                                  shape=(self.N2, self.N3))
        self.k_of_b = np.arange(self.B) // (2 * self.P1)
        self.t_of_k = np.arange(self.N2) // (2 * self.P2)
        self.t_of_b = self.t_of_k[self.k_of_b]

    def forward(self, X, U):
        """numpy: (XU, H2, H3, ŷ) for U (d × B)."""
        XU = X @ U
        H2 = np.asarray((self.D1b * XU) @ self.Sum1)
        H3 = np.asarray((self.D2k * H2) @ self.Sum2)
        yhat = (self.D3t * H3) @ self.sig3
        return XU, H2, H3, yhat


# --------------------------------------------------------------------------------------------
# The program
# --------------------------------------------------------------------------------------------

def solve_deep(X, y, beta, D1, D2, D3, verbose=False):
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(-1)
    n, d = X.shape
    L = Layout(D1, D2, D3)
    t0 = time.perf_counter()
    U = cp.Variable((d, L.B))
    H2 = cp.Variable((n, L.N2))
    H3 = cp.Variable((n, L.N3))
    XU = X @ U
    yhat = cp.multiply(L.D3t, H3) @ L.sig3
    cons = [
        H2 == cp.multiply(L.D1b, XU) @ L.Sum1,
        H3 == cp.multiply(L.D2k, H2) @ L.Sum2,
        cp.multiply(2.0 * L.D1b - 1.0, XU) >= 0,
        cp.multiply(2.0 * L.D2k - 1.0, H2) >= 0,
        cp.multiply(2.0 * L.D3t - 1.0, H3) >= 0,
    ]
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(yhat - y) + beta * cp.sum(cp.norm(U, 2, axis=0))), cons)
    build = time.perf_counter() - t0
    attempts = []
    status, tol = RP._ladder(prob, cp, verbose, attempts)
    seconds = time.perf_counter() - t0
    out = {"status": status, "tolerance": tol, "seconds": seconds, "build_seconds": build,
           "attempts": attempts, "layout": L,
           "solver_objective": float(prob.value) if prob.value is not None else None,
           "iterations": getattr(prob.solver_stats, "num_iters", None),
           "blocks": L.B, "variables": d * L.B + n * (L.N2 + L.N3),
           "cone_rows": n * (L.B + L.N2 + L.N3)}
    if U.value is None:
        out.update(objective=None, prediction=None)
        return out
    Uv = U.value
    XUv, H2v, H3v, pred = L.forward(X, Uv)
    pen = float(np.sum(np.linalg.norm(Uv, axis=0)))
    out.update(
        objective=0.5 * float(np.sum((pred - y) ** 2)) + beta * pen, prediction=pred, penalty=pen, U=Uv,
        max_cone_violation_layer1=max(0.0, -float(np.min((2.0 * L.D1b - 1.0) * XUv))),
        max_cone_violation_layer2=max(0.0, -float(np.min((2.0 * L.D2k - 1.0) * H2v))),
        max_cone_violation_layer3=max(0.0, -float(np.min((2.0 * L.D3t - 1.0) * H3v))),
        lambdas=[None if c.dual_value is None else np.asarray(c.dual_value, float) for c in cons[2:]],
    )
    return out


def dual_certificate(X, y, beta, L, yhat, lambdas):
    """Lower bound on the program's optimum from v = y − ŷ and the solver's inequality multipliers.

    Lagrangian dual of the program (λ1 ≥ 0 on (2D1−I)XU, λ2 on (2D2−I)H2, λ3 on (2D3−I)H3):
        max_{v, λ ≥ 0}  yᵀv − ½‖v‖²  s.t.  ‖Xᵀ w_b‖ ≤ β for every block b, where
        w_b = σ1σ2s·D1D2D3 v + S1∘λ1_b + σ1·D1(S2∘λ2_k) + σ1σ2·D1D2(S3∘λ3_t),  S = 2D − 1,
    (k, t the level-2 and top node above b).  For any v and λ ≥ 0, scaling both by
    t = min(1, β/c), c = max_b ‖Xᵀw_b‖, gives a feasible point, so yᵀ(tv) − ½‖tv‖² ≤ p*
    (exact up to floating-point rounding in c).  Negative multipliers (round-off) are clipped."""
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    if any(lam is None for lam in lambdas):
        return None
    lam1, lam2, lam3 = (np.maximum(lam, 0.0) for lam in lambdas)
    v = y - np.asarray(yhat, float)
    D1b, D2b, D3b = L.D1b, L.D2k[:, L.k_of_b], L.D3t[:, L.t_of_b]
    s1 = L.sig1
    s2 = L.sig2[L.k_of_b]
    s3 = L.sig3[L.t_of_b]
    W = (s1 * s2 * s3) * (D1b * D2b * D3b * v[:, None])
    W += (2.0 * D1b - 1.0) * lam1
    W += s1 * D1b * ((2.0 * L.D2k - 1.0) * lam2)[:, L.k_of_b]
    W += (s1 * s2) * D1b * D2b * ((2.0 * L.D3t - 1.0) * lam3)[:, L.t_of_b]
    c = float(np.max(np.linalg.norm(X.T @ W, axis=0)))
    t = 1.0 if c <= beta else beta / c
    lb = float(y @ (t * v) - 0.5 * (t * v) @ (t * v))
    return {"certificate": lb, "c": c, "scale": t,
            "min_multiplier": float(min(np.min(lam) for lam in lambdas))}


def recover_network(X, y, beta, L, U, tol=1e-9):
    """The tree network of the solution, evaluated with ReLUs in place of the masks.

    Per top node t = (m, s): branch output s·(Σ_{l,σ2} σ2 (Σ_{i,σ1} σ1 (X u_b)_+)_+)_+ (blocks with
    ‖u_b‖ ≤ tol are dropped).  Returns the objective with the path-norm penalty Σ_b ‖u_b‖ (equal to
    the convex objective on a feasible point), the objective with the optimally rebalanced
    Frobenius-product (R1) penalty of the same tree network, Σ_t (Σ_k T_k^{2/3})^{3/2}, and the
    branch statistics."""
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    norms = np.linalg.norm(U, axis=0)
    keep = norms > tol
    Uk = np.where(keep, 1.0, 0.0) * U
    A1 = np.maximum(X @ Uk, 0.0) * L.sig1  # n × B, σ1 (X u_b)_+
    A2 = np.maximum(np.asarray(A1 @ (L.Sum1 != 0).astype(float)), 0.0) * L.sig2  # σ2 (Σ ...)_+
    A3 = np.maximum(np.asarray(A2 @ (L.Sum2 != 0).astype(float)), 0.0) * L.sig3  # s (Σ ...)_+
    pred = A3.sum(axis=1)
    path = float(np.sum(norms[keep]))
    T2 = np.bincount(L.k_of_b, weights=np.where(keep, norms, 0.0), minlength=L.N2)  # T_k
    r1 = float(np.sum(np.bincount(L.t_of_k, weights=T2 ** (2.0 / 3.0), minlength=L.N3) ** 1.5))
    loss = 0.5 * float(np.sum((pred - y) ** 2))
    tops = np.bincount(L.t_of_k, weights=(T2 > 0).astype(float), minlength=L.N3)
    return {"recovered_objective": loss + beta * path,
            "recovered_objective_r1": loss + beta * r1,
            "recovered_prediction": pred,
            "branches": int(np.count_nonzero(tops)),
            "level2_units": int(np.count_nonzero(T2)),
            "level2_units_per_branch": [int(c) for c in tops[tops > 0]],
            "nonzero_blocks": int(np.count_nonzero(keep))}


def solve(X, y, beta, verbose=False):
    import cvxpy as cp
    import clarabel

    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(-1)
    if X.ndim != 2 or y.shape[0] != X.shape[0]:
        raise ValueError(f"X must be n×d and y of length n (got {X.shape}, {y.shape})")
    if not np.all(np.isfinite(X)) or not np.all(np.isfinite(y)):
        raise ValueError("X and y must be finite")
    if not beta > 0:
        raise ValueError("beta must be > 0")
    if X.shape[0] > MAX_N:
        raise ValueError(f"n = {X.shape[0]} > {MAX_N}: 8·P1·4^n blocks is too large")
    D1, k1, audit = RP.first_layer_patterns(X)
    D2, k2 = RP.second_layer_patterns(X.shape[0])
    D3 = D2
    sol = solve_deep(X, y, beta, D1, D2, D3, verbose)
    out = {
        "objective": sol["objective"],
        "status": sol["status"],
        "tolerance": sol["tolerance"],
        "solver": f"clarabel {clarabel.__version__} (cvxpy {cp.__version__})",
        "p1": int(D1.shape[1]), "p2": int(D2.shape[1]), "p3": int(D3.shape[1]),
        "beta": beta, "n": int(X.shape[0]), "d": int(X.shape[1]),
        "blocks": sol["blocks"], "variables": sol["variables"], "cone_rows": sol["cone_rows"],
        "seconds": sol["seconds"], "build_seconds": sol["build_seconds"],
        "iterations": sol["iterations"], "solver_objective": sol["solver_objective"],
        "attempts": sol["attempts"],
        "patterns_layer1": k1, "pattern_audit": audit,
    }
    if sol["objective"] is None:
        return out
    L = sol["layout"]
    out["prediction"] = sol["prediction"].tolist()
    out["penalty"] = sol["penalty"]
    for lv in (1, 2, 3):
        out[f"max_cone_violation_layer{lv}"] = sol[f"max_cone_violation_layer{lv}"]
    t0 = time.perf_counter()
    cert = dual_certificate(X, y, beta, L, sol["prediction"], sol["lambdas"])
    if cert is not None:
        out["certificate"] = cert["certificate"]
        out["certificate_c"] = cert["c"]
        out["certificate_min_multiplier"] = cert["min_multiplier"]
    rec = recover_network(X, y, beta, L, sol["U"])
    out["recovered_objective"] = rec["recovered_objective"]
    out["recovered_objective_r1"] = rec["recovered_objective_r1"]
    out["recovered_prediction_max_diff"] = float(np.max(np.abs(rec["recovered_prediction"] - sol["prediction"])))
    out["branches"] = rec["branches"]
    out["level2_units"] = rec["level2_units"]
    out["level2_units_per_branch"] = rec["level2_units_per_branch"]
    out["nonzero_blocks"] = rec["nonzero_blocks"]
    out["postprocess_seconds"] = time.perf_counter() - t0
    return out


# --------------------------------------------------------------------------------------------
# Instances and fixtures
# --------------------------------------------------------------------------------------------

def instances():
    X, y, beta = RP.example_c()
    yield "examplec4", X, y, beta, \
        "MATH.md Example C: a = (-1, 0, 0.5, 1.5), X = [a, 1], y = (1, -1, 0.5, 1)"
    a = np.random.default_rng(17).normal(size=4)
    y = np.random.default_rng(18).normal(size=4)
    yield "random4", np.column_stack([a, np.ones(4)]), y, 0.1, \
        "a = default_rng(17).normal(size=4), y = default_rng(18).normal(size=4), X = [a, 1]"


def honest_tolerance(out):
    """reference_parallel.honest_tolerance (10 × the largest of the solver rung, |p − certificate|,
    |p − recovered|, |p − solver value|, rounded up to a power of ten) — here the certificate is the
    multiplier-based dual bound of `dual_certificate`."""
    return RP.honest_tolerance(out)


def three_layer(X, y, beta):
    """§4.3 optimum from reference_parallel.solve (no certificate)."""
    r = RP.solve(X, y, beta, with_certificate=False)
    return {"objective": r["objective"], "status": r["status"], "tolerance": RP.honest_tolerance(r),
            "seconds": r["seconds"]}


def compare(four, three):
    """Four-layer ≤ three-layer (a three-layer branch is a four-layer branch), allowing for the
    two tolerances."""
    slack = four["tolerance"] + three["tolerance"]
    return {"three_layer": three["objective"], "three_layer_tolerance": three["tolerance"],
            "four_layer": four["objective"], "four_layer_tolerance": four["tolerance"],
            "difference_4_minus_3": four["objective"] - three["objective"],
            "four_le_three": bool(four["objective"] <= three["objective"] + slack)}


def make_fixtures(root):
    summary = []
    for name, X, y, beta, recipe in instances():
        out = solve(X, y, beta)
        if out["objective"] is None:
            raise SystemExit(f"{name}: no solution ({out['status']}); attempts {out['attempts']}")
        tol = honest_tolerance(out)
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "X.npy"), np.ascontiguousarray(X, dtype=np.float64))
        np.save(os.path.join(d, "y.npy"), np.ascontiguousarray(y, dtype=np.float64))
        exp = {
            "beta": beta,
            "objective": out["objective"],
            "status": out["status"],
            "tolerance": tol,
            "p1": out["p1"], "p2": out["p2"], "p3": out["p3"],
            "solver": out["solver"],
            "program": "MATH.md §4.4 recursion of §4.3: four-layer parallel ReLU, squared loss ½‖ŷ−y‖², "
                       "unnormalised, penalty β Σ_b ‖u_b‖ over 8·P1·P2·P3 blocks b = (i,σ1,l,σ2,m,s); "
                       "D1 all realisable first-layer patterns, D2 = D3 = all 2^n masks; "
                       "X already includes the ones column (no extra bias, no standardisation)",
            "data": recipe,
            "reference": "bench/reference_deep_parallel.py --make-fixtures",
            "certificate": out.get("certificate"),
            "recovered_objective": out.get("recovered_objective"),
            "prediction": out.get("prediction"),
            "patterns_layer1": out["patterns_layer1"],
            "pattern_enumeration": out["pattern_audit"]["method"],
            "solver_tolerance": out["tolerance"],
        }
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(exp, f, indent=1)
            f.write("\n")
        three = three_layer(X, y, beta)
        row = {k: exp[k] for k in ("beta", "objective", "status", "tolerance", "p1", "p2", "p3",
                                   "certificate", "recovered_objective")}
        row.update({k: out.get(k) for k in (
            "solver_objective", "recovered_objective_r1", "recovered_prediction_max_diff",
            "max_cone_violation_layer1", "max_cone_violation_layer2", "max_cone_violation_layer3",
            "certificate_c", "certificate_min_multiplier", "blocks", "variables", "cone_rows",
            "seconds", "build_seconds", "iterations", "attempts", "branches", "level2_units",
            "level2_units_per_branch", "nonzero_blocks")})
        row["pattern_seconds"] = out["pattern_audit"]["seconds"]
        row["name"] = name
        row["vs_three_layer"] = compare({"objective": out["objective"], "tolerance": tol}, three)
        row["three_layer_seconds"] = three["seconds"]
        summary.append(row)
    return summary


def _load(path, what):
    try:
        a = np.load(path, allow_pickle=False)
    except Exception as e:
        raise SystemExit(f"reference_deep_parallel.py: cannot read {what} from {path}: {e}")
    return np.asarray(a, float)


def _print(out):
    skip = {"prediction", "patterns_layer1", "pattern_audit"}
    for k, v in out.items():
        if k not in skip:
            print(f"{k:30s} {v}")
    if out.get("prediction") is not None:
        print(f"{'prediction':30s} {np.array2string(np.asarray(out['prediction']), precision=10)}")
    print(f"{'patterns_layer1':30s} {' '.join(out['patterns_layer1'])}")
    print(f"{'patterns_layer2/3':30s} all 2^{out['n']} = {out['p2']} masks of {{0,1}}^n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--x", help="X.npy, n×d (rows are samples, bias column included)")
    ap.add_argument("--y", help="y.npy, length n")
    ap.add_argument("--beta", type=float)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--make-fixtures", metavar="DIR", help="write the examplec4 and random4 fixtures into DIR")
    ap.add_argument("--example-c", action="store_true",
                    help="solve MATH.md Example C (β = 0.05) and compare with the §4.3 three-layer optimum")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)

    if a.make_fixtures:
        summary = make_fixtures(a.make_fixtures)
        print(json.dumps(summary, indent=1))
        return 0
    if a.example_c:
        X, y, beta = RP.example_c()
    else:
        if not (a.x and a.y and a.beta is not None):
            ap.error("--x, --y and --beta are required (or --make-fixtures DIR / --example-c)")
        X = _load(a.x, "X")
        y = _load(a.y, "y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        beta = a.beta
    try:
        out = solve(X, y, beta, verbose=a.verbose)
    except ValueError as e:
        raise SystemExit(f"reference_deep_parallel.py: {e}")
    if out["objective"] is not None:
        out["honest_tolerance"] = honest_tolerance(out)
        if a.example_c:
            three = three_layer(X, y, beta)
            out["vs_three_layer"] = compare({"objective": out["objective"],
                                             "tolerance": out["honest_tolerance"]}, three)
            out["three_layer_math_md"] = 0.2749197692
    if a.json:
        print(json.dumps(out))
    else:
        _print(out)
    return 0 if out["objective"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
