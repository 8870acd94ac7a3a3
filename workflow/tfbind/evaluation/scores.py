"""Per-pair score table of one trained model: every pair of its scope, labelled or not."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model.outputs import PREDICTION_NAMES
from .metrics import binder_labels, category_ceilings

log = logging.getLogger("tfbind.evaluation")

SCORE_COLUMNS = [
    "pair_id", "tf_id", "domain_id", "domain_category", "split", "model_score", "kd_pred_unclipped_nm",
    "kd_pred_low_unclipped_nm", "kd_pred_high_unclipped_nm", "imputed", "category_seen", "kd_nm",
    "target", "binder", "binder_source", "rank_in_domain",
]
#: What each column of the score table (predictions.tsv / .parquet) holds.
COLUMN_DOCS = {
    "pair_id": "pair identifier (pairs.parquet)",
    "tf_id": "TF tile identifier",
    "domain_id": "co-activator domain identifier",
    "domain_category": "domain category (KIX, NCBD, TAZ1, TAZ2, ...)",
    "split": "train/val/test as in the model's split.tsv; 'unlabelled' for pairs without a Kd label",
    "model_score": "fusion model score in [0, 1] (1 = strongest binding): the predicted pKd on the training "
                   "target scale (pKd - min) / (max - min) of the training pKd, clipped",
    "kd_pred_unclipped_nm": "predicted Kd (nM): the ensemble's mean predicted pKd of the pair's domain, back to "
                            "nM; not clipped to the training Kd range (the ranking's kd_pred_nm is)",
    "kd_pred_low_unclipped_nm": "Kd (nM) of the 90th percentile of the ensemble members' predicted pKd (member "
                                "spread, not a calibrated interval), not clipped",
    "kd_pred_high_unclipped_nm": "Kd (nM) of the 10th percentile of the ensemble members' predicted pKd, not "
                                 "clipped",
    "imputed": "the inputs that were missing and replaced by the training median (comma-separated; empty for "
               "none)",
    "category_seen": "False for a domain category the model was not trained on (shared weights only)",
    "kd_nm": "observed Kd (nM) from the labels; empty when unlabelled",
    "target": "the model's target transform of kd_nm, clipped to [0, 1] (the scale of model_score); empty when "
              "unlabelled",
    "binder": "1/0 binder label: the labels' binder column where given; otherwise DERIVED as kd_nm below the "
              "assay ceiling of the domain category (the largest kd_nm of that category in the labels); "
              "see binder_source. Empty when unlabelled",
    "binder_source": "'labels' (binder column of the labels) or 'ceiling' (derived from kd_nm); empty when "
                     "unlabelled",
    "rank_in_domain": "rank of model_score within domain_category over all pairs of the table (1 = highest; ties "
                      "share the lowest rank)",
}


def read_split(path: str | Path) -> pd.Series:
    """split.tsv (pair_id, split) -> Series pair_id -> split."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: split table not found")
    df = pd.read_csv(path, sep="\t", dtype={"pair_id": str, "split": str})
    for col in ("pair_id", "split"):
        if col not in df.columns:
            raise InputError(f"{path}: missing column {col}")
    return pd.Series(df["split"].to_numpy(), index=pd.Index(df["pair_id"], name="pair_id"), name="split")


def model_files(model: str | Path, split: str | Path | None = None) -> tuple[Path, Path]:
    """(model.pt, split.tsv) of a trained model: ``model`` is model.pt or the folder holding it; ``split``
    defaults to the split.tsv beside the model."""
    model = Path(model)
    if model.is_dir():
        model = model / "model.pt"
    return model, (Path(split) if split is not None else model.with_name("split.tsv"))


def labelled_pairs(pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """(pair_id, kd_nm, binder, binder_source) of every pair with a Kd label (binder as COLUMN_DOCS)."""
    for col in ("tf_id", "domain_id", "kd_nm"):
        if col not in labels.columns:
            raise InputError(f"labels table: missing column {col}")
    keep = [c for c in ("tf_id", "domain_id", "kd_nm", "binder") if c in labels.columns]
    lab = labels[keep].copy()
    lab["kd_nm"] = pd.to_numeric(lab["kd_nm"], errors="coerce")
    lab = lab[lab["kd_nm"].notna()]
    if lab.duplicated(["tf_id", "domain_id"]).any():
        dup = lab[lab.duplicated(["tf_id", "domain_id"])].iloc[0]
        raise InputError(f"labels table: more than one label for tf_id {dup.tf_id!r}, "
                         f"domain_id {dup.domain_id!r}")
    table = pairs[["pair_id", "tf_id", "domain_id", "domain_category"]].merge(lab, on=["tf_id", "domain_id"],
                                                                                how="inner")
    binder, source = binder_labels(table, category_ceilings(pairs, labels))
    return pd.DataFrame({"pair_id": table["pair_id"], "kd_nm": table["kd_nm"].astype(float),
                         "binder": binder.to_numpy(), "binder_source": source.to_numpy()})


def scope_pairs(pairs: pd.DataFrame, scope: str, categories: list[str]) -> pd.DataFrame:
    """The pairs of ``scope`` the model can score (categories it was trained on; others are logged)."""
    if scope != "all":
        out = pairs[pairs["domain_category"] == scope]
    else:
        known = pairs["domain_category"].astype(str).isin(categories)
        if not known.all():
            dropped = sorted(set(pairs.loc[~known, "domain_category"].astype(str)))
            log.warning("scope all: %d pair(s) of domain categories the model was not trained on are not "
                        "scored (%s)", int((~known).sum()), ", ".join(dropped))
        out = pairs[known]
    return out.reset_index(drop=True)


def model_scores(model, pairs: pd.DataFrame, labels: pd.DataFrame, device=None,
                 split: str | Path | None = None) -> pd.DataFrame:
    """SCORE_COLUMNS for every pair of the ``model``'s scope (a LoadedModel, model.pt, or a folder holding
    it), with the train/val/test names of ``split`` (split.tsv; default: beside the model file).

    Sorted by domain_category, then rank_in_domain. Labelled pairs of the scope missing from split.tsv
    (the labels changed since training) raise InputError.
    """
    from ..model.checkpoint import LoadedModel, load
    from ..model.data import TargetTransform
    from ..model.predict import named_predictions, rank_in_domain

    if not isinstance(model, LoadedModel):
        model, split = model_files(model, split)
    model = load(model, device)
    split_path = model_files(model.source, split)[1]
    scope = model.scope
    transform = TargetTransform.from_meta(model.meta["target"])
    table = scope_pairs(pairs, scope, model.categories)
    if table.empty:
        raise InputError(f"scope {scope!r}: no pairs to score in the pairs table")
    pred = named_predictions(model, table)
    out = table[["pair_id", "tf_id", "domain_id", "domain_category"]].copy()
    for name in PREDICTION_NAMES.values():
        out[name] = pred[name].to_numpy()
    lab = labelled_pairs(pairs, labels).set_index("pair_id")
    out["kd_nm"] = out["pair_id"].map(lab["kd_nm"]).astype(float)
    labelled = out["kd_nm"].notna()
    split = read_split(split_path)
    out["split"] = out["pair_id"].map(split)
    lost = labelled & out["split"].isna()
    if lost.any():
        raise InputError(f"{split_path}: {int(lost.sum())} labelled pair(s) of scope {scope!r} "
                         "have no split (labels changed since training?), "
                         f"e.g. {out.loc[lost, 'pair_id'].iloc[0]!r}")
    stale = ~labelled & out["split"].notna()
    if stale.any():
        log.warning("%d pair(s) in split.tsv have no label now; reported as unlabelled", int(stale.sum()))
    out["split"] = out["split"].where(labelled, "unlabelled").astype(str)
    out["target"] = np.where(labelled, transform.transform(out["kd_nm"].fillna(1.0).to_numpy()), np.nan)
    out["binder"] = out["pair_id"].map(lab["binder"]).astype(float)
    out["binder_source"] = out["pair_id"].map(lab["binder_source"]).fillna("").astype(str)
    out["rank_in_domain"] = rank_in_domain(out)
    out = out.sort_values(["domain_category", "rank_in_domain", "pair_id"], kind="stable")
    return out[SCORE_COLUMNS].reset_index(drop=True)


__all__ = ["COLUMN_DOCS", "PREDICTION_NAMES", "SCORE_COLUMNS", "labelled_pairs", "model_files", "read_split",
           "scope_pairs", "model_scores"]
