#!/usr/bin/env python3
"""Independent reference for the exact ReLU dual norm (MATH.md §3.4, §3.5):

    c(v) = max_{‖u‖₂ ≤ 1} |vᵀ (X u)₊|          (X n×d, v ∈ Rⁿ)

Method (numpy + scipy only; shares no code with the Swift library):

1. Cells.  The full-dimensional cells of the central arrangement {u : x_iᵀu = 0} are enumerated
   exactly by the vertex-ray method.  Zero rows are dropped (they define no hyperplane; their
   activation (0)₊ = 0 never matters) and rows that are positive or negative multiples of each
   other (x, 2x, −x/2, duplicates) are merged into one hyperplane with an orientation per row.  If
   the distinct normals span only an r < d dimensional space, u is restricted to that row space
   (the orthogonal part only costs norm).  Then every cell is a pointed cone, and each of its
   extreme rays is the null direction ±w of r − 1 linearly independent normals.  Around such a ray
   with exactly r − 1 tight hyperplanes all 2^(r−1) sign choices of those rows are cells (the
   others keep sign(h_iᵀw)); a witness point u = w + εδ with Mδ = σ is built for every choice and
   its signs are checked strictly.  If more than r − 1 hyperplanes pass through a ray, the local
   cells are the cells of the sub-arrangement of the tight hyperplanes inside w^⊥, enumerated
   recursively by the same method.  Cells are deduplicated by their sign vector.  In general
   position the count is checked against 2 Σ_{k<r} C(m−1, k) (m distinct hyperplanes).
2. Cell maxima.  On the closed cone K_D = {u : A u ≥ 0}, A = (2D − I) X, (Xu)₊ = D X u, so
   max_{u ∈ K_D, ‖u‖ ≤ 1} ±vᵀ D X u = ‖Π_{K_D}(g)‖ with g = ±Xᵀ D v.  By Moreau,
   Π_K(g) = g + Aᵀλ* with λ* = argmin_{λ ≥ 0} ‖g + Aᵀλ‖ (scipy.optimize.nnls).  For any λ ≥ 0,
   ‖g + Aᵀλ‖ is an upper bound on the cell maximum (gᵀu ≤ (g + Aᵀλ)ᵀu on K), so the returned c is
   a max of certified upper bounds over a complete list of cells; it is checked against the
   directly evaluated |vᵀ(X u*)₊| at the returned unit vector u* (a lower bound).
3. bound_all_patterns = max over the cells of ‖XᵀD v‖ (MATH.md §3.5, way 2, ignores the cone) and
   crude = ‖X‖₂‖v‖₂ (way 3).

Usage:
  python3 bench/reference_dual_norm.py                 # write every fixture, print the check table
  python3 bench/reference_dual_norm.py --cases d3-n60,d4-n30 [--samples N] [--no-write]
  python3 bench/reference_dual_norm.py --x X.npy --v v.npy   # one instance, JSON on stdout

Fixtures go to Tests/ZeroGapTests/Fixtures/reference/dual-norm/<case>/ (X.npy, v.npy,
expected.json).  Deterministic (numpy default_rng seeds).  The first run creates .venv-reference/
with the pinned packages (bench/_refenv.py).
"""
import argparse
import itertools
import json
import os
import platform
import sys
import time
from math import comb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.optimize import nnls  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ZeroGapTests", "Fixtures", "reference", "dual-norm")

ZERO_ROW_TOL = 1e-14   # ‖x_i‖ ≤ this × max_j ‖x_j‖  ⇒  x_i is a zero row
PARALLEL_TOL = 1e-12   # unit normals closer than this (up to sign) are the same hyperplane
RANK_TOL = 1e-10       # relative singular-value cut-off (rank of the normals, of a (r−1)-subset)
TIGHT_TOL = 1e-11      # |h_iᵀw| ≤ this (unit h, unit w)  ⇒  hyperplane i passes through the ray w
CHUNK = 4096           # rays per vectorised block


# --------------------------------------------------------------------------------------------
# Hyperplanes of the central arrangement
# --------------------------------------------------------------------------------------------

def hyperplanes(X):
    """Distinct hyperplanes of the rows of X.

    Returns (H, index, orient, zero): H is m×d with unit rows (canonical sign: first entry of
    magnitude > 1e-9 is positive); row i of X is zero (zero[i]) or x_i = orient[i]·‖x_i‖·H[index[i]]
    with orient[i] ∈ {±1}.
    """
    X = np.asarray(X, float)
    n = X.shape[0]
    norms = np.linalg.norm(X, axis=1)
    scale = norms.max() if n else 0.0
    zero = norms <= ZERO_ROW_TOL * scale if scale > 0 else np.ones(n, bool)
    H, index, orient = [], np.full(n, -1), np.zeros(n)
    for i in range(n):
        if zero[i]:
            continue
        h = X[i] / norms[i]
        k = np.flatnonzero(np.abs(h) > 1e-9)[0]
        s = 1.0 if h[k] > 0 else -1.0
        h = s * h
        for j, hj in enumerate(H):
            if np.linalg.norm(h - hj) <= PARALLEL_TOL:
                index[i], orient[i] = j, s
                break
        else:
            index[i], orient[i] = len(H), s
            H.append(h)
    H = np.array(H).reshape(len(H), X.shape[1])
    return H, index, orient, zero


def _all_signs(k):
    """k × 2^k matrix whose columns are all of {±1}^k."""
    if k == 0:
        return np.ones((0, 1))
    return np.array(list(itertools.product((1.0, -1.0), repeat=k))).T


def _orth_complement(w):
    """Orthonormal basis (r × (r−1)) of w^⊥ for a unit w ∈ R^r."""
    _, _, vt = np.linalg.svd(w[None, :])
    return vt[1:].T


def regions(H, stats):
    """Witness points of all cells of the central arrangement with unit normals H (m×r, rank r).

    Returns W (cells × r): row c is a point where every h_iᵀu is nonzero, one per cell (the sign
    vector sign(H u) identifies the cell).  stats collects diagnostics.
    """
    m, r = H.shape
    if r == 1:  # two half-lines; every h is ±1
        return np.array([[1.0], [-1.0]])
    subsets = np.array(list(itertools.combinations(range(m), r - 1)), dtype=np.int64)
    signs = _all_signs(r - 1)  # (r−1) × 2^(r−1)
    keys, wits = [], []
    degenerate = {}
    for start in range(0, len(subsets), CHUNK):
        S = subsets[start:start + CHUNK]
        M = H[S]                                          # K × (r−1) × r
        _, sv, vt = np.linalg.svd(M, full_matrices=True)
        ok = sv[:, -1] > RANK_TOL                         # the r−1 normals are independent
        stats["dependent_subsets"] += int((~ok).sum())
        S, M, w = S[ok], M[ok], vt[ok, -1, :]             # w: unit null direction, K × r
        stats["rays"] += 2 * len(S)
        pinv = np.linalg.pinv(M)                          # K × r × (r−1)
        delta = pinv @ signs                              # K × r × 2^(r−1): M δ = σ
        Hd = np.einsum("ir,krs->kis", H, delta)           # K × m × 2^(r−1)
        for o in (1.0, -1.0):
            wo = o * w
            Hw = wo @ H.T                                 # K × m
            tight = np.abs(Hw) <= TIGHT_TOL
            ntight = tight.sum(axis=1)
            generic = ntight == r - 1
            for k in np.flatnonzero(~generic):
                T = tuple(np.flatnonzero(tight[k]))
                key = (T, tuple(np.sign(Hw[k][~tight[k]]).astype(int)))
                degenerate.setdefault(key, wo[k])
            if not generic.any():
                continue
            Hw_g, tight_g, Hd_g = Hw[generic], tight[generic], Hd[generic]
            free = np.where(tight_g, np.inf, np.abs(Hw_g))
            stats["min_free_margin"] = min(stats["min_free_margin"], float(free.min()))
            ratio = free[:, :, None] / np.maximum(np.abs(Hd_g), 1e-300)
            eps = np.minimum(0.5 * ratio.min(axis=1), 1.0)            # K × 2^(r−1)
            U = wo[generic][:, None, :] + eps[:, :, None] * np.transpose(delta[generic], (0, 2, 1))
            HU = np.einsum("ir,ksr->ksi", H, U)                       # K × 2^(r−1) × m
            # Expected signs: σ on the subset, sign(h_iᵀw) elsewhere.
            expect = np.broadcast_to(np.sign(Hw_g)[:, None, :], HU.shape).copy()
            Sg = S[generic]
            for j in range(r - 1):
                expect[np.arange(len(Sg)), :, Sg[:, j]] = signs[j][None, :]
            if not np.array_equal(np.sign(HU), expect):
                raise RuntimeError("vertex-ray witness has a wrong or zero sign")
            U = U.reshape(-1, r)
            U /= np.linalg.norm(U, axis=1, keepdims=True)
            bits = np.packbits(U @ H.T > 0, axis=1)
            keys.append(bits)
            wits.append(U)
    # Degenerate rays: recurse into w^⊥ on the tight hyperplanes.
    stats["degenerate_rays"] += len(degenerate)
    for (T, _), w in degenerate.items():
        T = list(T)
        B = _orth_complement(w)
        Hs = H[T] @ B
        Hs /= np.linalg.norm(Hs, axis=1, keepdims=True)
        Dl = regions(Hs, stats) @ B.T                     # local witnesses in w^⊥
        Hw = H @ w
        free = np.ones(m, bool)
        free[T] = False
        HD = Dl @ H.T
        ratio = np.abs(Hw[free])[None, :] / np.maximum(np.abs(HD[:, free]), 1e-300)
        eps = np.minimum(0.5 * ratio.min(axis=1), 1.0) if free.any() else np.ones(len(Dl))
        U = w[None, :] + eps[:, None] * Dl
        HU = U @ H.T
        if np.any(HU == 0) or np.any(np.sign(HU[:, free]) != np.sign(Hw[free])[None, :]):
            raise RuntimeError("degenerate-ray witness has a wrong or zero sign")
        U /= np.linalg.norm(U, axis=1, keepdims=True)
        keys.append(np.packbits(U @ H.T > 0, axis=1))
        wits.append(U)
    keys = np.concatenate(keys)
    wits = np.concatenate(wits)
    _, first = np.unique(np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1]))).ravel(),
                         return_index=True)
    first.sort()
    return wits[first]


def enumerate_cells(X):
    """All full-dimensional cells of the arrangement of the rows of X.

    Returns (patterns, witnesses, info): patterns is cells × n bool with D_ii = 1[x_iᵀu ≥ 0] at an
    interior point u (zero rows: 1, by the ≥ convention; they contribute nothing), witnesses is
    cells × d unit interior points, info a dict of diagnostics.
    """
    X = np.asarray(X, float)
    n, d = X.shape
    H, index, orient, zero = hyperplanes(X)
    m = len(H)
    info = {"distinct_hyperplanes": m, "zero_rows": int(zero.sum()), "rank": 0, "rays": 0,
            "degenerate_rays": 0, "dependent_subsets": 0, "min_free_margin": np.inf}
    if m == 0:
        info.update(rank=0, general_position=True, general_position_count=1, min_witness_margin=np.inf)
        return np.ones((1, n), bool), np.eye(d)[:1], info
    _, sv, vt = np.linalg.svd(H)
    r = int((sv > RANK_TOL * sv[0]).sum())
    V = vt[:r].T                                          # d × r basis of the row space
    Hr = H @ V
    Hr /= np.linalg.norm(Hr, axis=1, keepdims=True)
    info["rank"] = r
    Wr = regions(Hr, info)
    W = Wr @ V.T
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    HW = W @ H.T                                          # cells × m, all nonzero
    info["min_witness_margin"] = float(np.abs(HW).min())
    hs = HW > 0
    patterns = np.ones((len(W), n), bool)
    nz = ~zero
    patterns[:, nz] = np.where(orient[nz] > 0, hs[:, index[nz]], ~hs[:, index[nz]])
    # Without dependent (r−1)-subsets and without rays where more than r − 1 hyperplanes meet, the
    # normals are in general position and the number of cells is known in closed form.
    info["general_position"] = info["dependent_subsets"] == 0 and info["degenerate_rays"] == 0
    info["general_position_count"] = 2 * sum(comb(m - 1, k) for k in range(r))
    return patterns, W, info


# --------------------------------------------------------------------------------------------
# The dual norm
# --------------------------------------------------------------------------------------------

def cone_max(A, g):
    """max{gᵀu : A u ≥ 0, ‖u‖ ≤ 1} = ‖Π_K(g)‖.  Returns (value, Π_K(g), kkt, used_nnls); value is
    ‖g + Aᵀλ‖ for the NNLS λ ≥ 0, an upper bound on the maximum whatever λ ≥ 0 is, and equal to it
    at the NNLS optimum (kkt: scaled violation of A p ≥ 0 and of λᵀA p = 0)."""
    Ag = A @ g
    if np.all(Ag >= 0):  # g ∈ K: the projection is g itself
        return float(np.linalg.norm(g)), g.copy(), 0.0, False
    lam, _ = nnls(-A.T, g, maxiter=50 * A.shape[0])
    p = g + A.T @ lam
    upper = float(np.linalg.norm(p))           # ‖g + Aᵀλ‖ with λ ≥ 0: a valid upper bound
    scale = max(np.linalg.norm(g), 1e-300) * max(np.linalg.norm(A, axis=1).max(), 1e-300)
    Ap = A @ p
    kkt = max(float(max(-Ap.min(), 0.0)), abs(float(lam @ Ap))) / scale
    return upper, p, kkt, True


def exact_dual_norm(X, v, return_info=False):
    """Exact c(v) = max_{‖u‖≤1} |vᵀ(Xu)₊|.

    Returns (c, u_star, n_cells, bound_all_patterns); u_star is a unit vector with
    |vᵀ(X u_star)₊| = c (vᵀ(X u_star)₊ = −c when the maximum comes from −v).  With
    return_info=True a fifth element, a dict of diagnostics, is appended.
    """
    X = np.asarray(X, float)
    v = np.asarray(v, float).ravel()
    n, d = X.shape
    t0 = time.perf_counter()
    patterns, _, info = enumerate_cells(X)
    info["enumeration_seconds"] = time.perf_counter() - t0
    Dm = patterns.astype(float)
    G = (Dm * v[None, :]) @ X                             # cells × d: g = XᵀD v
    gnorm = np.linalg.norm(G, axis=1)
    bound_all = float(gnorm.max())
    best = (0.0, None, 1.0, -1)
    max_kkt = 0.0
    nnls_calls = 0
    interior = 0
    for c in range(len(G)):
        A = (2.0 * Dm[c] - 1.0)[:, None] * X
        for s in (1.0, -1.0):
            g = s * G[c]
            val, p, kkt, used = cone_max(A, g)
            nnls_calls += used
            interior += not used
            max_kkt = max(max_kkt, kkt)
            if val > best[0]:
                best = (val, p, s, c)
    c_val, p, s, cell = best
    if p is None or np.linalg.norm(p) == 0:
        u = np.zeros(d)
        u[0] = 1.0
    else:
        u = p / np.linalg.norm(p)
    direct = float(v @ np.maximum(X @ u, 0.0))
    info.update(cells=len(G), nnls_calls=nnls_calls, unconstrained_cell_maxima=interior,
                max_kkt_violation=max_kkt, sign=int(s), best_cell=int(cell), value_at_u=direct,
                lower_upper_gap=c_val - abs(direct), seconds=time.perf_counter() - t0,
                patterns=patterns)
    if abs(c_val - abs(direct)) > 1e-12 * max(c_val, 1e-300):
        raise RuntimeError(f"cell maximum {c_val!r} and |vᵀ(Xu*)₊| = {direct!r} disagree")
    out = (c_val, u, len(G), bound_all)
    return out + (info,) if return_info else out


# --------------------------------------------------------------------------------------------
# Independent sanity check: dense sampling plus local ascent on the sphere
# --------------------------------------------------------------------------------------------

def _f(X, v, U):
    """vᵀ(X u)₊ for the columns u of U (d × k)."""
    return v @ np.maximum(X @ U, 0.0)


def _ascent(X, v, u, s, iters=400):
    """Monotone ascent of s·vᵀ(Xu)₊ on the unit sphere: fixed-point steps u ← XᵀD(u)v/‖·‖ while they
    improve, then Riemannian gradient steps with backtracking."""
    def f(u):
        return s * float(v @ np.maximum(X @ u, 0.0))

    fu = f(u)
    for _ in range(50):
        g = s * (X.T @ ((X @ u >= 0) * v))
        ng = np.linalg.norm(g)
        if ng == 0:
            break
        un = g / ng
        fn = f(un)
        if fn <= fu:
            break
        u, fu = un, fn
    eta = 1.0
    for _ in range(iters):
        g = s * (X.T @ ((X @ u >= 0) * v))
        gt = g - (g @ u) * u
        if np.linalg.norm(gt) < 1e-15:
            break
        while eta > 1e-16:
            un = u + eta * gt
            un /= np.linalg.norm(un)
            fn = f(un)
            if fn > fu:
                u, fu = un, fn
                eta *= 2.0
                break
            eta *= 0.5
        else:
            break
    return fu, u


def sample_check(X, v, c, seed, samples=400_000, starts=32, cells=None):
    """Best |vᵀ(Xu)₊| over `samples` random unit u, and after local ascent from the best starts.
    Also: how many distinct sampled patterns are missing from `cells` (a completeness check)."""
    X = np.asarray(X, float)
    v = np.asarray(v, float)
    n, d = X.shape
    rng = np.random.default_rng(seed)
    best_raw = 0.0
    tops = {1.0: [], -1.0: []}
    missing = 0
    sampled_patterns = set()
    known = None
    if cells is not None:
        known = {row.tobytes() for row in np.packbits(cells, axis=1)}
    block = 50_000
    for start in range(0, samples, block):
        k = min(block, samples - start)
        U = rng.standard_normal((d, k))
        U /= np.linalg.norm(U, axis=0, keepdims=True)
        XU = X @ U
        vals = v @ np.maximum(XU, 0.0)
        best_raw = max(best_raw, float(np.abs(vals).max()))
        for s in (1.0, -1.0):
            idx = np.argsort(-s * vals)[:starts]
            tops[s].extend((float(s * vals[i]), U[:, i].copy()) for i in idx)
        if known is not None:
            nonzero_rows = np.linalg.norm(X, axis=1) > 0
            P = XU >= 0
            P[~nonzero_rows, :] = True
            for row in np.packbits(P.T, axis=1):
                sampled_patterns.add(row.tobytes())
    if known is not None:
        missing = len(sampled_patterns - known)
    best_asc = best_raw
    u_asc = None
    for s in (1.0, -1.0):
        for val, u in sorted(tops[s], key=lambda t: -t[0])[:starts]:
            fa, ua = _ascent(X, v, u, s)
            if fa > best_asc:
                best_asc, u_asc = fa, ua
    return {"samples": samples, "best_sampled": best_raw, "best_after_ascent": best_asc,
            "sampled_patterns": len(sampled_patterns), "sampled_patterns_missing": missing,
            "exceeds": max(best_raw, best_asc) > c * (1 + 1e-12)}


# --------------------------------------------------------------------------------------------
# Self-test on degenerate arrangements: a second, slow enumeration by incremental LP splitting
# --------------------------------------------------------------------------------------------

def cells_by_lp(X, margin=1e-9):
    """Cells of the arrangement of the rows of X by splitting: add the rows one at a time and keep
    each side of each current cell whose interior is non-empty (LP: max t s.t. s_j x_jᵀu ≥ t,
    |u|_∞ ≤ 1, t ≤ 1; interior iff t* > margin).  Works on the raw rows (duplicates, multiples,
    rank deficiency included); zero rows get D_ii = 1.  Returns a set of pattern bytes."""
    from scipy.optimize import linprog

    X = np.asarray(X, float)
    n, d = X.shape
    rows = [i for i in range(n) if np.any(X[i] != 0)]
    cells = [[]]                                   # list of [(row, sign)]
    cost = np.zeros(d + 1)
    cost[-1] = -1.0
    bounds = [(-1.0, 1.0)] * d + [(None, 1.0)]
    for i in rows:
        new = []
        for cell in cells:
            for s in (1.0, -1.0):
                cons = cell + [(i, s)]
                A = np.array([np.append(-sj * X[j], 1.0) for j, sj in cons])
                res = linprog(cost, A_ub=A, b_ub=np.zeros(len(cons)), bounds=bounds, method="highs")
                if res.status == 0 and -res.fun > margin:
                    new.append(cons)
        cells = new
    out = set()
    for cell in cells:
        pat = np.ones(n, bool)
        for j, sj in cell:
            pat[j] = sj > 0
        out.add(np.packbits(pat).tobytes())
    return out


def selftest(samples=200_000):
    """Vertex-ray cells = LP cells (as sets of patterns) and c(v) over either list, on arrangements
    that are far from general position; plus the sampling check.  Returns True if all pass."""
    rng = np.random.default_rng(4242)
    cube3 = np.array([p for p in itertools.product((-1.0, 0.0, 1.0), repeat=3) if any(p)])
    cube4 = np.array([p for p in itertools.product((-1.0, 0.0, 1.0), repeat=4) if any(p)])
    B = rng.standard_normal((10, 2))
    t = rng.standard_normal(9)
    instances = [
        ("{-1,0,1}^3 all 26 (13 planes, many triple lines)", cube3),
        ("{-1,0,1}^4 22 random rows", cube4[rng.choice(len(cube4), 22, replace=False)]),
        ("rank 2 in R^3 (10 rows)", B @ rng.standard_normal((2, 3))),
        ("collinear points + bias (9 rows, rank 2: every plane contains one line)", np.stack([t, 2 * t - 1, np.ones(9)], 1)),
        ("d3-n12-dup", make_case("d3-n12-dup", 508)[0]),
        ("zero matrix 4x3", np.zeros((4, 3))),
    ]
    ok = True
    for label, X in instances:
        v = rng.standard_normal(X.shape[0])
        c, u, ncells, bound_all, info = exact_dual_norm(X, v, return_info=True)
        pats = info.pop("patterns")
        mine = {np.packbits(p).tobytes() for p in pats}
        lp = cells_by_lp(X)
        # c over the LP cells, by the same per-cell projection
        c_lp = 0.0
        for key in lp:
            D = np.unpackbits(np.frombuffer(key, np.uint8))[: X.shape[0]].astype(float)
            A = (2 * D - 1)[:, None] * X
            g = X.T @ (D * v)
            c_lp = max(c_lp, cone_max(A, g)[0], cone_max(A, -g)[0])
        chk = sample_check(X, v, c, 99, samples=samples, cells=pats)
        good = (mine == lp and abs(c - c_lp) <= 1e-12 * max(c, 1.0) and not chk["exceeds"]
                and chk["sampled_patterns_missing"] == 0)
        ok &= good
        gap = (c - chk["best_after_ascent"]) / c if c > 0 else 0.0
        print(f"{'ok  ' if good else 'FAIL'} {label}: cells {ncells} (LP {len(lp)}), "
              f"m={info['distinct_hyperplanes']} rank={info['rank']} degenerate_rays={info['degenerate_rays']} "
              f"dependent_subsets={info['dependent_subsets']}, c={c:.12g} (LP cells {c_lp:.12g}), "
              f"1 − ascent/c = {gap:.1e}", flush=True)
    return ok


# --------------------------------------------------------------------------------------------
# Fixture cases
# --------------------------------------------------------------------------------------------

def _teacher_residual(rng, X, neurons=3, noise=0.1):
    d = X.shape[1]
    U = rng.standard_normal((d, neurons))
    a = rng.choice([-1.0, 1.0], size=neurons) * (0.5 + rng.random(neurons))
    y = np.maximum(X @ U, 0.0) @ a + noise * rng.standard_normal(X.shape[0])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return y - X @ coef


def make_case(name, seed):
    """(X, v, description) for a named case; deterministic in the seed."""
    rng = np.random.default_rng(seed)
    if name in ("d3-n60", "d4-n30", "d5-n20", "d5-n40", "d5-n30"):
        d, n = (int(t[1:]) for t in name.split("-"))
        X = rng.standard_normal((n, d))
        v = rng.standard_normal(n)
        desc = "X ~ N(0,1), v ~ N(0,1)"
    elif name == "d3-n40-bias":
        X = np.ones((40, 3))
        X[:, :2] = rng.standard_normal((40, 2))
        v = rng.standard_normal(40)
        desc = "X[:, :2] ~ N(0,1), X[:, 2] = 1 (bias), v ~ N(0,1)"
    elif name == "d4-n24-posv":
        X = rng.standard_normal((24, 4))
        v = rng.uniform(0.2, 1.2, 24)
        flip = rng.choice(24, size=4, replace=False)
        v[flip] *= -0.5
        desc = "X ~ N(0,1), v ~ U(0.2, 1.2) with 4 entries multiplied by −0.5"
    elif name == "d3-n30-residual":
        X = rng.standard_normal((30, 3))
        v = _teacher_residual(rng, X)
        desc = "X ~ N(0,1); v = y − X·lstsq(X, y), y = 3-neuron ReLU teacher + N(0, 0.1²) (v ⟂ range X)"
    elif name == "d3-n12-dup":
        B = rng.standard_normal((8, 3))
        X = np.vstack([B, B[3], 2.0 * B[1], np.zeros(3), -0.5 * B[2]])
        X = X[rng.permutation(12)]
        v = rng.standard_normal(12)
        desc = ("8 rows ~ N(0,1) plus a duplicate, a 2× multiple, a −0.5× multiple and a zero row, "
                "shuffled; v ~ N(0,1)")
    else:
        raise ValueError(f"unknown case {name}")
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(v, dtype=np.float64), desc


CASES = [  # name, seed
    ("d3-n60", 501),
    ("d4-n30", 502),
    ("d5-n20", 503),
    ("d5-n40", 504),
    ("d3-n40-bias", 505),
    ("d4-n24-posv", 506),
    ("d3-n30-residual", 507),
    ("d3-n12-dup", 508),
]
TOLERANCE = 1e-9
SAMPLE_SEED_OFFSET = 10_000


def _ascii(text):
    return text.translate(str.maketrans({"×": "x", "−": "-", "⟂": "orthogonal to", "²": "^2", "·": "*"}))


def run_case(name, seed, samples, write, out):
    X, v, desc = make_case(name, seed)
    n, d = X.shape
    c, u, cells, bound_all, info = exact_dual_norm(X, v, return_info=True)
    crude = float(np.linalg.norm(X, 2) * np.linalg.norm(v))
    if info["general_position"] and info["general_position_count"] != cells:
        raise RuntimeError(f"{name}: {cells} cells but general position predicts "
                           f"{info['general_position_count']}")
    t1 = time.perf_counter()
    chk = sample_check(X, v, c, seed + SAMPLE_SEED_OFFSET, samples=samples, cells=info.pop("patterns"))
    chk["seconds"] = time.perf_counter() - t1
    row = dict(case=name, n=n, d=d, seed=seed, c=c, cells=cells, bound_all_patterns=bound_all,
               crude=crude, info=info, check=chk, desc=desc)
    if write:
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        np.save(os.path.join(folder, "X.npy"), X)
        np.save(os.path.join(folder, "v.npy"), v)
        expected = {
            "case": name, "n": n, "d": d, "seed": seed, "data": _ascii(desc),
            "c": c, "u": [float(t) for t in u], "sign": info["sign"],
            "value_at_u": info["value_at_u"],
            "cells": cells, "distinct_hyperplanes": info["distinct_hyperplanes"],
            "zero_rows": info["zero_rows"], "rank": info["rank"],
            "bound_all_patterns": bound_all, "crude": crude, "tolerance": TOLERANCE,
            "files": ["X.npy", "v.npy"],
        }
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump(expected, f, indent=2)
            f.write("\n")
    return row


def write_readme(rows, out):
    lines = [
        "# Exact ReLU dual norm c(v) (independent reference)",
        "",
        "    c(v) = max_{‖u‖₂ ≤ 1} |vᵀ (X u)₊|        (MATH.md §3.4, §3.5)",
        "",
        "**How they were made:** `python3 bench/reference_dual_norm.py` from the repository root (it",
        "installs its own pinned environment, see `bench/README.md`), with numpy "
        f"{np.__version__}, scipy {scipy.__version__}, Python {platform.python_version()}.",
        "numpy and scipy only — no conic solver, no code shared with the Swift library. Deterministic:",
        "seeded `numpy.random.default_rng`; re-running rewrites the same files. The whole run takes",
        "about a minute on 2 cores, most of it `d5-n40` (184 342 cells, 368 684 NNLS problems).",
        "",
        "**Method** (details in the script's docstring): all full-dimensional cells of the central",
        "arrangement {u : x_iᵀu = 0} by the vertex-ray method (every cell is a pointed cone whose",
        "extreme rays are null directions ±w of r − 1 independent rows; the 2^(r−1) sign choices",
        "around each ray are cells, each confirmed by a witness point with strict signs; rays where",
        "more than r − 1 hyperplanes meet are handled by recursing into w^⊥); on each cell",
        "K_D = {u : (2D − I)Xu ≥ 0} the maximum of ±vᵀDXu over the unit ball is ‖Π_{K_D}(±XᵀDv)‖,",
        "computed by NNLS (`scipy.optimize.nnls`) on the polar cone (Moreau); c is the largest,",
        "and is checked to equal |vᵀ(X u)₊| at the returned `u`.",
        "",
        "**Degenerate rows** (`d3-n12-dup`): zero rows are dropped from the arrangement (they define",
        "no hyperplane and (0)₊ = 0; their D entry is 1 by the `≥` convention and contributes",
        "nothing); rows that are multiples of each other — duplicates, x and 2x, x and −x/2 — are",
        "one hyperplane, with each row's sign read off with its orientation. The cell count is then",
        "that of the m distinct hyperplanes. If the distinct normals spanned only r < d dimensions, u",
        "would be restricted to the row space (not needed by any case here: all have rank d).",
        "",
        "**Checks** (printed by the script, not stored): the cell count equals 2 Σ_{k<r} C(m−1, k)",
        "(the general-position count for m distinct hyperplanes of rank r); every sign pattern",
        "met by 400 000 random unit directions is among the enumerated cells; the best of those",
        "samples, then monotone local ascent on the sphere from the 32 best samples of each sign,",
        "never exceed c. Ascent reaches c to rounding when the maximiser is inside a cell",
        "(XᵀDv ∈ K_D there); when it sits on a cell boundary (a kink) ascent stalls slightly below",
        "(the 1e-6..1e-5 gaps below). `python3 bench/reference_dual_norm.py --selftest`",
        "compares the vertex-ray cells with a second, slow enumeration (incremental LP splitting of",
        "the raw rows) on arrangements far from general position ({−1,0,1}^3 and ^4 rows, rank",
        "deficiency, the dup case) — same cell sets, same c.",
        "",
        "## Cases",
        "",
        "| folder | n | d | c | cells | bound_all_patterns / c | crude / c | 1 − best sample / c | 1 − after ascent / c | data |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        c = r["c"]
        ch = r["check"]
        lines.append(
            f"| `{r['case']}` | {r['n']} | {r['d']} | {c:.10g} | {r['cells']} | "
            f"{r['bound_all_patterns'] / c:.4f} | {r['crude'] / c:.4f} | "
            f"{1 - ch['best_sampled'] / c:.1e} | {1 - ch['best_after_ascent'] / c:.1e} | {r['desc']} |")
    lines += [
        "",
        "## Files",
        "",
        "* `X.npy` — n×d float64, C order (`fortran_order: False`), `.npy` format 1.0. Rows are samples.",
        "* `v.npy` — length-n float64 vector.",
        "* `expected.json`:",
        "  * `c` — the exact dual norm; compare with relative `tolerance` (1e-9).",
        "  * `u` — a unit maximiser; `sign` is +1 if vᵀ(Xu)₊ = c, −1 if vᵀ(Xu)₊ = −c (the maximum",
        "    came from −v); `value_at_u` = vᵀ(Xu)₊ evaluated in numpy. The maximiser need not be",
        "    unique in general, so compare values, not vectors.",
        "  * `cells` — number of full-dimensional cells of the arrangement, i.e. of distinct",
        "    D = diag(1[Xu ≥ 0]) over u with no x_iᵀu = 0 (lower-dimensional patterns, e.g. from u on",
        "    a hyperplane, are not counted). `distinct_hyperplanes`, `zero_rows`, `rank` describe the",
        "    arrangement.",
        "  * `bound_all_patterns` — max over those cells of ‖XᵀD v‖₂ (MATH.md §3.5, way 2; the sign of v",
        "    does not matter). `crude` — ‖X‖₂‖v‖₂ (way 3).",
        "  * `case`, `n`, `d`, `seed`, `data`, `files`.",
        "",
    ]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    ap.add_argument("--samples", type=int, default=400_000)
    ap.add_argument("--no-write", action="store_true", help="check only, write nothing")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--x", help="X.npy of a single instance (with --v): print JSON and exit")
    ap.add_argument("--v")
    ap.add_argument("--selftest", action="store_true",
                    help="degenerate arrangements: vertex-ray cells vs an LP-splitting enumeration")
    args = ap.parse_args()
    if args.selftest:
        return 0 if selftest() else 1
    if args.x:
        X = np.load(args.x)
        v = np.load(args.v)
        c, u, cells, bound_all, info = exact_dual_norm(X, v, return_info=True)
        info.pop("patterns")
        print(json.dumps({"c": c, "u": u.tolist(), "cells": cells, "bound_all_patterns": bound_all,
                          "crude": float(np.linalg.norm(X, 2) * np.linalg.norm(v)),
                          "sign": info["sign"], "value_at_u": info["value_at_u"],
                          "seconds": info["seconds"]}, indent=2))
        return 0
    wanted = args.cases.split(",") if args.cases else [c for c, _ in CASES]
    seeds = dict(CASES)
    rows = []
    bad = False
    hdr = (f"{'case':17s} {'n':>3s} {'d':>2s} {'c':>14s} {'cells':>7s} {'bap/c':>7s} {'crude/c':>8s} "
           f"{'1-sample/c':>10s} {'1-ascent/c':>10s} {'miss':>4s} {'kkt':>8s} {'t_exact':>8s} {'t_check':>8s}")
    print(hdr, flush=True)
    for name in wanted:
        row = run_case(name, seeds[name], args.samples, not args.no_write, args.out)
        rows.append(row)
        c, ch, info = row["c"], row["check"], row["info"]
        print(f"{name:17s} {row['n']:3d} {row['d']:2d} {c:14.10f} {row['cells']:7d} "
              f"{row['bound_all_patterns'] / c:7.4f} {row['crude'] / c:8.4f} {1 - ch['best_sampled'] / c:10.2e} "
              f"{1 - ch['best_after_ascent'] / c:10.2e} {ch['sampled_patterns_missing']:4d} "
              f"{info['max_kkt_violation']:8.1e} {info['seconds']:8.2f} {ch['seconds']:8.2f}", flush=True)
        print(f"    m={info['distinct_hyperplanes']} rank={info['rank']} zero_rows={info['zero_rows']} "
              f"rays={info['rays']} degenerate_rays={info['degenerate_rays']} "
              f"general_position_count={info['general_position_count']} "
              f"min|h·w| (non-tight)={info['min_free_margin']:.2e} "
              f"min witness margin={info['min_witness_margin']:.2e} nnls={info['nnls_calls']} "
              f"unconstrained={info['unconstrained_cell_maxima']} sign={info['sign']:+d} "
              f"gap(c−|v·(Xu)₊|)={info['lower_upper_gap']:.1e} "
              f"sampled_patterns={ch['sampled_patterns']}", flush=True)
        if ch["exceeds"] or ch["sampled_patterns_missing"] or info["max_kkt_violation"] > 1e-10:
            bad = True
            print("    FAILED", flush=True)
    if not args.no_write and not args.cases:
        write_readme(rows, args.out)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
