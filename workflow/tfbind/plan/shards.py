"""Cutting the pairs into shards: one extraction job per shard.

Shards are consecutive runs of ``shard_size`` pairs in input order, so appending pairs to a screen
only changes the last shard and adds new ones. Each shard's manifest is a small TSV that is rewritten
only when its content changes: Snakemake sees unchanged manifests as up to date and re-extracts only
the shards whose pairs changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from pathlib import Path
from typing import TypeVar

import pandas as pd

from ..escape import escape_control
from .archives import ARCHIVE_DIR
from .pairs import MANIFEST_COLUMNS, PAIR_COLUMNS, PairPlan

SHARD_GLOB = "shard_*.tsv"
T = TypeVar("T")


def shard_name(index: int) -> str:
    return f"shard_{index:05d}"


def cut_shards(items: Sequence[T], shard_size: int) -> list[tuple[str, Sequence[T]]]:
    """``(shard name, its items)`` for consecutive runs of ``shard_size`` items in input order: the one
    cutting of the pairs into shards, used for the manifests (:func:`write_plan`) and for the archives each
    shard reads (:func:`shard_archives`), so that the two cannot disagree."""
    if shard_size < 1:
        raise ValueError("features.shard_size must be at least 1")
    return [(shard_name(i), items[start:start + shard_size])
            for i, start in enumerate(range(0, len(items), shard_size))]


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; return True if written."""
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return True


def _tsv_lines(frame: pd.DataFrame) -> list[str]:
    """One TSV line per row (no quoting: IDs are validated and fields never hold tabs or newlines).

    Built once for the whole plan: pandas' to_csv per shard costs about a millisecond each, which adds up
    to seconds for the 1,000 shards of a 10^5-pair screen at every parse. Large plans are joined by Arrow
    (one C++ pass; Python's joins took 4-5 s at 10^6 pairs); the same lines either way.
    """
    if len(frame) >= 10_000:
        lines = _arrow_tsv_lines(frame)
        if lines is not None:
            return lines
    return ["\t".join(values) + "\n" for values in zip(*(frame[c].astype(str).tolist() for c in frame.columns))]


def _arrow_tsv_lines(frame: pd.DataFrame) -> list[str] | None:
    """The lines of :func:`_tsv_lines` joined by ``pyarrow.compute``; None when a cell is missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    columns = [pa.array(frame[c].astype(str), type=text) for c in frame.columns]
    joined = pc.binary_join_element_wise(*columns, pa.scalar("\t", text))
    if joined.null_count:
        return None
    return pc.binary_join_element_wise(joined, pa.scalar("", text), pa.scalar("\n", text)).to_pylist()


def _tsv(frame: pd.DataFrame) -> str:
    """A small table as TSV text, control characters in its cells escaped (``io.escape_control``)."""
    frame = frame.astype(str).map(escape_control) if len(frame) else frame
    return "\t".join(frame.columns) + "\n" + "".join(_tsv_lines(frame))


def write_plan(plan: PairPlan, plan_dir: str | Path, shard_size: int) -> list[str]:
    """Write one manifest per shard plus ``unmatched.tsv``; drop manifests of shards that no longer exist.

    Returns the shard names in order.
    """
    plan_dir = Path(plan_dir)
    columns = MANIFEST_COLUMNS if set(MANIFEST_COLUMNS) <= set(plan.pairs.columns) else PAIR_COLUMNS
    pairs = plan.pairs[columns]
    header = "\t".join(columns) + "\n"
    lines = _tsv_lines(pairs)
    # a tab or newline inside a value shows as extra ones in the lines (C-speed counts, not a regex per
    # column, and no joined copy of the whole plan: 300 MB at 10^6 pairs)
    tabs, newlines = (sum(map(str.count, lines, repeat(c))) for c in ("\t", "\n"))
    if tabs != len(lines) * (len(columns) - 1) or newlines != len(lines):
        raise ValueError("pairs table values must not contain tabs or newlines")
    cut = cut_shards(lines, shard_size)
    shards = [name for name, _ in cut]
    for name, shard_lines in cut:
        write_if_changed(plan_dir / f"{name}.tsv", header + "".join(shard_lines))
    for stale in plan_dir.glob(SHARD_GLOB):
        if stale.stem not in shards:
            stale.unlink()
    unmatched = pd.DataFrame(plan.unmatched, columns=["name", "reason"])
    write_if_changed(plan_dir / "unmatched.tsv", _tsv(unmatched))
    return list(shards)


def shard_archives(
    pairs_prediction: list[str], archives: dict[str, str], shard_size: int
) -> dict[str, list[str]]:
    """Shard name -> extraction folders (``results/archives/<name>``) its pairs read from (the shards of
    :func:`cut_shards`, as :func:`write_plan` writes them)."""
    out: dict[str, list[str]] = {}
    if not archives:  # the common case costs nothing at parse time
        return out
    prefix = ARCHIVE_DIR + "/"
    for name, predictions in cut_shards(pairs_prediction, shard_size):
        for prediction in predictions:
            if prediction.startswith(prefix):
                folder = prefix + prediction[len(prefix):].split("/", 1)[0]
                folders = out.setdefault(name, [])
                if folder not in folders:
                    folders.append(folder)
    return out


def read_manifest(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
