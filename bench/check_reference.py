#!/usr/bin/env python3
"""Verify the reference solver (bench/reference.py) against MATH.md §3.10 and duality.

Checks, with an independent d = 2 angle sweep (MATH.md §3.2) written here in plain numpy:
  Example A (squared, β = 0.05): the 10 patterns, p*, ŷ*, the recovered network's objective,
    the arc-sweep certificate c(y − ŷ*) = β and its dual value, the sampled subset value,
    C-GReLU over all patterns and its dual, the crude ‖X‖‖v‖ bound, the bounds ordering.
  Example B (logistic): p* to 1e-7, ŷ* to 1e-5, the entropy dual at the scaled candidate point.
  Hinge (Example B data): weak duality, both from the dual program and from a hand-built
    feasible dual point; strong duality as a solver cross-check.
  Random instances (d = 3..5): primal = dual program (1e-6 relative) for every model × loss,
    C-GReLU ≤ C-ReLU on the same patterns, subset value ≥ full value.
  The CLI end to end (--gates with duplicate gates, --json) on Example A.
Exit status 1 on any mismatch.  Usage: python3 bench/check_reference.py [--json]
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference as R  # noqa: E402

BETA = 0.05
A_X1 = np.array([-1.5, -0.5, 0.2, 1.0, 2.0])
A_X = np.stack([A_X1, np.ones(5)], axis=1)
A_Y = np.array([1.0, -0.5, 0.8, 0.3, -1.2])
B_Y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
A_PATTERNS = ["01111", "11111", "11110", "11100", "11000", "10000", "00000", "00001", "00011", "00111"]
A_SUBSET = ["01111", "11110", "11000", "00000", "00011"]
A_PSTAR = 0.331534835042
A_YHAT = np.array([0.9440983006, -0.2929711679, 0.6686087783, 0.2145880668, -1.1343239778])
A_SUBSET_VALUE = 0.332066431156
A_GRELU = 0.136560278197
A_CRUDE = 0.0236575
B_PSTAR = 1.656858890595
B_YHAT = np.array([2.8266346614, -1.3627160250, 1.9808695513, 2.2466940785, -2.6027186737])


# --------------------------------------------------------------------------------------------
# d = 2 angle sweep (MATH.md §3.2) and exact c(v) on arcs (§3.5, way 1)
# --------------------------------------------------------------------------------------------

def _unit(theta):
    return np.array([np.cos(theta), np.sin(theta)])


def arc_sweep(X, eps=1e-12):
    """All patterns of X (n×2) by the angle sweep. Returns [(a, b, mask)] with arcs [a, b]."""
    X = np.asarray(X, float)
    angs = [np.arctan2(x[1], x[0]) for x in X if np.linalg.norm(x) > 0]
    bps = np.sort(np.mod(np.concatenate([np.array(angs) + np.pi / 2, np.array(angs) - np.pi / 2]),
                         2 * np.pi))
    uniq = [bps[0]]
    for b in bps[1:]:
        if b - uniq[-1] > eps:
            uniq.append(b)
    if 2 * np.pi - (uniq[-1] - uniq[0]) <= eps:  # 0 and 2π coincide
        uniq.pop()
    arcs = []
    for k in range(len(uniq)):
        a = uniq[k]
        b = uniq[k + 1] if k + 1 < len(uniq) else uniq[0] + 2 * np.pi
        mask = (X @ _unit(0.5 * (a + b)) >= 0).astype(int)
        arcs.append((a, b, mask))
    return arcs


def distinct_lines(X, eps=1e-12):
    """Number of distinct lines through the origin spanned by the nonzero rows of X (n×2)."""
    angs = sorted(np.mod(np.arctan2(x[1], x[0]), np.pi) for x in X if np.linalg.norm(x) > 0)
    count = 0
    for i, a in enumerate(angs):
        if i == 0 or a - angs[i - 1] > eps:
            count += 1
    if count > 1 and np.pi - (angs[-1] - angs[0]) <= eps:
        count -= 1
    return count


def c_exact_sweep(X, v, arcs):
    """c(v) = max_{‖u‖≤1} |vᵀ(Xu)_+|, exactly, by maximising over each arc (§3.5 way 1)."""
    best = 0.0
    for a, b, mask in arcs:
        for s in (1.0, -1.0):
            g = X.T @ (mask * (s * v))
            psi = np.arctan2(g[1], g[0])
            if np.mod(psi - a, 2 * np.pi) <= b - a:
                val = np.linalg.norm(g)
            else:
                val = max(g @ _unit(a), g @ _unit(b))
            best = max(best, val)
    return best


def c_grid(X, v, m=2_000_001):
    """Brute-force c(v) on a dense angle grid (independent of the sweep; accurate to ~1e-11)."""
    th = np.linspace(0, 2 * np.pi, m)
    U = np.stack([np.cos(th), np.sin(th)])
    vals = v @ np.maximum(X @ U, 0.0)
    return float(np.max(np.abs(vals)))


def masks_to_D(masks):
    return np.array([[int(c) for c in p] for p in masks], float).T


def D_to_masks(D):
    return ["".join(str(int(round(x))) for x in D[:, j]) for j in range(D.shape[1])]


# --------------------------------------------------------------------------------------------
# Check bookkeeping
# --------------------------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.rows = []
        self.notes = []

    def close(self, name, got, want, tol, rel=False):
        err = abs(got - want)
        bound = tol * max(1.0, abs(want)) if rel else tol
        self._add(name, got, want, err, err <= bound, f"{'rel' if rel else 'abs'} {tol:g}")

    def vec(self, name, got, want, tol):
        err = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
        self._add(name, "vector", "listed", err, err <= tol, f"max abs {tol:g}")

    def true(self, name, cond, got=None, want=None, note=""):
        self._add(name, got, want, None, bool(cond), note)

    def _add(self, name, got, want, err, ok, tol):
        self.rows.append({"check": name, "got": got, "want": want, "error": err, "ok": ok, "tol": tol})
        g = f"{got:.12f}" if isinstance(got, float) else str(got)
        w = f"{want:.12f}" if isinstance(want, float) else str(want)
        e = "" if err is None else f"err {err:.2e}"
        print(f"{'PASS' if ok else 'FAIL'}  {name:58s} {g:>18s}  want {w:>18s}  {e:13s} [{tol}]")

    def note(self, text):
        self.notes.append(text)
        print(f"NOTE  {text}")

    @property
    def failed(self):
        return [r for r in self.rows if not r["ok"]]


def relu(X, y, D, loss="squared", dual=False, model="relu"):
    return R.solve(X, y, D, BETA, model, loss, dual=dual)


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------

def example_a(C):
    print("== Example A (MATH.md §3.10, squared loss, β = 0.05)")
    arcs = arc_sweep(A_X)
    masks = ["".join(map(str, m)) for _, _, m in arcs]
    C.true("A: sweep finds P = 10 patterns", len(set(masks)) == 10 == len(masks), len(masks), 10)
    C.true("A: sweep patterns = listed set", set(masks) == set(A_PATTERNS), ",".join(masks), "listed")
    C.true("A: P = 2 · #distinct lines", len(masks) == 2 * distinct_lines(A_X),
           len(masks), 2 * distinct_lines(A_X))
    D = masks_to_D(masks)

    r = relu(A_X, A_Y, D, dual=True)
    yhat = np.asarray(r["prediction"])
    C.close("A: C-ReLU p* (all patterns)", r["objective"], A_PSTAR, 1e-9)
    C.close("A: C-ReLU dual program d*", r["dual"], A_PSTAR, 1e-9)
    C.vec("A: ŷ* as listed", yhat, A_YHAT, 1e-6)
    C.true("A: cone constraints hold (≤ 1e-9)", r["max_cone_violation"] <= 1e-9, r["max_cone_violation"], 0.0)
    U, al = R.recover_relu_network(r["_columns"][0]["blocks"])
    C.close("A: recovered network objective (§3.1) = p*",
            R.relu_network_objective(A_X, A_Y, U, al, BETA), A_PSTAR, 1e-8)
    C.vec("A: recovered network predicts ŷ*", np.maximum(A_X @ U, 0) @ al, yhat, 1e-8)

    v = A_Y - yhat
    c = c_exact_sweep(A_X, v, arcs)
    C.close("A: certificate c(y − ŷ*) by arc sweep = β", c, BETA, 1e-8)
    C.close("A: c(y − ŷ*) by dense grid = arc sweep", c_grid(A_X, v), c, 1e-8)
    s = min(1.0, BETA / c)
    lb = float(A_Y @ (s * v) - 0.5 * (s * v) @ (s * v))
    C.close("A: certificate dual value = p*", lb, A_PSTAR, 1e-8)
    crude = float(np.linalg.norm(A_X, 2) * np.linalg.norm(v))
    s = min(1.0, BETA / crude)
    crude_lb = float(A_Y @ (s * v) - 0.5 * (s * v) @ (s * v))
    C.close("A: crude certificate ‖X‖‖v‖ (listed to 7 digits)", crude_lb, A_CRUDE, 5e-8)

    sub = relu(A_X, A_Y, masks_to_D(A_SUBSET), dual=True)
    C.close("A: sampled subset value", sub["objective"], A_SUBSET_VALUE, 1e-9)
    C.close("A: sampled subset dual program", sub["dual"], A_SUBSET_VALUE, 1e-9)

    g = relu(A_X, A_Y, D, dual=True, model="gated-relu")
    C.close("A: C-GReLU over all patterns", g["objective"], A_GRELU, 1e-9)
    C.close("A: C-GReLU finite-constraint dual", g["dual"], A_GRELU, 1e-9)
    gv = A_Y - np.asarray(g["prediction"])
    cg = max(np.linalg.norm(A_X.T @ (D[:, i] * gv)) for i in range(D.shape[1]))
    s = min(1.0, BETA / cg)
    C.close("A: C-GReLU residual certificate (§3.6 dual)",
            float(A_Y @ (s * gv) - 0.5 * (s * gv) @ (s * gv)), A_GRELU, 1e-8)
    C.true("A: crude ≤ C-GReLU ≤ p* ≤ subset",
           crude_lb <= g["objective"] <= r["objective"] <= sub["objective"],
           f"{crude_lb:.6f} ≤ {g['objective']:.6f} ≤ {r['objective']:.6f} ≤ {sub['objective']:.6f}")
    return {"P": len(masks), "p_star": r["objective"], "dual": r["dual"], "yhat": yhat.tolist(),
            "certificate_c": c, "certificate_dual": lb, "crude_lb": crude_lb,
            "subset": sub["objective"], "grelu": g["objective"], "grelu_dual": g["dual"],
            "yhat_max_err": float(np.max(np.abs(yhat - A_YHAT))),
            "status": r["status"], "tolerance": r["tolerance"]}


def example_b(C):
    print("== Example B (MATH.md §3.10, logistic, β = 0.05)")
    arcs = arc_sweep(A_X)
    D = masks_to_D(["".join(map(str, m)) for _, _, m in arcs])
    r = relu(A_X, B_Y, D, loss="logistic", dual=True)
    yhat = np.asarray(r["prediction"])
    C.close("B: logistic C-ReLU p*", r["objective"], B_PSTAR, 1e-7)
    C.vec("B: logistic ŷ* (1e-5)", yhat, B_YHAT, 1e-5)
    C.close("B: entropy dual program", r["dual"], B_PSTAR, 1e-7)
    v = B_Y / (1.0 + np.exp(B_Y * yhat))  # y ⊙ sigmoid(−y ⊙ ŷ)
    c = c_exact_sweep(A_X, v, arcs)
    s = min(1.0, BETA / c)
    ent = float(np.sum(R.binary_entropy(B_Y * s * v)))
    C.close("B: entropy dual at scaled candidate point", ent, B_PSTAR, 1e-5)
    C.true("B: entropy dual ≤ p* (weak duality)", ent <= r["objective"] + 1e-12, ent, r["objective"])

    print("== Hinge on Example B data: weak duality")
    out = {"p_star": r["objective"], "dual": r["dual"], "entropy_certificate": ent,
           "yhat_max_err": float(np.max(np.abs(yhat - B_YHAT)))}
    for model in ("gated-relu", "relu"):
        h = relu(A_X, B_Y, D, loss="hinge", dual=True, model=model)
        C.true(f"B hinge {model}: dual program ≤ primal", h["dual"] <= h["objective"] + 1e-9,
               h["dual"], h["objective"])
        C.close(f"B hinge {model}: dual program = primal (solver)", h["dual"], h["objective"], 1e-7)
        # A hand-built feasible dual point, no solver: q = 1/2, scaled into c(v) ≤ β.
        v0 = 0.5 * B_Y
        if model == "relu":
            cb = c_exact_sweep(A_X, v0, arcs)
        else:
            cb = max(np.linalg.norm(A_X.T @ (D[:, i] * v0)) for i in range(D.shape[1]))
        s = min(1.0, BETA / cb)
        hand = float(np.sum(B_Y * s * v0))
        C.true(f"B hinge {model}: hand-built dual point ≤ primal", hand <= h["objective"], hand, h["objective"])
        out[f"hinge_{model}"] = {"primal": h["objective"], "dual": h["dual"], "hand_dual": hand}
    return out


def random_instances(C, seeds=(11, 12, 13)):
    print("== Random instances: primal = dual program, orderings")
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        n, d, P = 24 + 4 * (seed % 3), 3 + seed % 3, 12
        X = rng.standard_normal((n, d))
        X[:, -1] = 1.0
        y = np.tanh(X @ rng.standard_normal(d)) + 0.1 * rng.standard_normal(n)
        lab = np.where(y >= np.median(y), 1.0, -1.0)
        D, _ = R.patterns_from_gates(X, rng.standard_normal((d, P)))
        beta = 0.1
        vals = {}
        for model in ("gated-relu", "relu"):
            for loss, yy in (("squared", y), ("logistic", lab), ("hinge", lab)):
                r = R.solve(X, yy, D, beta, model, loss, dual=True)
                tag = f"seed {seed} {model:10s} {loss:8s}"
                if r["dual"] is not None:
                    C.close(f"{tag}: primal = dual program", r["dual"], r["objective"], 1e-6, rel=True)
                    C.true(f"{tag}: dual program ≤ primal", r["dual"] <= r["objective"] + 1e-9,
                           r["dual"], r["objective"])
                else:
                    C.note(f"{tag}: dual program not solved ({r['dual_status']})")
                if loss != "hinge":
                    C.close(f"{tag}: primal = certificate from ŷ", r["certificate"], r["objective"],
                            1e-6 if loss == "squared" else 1e-4, rel=True)
                    C.true(f"{tag}: certificate ≤ primal", r["certificate"] <= r["objective"] + 1e-9,
                           r["certificate"], r["objective"])
                vals[(model, loss)] = r["objective"]
        for loss in ("squared", "logistic", "hinge"):
            C.true(f"seed {seed} {loss}: C-GReLU ≤ C-ReLU (same patterns)",
                   vals[("gated-relu", loss)] <= vals[("relu", loss)] + 1e-9,
                   vals[("gated-relu", loss)], vals[("relu", loss)])
        half = R.solve(X, y, D[:, : D.shape[1] // 2], beta, "relu", "squared")
        C.true(f"seed {seed}: subset value ≥ full value", half["objective"] >= vals[("relu", "squared")] - 1e-9,
               half["objective"], vals[("relu", "squared")])
        # k = 2 columns: the sum of per-column solves.
        Y2 = np.stack([y, -y], axis=1)
        r2 = R.solve(X, Y2, D, beta, "gated-relu", "squared")
        want = sum(R.solve(X, Y2[:, j], D, beta, "gated-relu", "squared")["objective"] for j in range(2))
        C.close(f"seed {seed}: k = 2 objective = sum of columns", r2["objective"], want, 1e-12)
        out.append({"seed": seed, "n": n, "d": d, "patterns": int(D.shape[1]),
                    **{f"{m}/{l}": v for (m, l), v in vals.items()}})
    return out


def cli_end_to_end(C):
    print("== CLI end to end (--gates, duplicates, --json)")
    arcs = arc_sweep(A_X)
    G = np.stack([_unit(0.5 * (a + b)) for a, b, _ in arcs], axis=1)
    G = np.concatenate([G, 3.0 * G[:, :4]], axis=1)  # duplicates must be dropped
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.py")
    with tempfile.TemporaryDirectory() as tmp:
        for name, arr in (("X", A_X), ("y", A_Y.reshape(-1, 1)), ("G", G)):
            np.save(os.path.join(tmp, name + ".npy"), arr)
        cmd = [sys.executable, script, "--x", os.path.join(tmp, "X.npy"), "--y", os.path.join(tmp, "y.npy"),
               "--gates", os.path.join(tmp, "G.npy"), "--beta", str(BETA), "--model", "relu",
               "--loss", "squared", "--json", "--dual"]
        p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        C.true("CLI: exit status 0", False, p.returncode, 0, p.stderr.strip()[-200:])
        return None
    out = json.loads(p.stdout)
    need = {"objective", "prediction", "patterns", "solver", "status", "seconds", "model", "loss", "beta"}
    C.true("CLI: JSON has the required fields", need <= set(out), sorted(need - set(out)) or "all", "all")
    C.true("CLI: 14 gates de-duplicate to 10 patterns", out["patterns"] == 10, out["patterns"], 10)
    C.close("CLI: objective = p*", out["objective"], A_PSTAR, 1e-9)
    C.close("CLI: dual = p*", out["dual"], A_PSTAR, 1e-9)
    return {"objective": out["objective"], "status": out["status"], "solver": out["solver"]}


def main():
    C = Checks()
    report = {"example_a": example_a(C), "example_b": example_b(C), "random": random_instances(C),
              "cli": cli_end_to_end(C)}
    bad = C.failed
    for r in bad:
        print(f"FAILED: {r['check']}")
    print(f"\ncheck_reference: {len(C.rows) - len(bad)} passed, {len(bad)} failed, {len(C.notes)} notes")
    if "--json" in sys.argv[1:]:
        print(json.dumps(report, indent=1, default=float))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
