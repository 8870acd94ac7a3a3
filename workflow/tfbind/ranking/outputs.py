"""The ``rank_candidates`` step: pairs.parquet (+ model scores) -> every ranking output, bounded at any scale.

What holds every candidate and what holds the best ones only (docs/outputs.md):

* ``<domain>.tsv`` (one per domain) and ``ranking.parquet``: every ranked pair;
* ``ranking.xlsx``: the best ``workbook_rows`` (``rank.workbook_rows``, default 10,000) per domain sheet.
  Why: openpyxl writes about 10^5 cells/s and holds the workbook in memory, so 10^6 pairs x 25 columns would
  take minutes and GBs, and a sheet stops at 1,048,576 rows anyway; a spreadsheet is for looking at the top;
* the report's ``ranked_candidates.html``: the best ``page_rows`` (``rank.page_rows``, default 1,000) per
  domain. Why: the sortable tables hold their rows as HTML in one page that a browser must lay out (about
  0.8 kB per row).

What is left out is counted: the workbook's ``about`` sheet and the page say, per domain, how many rows of how
many they show and where the rest is; the log says it too. Only the columns the ranking uses are read from
pairs.parquet (not the sequences and descriptors), so memory scales with those ~15 columns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..defaults import defaults
from ..io import atomic_path
from .html import ranking_page
from .landing import landing_html
from .summary import read_failed, run_summary
from .table import build_ranking, scorer_note, workbook_limit, write_ranking

log = logging.getLogger("tfbind.ranking")

WORKBOOK_ROWS = defaults("rank.workbook_rows")  # the config schema's, for library use
PAGE_ROWS = defaults("rank.page_rows")

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


def all_metrics_rows(pairs_path: str | Path, table: pd.DataFrame, domains: list[str], limit: int) -> pd.DataFrame:
    """The ``all_metrics`` sheet: ``rank``, ``score``, ``scored_by`` and every column of pairs.parquet, for the
    pairs of the workbook's domain sheets (the best ``limit`` of each domain of ``domains``), in their order.
    Only those rows are kept from the Parquet file (a filter on ``pair_id``, read a row group at a time), so
    a 10^6-pair screen costs the sheet's rows, not the table."""
    import pyarrow.compute as pc

    where = table.groupby("domain_id", sort=False).indices
    shown = pd.concat([table.iloc[where.get(d, [])[:limit]] for d in domains], ignore_index=True) if domains \
        else table.iloc[:0]
    shown = shown[["pair_id", "rank", "score", "scored_by"]]
    wanted = pa.array(shown["pair_id"].astype(str), type=pa.string())
    source = pq.ParquetFile(pairs_path)
    parts = [batch.filter(pc.is_in(batch["pair_id"], value_set=wanted))
             for batch in source.iter_batches(batch_size=65_536, use_threads=False)]
    kept = pa.Table.from_batches(parts, schema=source.schema_arrow).to_pandas()
    metrics = shown.merge(kept, on="pair_id", how="left", validate="one_to_one")
    return metrics[["rank", "score", "scored_by", *kept.columns]]


def shown_rows(per_domain: dict[str, pd.DataFrame], limit: int) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """(the first ``limit`` rows of each domain's table, the number of rows each had)."""
    return {d: rows.head(limit) for d, rows in per_domain.items()}, {d: len(rows) for d, rows in per_domain.items()}


def rank_candidates(pairs_path: str | Path, failed_path: str | Path, scores_path: str | Path | None,
                    domains: list[str], model_note: str, out: RankOutputs, workbook_rows: int = WORKBOOK_ROWS,
                    page_rows: int = PAGE_ROWS, order_by: str = defaults("rank.order_by"),
                    calibration_path: str | Path | None = None, model_kind: str = "",
                    trained: bool = False, coords: pd.DataFrame | None = None) -> pd.DataFrame:
    """Write every output of the ranking step; return the whole ranking table. ``order_by``: rank.order_by
    (:func:`tfbind.ranking.table.scorers`); ``calibration_path``: the model's calibration.json, whose
    out-of-fold AUROC per category the outputs quote for the domains the model ranks; ``model_kind``: where
    the model comes from (tfbind.model.pretrained.MODEL_KINDS, "" without one) and ``trained``: whether this
    run trained one, for the report's landing text (:mod:`.landing`); ``coords``: tile coordinates
    (:func:`tfbind.ranking.coordinates.tile_coordinates`) that number the interface residues in the protein."""
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
    metrics = all_metrics_rows(pairs_path, table, domains, workbook_limit(workbook_rows))
    per_domain = write_ranking(table, domains, out.tsv, out.xlsx, workbook_rows, notes, model_note, metrics)
    with atomic_path(out.parquet) as tmp:
        table.to_parquet(tmp, index=False)
    summary = run_summary(pairs, read_failed(failed_path), domains, model_note, ranking_dir, scorer_notes=notes,
                          imputed=None if scores is None else scores)
    with atomic_path(out.summary) as tmp:
        tmp.write_text("\n".join(summary) + "\n")
    shown, total = shown_rows(per_domain, page_rows)
    with atomic_path(out.page) as tmp:
        landing = landing_html(per_domain, model_kind if scores is not None else "", model_note, trained)
        tmp.write_text(ranking_page(shown, summary, totals=total, landing=landing), encoding="utf-8")
    for d in domains:
        if total[d] > min(workbook_rows, page_rows):
            log.info("%s: %d candidates; workbook sheet holds the best %d, the report page the best %d "
                     "(all in %s and ranking.parquet)", d, total[d], min(total[d], workbook_rows),
                     min(total[d], page_rows), Path(out.tsv[d]).name)
    return table


__all__ = ["PAGE_ROWS", "all_metrics_rows", "RANKING_INPUT_COLUMNS", "WORKBOOK_ROWS", "RankOutputs", "rank_candidates",
           "read_ranking_inputs"]
