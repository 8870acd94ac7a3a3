"""AlphaPulldown score tables (the analysis CSV) as an input instead of AlphaFold run folders.

AlphaPulldown's analysis step (``run_get_good_pae.sh`` / ``alpha-analysis``) writes one CSV row per job
``{bait}_and_{candidate}`` with the best model's ``iptm``, ``iptm_ptm``, ``mpDockQ/pDockQ`` and the
PI-score interface descriptors (``Num_intf_residues, Polar, Hydrophobhic, Charged, contact_pairs, sc,
hb, sb, int_solv_en, int_area, pi_score``); some screens add ``lis_score, average_pae_score,
lia_score``. Headers may carry stray leading spaces (`` sc``) and the misspelling ``Hydrophobhic``.

``read_score_table`` maps such a table onto the rows of ``pairs.parquet`` (``columns.PAIR_SCHEMA``) plus
(the same columns as pairs read from AlphaFold runs). Rules:

* one row per job; the job name is the ``pair_id`` and is split into (domain_id, tf_id) with the FASTA
  IDs (``jobnames.split_job_name``); jobs that match no FASTA pair go to the failed records, never
  dropped silently; a missing ``jobs`` column, duplicate jobs, or a table whose jobs match no FASTA
  pair at all raise ``InputError`` naming the file;
* ``None``, ``nan``, ``NA``, ``N/A``, ``null`` and empty cells become NaN/null and are counted per
  column in ``stats["missing"]``; other text in a numeric column (AlphaPulldown writes
  ``No interface detected`` into ``pi_score``) also becomes NaN, is counted as missing and listed in
  ``stats["non_numeric"]``;
* numbers are read with the strict grammar of ``tfbind.ranges`` and checked against its range table:
  a number in a refused form (``inf``, ``1e999``, ``0_5``, which Python's ``float`` reads as 5.0) or
  out of range (ipTM 42, a fraction above 1, a negative or fractional count) fails that job's row
  (a failed record naming the line, column and value); the other rows are imported;
* every output column that the table lacks is NaN/null (``stats["absent_columns"]``); in particular
  the ``<metric>_mean`` columns stay NaN: the table holds one (the best) model per job, so
  ``n_models`` = 1, ``model_rank`` = 0, ``model_name`` = ``score_table``.

Caveat on ``pdockq``: for two chains AlphaPulldown's ``mpDockQ/pDockQ`` is a pDockQ with Bryant et al.'s
(2022) sigmoid, but its inputs depend on the AlphaPulldown version that wrote the table (KosinskiLab/AlphaPulldown
``alphapulldown/analysis_pipeline/get_good_inter_pae.py`` and ``calculate_mpdockq.py``): some versions apply the
sigmoid to the mpDockQ complex score (CB-CB <= 8 A contacts of ``ranked_0.pdb``, both chain orders summed,
``log10(contacts + 1)`` times the mean pLDDT over contact pairs: roughly twice Bryant's x, and 0.018 rather than 0
without contacts); ``calc_pdockq`` on ``read_pdb_pdockq`` is Bryant's x on CB atoms (CA for Gly), which is
``tfbind.metrics.dockq.pdockq``. Which one a published table used cannot be told from the table
(``resources/models/ep300/inputs.md``).

Caveat on ``lis``/``lia``/``pae_mean``: in the published tables these come from the screen's own
script (castral02/tf_binding ``scripts/lia_lis.py``), which computes them over the whole PAE matrix
of the best model: ``lis_score`` = sum of ``1/PAE`` over entries with ``PAE <= 12`` divided by all
entries (intra-chain included), ``lia_score`` = count of ``PAE < 12`` in the off-diagonal blocks cut at
the length of chain B, ``average_pae_score`` = mean of the whole matrix. They are not the Kim et al.
(2024) LIS/LIA that ``tfbind.metrics`` computes from PAE files, so compare them only within
``source_format == "score_table"`` rows.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..escape import escape_control
from ..io import rows_to_table, write_parquet
from ..plan.ids import check_columns, check_unique
from ..plan.jobnames import split_job_name, unmatched_reason
from ..plan.sequences import SequenceRecord, read_fasta
from ..ranges import RANGES, check_scalar, looks_numeric, parse_number
from .cross_domain import add_profile_to_parquet
from .descriptors import pair_descriptors
from .failed import write_failed
from .schema import MODEL_SCHEMA, PAIR_SCHEMA

log = logging.getLogger(__name__)

SOURCE_FORMAT = "score_table"
STAGE = "score_table"
JOB_COLUMN = "jobs"

# Output column -> accepted header spellings (after stripping spaces), first match wins; two present
# spellings of one column are refused as ambiguous.
NUMERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "iptm": ("iptm",),
    "ranking_confidence": ("iptm_ptm",),
    "pdockq": ("mpDockQ/pDockQ",),
    "pae_mean": ("average_pae_score", "average pae score"),
    "lis": ("lis_score",),
    "lia": ("lia_score",),
    "solvation_energy": ("int_solv_en",),
    "interface_area": ("int_area",),
    "n_contact_pairs": ("contact_pairs",),
    "n_interface_res": ("Num_intf_residues",),
    "frac_polar": ("Polar",),
    "frac_hydrophobic": ("Hydrophobhic", "Hydrophobic"),
    "frac_charged": ("Charged",),
    "n_hbonds": ("hb",),
    "n_salt_bridges": ("sb",),
    "shape_complementarity": ("sc",),
    "pi_score": ("pi_score",),
}
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {"score_table_interface": ("interface",)}
COLUMN_MAP = {**NUMERIC_COLUMNS, **TEXT_COLUMNS}
IGNORED_HEADERS = ("pdb", "pvalue")

# Types of the columns a score table adds beside the confidence metrics.
#: Count columns: their cells must be whole numbers (stored as float64 like every metric, NaN allowed).
COUNT_COLUMNS = frozenset({"n_interface_res", "n_contact_pairs", "n_hbonds", "n_salt_bridges"})

MISSING_TOKENS = frozenset({"", "none", "nan", "na", "n/a", "null"})


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        raise InputError(f"{path}: score table not found")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read as a CSV table: {exc}") from exc
    while lines and not any(cell.strip() for cell in lines[-1]):
        lines.pop()  # trailing blank lines
    if not lines:
        raise InputError(f"{path}: the score table is empty")
    header = [h.strip() for h in lines[0]]
    check_unique(header, "column names (after stripping spaces)", str(path))
    body = lines[1:]
    for i, cells in enumerate(body, start=2):
        if len(cells) != len(header):
            raise InputError(f"{path} line {i}: {len(cells)} fields but the header has {len(header)}")
    return header, body


def _locate_columns(header: list[str], path: Path) -> dict[str, int]:
    """Output column -> index in the table, for the mapped columns present."""
    index = {h: i for i, h in enumerate(header)}
    found = {}
    for out, spellings in COLUMN_MAP.items():
        present = [s for s in spellings if s in index]
        if len(present) > 1:
            raise InputError(f"{path}: columns {', '.join(present)} all map to {out}; keep one")
        if present:
            found[out] = index[present[0]]
    return found


class BadCell(ValueError):
    """A cell holding a number in a refused form or out of its range: the row's pair fails."""


def _parse_number(text: str, column: str, out: str, where: str) -> tuple[float | int | None, str]:
    """(value, status) with status "ok", "missing" or "non_numeric" (text that is no number at all,
    such as ``No interface detected``). A number outside the strict grammar of ``tfbind.ranges``
    (``inf``, ``1e999``, ``0_5``) or outside the column's range raises :class:`BadCell`."""
    value = text.strip()
    if value.lower() in MISSING_TOKENS:
        return None, "missing"
    number = parse_number(value)
    if number is None:
        if looks_numeric(value):
            raise BadCell(f"{where}: column {column!r}: {escape_control(value)!r} "
                          "is not a finite number in plain notation")
        return None, "non_numeric"
    if out in RANGES:
        check_scalar(number, out, f"{where}: column {column!r}", BadCell, allow_nan=False)
    return (int(number), "ok") if out in COUNT_COLUMNS else (number, "ok")


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows -> DataFrame with PAIR_SCHEMA's columns and matching dtypes (NaN/<NA>/None)."""
    data = {}
    for field in PAIR_SCHEMA:
        values = [r.get(field.name) for r in rows]
        if pa.types.is_floating(field.type):
            data[field.name] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        elif pa.types.is_integer(field.type):
            data[field.name] = pd.array(values, dtype="Int64")
        else:
            data[field.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=PAIR_SCHEMA.names)


def _identity_columns(job: str, tf: SequenceRecord, domain: SequenceRecord) -> dict:
    """The columns of a pair row that come from its job name and FASTA records, not from the table."""
    return {
        "pair_id": job,
        "tf_id": tf.id,
        "domain_id": domain.id,
        "domain_category": domain.category,
        "source_format": SOURCE_FORMAT,
        "model_name": SOURCE_FORMAT,
        "model_rank": 0,
        "tf_length": len(tf.sequence),
        "domain_length": len(domain.sequence),
        "n_models": 1,
        "tf_sequence": tf.sequence,
        "domain_sequence": domain.sequence,
        "tf_group": tf.group or None,
        **pair_descriptors(tf.sequence, domain.sequence),
    }


def _parse_cell(text: str, out: str, header: str, where: str):
    """(value, status) of one cell for output column ``out``: text columns as stripped text, counts as
    integers, the rest as floats; status "ok", "missing" or "non_numeric" (value None/NaN then)."""
    if out in TEXT_COLUMNS:
        value = text.strip()
        return (None, "missing") if value.lower() in MISSING_TOKENS else (value, "ok")
    return _parse_number(text, header, out, where)


def read_score_table(
    path: str | Path,
    tfs: dict[str, SequenceRecord],
    domains: dict[str, SequenceRecord],
) -> tuple[pd.DataFrame, list[dict], dict]:
    """Read an AlphaPulldown score table; return (pair rows, failed records, stats).

    * pair rows: one per job that matches a (domain, TF) pair of the FASTA files, columns
      ``PAIR_SCHEMA.names`` (PAIR_SCHEMA then ``SCORE_TABLE_EXTRA_COLUMNS``), in table order;
      float columns hold NaN, integer columns pandas ``Int64`` (<NA>), text columns ``None`` when
      missing, so ``tables.rows_to_table(frame.to_dict("records"), PAIR_SCHEMA)`` works;
    * failed records: ``{"pair_id", "stage": "score_table", "reason"}`` for jobs that match no pair;
    * stats: ``path``, ``n_table_rows``, ``n_pairs``, ``n_failed``, ``source_columns`` (output column
      -> header used), ``absent_columns`` (mapped output columns the table lacks: all NaN),
      ``missing`` (output column -> missing cells among the pair rows, for every mapped column the
      table has), ``non_numeric`` (output column -> {text: count} of text read as NaN),
      ``ignored_columns`` and ``unused_columns`` (headers neither mapped nor known).
    """
    path = Path(path)
    header, body = _read_csv(path)
    if JOB_COLUMN not in header:
        raise InputError(f"{path}: no {JOB_COLUMN!r} column (found: {', '.join(header)})")
    if not body:
        raise InputError(f"{path}: the score table has no rows")
    job_idx = header.index(JOB_COLUMN)
    located = _locate_columns(header, path)
    mapped_headers = {header[i] for i in located.values()} | {JOB_COLUMN}
    ignored = [h for h in header if h in IGNORED_HEADERS]
    unused = [h for h in header if h not in mapped_headers and h not in IGNORED_HEADERS]
    known = [JOB_COLUMN] + [s for spellings in COLUMN_MAP.values() for s in spellings] + list(IGNORED_HEADERS)
    check_columns(header, known, str(path), "score table", warn=lambda message: log.warning("%s", message))

    jobs = [cells[job_idx].strip() for cells in body]
    check_unique([j for j in jobs if j], "jobs", str(path))

    rows, failed = [], []
    missing = Counter({out: 0 for out in located})
    non_numeric: dict[str, Counter] = {}
    for line, (job, cells) in enumerate(zip(jobs, body), start=2):
        where = f"{path} line {line}"
        split = split_job_name(job, tfs, domains, where) if job else None
        if split is None:
            failed.append(
                {"pair_id": job, "stage": STAGE, "reason": f"{where}: {unmatched_reason(job, tfs, domains)}"}
            )
            continue
        row = _identity_columns(job, tfs[split.tf_id], domains[split.domain_id])
        statuses = {}
        try:
            for out, idx in located.items():
                row[out], statuses[out] = _parse_cell(cells[idx], out, header[idx], where)
        except BadCell as exc:
            failed.append({"pair_id": job, "stage": STAGE, "reason": str(exc)})
            continue
        for out, status in statuses.items():
            if status != "ok":
                missing[out] += 1
            if status == "non_numeric":
                non_numeric.setdefault(out, Counter())[cells[located[out]].strip()] += 1
        rows.append(row)

    if not rows:
        shown = "; ".join(f["reason"] for f in failed[:3])
        raise InputError(
            f"{path}: none of the {len(body)} jobs could be imported (a {{domain_id}}_and_{{tf_id}} pair of the "
            f"FASTA records with valid values; e.g. {shown})"
        )
    for rec in failed:
        log.warning("%s", rec["reason"])
    for out, texts in non_numeric.items():
        log.warning("%s: %s has non-numeric values read as missing: %s", path, out, dict(texts))

    stats = {
        "path": str(path),
        "n_table_rows": len(body),
        "n_pairs": len(rows),
        "n_failed": len(failed),
        "source_columns": {out: header[idx] for out, idx in located.items()},
        "absent_columns": [out for out in COLUMN_MAP if out not in located],
        "missing": dict(missing),
        "non_numeric": {out: dict(c) for out, c in non_numeric.items()},
        "ignored_columns": ignored,
        "unused_columns": unused,
    }
    return _frame(rows), failed, stats


def import_score_table(
    table: str | Path,
    tf_fasta: str | Path,
    domain_fasta: str | Path,
    out_models: str | Path,
    out_pairs: str | Path,
    out_failed: str | Path,
    cross_domain: Sequence[str] = (),
) -> tuple[int, int]:
    """The features stage for a score table: ``pairs.parquet``, an empty ``models.parquet``, ``failed.tsv``;
    ``cross_domain``: metrics whose profile across domains is appended (``features.cross_domain_profile``).

    Missing values are counted per column in the log; returns (pairs written, failed records).
    """
    tfs, domains = read_fasta(tf_fasta, "tf"), read_fasta(domain_fasta, "domain")
    frame, failed, stats = read_score_table(table, tfs, domains)
    write_parquet(rows_to_table(frame.to_dict("records"), PAIR_SCHEMA), out_pairs)
    add_profile_to_parquet(out_pairs, cross_domain)
    write_parquet(MODEL_SCHEMA.empty_table(), out_models)  # a score table holds no per-model rows
    write_failed(failed, out_failed)
    log.info("%s: %d rows -> %d pairs, %d failed", table, stats["n_table_rows"], stats["n_pairs"], stats["n_failed"])
    for column, n in sorted(stats["missing"].items()):
        if n:
            log.info("%s: column %s missing (None/empty/text) in %d rows, kept as NaN", table, column, n)
    if stats["absent_columns"]:
        log.info("%s: columns not in the table (NaN): %s", table, ", ".join(stats["absent_columns"]))
    if failed:
        log.warning("%d jobs could not be matched to FASTA records: see %s", len(failed), out_failed)
    return stats["n_pairs"], len(failed)
