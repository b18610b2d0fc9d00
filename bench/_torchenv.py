"""Self-installing environment for the PyTorch fixture scripts (make_torch_fixtures.py,
check_export_torch.py): CPU-only torch + safetensors + numpy.

Same mechanism as ``_refenv.py`` (which it reuses, like ``_scnnenv.py``), with its own venv
``.venv-torch/`` in the repository root, its own pins ``bench/requirements-torch.txt`` and its own
re-exec marker, so neither ``.venv-reference/`` nor ``.venv-scnn/`` is touched.

The CPU build of torch (``torch==X.Y.Z+cpu``) is not on PyPI: it is on PyTorch's CPU wheel index.
Before installing, that index is added as pip's extra index (``PIP_EXTRA_INDEX_URL``, inherited by
the pip that ``_refenv`` runs) if its host resolves within a few seconds.  Where it does not (a
machine that reaches PyPI only), it is left out, so pip does not spend minutes retrying it, and the
wheel must come from a local folder pip is configured with (``find-links``, e.g. ``/opt/wheels``).
Only the standard library is used here.
"""
import os
import socket
import sys
import threading

import _refenv

_refenv.VENV = os.path.join(_refenv.ROOT, ".venv-torch")
_refenv.SITE = os.path.join(_refenv.VENV, "site")
_refenv.REQ = os.path.join(_refenv.BENCH, "requirements-torch.txt")
_refenv.MARK_ENV = "ZEROGAP_TORCH_ENV"

CPU_INDEX_HOST = "download.pytorch.org"
CPU_INDEX = "https://" + CPU_INDEX_HOST + "/whl/cpu"


def _resolves(host, timeout=5.0):
    ok = []

    def probe():
        try:
            socket.getaddrinfo(host, 443)
            ok.append(True)
        except OSError:
            pass

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout)
    return bool(ok)


def _needs_install():
    if os.environ.get(_refenv.MARK_ENV) == "1":
        return False
    if os.path.realpath(sys.prefix) == os.path.realpath(_refenv.VENV):
        return False
    return not ((_refenv._ready("venv") and _refenv._venv_python()) or _refenv._ready("site"))


def ensure():
    """Return if torch (CPU)/safetensors/numpy (pinned) are importable here; else install and re-exec."""
    if _needs_install():
        if _resolves(CPU_INDEX_HOST):
            extra = os.environ.get("PIP_EXTRA_INDEX_URL", "")
            os.environ["PIP_EXTRA_INDEX_URL"] = (extra + " " + CPU_INDEX).strip()
        else:
            _refenv._log(CPU_INDEX_HOST + " does not resolve; torch's +cpu wheel must come from "
                         "pip's configured find-links")
    _refenv.ensure()
