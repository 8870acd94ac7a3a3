"""The ``rank_candidates`` step: pairs.parquet (+ model scores) -> every ranking output, bounded at any scale.

What holds every candidate and what holds the best ones only (README "Ranking"):

* ``<domain>.tsv`` (one per domain) and ``ranking.parquet``: every ranked pair;
* ``ranking.xlsx``: the best ``workbook_rows`` (``rank.workbook_rows``, default 10,000) per domain sheet.
  Why: openpyxl writes about 10^5 cells/s and holds the workbook in memory, so 10^6 pairs x 25 columns would
  take minutes and GBs, and a sheet stops at 1,048,576 rows anyway; a spreadsheet is for looking at the top;
* the report's ``ranked_candidates.html``: the best ``page_rows`` (``rank.page_rows``, default 1,000) per
  domain. Why: the interactive tables embed their rows as JSON in one page that a browser must parse (about
  0.3 kB per row).

What is left out is counted: the workbook's ``about`` sheet and the page say, per domain, how many rows of how
many they show and where the rest is; the log says it too. Only the columns the ranking uses are read from
pairs.parquet (not the sequences and descriptors), so memory scales with those ~15 columns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..io import atomic_path
from .html import ranking_page
from .summary import read_failed, run_summary
from .table import build_ranking, scorer_note, write_ranking

log = logging.getLogger("tfbind.ranking")

WORKBOOK_ROWS = 10_000
PAGE_ROWS = 1_000

#: Columns of pairs.parquet that the ranking and the run summary read (those present are read).
RANKING_INPUT_COLUMNS = ["pair_id", "tf_id", "domain_id", "domain_category", "source_format", "prediction",
                         "n_models", "ranking_confidence", "shape_complementarity", "ipsae_min", "iptm", "lis",
                         "lia", "pdockq2_tf", "pdockq2_domain", "pdockq", "plddt_interface",
                         "interface_residues_tile"]  # fmt: skip


@dataclass(frozen=True)
class RankOutputs:
    """The rule's declared outputs."""

    tsv: dict[str, Path]  # domain -> <domain>.tsv
    xlsx: Path
    parquet: Path
    summary: Path
    page: Path


def read_ranking_inputs(path: str | Path) -> pd.DataFrame:
    """The ranking's columns of a pairs table (Parquet), without the others."""
    present = set(pq.ParquetFile(path).schema_arrow.names)
    return pq.read_table(path, columns=[c for c in RANKING_INPUT_COLUMNS if c in present]).to_pandas()


def shown_rows(per_domain: dict[str, pd.DataFrame], limit: int) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """(the first ``limit`` rows of each domain's table, the number of rows each had)."""
    return {d: rows.head(limit) for d, rows in per_domain.items()}, {d: len(rows) for d, rows in per_domain.items()}


def rank_candidates(pairs_path: str | Path, failed_path: str | Path, scores_path: str | Path | None,
                    domains: list[str], model_note: str, out: RankOutputs, workbook_rows: int = WORKBOOK_ROWS,
                    page_rows: int = PAGE_ROWS, order_by: str = "auto",
                    calibration_path: str | Path | None = None, coords: pd.DataFrame | None = None) -> pd.DataFrame:
    """Write every output of the ranking step; return the whole ranking table. ``order_by``: rank.order_by
    (:func:`tfbind.ranking.table.scorers`); ``calibration_path``: the model's calibration.json, whose
    out-of-fold AUROC per category the outputs quote for the domains the model ranks; ``coords``: tile
    coordinates (:func:`tfbind.ranking.coordinates.tile_coordinates`) that number the interface residues in
    the protein."""
    pairs = read_ranking_inputs(pairs_path)
    scores = pd.read_csv(scores_path, sep="\t", dtype={"pair_id": str, "imputed": str},
                         keep_default_na=False, na_values=[""]) if scores_path else None
    if scores is not None:
        scores["imputed"] = scores["imputed"].fillna("")
        scores["applicability"] = scores["applicability"].fillna("")
    log.info("ranking %d pairs of %d domains%s", len(pairs), len(domains), " with model scores" if scores is not None
             else "")
    table = build_ranking(pairs, scores, order_by, coords)
    cv_auroc = None
    if calibration_path:
        from ..model.calibration import read_calibration

        cv_auroc = read_calibration(calibration_path).get("cv_auroc")
    where = table.groupby("domain_id", sort=False).indices
    notes = {d: scorer_note(table.iloc[where.get(d, [])], cv_auroc) for d in domains}
    for d, note in notes.items():
        log.info("%s ranked by %s", d, note)
    ranking_dir = str(Path(out.xlsx).parent)
    per_domain = write_ranking(table, domains, out.tsv, out.xlsx, workbook_rows, notes, model_note)
    with atomic_path(out.parquet) as tmp:
        table.to_parquet(tmp, index=False)
    summary = run_summary(pairs, read_failed(failed_path), domains, model_note, ranking_dir, scorer_notes=notes,
                          imputed=None if scores is None else scores)
    with atomic_path(out.summary) as tmp:
        tmp.write_text("\n".join(summary) + "\n")
    shown, total = shown_rows(per_domain, page_rows)
    with atomic_path(out.page) as tmp:
        tmp.write_text(ranking_page(shown, summary, totals=total), encoding="utf-8")
    for d in domains:
        if total[d] > min(workbook_rows, page_rows):
            log.info("%s: %d candidates; workbook sheet holds the best %d, the report page the best %d "
                     "(all in %s and ranking.parquet)", d, total[d], min(total[d], workbook_rows),
                     min(total[d], page_rows), Path(out.tsv[d]).name)
    return table


__all__ = ["PAGE_ROWS", "RANKING_INPUT_COLUMNS", "WORKBOOK_ROWS", "RankOutputs", "rank_candidates",
           "read_ranking_inputs"]
