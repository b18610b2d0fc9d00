"""Self-installing environment for bench/scnn_compare.py (pyscnn + torch + cvxpy/Clarabel).

Same mechanism as ``_refenv.py`` (which it reuses), with its own venv ``.venv-scnn/`` in the
repository root, its own pins ``bench/requirements-scnn.txt`` and its own re-exec marker, so the
~6 GB torch install never touches ``.venv-reference/``.  Only the standard library is used here.
"""
import os
import sys

import _refenv

_refenv.VENV = os.path.join(_refenv.ROOT, ".venv-scnn")
_refenv.SITE = os.path.join(_refenv.VENV, "site")
_refenv.REQ = os.path.join(_refenv.BENCH, "requirements-scnn.txt")
_refenv.MARK_ENV = "ZEROGAP_SCNN_ENV"


def ensure():
    """Return if pyscnn/torch/cvxpy (pinned) are importable here; otherwise install and re-exec."""
    _refenv.ensure()


def ensure_pinned():
    """ensure(), then fix the BLAS/OpenMP threads to the script's --threads (default 1) before numpy is imported:
    scnn computes with numpy's OpenBLAS on CPU, and its default of one thread per core made scnn ~10× slower on a
    loaded 2-core machine."""
    ensure()
    t = next((sys.argv[i + 1] for i, x in enumerate(sys.argv[:-1]) if x == "--threads"), "1")
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = t
