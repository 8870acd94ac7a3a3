"""Merging the per-shard feature tables into the stage's three outputs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..io import concat_parquet
from .cross_domain import add_profile_to_parquet
from .failed import read_failed, write_failed
from .schema import MODEL_SCHEMA, PAIR_SCHEMA

log = logging.getLogger(__name__)


def merge_features(
    models_parts: Sequence[str | Path],
    pairs_parts: Sequence[str | Path],
    failed_parts: Sequence[str | Path],
    unmatched: str | Path | None,
    out_models: str | Path,
    out_pairs: str | Path,
    out_failed: str | Path,
    cross_domain: Sequence[str] = (),
) -> tuple[int, int]:
    """Concatenate shards; ``failed.tsv`` also lists prediction folders that matched no pair; ``cross_domain``:
    metrics whose profile across domains is appended to ``pairs.parquet`` (``features.cross_domain_profile``,
    :mod:`tfbind.features.cross_domain`: needs every shard, hence here).

    The Parquet tables are streamed one shard at a time (:func:`tfbind.io.concat_parquet`), so memory does
    not grow with the screen (10^6 pairs: docs/scale.md). Shard failure tables holding only their header
    (most of them) are recognised by their size and not parsed.

    Returns (pairs scored, entries in failed.tsv).
    """
    n_models = concat_parquet(models_parts, MODEL_SCHEMA, out_models)
    n_pairs = concat_parquet(pairs_parts, PAIR_SCHEMA, out_pairs)
    add_profile_to_parquet(out_pairs, cross_domain)
    failed = [read_failed(p) for p in failed_parts if _has_rows(p)]
    if unmatched and Path(unmatched).is_file():
        extra = pd.read_csv(unmatched, sep="\t", dtype=str, keep_default_na=False)
        failed.append(pd.DataFrame({"pair_id": extra["name"], "stage": "discover", "reason": extra["reason"]}))
    records = pd.concat(failed, ignore_index=True).to_dict("records") if failed else []
    write_failed(records, out_failed)
    log.info("merged %d shards: %d pairs, %d model rows", len(pairs_parts), n_pairs, n_models)
    if records:
        log.warning("%d pairs or inputs could not be scored: see %s", len(records), out_failed)
    return n_pairs, len(records)


def _has_rows(path: str | Path) -> bool:
    """Whether a shard's failure table has anything after its header line (the header is ~25 bytes)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        newline = head.find(b"\n")
        return newline >= 0 and bool(head[newline + 1:].strip() or handle.read(1))
