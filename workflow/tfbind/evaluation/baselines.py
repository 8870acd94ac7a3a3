"""Baseline predictors of the binding target, compared with the fusion model on the same target scale.

Fitted on the TRAINING rows only (``train_mask``), predicted for every row of the table:

``domain_mean``  the mean training target of the row's domain_category (categories without a training row:
                 the global training mean)
``ridge``        scikit-learn ``Ridge(alpha=1.0)`` after median imputation and ``StandardScaler`` (both fitted
                 on the training rows)
``gbm``          ``HistGradientBoostingRegressor(random_state=0, max_iter=200, min_samples_leaf=5)``
                 (missing values handled natively by the trees, no imputation; leaves of 5 rows, not
                 sklearn's 20, so that a per-domain model of a few dozen pairs can split at all)

``ridge_prior``  per-domain ridge regression of the within-domain z-scored pKd on the fusion model's inputs
                 standardised within domain (``tfbind.model.data.Preprocessor``), shrunk towards the prior
                 weights w0 (``train.prior``, ``prior_weights``) instead of towards 0: per domain d,
                 minimise |z_d - X_d w|^2 + alpha_d |w - w0|^2, alpha_d from ALPHAS by 4-fold grouped inner
                 CV (MSE) on the domain's training rows; prediction pKd = mu_d + sd_d * X w, on the target
                 scale (``TargetTransform.score``). No per-domain intercept enters its ranking.

``ridge`` and ``gbm`` read the fusion model's numeric inputs (the ``alphafold``, ``interface`` and
``sequence`` lists of the ``features`` config) plus a one-hot domain category; their predictions are clipped
to [0, 1].

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
    """The numeric input columns of the fusion model: ``alphafold``, ``interface``, ``sequence`` (no
    duplicates)."""
    cols: list[str] = []
    for group in ("alphafold", "interface", "sequence"):
        cols += [c for c in features.get(group, []) if c not in cols]
    return cols


def design_matrix(table: pd.DataFrame, columns: list[str], categories: list[str]) -> np.ndarray:
    """Numeric ``columns`` (NaN kept) + one column per category (1.0 where the row's domain_category)."""
    numeric = np.column_stack([pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float)
                               if c in table.columns else np.full(len(table), np.nan) for c in columns]
                              ) if columns else np.zeros((len(table), 0))
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
    x = x[:, np.isfinite(x[train_mask]).any(axis=0)]  # columns without a training value (as the model)
    out = pd.DataFrame(index=table.index)
    out["domain_mean"] = domain_mean(table, train_mask)
    with _threads(threads):
        for name, model in (("ridge", ridge_model()), ("gbm", gbm_model())):
            model.fit(x[train_mask], y[train_mask])
            out[name] = np.clip(model.predict(x), 0.0, 1.0)
    return out


def ridge_prior(table: pd.DataFrame, train_mask, config: dict, seed: int = 0) -> tuple[np.ndarray, dict]:
    """(``ridge_prior`` prediction of every row on the target scale, {category: alpha}) (module doc).

    ``table``: the labelled pairs (``kd_nm``, ``domain_category``, ``group`` or ``tf_id``, the feature
    columns); ``config``: the ``train`` section (``features``, ``prior``, ``target``). Rows of a category
    without training rows get the prior model's prediction.
    """
    from ..model.data import Preprocessor, TargetTransform, prior_weights
    from ..model.prior_ridge import fit_prior_ridge, predict_prior_ridge

    train_mask = np.asarray(train_mask, dtype=bool)
    train = table[train_mask]
    if train.empty:
        raise InputError("baselines: no training rows")
    cats = table["domain_category"].astype(str).to_numpy()
    categories = sorted(set(cats[train_mask]))
    transform = TargetTransform.fit(config["target"], train["kd_nm"].to_numpy(), cats[train_mask])
    prep = Preprocessor.fit(train, categories, config)
    x = prep.transform(table)[0]["x"].astype(float)
    z = transform.z(table["kd_nm"].to_numpy(), cats)
    w0 = prior_weights(x[train_mask], z[train_mask], prep.columns, config["prior"])
    groups = table["group" if "group" in table.columns else "tf_id"].astype(str).to_numpy()
    weights, alphas = fit_prior_ridge(x, z, cats, train_mask, groups, w0, seed)
    pred_z = predict_prior_ridge(x, cats, weights, w0)
    return transform.score(transform.pkd_of(pred_z, cats)), alphas


def training_percentile(scores: np.ndarray, categories, reference) -> np.ndarray:
    """Each row's score as the fraction of the reference rows of its category scoring below it (ties count
    half), in [0, 1]. Against the TRAINING rows of a fold model, percentiles of held-out rows are comparable
    across folds (ranks within each small held-out fold would not be); a category without reference rows
    is ranked within its own rows."""
    scores = np.asarray(scores, dtype=float)
    cats = np.asarray(categories, dtype=str)
    reference = np.asarray(reference, dtype=bool)
    out = np.full(len(scores), np.nan)
    for c in np.unique(cats):
        rows = cats == c
        ref = np.sort(scores[rows & reference] if (rows & reference).any() else scores[rows])
        below = np.searchsorted(ref, scores[rows], side="left")
        at_or_below = np.searchsorted(ref, scores[rows], side="right")
        out[rows] = (below + at_or_below) / 2.0 / len(ref)
    return out


def rank_average(a: np.ndarray, b: np.ndarray, categories, reference) -> np.ndarray:
    """The within-domain rank average of two predictors (``train.rank_average_ridge``): the mean of their
    :func:`training_percentile` against the ``reference`` (training) rows."""
    return (training_percentile(a, categories, reference) + training_percentile(b, categories, reference)) / 2.0


def ranking_scores(table: pd.DataFrame, columns=RANKING_COLUMNS) -> pd.DataFrame:
    """The raw ranking columns (NaN where the table lacks one), index of ``table``."""
    out = pd.DataFrame(index=table.index)
    for col in columns:
        out[col] = (pd.to_numeric(table[col], errors="coerce").astype(float) if col in table.columns
                    else np.nan)
    return out


__all__ = ["FITTED_BASELINES", "RANKING_COLUMNS", "design_matrix", "domain_mean", "feature_columns",
           "fit_predict", "rank_average", "ranking_scores", "ridge_prior", "training_percentile"]
