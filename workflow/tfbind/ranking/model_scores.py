"""Model scores for the ranking: this run's trained model, ``predict.model_file``, or a shipped model.

Columns (:data:`MODEL_SCORE_COLUMNS`), from :func:`tfbind.model.predict.named_predictions` (the names every
output uses for the model's outputs) and the model's
``calibration.json`` (:mod:`tfbind.model.calibration`; None when the model has none):

* ``model_score``: ``predict``'s ``score`` in [0, 1] (1 = strongest binding);
* ``model_pkd``: the predicted pKd, unclipped (orders the pairs of a domain where scores tie at 0 or 1);
* ``p_binder``: the calibrated probability of being a binder (NaN without a calibration, or for a domain
  category the calibration has no pairs of);
* ``kd_pred_nm``, ``kd_pred_low_nm``, ``kd_pred_high_nm``: the predicted Kd and the Kd of the ensemble
  members' 90th / 10th percentile pKd (their spread, not a calibrated interval), each clipped to the range of
  Kd measured for the category in training (blank for a category without one): outside it the model
  extrapolates a linear predictor beyond anything measured (a model without calibration.json has no such range:
  its values are ``named_predictions``' ``kd_pred_*_unclipped_nm``, and ``applicability`` says so);
* ``applicability``: ``in range``; ``unseen category`` (scored with the shared weights only); ``outside
  training range: <columns>`` (an input below the smallest or above the largest training value);
  ``no training ranges`` (a model without calibration.json);
* ``imputed``: the inputs the model filled with their training median ("" for none);
* ``category_seen``: whether the model was trained on the pair's domain category.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

log = logging.getLogger("tfbind.ranking")

MODEL_SCORE_COLUMNS = ["pair_id", "model_score", "model_pkd", "p_binder", "kd_pred_nm", "kd_pred_low_nm",
                       "kd_pred_high_nm", "applicability", "imputed", "category_seen", "model_file"]  # fmt: skip


#: The ranking's Kd columns and named_predictions' unclipped ones they are clipped from.
CLIPPED_KD = {"kd_pred_nm": "kd_pred_unclipped_nm", "kd_pred_low_nm": "kd_pred_low_unclipped_nm",
              "kd_pred_high_nm": "kd_pred_high_unclipped_nm"}


def read_model_inputs(model, pairs_path: str | Path) -> pd.DataFrame:
    """The columns of a pairs table (Parquet) that ``model`` (a LoadedModel or a model.pt) scores from (its
    features, the sequences when it encodes residues, the pair and its category): a 10^6-pair table without
    its other ~90 columns."""
    import pyarrow.parquet as pq

    from ..model.checkpoint import load
    from ..model.data import required_columns

    model = load(model)
    wanted = required_columns(model.features, model.encodes_residues)
    present = set(pq.ParquetFile(pairs_path).schema_arrow.names)
    return pq.read_table(pairs_path, columns=[c for c in wanted if c in present]).to_pandas()


def _clip_kd(kd: np.ndarray, cats: np.ndarray, ranges: dict) -> np.ndarray:
    """``kd`` clipped to its category's [min, max] training Kd; NaN for a category without a range."""
    cats = pd.Series(cats)
    lo = cats.map({c: r[0] for c, r in ranges.items()}).to_numpy(dtype=float)
    hi = cats.map({c: r[1] for c, r in ranges.items()}).to_numpy(dtype=float)
    return np.where(np.isnan(lo), np.nan, np.clip(kd, lo, hi))


def applicability(pairs: pd.DataFrame, seen: np.ndarray, ranges: dict | None) -> list[str]:
    """The ``applicability`` of each pair (module doc); ``ranges``: calibration ``feature_ranges``."""
    if ranges is None:
        return ["unseen category" if not s else "no training ranges" for s in seen]
    outside = np.zeros((len(pairs), len(ranges)), dtype=bool)
    names = np.asarray(list(ranges), dtype=object)
    for j, (col, (lo, hi)) in enumerate(ranges.items()):
        if col in pairs.columns:
            values = pd.to_numeric(pairs[col], errors="coerce").to_numpy(dtype=float)
            outside[:, j] = (values < lo) | (values > hi)  # NaN (imputed) compares False
    out = []
    for s, row in zip(seen, outside):
        if not s:
            out.append("unseen category")
        elif row.any():
            out.append("outside training range: " + ", ".join(names[row]))
        else:
            out.append("in range")
    return out


def model_scores(model, pairs: pd.DataFrame, calibration: dict | None = None, device=None,
                 threads: int | None = None) -> pd.DataFrame:
    """MODEL_SCORE_COLUMNS for every pair of ``pairs`` (same order); ``model``: a LoadedModel or a model.pt;
    ``threads``: the job's. Raises InputError naming the columns the model needs and the table lacks."""
    from ..model.calibration import apply_platt
    from ..model.checkpoint import load
    from ..model.predict import named_predictions

    for column in ("pair_id", "domain_category"):
        if column not in pairs.columns:
            raise InputError(f"feature table lacks the column {column!r}")
    model = load(model, device)
    out = named_predictions(model, pairs, threads=threads)
    cats = pairs["domain_category"].astype(str).to_numpy()
    seen = out["category_seen"].to_numpy(dtype=bool)
    score = out["model_score"].to_numpy(dtype=float)
    if calibration is not None:
        level = pd.Series(cats).map(calibration["train_score_mean"]).to_numpy(dtype=float)
        out["p_binder"] = np.where(seen, apply_platt(calibration["p_binder"], score - level, cats), np.nan)
        for col, unclipped in CLIPPED_KD.items():
            out[col] = _clip_kd(out[unclipped].to_numpy(dtype=float), cats, calibration["kd_range_nm"])
    else:
        out["p_binder"] = np.nan
        for col, unclipped in CLIPPED_KD.items():
            out[col] = out[unclipped]
    out["applicability"] = applicability(pairs, seen, None if calibration is None else
                                         calibration["feature_ranges"])
    out["category_seen"] = seen
    out["model_file"] = model.source
    return out[MODEL_SCORE_COLUMNS]


def rank_model_scores(model: str | Path, pairs_path: str | Path, calibration: dict | None = None,
                      threads: int | None = None) -> pd.DataFrame:
    """The job of rule rank_model_scores: :func:`model_scores` of the pairs table ``pairs_path``, the model
    read once for both the columns to read and the scoring."""
    from ..model.checkpoint import load

    model = load(model)
    return model_scores(model, read_model_inputs(model, pairs_path), calibration, threads=threads)


__all__ = ["CLIPPED_KD", "MODEL_SCORE_COLUMNS", "applicability", "model_scores", "rank_model_scores",
           "read_model_inputs"]
