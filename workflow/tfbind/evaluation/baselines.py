"""Baseline predictors of the binding target, compared with the fusion model on the same target scale.

Fitted on the TRAINING rows only (``train_mask``), predicted for every row of the table:

``domain_mean``  the mean training target of the row's domain_category (categories without a training row:
                 the global training mean)
``ridge``        scikit-learn ``Ridge(alpha=1.0)`` after median imputation and ``StandardScaler`` (both fitted
                 on the training rows)
``gbm``          ``HistGradientBoostingRegressor(random_state=0, max_iter=200, min_samples_leaf=5)``
                 (missing values handled natively by the trees, no imputation; leaves of 5 rows, not
                 sklearn's 20, so that a per-domain model of a few dozen pairs can split at all)

``ridge`` and ``gbm`` read the fusion model's numeric inputs (the ``alphafold`` + ``interface`` lists of the
``features`` config) plus a one-hot domain category; their predictions are clipped to [0, 1].

Ranking predictors (no fitting): ``iptm``, ``ipsae_min``, ``pdockq``, ``lis`` = the raw column of the pairs
table (NaN where the table lacks it); larger = stronger binding. Use them for ranking metrics only.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd

from ..errors import InputError
from .metrics import RANKING_PREDICTORS

FITTED_BASELINES = ("domain_mean", "ridge", "gbm")
GBM_MIN_LEAF = 5  # rows per leaf; sklearn's default of 20 leaves a per-domain model of ~40 rows constant
RANKING_COLUMNS = RANKING_PREDICTORS


def feature_columns(features: dict[str, list[str]]) -> list[str]:
    """The numeric input columns of the fusion model: ``alphafold`` then ``interface`` (no duplicates)."""
    cols: list[str] = []
    for group in ("alphafold", "interface"):
        cols += [c for c in features.get(group, []) if c not in cols]
    return cols


def design_matrix(table: pd.DataFrame, columns: list[str], categories: list[str]) -> np.ndarray:
    """Numeric ``columns`` (NaN kept) + one column per category (1.0 where the row's domain_category)."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"baselines: pairs table lacks feature column(s) {', '.join(missing)}")
    numeric = table[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    cat = table["domain_category"].astype(str).to_numpy()
    onehot = (cat[:, None] == np.asarray(categories, dtype=object)[None, :]).astype(float)
    return np.hstack([numeric, onehot])


def domain_mean(table: pd.DataFrame, train_mask) -> np.ndarray:
    """Per-row mean training ``target`` of the row's domain_category (unseen category: global train mean)."""
    train_mask = np.asarray(train_mask, dtype=bool)
    train = table[train_mask]
    if train.empty:
        raise InputError("baselines: no training rows")
    means = train.groupby(train["domain_category"].astype(str))["target"].mean()
    out = table["domain_category"].astype(str).map(means).astype(float)
    return out.fillna(float(train["target"].mean())).to_numpy()


def _threads(threads: int | None):
    if not threads:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(threads))


def ridge_model():
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(),
                         Ridge(alpha=1.0))


def gbm_model():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=0, max_iter=200, min_samples_leaf=GBM_MIN_LEAF)


def fit_predict(table: pd.DataFrame, train_mask, features: dict[str, list[str]],
                categories: list[str] | None = None, threads: int | None = None) -> pd.DataFrame:
    """Columns ``domain_mean``, ``ridge``, ``gbm`` (index of ``table``): fitted on ``train_mask`` rows.

    ``table`` holds the labelled pairs (``domain_category``, ``target`` in [0, 1], the feature columns);
    ``categories`` fixes the one-hot columns (default: the table's categories, sorted).
    """
    train_mask = np.asarray(train_mask, dtype=bool)
    if len(train_mask) != len(table):
        raise InputError("baselines: train_mask length differs from the table")
    if not train_mask.any():
        raise InputError("baselines: no training rows")
    y = table["target"].to_numpy(dtype=float)
    if not np.isfinite(y[train_mask]).all():
        raise InputError("baselines: some training rows have no finite target")
    if categories is None:
        categories = sorted(table["domain_category"].astype(str).unique())
    x = design_matrix(table, feature_columns(features), list(categories))
    out = pd.DataFrame(index=table.index)
    out["domain_mean"] = domain_mean(table, train_mask)
    with _threads(threads):
        for name, model in (("ridge", ridge_model()), ("gbm", gbm_model())):
            model.fit(x[train_mask], y[train_mask])
            out[name] = np.clip(model.predict(x), 0.0, 1.0)
    return out


def ranking_scores(table: pd.DataFrame, columns=RANKING_COLUMNS) -> pd.DataFrame:
    """The raw ranking columns (NaN where the table lacks one), index of ``table``."""
    out = pd.DataFrame(index=table.index)
    for col in columns:
        out[col] = (pd.to_numeric(table[col], errors="coerce").astype(float) if col in table.columns
                    else np.nan)
    return out


__all__ = ["FITTED_BASELINES", "RANKING_COLUMNS", "design_matrix", "domain_mean", "feature_columns",
           "fit_predict", "ranking_scores"]
