"""The failed-pairs table (failed.tsv): one row per pair that could not be read or scored; and the
warnings table (warnings.tsv): one row per note on a pair that was scored from part of its files or with
a repair (``pair_id, stage, note``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..io import write_tsv

#: Columns of failed.tsv and warnings.tsv. Here, not in .schema, so that the steps that only check for failures
#: (train, cv_fold, rank: :func:`require_pairs`) do not import the metric modules the Parquet schema names.
FAILED_COLUMNS = ["pair_id", "stage", "reason"]
WARNING_COLUMNS = ["pair_id", "stage", "note"]


def _write_one_line_rows(records: Iterable[dict], columns: list[str], text: str, path: str | Path) -> None:
    """One row per record, every field one line: the ``text`` column's runs of white space become one
    space, and control characters left in any field (e.g. a folder name with a newline) are escaped by
    ``write_tsv``."""
    frame = pd.DataFrame(list(records), columns=columns).astype(str)
    frame[text] = frame[text].str.replace(r"[ \t\n\r\f\v]+", " ", regex=True)
    write_tsv(frame, path)


def write_failed(records: Iterable[dict], path: str | Path) -> None:
    """failed.tsv: one row per record (``pair_id, stage, reason``), each field one line."""
    _write_one_line_rows(records, FAILED_COLUMNS, "reason", path)


def read_failed(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def write_warnings(records: Iterable[dict], path: str | Path) -> None:
    """warnings.tsv: one row per note (``pair_id, stage, note``), each field one line."""
    _write_one_line_rows(records, WARNING_COLUMNS, "note", path)


def merge_warnings(parts: Iterable[str | Path], path: str | Path) -> int:
    """Concatenate the shards' warnings tables into ``path``; return the row count."""
    frames = [read_failed(p) for p in parts]
    records = pd.concat(frames, ignore_index=True).to_dict("records") if frames else []
    write_warnings(records, path)
    return len(records)


# A path in a reason (a token with a slash and a letter: runs/a/x.json, not a count such as 3/4) and a pair ID:
# masked only to tell which reasons are alike; the reasons are shown as written.
_PATH = re.compile(r"[^\s:()'\"]*[A-Za-z_][^\s:()'\"]*/[^\s:()'\"]*|[^\s:()'\"]*/[^\s:()'\"]*[A-Za-z_][^\s:()'\"]*")
_PAIR = re.compile(r"\bpair \S+")
#: Longest reason quoted whole (characters); a longer one is cut at a word boundary with "...".
LONGEST_REASON = 300


def _alike(reason: str) -> str:
    return _PAIR.sub("pair <id>", _PATH.sub("<path>", reason))


def quote_reason(reason: str, longest: int = LONGEST_REASON) -> str:
    """``reason`` as written, or cut at the last word boundary before ``longest`` characters with " ..."."""
    if len(reason) <= longest:
        return reason
    cut = reason[:longest]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " ..."


def common_reasons(failed: pd.DataFrame, top: int = 3) -> tuple[list[str], int]:
    """The ``top`` most common failure reasons of a failed.tsv table as lines ``"N x stage: reason"``, and the
    number of kinds not shown. Identical reasons are counted together, and so are reasons that differ only by
    the file paths or pair IDs they name (one reason per pair otherwise); each kind is quoted as written by its
    most frequent reason (cut at a word boundary past ``LONGEST_REASON`` characters), with the count of the
    other wordings it stands for."""
    if failed.empty:
        return [], 0
    text = failed["stage"].astype(str) + ": " + failed["reason"].astype(str)
    counts = text.groupby(text, sort=False).size()  # identical reasons, in the order first seen
    kinds: dict[str, list] = {}  # kind -> [count, its most frequent wording and that wording's count, wordings]
    for reason, n in counts.items():
        kind = kinds.setdefault(_alike(reason), [0, reason, 0, -1])
        kind[0] += int(n)
        if n > kind[2]:
            kind[1:3] = [reason, int(n)]
        kind[3] += 1
    # most frequent first; ties in the order first seen in the table (sorted is stable)
    ordered = [(n, example, others) for n, example, _, others in sorted(kinds.values(), key=lambda k: -k[0])]
    lines = []
    for n, example, others in ordered[:top]:
        line = f"{n} x {quote_reason(example)}"
        if others:
            line += f" (and {others} like it naming other files or pairs)" if others > 1 else (
                " (and 1 like it naming another file or pair)")
        lines.append(line)
    return lines, max(0, len(ordered) - top)


def require_pairs(pairs_path: str | Path, failed_path: str | Path | None = None) -> None:
    """``InputError`` when ``pairs.parquet`` holds no pair: every pair failed (or matched nothing), so there is
    nothing to train on or rank. Called first by the steps that read the pairs, so that such a run fails with
    the reasons instead of finishing with empty rankings. One pair read is enough: bad pairs never stop the
    others. ``failed_path``: by default the ``failed.tsv`` beside ``pairs_path`` (both written by one job)."""
    import pyarrow.parquet as pq

    if pq.ParquetFile(pairs_path).metadata.num_rows:
        return
    path = Path(failed_path) if failed_path else Path(pairs_path).with_name("failed.tsv")
    failed = read_failed(path) if path.is_file() and path.stat().st_size else pd.DataFrame(columns=FAILED_COLUMNS)
    lines, more = common_reasons(failed)
    shown = "".join(f"\n  {line}" for line in lines)
    if more:
        shown += f"\n  ... and {more} other kinds of reason"
    message = (
        f"no pair was read: all {len(failed)} pairs or inputs failed, see {path} (one row each, with its reason)"
        + (f"; most common reasons:{shown}" if lines else "")
        + "\nOne bad pair never stops the others: when none is read, the runs are usually not where the "
          "config says (predictions_dir, the pairs table's prediction column), or their chains cannot be told "
          "apart (a homodimer needs the pairs table's tf_chain and domain_chain columns)"
    )
    logging.getLogger(__name__).error("%s", message)  # into the job's log too, which Snakemake points at
    raise InputError(message)
