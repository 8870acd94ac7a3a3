"""Synthetic TF tiles, the hidden binding strength of every tile x domain pair, and its Kd label.

Nothing here touches coordinates: the labels (and the interface quality the structure generator is
asked to realise) are fixed functions of the seed, so ``resources/demo`` is byte-identical on any
machine. See ``resources/demo/README.md`` for the exact recipe (kept in sync with this module).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DOMAIN_SEQUENCES = {
    "KIX": "GIRKQWHEDITQDLRNHLVHKLVQAIFPTPDPAALKDRRMENLVAYARKVEGDMYESANNRAEYYHLLAEKIYKIQKELE",
    "TAZ1": "DPEKRKLIQQQLVLLLHAHKCQRREQANGEVRQCNLPHCRTMKNVLNHMTHCQSGKSCQVAHCASSRQIISHWKNCTRHDCPVCLPL",
    "TAZ2": "GDSRRLSIQRCIQSLVHACQCRNANCSLPSCQKMKRVVQHTKGCKRKTNGGCPICKQLIALCCYHAKHCQENKCPVPFCLNI",
    "NCBD": ("LKPGTVSQQALQNLLRTLRSPSSPLQQQQVLSILHANPQLLAAFIKQRAAKYANSNPQPIPGQPGMPQGQPGLQPPTMPGQQGVHSNPAM"
             "QNMNPMQAGVQRAGLPQQQPQQQLQPPMGGMSPQAQQMNMNHNTMPSQFRDILRRQQMMQQQQQQGAGPGIGPGMANHNQFQQPQGVGY"
             "PPQQQQRMQHHMQQMQQGNMG"),
}
DOMAINS = ("KIX", "TAZ1", "TAZ2", "NCBD")
#: predictor output format simulated for each domain
DOMAIN_FORMAT = {"KIX": "alphafold2", "TAZ1": "colabfold", "TAZ2": "alphafold3", "NCBD": "alphafold3"}
#: assay ceiling (nM): Kd at or above it is reported as the ceiling (right-censored, non-binder)
CEILING_NM = {"KIX": 50000.0, "TAZ1": 100000.0, "TAZ2": 100000.0, "NCBD": 30000.0}

#: per-domain recipe. w_acid: weight of the tile's acidic fraction; w_local: weight of D/E within
#: 8 residues of the motif; pref: motif residue preferences; rho: correlation of the placed
#: interface with the composition score; beta: share of the interface in the hidden strength;
#: noise: label noise (log10 nM)
DOMAIN_RECIPE = {
    "KIX": dict(w_acid=0.6, w_local=0.25, pref=dict(L=1.0, I=0.8, F=0.8, M=0.5, W=0.5, Y=0.5, V=0.4),
                rho=0.9, beta=0.5, noise=0.15),
    "TAZ1": dict(w_acid=1.0, w_local=0.3, pref=dict(L=0.8, F=0.8, W=0.7, I=0.6, Y=0.5, M=0.4, V=0.3),
                 rho=0.6, beta=0.3, noise=0.3),
    "TAZ2": dict(w_acid=1.0, w_local=0.35, pref=dict(W=1.2, F=1.1, Y=0.9, L=0.6, I=0.5, M=0.3, V=0.2),
                 rho=0.9, beta=0.5, noise=0.15),
    "NCBD": dict(w_acid=0.2, w_local=0.1, pref=dict(L=1.0, I=0.8, M=0.7, F=0.5, V=0.4, W=0.3, Y=0.3),
                 rho=0.1, beta=0.0, noise=0.7),
}

TILE_LEN = 80
MOTIF_LEN = 10
#: motif positions that carry the hydrophobic residues (D-Phi-x-x-Phi-Phi-x-x-Phi-E pattern)
MOTIF_HYD = (1, 4, 5, 8)
MOTIF_ACID = (0, 9)
CLASSES = ("strong", "moderate", "weak", "nonbinder")

_BG = {
    # background residue pools per tile class (sampled uniformly from the string)
    "strong": "SSTTPPAAGNQDDDEEEEDDKSSPT",
    "moderate": "SSTTPPAAGNQQDDEEEKRSSPTAG",
    "weak": "SSTTPPAAGNQQDEKKRRSSPTAGH",
    "nonbinder": "PPPQQQQKKKRRRSSGGAAHNTPQK",
}
_HYD = {"strong": 4, "moderate": 3, "weak": 2, "nonbinder": 0}
_HYD_POOL = "LLLLIIFFWWYYMV"
_POLAR_MOTIF = "QQPSSKNGTAR"


@dataclass
class Tile:
    tf_id: str
    seq: str
    motif_start: int  # 0-based start of the 10-residue helical motif
    tile_class: str


@dataclass
class Pair:
    pair_id: str
    tf_id: str
    domain_id: str
    composition: float  # standardised composition score (within domain)
    interface: float  # latent interface quality the generator places (standard normal scale)
    strength: float  # hidden binding strength (standard normal scale)
    docked: bool  # motif placed on the domain surface
    quality: float  # 0..1 interface quality for docked pairs (drives contacts, pLDDT, PAE); 0 otherwise
    kd_nm: float
    binder: int


def make_tiles(seed: int = 7) -> list[Tile]:
    """48 tiles: 16 synthetic proteins x 3 tiles, 12 tiles of each class, deterministic from seed."""
    rng = np.random.default_rng([seed, 1])
    classes = np.array([c for c in CLASSES for _ in range(12)])
    classes = classes[rng.permutation(len(classes))]
    tiles = []
    for t, cls in enumerate(classes):
        tf_id = f"SYNTF{t // 3 + 1:02d}_{t % 3 + 1:02d}"
        pool = _BG[cls]
        seq = [pool[i] for i in rng.integers(0, len(pool), TILE_LEN)]
        start = int(rng.integers(14, TILE_LEN - MOTIF_LEN - 14))
        motif = [_POLAR_MOTIF[i] for i in rng.integers(0, len(_POLAR_MOTIF), MOTIF_LEN)]
        n_hyd = _HYD[cls] + int(rng.random() < 0.3) if cls != "nonbinder" else int(rng.random() < 0.5)
        hyd_pos = list(MOTIF_HYD) + [2, 6]
        for p in hyd_pos[:n_hyd]:
            motif[p] = _HYD_POOL[rng.integers(0, len(_HYD_POOL))]
        if cls != "nonbinder":
            for p in MOTIF_ACID:
                motif[p] = "DE"[rng.integers(0, 2)]
        seq[start:start + MOTIF_LEN] = motif
        seq[0] = "M" if t % 3 == 0 else seq[0]
        tiles.append(Tile(tf_id, "".join(seq), start, str(cls)))
    return tiles


def composition_score(tile: Tile, domain_id: str) -> float:
    r = DOMAIN_RECIPE[domain_id]
    s = tile.seq
    acid = sum(c in "DE" for c in s) / len(s)
    basic = sum(c in "KR" for c in s) / len(s)
    lo, hi = max(0, tile.motif_start - 8), tile.motif_start + MOTIF_LEN + 8
    local = sum(c in "DE" for c in s[lo:hi])
    motif = s[tile.motif_start:tile.motif_start + MOTIF_LEN]
    hyd = sum(r["pref"].get(c, 0.0) for c in motif)
    return r["w_acid"] * 10.0 * (acid - basic) + r["w_local"] * local + hyd


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def make_pairs(seed: int = 7, tiles: list[Tile] | None = None) -> list[Pair]:
    """Every tile x domain pair with its hidden strength, placed interface and Kd label."""
    tiles = make_tiles(seed) if tiles is None else tiles
    pairs = []
    for di, dom in enumerate(DOMAINS):
        r = DOMAIN_RECIPE[dom]
        rng = np.random.default_rng([seed, 2, di])
        comp = np.array([composition_score(t, dom) for t in tiles])
        comp = _z(comp + rng.normal(0.0, 0.3, len(tiles)))  # intrinsic (sequence-invisible) part
        iface = r["rho"] * comp + np.sqrt(1.0 - r["rho"] ** 2) * rng.normal(0.0, 1.0, len(tiles))
        strength = _z((1.0 - r["beta"]) * comp + r["beta"] * iface)
        log_kd = np.log10(CEILING_NM[dom]) - 0.1 - 1.25 * strength + rng.normal(0.0, r["noise"], len(tiles))
        kd = np.clip(10.0 ** log_kd, 50.0, None)
        docked = iface > 0.0
        quality = np.where(docked, np.clip(iface / 2.0, 0.05, 1.0), 0.0)
        for t, tile in enumerate(tiles):
            ceil = CEILING_NM[dom]
            k = float(np.round(kd[t], 1))
            binder = int(k < ceil)
            pairs.append(Pair(
                pair_id=f"{dom}_and_{tile.tf_id}", tf_id=tile.tf_id, domain_id=dom,
                composition=float(comp[t]), interface=float(iface[t]), strength=float(strength[t]),
                docked=bool(docked[t]), quality=float(quality[t]),
                kd_nm=k if binder else ceil, binder=binder))
    return pairs
