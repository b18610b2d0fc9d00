#!/usr/bin/env python3
"""Times cvxpy + Clarabel on the three-layer parallel ReLU programs that `zerogap-bench parallel` wrote.

For every case directory under DIR (default .build/bench-parallel) holding X.npy, y.npy, D1.npy, D2.npy and
zerogap.json, solves the same program (MATH.md §4.3, the same first- and second-layer patterns, the same β) with
bench/reference_parallel.solve_parallel (Clarabel at its tightest accepted tolerance, ≤ 1e-8) and prints one row per
case: ZeroGap's time to its certified 1e-6 gap, Clarabel's time, the ratio, and the difference of the objectives
(relative). Run by `bash scripts/bench.sh parallel` after the Swift section, on the same machine in the same run.
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
    print(f"{'case':18s} {'zerogap':>10s} {'clarabel':>10s} {'ratio':>8s} {'rel. diff':>10s}")
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.isfile(os.path.join(d, "zerogap.json")):
            continue
        X = np.load(os.path.join(d, "X.npy"))
        y = np.load(os.path.join(d, "y.npy")).reshape(-1)
        D1 = np.load(os.path.join(d, "D1.npy"))
        D2 = np.load(os.path.join(d, "D2.npy"))
        with open(os.path.join(d, "zerogap.json")) as f:
            z = json.load(f)
        t0 = time.perf_counter()
        out = RP.solve_parallel(X, y, z["beta"], D1, D2)
        seconds = time.perf_counter() - t0
        obj = out.get("objective")
        diff = abs(obj - z["objective"]) / abs(obj) if obj is not None else float("nan")
        ratio = seconds / z["seconds"] if z["seconds"] > 0 else float("inf")
        print(f"{name:18s} {z['seconds']:10.3f} {seconds:10.3f} {ratio:8.2f} {diff:10.1e}   ({out['status']}, tol {out['tolerance']})")
        sys.stdout.flush()
    print("ratio = Clarabel time / ZeroGap time (> 1: ZeroGap faster); ZeroGap stops at a certified 1e-6 relative gap,")
    print("Clarabel at its own tightest accepted tolerance (its objective matches within rel. diff).")


if __name__ == "__main__":
    main(sys.argv)
