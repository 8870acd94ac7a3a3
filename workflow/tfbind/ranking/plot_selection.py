"""Which tiles the heatmap shows and which genes get a score track, when a screen is larger than a picture.

A screen of 10^5-10^6 pairs has 25,000-250,000 tiles and thousands of genes: one heatmap column per tile is
unreadable and one track PNG per gene takes hours. The pictures show the best candidates instead, and say
what they leave out (every tile and gene stays in the ranking tables; the track index lists every gene):

* heatmap: the ``limit`` tiles with the highest ``value`` in any domain (their best domain's score), ties
  broken by tile ID; shown in the usual order (gene, position, ID:
  :func:`tfbind.ranking.coordinates.tile_order`);
* tracks: the ``limit`` genes (with tile coordinates) whose best tile scores highest, ties broken by gene
  name; each drawn gene's PNG name (:func:`track_files`) is in the index.

Tiles or genes without any score (every pair failed) come last and are only shown when there is room.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..plan.ids import distinct_names
from .coordinates import tile_order

INDEX_COLUMNS = ["gene", "best_score", "best_tile", "best_domain", "n_tiles", "drawn", "file", "reason"]


def file_stem(name: str) -> str:
    """``name`` with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "._-" else "_" for ch in str(name))


def track_files(genes) -> dict[str, str]:
    """A PNG file name per gene, each different: :func:`file_stem` of the gene, plus ``_2``, ``_3``, ... when
    that name is taken. Names are compared case-insensitively (``MYB`` and ``myb`` would be one file on
    macOS or Windows). Genes whose name is already a file stem keep it; the others take their names in
    name order. Without this, ``A/B`` and ``A_B`` (gene names come from FASTA headers) would share
    ``A_B.png``, one track overwriting the other."""
    ordered = sorted(genes, key=lambda g: (file_stem(g) != g, g))
    return {gene: f"{name}.png" for gene, name in distinct_names({g: file_stem(g) for g in ordered}).items()}


def best_per_tile(table: pd.DataFrame, value: str = "consensus") -> pd.Series:
    """The highest ``value`` of each tile over its domains (NaN when it has none), indexed by tf_id."""
    return table.groupby("tf_id", sort=False)[value].max()


def select_tiles(table: pd.DataFrame, coords: pd.DataFrame, limit: int,
                 value: str = "consensus") -> tuple[list[str], int]:
    """(tiles to draw in heatmap order, number of tiles in the table). All tiles when there are at most
    ``limit``; else the ``limit`` with the best score in any domain (ties: smaller tf_id first)."""
    best = best_per_tile(table, value)
    total = len(best)
    if total > limit:
        ranked = pd.DataFrame({"tf_id": best.index.astype(str), "best": best.to_numpy(dtype=float)})
        ranked = ranked.sort_values(["best", "tf_id"], ascending=[False, True], na_position="last",
                                    kind="mergesort")
        best = best.loc[ranked["tf_id"].iloc[:limit]]
    return tile_order(best.index, coords), total


def gene_index(table: pd.DataFrame, coords: pd.DataFrame, limit: int,
               value: str = "consensus") -> pd.DataFrame:
    """INDEX_COLUMNS, one row per gene of the ranked tiles, best gene first (ties: gene name): its best
    ``value`` over tiles and domains, which tile and domain that is, its number of tiles, whether its
    track is drawn (``yes`` for the first ``limit`` genes that have tile coordinates; ``reason`` says why
    not) and its PNG's name (``file``; :func:`track_files`; empty when not drawn)."""
    c = coords.set_index("tf_id")
    tiles = pd.Index(table["tf_id"].unique())
    gene = c["gene"].reindex(tiles).fillna(pd.Series(tiles, index=tiles))
    placed = c["start"].reindex(tiles).notna()
    rows = table[["tf_id", "domain_id", value]].assign(gene=table["tf_id"].map(gene))
    # the best row per gene: sort by score (NaN last), take each gene's first; ties by tf_id, domain_id
    rows = rows.sort_values([value, "tf_id", "domain_id"], ascending=[False, True, True], na_position="last",
                            kind="mergesort")
    first = rows.drop_duplicates("gene")
    index = pd.DataFrame({
        "gene": first["gene"].astype(str).to_numpy(),
        "best_score": first[value].to_numpy(dtype=float),
        "best_tile": first["tf_id"].astype(str).to_numpy(),
        "best_domain": first["domain_id"].astype(str).to_numpy(),
    })
    index["n_tiles"] = index["gene"].map(gene.groupby(gene).size()).astype(int)
    index = index.sort_values(["best_score", "gene"], ascending=[False, True], na_position="last",
                              kind="mergesort").reset_index(drop=True)
    has_coords = index["gene"].map(placed.groupby(gene).any()).astype(bool).to_numpy()
    within = np.cumsum(has_coords) <= limit
    drawn = has_coords & within
    index["drawn"] = np.where(drawn, "yes", "no")
    files = track_files(index.loc[drawn, "gene"])
    index["file"] = index["gene"].map(files).fillna("")
    index["reason"] = np.select([drawn, ~has_coords], ["", "no tile coordinates"],
                                f"not among the best {limit} genes (rank.track_genes)")
    return index[INDEX_COLUMNS]


__all__ = ["INDEX_COLUMNS", "best_per_tile", "file_stem", "gene_index", "select_tiles", "track_files"]
