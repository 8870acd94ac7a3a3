"""Synthetic domain/tile complexes: chain placement, per-model pLDDT, PAE and ipTM-like scores.

For every pair the domain fold (cached per domain and seed) is the first chain and the TF tile the
second. The tile's 10-residue motif is an ideal helix; for pairs the label recipe marks as docked it
is rigidly placed on the domain's binding face so that the number of motif/domain CB-CB contacts
(<= 8 A) grows with the planned interface quality; otherwise it is left >= 15 A away. The rest of the
tile is clash-free coil grown outward from the motif.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.spatial.distance import cdist

from . import geometry as g
from .labels import DOMAIN_SEQUENCES, DOMAINS, MOTIF_HYD, MOTIF_LEN, Pair, Tile

#: helices (0-based [start, end)) of the synthetic domain folds
DOMAIN_HELICES = {
    "KIX": [(4, 20), (27, 46), (52, 76)],
    "TAZ1": [(3, 20), (26, 42), (48, 64), (70, 85)],
    "TAZ2": [(3, 20), (26, 44), (50, 64), (68, 80)],
    "NCBD": [(6, 20), (25, 36), (38, 53)],
}
N_MODELS = 3
CONTACT_CUTOFF = 8.0


@lru_cache(maxsize=None)
def domain_chain(domain_id: str, seed: int = 7) -> g.Chain:
    di = DOMAINS.index(domain_id)
    return g.build_fold_valid(DOMAIN_SEQUENCES[domain_id], DOMAIN_HELICES[domain_id], [seed, 3, di])


def rep_atoms(xyz: np.ndarray, seq: str) -> np.ndarray:
    """CB coordinates, CA for glycine (what the readers use)."""
    rep = xyz[:, g.CB_].copy()
    gly = np.array([c == "G" for c in seq])
    rep[gly] = xyz[gly, g.CA_]
    return rep


def count_contacts(xa: np.ndarray, sa: str, xb: np.ndarray, sb: str, cutoff: float = CONTACT_CUTOFF) -> int:
    a, b = rep_atoms(xa, sa), rep_atoms(xb, sb)
    return int((cdist(a, b) <= cutoff).sum())


def _min_heavy(a: np.ndarray, b: np.ndarray) -> float:
    return float(cdist(a.reshape(-1, 3), b.reshape(-1, 3)).min())


@dataclass
class Complex:
    pair: Pair
    domain: g.Chain
    tile_seq: str
    tile_ss: np.ndarray  # 'M' motif, 'C' coil
    motif: slice
    tf_xyz: list[np.ndarray]  # per model (80, 5, 3)
    plddt: list[np.ndarray]  # per model, per residue of [domain, tile]
    pae: list[np.ndarray]  # per model (n, n)
    ptm: list[float]
    iptm: list[float]
    contacts: list[int]

    @property
    def chains_len(self) -> tuple[int, int]:
        return len(self.domain.seq), len(self.tile_seq)

    def ranking(self, m: int) -> float:
        return 0.8 * self.iptm[m] + 0.2 * self.ptm[m]

    def order(self) -> list[int]:
        """Model indices best first (stable)."""
        return sorted(range(N_MODELS), key=lambda m: -self.ranking(m))


# --------------------------------------------------------------------------- placement

def _motif_frame(mx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ca = mx[:, g.CA_]
    c = ca.mean(0)
    ax = ca[-4:].mean(0) - ca[:4].mean(0)
    ax /= np.linalg.norm(ax)
    face = (mx[list(MOTIF_HYD), g.CB_] - mx[list(MOTIF_HYD), g.CA_]).mean(0)
    face -= face.dot(ax) * ax
    face /= np.linalg.norm(face)
    return c, ax, face


def _site_direction(dom: g.Chain) -> np.ndarray:
    cs, ce = dom.info["core"]
    hel = [i for i in range(cs, ce) if dom.ss[i] == "H"]
    core_c = dom.xyz[cs:ce, g.CA_].mean(0)
    # the face between the first and the last helix
    first = dom.xyz[hel[:10], g.CA_].mean(0)
    last = dom.xyz[hel[-10:], g.CA_].mean(0)
    u = (first + last) / 2 - core_c
    return u / np.linalg.norm(u)


def dock_motif(dom: g.Chain, motif_xyz: np.ndarray, motif_seq: str, quality: float,
               rng: np.random.Generator) -> np.ndarray:
    """Rigidly place the motif helix on the domain's binding face; contacts grow with ``quality``."""
    cs, ce = dom.info["core"]
    core_c = dom.xyz[cs:ce, g.CA_].mean(0)
    u0 = _site_direction(dom)
    dom_atoms = dom.xyz.reshape(-1, 3)
    mc, max_, mface = _motif_frame(motif_xyz)
    local = motif_xyz - mc
    src = np.stack([max_, mface, np.cross(max_, mface)])
    poses = []  # (contacts at each offset, offsets, R, u)
    for k in range(12):
        u = u0 + rng.normal(0.0, 0.2, 3)
        u /= np.linalg.norm(u)
        perp = np.cross(u, [0.0, 0.0, 1.0] if abs(u[2]) < 0.9 else [1.0, 0.0, 0.0])
        perp /= np.linalg.norm(perp)
        t_ax = g.rotation(u, 15.0 * k + rng.normal(0.0, 5.0)) @ perp
        dst = np.stack([t_ax, -u, np.cross(t_ax, -u)])
        R = dst.T @ src
        rot = local @ R.T
        proj = (dom_atoms - core_c) @ u
        s_far = proj.max() + 10.0
        rows = []
        for s in np.arange(s_far, 0.0, -0.5):
            x = rot + core_c + s * u
            md = _min_heavy(x, dom_atoms)
            if md < 3.2:
                break
            rows.append((s, count_contacts(x, motif_seq, dom.xyz, dom.seq), md))
        if rows:
            poses.append((rows, R, u))
    cap = max(max(r[1] for r in rows) for rows, _, _ in poses)
    target = 3 + quality * (cap - 3)
    best = None
    for rows, R, u in poses:
        for s, n, md in rows:
            if n == 0:
                continue
            key = abs(n - target)
            if best is None or key < best[0] - 1e-9:
                best = (key, s, R, u)
    _, s, R, u = best
    return (motif_xyz - mc) @ R.T + core_c + s * u


def park_motif(dom: g.Chain, motif_xyz: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Place the motif >= 15 A (heavy atoms) from every domain atom, randomly oriented."""
    cs, ce = dom.info["core"]
    core_c = dom.xyz[cs:ce, g.CA_].mean(0)
    dom_atoms = dom.xyz.reshape(-1, 3)
    mc = motif_xyz[:, g.CA_].mean(0)
    R = g.random_rotation(rng)
    rot = (motif_xyz - mc) @ R.T
    for _ in range(50):
        u = rng.normal(size=3)
        u /= np.linalg.norm(u)
        s = ((dom_atoms - core_c) @ u).max() + 22.0
        x = rot + core_c + s * u
        if _min_heavy(x, dom_atoms) >= 18.0:
            return x
    raise RuntimeError("could not park motif")


def build_tile(dom: g.Chain, tile: Tile, pair: Pair, rng: np.random.Generator) -> np.ndarray:
    """Full tile (80, 5, 3) in the domain frame: placed motif + coil flanks grown outward."""
    ms, me = tile.motif_start, tile.motif_start + MOTIF_LEN
    mseq = tile.seq[ms:me]
    dom_atoms = dom.xyz.reshape(-1, 3)
    dom_codes = np.tile(g.CODE5, len(dom.seq))
    away = dom.xyz[:, g.CA_]
    cap = 20.0 if pair.docked else 30.0
    n = len(tile.seq)
    for attempt in range(40):
        if attempt % 4 == 0:  # (re)place the motif
            motif = g.helix(MOTIF_LEN)
            if pair.docked:
                motif = dock_motif(dom, motif, mseq, pair.quality, rng)
            else:
                motif = park_motif(dom, motif, rng)
        sub = np.random.default_rng([int(rng.integers(2**31)), attempt])
        try:
            obst = np.concatenate([dom_atoms, motif[:-1].reshape(-1, 3)])
            codes = np.concatenate([dom_codes, np.tile(g.CODE5, MOTIF_LEN - 1)])
            c_bb = g.grow(motif[-1, [g.N_, g.CA_, g.C_, g.CB_]], n - me, +1, obst, codes, sub,
                          away_from=away, away_cap=cap) \
                if me < n else np.zeros((0, 3, 3))
            c_full = np.concatenate([motif[:, :3], c_bb])
            c_xyz = g.add_o_cb(c_full, 140.0)
            obst = np.concatenate([dom_atoms, c_xyz[1:].reshape(-1, 3)])
            codes = np.concatenate([dom_codes, np.tile(g.CODE5, len(c_full) - 1)])
            n_bb = g.grow(c_xyz[0, [g.N_, g.CA_, g.C_, g.CB_, g.O_]], ms, -1, obst, codes, sub,
                          away_from=away, away_cap=cap) \
                if ms > 0 else np.zeros((0, 3, 3))
        except RuntimeError:
            continue
        bb = np.concatenate([n_bb, c_full])
        xyz = g.add_o_cb(bb, 140.0)
        others = np.concatenate([dom_atoms, xyz[:-2].reshape(-1, 3)])
        for psi_last in (140.0, 120.0, 160.0, 100.0, -40.0, 180.0):  # free O of the last residue
            xyz[-1] = g.add_o_cb(bb[-2:], psi_last)[-1]
            if cdist(xyz[-1:, g.O_], others).min() >= 3.0:
                break
        if g.nonlocal_min_distance([dom.xyz, xyz]) >= 2.85:
            return xyz
    raise RuntimeError(f"could not build tile {tile.tf_id} for {pair.domain_id}")


def perturb(dom: g.Chain, xyz: np.ndarray, motif: slice, docked: bool,
            rng: np.random.Generator) -> np.ndarray:
    """Small rigid-body move of the whole tile about its motif (a different 'model' of the run)."""
    dom_atoms = dom.xyz.reshape(-1, 3)
    c = xyz[motif, g.CA_].mean(0)
    ang, shift = 3.0, 0.6
    for _ in range(5):
        R = g.rotation(rng.normal(size=3), rng.uniform(-ang, ang))
        t = rng.normal(size=3)
        t *= rng.uniform(0.0, shift) / np.linalg.norm(t)
        x = (xyz - c) @ R.T + c + t
        md = _min_heavy(x, dom_atoms)
        md_m = _min_heavy(x[motif], dom_atoms)
        if md >= 3.0 and (docked or md_m >= 15.0):
            return x
        ang, shift = ang / 2, shift / 2
    return xyz.copy()


# --------------------------------------------------------------------------- confidences

def d0(n: int) -> float:
    return 1.24 * (max(n, 19) - 15) ** (1.0 / 3.0) - 1.8


def tm_scores(pae: np.ndarray, chains: np.ndarray) -> tuple[float, float]:
    """pTM and ipTM from a PAE matrix (TM-score transform, max over the aligned residue)."""
    n = pae.shape[0]
    tm = 1.0 / (1.0 + (pae / d0(n)) ** 2)
    ptm = float(tm.mean(1).max())
    other = chains[:, None] != chains[None]
    iptm = float(((tm * other).sum(1) / np.maximum(other.sum(1), 1)).max())
    return ptm, iptm


def confidences(dom: g.Chain, pair: Pair, tile_ss: np.ndarray, rng: np.random.Generator):
    """Per-model pLDDT (per residue) and PAE (A) for the complex, plus the model's quality."""
    nd, nt = len(dom.seq), len(tile_ss)
    n = nd + nt
    q = float(np.clip(pair.quality + rng.normal(0.0, 0.04), 0.05, 1.0)) if pair.docked else 0.0
    plddt = np.zeros(n)
    err = np.zeros(n)  # per-residue positional error within its rigid group
    group = np.full(n, -1)  # 0: domain core (+ docked motif), 1: parked motif, -1: disordered
    ss = dom.ss
    nc_tail = "NCBD" == pair.domain_id
    for i in range(nd):
        if ss[i] == "H":
            # helix ends a little lower
            hs = [j for j in range(max(0, i - 2), min(nd, i + 3)) if ss[j] == "H"]
            plddt[i] = np.clip(84.0 + 2.0 * len(hs) + rng.normal(0.0, 1.0), 85.0, 95.0)
            err[i] = 1.2 + rng.uniform(0.0, 1.5)
            group[i] = 0
        elif ss[i] == "L":
            plddt[i] = 74.0 + rng.normal(0.0, 3.0)
            err[i] = 3.5 + rng.uniform(0.0, 2.0)
            group[i] = 0
        else:
            plddt[i] = (36.0 if nc_tail else 62.0) + rng.normal(0.0, 4.0)
            err[i] = 25.0
    for k in range(nt):
        i = nd + k
        if tile_ss[k] == "M":
            if pair.docked:
                plddt[i] = 60.0 + 30.0 * q + rng.normal(0.0, 1.5)
                err[i] = 8.0 - 5.0 * q + rng.uniform(0.0, 0.5)
                group[i] = 0
            else:
                plddt[i] = 50.0 + rng.normal(0.0, 3.0)
                err[i] = 2.5
                group[i] = 1
        else:
            plddt[i] = 35.0 + rng.normal(0.0, 3.5)
            err[i] = 25.0
    plddt = np.clip(plddt, 20.0, 97.0)
    chains = np.array([0] * nd + [1] * nt)
    idx = np.arange(n)
    seqsep = np.abs(idx[:, None] - idx[None])
    high = 20.0 + 10.0 * rng.random(n)
    high = 0.7 * high[:, None] + 0.3 * high[None] + rng.normal(0.0, 0.8, (n, n))
    same_chain = chains[:, None] == chains[None]
    # disordered / unrelated: high, but lower for sequence neighbours of the same chain
    pae = np.where(same_chain, np.minimum(high, 0.8 + 2.4 * seqsep), high)
    rigid = (group[:, None] == group[None]) & (group[:, None] >= 0)
    within = np.maximum(err[:, None], err[None]) + np.abs(rng.normal(0.0, 0.4, (n, n)))
    pae = np.where(rigid, within, pae)
    np.fill_diagonal(pae, 0.3 + 0.5 * rng.random(n))
    pae = np.clip(pae, 0.25, 31.7)  # rounded values never exceed max_pae (31.75)
    return plddt, pae, chains, q


def build_complex(pair: Pair, tile: Tile, seed: int = 7) -> Complex:
    dom = domain_chain(pair.domain_id, seed)
    di, ti = DOMAINS.index(pair.domain_id), int(pair.tf_id[5:7]) * 10 + int(pair.tf_id[8:10])
    rng = np.random.default_rng([seed, 4, di, ti])
    ms = slice(tile.motif_start, tile.motif_start + MOTIF_LEN)
    tile_ss = np.full(len(tile.seq), "C")
    tile_ss[ms] = "M"
    base = build_tile(dom, tile, pair, rng)
    tf_xyz, plddts, paes, ptms, iptms, contacts = [], [], [], [], [], []
    for m in range(N_MODELS):
        x = base if m == 0 else perturb(dom, base, ms, pair.docked, rng)
        plddt, pae, chains, _q = confidences(dom, pair, tile_ss, rng)
        ptm, iptm = tm_scores(pae, chains)
        tf_xyz.append(x)
        plddts.append(plddt)
        paes.append(pae)
        ptms.append(ptm)
        iptms.append(iptm)
        contacts.append(count_contacts(dom.xyz, dom.seq, x, tile.seq))
    return Complex(pair, dom, tile.seq, tile_ss, ms, tf_xyz, plddts, paes, ptms, iptms, contacts)
