#!/usr/bin/env python3
"""Side-by-side: scnn (pyscnn 0.0.10, Mishkin, Sahiner & Pilanci 2022) on ZeroGap's planted problem.

What is compared.  The two convex programs of MATH.md §3, squared loss, over the SAME patterns
D_i = diag(1[X g_i ≥ 0]) from the same gates G, in ZeroGap's unnormalised convention:

* C-GReLU (§3.6):  ½‖Σ_i D_i X u_i − y‖² + β Σ_i ‖u_i‖₂                  (scnn ConvexGatedReLU + RFISTA)
* C-ReLU  (§3.3):  ½‖Σ_i D_i X (v_i − w_i) − y‖² + β Σ_i (‖v_i‖₂ + ‖w_i‖₂)
                   s.t. (2D_i − I) X v_i ≥ 0, (2D_i − I) X w_i ≥ 0         (scnn ConvexReLU + AL)

Problem.  ``--planted DIR`` loads X.npy (n×d), y.npy (n), G.npy (d×P) as written by
``bench/time_reference.py --save DIR``; without it the same planted problem is generated in process
(time_reference.planted: n = 500, d = 20 incl. a bias column, 100 Gaussian gates, seed 0).
β = 0.1·max_i ‖Xᵀ D_i y‖ rounded to 3 significant digits (time_reference.py's rule) unless --beta.

How scnn is called (read from its source, scnn 0.0.10):
* ``ConvexGatedReLU(G)`` / ``ConvexReLU(G)`` with our G, ``optimize_model(..., regularizer=
  NeuronGL1(λ), return_convex=True, unitize_data=False, dtype=...)``.  ``unitize_data`` must be
  False: scnn's default rescales the columns of X to unit norm, which changes both the patterns
  (X diag(1/c) g instead of X g) and the penalty (‖diag(1/c) u‖ instead of ‖u‖), i.e. it solves a
  different program.
* scnn's objective is ‖ŷ − y‖²/(2n) + λ Σ‖·‖₂ (models/convex/convex_mlp.py: squared_error/(2·n),
  scaling = y.shape[0]; regularizers/group_l1.py: λ Σ‖w_i‖), so λ = β/n gives the same minimiser.
* scnn builds patterns as 1[X g > 0] (strict), removes duplicates (np.unique, sorted) and drops the
  all-zero pattern; ZeroGap/reference.py use ≥, keep first appearance and keep the zero pattern.
  Neither difference changes the optimal value as long as no X g has an exact zero (checked: the
  script compares the two pattern sets and reports ``patterns_match``).
* Solvers: RFISTA(max_iters=10000, tol=1e-6) and AL(max_primal_iters=10000, max_dual_iters=10000,
  tol=1e-6, constraint_tol=1e-6, delta=1000) are scnn's defaults.  ``tol`` is a bound on the
  SQUARED norm of the minimum-norm subgradient of the 1/n-scaled objective; AL additionally stops
  when the constraint violation is below constraint_tol, and ``max_primal_iters`` also caps the
  TOTAL number of FISTA steps over all AL outer iterations.  constraint_tol bounds the SQUARED
  2-norm of the vector of cone violations.  The "tight" rows, float64: RFISTA tol = 1e-14,
  10⁵ iterations; AL tol = constraint_tol = 1e-10, 30000 total steps (override with --tight-*).
  AL with tol = 1e-14 is not sensible: each inner solve is run to 1e-14, the 30000-step budget
  runs out in the first few outer iterations (observed: stop at the cap, cone violation 1e-2);
  tol = constraint_tol = 1e-12 with 60000 steps also stopped at the cap (544 s, objective 3.1e-4
  above Clarabel, cone violation 1e-4) on the default planted problem.
* dtype="float32" (scnn's default): data and weights start in float32, but the returned weights
  are float64 and the results agree with float64 to ~1e-11, so under NumPy 2 (NEP 50 promotion by
  float64 scalars) the iterations appear to run in float64 after the first step.

Rows and columns.  For each model: scnn defaults in float32 (scnn's default dtype), the same in
float64, and the tight settings in float64.
* ``objective``: OUR objective evaluated in numpy (float64) at scnn's returned convex weights, ŷ
  computed with scnn's own patterns (model.G after the solve) — never scnn's reported number.
  (For gated rows the JSON also has scnn_objective_times_n, scnn's own logged value × n: equal to
  ours up to rounding, which confirms β = nλ.)
* ``cone_viol`` (C-ReLU): max_i max(0, −(2D_i − I) X v_i, −(2D_i − I) X w_i), absolute, as
  reference.py's max_cone_violation.  A point with cone_viol > 0 is infeasible, so its objective
  is not an attained value of C-ReLU (it can even lie below the optimum).
* ``rel_excess`` = (objective − p_ref)/p_ref, p_ref = --optimum-gated / --optimum-relu if given
  (e.g. ZeroGap's certified optima), otherwise Clarabel via bench/reference.py (gated only by
  default; --clarabel-relu also solves C-ReLU, 20–40 s).
* ``cert_gap`` (C-GReLU): (objective − LB)/objective, LB the MATH.md §3.5/§3.6 dual bound from
  scnn's residual v = y − ŷ over the same patterns (s = min(1, β / max_i ‖XᵀD_i v‖),
  LB = yᵀ(sv) − ½‖sv‖²): a certified optimality gap of scnn's point needing no reference solver.
* ``steps``: FISTA steps, counted exactly by wrapping the optimizer scnn builds (AL: inner steps
  summed over outer iterations); ``stop``: "max_iters" if scnn logged its max-iterations warning,
  else "tol"; ``grad²``: scnn's last logged squared subgradient norm (1/n-scaled objective; AL:
  penalised).  ``same D``: scnn's pattern set equals ours (minus the zero pattern).
* ``seconds``: wall time of optimize_model (incl. scnn's data/pattern processing), best of
  --repeat.  On CPU scnn computes with NumPy (its ``lab`` backend is numpy for device="cpu";
  torch is imported but does no work), so its speed is that of numpy's bundled OpenBLAS.  The
  script pins OPENBLAS/OMP/MKL threads (and torch's) to --threads, default 1, before numpy is
  imported: on a loaded 2-core machine numpy's default multi-threaded OpenBLAS made scnn's AL ~10×
  slower (110 ms vs 12 ms per step on these small n×d×P products).

Usage:
  python3 bench/time_reference.py --save /tmp/planted      # writes X.npy y.npy G.npy
  python3 bench/scnn_compare.py --planted /tmp/planted [--optimum-gated V] [--optimum-relu V]
        [--clarabel-relu] [--models gated-relu,relu] [--variants f32,f64,tight] [--repeat 1]
        [--threads 1] [--json] [--json-out FILE] [--tight-gated-tol 1e-14] [--tight-gated-iters 100000]
        [--tight-relu-tol 1e-10] [--tight-relu-constraint-tol 1e-10] [--tight-relu-iters 30000]
The first run installs .venv-scnn/ (bench/_scnnenv.py, pins in bench/requirements-scnn.txt).
"""
import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _scnnenv

    _scnnenv.ensure_pinned()  # and BLAS threads fixed before numpy is imported

import numpy as np  # noqa: E402

import reference as R  # noqa: E402
from time_reference import planted  # noqa: E402


def beta_rule(X, y, G):
    D, _ = R.patterns_from_gates(X, G)
    lam = max(float(np.linalg.norm(X.T @ (D[:, i] * y))) for i in range(D.shape[1]))
    return float(f"{0.1 * lam:.3g}"), D


def pattern_set(D):
    return {D[:, j].astype(np.uint8).tobytes() for j in range(D.shape[1])}


def evaluate(model_name, X, y, beta, Gs, params):
    """Our objective at scnn's convex weights.  Gs: d×p gates scnn kept; params: list of (c,p,d)."""
    Ds = (X @ Gs > 0).astype(float)  # scnn's own convention (strict)
    if model_name == "gated-relu":
        U = params[0][0].T  # d×p
        pred = np.sum(Ds * (X @ U), axis=1)
        pen = float(np.sum(np.linalg.norm(U, axis=0)))
        viol = 0.0
        nz = int(np.sum(np.linalg.norm(U, axis=0) > 1e-6))
    else:
        V, W = params[0][0].T, params[1][0].T
        pred = np.sum(Ds * (X @ (V - W)), axis=1)
        pen = float(np.sum(np.linalg.norm(V, axis=0)) + np.sum(np.linalg.norm(W, axis=0)))
        S = 2.0 * Ds - 1.0
        viol = max(0.0, -float(np.min(S * (X @ V))), -float(np.min(S * (X @ W))))
        nz = int(np.sum(np.linalg.norm(V, axis=0) > 1e-6) + np.sum(np.linalg.norm(W, axis=0) > 1e-6))
    loss = 0.5 * float(np.sum((pred - y) ** 2))
    lb = None
    if model_name == "gated-relu":
        # MATH.md §3.5/§3.6 certificate over the same patterns: v = y − ŷ, c̄ = max_i ‖XᵀD_i v‖,
        # s = min(1, β/c̄), LB = yᵀ(sv) − ½‖sv‖² ≤ C-GReLU optimum.
        v = y - pred
        cbar = float(np.max(np.linalg.norm(X.T @ (Ds * v[:, None]), axis=0)))
        sv = (1.0 if cbar <= beta else beta / cbar) * v
        lb = float(y @ sv - 0.5 * sv @ sv)
    return {"objective": loss + beta * pen, "lower_bound": lb, "loss": loss, "penalty": beta * pen, "cone_viol": viol,
            "nonzero_blocks": nz, "patterns_scnn": int(Gs.shape[1]), "Ds": Ds, "pred": pred}


def run_scnn(model_name, X, y, G, beta, dtype, settings, repeat):
    from scnn.metrics import Metrics
    from scnn.models import ConvexGatedReLU, ConvexReLU
    from scnn.optimize import optimize_model
    from scnn.regularizers import NeuronGL1
    from scnn.solvers import AL, RFISTA

    import logging

    import scnn.private.interface.solvers as S

    # Count FISTA steps exactly (RFISTA steps, resp. all inner steps of AL) by wrapping the
    # optimizer scnn builds, and catch scnn's "Max iterations reached" warnings.
    steps, warnings = [0], []
    build = S.build_fista

    def counting_build(reg):
        opt = build(reg)
        inner = opt.step

        def step(*args, **kwargs):
            steps[0] += 1
            return inner(*args, **kwargs)

        opt.step = step
        return opt

    class Catch(logging.Handler):
        def emit(self, record):
            warnings.append(record.getMessage())

    S.build_fista = counting_build
    handler = Catch(level=logging.WARNING)
    logging.getLogger("scnn").addHandler(handler)

    n = X.shape[0]
    lam = beta / n
    times, model, met = [], None, None
    for _ in range(repeat):
        steps[0] = 0
        warnings.clear()
        if model_name == "gated-relu":
            model = ConvexGatedReLU(G.copy())
            solver = RFISTA(model, **settings)
        else:
            model = ConvexReLU(G.copy())
            solver = AL(model, **settings)
        t0 = time.perf_counter()
        model, met = optimize_model(model, solver, Metrics(), X, y, regularizer=NeuronGL1(lam),
                                    return_convex=True, unitize_data=False, dtype=dtype)
        times.append(time.perf_counter() - t0)
    params = [np.asarray(p, dtype=float) for p in model.parameters]
    S.build_fista = build
    logging.getLogger("scnn").removeHandler(handler)
    # Metrics() is scnn's default (also what scnn.optimize uses); grad_norm is the squared norm of
    # the minimum-norm subgradient of scnn's scaled (AL: penalised) objective at the last log.
    hit_max = any("Max iterations" in w for w in warnings)
    trace = {"fista_steps": steps[0], "stop": "max_iters" if hit_max else "tol",
             "final_grad_norm_sq": float(met.grad_norm[-1]) if len(met.grad_norm) else None,
             # scnn's own last logged objective × n (gated: equals our objective iff β = nλ is the
             # right mapping; AL: includes its augmented-Lagrangian penalty, not comparable).
             "scnn_objective_times_n": float(met.objective[-1]) * n if len(met.objective) else None}
    return min(times), np.asarray(model.G, dtype=float), params, trace


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--planted", metavar="DIR", help="X.npy, y.npy, G.npy from time_reference.py --save")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--gates", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--beta", type=float, help="default: 0.1·max_i‖XᵀD_i y‖ to 3 digits")
    ap.add_argument("--optimum-gated", type=float, help="reference C-GReLU optimum (e.g. ZeroGap's)")
    ap.add_argument("--optimum-relu", type=float, help="reference C-ReLU optimum (e.g. ZeroGap's)")
    ap.add_argument("--clarabel-relu", action="store_true", help="solve C-ReLU with Clarabel when no --optimum-relu")
    ap.add_argument("--models", default="gated-relu,relu")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS/OpenMP/torch threads (default 1: see the docstring)")
    ap.add_argument("--variants", default="f32,f64,tight", help="subset of f32,f64,tight")
    ap.add_argument("--tight-gated-tol", type=float, default=1e-14)
    ap.add_argument("--tight-gated-iters", type=int, default=100000)
    ap.add_argument("--tight-relu-tol", type=float, default=1e-10)
    ap.add_argument("--tight-relu-constraint-tol", type=float, default=1e-10)
    ap.add_argument("--tight-relu-iters", type=int, default=30000)
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--json-out", metavar="FILE", help="also write the JSON to FILE")
    a = ap.parse_args()

    import scnn  # noqa: F401
    import torch
    from importlib.metadata import version

    torch.set_num_threads(a.threads)

    if a.planted:
        X = np.load(os.path.join(a.planted, "X.npy"))
        y = np.load(os.path.join(a.planted, "y.npy")).reshape(-1)
        G = np.load(os.path.join(a.planted, "G.npy"))
        source = a.planted
    else:
        X, y, G = planted(a.n, a.d, a.gates, a.seed)
        source = f"generated n={a.n} d={a.d} gates={a.gates} seed={a.seed}"
    X, y, G = (np.ascontiguousarray(np.asarray(M, dtype=float)) for M in (X, y, G))
    n, d = X.shape
    beta0, D = beta_rule(X, y, G)
    beta = a.beta if a.beta is not None else beta0
    ours = pattern_set(D)
    zero = np.zeros(n, dtype=np.uint8).tobytes()
    ties = int(np.sum(X @ G == 0))

    models = [m.strip() for m in a.models.split(",") if m.strip()]
    reference = {}
    for m, given in (("gated-relu", a.optimum_gated), ("relu", a.optimum_relu)):
        if m not in models:
            continue
        if given is not None:
            reference[m] = {"value": given, "source": "given"}
        elif m == "gated-relu" or a.clarabel_relu:
            t0 = time.perf_counter()
            r = R.solve(X, y, D, beta, m, "squared")
            reference[m] = {"value": r["objective"], "seconds": time.perf_counter() - t0,
                            "source": f"Clarabel ({r['status']}, tol {r['tolerance']:.0e})",
                            "cone_viol": r["max_cone_violation"]}

    default_g = {"max_iters": 10000, "tol": 1e-6}
    default_r = {"max_primal_iters": 10000, "max_dual_iters": 10000, "tol": 1e-6, "constraint_tol": 1e-6,
                 "delta": 1000}
    tight_g = {"max_iters": a.tight_gated_iters, "tol": a.tight_gated_tol}
    tight_r = dict(default_r, max_primal_iters=a.tight_relu_iters, tol=a.tight_relu_tol,
                   constraint_tol=a.tight_relu_constraint_tol)
    rows = []
    for m in models:
        dflt, tight = (default_g, tight_g) if m == "gated-relu" else (default_r, tight_r)
        variants = {"f32": ("scnn default", "float32", dflt), "f64": ("scnn default", "float64", dflt),
                    "tight": ("scnn tight", "float64", tight)}
        for label, dtype, settings in (variants[v.strip()] for v in a.variants.split(",") if v.strip()):
            secs, Gs, params, trace = run_scnn(m, X, y, G, beta, dtype, settings, a.repeat)
            ev = evaluate(m, X, y, beta, Gs, params)
            ev.update(trace)
            theirs = pattern_set(ev.pop("Ds"))
            ev.pop("pred")
            ref = reference.get(m)
            row = {"model": m, "method": label, "dtype": dtype, "settings": settings, "seconds": secs, **ev,
                   "patterns_match": theirs == ours - {zero},
                   "rel_excess": (ev["objective"] - ref["value"]) / ref["value"] if ref else None}
            rows.append(row)
            if not a.json:
                print(f"  done {m} {label} {dtype}: {secs:.3f} s", file=sys.stderr, flush=True)

    info = {"problem": source, "n": n, "d": d, "gates": int(G.shape[1]), "patterns": int(D.shape[1]),
            "zero_pattern_in_ours": zero in ours, "exact_ties_XG_eq_0": ties, "beta": beta,
            "lambda_scnn": beta / n, "loss": "squared",
            "versions": {"pyscnn": version("pyscnn"), "torch": torch.__version__, "numpy": np.__version__,
                         "python": platform.python_version()},
            "threads": a.threads, "backend": "numpy (scnn's lab backend on device='cpu'; torch unused)", "machine": platform.machine(), "cpus": os.cpu_count(),
            "reference": reference, "results": rows}
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(info, f, indent=1)
    if a.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"{source}: n={n} d={d} gates={G.shape[1]} -> P={D.shape[1]} patterns (ours, ≥, zero kept: "
          f"{zero in ours}), exact ties X g = 0: {ties}; β={beta} (scnn λ=β/n={beta / n:.6g}), squared loss")
    print(f"pyscnn {info['versions']['pyscnn']}, torch {torch.__version__}, numpy backend, "
          f"{a.threads} BLAS thread(s), "
          f"best of {a.repeat}")
    for m, r in reference.items():
        extra = f" in {r['seconds']:.2f} s" if "seconds" in r else ""
        print(f"reference {m}: {r['value']:.10f} ({r['source']}{extra})")
    print(f"{'model':10s} {'method':13s} {'dtype':7s} {'seconds':>8s} {'objective':>17s} {'cone_viol':>9s} "
          f"{'rel_excess':>10s} {'cert_gap':>8s} {'blocks':>6s} {'P':>4s} {'same D':>6s} {'steps':>6s} {'stop':>9s} {'grad²':>8s}")
    for r in rows:
        ex = f"{r['rel_excess']:10.2e}" if r["rel_excess"] is not None else f"{'-':>10s}"
        lb = r["lower_bound"]
        cg = f"{(r['objective'] - lb) / r['objective']:8.1e}" if lb is not None else f"{'-':>8s}"
        print(f"{r['model']:10s} {r['method']:13s} {r['dtype']:7s} {r['seconds']:8.3f} {r['objective']:17.10f} "
              f"{r['cone_viol']:9.2e} {ex} {cg} {r['nonzero_blocks']:6d} {r['patterns_scnn']:4d} "
              f"{str(r['patterns_match']):>6s} {r['fista_steps']:6d} {r['stop']:>9s} {r['final_grad_norm_sq']:8.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
