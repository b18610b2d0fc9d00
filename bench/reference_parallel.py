#!/usr/bin/env python3
"""Independent reference solver for the three-layer parallel ReLU program (MATH.md §4.3).

Solves, with cvxpy + Clarabel at tight tolerances, the scalar-output convex program of §4.3
(squared loss, unnormalised, as in MATH.md §0):

    min  ½‖ Σ_{l=1..P2} Σ_{s=±1} s·D2_l h_{l,s} − y ‖² + β Σ_{i,l,s} (‖v_{ils}‖ + ‖w_{ils}‖)
    h_{l,s} = Σ_{i=1..P1} D1_i X (v_{ils} − w_{ils})
    s.t. (2D1_i − I) X v_{ils} ≥ 0,  (2D1_i − I) X w_{ils} ≥ 0,  (2D2_l − I) h_{l,s} ≥ 0.

Patterns:
* D1_i: ALL distinct first-layer patterns 1[X g ≥ 0] (note ≥) over g ∈ R^d, enumerated
  completely (see `first_layer_patterns`): every one of the 2^n candidate masks is tested for
  realisability with an exact LP feasibility problem (scipy/HiGHS); for d = 2 the exact angle
  sweep (arc midpoints, the critical rays x_jᵀg = 0 themselves, and g = 0) must give the same set,
  and 200 000 random Gaussian gates plus the sweep's midpoint angles must find nothing outside it.
  Any disagreement is an error.
* D2_l: all 2^n vectors of {0,1}^n, including all-zeros and all-ones.

Besides p* (evaluated in numpy at the returned point) it reports the solver status, the cone
violations, a §4.3 dual certificate (a lower bound from v = y − ŷ, one SOCP per D2 pattern and
sign) and the objective of the recovered parallel network (weight recovery of §4.3).

Usage:
  python3 bench/reference_parallel.py --x X.npy --y y.npy --beta B [--json] [--no-certificate]
  python3 bench/reference_parallel.py --make-fixtures DIR     # instances random5 and sine5
  python3 bench/reference_parallel.py --example-c             # MATH.md Example C check

The first run creates .venv-reference/ and installs the pinned packages (bench/_refenv.py), the
same environment as bench/reference.py.
"""
import argparse
import itertools
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference as R  # noqa: E402  (tolerance ladder and Clarabel options)

MAX_N = 12  # 2^n second-layer patterns and 2^n LP feasibility tests: keep n small
SAMPLED_GATES = 200_000


# --------------------------------------------------------------------------------------------
# First-layer patterns: complete enumeration
# --------------------------------------------------------------------------------------------

def _mask_key(m):
    return "".join(str(int(b)) for b in m)


def patterns_lp(X, margin=1.0):
    """All masks m ∈ {0,1}^n realisable as 1[X g ≥ 0] for some g ∈ R^d, by exhaustive LP tests.

    m is realisable iff  ∃ g: x_jᵀg ≥ 0 (m_j = 1), x_jᵀg < 0 (m_j = 0).  The system is homogeneous,
    so the strict inequalities may be written x_jᵀg ≤ −margin (scale g).  Each candidate is one
    HiGHS feasibility LP; the returned g is re-checked in floating point.  Returns
    (list of (key, g, kind)) with kind 'cell' if the mask is also realisable with every active row
    strictly positive (an open cell of the arrangement) and 'face' if only on a lower-dim face.
    """
    from scipy.optimize import linprog

    X = np.asarray(X, float)
    n, d = X.shape
    scale = np.maximum(np.linalg.norm(X, axis=1), 1e-300)
    Xn = X / scale[:, None]  # row scaling does not change the pattern of any g
    found = []
    for bits in itertools.product((0, 1), repeat=n):
        m = np.array(bits, int)
        S = np.where(m == 1, -1.0, 1.0)  # m=1: −x·g ≤ 0 ; m=0: x·g ≤ −margin
        b = np.where(m == 1, 0.0, -margin)
        # zero rows: x·g = 0 always, so they must be 1; the LP handles it (0 ≤ −margin infeasible)
        res = linprog(np.zeros(d), A_ub=S[:, None] * Xn, b_ub=b, bounds=[(None, None)] * d,
                      method="highs")
        if res.status != 0:
            if res.status != 2:
                raise RuntimeError(f"pattern LP for {_mask_key(m)}: HiGHS status {res.status} {res.message}")
            continue
        # is it an open cell?  (active rows ≥ margin as well)
        b2 = np.where(m == 1, -margin, -margin)
        res2 = linprog(np.zeros(d), A_ub=S[:, None] * Xn, b_ub=b2, bounds=[(None, None)] * d,
                       method="highs")
        kind = "cell" if res2.status == 0 else "face"
        g = res2.x if kind == "cell" else res.x
        z = Xn @ g
        ok_on = np.all(z[m == 1] >= -1e-9)
        ok_off = np.all(z[m == 0] <= -0.5 * margin)
        if not (ok_on and ok_off):
            raise RuntimeError(f"pattern LP for {_mask_key(m)} returned a point that does not realise it: {z}")
        found.append((_mask_key(m), g, kind))
    return found


def patterns_sweep_d2(X, eps=1e-12):
    """d = 2: exact enumeration by the angle sweep.

    Every g ≠ 0 lies on an open arc between consecutive critical angles (where some x_jᵀg = 0),
    on which the pattern is constant, or on a critical ray; g = 0 gives all-ones.  So the arc
    midpoints, the critical rays (evaluated exactly: g ⟂ x_j built from x_j's own coordinates) and
    g = 0 give every pattern.  Returns (set of keys, midpoint angles).
    """
    X = np.asarray(X, float)
    assert X.shape[1] == 2
    keys = set()
    crit = []  # (angle, g) critical rays
    for x in X:
        if np.linalg.norm(x) == 0:
            continue
        for g in (np.array([-x[1], x[0]]), np.array([x[1], -x[0]])):
            crit.append((np.mod(np.arctan2(g[1], g[0]), 2 * np.pi), g))
            keys.add(_mask_key((X @ g >= 0).astype(int)))
    keys.add(_mask_key(np.ones(X.shape[0], int)))  # g = 0
    angs = sorted(a for a, _ in crit)
    uniq = [angs[0]] if angs else []
    for a in angs[1:]:
        if a - uniq[-1] > eps:
            uniq.append(a)
    if len(uniq) > 1 and 2 * np.pi - (uniq[-1] - uniq[0]) <= eps:
        uniq.pop()
    mids = []
    if not uniq:
        mids = [0.0]
    for k in range(len(uniq)):
        a = uniq[k]
        b = uniq[k + 1] if k + 1 < len(uniq) else uniq[0] + 2 * np.pi
        mids.append(0.5 * (a + b))
    for t in mids:
        keys.add(_mask_key((X @ np.array([np.cos(t), np.sin(t)]) >= 0).astype(int)))
    return keys, mids


def patterns_sampled(X, count=SAMPLED_GATES, seed=12345, extra_angles=()):
    """Patterns of `count` Gaussian gates (and, for d = 2, of the given angles)."""
    X = np.asarray(X, float)
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((X.shape[1], count))
    if X.shape[1] == 2 and len(extra_angles):
        t = np.asarray(extra_angles)
        G = np.concatenate([G, np.stack([np.cos(t), np.sin(t)])], axis=1)
    M = (X @ G >= 0).astype(np.uint8)
    return {_mask_key(c) for c in np.unique(M, axis=1).T}


def first_layer_patterns(X):
    """The complete list of first-layer patterns (n×P1 0/1 matrix, columns sorted by their
    mask string), with an audit dict describing how completeness was established."""
    X = np.asarray(X, float)
    n, d = X.shape
    if n > MAX_N:
        raise ValueError(f"n = {n} > {MAX_N}: complete enumeration (2^n LPs, 2^n D2 patterns) is too large")
    t0 = time.perf_counter()
    lp = patterns_lp(X)
    lp_keys = {k for k, _, _ in lp}
    audit = {"method": "exhaustive LP feasibility over all 2^n masks (scipy HiGHS)",
             "lp_count": len(lp_keys), "face_only": sorted(k for k, _, kind in lp if kind == "face")}
    mids = ()
    if d == 2:
        sweep_keys, mids = patterns_sweep_d2(X)
        audit["sweep_count"] = len(sweep_keys)
        if sweep_keys != lp_keys:
            raise RuntimeError(f"d=2 sweep and LP enumeration disagree: sweep−LP {sorted(sweep_keys - lp_keys)}, "
                               f"LP−sweep {sorted(lp_keys - sweep_keys)}")
        audit["method"] += " == exact d=2 angle sweep (arc midpoints + critical rays + g=0)"
    samp = patterns_sampled(X, extra_angles=mids)
    audit["sampled_count"] = len(samp)
    audit["sampled_gates"] = SAMPLED_GATES + len(mids)
    if not samp <= lp_keys:
        raise RuntimeError(f"sampled gates found patterns outside the enumeration: {sorted(samp - lp_keys)}")
    audit["sampled_missing"] = sorted(lp_keys - samp)  # e.g. face-only patterns, or all-ones via g=0
    audit["seconds"] = time.perf_counter() - t0
    keys = sorted(lp_keys)
    D1 = np.array([[int(c) for c in k] for k in keys], float).T
    return D1, keys, audit


def second_layer_patterns(n):
    keys = ["".join(str(b) for b in bits) for bits in itertools.product((0, 1), repeat=n)]
    return np.array([[int(c) for c in k] for k in keys], float).T, keys


# --------------------------------------------------------------------------------------------
# The §4.3 program
# --------------------------------------------------------------------------------------------

def _ladder(prob, cp, verbose, attempts):
    """bench/reference.py's tolerance ladder, plus: if it accepts an 'optimal_inaccurate'
    (Clarabel AlmostSolved, reduced tolerance 1e-9) try the looser rungs down to 1e-10 for a
    fully 'optimal' answer, which is then the better-certified one; otherwise re-solve the
    accepted rung so the variables hold its point."""
    status, tol = R._solve_ladder(prob, cp, verbose, attempts)
    if status != cp.OPTIMAL_INACCURATE:
        return status, tol
    first_rung = attempts[-1]["tol"]
    for rung in R.TOLERANCES:
        if rung <= first_rung or rung >= tol:
            continue
        prob.solve(solver=cp.CLARABEL, verbose=verbose, warm_start=False, **R._clarabel_opts(rung))
        attempts.append({"tol": rung, "status": prob.status,
                         "iterations": getattr(prob.solver_stats, "num_iters", None)})
        if prob.status == cp.OPTIMAL:
            return prob.status, rung
    prob.solve(solver=cp.CLARABEL, verbose=verbose, warm_start=False, **R._clarabel_opts(first_rung))
    attempts.append({"tol": first_rung, "status": prob.status, "note": "re-solve of the accepted rung"})
    return prob.status, tol


def solve_parallel(X, y, beta, D1, D2, verbose=False, tolerance=None):
    """Solve the §4.3 program over the given patterns (down the tolerance ladder, or one Clarabel solve at
    `tolerance` when it is given).

    Blocks b = (l, s) with l = b // 2 and s = +1 for even b, −1 for odd b; each block has P1 pairs
    (v_i, w_i).  Variables V, W are d × (P1·B), column b·P1 + i is v_{i,l,s}.
    """
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(-1)
    n, d = X.shape
    P1, P2 = D1.shape[1], D2.shape[1]
    B = 2 * P2
    signs = np.array([1.0 if b % 2 == 0 else -1.0 for b in range(B)])
    D1t = np.tile(D1, (1, B))  # n × P1B, column b·P1+i is D1_i
    S1t = 2.0 * D1t - 1.0
    D2b = np.repeat(D2, 2, axis=1)  # n × B, column b is D2_{b//2}
    S2b = 2.0 * D2b - 1.0
    Sum = np.kron(np.eye(B), np.ones((P1, 1)))  # P1B × B: sums the P1 columns of each block

    t0 = time.perf_counter()
    V = cp.Variable((d, P1 * B))
    W = cp.Variable((d, P1 * B))
    XV, XW = X @ V, X @ W
    H = cp.multiply(D1t, XV - XW) @ Sum  # n × B, column b = h_{l,s}
    yhat = cp.multiply(D2b, H) @ signs
    penalty = cp.sum(cp.norm(V, 2, axis=0)) + cp.sum(cp.norm(W, 2, axis=0))
    cons = [cp.multiply(S1t, XV) >= 0, cp.multiply(S1t, XW) >= 0, cp.multiply(S2b, H) >= 0]
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(yhat - y) + beta * penalty), cons)
    attempts = []
    if tolerance is None:
        status, tol = _ladder(prob, cp, verbose, attempts)
    else:
        prob.solve(solver=cp.CLARABEL, verbose=verbose, **R._clarabel_opts(tolerance))
        status, tol = prob.status, tolerance
        attempts.append({"tol": tol, "status": status, "iterations": getattr(prob.solver_stats, "num_iters", None),
                         "seconds": getattr(prob.solver_stats, "solve_time", None)})
    seconds = time.perf_counter() - t0
    out = {"status": status, "tolerance": tol, "seconds": seconds, "attempts": attempts,
           "solver_objective": float(prob.value) if prob.value is not None else None,
           "iterations": getattr(prob.solver_stats, "num_iters", None),
           "variables": 2 * d * P1 * B}
    if V.value is None:
        out.update(objective=None, prediction=None)
        return out
    Vv, Wv = V.value, W.value
    Hv = (D1t * (X @ (Vv - Wv))) @ Sum
    pred = (D2b * Hv) @ signs
    pen = float(np.sum(np.linalg.norm(Vv, axis=0)) + np.sum(np.linalg.norm(Wv, axis=0)))
    viol1 = max(0.0, -float(np.min(S1t * (X @ Vv))), -float(np.min(S1t * (X @ Wv))))
    viol2 = max(0.0, -float(np.min(S2b * Hv)))
    out.update(objective=0.5 * float(np.sum((pred - y) ** 2)) + beta * pen, prediction=pred,
               penalty=pen, max_cone_violation_layer1=viol1, max_cone_violation_layer2=viol2,
               V=Vv, W=Wv, H=Hv)
    return out


def recover_network(X, y, beta, D1, D2, sol, tol=1e-9):
    """§4.3 weight recovery.  Returns (branches, nonconvex objective, prediction).

    Each block (l, s) with a nonzero column becomes a branch ((X W1)_+ w2)_+ z: neuron
    √a·v/‖v‖ with second-layer weight ±√a per nonzero v (+) / w (−) of norm a; T = Σa;
    W1, w2 normalised to unit norm; z = s·T.  Penalty β‖W1‖_F‖w2‖|z| = βT."""
    X = np.asarray(X, float)
    P1, P2 = D1.shape[1], D2.shape[1]
    Vv, Wv = sol["V"], sol["W"]
    branches = []
    pred = np.zeros(X.shape[0])
    pen = 0.0
    for b in range(2 * P2):
        s = 1.0 if b % 2 == 0 else -1.0
        cols, w2 = [], []
        for i in range(P1):
            for M, sgn in ((Vv, 1.0), (Wv, -1.0)):
                u = M[:, b * P1 + i]
                a = np.linalg.norm(u)
                if a > tol:
                    cols.append(np.sqrt(a) * u / a)
                    w2.append(sgn * np.sqrt(a))
        if not cols:
            continue
        W1 = np.stack(cols, axis=1)
        w2 = np.array(w2)
        T = float(np.sum(w2 ** 2))
        W1 /= np.sqrt(T)
        w2 /= np.sqrt(T)
        z = s * T
        out_b = np.maximum(np.maximum(X @ W1, 0.0) @ w2, 0.0) * z
        pred += out_b
        pen += np.linalg.norm(W1) * np.linalg.norm(w2) * abs(z)
        branches.append({"block": b, "l": b // 2, "s": s, "width": W1.shape[1], "T": T})
    obj = 0.5 * float(np.sum((pred - np.asarray(y, float)) ** 2)) + beta * pen
    return branches, obj, pred


def certificate(X, y, beta, D1, D2, yhat):
    """§4.3 dual certificate: v = y − ŷ; c(v) = max_l max_± max ±vᵀD2_l h over
    {h = Σ_i D1_i X(v_i − w_i), Σ(‖v_i‖+‖w_i‖) ≤ 1, cone constraints, (2D2_l − I)h ≥ 0};
    lower bound yᵀ(tv) − ½‖tv‖² with t = min(1, β/c).  Solved as one SOCP per (l, ±).
    Accurate to the SOCPs' tolerance (~1e-10), not a rigorous bound on c."""
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y, float)
    v = y - np.asarray(yhat, float)
    n, d = X.shape
    P1 = D1.shape[1]
    S1 = 2.0 * D1 - 1.0
    t0 = time.perf_counter()
    c = 0.0
    worst = []
    for l in range(D2.shape[1]):
        d2 = D2[:, l]
        for sgn in (1.0, -1.0):
            V = cp.Variable((d, P1))
            W = cp.Variable((d, P1))
            h = cp.sum(cp.multiply(D1, X @ (V - W)), axis=1)
            cons = [cp.sum(cp.norm(V, 2, axis=0)) + cp.sum(cp.norm(W, 2, axis=0)) <= 1,
                    cp.multiply(S1, X @ V) >= 0, cp.multiply(S1, X @ W) >= 0,
                    cp.multiply(2.0 * d2 - 1.0, h) >= 0]
            prob = cp.Problem(cp.Maximize(sgn * (v * d2) @ h), cons)
            st, _ = R._solve_ladder(prob, cp)
            if prob.value is None:
                return None
            c = max(c, float(prob.value))
            worst.append(st)
    t = 1.0 if c <= beta else beta / c
    lb = float(y @ (t * v) - 0.5 * (t * v) @ (t * v))
    return {"certificate": lb, "c": c, "scale": t, "seconds": time.perf_counter() - t0,
            "statuses": sorted(set(worst))}


def solve(X, y, beta, with_certificate=True, verbose=False):
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
    D1, k1, audit = first_layer_patterns(X)
    D2, k2 = second_layer_patterns(X.shape[0])
    sol = solve_parallel(X, y, beta, D1, D2, verbose)
    out = {
        "objective": sol["objective"],
        "status": sol["status"],
        "tolerance": sol["tolerance"],
        "solver": f"clarabel {clarabel.__version__} (cvxpy {cp.__version__})",
        "p1": int(D1.shape[1]),
        "p2": int(D2.shape[1]),
        "beta": beta,
        "n": int(X.shape[0]),
        "d": int(X.shape[1]),
        "seconds": sol["seconds"],
        "iterations": sol["iterations"],
        "solver_objective": sol["solver_objective"],
        "attempts": sol["attempts"],
        "patterns_layer1": k1,
        "patterns_layer2": k2,
        "pattern_audit": audit,
    }
    if sol["objective"] is None:
        return out
    out["prediction"] = sol["prediction"].tolist()
    out["max_cone_violation_layer1"] = sol["max_cone_violation_layer1"]
    out["max_cone_violation_layer2"] = sol["max_cone_violation_layer2"]
    branches, rec_obj, _ = recover_network(X, y, beta, D1, D2, sol)
    out["recovered_objective"] = rec_obj
    out["branches"] = len(branches)
    out["branch_widths"] = [b["width"] for b in branches]
    if with_certificate:
        cert = certificate(X, y, beta, D1, D2, sol["prediction"])
        if cert is not None:
            out["certificate"] = cert["certificate"]
            out["certificate_c"] = cert["c"]
            out["certificate_seconds"] = cert["seconds"]
            out["certificate_statuses"] = cert["statuses"]
    return out


# --------------------------------------------------------------------------------------------
# Instances and fixtures
# --------------------------------------------------------------------------------------------

def example_c():
    a = np.array([-1.0, 0.0, 0.5, 1.5])
    return np.column_stack([a, np.ones_like(a)]), np.array([1.0, -1.0, 0.5, 1.0]), 0.05


def instances():
    a = np.random.default_rng(7).normal(size=5)
    y = np.random.default_rng(8).normal(size=5)
    yield "random5", np.column_stack([a, np.ones(5)]), y, 0.1, \
        "a = default_rng(7).normal(size=5), y = default_rng(8).normal(size=5), X = [a, 1]"
    a = np.linspace(-1.0, 1.0, 5)
    yield "sine5", np.column_stack([a, np.ones(5)]), np.sin(3.0 * a), 0.02, \
        "a = linspace(-1, 1, 5), y = sin(3a), X = [a, 1]"


def honest_tolerance(out):
    """Accuracy estimate: 10 × the largest of the solver rung, |p − certificate|,
    |p − recovered| and |p − solver's own value|, rounded up to a power of ten (the factor 10
    covers the certificate's own SOCP error and rung-to-rung variation, ~2e-12 on Example C)."""
    errs = [out["tolerance"] or 0.0]
    if out.get("certificate") is not None:
        errs.append(abs(out["objective"] - out["certificate"]))
    if out.get("recovered_objective") is not None:
        errs.append(abs(out["objective"] - out["recovered_objective"]))
    if out.get("solver_objective") is not None:
        errs.append(abs(out["objective"] - out["solver_objective"]))
    e = 10.0 * max(errs)
    return float(10.0 ** np.ceil(np.log10(max(e, 1e-14))))


def make_fixtures(root):
    summary = []
    for name, X, y, beta, recipe in instances():
        out = solve(X, y, beta)
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "X.npy"), np.ascontiguousarray(X, dtype=np.float64))
        np.save(os.path.join(d, "y.npy"), np.ascontiguousarray(y, dtype=np.float64))
        exp = {
            "beta": beta,
            "objective": out["objective"],
            "status": out["status"],
            "tolerance": honest_tolerance(out),
            "p1": out["p1"],
            "p2": out["p2"],
            "solver": out["solver"],
            "program": "MATH.md §4.3 three-layer parallel ReLU, squared loss ½‖ŷ−y‖², unnormalised; "
                       "X already includes the ones column (no extra bias, no standardisation)",
            "data": recipe,
            "reference": "bench/reference_parallel.py --make-fixtures",
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
        summary.append({k: exp[k] for k in ("beta", "objective", "status", "tolerance", "p1", "p2")}
                       | {"name": name, "seconds": out["seconds"],
                          "pattern_seconds": out["pattern_audit"]["seconds"],
                          "certificate_seconds": out.get("certificate_seconds"), "certificate": out.get("certificate"),
                          "recovered_objective": out.get("recovered_objective"),
                          "branches": out.get("branches")})
    return summary


def _load(path, what):
    try:
        a = np.load(path, allow_pickle=False)
    except Exception as e:
        raise SystemExit(f"reference_parallel.py: cannot read {what} from {path}: {e}")
    return np.asarray(a, float)


def _print(out):
    skip = {"prediction", "attempts", "patterns_layer1", "patterns_layer2", "pattern_audit"}
    for k, v in out.items():
        if k not in skip:
            print(f"{k:26s} {v}")
    if out.get("prediction") is not None:
        print(f"{'prediction':26s} {np.array2string(np.asarray(out['prediction']), precision=10)}")
    print(f"{'patterns_layer1':26s} {' '.join(out['patterns_layer1'])}")
    print(f"{'patterns_layer2':26s} all 2^{out['n']} = {out['p2']} masks of {{0,1}}^n")
    print(f"{'pattern_audit':26s} {out['pattern_audit']}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--x", help="X.npy, n×d (rows are samples, bias column included)")
    ap.add_argument("--y", help="y.npy, length n")
    ap.add_argument("--beta", type=float)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-certificate", action="store_true", help="skip the dual certificate SOCPs")
    ap.add_argument("--make-fixtures", metavar="DIR", help="write the random5 and sine5 fixtures into DIR")
    ap.add_argument("--example-c", action="store_true", help="solve MATH.md Example C")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)

    if a.make_fixtures:
        summary = make_fixtures(a.make_fixtures)
        print(json.dumps(summary, indent=1))
        return 0
    if a.example_c:
        X, y, beta = example_c()
    else:
        if not (a.x and a.y and a.beta is not None):
            ap.error("--x, --y and --beta are required (or --make-fixtures DIR / --example-c)")
        X = _load(a.x, "X")
        y = _load(a.y, "y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        beta = a.beta
    try:
        out = solve(X, y, beta, with_certificate=not a.no_certificate, verbose=a.verbose)
    except ValueError as e:
        raise SystemExit(f"reference_parallel.py: {e}")
    if a.example_c:
        out["expected_math_md"] = 0.2749197692
        out["difference"] = out["objective"] - 0.2749197692 if out["objective"] is not None else None
    if a.json:
        print(json.dumps(out))
    else:
        _print(out)
    return 0 if out["objective"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
