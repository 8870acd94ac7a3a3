"""The ranking tables: one row per candidate tile per domain, best first; TSV per domain and an Excel workbook.

Columns (:func:`ranking_columns`): ``rank`` (1 = best in the domain, by the model's predicted pKd or the
consensus; pairs without either last; ties broken by ``tf_id``), ``tf_id``, ``domain_id``,
``domain_category``, ``score`` (the value of that order: p_binder, the model score or the consensus) and
``scored_by`` (``model`` or ``consensus``: :func:`scorers`), with a model its columns
(:mod:`.model_scores`: ``p_binder``, the predicted Kd and its interval, ``applicability``, ``imputed``,
``model_score``), then the evidence: ``consensus``, the single metrics (``tfbind.consensus.EVIDENCE_METRICS``:
top-ranked model's values; ``pdockq2`` is the smaller direction, or pDockQ in a domain
without pDockQ2), ``n_models``, the calls (:mod:`.calls`), ``consensus_metrics`` (which metrics fed the
consensus), ``tile_start`` and ``interface_residues`` (:func:`interface_columns`), ``source_format``,
``pair_id`` and ``top_model`` (the top-ranked model's coordinate file, or the run folder when it cannot be told
from the file names; empty for score tables).
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..consensus import EVIDENCE_METRICS, consensus_scores, metric_columns
from ..defaults import defaults
from ..metrics.dockq import CONTACT_CUTOFF
from ..metrics.interface_residues import renumber
from ..plan.ids import distinct_names
from .calls import CALL_COLUMNS, THRESHOLDS, metric_calls

#: Model columns of the ranking (with a model), from tfbind.ranking.model_scores.
MODEL_COLUMNS = ["p_binder", "kd_pred_nm", "kd_pred_low_nm", "kd_pred_high_nm", "applicability", "imputed",
                 "model_score"]  # fmt: skip
#: ``rank.order_by``: ``auto`` ranks a domain by the model when the model was trained on its category, else
#: by the consensus; ``model`` and ``consensus`` force one scorer for every domain.
ORDER_BY = ("auto", "model", "consensus")
#: Mean within-domain binder AUROC of the consensus (ipTM+pTM, pDockQ, shape complementarity; score table) on
#: the EP300 development set (tfbind.consensus; docs/outputs.md).
CONSENSUS_REAL_AUROC = 0.632


#: What each column of the ranking holds (the workbook's ``about`` sheet; docs/outputs.md).
COLUMN_DEFINITIONS = {
    "rank": "1 = best in the domain: by the model's predicted pKd where scored_by is model (p_binder follows "
            "it), by the consensus elsewhere; ties by tf_id",
    "score": "the value of the rank's order: p_binder (or the model score without a calibration) where "
             "scored_by is model, the consensus where it is consensus",
    "scored_by": "model: the fusion model ranked this domain; consensus: the consensus of AlphaFold metrics "
                 "did (no model, or a domain category the model was not trained on); rank.order_by",
    "p_binder": "probability of being a binder, calibrated on the model's out-of-fold cross-validation "
                "predictions (reliability.png); blank for a category without calibration",
    "kd_pred_nm": "predicted Kd (nM), clipped to the Kd range measured for the category in training (a model "
                  "without calibration.json has no such range: not clipped, applicability says no training "
                  "ranges)",
    "kd_pred_low_nm": "Kd of the ensemble members' 90th percentile pKd (the spread of the ensemble, not a "
                      "calibrated interval), clipped the same way",
    "kd_pred_high_nm": "Kd of the members' 10th percentile pKd, clipped the same way",
    "applicability": "in range; unseen category (scored with shared weights only); outside training range: "
                     "inputs beyond the values seen in training",
    "imputed": "inputs the model filled with their training median (missing from this pair's run)",
    "model_score": "the model's predicted pKd on the training scale (0-1, 1 = strongest binding)",
    "consensus": "mean over the metrics present of the pair's within-domain rank percentile (1 = best in the "
                 "domain); see docs/outputs.md",
    "pdockq2": "pDockQ2 of the top-ranked model, the smaller direction (pDockQ in a domain without pDockQ2)",
    **THRESHOLDS,
    "n_calls_positive": "high/yes calls among the calls made for the pair",
    "consensus_metrics": "the metrics that fed the consensus in this domain",
    "top_model": "the top-ranked model's coordinate file (the run folder when it cannot be told from the file "
                 "names; empty for score tables)",
    "item": "(about sheet) a column name, or a note on the workbook",
    "definition": "(about sheet) what the item means",
    "tile_start": "the protein residue number of the tile's first residue (TF FASTA start=, or a GENE_N tile ID "
                  "with tiling.step); blank when unknown",
    "interface_residues": "residues of the tile that touch the domain in the top-ranked model: CB-CB (CA for "
                          f"Gly) <= {CONTACT_CUTOFF:g} A to a domain residue (pDockQ's contact) with PAE below "
                          "features.interface_pae_cutoff (default 15 A AlphaFold2/ColabFold, 10 A AlphaFold3) "
                          "both ways; one-letter code and protein residue number (tile_start - 1 + position in "
                          "the tile), or the position in the tile (1 = its first residue) where tile_start is "
                          "blank; empty: none (or a score table, which has no model)",
}


def column_definition(column: str) -> str | None:
    """What a column of a ranking output holds: :data:`COLUMN_DEFINITIONS`, else the feature tables'
    definition (:func:`tfbind.features.columns.feature_definition`: the evidence metrics and the
    ``all_metrics`` sheet); None when nobody defined it."""
    from ..features.columns import feature_definition

    return COLUMN_DEFINITIONS.get(column) or feature_definition(column)


def scorer_note(domain_rows: pd.DataFrame, cv_auroc: dict | None = None) -> str:
    """Which scorer ranked a domain (its rows of the ranking) and how well that scorer ranked real data."""
    if not len(domain_rows):
        return "no candidates"
    if domain_rows["scored_by"].iloc[0] == "model":
        cat = str(domain_rows["domain_category"].iloc[0])
        auc = (cv_auroc or {}).get(cat)
        quality = (f" (out-of-fold within-domain binder AUROC {auc:.2f} on genes it did not see)"
                   if auc is not None and np.isfinite(auc) else "")
        return f"the model{quality}"
    used = domain_rows["consensus_metrics"].iloc[0]
    return (f"consensus of {used}: on the EP300 development set (359 measured pairs) this consensus ranked "
            f"binders within a domain at a mean AUROC of {CONSENSUS_REAL_AUROC:.2f} (0.5 = chance); a weak "
            "prior, read the evidence columns")


def ranking_columns(with_model: bool) -> list[str]:
    return ["rank", "tf_id", "domain_id", "domain_category", "score", "scored_by",
            *(MODEL_COLUMNS if with_model else []), "consensus", *EVIDENCE_METRICS, "n_models", *CALL_COLUMNS,
            "consensus_metrics", "tile_start", "interface_residues", "source_format", "pair_id", "top_model"]


def interface_columns(pairs: pd.DataFrame, coords: pd.DataFrame | None = None) -> pd.DataFrame:
    """``tile_start`` (Int64, NA when unknown) and ``interface_residues`` of every pair: pairs.parquet's
    ``interface_residues_tile`` (positions in the tile) renumbered into the protein with the tile's start from
    ``coords`` (:func:`tfbind.ranking.coordinates.tile_coordinates`); kept in tile positions where the start
    is unknown (or without ``coords``); "" where the pair has none."""
    start = pd.Series(np.nan, index=pairs.index)
    if coords is not None and len(coords):
        start = pairs["tf_id"].map(coords.drop_duplicates("tf_id").set_index("tf_id")["start"]).astype(float)
    text = pairs.get("interface_residues_tile", pd.Series("", index=pairs.index)).fillna("").astype(str)
    known = start.notna().to_numpy() & (text != "").to_numpy()
    out = text.to_numpy(dtype=object).copy()
    # one string operation per pair that has residues and a start (a 10^6-pair screen: about a second)
    out[known] = [renumber(t, int(s) - 1) for t, s in zip(text[known], start[known])]
    # whole residue numbers (Int64: "461" in the TSV, not "461.0"; blank where unknown)
    return pd.DataFrame({"tile_start": start.round().astype("Int64"), "interface_residues": out},
                        index=pairs.index)


def scorers(table: pd.DataFrame, order_by: str = defaults("rank.order_by")) -> pd.Series:
    """``model`` or ``consensus`` per row, decided per domain: ``auto`` takes the model for a domain whose
    category the model was trained on (``category_seen``), the consensus elsewhere (and everywhere without a
    model); ``model`` takes the model for every domain it scored; ``consensus`` never."""
    if order_by not in ORDER_BY:
        raise ValueError(f"rank.order_by: {order_by!r} is not one of {', '.join(ORDER_BY)}")
    if "category_seen" not in table.columns or order_by == "consensus":
        return pd.Series("consensus", index=table.index)
    usable = table["category_seen"] if order_by == "auto" else table["model_score"].notna()
    by_model = usable.fillna(False).astype(bool).groupby(table["domain_id"]).transform("all")
    return pd.Series(np.where(by_model, "model", "consensus"), index=table.index)


#: A file that selects one job among many in a shared folder (ColabFold batch folders, AlphaFold Server
#: downloads unpacked side by side; tfbind.readers): the job's name is what precedes these suffixes.
_JOB_PATTERNS = {  # the job's top model among the files of other jobs (job names hold no fnmatch characters)
    "colabfold": ["{job}_relaxed_rank_001_*.pdb", "{job}_unrelaxed_rank_001_*.pdb",
                  "{job}_relaxed_rank_1_*.pdb", "{job}_unrelaxed_rank_1_*.pdb"],
    "alphafold3": ["{job}_model.cif", "{job}_model_0.cif"],
}
_JOB_FILE = re.compile(r"^(?P<job>.+?)_(?:scores_rank_|full_data_|summary_confidences_|model_)\d+.*\.(?:json|cif)$")


def top_model_file(prediction: str, source_format: str) -> str:
    """The top-ranked model's coordinate file of a run, from the file names each predictor writes:
    AlphaFold2/AlphaPulldown ``ranked_0.pdb``; ColabFold ``*_rank_001_*.pdb``; AlphaFold3 the top-level
    ``*_model.cif`` (local runs) or ``*_model_0.cif`` (AlphaFold Server). When ``prediction`` is a file that
    selects one job of a shared folder (``<job>_scores_rank_001_*.json``, ``<job>_full_data_0.json``, ...),
    that job's top model beside it. The run path itself when none is found (or for other files); "" without
    a run (score tables)."""
    if not isinstance(prediction, str) or not prediction:
        return ""
    patterns = {"alphafold2": ["ranked_0.pdb"], "colabfold": ["*_rank_001_*.pdb", "*_rank_1_*.pdb"],
                "alphafold3": ["*_model.cif", "*_model_0.cif"]}.get(source_format, [])
    folder = Path(prediction)
    try:  # one directory listing per run (10^6 runs: a glob per pattern and two stats each added up)
        names = sorted(os.listdir(folder))
    except OSError:  # a file, or nothing there
        job = _JOB_FILE.match(folder.name)
        if job is None or source_format not in _JOB_PATTERNS:
            return prediction
        folder = folder.parent
        patterns = [pattern.format(job=job["job"]) for pattern in _JOB_PATTERNS[source_format]]
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return prediction
    for pattern in patterns:
        found = fnmatch.filter(names, pattern)
        if found:
            return str(folder / found[0])
    return prediction


def build_ranking(pairs: pd.DataFrame, scores: pd.DataFrame | None = None,
                  order_by: str = defaults("rank.order_by"), coords: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranking of every pair of ``pairs`` (all domains; :func:`ranking_columns` order), sorted by domain
    and rank. ``scores``: :func:`tfbind.ranking.model_scores.model_scores` output, joined on ``pair_id``;
    ``order_by``: :func:`scorers`; ``coords``: tile coordinates for :func:`interface_columns`.

    ``score`` is the value of the rank's order: in a domain ranked by the model (ordered by its predicted
    pKd), ``p_binder`` when the model has a
    calibration (monotone in the predicted pKd within a domain), else the model's score; in a domain ranked
    by the consensus, the consensus."""
    pairs = pairs.reset_index(drop=True)
    values = metric_columns(pairs)  # once: the consensus, the metric columns and the calls all read them
    cons = consensus_scores(pairs, values=values)
    table = pd.concat([
        pairs[["pair_id", "tf_id", "domain_id", "domain_category"]],
        cons[["consensus", "consensus_metrics"]],
        values[list(EVIDENCE_METRICS)],
        pd.to_numeric(pairs.get("n_models", pd.Series(np.nan, index=pairs.index)), errors="coerce")
        .rename("n_models"),
        metric_calls(pairs, values),
        interface_columns(pairs, coords),
    ], axis=1)
    table["source_format"] = pairs.get("source_format", pd.Series("", index=pairs.index)).fillna("")
    fmt = table["source_format"].astype(str)
    prediction = pairs.get("prediction", pd.Series("", index=pairs.index))
    table["top_model"] = [top_model_file(p, f) for p, f in zip(prediction, fmt)]
    with_model = scores is not None
    if with_model:
        table = table.merge(scores[["pair_id", *MODEL_COLUMNS, "model_pkd", "category_seen"]], on="pair_id",
                            how="left", validate="one_to_one")
    table["scored_by"] = scorers(table, order_by)
    by_model = (table["scored_by"] == "model").to_numpy()
    if with_model:
        calibrated = table["p_binder"].notna().groupby(table["domain_id"]).transform("all").to_numpy()
        model_value = np.where(calibrated, table["p_binder"], table["model_score"])
        table["score"] = np.where(by_model, model_value, table["consensus"])
        # the model's own order, unclipped: p_binder and the 0-1 score follow it (they tie where the score is
        # clipped, and p_binder would turn it round if a calibration's slope were negative)
        order = np.where(by_model, table["model_pkd"], table["consensus"])
    else:
        table["score"] = table["consensus"]
        order = table["consensus"]
    table = table.assign(_order=order).assign(_missing=lambda t: t["_order"].isna()).sort_values(
        ["domain_id", "_missing", "_order", "tf_id"], ascending=[True, True, False, True], kind="stable")
    table["rank"] = table.groupby("domain_id").cumcount() + 1
    return table[ranking_columns(with_model)].reset_index(drop=True)


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


#: Excel's longest sheet name.
SHEET_NAME_MAX = 31


def sheet_name(domain_id: str) -> str:
    """An Excel sheet name for a domain (at most 31 characters, none of []:*?/\\)."""
    return _SHEET_BAD.sub("_", str(domain_id))[:SHEET_NAME_MAX]


def sheet_names(domains: list[str]) -> dict[str, str]:
    """domain -> its sheet's name, each distinct. Excel compares sheet names without case, and
    :func:`sheet_name` may map two domains to one name ("A/B" and "A_B", two long IDs alike in their first 31
    characters) or a domain onto a sheet of its own (``about``, ``all_metrics``): a later name would replace
    that sheet's rows without a word. So a name already taken gets ``_2``, ``_3``, ... (cut to keep 31
    characters); the ``about`` sheet lists each domain whose sheet is not named as the domain is."""
    return distinct_names({d: sheet_name(d) for d in domains}, {"about", ALL_METRICS_SHEET}, SHEET_NAME_MAX)


def about_sheet(metrics_used: dict[str, str], shown: dict[str, tuple[int, int]] | None = None,
                scorer_notes: dict[str, str] | None = None, model_note: str = "",
                columns: list[str] | None = None, renamed: dict[str, str] | None = None) -> pd.DataFrame:
    """The workbook's legend; ``shown``: domain -> (rows in its sheet, candidates ranked); ``scorer_notes``:
    domain -> which scorer ranked it and how well that ranked real data (:func:`scorer_note`); ``model_note``:
    which model scored the pairs; ``columns``: every column of every sheet, each defined once
    (:func:`column_definition`; default: the ranking's columns); ``renamed``: domain -> its sheet, for the
    domains whose sheet is named otherwise (:func:`sheet_names`)."""
    rows = [("model", model_note)] if model_note else []
    rows += [(f"sheet: {sheet}", f"domain {d} (an Excel sheet name is at most 31 characters, none of []:*?/\\, "
              "and distinct without case)") for d, sheet in (renamed or {}).items()]
    rows += [(f"ranked by: {d}", note) for d, note in (scorer_notes or {}).items()]
    wanted = list(dict.fromkeys([*(columns or ranking_columns(True)), "item", "definition"]))
    rows += [(col, column_definition(col) or "") for col in wanted]
    rows += [(f"metrics used: {d}", m) for d, m in metrics_used.items()]
    for d, (n_shown, n_all) in (shown or {}).items():
        rows.append((f"rows: {d}", f"{n_all} candidates ranked" if n_shown == n_all else
                     f"the best {n_shown} of {n_all} candidates ({n_all - n_shown} left out of this sheet; "
                     f"all in {d}.tsv and ranking.parquet)"))
    rows.append((f"rows: {ALL_METRICS_SHEET}", "every feature-table column (results/features/pairs.tsv) of the "
                 "pairs in the domain sheets, in the same order"))
    return pd.DataFrame(rows, columns=["item", "definition"])


#: The sheet with every metric of the pairs the domain sheets show (results/features/pairs.parquet columns).
ALL_METRICS_SHEET = "all_metrics"


#: Excel's last row is 1,048,576 (one is the header).
EXCEL_MAX_ROWS = 1_048_575


def write_ranking(table: pd.DataFrame, domains: list[str], tsv_paths: dict[str, str | Path],
                  xlsx_path: str | Path, workbook_rows: int | None = None,
                  scorer_notes: dict[str, str] | None = None,
                  model_note: str = "", all_metrics: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """One TSV per domain (every domain of ``domains``, an empty table with the header where a domain has no
    pair) and a workbook with a sheet per domain (same columns; the best ``workbook_rows`` rows, all when
    None, at most Excel's limit), the :data:`ALL_METRICS_SHEET` (``all_metrics``: one row per pair shown,
    built by :func:`tfbind.ranking.outputs.all_metrics_rows`; left out when None) and an ``about`` sheet
    that defines every column of every sheet and counts the rows each sheet leaves out. Numbers are rounded
    for reading (:func:`tfbind.text_tables.round_for_reading`; ranking.parquet keeps them whole). Returns
    each domain's whole table."""
    from ..io import atomic_path, escape_frame, write_tsv
    from ..text_tables import round_for_reading
    from .workbook import format_sheet

    limit = workbook_limit(workbook_rows)
    where = table.groupby("domain_id", sort=False).indices  # one pass over the rows, not one per domain
    per_domain = {d: table.iloc[where.get(d, [])].reset_index(drop=True) for d in domains}
    for d, rows in per_domain.items():
        write_tsv(rows, tsv_paths[d], for_reading=True, na_rep="")
    used = {d: (rows["consensus_metrics"].iloc[0] if len(rows) else "") for d, rows in per_domain.items()}
    shown = {d: (min(len(rows), limit), len(rows)) for d, rows in per_domain.items()}
    names = sheet_names(list(per_domain))
    sheets = {names[d]: rows.head(limit) for d, rows in per_domain.items()}
    if all_metrics is not None:
        sheets[ALL_METRICS_SHEET] = all_metrics
    columns = [c for rows in sheets.values() for c in rows.columns]
    sheets["about"] = about_sheet(used, shown, scorer_notes, model_note, columns,
                                  {d: n for d, n in names.items() if n != str(d)})
    with atomic_path(xlsx_path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            # the cells of the TSV files, text escaped by the same rule (tfbind.escape): openpyxl stores a
            # string starting with "=" as a formula, so a run folder named "=2+3" would otherwise be one
            for name, rows in sheets.items():
                cells = escape_frame(round_for_reading(rows))
                cells.to_excel(writer, sheet_name=name, index=False)
                format_sheet(writer.sheets[name], cells, freeze="A2" if name == "about" else "C2")
    return per_domain




def workbook_limit(workbook_rows: int | None) -> int:
    """Rows per domain sheet: ``workbook_rows`` (all when None), at most Excel's limit."""
    return min(workbook_rows or EXCEL_MAX_ROWS, EXCEL_MAX_ROWS)


__all__ = ["ALL_METRICS_SHEET", "COLUMN_DEFINITIONS", "MODEL_COLUMNS", "ORDER_BY", "build_ranking", "column_definition",
           "interface_columns", "ranking_columns", "scorer_note", "scorers", "sheet_name", "sheet_names",
           "top_model_file", "workbook_limit", "write_ranking"]
