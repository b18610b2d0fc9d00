#!/usr/bin/env python3
"""Check an exported two-layer ReLU network with PyTorch itself.

    python3 bench/check_export_torch.py MODEL.safetensors DATA.npy PREDICTIONS.npy [--tolerance 1e-10]

MODEL.safetensors must hold torch's ``nn.Sequential`` keys: ``0.weight`` (m×d), ``2.weight`` (k×m)
and, for a network with biases, ``0.bias`` (m) and ``2.bias`` (k) — both biases or neither.  d, m and
k are read from the shapes.  The tensors (any float dtype) are converted to float64 and loaded with
``load_state_dict(..., strict=True)`` into ``nn.Sequential(nn.Linear(d, m), nn.ReLU(),
nn.Linear(m, k))`` in float64, which is run on DATA.npy (the raw n×d feature matrix: no ones column,
no standardisation) and compared with PREDICTIONS.npy (length n, or n×k; n×1 or n for k = 1).

Prints the max abs difference.  Exit status: 0 within --tolerance, 1 beyond it, 2 on bad input
(unreadable file, missing or extra keys, inconsistent shapes, non-float tensors, NaN/inf).
It installs its own environment (.venv-torch/, bench/requirements-torch.txt) on first use.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _torchenv

    _torchenv.ensure()

import numpy as np  # noqa: E402
import safetensors.torch  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


class BadInput(Exception):
    pass


def load_network(path):
    """The float64 nn.Sequential described by the file, and (d, m, k, bias)."""
    try:
        state = safetensors.torch.load_file(path)
    except Exception as ex:  # noqa: BLE001 - any reader failure is bad input
        raise BadInput("cannot read %s: %s: %s" % (path, type(ex).__name__, ex))
    for name in ("0.weight", "2.weight"):
        if name not in state:
            raise BadInput("%s has no tensor %r (keys: %s)" % (path, name, ", ".join(sorted(state))))
    bias = "0.bias" in state or "2.bias" in state
    expected_keys = {"0.weight", "2.weight"} | ({"0.bias", "2.bias"} if bias else set())
    if set(state) != expected_keys:
        raise BadInput("%s: keys %s, expected exactly %s"
                       % (path, sorted(state), sorted(expected_keys)))
    for name, t in state.items():
        if not t.is_floating_point():
            raise BadInput("%s: tensor %r has dtype %s, not a float" % (path, name, t.dtype))
    state = {name: t.to(torch.float64) for name, t in state.items()}
    for name, t in state.items():
        if not torch.isfinite(t).all():
            raise BadInput("%s: tensor %r has NaN or infinite entries" % (path, name))
    W1, W2 = state["0.weight"], state["2.weight"]
    if W1.dim() != 2 or W2.dim() != 2:
        raise BadInput("weights must be matrices: 0.weight %s, 2.weight %s"
                       % (tuple(W1.shape), tuple(W2.shape)))
    m, d = W1.shape
    k, m2 = W2.shape
    if m2 != m:
        raise BadInput("2.weight is %d×%d but 0.weight has %d rows" % (k, m2, m))
    if bias and (tuple(state["0.bias"].shape) != (m,) or tuple(state["2.bias"].shape) != (k,)):
        raise BadInput("biases must have shapes (%d,) and (%d,): got %s and %s"
                       % (m, k, tuple(state["0.bias"].shape), tuple(state["2.bias"].shape)))
    if min(m, d, k) < 1:
        raise BadInput("empty layer: d = %d, m = %d, k = %d" % (d, m, k))
    net = nn.Sequential(nn.Linear(d, m, bias=bias), nn.ReLU(), nn.Linear(m, k, bias=bias))
    net = net.to(torch.float64)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as ex:
        raise BadInput("load_state_dict: %s" % ex)
    return net, (d, m, k, bias)


def load_array(path, what):
    try:
        a = np.load(path, allow_pickle=False)
    except Exception as ex:  # noqa: BLE001
        raise BadInput("cannot read %s %s: %s: %s" % (what, path, type(ex).__name__, ex))
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "fiu":
        raise BadInput("%s %s is not a numeric .npy array" % (what, path))
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise BadInput("%s %s has NaN or infinite entries" % (what, path))
    return a


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="MODEL.safetensors (keys 0.weight, 0.bias, 2.weight, 2.bias)")
    ap.add_argument("data", help="DATA.npy, the raw n×d feature matrix")
    ap.add_argument("predictions", help="PREDICTIONS.npy, length n or n×k")
    ap.add_argument("--tolerance", type=float, default=1e-10, help="max abs difference (1e-10)")
    args = ap.parse_args(argv)
    torch.use_deterministic_algorithms(True)
    try:
        if not (args.tolerance >= 0):
            raise BadInput("--tolerance must be ≥ 0")
        net, (d, m, k, bias) = load_network(args.model)
        X = load_array(args.data, "data")
        P = load_array(args.predictions, "predictions")
        if X.ndim != 2 or X.shape[1] != d:
            raise BadInput("data is %s but the model expects n×%d" % (X.shape, d))
        n = X.shape[0]
        allowed = [(n, k)] + ([(n,)] if k == 1 else [])
        if P.shape not in allowed:
            raise BadInput("predictions are %s, expected %s"
                           % (P.shape, " or ".join(map(str, allowed))))
        P = P.reshape(n, k)
    except BadInput as ex:
        print("check_export_torch: bad input: %s" % ex, file=sys.stderr)
        return 2
    with torch.no_grad():
        out = net(torch.from_numpy(X)).numpy()
    diff = float(np.max(np.abs(out - P))) if n > 0 else 0.0
    ok = diff <= args.tolerance
    print("check_export_torch: d = %d, m = %d, k = %d, bias = %s, n = %d: max abs difference %.3e "
          "(tolerance %.1e): %s" % (d, m, k, "yes" if bias else "no", n, diff, args.tolerance,
                                    "OK" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
