#!/usr/bin/env python3
"""Times cvxpy + Clarabel on the three-layer parallel ReLU programs that `zerogap-bench parallel` wrote.

For every case directory under DIR (default .build/bench-parallel) holding X.npy, y.npy, D1.npy, D2.npy and
zerogap.json, solves the same program (MATH.md §4.3, the same first- and second-layer patterns, the same β) with
bench/reference_parallel.solve_parallel twice — down its tolerance ladder (Clarabel at its tightest accepted
tolerance, ≤ 1e-8), and once at 1e-8 — and prints one row per case: ZeroGap's time to its certified 1e-6 gap, both
Clarabel times (cvxpy's model building included; its one-off import and first compile are paid before the table),
Clarabel's own solve time of the 1e-8 solve (its `solve_time`, without cvxpy: what a user calling Clarabel directly
would wait), the ratios, and the difference of the objectives (relative, against the ladder's). Run by `bash scripts/bench.sh parallel` after the Swift section, on the same machine in the same run.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402

import reference_parallel as RP  # noqa: E402


def main(argv):
    root = argv[1] if len(argv) > 1 else ".build/bench-parallel"
    if not os.path.isdir(root):
        raise SystemExit(f"time_reference_parallel.py: {root} does not exist; run `scripts/bench.sh parallel` first")
    cases = [n for n in sorted(os.listdir(root)) if os.path.isfile(os.path.join(root, n, "zerogap.json"))]

    def load(name):
        d = os.path.join(root, name)
        X = np.load(os.path.join(d, "X.npy"))
        y = np.load(os.path.join(d, "y.npy")).reshape(-1)
        with open(os.path.join(d, "zerogap.json")) as f:
            z = json.load(f)
        return X, y, np.load(os.path.join(d, "D1.npy")), np.load(os.path.join(d, "D2.npy")), z

    if cases:  # cvxpy's import and first compile (≈1 s) outside the timings
        X, y, D1, D2, z = load(cases[0])
        RP.solve_parallel(X, y, z["beta"], D1, D2, tolerance=1e-6)
    print(f"{'case':18s} {'zerogap':>9s} {'ladder':>9s} {'ratio':>7s} {'@1e-8':>9s} {'ratio':>7s} {'solve':>9s} {'ratio':>7s}"
          f" {'rel. diff':>10s}")
    for name in cases:
        X, y, D1, D2, z = load(name)
        t0 = time.perf_counter()
        out = RP.solve_parallel(X, y, z["beta"], D1, D2)
        ladder = time.perf_counter() - t0
        t0 = time.perf_counter()
        one = RP.solve_parallel(X, y, z["beta"], D1, D2, tolerance=1e-8)
        single = time.perf_counter() - t0
        own = one["attempts"][-1]["seconds"] or float("nan")
        obj = out.get("objective")
        diff = abs(obj - z["objective"]) / abs(obj) if obj is not None else float("nan")
        zs = z["seconds"]
        print(f"{name:18s} {zs:9.4f} {ladder:9.3f} {ladder / zs:7.1f} {single:9.3f} {single / zs:7.1f} {own:9.3f} {own / zs:7.1f}"
              f" {diff:10.1e}"
              f"   ({out['status']}, tol {out['tolerance']})")
        sys.stdout.flush()
    print("ratio = Clarabel time / ZeroGap time (> 1: ZeroGap faster); ZeroGap stops at a certified 1e-6 relative gap,")
    print("Clarabel at its tightest accepted tolerance (ladder) or at 1e-8, wall time with cvxpy's model building, and")
    print("Clarabel's own solve time of the 1e-8 solve ('solve'); rel. diff compares the ladder's objective.")


if __name__ == "__main__":
    main(sys.argv)
