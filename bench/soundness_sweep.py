#!/usr/bin/env python3
"""Soundness sweep: `zerogap fit`'s certificate on thousands of seeded random instances vs Clarabel.

The large companion of the Swift suite `CertificateSoundnessTests` (240 instances in-process): this
script drives the built `zerogap` binary end to end (npy files in, JSON and model file out) and
checks every answer against an independent interior-point solve (cvxpy + Clarabel through
bench/reference.py, which shares no code with the Swift solvers).

Instance i of seed S (its own generator, np.random.default_rng([S, i]), so any instance can be
re-run alone with --only i):
  * X: n×d Gaussian, n in 10..80, d in 2..6 features, plus a ones column with probability ½;
  * y: a planted two-layer ReLU teacher (1..4 neurons) evaluated on X, either exactly
    ("realisable") or plus N(0, 0.5²) noise ("noisy"); for the logistic loss the labels are ±1
    (split at the median of the teacher's output);
  * model × loss cycle through gated-relu / relu × squared / logistic (i mod 4), so every
    combination gets a quarter of the instances;
  * G: d'×P Gaussian gates (d' = X's columns), P in 5..30; the patterns are 1[X g ≥ 0],
    de-duplicated (reference.patterns_from_gates, the same convention as the Swift side);
  * β = f·β_max, f in {1e-4, 1e-3, 1e-2, 0.1, 1}, β_max = max_i ‖Xᵀ D_i v₀‖ over those patterns,
    v₀ = −∇ℓ(0) = y (squared) or y/2 (logistic): at β ≥ β_max the gated solution is zero.

Each instance runs, in a temporary directory,
  zerogap fit --data X.npy --targets y.npy --gates G.npy --no-bias --no-standardize --beta B
              --model M --loss L --tol TOL --output model.json --force --json
and reference.solve(X, y, D, B, M, L) (Clarabel down reference.py's tolerance ladder; `tol_C` below
is the tolerance that ladder reports as met). Checks, each failure a counted violation:

  cli      the fit ran: exit status 0 (or the "not certified" status, see below), one JSON
           object on stdout, a readable model.json.
  1 lb≤ref the reported lower_bound ≤ Clarabel's objective + tol_C·max(1, |ref|): Clarabel's
           point is feasible to its tolerance, so no valid bound lies above its value by more
           than Clarabel's own (absolute or relative) stopping criterion.
  2 obj≈ref 2a (converged fits): objective ≤ ref + tol·|objective| + tol_C·max(1, |ref|) + 1e-12·|ref|,
           i.e. the returned network is no worse than the optimum by more than the certified gap;
           2b (every fit): objective ≥ ref − (tol_C + 1e-12)·max(1, |ref|): a network below the
           optimum by more than the reference's accuracy would be infeasible for the program.
           Clarabel's primal value is only near p* (on logistic instances it sat up to 6e-8
           relative above correct networks' values, some at tol_C = 1e-12), so when this fails the
           check escalates: it solves the reference's dual program (reference.solve_dual_column,
           its point made feasible, so a lower bound on p*) and requires
           objective ≥ dual − (tol_C' + 1e-12)·max(1, |dual|) instead.
  3 net=obj the network saved in model.json (network.first_layer d×m, columns are neurons u_j;
           network.output_weights m×1; network.network_gates d×m for gated-relu, applied as
           1[X g_j ≥ 0] ⊙ X u_j), evaluated here in numpy with weight decay
           ℓ(ŷ) + (β/2)(‖U‖_F² + ‖a‖²), reproduces the reported objective to 1e-8 relative.
           (The balanced "path norm" value ℓ(ŷ) + β Σ_j ‖u_j‖·|a_j| is computed too; it equals the
           weight-decay value for a balanced network and is reported, not checked, except in 5.)
  4 patterns relu: every neuron's activation 1[X u > 0] (rows with |Xu| ≤ 1e-10·max|Xu| ignored)
           is one of the sampled patterns; gated-relu: every network gate's 1[X g ≥ 0] (same
           rounding rule) is one of them.
  5 lb≤obj lower_bound ≤ each of the reported objective, the weight-decay value and the
           path-norm value, up to 1e-12 relative (rounding).
  6 conv⇒gap stop_reason "converged" only when relative_gap ≤ tol, both as reported and as
           recomputed from (objective − lower_bound)/|objective| (1e-12 relative rounding).

Exit status of `fit`: 0, or a distinct "not certified" status for fits that stop without a
certificate (3 in the CLI being written as of this script; `--uncertified-exit-code C` changes it,
`--uncertified-exit-code auto` accepts any status other than 0, 1 (runtime error) and 64 (usage
error)). That status is accepted only when the JSON on stdout is complete and says
stop_reason ≠ "converged"; anything else is a `cli` violation. The JSON is read regardless.

When Clarabel fails on every rung (no status optimal/optimal_inaccurate) checks 1–2 are skipped for
that instance and counted as "reference failures" (not violations).

Output: a progress line every 50 instances (stderr), then a summary table (instances and
violations per model/loss, violations and the worst observed value per check, converged fraction,
times). --json-out FILE writes the configuration, every instance's record and the summary.
Exit status 1 if any violation, else 0.

Usage:
  python3 bench/soundness_sweep.py [--count 2000] [--seed 0] [--quick] [--json-out FILE]
      [--only I,J,...] [--tol 1e-6] [--jobs 1] [--keep-failures DIR] [--zerogap PATH]
      [--uncertified-exit-code 3|C|auto] [--timeout 300]

The binary defaults to .build/release/zerogap (env ZEROGAP_BIN overrides); OPENBLAS_NUM_THREADS
defaults to 1 and OPENBLAS_CORETYPE is chosen as scripts/blas-env.sh does. If the binary is
missing (being rebuilt) the sweep waits for it (up to --wait seconds). The first run creates
.venv-reference/ (bench/_refenv.py).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference as R  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BIN = os.path.join(ROOT, ".build", "release", "zerogap")
MODELS = ("gated-relu", "relu")
LOSSES = ("squared", "logistic")
FACTORS = (1e-4, 1e-3, 1e-2, 0.1, 1.0)
CHECKS = ("cli", "1_lb_le_ref", "2a_obj_le_ref", "2b_obj_ge_ref", "3_net_eq_obj", "4_patterns",
          "5_lb_le_obj", "6_conv_gap")
CHECK_TEXT = {
    "cli": "fit ran (exit status, JSON, model file)",
    "1_lb_le_ref": "lower_bound <= Clarabel + tol_C",
    "2a_obj_le_ref": "converged: objective <= Clarabel + gap",
    "2b_obj_ge_ref": "objective >= Clarabel - tol_C",
    "3_net_eq_obj": "model.json network = objective (1e-8)",
    "4_patterns": "neurons/gates on sampled patterns",
    "5_lb_le_obj": "lower_bound <= objective (all 3)",
    "6_conv_gap": "converged => relative_gap <= tol",
}
# What the "worst" column shows for each check (the largest value of this quantity over all instances;
# the check fails when it exceeds the threshold column, which is 0 for the normalised ones).
WORST_TEXT = {
    "1_lb_le_ref": "(lb-ref)/max(1,|ref|) - tol_C",
    "2a_obj_le_ref": "excess over allowed, /|ref|",
    "2b_obj_ge_ref": "(ref-obj)/max(1,|ref|) - tol_C",
    "3_net_eq_obj": "|wd-obj|/|obj|",
    "4_patterns": "neurons off the patterns",
    "5_lb_le_obj": "(lb-min obj)/|obj|",
    "6_conv_gap": "conv: rel gap / tol",
}
RUNTIME_ERROR_CODES = (1, 64)
PATTERN_ROUNDING = 1e-10


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------

def make_instance(seed, i):
    """Instance i of the sweep with seed `seed` (see the module docstring)."""
    rng = np.random.default_rng([seed, i])
    model = MODELS[i % 2]
    loss = LOSSES[(i // 2) % 2]
    for _ in range(100):
        n = int(rng.integers(10, 81))
        d = int(rng.integers(2, 7))
        ones = bool(rng.random() < 0.5)
        X = rng.standard_normal((n, d))
        if ones:
            X = np.concatenate([X, np.ones((n, 1))], axis=1)
        dd = X.shape[1]
        k = int(rng.integers(1, 5))
        U = rng.standard_normal((dd, k)) / np.sqrt(dd)
        a = rng.standard_normal(k)
        y = np.maximum(X @ U, 0.0) @ a
        realisable = bool(rng.random() < 0.5)
        if not realisable:
            y = y + 0.5 * rng.standard_normal(n)
        if loss == "logistic":
            y = np.where(y > np.median(y), 1.0, -1.0)
            if min(np.sum(y > 0), np.sum(y < 0)) < 2:
                continue  # ties at the median (dead teacher): draw again
        elif np.linalg.norm(y) < 1e-8:
            continue
        P = int(rng.integers(5, 31))
        G = rng.standard_normal((dd, P))
        D, _ = R.patterns_from_gates(X, G)
        v0 = y if loss == "squared" else y / 2.0
        beta_max = float(np.max(np.linalg.norm(X.T @ (D * v0[:, None]), axis=0)))
        if not beta_max > 0:
            continue
        f = float(FACTORS[int(rng.integers(0, len(FACTORS)))])
        return {
            "index": i, "n": n, "d": dd, "features": d, "ones": ones, "teacher": k, "realisable": realisable,
            "model": model, "loss": loss, "gates": P, "patterns": int(D.shape[1]), "factor": f,
            "beta_max": beta_max, "beta": f * beta_max, "X": X, "y": y, "G": G, "D": D,
        }
    raise RuntimeError(f"instance {i}: could not draw a usable instance")


# --------------------------------------------------------------------------------------------
# The binary
# --------------------------------------------------------------------------------------------

def blas_env():
    """The environment for zerogap: 1 OpenBLAS thread unless set; OPENBLAS_CORETYPE as scripts/blas-env.sh."""
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    if not env.get("OPENBLAS_CORETYPE"):
        try:
            with open("/proc/cpuinfo") as f:
                info = f.read()
        except OSError:
            info = ""
        flags = set(info.split())
        if "avx512f" in flags:
            env["OPENBLAS_CORETYPE"] = "SkylakeX"
        elif "GenuineIntel" in info and "avx2" in flags:
            env["OPENBLAS_CORETYPE"] = "Haswell"
    return env


def wait_for_binary(path, wait):
    """Wait (polling) until `path` exists and is executable; False after `wait` seconds."""
    t0 = time.time()
    warned = False
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        if time.time() - t0 > wait:
            return False
        if not warned:
            print(f"soundness_sweep: {path} is missing (being rebuilt?); waiting up to {wait:.0f} s",
                  file=sys.stderr, flush=True)
            warned = True
        time.sleep(2.0)
    return True


def binary_stamp(path):
    try:
        st = os.stat(path)
        return f"{int(st.st_mtime)}:{st.st_size}"
    except OSError:
        return None


def run_fit(cfg, inst, tmp):
    """Run `zerogap fit` on the instance in directory tmp. Returns a dict with the raw results."""
    for name in ("X", "y", "G"):
        np.save(os.path.join(tmp, name + ".npy"), inst[name])
    model_path = os.path.join(tmp, "model.json")
    cmd = [cfg["zerogap"], "fit", "--data", os.path.join(tmp, "X.npy"), "--targets", os.path.join(tmp, "y.npy"),
           "--gates", os.path.join(tmp, "G.npy"), "--no-bias", "--no-standardize", "--beta", repr(inst["beta"]),
           "--model", inst["model"], "--loss", inst["loss"], "--tol", repr(cfg["tol"]),
           "--output", model_path, "--force", "--json"]
    out = {"command": cmd}
    for attempt in range(4):
        if not wait_for_binary(cfg["zerogap"], cfg["wait"]):
            out.update(returncode=None, error=f"binary {cfg['zerogap']} missing for {cfg['wait']} s")
            return out
        stamp = binary_stamp(cfg["zerogap"])
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=cfg["env"], timeout=cfg["timeout"])
        except subprocess.TimeoutExpired:
            out.update(returncode=None, error=f"timed out after {cfg['timeout']} s", seconds=cfg["timeout"])
            return out
        except OSError as e:  # e.g. ETXTBSY / ENOENT while the binary is being replaced
            out.update(returncode=None, error=f"could not run: {e}")
            time.sleep(2.0 * (attempt + 1))
            continue
        out["seconds"] = time.perf_counter() - t0
        out["binary"] = stamp
        if p.returncode in (126, 127) or (p.returncode < 0 and binary_stamp(cfg["zerogap"]) != stamp):
            # could not exec, or killed while the binary changed under us: wait for the new one and retry
            out.update(returncode=p.returncode, error=f"exec failure (status {p.returncode}): {p.stderr.strip()[-200:]}")
            time.sleep(2.0 * (attempt + 1))
            continue
        out.update(returncode=p.returncode, stdout=p.stdout, stderr=p.stderr.strip()[-500:], error=None)
        try:
            lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
            out["report"] = json.loads(lines[-1]) if lines else None
        except (ValueError, IndexError):
            out["report"] = None
        try:
            with open(model_path) as f:
                out["model_file"] = json.load(f)
        except (OSError, ValueError):
            out["model_file"] = None
        return out
    return out


# --------------------------------------------------------------------------------------------
# Independent evaluation of the saved network
# --------------------------------------------------------------------------------------------

def network_values(mf, X, y, beta, loss):
    """Weight-decay and path-norm objectives of the network in the model file, plus its arrays."""
    net = mf["network"]
    d = X.shape[1]

    def matrix(value, rows, what):
        M = np.asarray(value, float)
        if M.size == 0:  # the zero network (β ≥ β_max): d rows of [] and output_weights []
            return np.zeros((rows, 0) if what != "output_weights" else (0, 1))
        if M.ndim != 2 or M.shape[0] != rows:
            raise ValueError(f"{what} has shape {M.shape}, expected {rows} rows")
        return M

    U = matrix(net["first_layer"], d, "first_layer")
    A = matrix(net["output_weights"], U.shape[1], "output_weights")
    if A.shape != (U.shape[1], 1):
        raise ValueError(f"output_weights is {A.shape}, expected {U.shape[1]}×1")
    a = A[:, 0]
    Gn = net.get("network_gates")
    XU = X @ U
    if Gn is not None:
        Gn = matrix(Gn, d, "network_gates")
        if Gn.shape != U.shape:
            raise ValueError(f"network_gates is {Gn.shape}, first_layer {U.shape}")
        H = np.where(X @ Gn >= 0, XU, 0.0)
    else:
        H = np.maximum(XU, 0.0)
    yhat = H @ a
    if net.get("output_bias") is not None:
        raise ValueError("the model file has an output bias; this sweep never asks for one")
    lv = R.loss_value(loss, yhat, y)
    wd = lv + 0.5 * beta * (float(np.sum(U * U)) + float(a @ a))
    path = lv + beta * float(np.sum(np.linalg.norm(U, axis=0) * np.abs(a)))
    return {"wd": wd, "path": path, "loss": lv, "U": U, "a": a, "gates": Gn, "width": int(U.shape[1])}


def off_pattern_count(Z, D, strict):
    """How many columns z of Z have a sign pattern that is not a column of D (rows with |z| ≤ 1e-10·max|z|
    ignored). strict: pattern 1[z > 0] (ReLU neurons); else 1[z ≥ 0] (gates)."""
    Dm = D.astype(bool)
    bad = 0
    for j in range(Z.shape[1]):
        z = Z[:, j]
        scale = float(np.max(np.abs(z))) if z.size else 0.0
        if scale == 0.0:
            continue  # a dead neuron contributes nothing
        act = z > 0 if strict else z >= 0
        care = np.abs(z) > PATTERN_ROUNDING * scale
        if not np.any(np.all(~care[:, None] | (act[:, None] == Dm), axis=0)):
            bad += 1
    return bad


# --------------------------------------------------------------------------------------------
# One instance
# --------------------------------------------------------------------------------------------

def check_instance(cfg, i):
    inst = make_instance(cfg["seed"], i)
    rec = {k: v for k, v in inst.items() if k not in ("X", "y", "G", "D")}
    viol = {}      # check -> message
    worst = {}     # check -> the checked quantity (normalised so that > 0 fails, except 3/4/6)
    tmp = tempfile.mkdtemp(prefix="zg-sweep-")
    try:
        fit = run_fit(cfg, inst, tmp)
        rec["fit_seconds"] = fit.get("seconds")
        rec["returncode"] = fit.get("returncode")
        rec["binary"] = fit.get("binary")
        rep = fit.get("report")
        mf = fit.get("model_file")
        rc = fit.get("returncode")
        # --- cli
        problems = []
        if fit.get("error"):
            problems.append(fit["error"])
        need = ("objective", "lower_bound", "relative_gap", "stop_reason")
        if rep is None or not all(k in rep for k in need):
            problems.append("no complete JSON report on stdout")
        converged = bool(rep and rep.get("stop_reason") == "converged")
        if rc is not None and rc != 0:
            unc = cfg["uncertified_exit_code"]
            ok_unc = (rc == unc) if unc is not None else (rc not in RUNTIME_ERROR_CODES and rc > 0)
            if not ok_unc or rep is None or converged:
                problems.append(f"exit status {rc}" + (" with stop_reason converged" if converged else "")
                                + (f": {fit.get('stderr', '')[-200:]}" if fit.get("stderr") else ""))
        if mf is None and rep is not None:
            problems.append("model.json missing or unreadable")
        if problems:
            viol["cli"] = "; ".join(problems)
        if rep is not None:
            rec.update(objective=rep.get("objective"), lower_bound=rep.get("lower_bound"),
                       relative_gap=rep.get("relative_gap"), stop_reason=rep.get("stop_reason"),
                       iterations=rep.get("iterations"), neurons=rep.get("neurons"),
                       zerogap_patterns=rep.get("patterns"), bound_scope=rep.get("bound_scope"))
        rec["converged"] = converged
        # --- reference
        t0 = time.perf_counter()
        try:
            ref = R.solve(inst["X"], inst["y"], inst["D"], inst["beta"], inst["model"], inst["loss"])
        except Exception as e:  # noqa: BLE001 - a reference failure is reported, never fatal
            ref = {"objective": None, "status": f"exception: {e}", "tolerance": None}
        rec["ref_seconds"] = time.perf_counter() - t0
        ref_ok = ref.get("objective") is not None and ref.get("status") in ("optimal", "optimal_inaccurate")
        rec.update(ref_objective=ref.get("objective"), ref_status=ref.get("status"),
                   ref_tolerance=ref.get("tolerance"), ref_cone_violation=ref.get("max_cone_violation"))
        rec["ref_ok"] = ref_ok
        if rep is None or not all(k in rep for k in need):
            return rec, viol, worst
        obj, lb, rg = float(rep["objective"]), float(rep["lower_bound"]), float(rep["relative_gap"])
        tol = cfg["tol"]
        if not (np.isfinite(obj) and np.isfinite(lb)):
            viol["cli"] = (viol.get("cli", "") + "; " if "cli" in viol else "") + f"non-finite bounds {obj}, {lb}"
        # --- 1, 2
        if ref_ok:
            pref = float(ref["objective"])
            tc = float(ref["tolerance"])
            slack = tc * max(1.0, abs(pref))
            q1 = (lb - pref) / max(1.0, abs(pref)) - tc
            worst["1_lb_le_ref"] = q1
            if lb > pref + slack:
                viol["1_lb_le_ref"] = f"lower_bound {lb!r} > Clarabel {pref!r} (tol_C {tc:g})"
            q2b = (pref - obj) / max(1.0, abs(pref)) - tc - 1e-12
            rec["below_ref"] = (pref - obj) / max(1.0, abs(pref))
            if q2b > 0:
                # Clarabel's primal value is only near p*: escalate to its dual program (made feasible, so
                # a lower bound on p* by weak duality) and require objective >= that bound - tol_C.
                t1 = time.perf_counter()
                try:
                    dual = R.solve_dual_column(inst["X"], inst["y"], inst["D"], inst["beta"], inst["model"],
                                               inst["loss"])
                except Exception as e:  # noqa: BLE001
                    dual = {"dual": None, "dual_status": f"exception: {e}", "dual_tolerance": None}
                rec["ref_seconds"] += time.perf_counter() - t1
                dv, dt = dual.get("dual"), dual.get("dual_tolerance")
                rec.update(ref_dual=dv, ref_dual_status=dual.get("dual_status"), ref_dual_tolerance=dt)
                if dv is not None and dt is not None:
                    q2b = (dv - obj) / max(1.0, abs(dv)) - float(dt) - 1e-12
                    what = f"Clarabel's dual bound {dv!r} (primal {pref!r}, tol_C {float(dt):g})"
                else:
                    what = f"Clarabel {pref!r} (tol_C {tc:g}; its dual failed: {dual.get('dual_status')})"
                if q2b > 0:
                    viol["2b_obj_ge_ref"] = f"objective {obj!r} below {what}"
            worst["2b_obj_ge_ref"] = q2b
            if converged:
                allowed = tol * abs(obj) + slack + 1e-12 * abs(pref)
                q2a = (obj - pref - allowed) / max(abs(pref), 1e-300)
                worst["2a_obj_le_ref"] = q2a
                if q2a > 0:
                    viol["2a_obj_le_ref"] = f"converged objective {obj!r} above Clarabel {pref!r} by more than the gap"
            rec["excess_over_ref"] = (obj - pref) / max(abs(pref), 1e-300)
        # --- 3, 4, 5
        if mf is not None:
            try:
                nv = network_values(mf, inst["X"], inst["y"], inst["beta"], inst["loss"])
            except (KeyError, ValueError, TypeError) as e:
                viol["3_net_eq_obj"] = f"cannot evaluate model.json: {e}"
                nv = None
            if nv is not None:
                rec.update(net_wd=nv["wd"], net_path=nv["path"], width=nv["width"],
                           balance=(nv["wd"] - nv["path"]) / max(abs(nv["wd"]), 1e-300))
                q3 = abs(nv["wd"] - obj) / max(abs(obj), 1e-300)
                worst["3_net_eq_obj"] = q3
                rec["net_rel_diff"] = q3
                rec["net_path_rel_diff"] = abs(nv["path"] - obj) / max(abs(obj), 1e-300)
                if not q3 <= 1e-8:
                    viol["3_net_eq_obj"] = f"network value {nv['wd']!r} (path norm {nv['path']!r}) vs reported {obj!r}"
                if inst["model"] == "relu":
                    if nv["gates"] is not None:
                        viol["4_patterns"] = "relu model file has network_gates"
                    off = off_pattern_count(inst["X"] @ nv["U"], inst["D"], strict=True)
                else:
                    if nv["gates"] is None:
                        off = 0
                        viol["4_patterns"] = "gated-relu model file has no network_gates"
                    else:
                        off = off_pattern_count(inst["X"] @ nv["gates"], inst["D"], strict=False)
                worst["4_patterns"] = off
                if off:
                    viol["4_patterns"] = f"{off} of {nv['width']} " + \
                        ("neurons activate" if inst["model"] == "relu" else "network gates fire") + " off the sampled patterns"
                lowest = min(obj, nv["wd"], nv["path"])
                q5 = (lb - lowest) / max(abs(lowest), 1e-300)
                worst["5_lb_le_obj"] = q5
                if lb > lowest + 1e-12 * abs(lowest):
                    viol["5_lb_le_obj"] = f"lower_bound {lb!r} > min(objective, network values) {lowest!r}"
        if "5_lb_le_obj" not in worst:
            q5 = (lb - obj) / max(abs(obj), 1e-300)
            worst["5_lb_le_obj"] = q5
            if lb > obj + 1e-12 * abs(obj):
                viol["5_lb_le_obj"] = f"lower_bound {lb!r} > objective {obj!r}"
        # --- 6
        if converged:
            recomputed = (obj - lb) / max(abs(obj), 1e-300)
            q6 = max(rg, recomputed) / tol
            worst["6_conv_gap"] = q6
            if not (rg <= tol and recomputed <= tol * (1 + 1e-12)):
                viol["6_conv_gap"] = f"converged at relative gap {rg!r} (recomputed {recomputed!r}) > tol {tol:g}"
        if viol and cfg["keep_failures"]:
            dest = os.path.join(cfg["keep_failures"], f"seed{cfg['seed']}-instance{i}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(tmp, dest)
            with open(os.path.join(dest, "record.json"), "w") as f:
                json.dump({"record": rec, "violations": viol, "command": fit.get("command"),
                           "stdout": fit.get("stdout"), "stderr": fit.get("stderr")}, f, indent=1, default=str)
        return rec, viol, worst
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _worker(args):
    cfg, i = args
    try:
        rec, viol, worst = check_instance(cfg, i)
    except Exception as e:  # noqa: BLE001 - report, do not lose the sweep
        rec, viol, worst = {"index": i}, {"cli": f"sweep error: {type(e).__name__}: {e}"}, {}
    rec["violations"] = viol
    rec["worst"] = worst
    return rec


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------

def summarise(records, seconds):
    by_ml = {}
    for m in MODELS:
        for lo in LOSSES:
            rs = [r for r in records if r.get("model") == m and r.get("loss") == lo]
            by_ml[f"{m}/{lo}"] = {
                "instances": len(rs),
                "converged": sum(1 for r in rs if r.get("converged")),
                "with_violations": sum(1 for r in rs if r["violations"]),
                "reference_failures": sum(1 for r in rs if not r.get("ref_ok", True)),
                "fit_seconds": float(sum(r.get("fit_seconds") or 0.0 for r in rs)),
                "ref_seconds": float(sum(r.get("ref_seconds") or 0.0 for r in rs)),
                "max_excess_over_ref": max((r["excess_over_ref"] for r in rs if r.get("converged")
                                            and r.get("excess_over_ref") is not None), default=None),
            }
    checks = {}
    for c in CHECKS:
        vals = [r["worst"][c] for r in records if c in r["worst"]]
        bad = [r for r in records if c in r["violations"]]
        checks[c] = {"checked": len(vals) if c != "cli" else len(records), "violations": len(bad),
                     "worst": max(vals) if vals else None,
                     "instances": [r["index"] for r in bad][:20]}
    stops, codes, scopes = {}, {}, {}
    for r in records:
        stops[str(r.get("stop_reason"))] = stops.get(str(r.get("stop_reason")), 0) + 1
        codes[str(r.get("returncode"))] = codes.get(str(r.get("returncode")), 0) + 1
        scopes[str(r.get("bound_scope"))] = scopes.get(str(r.get("bound_scope")), 0) + 1
    tols = {}
    for r in records:
        if r.get("ref_ok"):
            key = f"{r.get('ref_status')}@{r.get('ref_tolerance'):g}"
            tols[key] = tols.get(key, 0) + 1
    n = len(records)
    return {
        "instances": n,
        "instances_with_violations": sum(1 for r in records if r["violations"]),
        "violations": sum(len(r["violations"]) for r in records),
        "converged": sum(1 for r in records if r.get("converged")),
        "converged_fraction": (sum(1 for r in records if r.get("converged")) / n) if n else None,
        "reference_failures": sum(1 for r in records if not r.get("ref_ok", True)),
        "escalated_to_dual": sum(1 for r in records if "ref_dual_status" in r),
        "by_model_loss": by_ml, "checks": checks, "stop_reasons": stops, "exit_codes": codes,
        "bound_scopes": scopes, "reference_status": tols,
        "max_balance": max((r["balance"] for r in records if r.get("balance") is not None), default=None),
        "max_net_path_rel_diff": max((r["net_path_rel_diff"] for r in records
                                      if r.get("net_path_rel_diff") is not None), default=None),
        "binaries_seen": sorted({str(r.get("binary")) for r in records}),
        "seconds": seconds,
        "fit_seconds": float(sum(r.get("fit_seconds") or 0.0 for r in records)),
        "ref_seconds": float(sum(r.get("ref_seconds") or 0.0 for r in records)),
    }


def _fmt(x, spec=".2e"):
    return "–" if x is None else format(x, spec)


def print_summary(s, cfg):
    print(f"\nsoundness_sweep: {s['instances']} instances, seed {cfg['seed']}, tol {cfg['tol']:g}, "
          f"{s['seconds']:.1f} s (zerogap {s['fit_seconds']:.1f} s, Clarabel {s['ref_seconds']:.1f} s)")
    print(f"\n{'model/loss':22s} {'inst':>5s} {'conv':>5s} {'conv %':>7s} {'viol':>5s} {'ref fail':>8s} "
          f"{'max (obj-ref)/ref':>17s} {'zerogap s':>9s} {'Clarabel s':>10s}")
    for k, v in s["by_model_loss"].items():
        frac = 100.0 * v["converged"] / v["instances"] if v["instances"] else 0.0
        print(f"{k:22s} {v['instances']:5d} {v['converged']:5d} {frac:6.1f}% {v['with_violations']:5d} "
              f"{v['reference_failures']:8d} {_fmt(v['max_excess_over_ref'], '17.2e'):>17s} "
              f"{v['fit_seconds']:9.1f} {v['ref_seconds']:10.1f}")
    print(f"\n{'check':14s} {'what':42s} {'checked':>7s} {'viol':>5s} {'worst':>10s}  worst is")
    for c, v in s["checks"].items():
        w = v["worst"]
        wtxt = "–" if w is None else (f"{w:d}" if isinstance(w, int) else f"{w:.2e}")
        print(f"{c:14s} {CHECK_TEXT[c]:42s} {v['checked']:7d} {v['violations']:5d} {wtxt:>10s}  {WORST_TEXT.get(c, '')}"
              + (f"   e.g. instances {v['instances']}" if v["violations"] else ""))
    print(f"\nconverged {s['converged']}/{s['instances']} ({100.0 * (s['converged_fraction'] or 0):.1f} %); "
          f"stop reasons {s['stop_reasons']}; exit codes {s['exit_codes']}; bound_scope {s['bound_scopes']}")
    print(f"reference: {s['reference_failures']} failures; accepted at {s['reference_status']}; "
          f"check 2b escalated to Clarabel's dual bound on {s['escalated_to_dual']} instances")
    print(f"network: max (weight decay - path norm)/value {_fmt(s['max_balance'])} "
          f"(0 = balanced); max |path-norm value - objective|/|objective| {_fmt(s['max_net_path_rel_diff'])}")
    if len(s["binaries_seen"]) > 1:
        print(f"note: the binary changed during the sweep (mtime:size {s['binaries_seen']})")
    print(f"\n{s['violations']} violations in {s['instances_with_violations']} instances"
          + ("" if not s["violations"] else
             f"; re-run one with: python3 bench/soundness_sweep.py --seed {cfg['seed']} --only I"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=None)
    ap.add_argument("--count", type=int, default=2000, help="number of instances (default 2000)")
    ap.add_argument("--quick", action="store_true", help="100 instances")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="comma-separated instance indices to run (ignores --count)")
    ap.add_argument("--tol", type=float, default=1e-6, help="zerogap fit --tol (default 1e-6)")
    ap.add_argument("--json-out", metavar="FILE", help="write every record and the summary as JSON")
    ap.add_argument("--jobs", type=int, default=1, help="instances in parallel (default 1)")
    ap.add_argument("--keep-failures", metavar="DIR", help="copy the files of failing instances here")
    ap.add_argument("--zerogap", default=os.environ.get("ZEROGAP_BIN", DEFAULT_BIN), help="the binary")
    ap.add_argument("--uncertified-exit-code", default="3",
                    help="fit's exit status for 'not certified' (default 3), or 'auto': any status other "
                         "than 0, 1, 64, provided the JSON report is complete and not converged")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per fit (default 300)")
    ap.add_argument("--wait", type=float, default=900.0, help="seconds to wait for a missing binary (default 900)")
    a = ap.parse_args(argv)

    if a.only:
        indices = [int(t) for t in a.only.split(",") if t.strip()]
    else:
        indices = list(range(100 if a.quick else a.count))
    zerogap = os.path.abspath(a.zerogap)
    if not wait_for_binary(zerogap, a.wait):
        print(f"soundness_sweep: {zerogap} not found (build it with swift build -c release)", file=sys.stderr)
        return 2
    if a.keep_failures:
        os.makedirs(a.keep_failures, exist_ok=True)
    unc = a.uncertified_exit_code.strip().lower()
    if unc != "auto":
        try:
            unc = int(unc)
        except ValueError:
            ap.error(f"--uncertified-exit-code must be an integer or 'auto' (got {a.uncertified_exit_code!r})")
    else:
        unc = None
    cfg = {"seed": a.seed, "tol": a.tol, "zerogap": zerogap, "env": blas_env(), "timeout": a.timeout,
           "wait": a.wait, "uncertified_exit_code": unc,
           "keep_failures": os.path.abspath(a.keep_failures) if a.keep_failures else None}
    try:
        version = subprocess.run([zerogap, "--version"], capture_output=True, text=True, env=cfg["env"],
                                 timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        version = None
    print(f"soundness_sweep: {len(indices)} instances, seed {a.seed}, {zerogap} ({version}), "
          f"OPENBLAS_NUM_THREADS={cfg['env'].get('OPENBLAS_NUM_THREADS')} "
          f"OPENBLAS_CORETYPE={cfg['env'].get('OPENBLAS_CORETYPE', '(library default)')}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    records = []
    jobs = [(cfg, i) for i in indices]
    if a.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=a.jobs)
        results = pool.map(_worker, jobs, chunksize=1)
    else:
        pool = None
        results = map(_worker, jobs)
    try:
        for rec in results:
            records.append(rec)
            for c, msg in rec["violations"].items():
                print(f"VIOLATION instance {rec['index']} ({rec.get('model')}/{rec.get('loss')}, n={rec.get('n')} "
                      f"d={rec.get('d')} P={rec.get('patterns')} f={rec.get('factor')}) [{c}]: {msg}",
                      file=sys.stderr, flush=True)
            k = len(records)
            if k % 50 == 0 or k == len(jobs):
                conv = sum(1 for r in records if r.get("converged"))
                nv = sum(len(r["violations"]) for r in records)
                print(f"[{k:5d}/{len(jobs)}] {time.perf_counter() - t0:7.1f} s  converged {conv}/{k}  "
                      f"violations {nv}", file=sys.stderr, flush=True)
    finally:
        if pool is not None:
            pool.shutdown()
    s = summarise(records, time.perf_counter() - t0)
    print_summary(s, cfg)
    if a.json_out:
        import clarabel
        import cvxpy as cp

        env = cfg["env"]
        out = {"config": {"seed": a.seed, "count": len(indices), "tol": a.tol, "zerogap": zerogap,
                          "zerogap_version": version, "OPENBLAS_NUM_THREADS": env.get("OPENBLAS_NUM_THREADS"),
                          "OPENBLAS_CORETYPE": env.get("OPENBLAS_CORETYPE"),
                          "reference": f"Clarabel {clarabel.__version__} via cvxpy {cp.__version__}",
                          "uncertified_exit_code": unc},
               "summary": s, "instances": records}
        with open(a.json_out, "w") as f:
            json.dump(out, f, indent=1, default=float)
    return 1 if s["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
