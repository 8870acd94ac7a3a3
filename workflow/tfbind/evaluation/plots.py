"""Evaluation figures (PNG) of one model scope: training curves, metric bars, a PCA of the AlphaFold /
interface features, and (``cv_plots``) the out-of-fold predicted vs observed Kd and ROC curves.

Every ``plot_*`` function takes DataFrames (never paths), writes one PNG to ``out_png`` and returns
nothing; ``title_prefix`` (usually the model scope, e.g. ``model all``) starts every title.
``model_plots.write_all_plots`` writes the five figures of one model into a folder.

Input tables (formats of the other stages):

* ``history``: ``member, epoch, train_loss, penalty, val_loss, lr`` (one row per ensemble member and epoch);
* ``predictions``: ``pair_id, tf_id, domain_id, domain_category, split, model_score, kd_pred_unclipped_nm,
  imputed, kd_nm, binder, target, rank_in_domain`` (``target`` on the 0-1 scale, 1 = strongest binder);
* ``metrics``: long format ``model, split, domain, predictor, n, r2, ..., spearman, ..., auroc, auprc,
  spearman_ci_low, spearman_ci_high, ..., n_repeats``;
* ``oof``: the out-of-fold tables of every repeat and fold, concatenated (``evaluate.OOF_COLUMNS``);
* ``pairs``: ``pairs.parquet`` (AlphaFold and interface metric columns, ``pair_id``, ``domain_category``).

Performance is only drawn from the cross-validation (``cv`` rows, out-of-fold tables): the model's own
test split holds a handful of pairs per domain, too few to draw as a result.

Colours are fixed per predictor (``PREDICTOR_COLORS``, :func:`predictor_colors`; every predictor its own
colour) and markers per domain category (``CATEGORY_MARKERS``) so that figures can be compared side by
side. The numbers drawn into a figure are computed by small public helpers (``best_epoch``, ``pca``,
``cv_plots.cv_kd_stats``, ``cv_plots.cv_roc``; the ROC: ``tfbind.plotting.roc_curve``) that tests and other
stages can call directly. Style, PNG writing and the ROC come from :mod:`tfbind.plotting`, as for the ranking's
figures.
"""

from __future__ import annotations

import logging
import math
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..plotting import pyplot, save
from .metrics import CONSENSUS_PREDICTORS, RANKING_PREDICTORS, TARGET_PREDICTORS

plt = pyplot()  # Agg and the package's style (tfbind.plotting)
log = logging.getLogger(__name__)

#: Canonical order of the EP300 co-activator domain categories (others follow alphabetically).
CATEGORIES = ("KIX", "NCBD", "TAZ1", "TAZ2")
CATEGORY_MARKERS = {"KIX": "o", "NCBD": "s", "TAZ1": "^", "TAZ2": "D"}
_EXTRA_MARKERS = ("v", "P", "X", "*", "h", "<", ">")

#: Predictor order in every figure: the fitted predictors, the single AlphaFold metrics, their consensus.
PREDICTORS = (*TARGET_PREDICTORS, *RANKING_PREDICTORS, *CONSENSUS_PREDICTORS)
#: One colour per predictor, never shared. The first colours are the colour-blind-safe qualitative palettes of
#: Okabe & Ito (2008) and Paul Tol ("muted"); no palette keeps more than about 9 colours apart for every
#: colour-vision deficiency, so the bars also keep a fixed order (the legend's) and the ROC lines a dash each.
PREDICTOR_COLORS = {
    "fusion": "#D55E00",  # vermillion: the model of this pipeline
    "domain_mean": "#BBBBBB",  # grey: the trivial per-domain baseline
    "iptm": "#0072B2",  # blue
    "ranking_confidence": "#44AA99",  # teal
    "ipsae_min": "#117733",  # green
    "pdockq": "#E69F00",  # orange
    "shape_complementarity": "#999933",  # olive
    "lis": "#AA4499",  # purple
    "ridge": "#332288",  # indigo
    "ridge_prior": "#88CCEE",  # cyan
    "gbm": "#882255",  # wine
    "consensus": "#000000",  # black: the ranking's unfitted consensus
    "fusion_ridge": "#CC6677",  # rose
}
#: Colours of predictors without a fixed one (in the order of their sorted names), then evenly spaced hues.
EXTRA_COLORS = ("#56B4E9", "#DDCC77", "#009E73", "#CC79A7", "#F0E442", "#661100", "#6699CC", "#AA4466",
                "#4477AA", "#EE7733")
PREDICTOR_LABELS = {
    "fusion": "fusion model",
    "domain_mean": "domain mean",
    "ridge": "ridge regression",
    "gbm": "gradient boosting",
    "iptm": "ipTM",
    "ipsae_min": "ipSAE (min)",
    "pdockq": "pDockQ",
    "lis": "LIS",
    "ranking_confidence": "ranking confidence",
    "shape_complementarity": "shape complementarity",
    "ridge_prior": "ridge (prior)",
    "consensus": "consensus",
    "fusion_ridge": "fusion + ridge (rank average)",
}

PCA_AF_COLUMNS = (
    "iptm", "ptm", "pae_mean", "pae_inter_mean", "pdockq", "pdockq2_tf", "lis", "ipsae_min", "iptm_pae",
    "plddt_interface",
)
PCA_INTERFACE_COLUMNS = (
    "n_contact_pairs", "n_interface_res", "frac_polar", "frac_hydrophobic", "frac_charged", "bsa",
    "interface_area", "solvation_energy", "n_hbonds", "n_salt_bridges",
)

KD_LABEL = "observed Kd (nM, log scale; bright = strong binding)"

FILES = {
    "training_curves": "training_curves.png",
    "pred_vs_obs": "pred_vs_obs.png",
    "metric_bars": "metric_bars.png",
    "roc_curves": "roc_curves.png",
    "feature_pca": "feature_pca.png",
}


# ---------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------
def _title(prefix: str, text: str) -> str:
    return f"{prefix}: {text}" if prefix else text


def _suptitle(fig: Figure, text: str, **kwargs) -> None:
    """Figure title wrapped to the figure's width (narrow one-panel figures keep the whole title)."""
    kwargs.setdefault("fontsize", 12)
    width = max(30, int(fig.get_figwidth() * 120 / kwargs["fontsize"]))
    fig.suptitle(textwrap.fill(text, width=width), **kwargs)


def _check_columns(table: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def ordered_categories(values) -> list[str]:
    """Domain categories present in ``values``: KIX, NCBD, TAZ1, TAZ2 first, then others sorted."""
    present = {str(v) for v in pd.Series(values).dropna().unique()}
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def _marker(category: str, extra: list[str]) -> str:
    if category in CATEGORY_MARKERS:
        return CATEGORY_MARKERS[category]
    return _EXTRA_MARKERS[extra.index(category) % len(_EXTRA_MARKERS)] if category in extra else "o"


def ordered_predictors(values) -> list[str]:
    """Predictors present in ``values``: ``PREDICTORS`` order first, then others sorted."""
    present = {str(v) for v in pd.Series(values).dropna().unique()}
    return [p for p in PREDICTORS if p in present] + sorted(present - set(PREDICTORS))


def predictor_colors(names) -> dict[str, str]:
    """{name: colour} for the predictors ``names`` (in their order), all different: the fixed
    ``PREDICTOR_COLORS`` (the same in every figure), then for the other names (sorted) ``EXTRA_COLORS`` and
    evenly spaced hues."""
    names = list(dict.fromkeys(str(n) for n in names))
    out = {n: PREDICTOR_COLORS[n] for n in names if n in PREDICTOR_COLORS}
    others = sorted(n for n in names if n not in out)
    spare = [c for c in EXTRA_COLORS if c not in out.values()]
    n_hues = max(len(others) - len(spare), 0)
    spare += [matplotlib.colors.to_hex(plt.get_cmap("hsv")(i / n_hues)) for i in range(n_hues)]
    out.update(zip(others, spare))
    return {n: out[n] for n in names}


def predictor_color(name: str) -> str:
    """The colour of one predictor: its fixed colour, else the first extra colour (use
    :func:`predictor_colors` to colour several unknown predictors apart)."""
    return predictor_colors([name])[name]


def predictor_label(name: str) -> str:
    return PREDICTOR_LABELS.get(name, name)


def _panel_domains(categories: list[str]) -> list[str]:
    """``all`` + each category, or just the category when there is only one."""
    return categories if len(categories) == 1 else ["all", *categories]


def _grid(n: int, width: float = 4.4, height: float = 4.0, max_cols: int = 3):
    ncols = min(n, max_cols) if n > 0 else 1
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows + 0.6), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=10, color="#444444",
            wrap=True, bbox=dict(boxstyle="round", facecolor="#f4f4f4", edgecolor="#bbbbbb"))


def _fmt(value: float, digits: int = 2) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


# ---------------------------------------------------------------------------------------------------------
# 1. Training curves
# ---------------------------------------------------------------------------------------------------------
def best_epoch(history: pd.DataFrame) -> int | None:
    """The epoch with the lowest ``val_loss`` (ties: the earlier epoch) of one member's history.

    None when no epoch has a validation loss (a member without validation groups).
    """
    _check_columns(history, ["epoch", "val_loss"], "history")
    h = history[["epoch", "val_loss"]].apply(pd.to_numeric, errors="coerce")
    h = h[h["val_loss"].notna()]
    if h.empty:
        return None
    return int(h.sort_values(["val_loss", "epoch"], kind="stable")["epoch"].iloc[0])


def plot_training_curves(history: pd.DataFrame, out_png: str | Path, title_prefix: str = "") -> None:
    """Per ensemble member: training MSE (left) and validation MSE (right) per epoch, the member's best
    epoch (lowest validation MSE, the weights it keeps) marked by a dot."""
    _check_columns(history, ["epoch", "train_loss", "val_loss"], "history")
    h = history.apply(pd.to_numeric, errors="coerce")
    if "member" not in h.columns:
        h["member"] = 0
    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(12, 4.6))
    cmap = plt.get_cmap("tab10")
    bests = []
    for i, (member, m) in enumerate(h.sort_values(["member", "epoch"]).groupby("member", sort=True)):
        color = cmap(i % 10)
        ax_loss.plot(m["epoch"], m["train_loss"], color=color, lw=1.5, label=f"member {int(member)}")
        ax_val.plot(m["epoch"], m["val_loss"], color=color, lw=1.5, label=f"member {int(member)}")
        best = best_epoch(m)
        if best is not None:
            bests.append(best)
            ax_val.plot([best], m.loc[m["epoch"] == best, "val_loss"], "o", color=color, ms=6)
    ax_loss.set_title("Training MSE per epoch (pKd z-score, with per-domain bias)")
    ax_val.set_title("Validation MSE per epoch (member's held-out groups)")
    for ax in (ax_loss, ax_val):
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE (unitless, within-domain z-scored pKd)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best", framealpha=0.9)
    if h["val_loss"].notna().sum() == 0:
        _note(ax_val, "no validation values recorded\n(members without validation groups)")
    note = (f"best epochs {', '.join(map(str, bests))} (dots: lowest validation MSE)" if bests
            else "no validation loss recorded, so no best epoch")
    n_members = h["member"].nunique()
    _suptitle(fig, _title(title_prefix, f"training curves of {n_members} ensemble member(s) ({note})"),
              fontsize=12)
    fig.tight_layout()
    save(fig, out_png)


# ---------------------------------------------------------------------------------------------------------
# 3. Metric bars
# ---------------------------------------------------------------------------------------------------------
def _metric_table(metrics: pd.DataFrame, split: str, model: str | None) -> pd.DataFrame:
    _check_columns(metrics, ["split", "domain", "predictor", "spearman", "auroc"], "metrics")
    table = metrics[metrics["split"] == split]
    if "model" in table.columns:
        models = list(pd.unique(table["model"].dropna()))
        if model is not None:
            table = table[table["model"] == model]
        elif len(models) > 1:
            raise ValueError(f"metrics: several models ({', '.join(map(str, models))}); pass model=")
    table = table.copy()
    for col in ("spearman", "auroc", "spearman_ci_low", "spearman_ci_high"):
        table[col] = pd.to_numeric(table[col], errors="coerce") if col in table.columns else np.nan
    return table.drop_duplicates(["domain", "predictor"], keep="first")


_PANELS = {  # metric column -> (reference line, lower y limit, y label)
    "spearman": (0.0, -1.0, "Spearman ρ (score vs observed pKd)"),
    "auroc": (0.5, 0.0, "AUROC (binder vs non-binder)"),
}


def _metric_panel(ax, table: pd.DataFrame, panel: str, domains: list[str], colors: dict[str, str]) -> bool:
    """One panel of grouped bars (a group per domain, a bar per predictor) of the metric ``panel``; Spearman
    bars carry their confidence interval. ``colors``: {predictor: colour}, in bar order. Returns whether a
    value was missing (drawn as "n/a")."""
    predictors = list(colors)
    ref, lo_lim, ylabel = _PANELS[panel]
    width = 0.8 / max(len(predictors), 1)
    x = np.arange(len(domains))
    any_missing = False
    for j, pred in enumerate(predictors):
        sub = table[table["predictor"] == pred].set_index("domain")
        values = np.array([sub[panel].get(d, np.nan) for d in domains], dtype=float)
        pos = x - 0.4 + width * (j + 0.5)
        ok = np.isfinite(values)
        yerr = None
        if panel == "spearman":
            low = np.array([sub["spearman_ci_low"].get(d, np.nan) for d in domains], dtype=float)
            high = np.array([sub["spearman_ci_high"].get(d, np.nan) for d in domains], dtype=float)
            err_lo = np.where(np.isfinite(low), np.clip(values - low, 0, None), 0.0)
            err_hi = np.where(np.isfinite(high), np.clip(high - values, 0, None), 0.0)
            yerr = np.vstack([err_lo[ok], err_hi[ok]])
        ax.bar(pos[ok], values[ok], width=width * 0.92, color=colors[pred], edgecolor="black",
               lw=0.4, yerr=yerr, capsize=2.5 if yerr is not None else 0,
               error_kw=dict(lw=0.9, ecolor="#333333"))
        for p in pos[~ok]:
            any_missing = True
            # dark text: a light bar colour (the grey domain mean) would not be legible; the position names
            # the predictor
            ax.text(p, ref + 0.03, "n/a", rotation=90, ha="center", va="bottom", fontsize=8.5,
                    color="#333333")
    ax.axhline(ref, color="black", ls="--", lw=1)
    ax.set_xticks(x)
    ax.set_xticklabels(["all domains" if d == "all" else d for d in domains])
    ax.set_ylim(lo_lim, 1.05)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlim(-0.5, len(domains) - 0.5)
    return any_missing


def _split_words(table: pd.DataFrame, split: str) -> str:
    """The title's name of the metrics' split, with its number of labelled pairs (and repeats for ``cv``)."""
    n = pd.to_numeric(table.loc[(table["domain"] == "all") & (table["predictor"] == "fusion"), "n"]
                      if "n" in table.columns else pd.Series(dtype=float), errors="coerce").max()
    pairs = f"{int(n)} labelled pairs" if np.isfinite(n) else "labelled pairs"
    if split != "cv":
        return f"{split} split ({pairs})"
    reps = (pd.to_numeric(table["n_repeats"], errors="coerce").max() if "n_repeats" in table.columns
            else np.nan)
    repeats = f", mean of {int(reps)} repeats" if np.isfinite(reps) else ""
    return f"cross-validation, out of fold ({pairs}{repeats})"


def plot_metric_bars(metrics: pd.DataFrame, out_png: str | Path, split: str = "cv", title_prefix: str = "",
                     model: str | None = None) -> None:
    """Spearman (with CI error bars) and AUROC per domain for the fusion model and every baseline present.

    Missing values (NaN: too few pairs, one class only, ...) are drawn as "n/a" instead of a bar.
    ``model`` selects one model of a table holding several.
    """
    table = _metric_table(metrics, split, model)
    domains_present = set(table["domain"].astype(str))
    domains = (["all"] if "all" in domains_present else []) + ordered_categories(
        [d for d in domains_present if d != "all"]
    )
    predictors = ordered_predictors(table["predictor"])
    colors = predictor_colors(predictors)
    n_bars = max(len(domains), 1) * max(len(predictors), 1)
    fig, (ax_rho, ax_auc) = plt.subplots(2, 1, figsize=(min(16.0, max(8.0, 2.0 + 0.28 * n_bars)), 9.0))
    if table.empty:
        for ax, what in ((ax_rho, "Spearman ρ"), (ax_auc, "AUROC")):
            ax.set_xticks([])
            ax.set_yticks([])
            _note(ax, f"no {what} values: the metrics table has no rows for the {split} split")
        _suptitle(fig, _title(title_prefix, f"metrics, {split} split"), fontsize=12)
        save(fig, out_png)
        return

    any_missing = False
    for panel, ax in (("spearman", ax_rho), ("auroc", ax_auc)):
        any_missing |= _metric_panel(ax, table, panel, domains, colors)
    ax_rho.set_title("Spearman rank correlation per domain (error bars: confidence interval; "
                     "dashed line: no correlation)", fontsize=10)
    ax_auc.set_title("AUROC for binder classification per domain (dashed line: chance = 0.5)", fontsize=10)
    # explicit handles: a predictor whose bars are all NaN still gets its colour in the legend
    handles = [Patch(facecolor=colors[p], edgecolor="black", lw=0.4, label=predictor_label(p))
               for p in predictors]
    fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 4), fontsize=9,
               bbox_to_anchor=(0.5, 0.955), frameon=False)
    _suptitle(fig, _title(title_prefix, f"fusion model vs baselines, {_split_words(table, split)}"),
              fontsize=12, y=0.995)
    if any_missing:
        fig.text(0.01, 0.005, "n/a: metric not computable for that domain and predictor (too few pairs, one "
                 "class only, or a score constant within the domain, as the domain mean); no bar is drawn.",
                 fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.92))
    save(fig, out_png)


# ---------------------------------------------------------------------------------------------------------
# 4. ROC curves
# ---------------------------------------------------------------------------------------------------------
_DASHES = ("--", (0, (5, 1.5, 1, 1.5)), ":", (0, (8, 2)), "-.", (0, (3, 1, 1, 1, 1, 1)))


# ---------------------------------------------------------------------------------------------------------
# 5. Feature PCA
# ---------------------------------------------------------------------------------------------------------
def pca(values: np.ndarray, n_components: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, explained variance ratios, loadings) of the column-standardised ``values``.

    NaN cells take their column's median first; constant columns (std 0) stay at 0 after scaling.
    Plain numpy SVD; components beyond the matrix rank are returned as zeros.
    """
    x = np.asarray(values, dtype=float).copy()
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError("pca needs a non-empty 2-D array")
    medians = np.nanmedian(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0) if x.size else np.array([])
    medians = np.where(np.isnan(medians), 0.0, medians)
    x = np.where(np.isnan(x), medians, x)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    var = s ** 2
    ratio = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    k = min(n_components, len(s))
    scores = u[:, :k] * s[:k]
    loadings = vt[:k].T
    if k < n_components:
        scores = np.hstack([scores, np.zeros((x.shape[0], n_components - k))])
        loadings = np.hstack([loadings, np.zeros((x.shape[1], n_components - k))])
        ratio = np.r_[ratio, np.zeros(n_components - k)]
    return scores, ratio[:n_components], loadings


def observed_kd(pairs: pd.DataFrame, labels_or_scores: pd.DataFrame | None) -> np.ndarray:
    """Observed Kd (nM) per row of ``pairs`` (NaN: unlabelled, or a Kd that is not positive), from a table
    with ``kd_nm`` joined on ``tf_id, domain_id`` where both tables have them (the labels), else on
    ``pair_id``."""
    n = len(pairs)
    if labels_or_scores is None or labels_or_scores.empty:
        return np.full(n, np.nan)
    lt = labels_or_scores
    if "kd_nm" not in lt.columns:
        raise ValueError("labels_or_scores: needs kd_nm (+ tf_id, domain_id, or pair_id)")
    keys = ["tf_id", "domain_id"] if {"tf_id", "domain_id"} <= set(lt.columns) & set(pairs.columns) \
        else ["pair_id"]
    _check_columns(lt, keys, "labels_or_scores")
    lab = lt[[*keys, "kd_nm"]].drop_duplicates(keys)
    merged = pairs[keys].merge(lab, on=keys, how="left")
    kd = pd.to_numeric(merged["kd_nm"], errors="coerce").to_numpy(float)
    return np.where(kd > 0, kd, np.nan)


def _top_loadings(names: list[str], loadings: np.ndarray, k: int = 3) -> str:
    parts = []
    for i in range(loadings.shape[1]):
        idx = np.argsort(-np.abs(loadings[:, i]))[:k]
        top = ", ".join(f"{'+' if loadings[j, i] >= 0 else '−'}{names[j]}" for j in idx)
        parts.append(f"PC{i + 1}: {top}")
    return "\n".join(parts)


def plot_feature_pca(pairs: pd.DataFrame, labels_or_scores: pd.DataFrame | None, out_png: str | Path,
                     title_prefix: str = "") -> None:
    """PCA of the AlphaFold metrics and of the interface metrics; points coloured by the observed Kd (nM, log
    colour scale; grey: unlabelled), marker per domain category.

    ``labels_or_scores``: the labels or a score table, either with ``kd_nm`` (:func:`observed_kd`).
    """
    _check_columns(pairs, ["pair_id", "domain_category"], "pairs")
    target = observed_kd(pairs, labels_or_scores)
    categories = ordered_categories(pairs["domain_category"])
    extra = [c for c in categories if c not in CATEGORY_MARKERS]
    fig, axes = plt.subplots(1, 2, figsize=(13.5, 6.0))
    finite = target[np.isfinite(target)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (1.0, 10.0)
    norm = matplotlib.colors.LogNorm(vmin=lo, vmax=hi if hi > lo else lo * 10)
    cmap = plt.get_cmap("viridis_r")  # bright = low Kd = strong binding
    for ax, (name, wanted) in zip(axes, (("AlphaFold confidence metrics", PCA_AF_COLUMNS),
                                        ("interface metrics", PCA_INTERFACE_COLUMNS))):
        cols = [c for c in wanted if c in pairs.columns]
        raw = pairs[cols].apply(pd.to_numeric, errors="coerce") if cols else pd.DataFrame(index=pairs.index)
        usable = [c for c in cols if raw[c].notna().any() and raw[c].nunique(dropna=True) > 1]
        dropped = [c for c in cols if c not in usable]
        ax.set_title(f"PCA of {len(usable)} {name}", fontsize=11)
        if len(usable) < 2 or len(pairs) < 3:
            _note(ax, f"too few varying columns ({len(usable)}) or pairs ({len(pairs)}) for a PCA")
            continue
        scores, ratio, loadings = pca(raw[usable].to_numpy(float))
        labelled = np.isfinite(target)
        for cat in categories:
            m = (pairs["domain_category"] == cat).to_numpy()
            mk = _marker(cat, extra)
            ax.scatter(scores[m & ~labelled, 0], scores[m & ~labelled, 1], marker=mk, s=26,
                       facecolor="none", edgecolor="#a0a0a0", lw=0.8)
            ax.scatter(scores[m & labelled, 0], scores[m & labelled, 1], marker=mk, s=34,
                       c=target[m & labelled], cmap=cmap, norm=norm, edgecolor="black", lw=0.4, alpha=0.9)
        ax.set_xlabel(f"PC1 ({ratio[0] * 100:.1f}% of variance)")
        ax.set_ylabel(f"PC2 ({ratio[1] * 100:.1f}% of variance)")
        ax.grid(alpha=0.3)
        text = "largest loadings\n" + _top_loadings(usable, loadings)
        if dropped:
            text += "\nleft out (constant/empty): " + ", ".join(dropped)
        ax.text(0.01, -0.14, text, transform=ax.transAxes, fontsize=7.5, va="top", color="#333333")
    handles = [Line2D([], [], marker=_marker(c, extra), ls="", color="#555555", markerfacecolor="#cccccc",
                      markersize=7, label=c) for c in categories]
    if (~np.isfinite(target)).any():
        handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor="#a0a0a0",
                              markersize=7, label="unlabelled"))
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=9, frameon=False,
               bbox_to_anchor=(0.46, 0.94), title="domain category", title_fontsize=9)
    _suptitle(fig, _title(title_prefix, "PCA of the feature table (standardised, median-imputed), "
                        "coloured by observed Kd"), fontsize=12)
    fig.tight_layout(rect=(0, 0.02, 0.9, 0.88))
    cax = fig.add_axes((0.915, 0.2, 0.015, 0.6))
    fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax, label=KD_LABEL)
    save(fig, out_png)

