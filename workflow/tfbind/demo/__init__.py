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

__all__ = ["write_inputs", "write_predictions", "make_tiles", "make_pairs", "pair_ids_of", "PICKLE_EVERY"]

#: every PICKLE_EVERY-th KIX run (by tile index) stores result_*.pkl.gz instead of pae_*.json
PICKLE_EVERY = 8


def write_inputs(outdir: Path, seed: int = 7) -> None:
    """Write tf.fasta, domains.fasta, pairs.tsv and labels.tsv (byte-identical for a given seed)."""
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
