"""Where each tile lies along its TF protein (for the heatmap order and the score tracks).

Two sources, per tile, the first that applies:

1. FASTA header keys ``gene=``, ``start=``, ``end=`` (1-based, inclusive; a UniProt header gives them from
   ``GN=`` and a ``/START-END`` range, ``tfbind.plan.uniprot``), e.g.
   ``>MYB_24 gene=MYB start=461 end=540``; ``end`` defaults to ``start + length - 1``;
2. the tile ID ``GENE_N`` (N = tile index, as AlphaPulldown screens name tiles) with config ``tiling.step``
   (residues between tile starts) and ``tiling.first_index`` (the index of a gene's first tile, 0 or 1):
   ``start = (N - first_index) * step + 1``, ``end = start + length - 1``.

Otherwise the tile has no coordinates (``start``/``end`` NaN); ``gene`` is then the ``GENE`` of a ``GENE_N``
ID, or the tile ID itself, and is used for ordering only.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..defaults import defaults
from ..plan.uniprot import uniprot_id

_KEY = re.compile(r"(?:^|\s)(gene|start|end)=(\S+)")
_TILE_ID = re.compile(r"^(?P<gene>.+?)[_](?P<index>\d+)$")
COORDINATE_COLUMNS = ["tf_id", "gene", "tile_index", "start", "end", "coordinates"]


def _headers(path: str | Path) -> list[tuple[str, str, int]]:
    """(id, description after the id, sequence length) of every record. A UniProt header gets the ID the
    FASTA reader gives it (``tfbind.plan.uniprot``) and its gene and residue range as keys, before the
    header's own keys so that those take precedence."""
    from Bio import SeqIO

    rows = []
    for rec in SeqIO.parse(str(path), "fasta"):
        rid, description = rec.id, rec.description[len(rec.id):]
        uni = uniprot_id(rid, description, f"{path} >{rec.description}")
        if uni is not None:
            span = f" start={uni.start} end={uni.end}" if uni.start is not None else ""
            keys = f" gene={uni.gene}{span}"
            rid, description = uni.id, keys + description
        rows.append((rid, description, len(rec.seq.rstrip("*"))))
    return rows


def tile_coordinates(tf_fasta: str | Path, step: int | None = None,
                     first_index: int = defaults("tiling.first_index")) -> pd.DataFrame:
    """COORDINATE_COLUMNS per TF record; ``coordinates`` = "header", "id+step" or "" (none known)."""
    rows = []
    for tf_id, description, length in _headers(tf_fasta):
        keys = dict(_KEY.findall(description))
        m = _TILE_ID.match(tf_id)
        gene = keys.get("gene") or (m.group("gene") if m else tf_id)
        index = int(m.group("index")) if m else np.nan
        start = end = np.nan
        source = ""
        if "start" in keys:
            start = float(keys["start"])
            end = float(keys["end"]) if "end" in keys else start + length - 1
            source = "header"
        elif step and m:
            start = float((index - first_index) * step + 1)
            end = start + length - 1
            source = "id+step"
        rows.append({"tf_id": tf_id, "gene": gene, "tile_index": index, "start": start, "end": end,
                     "coordinates": source})
    return pd.DataFrame(rows, columns=COORDINATE_COLUMNS)


def tile_order(tf_ids, coords: pd.DataFrame) -> list[str]:
    """``tf_ids`` ordered by gene, then start (or tile index), then ID."""
    c = coords.set_index("tf_id").reindex(list(dict.fromkeys(tf_ids)))
    c = c.assign(_gene=c["gene"].fillna(pd.Series(c.index, index=c.index)),
                 _pos=c["start"].fillna(c["tile_index"]), _id=c.index)
    return c.sort_values(["_gene", "_pos", "_id"], na_position="last").index.tolist()


__all__ = ["COORDINATE_COLUMNS", "tile_coordinates", "tile_order"]
