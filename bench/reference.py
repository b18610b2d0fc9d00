#!/usr/bin/env python3
"""Independent reference solver for ZeroGap's convex two-layer ReLU programs (MATH.md §3).

Solves, with cvxpy + Clarabel at tight tolerances, the same programs as the Swift library:

* gated-relu (C-GReLU, §3.6):  min_w  ℓ(Σ_i D_i X w_i, y) + β Σ_i ‖w_i‖₂
* relu       (C-ReLU,  §3.3):  min_{v,w} ℓ(Σ_i D_i X (v_i − w_i), y) + β Σ_i (‖v_i‖₂ + ‖w_i‖₂)
                               s.t. (2D_i − I) X v_i ≥ 0, (2D_i − I) X w_i ≥ 0

with the UNNORMALISED losses of MATH.md §0/§3.8:
  squared  ℓ = ½‖ŷ − y‖²,  logistic ℓ = Σ log(1 + exp(−y_i ŷ_i)),  hinge ℓ = Σ (1 − y_i ŷ_i)_+
(y ∈ {±1} for the last two).  Patterns D_i = diag(1[X g_i ≥ 0]) come from the columns g_i of a
d×P gate matrix G, de-duplicated exactly as the Swift side does: unique mask columns, in order of
first appearance, nothing else dropped (the all-zero pattern is kept).  Or pass the n×P 0/1 mask
matrix directly with --patterns.  For Y with k > 1 columns each column is solved separately and
the objectives summed (the §3.9 upper bound; for gated-relu it is the per-output separable model).

Usage:
  python3 bench/reference.py --x X.npy --y y.npy (--gates G.npy | --patterns D.npy) \
      --beta B --model gated-relu|relu --loss squared|logistic|hinge [--json] [--dual]

The first run creates .venv-reference/ and installs the pinned packages (bench/_refenv.py).
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

MODELS = ("gated-relu", "relu")
LOSSES = ("squared", "logistic", "hinge")
# Tolerance ladder (tightest first).  Clarabel stops "Solved" when the requested tolerances are met
# and "AlmostSolved" (cvxpy: optimal_inaccurate) when only its reduced tolerances are; we set the
# reduced ones to REDUCED_TOL (Clarabel's default is 5e-5), so an accepted answer meets at least that.
TOLERANCES = (1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7)
REDUCED_TOL = 1e-9


# --------------------------------------------------------------------------------------------
# Patterns (MATH.md §3.2)
# --------------------------------------------------------------------------------------------

def dedupe_columns(M):
    """Unique columns of the 0/1 matrix M (n×P), in order of first appearance."""
    M = np.asarray(M)
    seen = set()
    keep = []
    for j in range(M.shape[1]):
        key = M[:, j].astype(np.uint8).tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(j)
    return M[:, keep].astype(float), keep


def patterns_from_gates(X, G):
    """D (n×P') with D[:, i] = 1[X g_i ≥ 0], de-duplicated; also the kept gate indices."""
    X = np.asarray(X, float)
    G = np.asarray(G, float)
    if G.ndim == 1:
        G = G[:, None]
    if G.shape[0] != X.shape[1]:
        raise ValueError(f"gates: G is {G.shape[0]}×{G.shape[1]} but X has d = {X.shape[1]} columns")
    return dedupe_columns((X @ G >= 0).astype(np.uint8))


# --------------------------------------------------------------------------------------------
# Losses, evaluated in numpy (the objective we report is evaluated at the returned point)
# --------------------------------------------------------------------------------------------

def loss_value(loss, yhat, y):
    yhat = np.asarray(yhat, float)
    y = np.asarray(y, float)
    if loss == "squared":
        return 0.5 * float(np.sum((yhat - y) ** 2))
    if loss == "logistic":
        return float(np.sum(np.logaddexp(0.0, -y * yhat)))
    if loss == "hinge":
        return float(np.sum(np.maximum(0.0, 1.0 - y * yhat)))
    raise ValueError(f"unknown loss {loss!r}")


def check_labels(loss, y):
    if loss in ("logistic", "hinge") and not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"loss {loss} needs labels in {{-1, +1}}")


def _cp_loss(cp, loss, yhat, y):
    if loss == "squared":
        return 0.5 * cp.sum_squares(yhat - y)
    if loss == "logistic":
        return cp.sum(cp.logistic(-cp.multiply(y, yhat)))
    if loss == "hinge":
        return cp.sum(cp.pos(1 - cp.multiply(y, yhat)))
    raise ValueError(f"unknown loss {loss!r}")


def _clarabel_opts(tol, max_iter=500):
    red = max(REDUCED_TOL, 10 * tol)
    return dict(
        tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol,
        tol_infeas_abs=tol, tol_infeas_rel=tol, tol_ktratio=min(1e-6, tol * 1e4),
        reduced_tol_gap_abs=red, reduced_tol_gap_rel=red, reduced_tol_feas=red,
        reduced_tol_infeas_abs=red, reduced_tol_infeas_rel=red, reduced_tol_ktratio=min(1e-4, red * 1e4),
        max_iter=max_iter,
    )


def _solve_ladder(prob, cp, verbose=False, attempts=None):
    """Solve with Clarabel down the tolerance ladder.

    Returns (status, tolerance met).  The first rung that ends 'optimal' (tolerance = the rung) or
    'optimal_inaccurate' (tolerance = that rung's reduced tolerance) is accepted.
    """
    import warnings

    last = ("not_solved", None)
    for tol in TOLERANCES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver=cp.CLARABEL, verbose=verbose, warm_start=False, **_clarabel_opts(tol))
        except cp.error.SolverError as e:
            last = ("solver_error: " + str(e).splitlines()[0], tol)
            if attempts is not None:
                attempts.append({"tol": tol, "status": "solver_error"})
            continue
        if attempts is not None:
            attempts.append({"tol": tol, "status": prob.status,
                             "seconds": getattr(prob.solver_stats, "solve_time", None),
                             "iterations": getattr(prob.solver_stats, "num_iters", None)})
        if prob.status == cp.OPTIMAL:
            return prob.status, tol
        if prob.status == cp.OPTIMAL_INACCURATE:
            return prob.status, _clarabel_opts(tol)["reduced_tol_gap_abs"]
        last = (prob.status, tol)
    return last


# --------------------------------------------------------------------------------------------
# Primal programs
# --------------------------------------------------------------------------------------------

def solve_column(X, y, D, beta, model, loss, verbose=False):
    """Solve the program for one output column. Returns a dict (see `solve`)."""
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(-1)
    D = np.asarray(D, float)
    n, d = X.shape
    P = D.shape[1]
    check_labels(loss, y)
    t0 = time.perf_counter()
    if model == "gated-relu":
        W = cp.Variable((d, P))
        yhat = cp.sum(cp.multiply(D, X @ W), axis=1)
        penalty = cp.sum(cp.norm(W, 2, axis=0))
        cons = []
    elif model == "relu":
        V = cp.Variable((d, P))
        W = cp.Variable((d, P))
        S = 2.0 * D - 1.0
        yhat = cp.sum(cp.multiply(D, X @ (V - W)), axis=1)
        penalty = cp.sum(cp.norm(V, 2, axis=0)) + cp.sum(cp.norm(W, 2, axis=0))
        cons = [cp.multiply(S, X @ V) >= 0, cp.multiply(S, X @ W) >= 0]
    else:
        raise ValueError(f"unknown model {model!r}")
    prob = cp.Problem(cp.Minimize(_cp_loss(cp, loss, yhat, y) + beta * penalty), cons)
    attempts = []
    status, tol = _solve_ladder(prob, cp, verbose, attempts)
    seconds = time.perf_counter() - t0
    stats = prob.solver_stats
    out = {
        "status": status,
        "tolerance": tol,
        "seconds": seconds,
        "solve_seconds": getattr(stats, "solve_time", None),
        "iterations": getattr(stats, "num_iters", None),
        "solver_objective": float(prob.value) if prob.value is not None else None,
        "attempts": attempts,
    }
    if W.value is None:
        out.update(objective=None, prediction=None)
        return out
    if model == "gated-relu":
        Wv = W.value
        pred = np.sum(D * (X @ Wv), axis=1)
        pen = float(np.sum(np.linalg.norm(Wv, axis=0)))
        out["blocks"] = {"w": Wv}
        out["max_cone_violation"] = 0.0
    else:
        Vv, Wv = V.value, W.value
        pred = np.sum(D * (X @ (Vv - Wv)), axis=1)
        pen = float(np.sum(np.linalg.norm(Vv, axis=0)) + np.sum(np.linalg.norm(Wv, axis=0)))
        S = 2.0 * D - 1.0
        viol = max(0.0, -float(np.min(S * (X @ Vv))), -float(np.min(S * (X @ Wv))))
        out["blocks"] = {"v": Vv, "w": Wv}
        out["max_cone_violation"] = viol
    out["objective"] = loss_value(loss, pred, y) + beta * pen
    out["prediction"] = pred
    return out


# --------------------------------------------------------------------------------------------
# Dual programs (MATH.md §3.4, §3.6, §3.8), restricted to the given patterns
# --------------------------------------------------------------------------------------------

def solve_dual_column(X, y, D, beta, model, loss, verbose=False):
    """Dual value of the program over the given patterns, for one output column.

    Objective: squared  yᵀv − ½‖v‖²;  logistic Σ H(y_i v_i);  hinge Σ y_i v_i  (0 ≤ y_i v_i ≤ 1
    for the last two).  Constraints: gated  ‖Xᵀ D_i v‖ ≤ β for every i (finite, §3.6).
    relu: the conic dual of the cone-constrained blocks, i.e. max_{u∈K_i,‖u‖≤1} ±vᵀD_iXu ≤ β
    written as  ∃ λ_i, μ_i ≥ 0:  ‖Xᵀ(D_i v + (2D_i−I)λ_i)‖ ≤ β,  ‖Xᵀ(D_i v − (2D_i−I)μ_i)‖ ≤ β.
    With all patterns this is the d* of §3.4; with a subset it is the dual of the subset program.
    """
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(-1)
    D = np.asarray(D, float)
    n, d = X.shape
    P = D.shape[1]
    check_labels(loss, y)
    v = cp.Variable(n)
    cons = []
    if loss == "squared":
        obj = y @ v - 0.5 * cp.sum_squares(v)
    else:
        q = cp.multiply(y, v)
        cons += [q >= 0, q <= 1]
        obj = cp.sum(cp.entr(q) + cp.entr(1 - q)) if loss == "logistic" else cp.sum(q)
    DV = cp.multiply(D, cp.reshape(v, (n, 1), order="F") @ np.ones((1, P)))  # column i = D_i v
    if model == "gated-relu":
        cons.append(cp.norm(X.T @ DV, 2, axis=0) <= beta)
    else:
        S = 2.0 * D - 1.0
        Lam = cp.Variable((n, P), nonneg=True)
        Mu = cp.Variable((n, P), nonneg=True)
        cons.append(cp.norm(X.T @ (DV + cp.multiply(S, Lam)), 2, axis=0) <= beta)
        cons.append(cp.norm(X.T @ (DV - cp.multiply(S, Mu)), 2, axis=0) <= beta)
    prob = cp.Problem(cp.Maximize(obj), cons)
    t0 = time.perf_counter()
    status, tol = _solve_ladder(prob, cp, verbose)
    vv = v.value
    dual, scale = None, None
    if vv is not None:
        # Make the returned point feasible before evaluating it, so that the reported value is a
        # lower bound (weak duality) and not the solver's slightly infeasible optimum: clip
        # 0 ≤ y_i v_i ≤ 1, then scale by s = min(1, β / c̄(v)) as in the §3.5 certificate.
        vf = vv if loss == "squared" else y * np.clip(y * vv, 0.0, 1.0)
        c = constraint_level(X, D, vf, model)
        if c is not None:
            scale = 1.0 if c <= beta else beta / c
            dual = dual_objective(loss, y, scale * vf)
    return {"dual": dual, "dual_status": status, "dual_tolerance": tol, "dual_scale": scale,
            "dual_seconds": time.perf_counter() - t0, "dual_point": vv}


def dual_objective(loss, y, v):
    """The dual objective −ℓ*(−v) of §3.4/§3.8 at v (numpy)."""
    y = np.asarray(y, float)
    v = np.asarray(v, float)
    if loss == "squared":
        return float(y @ v - 0.5 * v @ v)
    q = y * v
    if np.any(q < -1e-15) or np.any(q > 1 + 1e-15):
        return -np.inf
    q = np.clip(q, 0.0, 1.0)
    return float(np.sum(binary_entropy(q))) if loss == "logistic" else float(np.sum(q))


def constraint_level(X, D, v, model):
    """c̄(v) over the given patterns: gated max_i ‖XᵀD_i v‖ (§3.6); relu the exact
    max_i max{±vᵀD_iXu : u ∈ K_i, ‖u‖ ≤ 1} (§3.5 way 1), solved as one separable SOCP per sign."""
    X = np.asarray(X, float)
    D = np.asarray(D, float)
    G = X.T @ (D * v[:, None])  # column i = Xᵀ D_i v
    if model == "gated-relu":
        return float(np.max(np.linalg.norm(G, axis=0)))
    import cvxpy as cp

    S = 2.0 * D - 1.0
    best = 0.0
    for sign in (1.0, -1.0):
        U = cp.Variable(G.shape)
        t = cp.sum(cp.multiply(sign * G, U), axis=0)  # t_i = ±vᵀ D_i X u_i
        prob = cp.Problem(cp.Maximize(cp.sum(t)), [cp.norm(U, 2, axis=0) <= 1, cp.multiply(S, X @ U) >= 0])
        _solve_ladder(prob, cp)
        if U.value is None:
            return None
        # Per-pattern maxima at the returned u_i (norms clipped to 1). Accurate to the solver
        # tolerance (~1e-10), not a rigorous upper bound on c(v).
        Uv = U.value / np.maximum(1.0, np.linalg.norm(U.value, axis=0))
        vals = np.sum(sign * G * Uv, axis=0)
        best = max(best, float(np.max(vals)))
    return best


def certificate_column(X, y, D, beta, model, loss, yhat):
    """Lower bound of §3.5/§3.8 from the primal prediction: v = y − ŷ (squared) or
    y ⊙ sigmoid(−y ⊙ ŷ) (logistic), scaled by s = min(1, β/c̄(v)).  None for hinge (no unique v)."""
    y = np.asarray(y, float)
    yhat = np.asarray(yhat, float)
    if loss == "squared":
        v = y - yhat
    elif loss == "logistic":
        v = y / (1.0 + np.exp(y * yhat))
    else:
        return None, None
    c = constraint_level(X, D, v, model)
    if c is None:
        return None, None
    s = 1.0 if c <= beta else beta / c
    return dual_objective(loss, y, s * v), c


def binary_entropy(q):
    """H(q) = −q log q − (1−q) log(1−q) in nats, H(0) = H(1) = 0."""
    q = np.asarray(q, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(q > 0, -q * np.log(np.where(q > 0, q, 1.0)), 0.0)
        b = np.where(q < 1, -(1 - q) * np.log(np.where(q < 1, 1 - q, 1.0)), 0.0)
    return a + b


# --------------------------------------------------------------------------------------------
# Weight recovery (MATH.md §3.3, §3.6) and the nonconvex objective (§3.1)
# --------------------------------------------------------------------------------------------

def recover_relu_network(blocks, tol=1e-12):
    """Neurons (U d×m, alpha m) from C-ReLU blocks: u = v/√‖v‖, α = ±√‖v‖."""
    us, als = [], []
    for key, sign in (("v", 1.0), ("w", -1.0)):
        B = blocks[key]
        for j in range(B.shape[1]):
            nrm = np.linalg.norm(B[:, j])
            if nrm > tol:
                us.append(B[:, j] / np.sqrt(nrm))
                als.append(sign * np.sqrt(nrm))
    if not us:
        return np.zeros((blocks["v"].shape[0], 0)), np.zeros(0)
    return np.stack(us, axis=1), np.array(als)


def relu_network_objective(X, y, U, alpha, beta, loss="squared"):
    """(Nonconvex) objective of §3.1: ℓ(Σ_j (X u_j)_+ α_j, y) + (β/2) Σ_j (‖u_j‖² + α_j²)."""
    pred = np.maximum(X @ U, 0.0) @ alpha
    return loss_value(loss, pred, y) + 0.5 * beta * (float(np.sum(U * U)) + float(alpha @ alpha))


# --------------------------------------------------------------------------------------------
# Multi-column driver and CLI
# --------------------------------------------------------------------------------------------

def solve(X, Y, D, beta, model, loss, dual=False, verbose=False):
    """Solve per output column and sum (§3.9). Returns a JSON-ready dict."""
    import cvxpy as cp
    import clarabel

    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    single = Y.ndim == 1
    Ym = Y.reshape(-1, 1) if single else Y
    if Ym.shape[0] != X.shape[0]:
        raise ValueError(f"y has {Ym.shape[0]} rows but X has n = {X.shape[0]}")
    if D.shape[0] != X.shape[0]:
        raise ValueError(f"patterns have {D.shape[0]} rows but X has n = {X.shape[0]}")
    if not np.all(np.isfinite(X)) or not np.all(np.isfinite(Ym)):
        raise ValueError("X and y must be finite")
    if not beta > 0:
        raise ValueError("beta must be > 0")
    cols = [solve_column(X, Ym[:, c], D, beta, model, loss, verbose) for c in range(Ym.shape[1])]
    ok = all(c["objective"] is not None for c in cols)
    preds = np.stack([c["prediction"] for c in cols], axis=1) if ok else None
    statuses = sorted({c["status"] for c in cols})
    out = {
        "objective": float(sum(c["objective"] for c in cols)) if ok else None,
        "prediction": (preds[:, 0] if single else preds).tolist() if ok else None,
        "patterns": int(D.shape[1]),
        "solver": f"Clarabel {clarabel.__version__} via cvxpy {cp.__version__}",
        "status": statuses[0] if len(statuses) == 1 else ",".join(statuses),
        "seconds": float(sum(c["seconds"] for c in cols)),
        "model": model,
        "loss": loss,
        "beta": beta,
        "n": int(X.shape[0]),
        "d": int(X.shape[1]),
        "k": int(Ym.shape[1]),
        "tolerance": max(c["tolerance"] for c in cols),
        "solver_objective": (float(sum(c["solver_objective"] for c in cols))
                             if all(c["solver_objective"] is not None for c in cols) else None),
        "max_cone_violation": max(c.get("max_cone_violation", 0.0) or 0.0 for c in cols),
    }
    if dual:
        ds = [solve_dual_column(X, Ym[:, c], D, beta, model, loss, verbose) for c in range(Ym.shape[1])]
        out["dual"] = float(sum(x["dual"] for x in ds)) if all(x["dual"] is not None for x in ds) else None
        dst = sorted({x["dual_status"] for x in ds})
        out["dual_status"] = dst[0] if len(dst) == 1 else ",".join(dst)
        out["dual_seconds"] = float(sum(x["dual_seconds"] for x in ds))
        if ok and loss != "hinge":
            cs = [certificate_column(X, Ym[:, c], D, beta, model, loss, cols[c]["prediction"])
                  for c in range(Ym.shape[1])]
            out["certificate"] = (float(sum(x[0] for x in cs)) if all(x[0] is not None for x in cs)
                                  else None)
    out["_columns"] = cols  # not serialised by the CLI
    return out


def _load(path, what):
    try:
        a = np.load(path, allow_pickle=False)
    except Exception as e:
        raise SystemExit(f"reference.py: cannot read {what} from {path}: {e}")
    return np.asarray(a, float)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--x", required=True, help="X.npy, n×d (rows are samples, bias column included)")
    ap.add_argument("--y", required=True, help="y.npy, length n or n×k")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--gates", help="G.npy, d×P gate matrix (columns are gates)")
    g.add_argument("--patterns", help="D.npy, n×P 0/1 pattern matrix")
    ap.add_argument("--beta", type=float, required=True)
    ap.add_argument("--model", choices=MODELS, required=True)
    ap.add_argument("--loss", choices=LOSSES, default="squared")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--dual", action="store_true", help="also solve the dual program")
    ap.add_argument("--verbose", action="store_true", help="Clarabel's log on stdout")
    a = ap.parse_args(argv)

    X = _load(a.x, "X")
    if X.ndim != 2:
        raise SystemExit(f"reference.py: X must be 2-D, got shape {X.shape}")
    Y = _load(a.y, "y")
    if Y.ndim == 2 and Y.shape[1] == 1:
        Y = Y[:, 0]
    try:
        if a.gates:
            D, _ = patterns_from_gates(X, _load(a.gates, "gates"))
        else:
            raw = _load(a.patterns, "patterns")
            if raw.ndim != 2 or not np.all(np.isin(raw, (0.0, 1.0))):
                raise ValueError("--patterns must be an n×P 0/1 matrix")
            D, _ = dedupe_columns(raw)
        out = solve(X, Y, D, a.beta, a.model, a.loss, dual=a.dual, verbose=a.verbose)
    except ValueError as e:
        raise SystemExit(f"reference.py: {e}")
    out.pop("_columns")
    if a.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            if k != "prediction":
                print(f"{k:20s} {v}")
        print(f"{'prediction':20s} {np.array2string(np.asarray(out['prediction']), precision=10)}")
    return 0 if out["objective"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
