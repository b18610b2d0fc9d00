"""Self-installing environment for the ZeroGap reference scripts.

Every script in bench/ calls ``ensure()`` before importing numpy/cvxpy.  On first use it creates
``.venv-reference/`` in the repository root (``python3 -m venv``) and pip-installs the pinned
versions in ``bench/requirements-reference.txt``; then it re-executes the calling script with the
venv's interpreter.  If ``venv`` is unavailable (e.g. Debian without ``python3-venv``) it falls back
to ``pip install --target .venv-reference/site`` and re-executes with that directory on PYTHONPATH.
Only the standard library is used here.
"""
import hashlib
import os
import shutil
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
VENV = os.path.join(ROOT, ".venv-reference")
SITE = os.path.join(VENV, "site")
REQ = os.path.join(BENCH, "requirements-reference.txt")
MARK_ENV = "ZEROGAP_REFERENCE_ENV"


def _req_hash():
    with open(REQ, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _marker(kind):
    return os.path.join(VENV, ".installed-" + kind)


def _ready(kind):
    m = _marker(kind)
    if not os.path.exists(m):
        return False
    with open(m) as f:
        return f.read().strip() == _req_hash()


def _venv_python():
    for rel in ("bin/python3", "bin/python", "Scripts/python.exe"):
        p = os.path.join(VENV, rel)
        if os.path.exists(p):
            return p
    return None


def _log(msg):
    print("[reference-env] " + msg, file=sys.stderr, flush=True)


def _run(cmd):
    _log(" ".join(cmd))
    return subprocess.call(cmd, stdout=sys.stderr) == 0


def _install_venv():
    if os.path.isdir(VENV) and not _ready("venv"):
        shutil.rmtree(VENV, ignore_errors=True)
    if not _run([sys.executable, "-m", "venv", VENV]):
        return False
    py = _venv_python()
    if py is None:
        return False
    _run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])  # best effort
    if not _run([py, "-m", "pip", "install", "--quiet", "-r", REQ]):
        return False
    with open(_marker("venv"), "w") as f:
        f.write(_req_hash())
    return True


def _install_site():
    shutil.rmtree(VENV, ignore_errors=True)
    os.makedirs(SITE, exist_ok=True)
    base = [sys.executable, "-m", "pip", "install", "--quiet", "--target", SITE, "-r", REQ]
    # pip >= 23 refuses externally-managed interpreters unless told; older pip lacks the flag.
    if not (_run(base + ["--break-system-packages"]) or _run(base)):
        return False
    with open(_marker("site"), "w") as f:
        f.write(_req_hash())
    return True


def _exec(python, extra_env=None):
    env = dict(os.environ)
    env[MARK_ENV] = "1"
    if extra_env:
        env.update(extra_env)
    sys.stdout.flush()
    os.execve(python, [python] + sys.argv, env)


def ensure():
    """Return if numpy/cvxpy/clarabel (pinned) are importable here; otherwise install and re-exec."""
    if os.environ.get(MARK_ENV) == "1":
        return  # already re-executed inside the reference environment
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    site_env = {"PYTHONPATH": SITE + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if _ready("venv") and _venv_python():
        _exec(_venv_python())
    if _ready("site"):
        _exec(sys.executable, site_env)
    # ZEROGAP_REFERENCE_NO_VENV=1 forces the --target fallback (to test it).
    if os.environ.get("ZEROGAP_REFERENCE_NO_VENV") != "1" and _install_venv():
        _exec(_venv_python())
    _log("python3 -m venv failed; falling back to pip install --target " + SITE)
    if _install_site():
        _exec(sys.executable, site_env)
    sys.exit("reference-env: could not install " + REQ + " (needs python3 with pip or venv, and PyPI)")
