"""Deterministic SYNTHETIC demo data: TF tiles, EP300 domains, labels and fake AlphaFold runs.

``write_inputs`` writes the small committed inputs (``resources/demo``); ``write_predictions``
writes one fake predictor run folder per tile x domain pair in the real on-disk layouts
(AlphaPulldown/AF2 for KIX, ColabFold for TAZ1, AlphaFold3 local for TAZ2, AlphaFold3 server for
NCBD). Everything is a function of ``seed`` only. See ``resources/demo/README.md``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .labels import CEILING_NM, DOMAIN_FORMAT, DOMAIN_SEQUENCES, DOMAINS, Pair, Tile, make_pairs, make_tiles

__all__ = ["write_inputs", "write_predictions", "make_tiles", "make_pairs", "pair_ids_of", "PICKLE_EVERY",
           "CEILING_NM", "DOMAIN_FORMAT", "DOMAIN_SEQUENCES", "DOMAINS", "Pair", "Tile"]

#: every PICKLE_EVERY-th KIX run (by tile index) stores result_*.pkl.gz instead of pae_*.json
PICKLE_EVERY = 8


README = (
    """\
# Demo inputs: SYNTHETIC data (not measurements, not real predictions)

Everything in this folder is **synthetic**, written by `python -m tfbind.demo inputs resources/demo
--seed {seed}` (code: `workflow/tfbind/demo/`). The matching fake AlphaFold runs are generated on the
fly by `python -m tfbind.demo predictions OUTDIR --seed {seed}` (they are not committed). A test
checks that these files equal a fresh generation, so do not edit them by hand: change the code and
regenerate.

| file | content |
|---|---|
"""
    "| `domains.fasta` | the four EP300 co-activator domains, real sequences (`>ID category=CATEGORY`): KIX, "
    "TAZ1, TAZ2, NCBD |\n"
    "| `tf.fasta` | 48 synthetic 80-residue TF tiles `SYNTFpp_tt` (16 made-up proteins x 3 tiles) |\n"
    "| `pairs.tsv` | one row per tile x domain (192): `pair_id` = `{{domain}}_and_{{tile}}` (AlphaPulldown "
    "naming), `prediction` = run folder name relative to the predictions folder, `format` = `alphafold2` "
    "(KIX, AlphaPulldown folder), `colabfold` (TAZ1), `alphafold3` (TAZ2: local AF3 layout; NCBD: AlphaFold "
    "Server layout) |\n"
    "| `proteins.fasta` | not written by this generator (made once by hand): two made-up full-length TFs "
    "(`SYNP1`, 95 residues; `SYNP2`, 236), random residues with one acidic-hydrophobic stretch each; the "
    "input of the prepare example (`config/prepare_example.yaml`) |\n"
    "| `regions.tsv` | not written by this generator (made by hand): made-up regions of the two proteins "
    "(`gene, start, end`, 1-based inclusive; SYNP1 41-60 is its acidic-hydrophobic stretch), for "
    "`tiling.regions` of the prepare example: 7 of its 20 tiles are kept |\n"
    """| `labels.tsv` | `kd_nm` (synthetic dissociation constant, nM) and `binder` (1 when below the assay ceiling) |

## How the tiles are made
All draws use `numpy.random.default_rng` seeded from `seed`. Each tile gets one of four classes
(12 tiles each): `strong`, `moderate`, `weak`, `nonbinder`. The 80 residues are drawn from a
class-specific background pool (acidic D/E-rich for strong, basic/proline/glutamine-rich for
non-binders). A 10-residue motif `D/E Phi x x Phi Phi x x Phi D/E` (Phi-x-x-Phi-Phi-like) is written at
a random position 14..56; strong/moderate/weak tiles fill 4/3/2 (+1 with probability 0.3) of the
Phi positions (1, 4, 5, 8, then 2, 6) from `LLLLIIFFWWYYMV`; non-binder motifs are polar (Q/P/S/K/N/G/T/A/R)
with at most one hydrophobic residue and no flanking acids.

## How the labels arise (per domain d, per tile t)
1. Composition score `c = w_acid(d) * 10 * (frac(D,E) - frac(K,R)) + w_local(d) * #D/E within 8
   residues of the motif + sum over motif residues of pref(d, aa)`. Preferences: KIX favours L>I,F;
   TAZ2 favours W>F>Y and acidity; TAZ1 acidity and L/F/W; NCBD L/I/M with little weight on acidity
   (exact weights: `DOMAIN_RECIPE` in `workflow/tfbind/demo/labels.py`).
2. `comp = z(c + N(0, 0.3))` (z = standardised over the 48 tiles of the domain; the noise is an
   intrinsic, sequence-invisible part).
3. The interface the structure generator places: `iface = rho(d) * comp + sqrt(1 - rho(d)^2) * N(0, 1)`,
   rho = KIX 0.9, TAZ1 0.6, TAZ2 0.9, NCBD 0.1.
4. Hidden strength `s = z((1 - beta(d)) * comp + beta(d) * iface)`, beta = KIX 0.5, TAZ1 0.3,
   TAZ2 0.5, NCBD 0.0.
5. `log10(Kd / nM) = log10(ceiling(d)) - 0.1 - 1.25 * s + N(0, noise(d))`, noise = KIX 0.15,
   TAZ1 0.3, TAZ2 0.15, NCBD 0.7; Kd is clipped below at 50 nM and rounded to 0.1 nM.
6. Right censoring: a Kd at or above the assay ceiling (KIX 50,000; TAZ1 100,000; TAZ2 100,000;
   NCBD 30,000 nM) is reported as the ceiling with `binder = 0`; otherwise `binder = 1`.

So the structure signal is strong for KIX and TAZ2 (the placed interface tracks the strength:
Spearman about 0.95), intermediate for TAZ1 and nearly absent for NCBD, where the placed interface is
almost independent of the composition and label noise dominates.

## How the fake predictions are made
* Domain: ideal helices (phi -57, psi -47) joined by loops chosen by a deterministic search (no
  heavy atoms closer than 3 A, compact antiparallel bundle); NCBD has a 3-helix core and a long
  disordered tail. Backbones are built with NeRF from standard geometry (N-CA 1.458, CA-C 1.525,
  C-N 1.329, C=O 1.231 A; N-CA-C 111.2, CA-C-N 116.2, C-N-CA 121.7 deg; omega 180) with O in the
  peptide plane and an ideal CB (none written for Gly). Atoms: N, CA, C, O, CB only.
* Tile: the 10-residue motif is an ideal helix; when `iface > 0` it is docked rigidly on the
  domain's face between its first and last helix, with the number of motif/domain CB-CB contacts
  (<= 8 A) growing with `quality = clip(iface / 2, 0.05, 1)`; otherwise it is parked >= 15 A from
  the domain. The rest of the tile is clash-free coil (PPII/beta/alpha-R torsions) grown outward.
* Confidences: pLDDT 85-95 on domain helices, ~74 on loops, ~36 on the NCBD tail and the tile
  coil, `60 + 30 * quality` on a docked motif, ~50 on a parked one. PAE is low within the domain core
  (1-5 A), 3-8 A between a docked motif and the domain (lower for better interfaces), 20-30 A for
  disordered or unrelated parts. pTM/ipTM are TM-score transforms of the PAE (max over aligned
  residues); models are ranked by 0.8 ipTM + 0.2 pTM.
* Three models per run differ by a small rigid-body move of the tile and confidence noise. Chain
  order is domain first (AlphaPulldown bait_and_candidate): chains B/C for AlphaPulldown, A/B for
  ColabFold and AlphaFold3. Every {pickle_every}th KIX run (by tile index) writes `result_<model>.pkl.gz`
  instead of `pae_<model>.json`.
"""
)


def write_inputs(outdir: Path, seed: int = 7) -> None:
    """Write tf.fasta, domains.fasta, pairs.tsv, labels.tsv, README.md (byte-identical for a seed)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    tiles = make_tiles(seed)
    pairs = make_pairs(seed, tiles)
    with open(outdir / "tf.fasta", "w", newline="\n") as fh:
        for t in tiles:
            fh.write(f">{t.tf_id}\n{t.seq}\n")
    with open(outdir / "domains.fasta", "w", newline="\n") as fh:
        for d in DOMAINS:
            fh.write(f">{d} category={d}\n{DOMAIN_SEQUENCES[d]}\n")
    with open(outdir / "pairs.tsv", "w", newline="\n") as fh:
        fh.write("pair_id\ttf_id\tdomain_id\tprediction\tformat\n")
        for p in pairs:
            fh.write(f"{p.pair_id}\t{p.tf_id}\t{p.domain_id}\t{p.pair_id}\t{DOMAIN_FORMAT[p.domain_id]}\n")
    with open(outdir / "labels.tsv", "w", newline="\n") as fh:
        fh.write("tf_id\tdomain_id\tkd_nm\tbinder\n")
        for p in pairs:
            fh.write(f"{p.tf_id}\t{p.domain_id}\t{p.kd_nm:.1f}\t{p.binder}\n")
    with open(outdir / "README.md", "w", newline="\n") as fh:
        fh.write(README.format(seed=seed, pickle_every=PICKLE_EVERY))


def pair_ids_of(seed: int = 7) -> list[str]:
    return [p.pair_id for p in make_pairs(seed)]


def write_predictions(outdir: Path, seed: int = 7, pair_ids: list[str] | None = None) -> list[str]:
    """Write one predictor run folder per pair (folder name = pair_id); returns the pair ids written.

    A pair's folder depends only on (seed, pair), so a subset gives the same files as a full run.
    Existing run folders of the selected pairs are replaced.
    """
    from . import writers
    from .complexes import build_complex

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    tiles = make_tiles(seed)
    by_id = {t.tf_id: (i, t) for i, t in enumerate(tiles)}
    pairs = make_pairs(seed, tiles)
    if pair_ids is not None:
        wanted = set(pair_ids)
        unknown = wanted - {p.pair_id for p in pairs}
        if unknown:
            raise ValueError(f"unknown demo pair ids: {sorted(unknown)}")
        pairs = [p for p in pairs if p.pair_id in wanted]
    written = []
    for p in pairs:
        ti, tile = by_id[p.tf_id]
        cx = build_complex(p, tile, seed)
        run = outdir / p.pair_id
        if run.exists():
            shutil.rmtree(run)
        run.mkdir(parents=True)
        fmt = DOMAIN_FORMAT[p.domain_id]
        if fmt == "alphafold2":
            writers.write_alphafold2(cx, run, use_pickle=(ti % PICKLE_EVERY == 0))
        elif fmt == "colabfold":
            writers.write_colabfold(cx, run)
        elif p.domain_id == "TAZ2":
            writers.write_alphafold3_local(cx, run)
        else:
            writers.write_alphafold3_server(cx, run)
        written.append(p.pair_id)
    return written
