"""Self-installing environment for bench/scnn_compare.py (pyscnn + torch + cvxpy/Clarabel).

Same mechanism as ``_refenv.py`` (which it reuses), with its own venv ``.venv-scnn/`` in the
repository root, its own pins ``bench/requirements-scnn.txt`` and its own re-exec marker, so the
~6 GB torch install never touches ``.venv-reference/``.  Only the standard library is used here.
"""
import os

import _refenv

_refenv.VENV = os.path.join(_refenv.ROOT, ".venv-scnn")
_refenv.SITE = os.path.join(_refenv.VENV, "site")
_refenv.REQ = os.path.join(_refenv.BENCH, "requirements-scnn.txt")
_refenv.MARK_ENV = "ZEROGAP_SCNN_ENV"


def ensure():
    """Return if pyscnn/torch/cvxpy (pinned) are importable here; otherwise install and re-exec."""
    _refenv.ensure()
