#!/usr/bin/env python3
"""The two-layer ReLU benchmark suite: time to a certified 1e-6 gap over a grid of problems, against anchors.

What is measured.  For every case of the grid (data × number of gates P × β = f·β_max) and both convex programs of
MATH.md §3 (gated-relu = C-GReLU, relu = C-ReLU; squared loss, ZeroGap's unnormalised convention, the same patterns
D_i = diag(1[X g_i ≥ 0]) from the same gates G on all sides):
* ZeroGap: the release CLI, `zerogap fit --data X.npy --targets y.npy --gates G.npy --no-bias --no-standardize
  --model M --beta B --tol 1e-6 --threads T --json`, one thread unless --threads; its `seconds` (the solve) is the time,
  its certified `objective` / `lower_bound` the reference p* ∈ [LB, UB].
* scnn (pyscnn 0.0.10, scnn_compare.run_scnn): gated by RFISTA at tol 1e-8, 1e-10, 1e-12, 1e-14 (10⁵ steps); exact
  by its augmented Lagrangian at tol = constraint_tol = 1e-8 then 1e-10 (30 000 steps). Each rung is a separate run;
  the first rung whose answer counts (below) gives scnn's time, as if the user had known which tolerance suffices.
* Clarabel 0.11 via cvxpy (bench/reference.py, one solve at tol 1e-8); its time is Clarabel's own solve time,
  without cvxpy's canonicalisation (which the user also waits for: both are in the JSON).
An anchor's answer counts when its objective, evaluated here in float64 at its returned weights, is at most ZeroGap's
certified upper bound × (1 + 1e-6) and, for C-ReLU, its cone violation max(−(2D_i − I)X v_i)_+ is at most 1e-6 ×
max|X v_i| (lenient: a strictly feasible point would need 0). The ratio is the fastest counting anchor's time over
ZeroGap's; "≥" when no anchor counted within --anchor-timeout seconds per run (the ratio is then at least that limit
over ZeroGap's time). Anchors are skipped above --anchor-max-size (n·P); a scnn ladder stops at its first timeout.

The grid.  Real data from scikit-learn's bundled sets (no download): digits (8×8 images, 1797×64, ±1 = digit ≥ 5),
breast-cancer (569×30, ±1), diabetes (442×10, continuous), wine (178×13, ±1 = class 0), each raw (features as
shipped) and standardised (z-scores; constant columns stay 0), always with a bias column of ones; synthetic data:
the planted teacher of time_reference.py at n = 500, 5000, 100 000, and an ill-conditioned variant (column scales
10⁻²…10², correlated columns). The axes are varied around base cases, not crossed: conditioning (raw vs standardised,
ill-conditioned), n (500 → 100 000), P (100 → 2000) and β (10⁻³, 10⁻², 5·10⁻², 10⁻¹ of β_max = max_i ‖XᵀD_i y‖).

Usage:
  bash scripts/bench.sh relu                                # builds the CLI, then this script with its defaults
  python3 bench/relu_grid.py [--cases SUBSTR[,SUBSTR]] [--quick] [--models gated-relu,relu] [--no-anchors]
        [--timeout 300] [--anchor-timeout 60] [--anchor-max-size 500000] [--threads 1] [--fixtures DIR] [--zerogap PATH]
        [--json-out FILE] [--markdown]
  python3 bench/relu_grid.py --from-json FILE              # the Markdown table of an earlier run
The first run installs .venv-scnn/ (bench/_scnnenv.py) and writes the fixtures (X.npy, y.npy, G<P>.npy) under
--fixtures (default .build/bench-relu-grid).
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _scnnenv

    _scnnenv.ensure_pinned()  # and BLAS threads fixed before numpy is imported

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (case name, dataset, P, β/β_max). Base cases: P = 200 (real), β = 0.05·β_max; each axis varied around them.
GRID = [
    ("digits-std P200 b0.05", "digits-std", 200, 0.05),
    ("digits-raw P200 b0.05", "digits-raw", 200, 0.05),
    ("digits-std P200 b0.01", "digits-std", 200, 0.01),
    ("breast-cancer-std P100 b0.05", "breast-cancer-std", 100, 0.05),
    ("breast-cancer-std P500 b0.05", "breast-cancer-std", 500, 0.05),
    ("breast-cancer-std P2000 b0.05", "breast-cancer-std", 2000, 0.05),
    ("breast-cancer-raw P100 b0.05", "breast-cancer-raw", 100, 0.05),
    ("diabetes-std P50 b0.001", "diabetes-std", 50, 0.001),
    ("diabetes-std P50 b0.01", "diabetes-std", 50, 0.01),
    ("diabetes-std P50 b0.1", "diabetes-std", 50, 0.1),
    ("diabetes-raw P50 b0.01", "diabetes-raw", 50, 0.01),
    ("wine-raw P100 b0.05", "wine-raw", 100, 0.05),
    ("planted n500 P100 b0.05", "planted-500", 100, 0.05),
    ("planted n5000 P200 b0.05", "planted-5000", 200, 0.05),
    ("illcond n2000 P200 b0.05", "illcond-2000", 200, 0.05),
    ("planted n100000 P500 b0.05", "planted-100000", 500, 0.05),
    # Small β on more kinds of data (most patterns active: the slowest regime of first-order methods).
    ("illcond n2000 P200 b0.001", "illcond-2000", 200, 0.001),
    ("breast-cancer-std P500 b0.001", "breast-cancer-std", 500, 0.001),
    ("planted n500 P100 b0.001", "planted-500", 100, 0.001),
    ("digits-raw P200 b0.01", "digits-raw", 200, 0.01),
    # Variations measured as held-out problems (2026-12-05): raw features at small β, fewer gates, β between the axes.
    ("diabetes-raw P50 b0.001", "diabetes-raw", 50, 0.001),
    ("wine-raw P100 b0.001", "wine-raw", 100, 0.001),
    ("breast-cancer-raw P100 b0.01", "breast-cancer-raw", 100, 0.01),
    ("digits-std P100 b0.02", "digits-std", 100, 0.02),
    ("illcond n2000 P100 b0.01", "illcond-2000", 100, 0.01),
    # Two more kinds of data, added after held-out problems like them fell below 10× (2026-12-05, session 25): a
    # Friedman regression (scikit-learn's make_friedman1, standardised) and two noisy moons with cubic features (raw).
    ("friedman-std P200 b0.001", "friedman-std", 200, 0.001),
    ("friedman-std P200 b0.01", "friedman-std", 200, 0.01),
    ("friedman-std P200 b0.02", "friedman-std", 200, 0.02),
    ("moons-raw P300 b0.001", "moons-raw", 300, 0.001),
    ("moons-raw P300 b0.01", "moons-raw", 300, 0.01),
]
QUICK = {"digits-std P200 b0.05", "breast-cancer-std P100 b0.05", "diabetes-std P50 b0.01", "planted n500 P100 b0.05"}


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

def with_bias(X):
    return np.hstack([np.asarray(X, float), np.ones((X.shape[0], 1))])


def standardised(X):
    X = np.asarray(X, float)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    return (X - mu) / sd


def dataset(name):
    """(X with a bias column, y) of a named dataset."""
    from sklearn import datasets as S

    base, _, kind = name.rpartition("-")
    if base == "digits":
        d = S.load_digits()
        X, y = d.data, np.where(d.target >= 5, 1.0, -1.0)
    elif base == "breast-cancer":
        d = S.load_breast_cancer()
        X, y = d.data, np.where(d.target == 1, 1.0, -1.0)
    elif base == "diabetes":
        d = S.load_diabetes(scaled=False)
        X, y = d.data, d.target.astype(float)
        if kind == "std":
            y = (y - y.mean()) / y.std()
    elif base == "wine":
        d = S.load_wine()
        X, y = d.data, np.where(d.target == 0, 1.0, -1.0)
    elif base == "friedman":
        X, y = S.make_friedman1(n_samples=1500, n_features=10, noise=1.0, random_state=1500)
        y = (y - y.mean()) / y.std()
    elif base == "moons":
        Z, t = S.make_moons(n_samples=1200, noise=0.25, random_state=1200)
        a, b = Z[:, 0], Z[:, 1]
        X, y = np.column_stack([a, b, a * a, a * b, b * b, a ** 3, b ** 3]), np.where(t == 1, 1.0, -1.0)
    elif base == "planted":
        from time_reference import planted

        n = int(kind)
        d = 20 if n <= 500 else 30 if n <= 5000 else 50
        X, y, _ = planted(n, d, 1, seed=n)
        return X, y  # already has its bias column
    elif base == "illcond":
        n, d = int(kind), 30
        rng = np.random.default_rng(n)
        Z = rng.standard_normal((n, d - 1))
        Z[:, 1:] = 0.7 * Z[:, :-1] + 0.3 * Z[:, 1:]  # neighbouring columns correlated
        X = Z * np.logspace(-2, 2, d - 1)
        U = rng.standard_normal((d - 1, 10)) / np.sqrt(d)
        y = np.maximum(Z @ U, 0) @ rng.choice([-1.0, 1.0], 10) + 0.1 * rng.standard_normal(n)
        return with_bias(X), y
    else:
        raise ValueError(f"unknown dataset {name!r}")
    if kind == "std":
        X = standardised(X)
    return with_bias(X), y


def fixture(root, data, P):
    """Paths of X.npy, y.npy, G<P>.npy (written if missing; gates N(0, I) seeded by P)."""
    folder = os.path.join(root, data)
    os.makedirs(folder, exist_ok=True)
    xp, yp, gp = (os.path.join(folder, f) for f in ("X.npy", "y.npy", f"G{P}.npy"))
    if not (os.path.exists(xp) and os.path.exists(yp)):
        X, y = dataset(data)
        np.save(xp, np.asfortranarray(X))
        np.save(yp, y)
    if not os.path.exists(gp):
        d = np.load(xp, mmap_mode="r").shape[1]
        np.save(gp, np.asfortranarray(np.random.default_rng(P).standard_normal((d, P))))
    return xp, yp, gp


def beta_max(X, y, G):
    """max_i ‖Xᵀ D_i y‖ over the gates' patterns (the smallest β at which U = 0 solves C-GReLU)."""
    best = 0.0
    for j in range(0, G.shape[1], 256):
        D = (X @ G[:, j:j + 256] >= 0).astype(float)
        best = max(best, float(np.max(np.linalg.norm(X.T @ (D * y[:, None]), axis=0))))
    return best


# --------------------------------------------------------------------------------------------
# Solvers (ZeroGap through its CLI; anchors in child processes with a time limit)
# --------------------------------------------------------------------------------------------

def run_zerogap(exe, paths, model, beta, timeout, threads):
    xp, yp, gp = paths
    cmd = [exe, "fit", "--data", xp, "--targets", yp, "--gates", gp, "--no-bias", "--no-standardize",
           "--model", model, "--beta", repr(beta), "--tol", "1e-6", "--threads", str(threads), "--json"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall": timeout}
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 3) or not p.stdout.strip():  # 3: ran, not certified
        return {"status": "error", "message": (p.stderr or p.stdout).strip()[-300:], "wall": wall}
    r = json.loads(p.stdout)
    r["wall"] = wall
    r["status"] = "certified" if r.get("relative_gap", 1) <= 1e-6 else "not certified"
    return r


def worker(a):
    """Child process: one anchor run; prints a JSON line."""
    X, y, G = (np.load(p) for p in (a.x, a.y, a.g))
    y = y.reshape(-1)
    if a.worker == "scnn":
        from scnn_compare import evaluate, run_scnn

        if a.model == "gated-relu":
            settings = {"max_iters": 100000, "tol": a.tol}
        else:
            settings = {"max_primal_iters": 30000, "max_dual_iters": 10000, "tol": a.tol, "constraint_tol": a.tol,
                        "delta": 1000}
        secs, Gs, params, trace = run_scnn(a.model, X, y, G, a.beta, "float64", settings, 1)
        ev = evaluate(a.model, X, y, a.beta, Gs, params)
        Ds = ev.pop("Ds")
        ev.pop("pred")
        if a.model == "relu":
            V = params[0][0].T
            W = params[1][0].T
            ev["scale"] = float(max(np.max(np.abs(X @ V)), np.max(np.abs(X @ W)), 1e-300))
        else:
            ev["scale"] = 1.0
        out = {"seconds": secs, "objective": ev["objective"], "cone_viol": ev["cone_viol"], "scale": ev["scale"],
               "steps": trace["fista_steps"], "stop": trace["stop"], "patterns": int(Ds.shape[1])}
    else:
        import reference as R

        R.TOLERANCES = (1e-8,)
        D, _ = R.patterns_from_gates(X, G)
        t0 = time.perf_counter()
        r = R.solve(X, y, D, a.beta, a.model, "squared")
        wall = time.perf_counter() - t0
        col = r["_columns"][0]
        scale = 1.0
        if a.model == "relu" and "blocks" in col:
            scale = float(max(np.max(np.abs(X @ col["blocks"]["v"])), np.max(np.abs(X @ col["blocks"]["w"])), 1e-300))
        out = {"seconds": col.get("solve_seconds") or wall, "wall": wall, "objective": r["objective"],
               "cone_viol": r["max_cone_violation"], "scale": scale, "status": r["status"]}
    print(json.dumps(out))
    return 0


def run_anchor(kind, paths, model, beta, tol, timeout, threads):
    xp, yp, gp = paths
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--x", xp, "--y", yp, "--g", gp,
           "--model", model, "--beta", repr(beta), "--tol", repr(tol), "--threads", str(threads)]
    env = dict(os.environ, ZEROGAP_SCNN_ENV="1")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"status": "error", "message": p.stderr.strip()[-300:]}
    r = json.loads(lines[-1])
    r["status"] = r.get("status", "done")
    return r


def counts(anchor, zg):
    """Does an anchor's answer reach ZeroGap's certified accuracy (see the module docstring)?"""
    if anchor.get("objective") is None or "objective" not in zg:
        return False
    ub = zg["objective"]
    if anchor["objective"] > ub * (1 + 1e-6):
        return False
    return anchor.get("cone_viol", 0.0) <= 1e-6 * anchor.get("scale", 1.0)


ANCHORS = {
    "gated-relu": [("scnn", 1e-8), ("scnn", 1e-10), ("scnn", 1e-12), ("scnn", 1e-14), ("clarabel", 1e-8)],
    "relu": [("scnn", 1e-8), ("scnn", 1e-10), ("clarabel", 1e-8)],
}


def markdown(rows):
    """The rows as a Markdown table (the README's), worst ratio first."""
    def secs(x):
        return f"{x:.3g}" if x is not None else "—"

    out = ["| case | n × d | P | model | ZeroGap s | scnn s (tol) | Clarabel s | ratio |", "|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: r.get("ratio", float("inf"))):
        zg = r["zerogap"]
        z = secs(zg.get("seconds")) if zg["status"] == "certified" else zg["status"]
        sc = next((x for x in r["anchors"] if x["kind"] == "scnn" and x["counts"]), None)
        tried = [x for x in r["anchors"] if x["kind"] == "scnn"]
        scell = f"{secs(sc['seconds'])} ({sc['tol']:.0e})" if sc else ("not reached" + (" (timeout)" if tried and tried[-1]["status"] == "timeout" else "") if tried else "—")
        cl = next((x for x in r["anchors"] if x["kind"] == "clarabel"), None)
        ccell = (secs(cl["seconds"]) if cl["counts"] else cl["status"] if cl["status"] != "done" else "not reached") if cl else "—"
        ratio = f"{r['ratio_kind'].replace('=', '')}{r['ratio']:.1f}×" if "ratio" in r else "—"
        out.append(f"| {r['case']} | {r['n']} × {r['d']} | {r['P']} | {r['model']} | {z} | {scell} | {ccell} | {ratio} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", help="comma-separated substrings of case names")
    ap.add_argument("--quick", action="store_true", help=f"only {sorted(QUICK)}")
    ap.add_argument("--models", default="gated-relu,relu")
    ap.add_argument("--no-anchors", action="store_true", help="ZeroGap only")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per ZeroGap run (default 300)")
    ap.add_argument("--anchor-timeout", type=float, default=60, help="seconds per anchor run (default 60)")
    ap.add_argument("--anchor-max-size", type=float, default=5e5, help="skip anchors when n·P exceeds this")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads of every solver (default 1)")
    ap.add_argument("--fixtures", default=os.path.join(ROOT, ".build", "bench-relu-grid"))
    ap.add_argument("--zerogap", default=os.path.join(ROOT, ".build", "release", "zerogap"))
    ap.add_argument("--json-out", metavar="FILE")
    ap.add_argument("--markdown", action="store_true", help="also print the rows as a Markdown table, worst ratio first")
    ap.add_argument("--from-json", metavar="FILE", help="print the Markdown table of an earlier run's --json-out and exit")
    # child-process mode (one anchor run)
    ap.add_argument("--worker", choices=["scnn", "clarabel"], help=argparse.SUPPRESS)
    ap.add_argument("--x", help=argparse.SUPPRESS)
    ap.add_argument("--y", help=argparse.SUPPRESS)
    ap.add_argument("--g", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--beta", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--tol", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    if a.from_json:
        with open(a.from_json) as f:
            print(markdown(json.load(f)["rows"]))
        return 0
    if not os.access(a.zerogap, os.X_OK):
        print(f"relu_grid: no ZeroGap CLI at {a.zerogap} (swift build -c release --product zerogap)", file=sys.stderr)
        return 1
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    wanted = [s.strip() for s in a.cases.split(",")] if a.cases else None
    cases = [c for c in GRID if (not a.quick or c[0] in QUICK) and (wanted is None or any(w in c[0] for w in wanted))]
    rows = []
    print(f"{'case':30s} {'n':>6s} {'d':>3s} {'P':>5s} {'model':10s} {'ZeroGap':>9s} {'gap':>7s} {'scnn':>9s} "
          f"{'(tol)':>7s} {'Clarabel':>9s} {'ratio':>8s}", flush=True)
    for name, data, P, frac in cases:
        paths = fixture(a.fixtures, data, P)
        X, y, G = np.load(paths[0]), np.load(paths[1]).reshape(-1), np.load(paths[2])
        n, d = X.shape
        bmax = beta_max(X, y, G)
        beta = float(f"{frac * bmax:.3g}")
        for model in models:
            zg = run_zerogap(a.zerogap, paths, model, beta, a.timeout, a.threads)
            row = {"case": name, "data": data, "n": n, "d": d, "P": P, "beta_fraction": frac, "beta": beta,
                   "beta_max": bmax, "model": model, "zerogap": zg, "anchors": []}
            best = None
            if not a.no_anchors and n * P <= a.anchor_max_size and zg["status"] == "certified":
                done_scnn = False
                for kind, tol in ANCHORS[model]:
                    if kind == "scnn" and done_scnn:
                        continue
                    r = run_anchor(kind, paths, model, beta, tol, a.anchor_timeout, a.threads)
                    r.update(kind=kind, tol=tol, counts=counts(r, zg))
                    row["anchors"].append(r)
                    # A tighter scnn rung only runs longer: stop the ladder at the first answer that counts or
                    # at the first timeout.
                    done_scnn = done_scnn or (kind == "scnn" and (r["counts"] or r["status"] == "timeout"))
                    if r["counts"] and (best is None or r["seconds"] < best["seconds"]):
                        best = r
            zt = zg.get("seconds")
            if best is not None and zt:
                row["ratio"], row["ratio_kind"] = best["seconds"] / zt, "="
            elif row["anchors"] and zt and not any(r["status"] == "error" for r in row["anchors"]):
                # Every anchor ran and none counted within the limit (an anchor that failed to run proves nothing).
                row["ratio"], row["ratio_kind"] = a.anchor_timeout / zt, "≥"
            rows.append(row)
            if a.json_out:  # after every row, so an interrupted run keeps what it measured
                with open(a.json_out, "w") as f:
                    json.dump({"threads": a.threads, "timeout": a.timeout, "anchor_timeout": a.anchor_timeout, "rows": rows}, f,
                              indent=1)
            sc = next((r for r in row["anchors"] if r["kind"] == "scnn" and r["counts"]), None)
            cl = next((r for r in row["anchors"] if r["kind"] == "clarabel"), None)

            def t(x):
                return f"{x:9.3f}" if x is not None else f"{'-':>9s}"

            zcell = t(zt) if zg["status"] == "certified" else f"{zg['status']:>9s}"
            gap = f"{zg['relative_gap']:7.0e}" if "relative_gap" in zg else f"{'-':>7s}"
            scell = t(sc["seconds"]) if sc else (f"{'no':>9s}" if any(r["kind"] == "scnn" for r in row["anchors"]) else t(None))
            ccell = (t(cl["seconds"]) if cl and cl["counts"] else f"{cl['status'] if cl['status'] != 'done' else 'no':>9s}") if cl else t(None)
            ratio = f"{row['ratio_kind']}{row['ratio']:.1f}×" if "ratio" in row else "-"
            stol = f"{sc['tol']:.0e}" if sc else "-"
            print(f"{name:30s} {n:6d} {d:3d} {P:5d} {model:10s} {zcell} {gap} {scell} {stol:>7s} {ccell} {ratio:>8s}",
                  flush=True)
    measured = [r for r in rows if "ratio" in r]
    if measured:
        worst = min(measured, key=lambda r: r["ratio"])
        best = max(measured, key=lambda r: r["ratio"])
        below = [r for r in measured if r["ratio"] < 10]
        print(f"\nworst ratio {worst['ratio_kind']}{worst['ratio']:.1f}× ({worst['case']}, {worst['model']}); best "
              f"{best['ratio_kind']}{best['ratio']:.1f}× ({best['case']}, {best['model']}); {len(below)} of "
              f"{len(measured)} measured rows below 10×")
    print("ratio = fastest counting anchor (scnn at the loosest tolerance that reaches ZeroGap's certified objective "
          "to 1e-6, or Clarabel's solve time) / ZeroGap's solve time; ≥ when none counted within the time limit.")
    if a.markdown:
        print()
        print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
