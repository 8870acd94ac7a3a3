"""Protein backbone geometry for the synthetic demo: NeRF placement, ideal helices, coil growth, folds.

Everything is built from internal coordinates with standard (Engh & Huber-like) geometry, so bond
lengths and angles are exact by construction; only torsions are chosen. Functions are vectorised
over a leading "candidate" axis so that loop/coil searches try many torsion sets at once.

Atoms per residue: N, CA, C, O, CB (CB omitted for glycine when the chain is exported).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Standard geometry (Angstrom / degrees)
B_N_CA, B_CA_C, B_C_N, B_C_O, B_CA_CB = 1.458, 1.525, 1.329, 1.231, 1.53
A_N_CA_C, A_CA_C_N, A_C_N_CA = 111.2, 116.2, 121.7
A_CA_C_O, A_N_CA_CB, T_C_N_CA_CB = 120.5, 110.5, -122.6
OMEGA = 180.0
HELIX_PHI, HELIX_PSI = -57.0, -47.0

ATOM_NAMES = ("N", "CA", "C", "O", "CB")
N_, CA_, C_, O_, CB_ = range(5)

#: minimum distance (A) between non-local heavy atoms accepted while building
CLASH = 3.0


def place(a, b, c, bond: float, angle_deg, torsion_deg):
    """NeRF: position of D given A, B, C with |CD| = bond, angle BCD, torsion ABCD.

    ``a, b, c`` broadcast as (..., 3); ``angle_deg``/``torsion_deg`` broadcast over the leading axes.
    """
    a, b, c = np.asarray(a, float), np.asarray(b, float), np.asarray(c, float)
    ang = np.radians(angle_deg)
    tor = np.radians(torsion_deg)
    bc = c - b
    bc = bc / np.linalg.norm(bc, axis=-1, keepdims=True)
    ab = b - a
    n = np.cross(ab, bc)
    n = n / np.linalg.norm(n, axis=-1, keepdims=True)
    m = np.cross(n, bc)
    d2x = -bond * np.cos(ang)
    d2y = bond * np.sin(ang) * np.cos(tor)
    d2z = bond * np.sin(ang) * np.sin(tor)
    return (c + np.asarray(d2x)[..., None] * bc + np.asarray(d2y)[..., None] * m
            + np.asarray(d2z)[..., None] * n)


def dihedral(a, b, c, d) -> float:
    b0, b1, b2 = a - b, c - b, d - c
    b1 = b1 / np.linalg.norm(b1)
    v = b0 - np.dot(b0, b1) * b1
    w = b2 - np.dot(b2, b1) * b1
    return float(np.degrees(np.arctan2(np.dot(np.cross(b1, v), w), np.dot(v, w))))


def add_o_cb(bb: np.ndarray, psi_last: float = 140.0) -> np.ndarray:
    """(n, 3, 3) N/CA/C -> (n, 5, 3) N/CA/C/O/CB with O in the peptide plane and ideal CB."""
    n = bb.shape[0]
    out = np.zeros((n, 5, 3))
    out[:, :3] = bb
    N, CA, C = bb[:, 0], bb[:, 1], bb[:, 2]
    if n > 1:
        out[:-1, O_] = place(N[1:], CA[:-1], C[:-1], B_C_O, A_CA_C_O, 180.0)
    out[-1, O_] = place(N[-1], CA[-1], C[-1], B_C_O, A_CA_C_O, psi_last + 180.0)
    out[:, CB_] = place(C, N, CA, B_CA_CB, A_N_CA_CB, T_C_N_CA_CB)
    return out


def build_backbone(phi, psi, start: np.ndarray | None = None) -> np.ndarray:
    """Chain of len(phi) residues from torsions, (n, 5, 3). ``start``: optional N/CA/C of residue 0."""
    n = len(phi)
    bb = np.zeros((n, 3, 3))
    if start is None:
        bb[0, 0] = (0.0, 0.0, 0.0)
        bb[0, 1] = (B_N_CA, 0.0, 0.0)
        ang = np.radians(180.0 - A_N_CA_C)
        bb[0, 2] = bb[0, 1] + B_CA_C * np.array([np.cos(ang), np.sin(ang), 0.0])
    else:
        bb[0] = start
    for i in range(1, n):
        bb[i, 0] = place(bb[i - 1, 0], bb[i - 1, 1], bb[i - 1, 2], B_C_N, A_CA_C_N, psi[i - 1])
        bb[i, 1] = place(bb[i - 1, 1], bb[i - 1, 2], bb[i, 0], B_N_CA, A_C_N_CA, OMEGA)
        bb[i, 2] = place(bb[i - 1, 2], bb[i, 0], bb[i, 1], B_CA_C, A_N_CA_C, phi[i])
    return add_o_cb(bb, psi[-1])


def helix(n: int) -> np.ndarray:
    return build_backbone(np.full(n, HELIX_PHI), np.full(n, HELIX_PSI))


# --------------------------------------------------------------------------- coil sampling

def sample_coil(rng: np.random.Generator, size) -> tuple[np.ndarray, np.ndarray]:
    """phi/psi from the coil / PPII / beta region, with some alpha-R turns."""
    phi = np.clip(rng.normal(-75.0, 18.0, size), -160.0, -50.0)
    alpha = rng.random(size) < 0.2
    psi = np.where(alpha, rng.normal(-40.0, 12.0, size), rng.normal(140.0, 18.0, size))
    return phi, psi


def sample_loop(rng: np.random.Generator, size) -> tuple[np.ndarray, np.ndarray]:
    """Loop torsions: beta/PPII, alpha-R and some alpha-L (glycine-like) conformations."""
    u = rng.random(size)
    phi = np.where(u < 0.5, rng.normal(-90.0, 25.0, size),
                   np.where(u < 0.8, rng.normal(-65.0, 12.0, size), rng.normal(60.0, 10.0, size)))
    psi = np.where(u < 0.5, rng.normal(135.0, 20.0, size),
                   np.where(u < 0.8, rng.normal(-40.0, 12.0, size), rng.normal(40.0, 12.0, size)))
    return phi, psi


CODE5 = np.array([1, 0, 0, 2, 0])  # N, CA, C, O, CB: 1 = N, 2 = O, 0 = carbon
CODE4 = np.array([1, 0, 0, 0])     # N, CA, C, CB
CODE3 = np.array([1, 0, 0])        # N, CA, C
HBOND = 2.85  # accepted N...O distance (backbone hydrogen bonds)


def _min_dist(new: np.ndarray, fixed: np.ndarray, new_codes=None, fixed_codes=None) -> np.ndarray:
    """Clearance: new (K, m, 3) vs fixed (M, 3) -> (K,) min over pairs of distance - threshold + CLASH.

    The threshold is CLASH for every pair except N...O pairs (HBOND), so the result can be compared
    with CLASH directly. Without codes every pair uses CLASH.
    """
    if fixed.shape[0] == 0:
        return np.full(new.shape[0], np.inf)
    d = np.sqrt(((new[:, :, None, :] - fixed[None, None, :, :]) ** 2).sum(-1))
    if new_codes is not None and fixed_codes is not None:
        nc = np.asarray(new_codes)[:, None]
        fc = np.asarray(fixed_codes)[None, :]
        hb = ((nc == 1) & (fc == 2)) | ((nc == 2) & (fc == 1))
        d = d + np.where(hb, CLASH - HBOND, 0.0)[None]
    return d.min(axis=(1, 2))


def grow(anchor: np.ndarray, n: int, direction: int, obstacles: np.ndarray, obstacle_codes: np.ndarray,
         rng: np.random.Generator,
         away_from: np.ndarray | None = None, k: int = 16, away_cap: float = 12.0,
         own_first: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grow ``n`` coil residues from an anchor residue (its N/CA/C, shape (3, 3)).

    direction=+1 grows C-terminally (new residues after the anchor), -1 N-terminally (before it).
    Each step tries ``k`` torsion sets, drops those whose new N/CA/C/CB come closer than CLASH to the
    obstacles or to the already grown residues (except the neighbouring residue), and keeps the one
    whose CA is farthest (capped at ``away_cap``) from ``away_from`` points, with a random tie-break.

    Returns (bb (n, 3, 3) in chain order, phi (n,), psi (n,)) plus the torsion of the anchor that
    was chosen (psi of the anchor when growing forward, phi when growing backward) as the last
    element of a third array. Raises RuntimeError when stuck.
    """
    out = np.zeros((n, 3, 3))
    tors_a = np.zeros(n)  # forward: phi of the new residue; backward: psi of the new residue
    tors_b = np.zeros(n)  # forward: psi of the previous residue; backward: phi of the next residue
    prev = anchor.copy()
    grown_pts: list[np.ndarray] = [anchor.copy()]
    grown_codes: list[np.ndarray] = [CODE3]
    for step in range(n):
        ok_any = False
        for _attempt in range(6):
            phi_new, psi_new = sample_coil(rng, k)
            phi_prev, psi_prev = sample_coil(rng, k)
            if direction > 0:
                # psi of prev residue, phi of new residue
                Nn = place(prev[0], prev[1], prev[2], B_C_N, A_CA_C_N, psi_prev)
                CAn = place(np.broadcast_to(prev[1], Nn.shape), np.broadcast_to(prev[2], Nn.shape), Nn,
                            B_N_CA, A_C_N_CA, OMEGA)
                Cn = place(np.broadcast_to(prev[2], Nn.shape), Nn, CAn, B_CA_C, A_N_CA_C, phi_new)
                t_a, t_b = phi_new, psi_prev
            else:
                # phi of prev (next in sequence) residue, psi of new residue
                Cn = place(prev[2], prev[1], prev[0], B_C_N, A_C_N_CA, phi_prev)
                CAn = place(np.broadcast_to(prev[1], Cn.shape), np.broadcast_to(prev[0], Cn.shape), Cn,
                            B_CA_C, A_CA_C_N, OMEGA)
                Nn = place(np.broadcast_to(prev[0], Cn.shape), Cn, CAn, B_N_CA, A_N_CA_C, psi_new)
                t_a, t_b = psi_new, phi_prev
            CBn = place(Cn, Nn, CAn, B_CA_CB, A_N_CA_CB, T_C_N_CA_CB)
            new = np.stack([Nn, CAn, Cn, CBn], axis=1)  # (k, 4, 3)
            fixed = np.concatenate([obstacles] + grown_pts[:-1])
            fcodes = np.concatenate([obstacle_codes] + grown_codes[:-1])
            md = _min_dist(new, fixed, np.tile(CODE4, 1), fcodes)
            ok = md >= CLASH
            if not ok.any():
                continue
            if away_from is not None and away_from.shape[0]:
                dd = np.sqrt(((CAn[:, None, :] - away_from[None]) ** 2).sum(-1)).min(1)
                score = np.minimum(dd, away_cap) + rng.random(k) * 1.5
            else:
                score = rng.random(k)
            score = np.where(ok, score, -np.inf)
            j = int(np.argmax(score))
            ok_any = True
            break
        if not ok_any:
            raise RuntimeError("coil growth stuck")
        out[step] = (Nn[j], CAn[j], Cn[j])
        tors_a[step], tors_b[step] = t_a[j], t_b[j]
        # include the previous residue's atoms as obstacles from two steps on
        grown_pts.append(np.concatenate([out[step], CBn[j][None]]))
        grown_codes.append(CODE4)
        prev = out[step]
    if direction < 0:
        out = out[::-1].copy()
    return out, tors_a, tors_b


# --------------------------------------------------------------------------- folds

@dataclass
class Chain:
    """Coordinates (n, 5, 3) N/CA/C/O/CB plus per-residue annotations."""

    seq: str
    xyz: np.ndarray
    ss: np.ndarray  # 'H' helix, 'L' loop, 'T' disordered tail / coil
    info: dict = field(default_factory=dict)

    def heavy(self, idx=None) -> np.ndarray:
        x = self.xyz if idx is None else self.xyz[idx]
        return x.reshape(-1, 3)


def _segment_helix_after(prev_res: np.ndarray, loop_phi, loop_psi, psi_prev, n_helix: int):
    """Vectorised: loop + helix placed after residue ``prev_res`` (N/CA/C). Torsions (K, L)."""
    K, L = loop_phi.shape
    phis = np.concatenate([loop_phi, np.full((K, n_helix), HELIX_PHI)], axis=1)
    psis = np.concatenate([loop_psi, np.full((K, n_helix), HELIX_PSI)], axis=1)
    psi_before = psi_prev  # (K,)
    n = L + n_helix
    bb = np.zeros((K, n, 3, 3))
    pN = np.broadcast_to(prev_res[0], (K, 3))
    pCA = np.broadcast_to(prev_res[1], (K, 3))
    pC = np.broadcast_to(prev_res[2], (K, 3))
    for i in range(n):
        t = psi_before if i == 0 else psis[:, i - 1]
        Nn = place(pN, pCA, pC, B_C_N, A_CA_C_N, t)
        CAn = place(pCA, pC, Nn, B_N_CA, A_C_N_CA, np.full(K, OMEGA))
        Cn = place(pC, Nn, CAn, B_CA_C, A_N_CA_C, phis[:, i])
        bb[:, i] = np.stack([Nn, CAn, Cn], axis=1)
        pN, pCA, pC = Nn, CAn, Cn
    return bb, phis, psis


def _axis(ca: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = ca.mean(0)
    ax = ca[-4:].mean(0) - ca[:4].mean(0)
    return c, ax / np.linalg.norm(ax)


def build_fold(seq: str, helices: list[tuple[int, int]], rng: np.random.Generator,
               n_candidates: int = 384) -> Chain:
    """Helical bundle: helices (0-based [start, end)) joined by searched loops, coil tails.

    Loops are chosen among ``n_candidates`` random torsion sets: clash-free first, then the new
    helix packs antiparallel at ~10 A from the previous helix and within ~13 A of the others.
    """
    n = len(seq)
    phi = np.full(n, np.nan)
    psi = np.full(n, np.nan)
    h0s, h0e = helices[0]
    xyz = np.full((n, 5, 3), np.nan)
    first = helix(h0e - h0s)
    xyz[h0s:h0e] = first
    phi[h0s:h0e], psi[h0s:h0e] = HELIX_PHI, HELIX_PSI
    placed = [(h0s, h0e)]
    for (hs, he) in helices[1:]:
        ps, pe = placed[-1]
        L = hs - pe
        prev = xyz[pe - 1, :3]
        # previous segments except the last residue (bonded neighbour of the new loop)
        fixed = xyz[h0s:pe - 1].reshape(-1, 3)
        centers = [_axis(xyz[a:b, CA_]) for a, b in placed]
        best = None
        for _round in range(6):
            lphi, lpsi = sample_loop(rng, (n_candidates, L))
            psi_prev = np.where(rng.random(n_candidates) < 0.5, HELIX_PSI, rng.normal(-30, 20, n_candidates))
            bb, phis, psis = _segment_helix_after(prev, lphi, lpsi, psi_prev, he - hs)
            CB = place(bb[:, :, 2], bb[:, :, 0], bb[:, :, 1], B_CA_CB, A_N_CA_CB, T_C_N_CA_CB)
            new = np.concatenate([bb, CB[:, :, None]], axis=2)  # (K, m, 4, 3)
            # exclude the first new residue vs the previous residue (bonded neighbours)
            m_new = bb.shape[1]
            md = _min_dist(new[:, 1:].reshape(n_candidates, -1, 3), xyz[pe - 1].reshape(-1, 3)[[0, 1, 2, 4]],
                           np.tile(CODE4, m_new - 1), CODE4)
            md = np.minimum(md, _min_dist(new.reshape(n_candidates, -1, 3), fixed,
                                          np.tile(CODE4, m_new), np.tile(CODE5, pe - 1 - h0s)))
            # internal loop/helix self-check (non-neighbour residues)
            ca = bb[:, :, 1]
            dca = np.sqrt(((ca[:, :, None] - ca[:, None]) ** 2).sum(-1))
            m = ca.shape[1]
            far = np.abs(np.arange(m)[:, None] - np.arange(m)[None]) >= 3
            self_ok = np.where(far[None], dca, 99).min(axis=(1, 2)) >= 4.2
            hca = ca[:, L:]
            hc = hca.mean(1)
            hax = hca[:, -4:].mean(1) - hca[:, :4].mean(1)
            hax /= np.linalg.norm(hax, axis=1, keepdims=True)
            score = np.zeros(n_candidates)
            c_last, ax_last = centers[-1]
            d_last = np.linalg.norm(hc - c_last, axis=1)
            score += (d_last - 10.0) ** 2 + 20.0 * (1.0 + hax @ ax_last)
            for c_o, ax_o in centers[:-1]:
                d_o = np.linalg.norm(hc - c_o, axis=1)
                score += np.maximum(0.0, d_o - 12.0) ** 2 + np.maximum(0.0, 8.5 - d_o) ** 2 * 4
            valid = (md >= CLASH + 0.15) & self_ok
            score = np.where(valid, score, np.inf)
            j = int(np.argmin(score))
            if np.isfinite(score[j]) and (best is None or score[j] < best[0]):
                best = (score[j], bb[j], phis[j], psis[j], psi_prev[j])
            if best is not None and best[0] < 15.0:
                break
        if best is None:
            raise RuntimeError("no clash-free loop found")
        _, bbj, phj, psj, pprev = best
        psi[pe - 1] = pprev
        xyz[pe:he] = add_o_cb(bbj, HELIX_PSI)
        phi[pe:he], psi[pe:he] = phj, psj
        placed.append((hs, he))
    # O/CB for the core, then tails
    core = slice(helices[0][0], helices[-1][1])
    xyz[core] = add_o_cb(xyz[core, :3], HELIX_PSI)
    core_atoms = xyz[core].reshape(-1, 3)
    away = xyz[core, CA_]
    cs, ce = helices[0][0], helices[-1][1]
    if ce < n:
        obst = xyz[cs:ce - 1].reshape(-1, 3)
        bb, _, _ = grow(xyz[ce - 1, :3], n - ce, +1, obst, np.tile(CODE5, ce - 1 - cs), rng, away_from=away, away_cap=9.0)
        full = add_o_cb(np.concatenate([xyz[ce - 1:ce, :3], bb]), 140.0)
        xyz[ce - 1:] = full
        # the last core residue's O depends on the first tail residue
    if cs > 0:
        obst = xyz[cs + 1:].reshape(-1, 3)
        bb, _, _ = grow(xyz[cs, :3], cs, -1, obst, np.tile(CODE5, n - cs - 1), rng, away_from=away, away_cap=9.0)
        full = add_o_cb(np.concatenate([bb, xyz[cs:cs + 1, :3]]), HELIX_PSI)
        xyz[:cs] = full[:cs]
    ss = np.full(n, "T")
    ss[cs:ce] = "L"
    for a, b in helices:
        ss[a:b] = "H"
    xyz = xyz - xyz[cs:ce, CA_].mean(0)
    return Chain(seq=seq, xyz=xyz, ss=ss, info={"core": (cs, ce)})


def nonlocal_min_distance(chains: list[np.ndarray], skip_gly_cb: list[str] | None = None) -> float:
    """Minimum distance between heavy atoms not in the same or sequence-adjacent residues."""
    pts, res, ch = [], [], []
    for ci, x in enumerate(chains):
        n = x.shape[0]
        pts.append(x.reshape(-1, 3))
        res.append(np.repeat(np.arange(n), x.shape[1]))
        ch.append(np.full(n * x.shape[1], ci))
    P, R, C = np.concatenate(pts), np.concatenate(res), np.concatenate(ch)
    best = np.inf
    step = 512
    for s in range(0, len(P), step):
        d = np.sqrt(((P[s:s + step, None] - P[None]) ** 2).sum(-1))
        local = (C[s:s + step, None] == C[None]) & (np.abs(R[s:s + step, None] - R[None]) <= 1)
        d[local] = np.inf
        best = min(best, float(d.min()))
    return best
