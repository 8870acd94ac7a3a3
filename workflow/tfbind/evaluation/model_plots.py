"""All evaluation figures of one model (the rule ``plot_model``): the figures of :mod:`.plots` and
:mod:`.cv_plots` written together. A module of its own because ``cv_plots`` builds on ``plots``: the one
function that draws both sits above them, so neither imports the other back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .cv_plots import oof_table, plot_cv_pred_vs_obs, plot_cv_roc_curves
from .plots import FILES, plot_feature_pca, plot_metric_bars, plot_training_curves


def write_all_plots(
    history: pd.DataFrame,
    predictions: pd.DataFrame,
    metrics: pd.DataFrame,
    oof: pd.DataFrame,
    pairs: pd.DataFrame,
    out: dict | str | Path,
    title_prefix: str = "",
    model: str | None = None,
    n_folds: int | None = None,
    group_by: str | None = None,
) -> dict[str, Path]:
    """The five figures of one model; returns {name: path} (names: ``FILES`` keys).

    ``out``: {name: path} for every ``FILES`` key (the rule's outputs), or a folder (``FILES`` names in it).
    Performance comes from the cross-validation only: the metric bars from the ``cv`` rows of ``metrics``,
    predicted vs observed Kd and the ROC curves from ``oof`` (every repeat's out-of-fold tables,
    :mod:`.cv_plots`); ``n_folds`` and ``group_by`` name the design in their titles. The PCA is coloured by
    the observed Kd of the score table. ``model`` picks one model of a metrics table holding several.
    """
    if isinstance(out, dict):
        paths = {name: Path(out[name]) for name in FILES}
    else:
        paths = {name: Path(out) / file for name, file in FILES.items()}
    table = oof_table(oof, predictions)
    plot_training_curves(history, paths["training_curves"], title_prefix=title_prefix)
    plot_cv_pred_vs_obs(table, paths["pred_vs_obs"], title_prefix, n_folds=n_folds, group_by=group_by)
    plot_metric_bars(metrics, paths["metric_bars"], split="cv", title_prefix=title_prefix, model=model)
    plot_cv_roc_curves(table, paths["roc_curves"], title_prefix, n_folds=n_folds, group_by=group_by)
    plot_feature_pca(pairs, predictions, paths["feature_pca"], title_prefix=title_prefix)
    return paths
