"""Protein backbone geometry for the synthetic demo: NeRF placement, ideal helices, coil growth, folds.

Everything is built from internal coordinates with standard (Engh & Huber-like) geometry, so bond
lengths and angles are exact by construction; only torsions are chosen. Functions are vectorised
over a leading "candidate" axis so that loop/coil searches try many torsion sets at once.

Atoms per residue: N, CA, C, O, CB (CB omitted for glycine when the chain is exported).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.distance import cdist

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


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    u0, u1, u2 = u[..., 0], u[..., 1], u[..., 2]
    v0, v1, v2 = v[..., 0], v[..., 1], v[..., 2]
    return np.stack([u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0], axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.sqrt((v * v).sum(-1, keepdims=True))


def place(a, b, c, bond: float, angle_deg, torsion_deg):
    """NeRF: position of D given A, B, C with |CD| = bond, angle BCD, torsion ABCD.

    ``a, b, c`` broadcast as (..., 3); ``angle_deg``/``torsion_deg`` broadcast over the leading axes.
    """
    a, b, c = np.asarray(a, float), np.asarray(b, float), np.asarray(c, float)
    ang = np.radians(angle_deg)
    tor = np.radians(torsion_deg)
    bc = _unit(c - b)
    n = _unit(_cross(b - a, bc))
    m = _cross(n, bc)
    d2x = -bond * np.cos(ang)
    d2y = bond * np.sin(ang) * np.cos(tor)
    d2z = bond * np.sin(ang) * np.sin(tor)
    return (c + np.asarray(d2x)[..., None] * bc + np.asarray(d2y)[..., None] * m
            + np.asarray(d2z)[..., None] * n)


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


def add_o_cb_batch(bb: np.ndarray, psi_last: np.ndarray) -> np.ndarray:
    """Batched ``add_o_cb``: (K, n, 3, 3) -> (K, n, 5, 3)."""
    K, n = bb.shape[:2]
    out = np.zeros((K, n, 5, 3))
    out[:, :, :3] = bb
    N, CA, C = bb[:, :, 0], bb[:, :, 1], bb[:, :, 2]
    out[:, :-1, O_] = place(N[:, 1:], CA[:, :-1], C[:, :-1], B_C_O, A_CA_C_O, 180.0)
    out[:, -1, O_] = place(N[:, -1], CA[:, -1], C[:, -1], B_C_O, A_CA_C_O, np.asarray(psi_last) + 180.0)
    out[:, :, CB_] = place(C, N, CA, B_CA_CB, A_N_CA_CB, T_C_N_CA_CB)
    return out


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
    K, m = new.shape[:2]
    if fixed.shape[0] == 0:
        return np.full(K, np.inf)
    d = cdist(new.reshape(-1, 3), fixed).reshape(K, m, -1)
    if new_codes is not None and fixed_codes is not None:
        nc = np.asarray(new_codes)
        fc = np.asarray(fixed_codes)
        hb = ((nc[:, None] == 1) & (fc[None] == 2)) | ((nc[:, None] == 2) & (fc[None] == 1))
        if hb.any():
            d = d + np.where(hb, CLASH - HBOND, 0.0)[None]
    return d.min(axis=(1, 2))


def grow(anchor: np.ndarray, n: int, direction: int, obstacles: np.ndarray, obstacle_codes: np.ndarray,
         rng: np.random.Generator, away_from: np.ndarray | None = None, k: int = 16,
         away_cap: float = 12.0, max_tries: int | None = None) -> np.ndarray:
    """Grow ``n`` coil residues from an anchor residue (its N/CA/C, shape (3, 3)).

    direction=+1 grows C-terminally (new residues after the anchor), -1 N-terminally (before it).
    Each step tries ``k`` torsion sets (coil region), drops those whose new atoms come closer than
    CLASH (HBOND for N...O) to the obstacles or to grown residues (except sequence neighbours), and
    keeps the one whose CA is farthest (capped at ``away_cap``) from ``away_from``, with a random
    tie-break. Backtracks a few residues when stuck. Returns N/CA/C (n, 3, 3) in chain order; O/CB
    are recomputed by ``add_o_cb`` on the assembled chain (same values as checked here).
    """
    anchor = np.asarray(anchor, float)
    res: list[np.ndarray] = [anchor[:3].copy()]  # N/CA/C of anchor + grown residues (growth order)
    atoms: list[np.ndarray] = [anchor.copy()]  # atoms checked per residue (growth order)
    codes: list[np.ndarray] = [{3: CODE3, 4: CODE4, 5: CODE5[[0, 1, 2, 4, 3]]}[len(anchor)]]
    tries = 0
    fails = 0
    max_tries = 2 * n + 40 if max_tries is None else max_tries
    while len(res) - 1 < n:
        tries += 1
        if tries > max_tries:
            raise RuntimeError("coil growth stuck")
        prev = res[-1]
        phi_a, psi_a = sample_coil(rng, k)
        if direction > 0:
            # psi of the previous residue (psi_a), phi of the new residue (phi_a)
            Nn = place(prev[0], prev[1], prev[2], B_C_N, A_CA_C_N, psi_a)
            CAn = place(np.broadcast_to(prev[1], Nn.shape), np.broadcast_to(prev[2], Nn.shape), Nn,
                        B_N_CA, A_C_N_CA, OMEGA)
            Cn = place(np.broadcast_to(prev[2], Nn.shape), Nn, CAn, B_CA_C, A_N_CA_C, phi_a)
            On = place(Nn, np.broadcast_to(prev[1], Nn.shape), np.broadcast_to(prev[2], Nn.shape),
                       B_C_O, A_CA_C_O, 180.0)  # O of the previous residue
        else:
            # phi of the next residue (phi_a), psi of the new residue (psi_a)
            Cn = place(prev[2], prev[1], prev[0], B_C_N, A_C_N_CA, phi_a)
            CAn = place(np.broadcast_to(prev[1], Cn.shape), np.broadcast_to(prev[0], Cn.shape), Cn,
                        B_CA_C, A_CA_C_N, OMEGA)
            Nn = place(np.broadcast_to(prev[0], Cn.shape), Cn, CAn, B_N_CA, A_N_CA_C, psi_a)
            On = place(np.broadcast_to(prev[0], Cn.shape), CAn, Cn, B_C_O, A_CA_C_O, 180.0)  # own O
        CBn = place(Cn, Nn, CAn, B_CA_CB, A_N_CA_CB, T_C_N_CA_CB)
        new = np.stack([Nn, CAn, Cn, CBn], axis=1)  # (k, 4, 3)
        near = ((obstacles - prev[1]) ** 2).sum(1) < 121.0
        ob, oc = obstacles[near], obstacle_codes[near]
        fixed = np.concatenate([ob] + atoms[:-1])
        fcodes = np.concatenate([oc] + codes[:-1])
        md = _min_dist(new, fixed, CODE4, fcodes)
        if direction < 0:
            md = np.minimum(md, _min_dist(On[:, None], fixed, [2], fcodes))
        else:
            fixed_o = np.concatenate([ob] + atoms[:-2])
            fcodes_o = np.concatenate([oc] + codes[:-2])
            md = np.minimum(md, _min_dist(On[:, None], fixed_o, [2], fcodes_o))
        ok = md >= CLASH
        if not ok.any():
            fails += 1
            if fails % 4 == 0 and len(res) > 2:  # backtrack
                back = min(len(res) - 1, 1 + fails // 8)
                del res[-back:], atoms[-back:], codes[-back:]
                if direction > 0 and codes[-1][-1] == 2:
                    # the O of the new last residue depended on a removed residue
                    atoms[-1], codes[-1] = atoms[-1][:4], codes[-1][:4]
            continue
        if away_from is not None and away_from.shape[0]:
            dd = np.sqrt(((CAn[:, None, :] - away_from[None]) ** 2).sum(-1)).min(1)
            score = np.minimum(dd, away_cap) + rng.random(k) * 1.5
        else:
            score = rng.random(k)
        j = int(np.argmax(np.where(ok, score, -np.inf)))
        if direction > 0:
            atoms[-1] = np.concatenate([atoms[-1], On[j][None]])
            codes[-1] = np.concatenate([codes[-1], [2]])
        res.append(np.stack([Nn[j], CAn[j], Cn[j]]))
        if direction < 0:
            atoms.append(np.concatenate([new[j], On[j][None]]))
            codes.append(np.concatenate([CODE4, [2]]))
        else:
            atoms.append(new[j])
            codes.append(CODE4)
    out = np.stack(res[1:])
    if direction < 0:
        out = out[::-1].copy()
    return out


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
        fcodes = np.tile(CODE5, pe - 1 - h0s)
        prev_atoms = xyz[pe - 1, [N_, CA_, C_, CB_]]
        best = None
        for _round in range(5):
            lphi, lpsi = sample_loop(rng, (n_candidates, L))
            psi_prev = np.where(rng.random(n_candidates) < 0.5, HELIX_PSI, rng.normal(-30, 20, n_candidates))
            bb, phis, psis = _segment_helix_after(prev, lphi, lpsi, psi_prev, he - hs)
            ca = bb[:, :, 1]
            hca = ca[:, L:]
            hc = hca.mean(1)
            hax = hca[:, -4:].mean(1) - hca[:, :4].mean(1)
            hax /= np.linalg.norm(hax, axis=1, keepdims=True)
            c_last, ax_last = centers[-1]
            d_last = np.linalg.norm(hc - c_last, axis=1)
            score = (d_last - 10.0) ** 2 + 20.0 * (1.0 + hax @ ax_last)
            for c_o, ax_o in centers[:-1]:
                d_o = np.linalg.norm(hc - c_o, axis=1)
                score += np.maximum(0.0, d_o - 12.0) ** 2 + np.maximum(0.0, 8.5 - d_o) ** 2 * 4
            order = np.argsort(score, kind="stable")
            m = bb.shape[1]
            far = np.abs(np.arange(m)[:, None] - np.arange(m)[None]) >= 2
            far5 = np.repeat(np.repeat(far, 5, 0), 5, 1)
            c5 = np.tile(CODE5, m)
            hb5 = ((c5[:, None] == 1) & (c5[None] == 2)) | ((c5[:, None] == 2) & (c5[None] == 1))
            for s0 in range(0, n_candidates, 24):
                idx = order[s0:s0 + 24]
                if best is not None and score[idx[0]] >= best[0]:
                    break
                full = add_o_cb_batch(bb[idx], psis[idx, -1])  # (k, m, 5, 3)
                flat = full.reshape(len(idx), -1, 3)
                md = _min_dist(flat, fixed, c5, fcodes)
                md1 = _min_dist(full[:, 1:].reshape(len(idx), -1, 3), prev_atoms,
                                np.tile(CODE5, m - 1), CODE4)
                dself = np.sqrt(((flat[:, :, None] - flat[:, None]) ** 2).sum(-1))
                dself = dself + np.where(hb5, CLASH - HBOND, 0)
                dself = np.where(far5[None], dself, 99.0).min(axis=(1, 2))
                valid = (np.minimum(md, md1) >= CLASH + 0.1) & (dself >= CLASH + 0.1)
                if valid.any():
                    j = idx[int(np.argmax(valid))]
                    best = (score[j], bb[j], phis[j], psis[j], psi_prev[j])
                    break
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
    away = xyz[core, CA_]
    cs, ce = helices[0][0], helices[-1][1]
    if ce < n:
        obst = xyz[cs:ce - 1].reshape(-1, 3)
        bb = grow(xyz[ce - 1, [N_, CA_, C_, CB_]], n - ce, +1, obst, np.tile(CODE5, ce - 1 - cs), rng,
                  away_from=away, away_cap=9.0)
        full = add_o_cb(np.concatenate([xyz[ce - 1:ce, :3], bb]), 140.0)
        xyz[ce - 1:] = full
        # the last core residue's O depends on the first tail residue
    if cs > 0:
        obst = xyz[cs + 1:].reshape(-1, 3)
        bb = grow(xyz[cs, [N_, CA_, C_, CB_, O_]], cs, -1, obst, np.tile(CODE5, n - cs - 1), rng,
                  away_from=away, away_cap=9.0)
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
        d = cdist(P[s:s + step], P)
        local = (C[s:s + step, None] == C[None]) & (np.abs(R[s:s + step, None] - R[None]) <= 1)
        d[local] = np.inf
        best = min(best, float(d.min()))
    return best


def build_fold_valid(seq: str, helices: list[tuple[int, int]], seed_seq: list[int],
                     min_dist: float = 2.9, attempts: int = 20) -> Chain:
    """``build_fold`` retried on sub-streams of ``seed_seq`` until every non-local pair >= min_dist."""
    for attempt in range(attempts):
        rng = np.random.default_rng(list(seed_seq) + [attempt])
        try:
            c = build_fold(seq, helices, rng)
        except RuntimeError:
            continue
        if nonlocal_min_distance([c.xyz]) >= min_dist:
            return c
    raise RuntimeError(f"could not build a clash-free fold for {seq[:10]}...")


def rotation(axis: np.ndarray, angle_deg: float) -> np.ndarray:
    axis = np.asarray(axis, float)
    axis = axis / np.linalg.norm(axis)
    a = np.radians(angle_deg)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * K + (1 - np.cos(a)) * K @ K


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
