#!/usr/bin/env python3
"""Write the PyTorch-trained network fixtures for the Swift tests:
Tests/ZeroGapTests/Fixtures/torch/ (and its hostile/ subfolder).

What it writes (the folder's README.md, also written here, lists every file):

* Data (numpy ``default_rng(SEED_DATA)``): ``X.npy`` n×d N(0, 1), ``y.npy`` (n) from a small random
  ReLU teacher plus N(0, 0.1²) noise, ``Y2.npy`` (n×2) from a second, two-output teacher.
* Networks ``nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, k))`` with m = 5, trained
  briefly in torch (float64, Adam, ``STEPS`` steps, ``nn.MSELoss``, a little weight decay), saved
  with ``safetensors.torch.save_file(model.state_dict())`` and as NumPy ``.npz`` archives, in
  several dtypes and key layouts.
* ``expected.json``: for every weight file, computed in numpy float64 from the tensors AS READ BACK
  from that file (after the dtype cast, converted exactly to float64) — the weights, ŷ, the
  objective as given and balanced, the centred residual dual point v, the crude dual norm
  c̄ = ‖X̃‖₂‖v‖₂ and the crude lower bound (see ``evaluate``).  None of it uses ZeroGap.
* ``hostile/``: malformed .safetensors and .npz files built byte by byte.

Deterministic: fixed seeds, ``torch.use_deterministic_algorithms(True)``, one thread, zip members
with a fixed timestamp; re-running it rewrites identical files (with the same pinned versions on the
same machine).  Run from anywhere:  python3 bench/make_torch_fixtures.py
It installs its own environment (.venv-torch/, bench/requirements-torch.txt) on first use.
"""
import io
import json
import os
import platform
import struct
import sys
import time
import types
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _torchenv

    _torchenv.ensure()

import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import safetensors.numpy  # noqa: E402
import safetensors.torch  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ZeroGapTests", "Fixtures", "torch")
HOSTILE = os.path.join(OUT, "hostile")

N, D, M = 14, 3, 5
BETA = 0.1
STEPS = 300
LR = 0.02
WEIGHT_DECAY = 1e-3
SEED_DATA = 20260
SEED_SCALAR, SEED_VECTOR, SEED_NOBIAS = 1, 2, 3
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold

# The four roles and their keys in torch's nn.Sequential state_dict.
SEQ_KEYS = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}
CUSTOM_KEYS = {"W1": "fc1.weight", "b1": "fc1.bias", "W2": "fc2.weight", "b2": "fc2.bias"}


# --------------------------------------------------------------------------------------------
# Data and training
# --------------------------------------------------------------------------------------------

def make_data():
    rng = np.random.default_rng(SEED_DATA)
    X = rng.standard_normal((N, D))
    # scalar teacher: 3 ReLU neurons with biases
    A = rng.standard_normal((3, D))
    a0 = 0.5 * rng.standard_normal(3)
    c = rng.standard_normal(3)
    y = np.maximum(X @ A.T + a0, 0.0) @ c + 0.1 * rng.standard_normal(N)
    # two-output teacher: 3 ReLU neurons
    B = rng.standard_normal((3, D))
    b0 = 0.5 * rng.standard_normal(3)
    C = rng.standard_normal((2, 3))
    Y2 = np.maximum(X @ B.T + b0, 0.0) @ C.T + 0.1 * rng.standard_normal((N, 2))
    return X, y, Y2


def train(X, Y, k, seed, bias=True):
    """A brief, plain torch training run; returns the state_dict (float64, detached copies)."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(D, M, bias=bias), nn.ReLU(), nn.Linear(M, k, bias=bias))
    model = model.to(torch.float64)
    Xt = torch.from_numpy(X)
    Yt = torch.from_numpy(np.asarray(Y).reshape(N, k))
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    loss_fn = nn.MSELoss()
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(model(Xt), Yt)
        loss.backward()
        opt.step()
    with torch.no_grad():
        out = model(Xt).numpy().copy()
    sd = {name: t.detach().clone().contiguous() for name, t in model.state_dict().items()}
    return sd, out


# --------------------------------------------------------------------------------------------
# Writing: safetensors, npz (fixed zip timestamps)
# --------------------------------------------------------------------------------------------

class _FixedClock(types.ModuleType):
    """Stands in for the ``time`` module inside zipfile: every new member gets ZIP_DATE."""

    def __init__(self):
        super().__init__("time")
        self._epoch = float(__import__("calendar").timegm(ZIP_DATE + (0, 0, 0)))

    def time(self):
        return self._epoch

    def localtime(self, secs=None):
        return time.gmtime(self._epoch if secs is None else secs)

    def __getattr__(self, name):
        return getattr(time, name)


def save_npz(path, arrays, compressed):
    """np.savez / np.savez_compressed, with zipfile's clock fixed so the bytes are reproducible."""
    real = zipfile.time
    zipfile.time = _FixedClock()
    try:
        (np.savez_compressed if compressed else np.savez)(path, **arrays)
    finally:
        zipfile.time = real


def save_safetensors(path, tensors, metadata=None):
    safetensors.torch.save_file(tensors, path, metadata=metadata)


# --------------------------------------------------------------------------------------------
# Reading back: the library, and an independent byte-level parser (they must agree bit for bit)
# --------------------------------------------------------------------------------------------

_RAW_DTYPES = {"F64": ("<f8", 8), "F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2),
               "I64": ("<i8", 8)}


def raw_safetensors(path):
    """Parse a .safetensors file by hand: {name: (dtype string, float64 or int64 array)}, metadata."""
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    buf = blob[8 + hlen:]
    meta = header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        np_dtype, size = _RAW_DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        assert end - begin == size * int(np.prod(shape, dtype=np.int64)), name
        assert end <= len(buf), name
        a = np.frombuffer(buf[begin:end], dtype=np_dtype).reshape(shape)
        if info["dtype"] == "BF16":  # bfloat16 = the top 16 bits of an IEEE float32
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = (info["dtype"], a.astype(np.int64 if info["dtype"] == "I64" else np.float64))
    return out, meta


def library_safetensors(path, numpy_too):
    """Read with the safetensors library: through torch always (converted to float64 / int64) and,
    when ``numpy_too`` (numpy has no bfloat16), also through safetensors.numpy, which must agree."""
    out = {}
    with safetensors.safe_open(path, framework="pt") as f:
        for name in f.keys():
            t = f.get_tensor(name)
            out[name] = t.numpy().copy() if t.dtype == torch.int64 else t.to(torch.float64).numpy()
    if numpy_too:
        loaded = safetensors.numpy.load_file(path)
        assert sorted(loaded) == sorted(out), path
        for name, a in loaded.items():
            assert np.array_equal(a.astype(out[name].dtype), out[name]), (path, name)
    return out


def read_weights(path, keys):
    """The four (or two) arrays of a weight file in float64, checked across two readers."""
    if path.endswith(".npz"):
        with np.load(path) as z:
            arrays = {name: z[name] for name in z.files}
        dtypes = {name: str(a.dtype) for name, a in arrays.items()}
        arrays = {name: a.astype(np.float64) for name, a in arrays.items()}
        meta = None
    else:
        raw, meta = raw_safetensors(path)
        lib = library_safetensors(path, all(d != "BF16" for d, _ in raw.values()))
        assert sorted(raw) == sorted(lib), path
        for name in raw:
            assert np.array_equal(raw[name][1], lib[name]), (path, name)
        dtypes = {name: raw[name][0] for name in raw}
        arrays = {name: raw[name][1] for name in raw}
    weights = {role: arrays[key] for role, key in keys.items() if key in arrays}
    return weights, arrays, dtypes, meta


# --------------------------------------------------------------------------------------------
# The numbers (numpy float64 only)
# --------------------------------------------------------------------------------------------

def evaluate(weights, X, Y, beta, bias):
    """Everything expected.json records about one network, from its float64 weights.

    Loss ½‖ŷ − Y‖²_F (unnormalised).  objective_as_given adds (β/2)(‖W1‖² + ‖b1‖² + ‖W2‖²) (b2 is
    not penalised); objective (balanced) adds β Σ_j ‖(W1[j,:], b1[j])‖₂‖W2[:,j]‖₂.  The dual point
    is the residual r = Y − ŷ, centred column-wise when there is an (unpenalised) output bias.
    X̃ = [X, 1] when there is a first-layer bias (its weight is the ones column's).  For any unit
    first-layer vector u, ‖vᵀ relu(X̃u)‖ ≤ ‖v‖₂‖X̃‖₂ = c̄, so s·v is dual feasible for s ≤ β/c̄ and
    s·⟨v, Y⟩ − ½s²‖v‖²_F is a lower bound on the optimum; maximised in closed form over [0, β/c̄].
    """
    W1, W2 = weights["W1"], weights["W2"]
    k = W2.shape[0]
    Y2 = np.asarray(Y, dtype=np.float64).reshape(N, k)
    b1 = weights["b1"] if bias else np.zeros(W1.shape[0])
    b2 = weights["b2"] if bias else np.zeros(k)
    H = np.maximum(X @ W1.T + b1, 0.0)
    Yhat = H @ W2.T + b2
    R = Y2 - Yhat
    loss = 0.5 * float(np.sum(R * R))
    penalty_as_given = 0.5 * beta * float(np.sum(W1 * W1) + np.sum(b1 * b1) + np.sum(W2 * W2))
    first = np.sqrt(np.sum(W1 * W1, axis=1) + b1 * b1)
    second = np.sqrt(np.sum(W2 * W2, axis=0))
    penalty_balanced = beta * float(np.sum(first * second))
    V = R - R.mean(axis=0) if bias else R.copy()
    Xt = np.hstack([X, np.ones((N, 1))]) if bias else X
    x_norm = float(np.linalg.norm(Xt, 2))
    v_norm = float(np.linalg.norm(V[:, 0])) if k == 1 else float(np.linalg.norm(V, 2))
    cbar = x_norm * v_norm
    vy = float(np.sum(V * Y2))
    vv = float(np.sum(V * V))
    if vv > 0.0 and cbar > 0.0:
        s = min(max(vy / vv, 0.0), beta / cbar)
    else:
        s = 0.0
    bound = s * vy - 0.5 * s * s * vv
    objective = loss + penalty_balanced
    objective_as_given = loss + penalty_as_given
    assert bound <= objective + 1e-12 and objective <= objective_as_given + 1e-12

    def shaped(a):
        return a[:, 0].tolist() if k == 1 else a.tolist()

    return {
        "k": k,
        "bias": bias,
        "weights": {role: w.tolist() for role, w in weights.items()},
        "predictions": shaped(Yhat),
        "loss": loss,
        "penalty_as_given": penalty_as_given,
        "penalty_balanced": penalty_balanced,
        "objective_as_given": objective_as_given,
        "objective": objective,
        "v": shaped(V),
        "x_tilde_spectral_norm": x_norm,
        "v_norm": v_norm,
        "crude_dual_norm": cbar,
        "v_dot_y": vy,
        "v_squared_norm": vv,
        "dual_scale": s,
        "crude_lower_bound": bound,
    }


# --------------------------------------------------------------------------------------------
# Hostile files
# --------------------------------------------------------------------------------------------

def _st_header(header):
    """A safetensors header, space-padded to a multiple of 8 bytes as the reference writer does."""
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text


def _stored_zip(members):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=ZIP_DATE), data)
    return bio.getvalue()


def hostile_files(small_npz_bytes):
    f64 = struct.pack("<d", 1.5)
    files = {}
    good = _st_header({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}})
    files["truncated-header.safetensors"] = (
        struct.pack("<Q", 400) + good[8:8 + 42],
        "header length says 400 bytes, the file has 50 bytes in all")
    files["huge-header-length.safetensors"] = (
        struct.pack("<Q", 1 << 62) + good[8:] + f64,
        "header length 2^62 (an allocation of that size must not be attempted)")
    files["shape-overflow.safetensors"] = (
        _st_header({"w": {"dtype": "F64", "shape": [4294967296, 4294967296, 4294967296],
                          "data_offsets": [0, 8]}}) + f64,
        "shape [2^32, 2^32, 2^32]: the element count overflows 64 bits")
    files["offsets-past-end.safetensors"] = (
        _st_header({"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}}) + f64,
        "data_offsets [0, 16] (consistent with shape [2] F64) but the buffer holds 8 bytes")
    files["offsets-mismatch.safetensors"] = (
        _st_header({"w": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 40]}})
        + struct.pack("<5d", 1, 2, 3, 4, 5),
        "shape [2, 3] F64 needs 48 bytes, data_offsets [0, 40] span 40 (all inside the file)")
    files["bad-dtype.safetensors"] = (
        _st_header({"w": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}})
        + bytes([0x38, 0x40, 0x44, 0x48]),
        "dtype F8_E4M3 (an 8-bit float no two-layer ReLU import should accept), offsets consistent")
    bad_json = b"{this is not json: [1, 2,, }"
    files["not-json.safetensors"] = (
        struct.pack("<Q", len(bad_json)) + bad_json + f64,
        "the header bytes are not JSON")
    files["empty.safetensors"] = (b"", "zero bytes")
    files["truncated.npz"] = (
        small_npz_bytes[:len(small_npz_bytes) // 2],
        "a valid np.savez archive (members 0.bias.npy, 2.bias.npy) cut in half: no central directory")
    files["bad-member.npz"] = (
        _stored_zip([("0.weight.npy", b"this member is not an .npy file\n")]),
        "a valid zip whose member 0.weight.npy lacks the \\x93NUMPY magic")
    files["short-member.npz"] = (
        _stored_zip([("0.weight.npy", _npy_header("<f8", 1000) + struct.pack("<2d", 1, 2))]),
        "a valid zip whose member 0.weight.npy has a valid .npy header claiming 1000 float64 "
        "values but only 16 bytes of data")
    return files


def _npy_header(descr, length):
    """A version 1.0 .npy header of a 1-D array (magic, version, u16 length, dict padded with
    spaces and a final newline so the data starts at a multiple of 64 bytes)."""
    text = ("{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, length)).encode()
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def reference_reader_verdict(path):
    """What safetensors / numpy themselves say about a hostile file (recorded, not required)."""
    try:
        if path.endswith(".npz"):
            with np.load(path) as z:
                got = [z[k] for k in z.files]
            if all(isinstance(a, np.ndarray) for a in got):
                return "numpy %s: accepted" % np.__version__
            return "numpy %s: np.load returns the member's raw bytes, not an array" % np.__version__
        safetensors.numpy.load_file(path)
        return "safetensors %s: accepted" % safetensors.__version__
    except Exception as ex:  # noqa: BLE001 - recording whatever the reference readers raise
        who = "numpy %s" % np.__version__ if path.endswith(".npz") else \
            "safetensors %s" % safetensors.__version__
        return "%s: %s: %s" % (who, type(ex).__name__, str(ex).splitlines()[0][:120])


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(HOSTILE, exist_ok=True)

    X, y, Y2 = make_data()
    np.save(os.path.join(OUT, "X.npy"), X)
    np.save(os.path.join(OUT, "y.npy"), y)
    np.save(os.path.join(OUT, "Y2.npy"), Y2)

    sd_scalar, out_scalar = train(X, y, 1, SEED_SCALAR)
    sd_vector, out_vector = train(X, Y2, 2, SEED_VECTOR)
    sd_nobias, out_nobias = train(X, y, 1, SEED_NOBIAS, bias=False)

    # (file, description, targets file, bias, key layout)
    entries = []

    def cast(sd, dtype):
        return {k: v.to(dtype).contiguous() for k, v in sd.items()}

    for suffix, dtype in (("f64", torch.float64), ("f32", torch.float32),
                          ("bf16", torch.bfloat16), ("f16", torch.float16)):
        name = "scalar-%s.safetensors" % suffix
        save_safetensors(os.path.join(OUT, name), cast(sd_scalar, dtype))
        entries.append((name, "scalar net (k = 1), torch state_dict cast to %s" % dtype,
                        "y.npy", True, SEQ_KEYS))
    np_scalar = {k: v.numpy() for k, v in sd_scalar.items()}
    save_npz(os.path.join(OUT, "scalar-stored.npz"), np_scalar, compressed=False)
    entries.append(("scalar-stored.npz", "scalar net, float64, np.savez (zip stored)",
                    "y.npy", True, SEQ_KEYS))
    save_npz(os.path.join(OUT, "scalar-deflate.npz"), np_scalar, compressed=True)
    entries.append(("scalar-deflate.npz", "scalar net, float64, np.savez_compressed (deflate)",
                    "y.npy", True, SEQ_KEYS))
    save_npz(os.path.join(OUT, "scalar-f32-deflate.npz"),
             {k: v.astype(np.float32) for k, v in np_scalar.items()}, compressed=True)
    entries.append(("scalar-f32-deflate.npz",
                    "scalar net cast to float32, np.savez_compressed (deflate)",
                    "y.npy", True, SEQ_KEYS))
    custom = {CUSTOM_KEYS[role]: sd_scalar[SEQ_KEYS[role]] for role in SEQ_KEYS}
    custom["step"] = torch.tensor(STEPS, dtype=torch.int64)
    save_safetensors(os.path.join(OUT, "scalar-custom-keys.safetensors"), custom,
                     # ONE entry: safetensors serialises __metadata__ from a hash map, so the
                     # order of several entries (hence the file's bytes) changes from run to run.
                     metadata={"format": "pt"})
    entries.append(("scalar-custom-keys.safetensors",
                    "scalar net, float64, keys `fc1.*`/`fc2.*`, an extra int64 scalar `step` and "
                    "`__metadata__`", "y.npy", True, CUSTOM_KEYS))
    save_safetensors(os.path.join(OUT, "vector-f64.safetensors"), sd_vector)
    entries.append(("vector-f64.safetensors", "vector net (k = 2) trained on Y2, float64",
                    "Y2.npy", True, SEQ_KEYS))
    save_safetensors(os.path.join(OUT, "nobias-f64.safetensors"), sd_nobias)
    entries.append(("nobias-f64.safetensors",
                    "scalar net without biases (bias=False on both layers), float64",
                    "y.npy", False, {"W1": "0.weight", "W2": "2.weight"}))

    targets = {"y.npy": y, "Y2.npy": Y2}
    torch_out = {"scalar-f64.safetensors": out_scalar, "vector-f64.safetensors": out_vector,
                 "nobias-f64.safetensors": out_nobias}
    files = {}
    for name, what, tfile, bias, keys in entries:
        path = os.path.join(OUT, name)
        weights, arrays, dtypes, meta = read_weights(path, keys)
        rec = {"description": what, "format": "npz" if name.endswith(".npz") else "safetensors",
               "targets": tfile, "keys": keys,
               "tensors": {k: {"dtype": dtypes[k], "shape": list(arrays[k].shape)}
                           for k in sorted(arrays)}}
        if meta is not None:
            rec["metadata"] = meta
        if "step" in arrays:
            rec["extra"] = {"step": int(arrays["step"])}
        rec.update(evaluate(weights, X, targets[tfile], BETA, bias))
        if name in torch_out:  # torch's own forward pass agrees with the numpy one
            diff = np.max(np.abs(np.asarray(rec["predictions"]).reshape(N, -1) - torch_out[name]))
            assert diff < 1e-13, (name, diff)
        files[name] = rec

    # Identical weights must give identical numbers whatever the container.
    for other in ("scalar-stored.npz", "scalar-deflate.npz", "scalar-custom-keys.safetensors"):
        for field in ("weights", "predictions", "objective", "crude_lower_bound"):
            assert files[other][field] == files["scalar-f64.safetensors"][field], (other, field)
    for field in ("weights", "objective"):
        assert files["scalar-f32-deflate.npz"][field] == files["scalar-f32.safetensors"][field]

    # Hostile files: a small valid npz to cut in half, then the handcrafted bytes.
    bio = io.BytesIO()
    real = zipfile.time
    zipfile.time = _FixedClock()
    try:
        np.savez(bio, **{"0.bias": np_scalar["0.bias"], "2.bias": np_scalar["2.bias"]})
    finally:
        zipfile.time = real
    hostile = {}
    for name, (data, defect) in sorted(hostile_files(bio.getvalue()).items()):
        with open(os.path.join(HOSTILE, name), "wb") as f:
            f.write(data)
        hostile[name] = {"bytes": len(data), "defect": defect,
                         "reference_reader": reference_reader_verdict(os.path.join(HOSTILE, name))}

    expected = {
        "producer": "bench/make_torch_fixtures.py",
        "versions": versions(),
        "n": N, "d": D, "m": M,
        "beta": BETA,
        "loss": "squared, 0.5 * sum over samples and outputs of (yhat - y)^2 (unnormalised)",
        "data": {"X": "X.npy", "y": "y.npy", "Y2": "Y2.npy"},
        "training": {"optimizer": "Adam", "lr": LR, "weight_decay": WEIGHT_DECAY,
                     "steps": STEPS, "loss": "nn.MSELoss (mean)",
                     "seeds": {"data": SEED_DATA, "scalar": SEED_SCALAR,
                               "vector": SEED_VECTOR, "nobias": SEED_NOBIAS}},
        "files": files,
        "hostile": hostile,
    }
    write_json(os.path.join(OUT, "expected.json"), expected)
    write_readme(files, hostile, expected)

    s = files["scalar-f64.safetensors"]
    print("scalar-f64: objective %.17g  objective_as_given %.17g  crude_lower_bound %.17g"
          % (s["objective"], s["objective_as_given"], s["crude_lower_bound"]))
    for name in sorted(os.listdir(OUT)) + ["hostile/" + n for n in sorted(os.listdir(HOSTILE))]:
        p = os.path.join(OUT, name)
        if os.path.isfile(p):
            print("%8d  %s" % (os.path.getsize(p), name))


def versions():
    return {"python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "safetensors": safetensors.__version__}


def write_readme(files, hostile, expected):
    v = expected["versions"]
    lines = [
        "# PyTorch-trained network fixtures",
        "",
        "Two-layer ReLU networks trained in PyTorch and saved the way PyTorch users save them",
        "(safetensors, NumPy `.npz`), with the numbers ZeroGap must compute for them, so Swift tests",
        "can check the model import and its certificate numbers without Python at test time.",
        "",
        "**How they were made:** `python3 bench/make_torch_fixtures.py` (from anywhere; it installs",
        "its own pinned environment `.venv-torch/` from `bench/requirements-torch.txt` through",
        "`bench/_torchenv.py`), with torch %s, numpy %s, safetensors %s, Python %s."
        % (v["torch"], v["numpy"], v["safetensors"], v["python"]),
        "Deterministic (fixed seeds, `torch.use_deterministic_algorithms(True)`, one thread, zip",
        "members dated 1980-01-01): re-running it rewrites identical files. This README is written by",
        "the script too. `bench/check_export_torch.py MODEL.safetensors X.npy PRED.npy` checks an",
        "exported model against predictions with torch itself.",
        "",
        "## Data and networks",
        "",
        "n = %d samples, d = %d features, m = %d hidden neurons. Seeded `numpy.random.default_rng(%d)`:"
        % (N, D, M, SEED_DATA),
        "`X.npy` (n×d float64, N(0, 1), C order, rows are samples, NO ones column), `y.npy` (n float64:",
        "a random 3-neuron ReLU teacher plus N(0, 0.1²) noise), `Y2.npy` (n×2 float64, a second",
        "teacher with two outputs). Every network is `nn.Sequential(nn.Linear(d, m), nn.ReLU(),",
        "nn.Linear(m, k))` in float64, trained %d Adam steps (lr %g, weight_decay %g) on `nn.MSELoss`,"
        % (STEPS, LR, WEIGHT_DECAY),
        "torch seeds %d (scalar), %d (vector), %d (no bias). torch's keys: `0.weight` (W1, m×d),"
        % (SEED_SCALAR, SEED_VECTOR, SEED_NOBIAS),
        "`0.bias` (b1, m), `2.weight` (W2, k×m), `2.bias` (b2, k); the network is",
        "ŷ = relu(X W1ᵀ + b1) W2ᵀ + b2.",
        "",
        "## expected.json",
        "",
        "Top level: `beta` (%g), `n`, `d`, `m`, `loss`, `data`, `training`, `versions`, `files`," % BETA,
        "`hostile`. Each entry of `files` was computed in numpy float64 from the tensors as read",
        "back from that very file (after the dtype cast, converted exactly to float64; safetensors",
        "files are read both with the library and with an independent byte-level parser, which must",
        "agree bit for bit):",
        "",
        "* `keys` (role → tensor name), `tensors` (name → dtype as stored, shape), `targets` (`y.npy`",
        "  or `Y2.npy`), `k`, `bias`, `weights` (`W1`, `b1`, `W2`, `b2` as nested lists; no `b1`/`b2`",
        "  for the no-bias net); `metadata` and `extra` for the custom-key file.",
        "* `predictions` — ŷ, length n for k = 1, n×k otherwise.",
        "* `loss` = ½‖ŷ − y‖²_F, an unnormalised sum over samples and outputs.",
        "* `objective_as_given` = loss + (β/2)(‖W1‖_F² + ‖b1‖² + ‖W2‖_F²) — b2 is NOT penalised",
        "  (`penalty_as_given` is the second term).",
        "* `objective` (balanced) = loss + β Σ_j ‖(W1[j,:], b1[j])‖₂ · ‖W2[:,j]‖₂ (`penalty_balanced`).",
        "* `v` — the dual point: the residual r = y − ŷ centred column-wise (the output bias is",
        "  unpenalised, so the dual needs 1ᵀv = 0); for the no-bias net v = r, not centred.",
        "* `crude_dual_norm` c̄ = ‖X̃‖₂ · ‖v‖₂ (`x_tilde_spectral_norm` · `v_norm`), X̃ = [X, 1] (the",
        "  first-layer bias is the weight of an appended ones column; X̃ = X for the no-bias net), ‖v‖₂",
        "  the vector 2-norm for k = 1 and the spectral norm for k > 1.",
        "* `crude_lower_bound` = max over s ∈ [0, β/c̄] of s·⟨v, y⟩ − ½s²‖v‖²_F, attained at",
        "  `dual_scale` s* = clip(⟨v, y⟩/‖v‖², 0, β/c̄); `v_dot_y` = ⟨v, y⟩ (Frobenius),",
        "  `v_squared_norm` = ‖v‖²_F. Always ≤ `objective` ≤ `objective_as_given`.",
        "",
        "Compare at ~1e-12 relative: the numbers are plain float64 sums, not an optimiser's output.",
        "",
        "## Files",
        "",
        "| file | bytes | contents |",
        "| --- | --- | --- |",
    ]
    data_files = [("X.npy", "features, n×d float64"), ("y.npy", "scalar targets, n float64"),
                  ("Y2.npy", "vector targets, n×2 float64"),
                  ("expected.json", "the numbers, see above"), ("README.md", "this file")]
    for name, what in data_files:
        size = "—" if name == "README.md" else str(os.path.getsize(os.path.join(OUT, name)))
        lines.append("| `%s` | %s | %s |" % (name, size, what))
    for name, rec in files.items():
        tensors = ", ".join("`%s` %s %s" % (k, t["dtype"], "×".join(map(str, t["shape"])) or "scalar")
                            for k, t in rec["tensors"].items())
        lines.append("| `%s` | %d | %s: %s |" % (name, os.path.getsize(os.path.join(OUT, name)),
                                                 rec["description"], tensors))
    lines += [
        "",
        "## hostile/",
        "",
        "Handcrafted byte by byte (safetensors: 8-byte little-endian u64 header length N, N bytes of",
        "JSON header `{\"name\": {\"dtype\", \"shape\", \"data_offsets\": [begin, end]}}`, then the",
        "buffer, offsets relative to its start). An importer must reject each with an error, without",
        "crashing, hanging or allocating the sizes they claim.",
        "",
        "| file | bytes | defect | what the reference reader says |",
        "| --- | --- | --- | --- |",
    ]
    for name, rec in hostile.items():
        lines.append("| `hostile/%s` | %d | %s | %s |" % (name, rec["bytes"], rec["defect"],
                                                         rec["reference_reader"].replace("|", "\\|")))
    lines.append("")
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
