"""Cross-validation figures of one model scope, drawn from the out-of-fold tables of every repeat
(``results/scores/<scope>/cv/repeat_<r>/fold_<f>/oof.tsv``, :func:`tfbind.evaluation.evaluate.run_cv_fold`).

Only out-of-fold predictions are drawn: each labelled pair is scored by the fold model that did not train on
it (gene-grouped folds), once per repeat. The model's own train/val/test split is not drawn: its test split
holds a handful of pairs per domain, too few for a curve or a correlation to mean anything.

* :func:`oof_table`      the out-of-fold rows joined with each pair's domain, observed Kd and binder label;
* :func:`cv_kd_points`   the fusion model's predicted vs observed Kd (nM), a row per labelled pair and repeat;
  :func:`cv_kd_stats` the Spearman correlation per panel (per repeat, then mean and SD over repeats);
* :func:`cv_roc`         per panel and predictor, the ROC of every repeat, their mean curve and AUCs (from
  ``rank_score``, like the ``cv`` AUROC of metrics.tsv);
* :func:`plot_cv_pred_vs_obs`, :func:`plot_cv_roc_curves`  the PNGs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..correlation import spearman
from ..errors import InputError
from ..plotting import roc_curve, save
from .metrics import CONSENSUS_PREDICTORS, RANK_AVERAGE_PREDICTORS, RANKING_PREDICTORS
from .plots import (
    _DASHES,
    CATEGORY_MARKERS,
    _grid,
    _marker,
    _note,
    _panel_domains,
    _suptitle,
    _title,
    ordered_categories,
    predictor_color,
    predictor_colors,
    predictor_label,
)

log = logging.getLogger(__name__)

#: Predictors drawn as ROC curves: the model, its rank average with ridge (when trained), the single
#: AlphaFold metrics and their consensus. The fitted baselines (ridge, gbm) are in metric_bars.png.
ROC_PREDICTORS = ("fusion", *RANK_AVERAGE_PREDICTORS, *RANKING_PREDICTORS, *CONSENSUS_PREDICTORS)
#: False positive rates at which the repeats' ROC curves are averaged (vertical averaging).
FPR_GRID = np.linspace(0.0, 1.0, 201)
KD_AXIS = "Kd (nM, log scale)"


def oof_table(oof: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The out-of-fold rows (``pair_id, repeat, predictor, score``[, ``rank_score``, ``kd_pred_nm``]) of the
    labelled pairs, with ``domain_category``, ``kd_nm`` and ``binder`` from the score table (predictions).

    Raises InputError when an out-of-fold pair is not a labelled pair of the score table, or when a pair and
    predictor appear twice in one repeat (two folds holding the same pair)."""
    missing = [c for c in ("pair_id", "repeat", "predictor", "score") if c not in oof.columns]
    if missing:
        raise InputError(f"out-of-fold tables: missing column(s) {', '.join(missing)}")
    missing = [c for c in ("pair_id", "domain_category", "kd_nm", "binder") if c not in predictions.columns]
    if missing:
        raise InputError(f"score table (predictions): missing column(s) {', '.join(missing)}")
    dup = oof.duplicated(["repeat", "pair_id", "predictor"])
    if dup.any():
        row = oof[dup].iloc[0]
        raise InputError(f"out-of-fold tables: pair {row['pair_id']!r} ({row['predictor']}) is in more than "
                         f"one fold of repeat {row['repeat']}")
    kd = pd.to_numeric(predictions["kd_nm"], errors="coerce")
    labelled = predictions.loc[kd.notna(), ["pair_id", "domain_category"]].assign(
        kd_nm=kd[kd.notna()], binder=pd.to_numeric(predictions.loc[kd.notna(), "binder"], errors="coerce"))
    labelled = labelled.drop_duplicates("pair_id")
    unknown = ~oof["pair_id"].astype(str).isin(set(labelled["pair_id"].astype(str)))
    if unknown.any():
        raise InputError(f"out-of-fold tables: {int(unknown.sum())} row(s) of pair(s) that the score table "
                         f"has no labelled row for, e.g. {oof.loc[unknown, 'pair_id'].iloc[0]!r} "
                         "(out-of-fold tables of another run or scope?)")
    out = oof.assign(pair_id=oof["pair_id"].astype(str)).merge(
        labelled.assign(pair_id=labelled["pair_id"].astype(str)), on="pair_id", how="left")
    for col in ("score", "rank_score", "kd_pred_nm"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def _panel_rows(table: pd.DataFrame, panel: str) -> pd.DataFrame:
    return table if panel == "all" else table[table["domain_category"].astype(str) == panel]


# ---------------------------------------------------------------------------------------------------------
# Predicted vs observed Kd
# ---------------------------------------------------------------------------------------------------------
def cv_kd_points(table: pd.DataFrame) -> pd.DataFrame:
    """The fusion model's out-of-fold predicted Kd against the observed Kd: one row per labelled pair and
    repeat (``pair_id, repeat, domain_category, kd_nm, kd_pred_nm``), ``table`` from :func:`oof_table`."""
    if "kd_pred_nm" not in table.columns:
        raise InputError("out-of-fold tables: no kd_pred_nm column (tables written by an older version?)")
    fusion = table[table["predictor"] == "fusion"]
    return fusion[["pair_id", "repeat", "domain_category", "kd_nm", "kd_pred_nm"]].reset_index(drop=True)


def _drawable(points: pd.DataFrame) -> np.ndarray:
    kd, pred = points["kd_nm"].to_numpy(dtype=float), points["kd_pred_nm"].to_numpy(dtype=float)
    return np.isfinite(kd) & (kd > 0) & np.isfinite(pred) & (pred > 0)


def cv_kd_stats(points: pd.DataFrame) -> pd.DataFrame:
    """Per panel (``all`` + each category, or the single category): ``n_pairs``, ``n_repeats``, the Spearman
    correlation of predicted vs observed Kd within each repeat, its mean (``spearman``) and SD over repeats
    (``spearman_sd``, ddof 1; NaN for one repeat), and ``n_hidden``: points a log axis cannot draw."""
    rows = []
    for panel in _panel_domains(ordered_categories(points["domain_category"])):
        sub = _panel_rows(points, panel)
        per_repeat = [spearman(r["kd_pred_nm"], r["kd_nm"]) for _, r in sub.groupby("repeat", sort=True)]
        finite = [v for v in per_repeat if np.isfinite(v)]
        rows.append({
            "panel": panel, "n_pairs": sub["pair_id"].nunique(), "n_repeats": sub["repeat"].nunique(),
            "spearman": float(np.mean(finite)) if finite else np.nan,
            "spearman_sd": float(np.std(finite, ddof=1)) if len(finite) > 1 else np.nan,
            "n_hidden": int((~_drawable(sub)).sum()),
        })
    columns = ["panel", "n_pairs", "n_repeats", "spearman", "spearman_sd", "n_hidden"]
    return pd.DataFrame(rows, columns=columns)


def _pm(mean: float, sd: float) -> str:
    if not np.isfinite(mean):
        return "n/a"
    # SD 0 (up to float rounding): the same in every repeat, an unfitted metric
    return f"{mean:.2f}" if not np.isfinite(sd) or sd < 1e-9 else f"{mean:.2f} ± {sd:.2f}"


def _cv_design(n_folds: int | None, group_by: str | None, n_repeats: int) -> str:
    folds = f"{n_folds}-fold " if n_folds else ""
    groups = f" grouped by {group_by}" if group_by else " (gene-grouped)"
    return f"{folds}cross-validation{groups}, {n_repeats} repeat(s)"


def cv_kd_per_pair(points: pd.DataFrame) -> pd.DataFrame:
    """Per pair (index ``pair_id``) of the drawable :func:`cv_kd_points`: ``domain_category``, ``kd_nm`` and
    the ``median``, ``low`` (min) and ``high`` (max) of its repeats' predicted Kd: what the figure draws."""
    drawn = points[_drawable(points)]
    return drawn.groupby("pair_id").agg(domain_category=("domain_category", "first"),
                                        kd_nm=("kd_nm", "first"), median=("kd_pred_nm", "median"),
                                        low=("kd_pred_nm", "min"),
                                        high=("kd_pred_nm", "max"))


def plot_cv_pred_vs_obs(table: pd.DataFrame, out_png: str | Path, title_prefix: str = "",
                        n_folds: int | None = None, group_by: str | None = None) -> None:
    """Out-of-fold predicted vs observed Kd (nM, log axes) of the fusion model, one panel per domain category
    (+ all domains): a dot per pair at the median of its repeats' predictions, a bar over their range."""
    save(cv_pred_vs_obs_figure(table, title_prefix, n_folds, group_by), out_png)


def cv_pred_vs_obs_figure(table: pd.DataFrame, title_prefix: str = "", n_folds: int | None = None,
                          group_by: str | None = None):
    """The figure of :func:`plot_cv_pred_vs_obs` (left open, for tests and notebooks)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    points = cv_kd_points(table)
    stats = cv_kd_stats(points)
    drawn = points[_drawable(points)]
    if drawn.empty:
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.set_axis_off()
        _note(ax, "no out-of-fold pair with a finite, positive observed and predicted Kd")
        _suptitle(fig, _title(title_prefix, "out-of-fold predicted vs observed Kd"))
        return fig
    per_pair = cv_kd_per_pair(points)
    lo = min(drawn["kd_nm"].min(), drawn["kd_pred_nm"].min()) / 2
    hi = max(drawn["kd_nm"].max(), drawn["kd_pred_nm"].max()) * 2
    categories = ordered_categories(points["domain_category"])
    extra = [c for c in categories if c not in CATEGORY_MARKERS]
    color = predictor_color("fusion")
    fig, axes = _grid(len(stats), width=4.6, height=5.2)
    for ax, row in zip(axes, stats.itertuples(index=False)):
        sub = _panel_rows(per_pair, row.panel)
        ax.plot([lo, hi], [lo, hi], color="black", ls="--", lw=1, zorder=1)
        ax.vlines(sub["kd_nm"], sub["low"], sub["high"], color=color, alpha=0.35, lw=1.0, zorder=2)
        for cat in categories if row.panel == "all" else [row.panel]:
            c = sub[sub["domain_category"].astype(str) == cat]
            ax.scatter(c["kd_nm"], c["median"], s=22, marker=_marker(cat, extra), color=color,
                       edgecolor="black", lw=0.4, alpha=0.85, zorder=3, label=cat)
        ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi))
        ax.set_aspect("equal")
        ax.set_xlabel("observed Kd (nM)")
        ax.set_ylabel("predicted Kd (nM), out of fold")
        ax.grid(alpha=0.3, which="major")
        hidden = f", {row.n_hidden} not drawn" if row.n_hidden else ""
        ax.set_title(f"{'all domains' if row.panel == 'all' else row.panel}: Spearman ρ = "
                     f"{_pm(row.spearman, row.spearman_sd)}\n({row.n_pairs} pairs × {row.n_repeats} repeats"
                     f"{hidden})", fontsize=10)
        if row.panel == "all" and len(categories) > 1:
            ax.legend(fontsize=8, loc="upper left", title="domain", title_fontsize=8, framealpha=0.9)
    handles = [Line2D([], [], ls="--", color="black", label="y = x"),
               Line2D([], [], marker="o", ls="", color=color, markeredgecolor="black",
                      label="median over repeats"),
               Line2D([], [], color=color, alpha=0.5, label="range over repeats")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9, frameon=False)
    n_repeats = int(stats["n_repeats"].max())
    n_pairs = int(stats["n_pairs"].iloc[0])
    _suptitle(fig, _title(title_prefix, f"out-of-fold predicted vs observed Kd, {n_pairs} "
                          f"labelled pairs, {_cv_design(n_folds, group_by, n_repeats)} (ρ: mean ± SD over "
                          "repeats)"), fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 1), h_pad=2.5)
    return fig


# ---------------------------------------------------------------------------------------------------------
# ROC curves
# ---------------------------------------------------------------------------------------------------------
def tpr_at(fpr: np.ndarray, tpr: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The ROC curve (fpr, tpr: :func:`roc_curve`'s steps, fpr non-decreasing) at the false positive rates
    ``grid``: linear along each segment, the top of a vertical step at its fpr (np.interp is undefined on
    repeated fpr values)."""
    fpr, tpr, grid = (np.asarray(a, dtype=float) for a in (fpr, tpr, grid))
    i = np.clip(np.searchsorted(fpr, grid, side="right") - 1, 0, len(fpr) - 1)  # last point with fpr <= x
    j = np.minimum(i + 1, len(fpr) - 1)
    width = fpr[j] - fpr[i]
    step = np.divide(grid - fpr[i], width, out=np.zeros_like(grid), where=width > 0)
    return tpr[i] + np.clip(step, 0.0, 1.0) * (tpr[j] - tpr[i])


def cv_roc(table: pd.DataFrame, predictors=ROC_PREDICTORS) -> pd.DataFrame:
    """Per panel and predictor (of ``predictors`` present in ``table``): ``n_pos``/``n_neg`` (labelled pairs),
    ``n_repeats``, ``auc`` (mean of the repeats' AUCs), ``auc_sd`` (SD over repeats, ddof 1), ``aucs`` (list)
    and ``tpr`` (the repeats' true positive rates averaged at ``FPR_GRID``).

    Scores: ``rank_score`` where present (a fitted predictor's score minus its fold model's per-domain level,
    as metrics.tsv's ``cv`` AUROC), else ``score``. A panel or predictor without both classes has no row."""
    value = "rank_score" if "rank_score" in table.columns else "score"
    present = set(table["predictor"])
    rows = []
    for panel in _panel_domains(ordered_categories(table["domain_category"])):
        sub = _panel_rows(table, panel)
        sub = sub[sub["binder"].isin([0, 1])]
        for pred in [p for p in predictors if p in present]:
            aucs, tprs = [], []
            for _, r in sub[sub["predictor"] == pred].groupby("repeat", sort=True):
                r = r[np.isfinite(r[value])]
                y = r["binder"].to_numpy()
                if (y == 1).sum() == 0 or (y == 0).sum() == 0:
                    continue
                fpr, tpr, auc = roc_curve(y, r[value])
                aucs.append(auc)
                tprs.append(tpr_at(fpr, tpr, FPR_GRID))
            if not aucs:
                continue
            labelled = sub.drop_duplicates("pair_id")
            rows.append({
                "panel": panel, "predictor": pred, "n_pos": int((labelled["binder"] == 1).sum()),
                "n_neg": int((labelled["binder"] == 0).sum()), "n_repeats": len(aucs),
                "auc": float(np.mean(aucs)),
                "auc_sd": float(np.std(aucs, ddof=1)) if len(aucs) > 1 else np.nan,
                "aucs": aucs, "tpr": np.mean(tprs, axis=0),
            })
    return pd.DataFrame(rows, columns=["panel", "predictor", "n_pos", "n_neg", "n_repeats", "auc", "auc_sd",
                                       "aucs", "tpr"])


def plot_cv_roc_curves(table: pd.DataFrame, out_png: str | Path, title_prefix: str = "",
                       n_folds: int | None = None, group_by: str | None = None) -> None:
    """Out-of-fold ROC curves (binder vs non-binder) of the fusion model and the single AlphaFold metrics,
    one panel per domain category (+ all domains), averaged over the repeats (:func:`cv_roc`)."""
    curves = cv_roc(table)
    colors = predictor_colors(curves["predictor"].unique())
    panels = _panel_domains(ordered_categories(table["domain_category"]))
    labelled = table[table["binder"].isin([0, 1])].drop_duplicates("pair_id")
    # one legend column under each panel: up to 10 entries with long metric names
    fig, axes = _grid(len(panels), width=4.8, height=7.0)
    for ax, panel in zip(axes, panels):
        lab = _panel_rows(labelled, panel)
        n_pos, n_neg = int((lab["binder"] == 1).sum()), int((lab["binder"] == 0).sum())
        ax.plot([0, 1], [0, 1], color="#888888", ls=":", lw=1.2, label="chance (AUC 0.50)")
        ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
        ax.set_aspect("equal")
        ax.set_xlabel("false positive rate (non-binders called binders)")
        ax.set_ylabel("true positive rate (binders found)")
        ax.set_title(f"{'all domains' if panel == 'all' else panel} ({n_pos} binders, {n_neg} non-binders)",
                     fontsize=10)
        ax.grid(alpha=0.3)
        rows = curves[curves["panel"] == panel]
        if rows.empty:
            what = "no labelled pairs" if n_pos + n_neg == 0 else (
                f"only {'binders' if n_neg == 0 else 'non-binders'} (n={n_pos + n_neg})")
            _note(ax, f"{what}:\nROC undefined")
            continue
        others = [p for p in rows["predictor"] if p != "fusion"]
        for row in rows.itertuples(index=False):
            fusion = row.predictor == "fusion"
            # fusion: thick solid line underneath; the others thinner and dashed on top, so coinciding curves
            # stay visible
            ax.plot(np.r_[0.0, FPR_GRID], np.r_[0.0, row.tpr], color=colors[row.predictor], lw=3.5 if fusion else 1.6,
                    ls="-" if fusion else _DASHES[others.index(row.predictor) % len(_DASHES)],
                    alpha=0.8 if fusion else 1.0, zorder=2 if fusion else 3,
                    label=f"{predictor_label(row.predictor)} (AUC {_pm(row.auc, row.auc_sd)})")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, ncol=1)
    n_repeats = int(table["repeat"].nunique())
    design = _cv_design(n_folds, group_by, n_repeats)
    _suptitle(fig, _title(title_prefix, f"out-of-fold ROC curves, binder vs non-binder, {len(labelled)} "
                          f"labelled pairs, {design} (curves and AUC: mean ± SD over repeats)"), fontsize=11)
    fig.tight_layout()
    save(fig, out_png)


__all__ = ["FPR_GRID", "ROC_PREDICTORS", "cv_kd_per_pair", "cv_kd_points", "cv_kd_stats",
           "cv_pred_vs_obs_figure", "cv_roc", "oof_table", "plot_cv_pred_vs_obs", "plot_cv_roc_curves",
           "tpr_at"]
