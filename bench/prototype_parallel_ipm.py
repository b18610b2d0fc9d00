#!/usr/bin/env python3
"""Prototype: a structure-exploiting primal-dual interior-point method for the three-layer parallel ReLU
program of MATH.md §4.3 (squared loss, unnormalised), with a certified lower bound (§4.3 / §3.5 dual).

    min  ½‖ Σ_b s_b D2_b G u_b − y ‖² + β Σ_{b,k} ‖u_{bk}‖
    s.t. R_k u_{bk} ≥ 0            (first-layer cones, R_k = (2D1_i − I) X, n rows)
         S2_b G u_b ≥ 0            (second-layer cone, S2_b = 2D2_b − I, n rows)

with branches b = (l, s) (B = 2·P2; b = 2l for s = +1, 2l+1 for s = −1, the order of
bench/reference_parallel.py), K = 2·P1 vectors u_{bk} ∈ R^d per branch (k < P1: v_{k}, k ≥ P1: w_{k−P1}),
G = [σ_k D1_{i(k)} X]_k (n × K·d, the same matrix for every branch, σ = +1 for v, −1 for w).

Algorithm (bench/PARALLEL_SOLVER.md has the equations and the measurements): Mehrotra predictor–corrector with
Nesterov–Todd scaling on  min ½xᵀPx + qᵀx  s.t.  A x = s ∈ 𝒦,  x = (u, t),
𝒦 = Π SOC(d+1) × R_+^{first layer} × R_+^{second layer},  P = FᵀF,  F = [s_b D2_b G]_b.
* d = 2: each first-layer cone (a wedge) keeps its 2 facet rows instead of n (same cone, barrier degree ÷ ~n/2).
* Newton system = normal equations  H = P + AᵀW⁻²A = blockdiag_{b,k}(C_bk) + Σ_b Ĝ_bᵀΩ_bĜ_b (rank n per branch)
  + FᵀF (rank n), solved exactly in O(B·(n²Kd + n³)): t eliminated per block in closed form, Woodbury per branch
  (n×n), Woodbury for the loss (n×n), and a "radial shift" with a small exact low-rank correction for the blocks
  of active neurons (the only near-singular directions).  No dense matrix larger than n×n or m_a×m_a.

Certificate: λ = y − ŷ; per branch and vector, g_{bk} = σ_k Xᵀ D1 (s_b D2_b λ + S2_b μ_b) projected on the
first-layer cone K_k (exact for d = 2, otherwise relaxed with the IPM multipliers π ≥ 0); c̄ = max ‖·‖ ≥ c(λ) for any
μ ≥ 0 (the IPM's second-layer multipliers).  LB = max_{0≤θ≤β/c̄} θ yᵀλ − ½θ²‖λ‖², a valid lower bound for the program
over the given patterns.  UB = objective of the recovered network of §4.3 (ReLUs evaluated, as the Swift report)
at a point whose cone violation is ≤ 1e-9.  Stops at (UB − LB)/|UB| ≤ tol (1e-6).

Usage:
  .venv-reference/bin/python bench/prototype_parallel_ipm.py                       # bench cases + n = 20, 24, 32
  .venv-reference/bin/python bench/prototype_parallel_ipm.py --cases n4-p2all n8-p2s128 --no-clarabel
  .venv-reference/bin/python bench/prototype_parallel_ipm.py --x X.npy --y y.npy --d1 D1.npy --d2 D2.npy --beta 0.1

Instances: regenerated deterministically by a port of the Swift SeededGenerator (xoshiro256**-style +
Box–Muller) with the recipe of Benchmarks/Sources/ZeroGapBench/ParallelSection.swift (X = [a, 1], a and y
standard normal from seed 100 + n, β = 0.1, all 2n first-layer cells, D2 all 2^n or sampled from random branches);
if .build/bench-parallel/<case>/ exists the regenerated instance is checked against it.
Only numpy/scipy in the algorithm; cvxpy + Clarabel (bench/reference_parallel.solve_parallel, the benchmark's
reference) only for timing and the objective check.
"""
import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Single-threaded BLAS: the GEMMs here are small (n×n, n×K·d), where OpenBLAS threads only add synchronisation
# (measured 0.06 ms vs 11 ms for a 256×128·128×16 product on a loaded 2-core machine).  Set before numpy loads.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
if __name__ == "__main__":
    import _refenv

    _refenv.ensure()

import numpy as np  # noqa: E402
import scipy.linalg as sla  # noqa: E402

# ----------------------------------------------------------------------------------------------------------
# Instances (port of the Swift SeededGenerator and of the bench recipe)
# ----------------------------------------------------------------------------------------------------------

M64 = (1 << 64) - 1


class SeededGenerator:
    """Port of Sources/ZeroGap/Data/SeededGenerator.swift (same stream for the same seed)."""

    def __init__(self, seed):
        x = seed & M64
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            s.append(z ^ (z >> 31))
        self.s = s
        self.spare = None

    def next(self):
        s = self.s
        m = (s[1] * 5) & M64
        result = ((((m << 7) | (m >> 57)) & M64) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M64
        return result

    def uniform(self):
        return float(self.next() >> 11) * 2.0 ** -53

    def normal(self):
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        u1 = self.uniform()
        while u1 <= 0:
            u1 = self.uniform()
        u2 = self.uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        self.spare = r * math.sin(2 * math.pi * u2)
        return r * math.cos(2 * math.pi * u2)

    def normals(self, count):
        return np.array([self.normal() for _ in range(count)])

    def normal_matrix(self, rows, cols):  # column-major storage, as Matrix
        return self.normals(rows * cols).reshape(cols, rows).T


def cells_d2(X):
    """All first-layer patterns of the open cells of the arrangement {x_jᵀg = 0} in R² (1[Xg ≥ 0] at the
    midpoint of every arc between consecutive critical angles)."""
    ang = []
    for x in X:
        a = math.atan2(x[0], -x[1])  # g ⟂ x
        ang += [a % (2 * math.pi), (a + math.pi) % (2 * math.pi)]
    ang = np.unique(np.round(np.array(ang), 15))
    mids = [(ang[k] + (ang[k + 1] if k + 1 < len(ang) else ang[0] + 2 * math.pi)) / 2 for k in range(len(ang))]
    G = np.array([[math.cos(t), math.sin(t)] for t in mids]).T
    M = (X @ G >= 0).astype(float)
    _, keep = np.unique(M, axis=1, return_index=True)
    return M[:, np.sort(keep)]


def hidden_sample(count, X, g, width=8):
    """Port of HiddenPatterns.sample at level 2: distinct 1[(X W1)_+ w2 ≥ 0] plus all-ones."""
    n = X.shape[0]
    seen, cols = set(), []

    def add(bits):
        key = bits.tobytes()
        if key not in seen:
            seen.add(key)
            cols.append(bits.astype(float))

    add(np.ones(n, bool))
    attempts = 0
    while len(cols) < count and attempts < 20 * count:
        attempts += 1
        w1 = g.normal_matrix(X.shape[1], width)
        w2 = g.normals(width)
        add(np.maximum(X @ w1, 0.0) @ w2 >= 0)
    return np.array(cols).T


def bench_instance(n, p2sampled):
    """The instance of `zerogap-bench parallel` case n<n>-p2all / n<n>-p2s<count>."""
    g = SeededGenerator(100 + n)
    a = g.normals(n)
    X = np.column_stack([a, np.ones(n)])
    y = g.normals(n)
    D1 = cells_d2(X)
    if p2sampled is None:
        D2 = np.array([[(l >> j) & 1 for l in range(1 << n)] for j in range(n)], float)
    else:
        D2 = hidden_sample(p2sampled, X, g)
    return X, y, 0.1, D1, D2


def same_columns(A, B):
    return {c.tobytes() for c in np.asarray(A, np.float64).T} == {c.tobytes() for c in np.asarray(B, np.float64).T}


# ----------------------------------------------------------------------------------------------------------
# Second-order-cone helpers (vectorised over leading axes; last axis = cone coordinates (x0, x1))
# ----------------------------------------------------------------------------------------------------------

def soc_det(x):
    return x[..., 0] ** 2 - np.sum(x[..., 1:] ** 2, axis=-1)


def soc_prod(a, b):
    """Jordan product a∘b = (aᵀb, a0 b1 + b0 a1)."""
    out = np.empty(np.broadcast(a, b).shape)
    out[..., 0] = np.sum(a * b, axis=-1)
    out[..., 1:] = a[..., :1] * b[..., 1:] + b[..., :1] * a[..., 1:]
    return out


def soc_div(lam, r):
    """x with lam∘x = r."""
    l0, l1 = lam[..., 0], lam[..., 1:]
    r0, r1 = r[..., 0], r[..., 1:]
    l1r1 = np.sum(l1 * r1, axis=-1)
    x0 = (l0 * r0 - l1r1) / soc_det(lam)
    out = np.empty_like(r)
    out[..., 0] = x0
    out[..., 1:] = (r1 - x0[..., None] * l1) / l0[..., None]
    return out


def soc_step(x, dx):
    """Largest α ≥ 0 with x + α dx ∈ SOC (x interior), per cone (inf if unbounded)."""
    a = soc_det(dx)
    b = dx[..., 0] * x[..., 0] - np.sum(dx[..., 1:] * x[..., 1:], axis=-1)
    c = soc_det(x)
    disc = b * b - a * c
    sq = np.sqrt(np.maximum(disc, 0.0))
    den = -b + sq
    alpha = np.full(a.shape, np.inf)
    ok = (disc >= 0) & (den > 0)
    alpha[ok] = c[ok] / den[ok]
    # a line leaving through x0 < 0 must cross det = 0 first; guard anyway
    neg = dx[..., 0] < 0
    alpha = np.where(neg, np.minimum(alpha, -x[..., 0] / np.where(neg, dx[..., 0], -1.0)), alpha)
    return alpha


def nt_soc(s, z):
    """Nesterov–Todd scaling of SOC pairs: returns (eta, wbar) with W = η W̄, W̄ = [[w0, w1ᵀ], [w1, I + w1w1ᵀ/(1+w0)]],
    W z = W⁻¹ s = λ."""
    ds, dz = np.sqrt(soc_det(s)), np.sqrt(soc_det(z))
    sb, zb = s / ds[..., None], z / dz[..., None]
    gamma = np.sqrt((1.0 + np.sum(sb * zb, axis=-1)) / 2.0)
    Jz = zb.copy()
    Jz[..., 1:] *= -1
    wb = (sb + Jz) / (2 * gamma[..., None])
    eta = np.sqrt(ds / dz)
    return eta, wb


def nt_apply(eta, wb, x, inverse=False):
    """W x (or W⁻¹ x) for the NT scaling (η, w̄)."""
    w0, w1 = wb[..., 0], wb[..., 1:]
    x0, x1 = x[..., 0], x[..., 1:]
    if inverse:
        w1 = -w1
    w1x1 = np.sum(w1 * x1, axis=-1)
    out = np.empty_like(x)
    out[..., 0] = w0 * x0 + w1x1
    out[..., 1:] = x1 + w1 * (x0 + w1x1 / (1.0 + w0))[..., None]
    f = 1.0 / eta if inverse else eta
    return out * f[..., None]


def nt_inv_sq_apply(eta, wb, x):
    """W⁻² x = η⁻² (2 Jw̄ (Jw̄)ᵀx − Jx)."""
    Jw = wb.copy()
    Jw[..., 1:] *= -1
    Jx = x.copy()
    Jx[..., 1:] *= -1
    return (2.0 * Jw * np.sum(Jw * x, axis=-1)[..., None] - Jx) / (eta ** 2)[..., None]


# ----------------------------------------------------------------------------------------------------------
# The structured program
# ----------------------------------------------------------------------------------------------------------

class ParallelProgram:
    def __init__(self, X, y, beta, D1, D2, reduce_rows=True):
        X = np.asarray(X, float)
        y = np.asarray(y, float).reshape(-1)
        D1 = np.asarray(D1, float)
        D2 = np.asarray(D2, float)
        n, d = X.shape
        if np.any(np.all(X == 0, axis=1)):
            raise ValueError("X has a zero row (its cone rows are identically 0): drop it first")
        P1, P2 = D1.shape[1], D2.shape[1]
        K, B = 2 * P1, 2 * P2
        self.X, self.y, self.beta, self.D1, self.D2 = X, y, float(beta), D1, D2
        self.n, self.d, self.P1, self.P2, self.K, self.B = n, d, P1, P2, K, B
        idx = np.r_[np.arange(P1), np.arange(P1)]
        self.sigma = np.r_[np.ones(P1), -np.ones(P1)]
        self.idx = idx
        # G_k = σ_k D1_{i(k)} X : (n, K, d)
        self.Gk = self.sigma[None, :, None] * D1[:, idx][:, :, None] * X[:, None, :]
        self.Gm = self.Gk.reshape(n, K * d)
        if np.any(np.all(self.Gm == 0, axis=1)):
            raise ValueError("some sample is inactive in every first-layer pattern (second-layer row ≡ 0)")
        # R_k = (2D1_{i(k)} − I) X : (K, n, d)
        self.Rk = ((2 * D1 - 1)[:, idx].T)[:, :, None] * X[None, :, :]
        self.sb = np.tile([1.0, -1.0], P2)  # branch signs
        self.D2b = np.repeat(D2, 2, axis=1).T  # (B, n)
        self.S2b = 2 * self.D2b - 1
        self.E = self.sb[:, None] * self.D2b  # F_b = diag(E_b) G
        self.Rk_full = self.Rk
        self.xscale = float(np.mean(np.sum(X * X, axis=1)))  # regularisation scale (mean ‖x_j‖²)
        self.rays = self._wedge_rays() if d == 2 else None
        if reduce_rows and self.rays is not None and all(r is not None for r in self.rays):
            self.Rk = self._irredundant_rows_d2()
        self.r1 = self.Rk.shape[1]  # first-layer rows per vector
        self.nu = B * K * (self.r1 + 1) + B * n  # barrier degree: SOCs count 1 each, LP rows 1 each

    # ---- operators ------------------------------------------------------------------------------------
    def h(self, u):  # (…,B,K,d) -> (…,B,n): G u_b
        return u.reshape(*u.shape[:-3], self.B, -1) @ self.Gm.T

    def A(self, u, t):
        sq = np.concatenate([t[..., None], u], axis=-1)
        s1 = np.einsum("bkd,knd->bkn", u, self.Rk, optimize=True)
        s2 = self.S2b * self.h(u)
        return sq, s1, s2

    def AT(self, zq, z1, z2):
        gu = zq[..., 1:] + np.einsum("bkn,knd->bkd", z1, self.Rk, optimize=True)
        gu += ((self.S2b * z2) @ self.Gm).reshape(gu.shape)
        return gu, zq[..., 0].copy()

    def F(self, u):  # (…,B,K,d) -> (…,n)
        return np.sum(self.E * self.h(u), axis=-2)

    def FT(self, w):  # (…,n) -> (…,B,K,d)
        return ((self.E * w[..., None, :]) @ self.Gm).reshape(*w.shape[:-1], self.B, self.K, self.d)

    # ---- objective, network, certificate --------------------------------------------------------------
    def convex_objective(self, u):
        r = self.F(u) - self.y
        return 0.5 * r @ r + self.beta * np.sum(np.linalg.norm(u, axis=-1))

    def network_objective(self, u):
        """§4.3 recovered network: branch b outputs s_b (Σ_k σ_k (X u_bk)_+)_+, penalty β Σ‖u‖."""
        XU = np.maximum(np.einsum("nd,bkd->bkn", self.X, u, optimize=True), 0.0)
        hb = np.maximum(np.einsum("k,bkn->bn", self.sigma, XU), 0.0)
        pred = self.sb @ hb
        r = pred - self.y
        return 0.5 * r @ r + self.beta * np.sum(np.linalg.norm(u, axis=-1)), pred

    def violation(self, u):
        s1 = np.einsum("bkd,knd->bkn", u, self.Rk_full, optimize=True)
        s2 = self.S2b * self.h(u)
        return max(0.0, -float(s1.min()), -float(s2.min()))

    def cleaned_upper_bound(self, u, viol_tol, taus=(1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3)):
        """Best network objective over 'dust-free' copies of u: vectors with ‖u_bk‖ < τ·max‖u‖ are set to 0 (an
        interior-point iterate spreads O(μ) mass over every block, which costs β·Σ‖dust‖ in the objective).  Zero is
        in every first-layer cone; a branch whose second-layer rows would then be violated keeps its vectors.
        Returns (objective, u', violation) of the best copy with violation ≤ viol_tol (or the input itself)."""
        norms = np.linalg.norm(u, axis=-1)
        top = float(norms.max())
        best = None
        base_obj, _ = self.network_objective(u)
        base_viol = self.violation(u)
        if base_viol <= viol_tol:
            best = (base_obj, u, base_viol)
        if top == 0:
            return best
        h0 = self.S2b * self.h(u)
        for tau in taus:
            keep = norms >= tau * top
            uc = u * keep[..., None]
            hc = self.S2b * self.h(uc)
            bad = np.any(hc < np.minimum(h0, 0.0), axis=1)  # branches made (more) infeasible keep their vectors
            uc[bad] = u[bad]
            v = self.violation(uc)
            if v > viol_tol:
                continue
            obj, _ = self.network_objective(uc)
            if best is None or obj < best[0]:
                best = (obj, uc, v)
        return best

    def _wedge_rays(self):
        """d = 2: unit extreme rays (e1, e2) of each first-layer cone {u : R_i u ≥ 0} (None if not a proper wedge)."""
        rays = []
        for i in range(self.P1):
            R = self.Rk[i]
            cand = np.concatenate([np.stack([-R[:, 1], R[:, 0]], 1), np.stack([R[:, 1], -R[:, 0]], 1)])
            cand /= np.linalg.norm(cand, axis=1, keepdims=True)
            feas = cand[np.all(cand @ R.T >= -1e-12 * np.linalg.norm(R, axis=1), axis=1)]
            if len(feas) == 0:
                rays.append(None)
                continue
            m = feas.sum(0)
            if np.linalg.norm(m) < 1e-9:
                rays.append(None)
                continue
            m /= np.linalg.norm(m)
            cross = m[0] * feas[:, 1] - m[1] * feas[:, 0]
            e1, e2 = feas[np.argmin(cross)], feas[np.argmax(cross)]
            if e1[0] * e2[1] - e1[1] * e2[0] <= 0:  # wedge angle ≥ π: not a pointed wedge
                rays.append(None)
                continue
            rays.append((e1, e2))
        return rays

    def _irredundant_rows_d2(self):
        """d = 2: the two facet rows of each wedge {u : R_i u ≥ 0} (unit normals of the rows that vanish on its
        extreme rays), the same cone with 2 rows instead of n."""
        out = np.empty((self.K, 2, 2))
        for i in range(self.P1):
            R = self.Rk_full[i]
            Rn = R / np.linalg.norm(R, axis=1, keepdims=True)
            e1, e2 = self.rays[i]
            rows = []
            for ea, eb in ((e1, e2), (e2, e1)):
                ok = Rn @ eb > 0
                j = np.flatnonzero(ok)[np.argmin(np.abs(Rn[ok] @ ea))]
                rows.append(Rn[j])
            Ri = np.array(rows)
            # same cone: both rays satisfy every original row, and the two rows vanish on the rays
            assert np.all(R @ e1 >= -1e-12 * np.linalg.norm(R, axis=1)) and np.all(R @ e2 >= -1e-12 * np.linalg.norm(R, axis=1))
            out[self.idx == i] = Ri
        return out

    def dual_norm_bound(self, lam, mu, pi):
        """c̄ ≥ max_b max_{u ∈ block b's set, Σ‖u‖ ≤ 1} s_b λᵀ D2_b G u_b, from multipliers μ ≥ 0 (second layer) and,
        where no exact cone projection is available, π ≥ 0 (first layer)."""
        mu = np.maximum(mu, 0.0)
        vb = self.E * lam[None, :] + self.S2b * mu  # (B, n)
        g = (vb @ self.Gm).reshape(self.B, self.K, self.d)  # G_kᵀ v_b
        if self.rays is not None and all(r is not None for r in self.rays):
            val = np.empty((self.B, self.K))
            for k in range(self.K):
                i = self.idx[k]
                e1, e2 = self.rays[i]
                gk = g[:, k, :]
                inside = np.all(gk @ self.Rk_full[i].T >= -1e-14 * np.linalg.norm(gk, axis=1, keepdims=True), axis=1)
                proj = np.maximum(0.0, np.maximum(gk @ e1, gk @ e2))
                val[:, k] = np.where(inside, np.linalg.norm(gk, axis=1), proj)
            return float(val.max())
        a = g + np.einsum("bkn,knd->bkd", np.maximum(pi, 0.0), self.Rk, optimize=True)
        return float(np.linalg.norm(a, axis=-1).max())

    def lower_bound(self, u, mu, pi):
        lam = self.y - self.F(u)
        c = self.dual_norm_bound(lam, mu, pi)
        ll = lam @ lam
        if ll == 0:
            return 0.0, c
        th = min(self.beta / c if c > 0 else np.inf, max(0.0, (self.y @ lam) / ll))
        return th * (self.y @ lam) - 0.5 * th * th * ll, c


# ----------------------------------------------------------------------------------------------------------
# Interior-point method
# ----------------------------------------------------------------------------------------------------------

class NormalSolver:
    """Factorises  H = FᵀF + AᵀW⁻²A  and solves H Δx = r.

    H = blockdiag(C_bk) + Σ_b Ĝ_bᵀ Ω_b Ĝ_b + FᵀF with C_bk = W_bk⁻² + [0 0; 0 R_kᵀΩ1 R_k] ((d+1)×(d+1)).
    1. t_bk is eliminated exactly: with W⁻² = η⁻²(2Jw̄w̄ᵀJ − J) the Schur complement onto u is
       C'_bk = η⁻²(I − ŵŵᵀ) + κ ŵŵᵀ + R_kᵀΩ1R_k,  κ = η⁻²/(2w̄0² − 1)  (a sum of PSD terms: no cancellation),
       kept as a square-root factor (closed form for d = 2, QR otherwise).
    2. Radial shift: for an active neuron κ → 0 (the SOC barrier is flat along the ray (t, u) → (1+ε)(t, u); only the
       loss fixes the magnitude), so C'⁻¹ blows up and the nested eliminations below cancel catastrophically.  The
       m_a blocks with κ < θγ get C̃' = C' + γ ŵŵᵀ, and the shift is removed exactly at the end by a rank-m_a
       Woodbury correction H⁻¹ = H̃⁻¹ + H̃⁻¹E (Γ⁻¹ − EᵀH̃⁻¹E)⁻¹ EᵀH̃⁻¹ (capacitance matrix PD since H ≻ 0).
    3. Per branch (Woodbury on the rank-n second-layer term, written without subtraction):
       N_b = G C̃'⁻¹ Gᵀ,  Ñ_b = S2 N_b S2,  M_b = Ñ_b + Ω2_b⁻¹ (n×n, equilibrated),
       G A_b⁻¹ Gᵀ = S2 Ñ_b M_b⁻¹ Ω2_b⁻¹ S2   (= N − N S2 M⁻¹ S2 N without forming the difference).
    4. Global (Woodbury on the rank-n loss): S = I + Σ_b D2_b (G A_b⁻¹ Gᵀ) D2_b (n×n Cholesky, equilibrated),
       Δx = A⁻¹r − A⁻¹Fᵀ S⁻¹ F A⁻¹ r.
    """

    def __init__(self, prog, eta, wb, om1, om2, reg=0.0, shift=True, shift_threshold=1e-2, max_shift=None):
        p = prog
        B, K, d, n = p.B, p.K, p.d, p.n
        self.p = p
        ie2 = 1.0 / eta ** 2
        w0, w1 = wb[..., 0], wb[..., 1:]
        nw = np.linalg.norm(w1, axis=-1)
        what = w1 / np.where(nw > 0, nw, 1.0)[..., None]
        what[nw == 0, 0] = 1.0  # w̄ = e: C' = η⁻² I, any unit ŵ represents it
        den = 2.0 * w0 * w0 - 1.0
        self.ctt = ie2 * den
        self.ctu = -2.0 * (ie2 * w0)[..., None] * w1
        kappa = ie2 / den
        # radial shift set
        gamma = p.xscale
        if max_shift is None:
            max_shift = B * K
        sel = np.zeros(0, dtype=int)
        if shift:
            cand = np.flatnonzero(kappa.reshape(-1) < shift_threshold * gamma)
            if len(cand) > max_shift:
                cand = cand[np.argsort(kappa.reshape(-1)[cand])[:max_shift]]
            sel = np.sort(cand)
        gshift = np.zeros(B * K)
        gshift[sel] = gamma
        gshift = gshift.reshape(B, K)
        self.sel, self.gamma = sel, gamma
        # square-root factor  C̃' + ρI = V Vᵀ,  V = [√α (I − ŵŵᵀ), √(κ + γ_k) ŵ, R_kᵀ √Ω1, √ρ I]: every term is PSD,
        # and working with V keeps the conditioning of V (√cond C') instead of forming C' and factorising it.
        reg = reg * p.xscale
        rq = np.sqrt(kappa + gshift)[..., None] * what
        RO = np.einsum("krd,bkr->bkdr", p.Rk, np.sqrt(om1))
        if d == 2:
            # closed form: C̃' = [[a, b], [b, c]], det = Σ_{i<j} (V0i V1j − V0j V1i)² (Cauchy–Binet, no cancellation),
            # C̃'⁻¹ = LiᵀLi with Li = [[√(c/det), −b/√(c·det)], [0, 1/√c]].
            perp = np.stack([-what[..., 1], what[..., 0]], axis=-1) * np.sqrt(ie2)[..., None]
            V = np.concatenate([perp[..., :, None], rq[..., :, None], RO,
                                np.broadcast_to(np.sqrt(reg) * np.eye(2), (B, K, 2, 2))], axis=-1)
            v0, v1 = V[..., 0, :], V[..., 1, :]
            a, c, b = np.sum(v0 * v0, -1), np.sum(v1 * v1, -1), np.sum(v0 * v1, -1)
            minors = v0[..., :, None] * v1[..., None, :] - v0[..., None, :] * v1[..., :, None]
            det = 0.5 * np.sum(minors * minors, axis=(-1, -2))
            Li = np.zeros((B, K, 2, 2))
            Li[..., 0, 0] = np.sqrt(c / det)
            Li[..., 0, 1] = -b / np.sqrt(c * det)
            Li[..., 1, 1] = 1.0 / np.sqrt(c)
        else:
            Pp = np.eye(d) - what[..., :, None] * what[..., None, :]
            V = np.concatenate([np.sqrt(ie2)[..., None, None] * Pp, rq[..., :, None], RO,
                                np.broadcast_to(np.sqrt(reg) * np.eye(d), (B, K, d, d))], axis=-1)
            Rr = np.linalg.qr(np.swapaxes(V, -1, -2), mode="r")  # (B,K,d,d) upper, C' = RrᵀRr
            Li = np.swapaxes(np.linalg.inv(Rr), -1, -2)  # Rr⁻ᵀ (lower);  C'⁻¹ = Liᵀ Li
        self.Li = Li
        GY = np.einsum("jkd,bked->bjke", p.Gk, Li, optimize=True).reshape(B, n, K * d)
        N = GY @ GY.transpose(0, 2, 1)
        Nt = p.S2b[:, :, None] * N * p.S2b[:, None, :]
        Dg = 1.0 / om2
        M = Nt + Dg[:, :, None] * np.eye(n)[None]
        # symmetric diagonal equilibration: M's ill-conditioning near the optimum is mostly row scaling
        # (entries ~1/μ and ~μ); the scaled matrix stays well conditioned
        self.Md = np.sqrt(np.einsum("bii->bi", M))
        self.Mh = M / self.Md[:, :, None] / self.Md[:, None, :]
        T = self._msolve(Dg[:, :, None] * np.eye(n)[None])  # M⁻¹ Ω2⁻¹
        Qt = Nt @ T
        Qt = 0.5 * (Qt + Qt.transpose(0, 2, 1))
        Q = p.S2b[:, :, None] * Qt * p.S2b[:, None, :]
        S = np.eye(n) + np.einsum("bj,bjk,bk->jk", p.D2b, Q, p.D2b, optimize=True)
        S = 0.5 * (S + S.T)
        self.Sd = np.sqrt(np.diag(S))
        self.LS = np.linalg.cholesky(S / self.Sd[:, None] / self.Sd[None, :])
        self.eta, self.wb, self.om1, self.om2 = eta, wb, om1, om2
        # capacitance of the radial shift, from n-vectors only (no full-length solves):
        #   a_j = C̃_j⁻¹ŵ_j,  g_j = S2 G_j a_j,  φ_j = F Ã⁻¹ e_j = E_b ⊙ (G_j a_j − N_b S2 M_b⁻¹ g_j),
        #   e_iᵀH̃⁻¹e_j = [same branch] (δ_ij ŵ_i·a_j − g_iᵀM_b⁻¹g_j) − φ_iᵀ S⁻¹ φ_j,
        #   Cap = Γ⁻¹ − EᵀH̃⁻¹E   (m_a × m_a, PD because H ≻ 0).
        m = len(sel)
        self.m_shift = m
        if m:
            bi, ki = np.unravel_index(sel, (B, K))
            self.bi, self.ki = bi, ki
            ws = what[bi, ki]  # (m, d)
            self.wsel = ws
            Lis = Li[bi, ki]  # (m, d, d)
            a = np.einsum("mji,mj->mi", Lis, np.einsum("mij,mj->mi", Lis, ws))
            Ga = np.einsum("jmd,md->mj", p.Gk[:, ki, :], a)  # (m, n): G_j a_j
            g = p.S2b[bi] * Ga
            Mg = self._msolve_sel(bi, g)
            phi = p.E[bi] * (Ga - np.einsum("mjk,mk->mj", N[bi], p.S2b[bi] * Mg))
            same = (bi[:, None] == bi[None, :])
            EtHE = same * (-(g @ Mg.T)) + np.diag(np.sum(ws * a, axis=1))
            EtHE -= phi @ self._ssolve(phi).T
            Cc = np.eye(m) / gamma - 0.5 * (EtHE + EtHE.T)
            cd = np.sqrt(np.abs(np.diag(Cc)))
            self.cap = (np.linalg.cholesky(Cc / cd[:, None] / cd[None, :]), cd)

    def _msolve_sel(self, bi, g):  # M_{b_i}⁻¹ g_i for selected rows (grouped by branch)
        out = np.empty_like(g)
        for b in np.unique(bi):
            rows = np.flatnonzero(bi == b)
            out[rows] = (np.linalg.solve(self.Mh[b], (g[rows] / self.Md[b]).T) / self.Md[b][:, None]).T
        return out

    def _msolve(self, g):  # M_b⁻¹ g, g (…,B,n,m)
        return np.linalg.solve(self.Mh, g / self.Md[:, :, None]) / self.Md[:, :, None]

    def _ssolve(self, f):  # S⁻¹ f, f (…,n)
        f2 = (f / self.Sd).reshape(-1, self.p.n).T
        return (sla.cho_solve((self.LS, True), f2).T.reshape(f.shape)) / self.Sd

    def _cinv(self, r):  # C̃'⁻¹ r, r (…,B,K,d)
        v = np.einsum("bkij,...bkj->...bki", self.Li, r)
        return np.einsum("bkji,...bkj->...bki", self.Li, v)

    def _ainv(self, ru, rt):
        p = self.p
        ru = ru - self.ctu * (rt / self.ctt)[..., None]
        y0 = self._cinv(ru)
        g = p.S2b * p.h(y0)
        c = self._msolve(g[..., None])[..., 0]
        y0 = y0 - self._cinv(((p.S2b * c) @ p.Gm).reshape(y0.shape))
        dt = (rt - np.sum(self.ctu * y0, axis=-1)) / self.ctt
        return y0, dt

    def _solve_tilde(self, ru, rt):  # H̃⁻¹ r (shifted matrix)
        p = self.p
        self.n_tilde = getattr(self, "n_tilde", 0) + 1
        y1u, y1t = self._ainv(ru, rt)
        wv = self._ssolve(p.F(y1u))
        y2u, y2t = self._ainv(p.FT(wv), np.zeros_like(rt))
        return y1u - y2u, y1t - y2t

    def _solve_once(self, ru, rt):  # H⁻¹ r = H̃⁻¹ (r + E c),  c = Cap⁻¹ EᵀH̃⁻¹ r
        xu, xt = self._solve_tilde(ru, rt)
        if self.m_shift:
            e = np.sum(xu[self.bi, self.ki] * self.wsel, axis=-1)
            L, cd = self.cap
            c = sla.cho_solve((L, True), e / cd) / cd
            Ec = np.zeros_like(ru)
            np.add.at(Ec, (self.bi, self.ki), c[:, None] * self.wsel)
            yu, yt = self._solve_tilde(Ec, np.zeros_like(rt))
            xu, xt = xu + yu, xt + yt
        return xu, xt

    def apply(self, du, dt):
        p = self.p
        self.n_apply = getattr(self, "n_apply", 0) + 1
        sq, s1, s2 = p.A(du, dt)
        zq = nt_inv_sq_apply(self.eta, self.wb, sq)
        gu, gt = p.AT(zq, self.om1 * s1, self.om2 * s2)
        gu += p.FT(p.F(du))
        return gu, gt

    def solve(self, ru, rt, refine=3, rtol=1e-14):
        """Solve with the factorisation (exact up to rounding with the radial shift; H + ρI if a regularisation ρ is
        set), then at most `refine` steps of iterative refinement against the exact operator H, only while the
        relative residual exceeds rtol (a correction that does not reduce it is discarded).  (Preconditioned CG with
        the same factorisation was tried with ρ > 0 and was less robust near the optimum: PARALLEL_SOLVER.md §7.)"""
        du, dt = self._solve_once(ru, rt)
        scale = max(float(np.abs(ru).max()), float(np.abs(rt).max()), 1e-300)
        au, at = self.apply(du, dt)
        eu, et = ru - au, rt - at
        res = max(float(np.abs(eu).max()), float(np.abs(et).max())) / scale
        self.solves = 1
        for _ in range(refine):
            if res <= rtol:
                break
            cu, ct = self._solve_once(eu, et)
            self.solves += 1
            au, at = self.apply(du + cu, dt + ct)
            eu2, et2 = ru - au, rt - at
            res2 = max(float(np.abs(eu2).max()), float(np.abs(et2).max())) / scale
            if not res2 < res:
                break
            du, dt, eu, et, res = du + cu, dt + ct, eu2, et2, res2
        self.last_residual = res
        return du, dt


def ipm(prog, tol=1e-6, max_iter=100, verbose=False, refine=1, reg=0.0, init="unit", viol_tol=1e-9, cleanup=True,
        shift=True, ir_tol=1e-11, step_fraction=0.99, stop_on_certificate=True):
    """Mehrotra predictor–corrector with NT scaling on the structured program; stops when the certified relative gap
    (UB − LB)/|UB| ≤ tol.  Returns the best point and bounds seen (UB only from points with violation ≤ viol_tol)."""
    p = prog
    B, K, d, n = p.B, p.K, p.d, p.n
    t0 = time.perf_counter()
    q_t = p.beta * np.ones((B, K))
    Fty = p.FT(p.y)
    # start: u = 0, t = s0, s = s0·e, z = z0·e  (init = (s0, z0); (1, 1) by default; a CVXOPT-style least-squares
    # start and other scalings were tried and were no better)
    s0, z0 = (1.0, 1.0) if init == "unit" else init
    u = np.zeros((B, K, d))
    t = s0 * np.ones((B, K))
    sq = np.zeros((B, K, d + 1))
    sq[..., 0] = s0
    zq = np.zeros((B, K, d + 1))
    zq[..., 0] = z0
    s1 = s0 * np.ones((B, K, p.r1))
    z1 = z0 * np.ones((B, K, p.r1))
    s2 = s0 * np.ones((B, n))
    z2 = z0 * np.ones((B, n))
    hist = []
    best = {"ub": np.inf, "lb": -np.inf, "u": u.copy(), "viol": np.inf}
    small_steps = 0
    status = "max_iter"
    for it in range(max_iter + 1):
        # residuals
        Aq, A1, A2 = p.A(u, t)
        rpq, rp1, rp2 = Aq - sq, A1 - s1, A2 - s2
        gu, gt = p.AT(zq, z1, z2)
        rdu = p.FT(p.F(u)) - Fty - gu
        rdt = q_t - gt
        gap_sz = float(np.sum(sq * zq) + np.sum(s1 * z1) + np.sum(s2 * z2))
        mu = gap_sz / p.nu
        # certificate
        ub, _ = p.network_objective(u)
        lb, cbar = p.lower_bound(u, z2, z1)
        viol = p.violation(u)
        cand = p.cleaned_upper_bound(u, viol_tol) if cleanup else (
            (ub, u, viol) if viol <= viol_tol else None)
        if cand is not None and cand[0] < best["ub"]:  # an upper bound only from a point of the program
            best.update(ub=cand[0], u=cand[1].copy(), viol=cand[2])
            if cleanup:  # the dust-free point's residual may give a better dual point too
                lb2, _ = p.lower_bound(cand[1], z2, z1)
                lb = max(lb, lb2)
        if lb > best["lb"]:
            best["lb"] = lb
        rel = (best["ub"] - best["lb"]) / max(abs(best["ub"]), 1e-300)
        pres = max(float(np.abs(rpq).max()), float(np.abs(rp1).max()), float(np.abs(rp2).max()))
        dres = max(float(np.abs(rdu).max()), float(np.abs(rdt).max()))
        hist.append(dict(it=it, ub=ub, lb=lb, rel=rel, mu=mu, pres=pres, dres=dres, c=cbar,
                         viol=viol, t=time.perf_counter() - t0))
        if verbose:
            print(f"{it:3d} ub {ub:.10f} lb {lb:.10f} rel {rel:9.2e} mu {mu:9.2e} pres {pres:8.1e} "
                  f"dres {dres:8.1e} c/β {cbar / p.beta:.8f}")
        if stop_on_certificate and rel <= tol:
            status = "certified"
            break
        if it == max_iter:
            break
        # scaling
        with np.errstate(all="ignore"):
            eta, wb = nt_soc(sq, zq)
        if not (np.all(np.isfinite(eta)) and np.all(np.isfinite(wb))):
            status = "stalled"  # the iterate left the interior numerically: keep the best certificate
            break
        lamq = nt_apply(eta, wb, zq)
        d1, d2 = np.sqrt(s1 / z1), np.sqrt(s2 / z2)  # LP scalings W
        lam1, lam2 = np.sqrt(s1 * z1), np.sqrt(s2 * z2)
        ns = None
        for rg in (reg, 1e-8, 1e-6, 1e-4):  # escalate the regularisation if a factorisation breaks down
            if rg < reg:
                continue
            try:
                ns = NormalSolver(p, eta, wb, z1 / s1, z2 / s2, reg=rg, shift=shift)
                break
            except (np.linalg.LinAlgError, ValueError):
                continue
        if ns is None:
            status = "factorisation_failed"
            break

        def direction(rcq, rc1, rc2):
            xq = soc_div(lamq, rcq)
            x1, x2 = rc1 / lam1, rc2 / lam2
            # rhs = −r_d + Aᵀ(W⁻²(−r_p) + W⁻¹ξ)
            vq = -nt_inv_sq_apply(eta, wb, rpq) + nt_apply(eta, wb, xq, inverse=True)
            v1 = -(z1 / s1) * rp1 + x1 / d1
            v2 = -(z2 / s2) * rp2 + x2 / d2
            au, at = p.AT(vq, v1, v2)
            du, dt = ns.solve(-rdu + au, -rdt + at, refine=refine, rtol=ir_tol)
            Aq_, A1_, A2_ = p.A(du, dt)
            # Δz = W⁻²(−r_p − AΔx + Wξ) ; Δs = W(ξ − WΔz)
            dzq = nt_inv_sq_apply(eta, wb, -rpq - Aq_) + nt_apply(eta, wb, xq, inverse=True)
            dz1 = (z1 / s1) * (-rp1 - A1_) + x1 / d1
            dz2 = (z2 / s2) * (-rp2 - A2_) + x2 / d2
            dsq = nt_apply(eta, wb, xq - nt_apply(eta, wb, dzq))
            ds1 = d1 * (x1 - d1 * dz1)
            ds2 = d2 * (x2 - d2 * dz2)
            return du, dt, (dsq, ds1, ds2), (dzq, dz1, dz2)

        def max_step(ds, dz):
            a = np.inf
            a = min(a, float(soc_step(sq, ds[0]).min()), float(soc_step(zq, dz[0]).min()))
            for s_, ds_ in ((s1, ds[1]), (s2, ds[2]), (z1, dz[1]), (z2, dz[2])):
                neg = ds_ < 0
                if np.any(neg):
                    a = min(a, float(np.min(-s_[neg] / ds_[neg])))
            return a

        # predictor
        du_a, dt_a, ds_a, dz_a = direction(-soc_prod(lamq, lamq), -lam1 * lam1, -lam2 * lam2)
        nsolves = ns.solves
        a_aff = min(1.0, max_step(ds_a, dz_a))
        gap_aff = (np.sum((sq + a_aff * ds_a[0]) * (zq + a_aff * dz_a[0]))
                   + np.sum((s1 + a_aff * ds_a[1]) * (z1 + a_aff * dz_a[1]))
                   + np.sum((s2 + a_aff * ds_a[2]) * (z2 + a_aff * dz_a[2])))
        sigma = min(1.0, max(0.0, gap_aff / gap_sz)) ** 3
        # corrector
        eq = np.zeros_like(lamq)
        eq[..., 0] = 1.0
        corq = soc_prod(nt_apply(eta, wb, ds_a[0], inverse=True), nt_apply(eta, wb, dz_a[0]))
        cor1 = (ds_a[1] / d1) * (dz_a[1] * d1)
        cor2 = (ds_a[2] / d2) * (dz_a[2] * d2)
        du, dt, ds, dz = direction(-soc_prod(lamq, lamq) + sigma * mu * eq - corq,
                                   -lam1 * lam1 + sigma * mu - cor1,
                                   -lam2 * lam2 + sigma * mu - cor2)
        alpha = min(1.0, step_fraction * max_step(ds, dz))
        u = u + alpha * du
        t = t + alpha * dt
        sq, s1, s2 = sq + alpha * ds[0], s1 + alpha * ds[1], s2 + alpha * ds[2]
        zq, z1, z2 = zq + alpha * dz[0], z1 + alpha * dz[1], z2 + alpha * dz[2]
        hist[-1].update(alpha=alpha, sigma=sigma, kkt_residual=ns.last_residual, solves=nsolves + ns.solves,
                        tilde=ns.n_tilde, applies=ns.n_apply, m_shift=ns.m_shift)
        small_steps = small_steps + 1 if alpha < 1e-4 else 0
        if small_steps >= 3 or not np.isfinite(alpha):
            status = "stalled"
            break
        if verbose:
            print(f"      step α {alpha:.3f} σ {sigma:.2e} newton residual {ns.last_residual:.1e}")
    seconds = time.perf_counter() - t0
    ub_u = best["u"]
    return dict(u=ub_u, status=status, iterations=len(hist) - 1, seconds=seconds, ub=best["ub"], lb=best["lb"],
                rel=(best["ub"] - best["lb"]) / abs(best["ub"]), history=hist,
                convex_objective=p.convex_objective(ub_u), violation=p.violation(ub_u),
                solves=sum(h.get("solves", 0) for h in hist), last=dict(u=u, z1=z1, z2=z2))


# ----------------------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------------------

CASES = {  # name: (n, sampled P2 or None)
    "n4-p2all": (4, None), "n5-p2all": (5, None), "n6-p2all": (6, None), "n8-p2s32": (8, 32),
    "n8-p2s128": (8, 128), "n12-p2s32": (12, 32), "n16-p2s32": (16, 32), "n16-p2s128": (16, 128),
    "n20-p2s32": (20, 32), "n20-p2s128": (20, 128), "n24-p2s128": (24, 128), "n32-p2s128": (32, 128),
}


def load_case(name, bench_dir):
    n, p2 = CASES[name]
    X, y, beta, D1, D2 = bench_instance(n, p2)
    check = "regenerated"
    d = os.path.join(bench_dir, name)
    if os.path.isfile(os.path.join(d, "X.npy")):
        Xs, ys = np.load(os.path.join(d, "X.npy")), np.load(os.path.join(d, "y.npy")).reshape(-1)
        D1s, D2s = np.load(os.path.join(d, "D1.npy")), np.load(os.path.join(d, "D2.npy"))
        ok = (np.array_equal(Xs, X) and np.array_equal(ys, y) and same_columns(D1s, D1) and same_columns(D2s, D2))
        check = "== " + d if ok else "MISMATCH with " + d
        if not ok:
            X, y, D1, D2 = Xs, ys, D1s, D2s  # the Swift bench's instance wins
    return X, y, beta, D1, D2, check


def clarabel_reference(X, y, beta, D1, D2):
    import reference_parallel as RP

    t0 = time.perf_counter()
    out = RP.solve_parallel(X, y, beta, D1, D2)
    wall = time.perf_counter() - t0
    solve = sum(a.get("seconds") or 0.0 for a in out["attempts"])
    return dict(objective=out["objective"], status=out["status"], tol=out["tolerance"], wall=wall,
                solve=solve, iterations=out["iterations"], rungs=len(out["attempts"]))


def clarabel_single(X, y, beta, D1, D2, tol=1e-8):
    """One cvxpy + Clarabel solve of the benchmark's formulation (bench/reference_parallel.solve_parallel's model,
    all n first-layer rows per vector) at `tol`, no tolerance ladder: wall time and Clarabel's own solve time."""
    import reference_parallel as RP

    t0 = time.perf_counter()
    out = RP.solve_parallel(X, y, beta, D1, D2, tolerance=tol)
    wall = time.perf_counter() - t0
    return dict(status=out["status"], wall=wall, solve=out["attempts"][-1]["seconds"],
                iterations=out["iterations"], value=out["solver_objective"])


def clarabel_reduced(prog, tol=1e-8):
    """Clarabel (its own API, no cvxpy) on the *same reduced program the IPM solves*: 2 facet rows per
    first-layer cone (d = 2), the loss through r = Fu − y.  Separates the gain of the row reduction from the gain of
    the structured linear algebra.  Variables (u, t, r); Ax + s = b with
    [F 0 −I](=y, zero cone), −R_k u_bk ≥ 0, −S2_b G u_b ≥ 0, (t_bk, u_bk) ∈ SOC."""
    import clarabel
    import scipy.sparse as sp

    p = prog
    t0 = time.perf_counter()
    B, K, d, n, r1 = p.B, p.K, p.d, p.n, p.r1
    Nu, Nt = B * K * d, B * K
    ucol = np.arange(Nu).reshape(B, K, d)
    # F: row j, column (b,k,dd) = E[b,j] G[j,k,dd]
    valF = p.E[:, :, None, None] * np.transpose(p.Gk, (0, 1, 2))[None]  # (B,n,K,d)
    rowsF = np.broadcast_to(np.arange(n)[None, :, None, None], valF.shape)
    colsF = np.broadcast_to(ucol[:, None, :, :], valF.shape)
    F = sp.csc_matrix((valF.ravel(), (rowsF.ravel(), colsF.ravel())), shape=(n, Nu))
    Z = sp.hstack([F, sp.csc_matrix((n, Nt)), -sp.identity(n, format="csc")])
    # first-layer rows: −R_k u_bk
    valR = -np.broadcast_to(p.Rk[None], (B, K, r1, d))
    rowsR = np.broadcast_to(np.arange(B * K * r1).reshape(B, K, r1)[..., None], valR.shape)
    colsR = np.broadcast_to(ucol[:, :, None, :], valR.shape)
    A1 = sp.csc_matrix((valR.ravel(), (rowsR.ravel(), colsR.ravel())), shape=(B * K * r1, Nu + Nt + n))
    # second-layer rows: −S2_b G u_b
    val2 = -p.S2b[:, :, None, None] * p.Gk[None]  # (B,n,K,d)
    rows2 = np.broadcast_to(np.arange(B * n).reshape(B, n)[:, :, None, None], val2.shape)
    cols2 = np.broadcast_to(ucol[:, None, :, :], val2.shape)
    A2 = sp.csc_matrix((val2.ravel(), (rows2.ravel(), cols2.ravel())), shape=(B * n, Nu + Nt + n))
    # SOC: −(t_bk, u_bk)
    rq = np.arange(B * K * (d + 1)).reshape(B, K, d + 1)
    rows_q = np.concatenate([rq[..., 0].ravel(), rq[..., 1:].ravel()])
    cols_q = np.concatenate([Nu + np.arange(Nt), ucol.ravel()])
    Aq = sp.csc_matrix((-np.ones(len(rows_q)), (rows_q, cols_q)), shape=(B * K * (d + 1), Nu + Nt + n))
    A = sp.vstack([Z, A1, A2, Aq]).tocsc()
    b = np.concatenate([p.y, np.zeros(A.shape[0] - n)])
    P = sp.diags(np.concatenate([np.zeros(Nu + Nt), np.ones(n)])).tocsc()
    q = np.concatenate([np.zeros(Nu), p.beta * np.ones(Nt), np.zeros(n)])
    cones = [clarabel.ZeroConeT(n), clarabel.NonnegativeConeT(B * K * r1 + B * n)] + \
        [clarabel.SecondOrderConeT(d + 1)] * (B * K)
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.tol_gap_abs = st.tol_gap_rel = st.tol_feas = tol
    st.max_iter = 500
    built = time.perf_counter() - t0
    solver = clarabel.DefaultSolver(P, q, A, b, cones, st)
    sol = solver.solve()
    wall = time.perf_counter() - t0
    u = np.array(sol.x[:Nu]).reshape(B, K, d)
    return dict(status=str(sol.status), wall=wall, build=built, solve=sol.solve_time, iterations=sol.iterations,
                objective=p.convex_objective(u), value=sol.obj_val)


def flops_per_iteration(n, d, P1, P2, r1=2, tilde=4.0, applies=2.0, m_shift=0.0):
    """Flops of one IPM iteration as implemented (dense kernels; the 0/1 structure of D1, D2 not exploited):
      factorisation  B·(2nKd² + 2n²Kd + 4.33n³ + 2n²) + n³/3 + m_a·(4n² + 2m_a n)
        (G·Li, N_b = GY GYᵀ, M_b Cholesky + M⁻¹Ω2⁻¹ + Ñ·T, S; capacitance of the radial shift);
      one shifted solve H̃⁻¹r  ≈ B·(12nKd + 4n² + 16Kd²)   (G or Gᵀ on all branches = a (B × Kd)·(Kd × n) GEMM);
      one operator application (refinement residual)  ≈ B·(8nKd + 4Kr₁d + 20K);
      right-hand sides, residuals, certificate  ≈ B·20nKd.
    `tilde` and `applies` per iteration are measured (2 directions × (1 + 1 if m_a > 0) × (1 + refinement))."""
    B, K = 2 * P2, 2 * P1
    fact = B * (2 * n * K * d * d + 2 * n * n * K * d + 4.33 * n ** 3 + 2 * n * n) + n ** 3 / 3 \
        + m_shift * (4 * n * n + 2 * m_shift * n)
    solve = B * (12 * n * K * d + 4 * n * n + 16 * K * d * d)
    app = B * (8 * n * K * d + 4 * K * r1 * d + 20 * K)
    misc = B * 20 * n * K * d
    return fact + tilde * solve + applies * app + misc, fact, solve


def kernel_estimate(n, d, P1, P2, iterations, tilde, applies, reps=7):
    """Per-iteration time of a compiled implementation, from the kernels it would call, timed here with numpy on
    single-threaded OpenBLAS (best of `reps`):
      N_b for all branches as d(d+1)/2 GEMMs (B × K)·(K × n²) (Khatri–Rao form of Σ_k G_k C_bk⁻¹ G_kᵀ);
      the B small n×n factorisations (Cholesky + solve with n right-hand sides + one n×n product, batched LAPACK);
      G / Gᵀ applied to all branches, (B × Kd)·(Kd × n) GEMMs: 6 per shifted solve, 4 per application, 20 fixed;
      elementwise passes over B·K·(d+1) doubles: ~140 per iteration + 10 per solve or application
      (certificate and dust clean-up included: +12 G-applications, +40 passes).
    Returns (seconds per iteration, seconds total, dict of kernel times)."""
    B, K = 2 * P2, 2 * P1
    Kd = K * d
    rng = np.random.default_rng(0)

    def best(f):
        f()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        return min(ts)

    Pm = rng.random((B, K))
    Z = rng.random((K, n * n))
    t_N = best(lambda: Pm @ Z) * (d * (d + 1) // 2)
    Mb = rng.random((B, n, n))
    Mb = Mb @ Mb.transpose(0, 2, 1) + n * np.eye(n)
    t_M = best(lambda: (np.linalg.cholesky(Mb), np.linalg.solve(Mb, Mb), Mb @ Mb))
    U = rng.random((B, Kd))
    Gm = rng.random((n, Kd))
    C = rng.random((B, n))
    t_G = 0.5 * (best(lambda: U @ Gm.T) + best(lambda: C @ Gm))
    x = rng.random(B * K * (d + 1))
    y = rng.random(B * K * (d + 1))
    out = np.empty_like(x)
    t_pass = best(lambda: np.multiply(x, y, out=out))
    # + certificate and dust clean-up: ~12 G-applications and ~40 passes
    per_it = t_N + t_M + (6 * tilde + 4 * applies + 20) * t_G + (140 + 10 * (tilde + applies)) * t_pass
    return per_it, per_it * iterations, dict(N=t_N, M=t_M, G=t_G, pass_=t_pass)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="*", default=None, help=f"subset of {list(CASES)}")
    ap.add_argument("--bench-dir", default=".build/bench-parallel")
    ap.add_argument("--x"), ap.add_argument("--y"), ap.add_argument("--d1"), ap.add_argument("--d2")
    ap.add_argument("--beta", type=float)
    ap.add_argument("--fixture", nargs="*", help="Tests/.../parallel-relu/<case> directories (X.npy, y.npy, "
                    "expected.json): D1 = the 2n cells (d = 2), D2 = all 2^n; compared with expected.json")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--no-clarabel", action="store_true")
    ap.add_argument("--clarabel-max-blocks", type=int, default=40000,
                    help="skip the cvxpy + Clarabel references when 4·P1·P2 exceeds this")
    ap.add_argument("--repeat", type=int, default=3, help="IPM timing: best of this many runs")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--json", help="write the results to this file")
    a = ap.parse_args(argv)

    runs = []
    if a.fixture:
        for fx in a.fixture:
            X, y = np.load(os.path.join(fx, "X.npy")), np.load(os.path.join(fx, "y.npy")).reshape(-1)
            with open(os.path.join(fx, "expected.json")) as fh:
                exp = json.load(fh)
            D1 = cells_d2(X)
            assert D1.shape[1] == exp["p1"], (D1.shape, exp["p1"])
            n = X.shape[0]
            D2 = np.array([[(l >> j) & 1 for l in range(1 << n)] for j in range(n)], float)
            prog = ParallelProgram(X, y, exp["beta"], D1, D2)
            r = ipm(prog, tol=a.tol)
            print(f"{os.path.basename(fx):10s} it {r['iterations']:3d}  UB {r['ub']:.12f}  LB {r['lb']:.12f}  "
                  f"expected {exp['objective']:.12f} (± {exp['tolerance']:.0e})  "
                  f"UB−p* {(r['ub'] - exp['objective']) / exp['objective']:+.1e}  "
                  f"p*−LB {(exp['objective'] - r['lb']) / exp['objective']:+.1e}  {r['status']}")
        return 0
    if a.x:
        X, y = np.load(a.x), np.load(a.y).reshape(-1)
        runs.append(("custom", X, y, a.beta, np.load(a.d1), np.load(a.d2), "files"))
    else:
        for nm in a.cases or list(CASES):
            runs.append((nm, *load_case(nm, a.bench_dir)))
    rows = []
    if not a.no_clarabel:  # pay cvxpy's import and first-compile cost outside the timings
        X0, y0, b0, D10, D20 = bench_instance(4, None)
        clarabel_single(X0, y0, b0, D10, D20)
        clarabel_reduced(ParallelProgram(X0, y0, b0, D10, D20))
    print(f"{'case':11s} {'P1':>3s} {'P2':>4s} {'blocks':>6s} {'it':>3s} {'ipm s':>7s} {'est s':>7s} {'objective':>14s} "
          f"{'rel.gap':>8s} {'viol':>7s} {'Mflop/it':>8s} | {'cvx ladder':>10s} {'cvx@1e-8':>8s} {'(solve)':>8s} {'it':>3s} "
          f"{'red.@1e-8':>9s} {'it':>3s} | {'Δobj/obj':>8s}")
    for name, X, y, beta, D1, D2, check in runs:
        prog = ParallelProgram(X, y, beta, D1, D2)
        best = None
        for _ in range(max(1, a.repeat)):
            r = ipm(prog, tol=a.tol, verbose=a.verbose and best is None)
            if best is None or r["seconds"] < best["seconds"]:
                best = r
        r = best
        its = max(1, r["iterations"])
        tilde = sum(h.get("tilde", 0) for h in r["history"]) / its
        applies = sum(h.get("applies", 0) for h in r["history"]) / its
        m_shift = sum(h.get("m_shift", 0) for h in r["history"]) / its
        fl, fact, solve = flops_per_iteration(prog.n, prog.d, prog.P1, prog.P2, prog.r1, tilde, applies, m_shift)
        est_it, est_total, kern = kernel_estimate(prog.n, prog.d, prog.P1, prog.P2, r["iterations"], tilde, applies)
        row = dict(case=name, n=prog.n, d=prog.d, P1=prog.P1, P2=prog.P2, blocks=4 * prog.P1 * prog.P2,
                   iterations=r["iterations"], seconds=r["seconds"], status=r["status"], ub=r["ub"], lb=r["lb"],
                   rel_gap=r["rel"], convex_objective=r["convex_objective"], violation=r["violation"],
                   tilde_solves_per_iter=tilde, applies_per_iter=applies, mean_shifted_blocks=m_shift,
                   mflop_per_iter=fl / 1e6, mflop_factor=fact / 1e6, mflop_solve=solve / 1e6,
                   compiled_estimate_per_iter=est_it, compiled_estimate=est_total, kernel_times=kern, instance=check)
        if not a.no_clarabel and 4 * prog.P1 * prog.P2 <= a.clarabel_max_blocks:
            c = clarabel_reference(X, y, beta, D1, D2)
            c1 = clarabel_single(X, y, beta, D1, D2)
            c2 = clarabel_reduced(prog)
            row.update(clarabel_wall=c["wall"], clarabel_solve=c["solve"], clarabel_objective=c["objective"],
                       clarabel_status=c["status"], clarabel_tol=c["tol"], clarabel_iterations=c["iterations"],
                       clarabel8_wall=c1["wall"], clarabel8_solve=c1["solve"], clarabel8_iterations=c1["iterations"],
                       clarabel_reduced_wall=c2["wall"], clarabel_reduced_solve=c2["solve"],
                       clarabel_reduced_iterations=c2["iterations"], clarabel_reduced_objective=c2["objective"],
                       rel_diff=abs(r["ub"] - c["objective"]) / abs(c["objective"]),
                       lb_below_clarabel=bool(r["lb"] <= c["objective"] * (1 + 1e-9)))
        rows.append(row)
        f = lambda k, fmt: (format(row[k], fmt) if row.get(k) is not None else "-")  # noqa: E731
        print(f"{name:11s} {prog.P1:3d} {prog.P2:4d} {row['blocks']:6d} {r['iterations']:3d} {r['seconds']:7.3f} "
              f"{est_total:7.3f} {r['ub']:14.10f} {r['rel']:8.1e} {r['violation']:7.0e} {row['mflop_per_iter']:8.1f} | "
              f"{f('clarabel_wall', '10.3f')} {f('clarabel8_wall', '8.3f')} {f('clarabel8_solve', '8.3f')} "
              f"{f('clarabel8_iterations', '3d')} {f('clarabel_reduced_solve', '9.3f')} "
              f"{f('clarabel_reduced_iterations', '3d')} | {f('rel_diff', '8.1e')}  {r['status']} [{check}]")
        sys.stdout.flush()
        if a.json:
            with open(a.json, "w") as fh:
                json.dump(rows, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
