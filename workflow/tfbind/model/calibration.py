"""What a deployed model needs besides its weights: ``calibration.json``.

Written by rule ``calibrate_model`` (:func:`tfbind.evaluation.calibrate.calibrate_scope`) for every model
trained with labels (and shipped with the EP300 model in ``resources/models/ep300/``), read by the ranking
(``tfbind.ranking.model_scores``):

* ``p_binder``: the probability that a pair is a binder, calibrated on the OUT-OF-FOLD predictions of the
  run's cross-validation (every repeat), never on the pairs a model was fitted on. Platt scaling (Platt 1999,
  "Probabilistic outputs for support vector machines"): a logistic regression of the binder call on the fold
  model's ``rank_score`` (its score minus its mean score over its training pairs of the domain category,
  ``tfbind.evaluation.evaluate``), with one intercept per domain category (base rates differ: 7 % binders for
  EP300 KIX, 57 % for TAZ2 in the development set) and one shared slope (a per-category slope is not
  estimable from 6 KIX binders). The deployed model's ``x`` is the same quantity: its score minus its mean
  score over its own training pairs of the category (``train_score_mean``). ``p_binder`` is monotone in the
  score within a domain when the slope is positive; a fitted slope <= 0 (the model ranks no better than
  chance out of fold) is kept and reported, and p_binder then carries no ranking information (the ranking
  orders a model's domains by its predicted pKd either way, ``tfbind.ranking.table.build_ranking``).
* ``kd_range_nm``: per category, the smallest and largest measured Kd of the training pairs: predicted Kd and
  their intervals are clipped to it (a model extrapolating a linear predictor in pKd gives 1e-4 nM for an
  outlying input; the assays never measured below or above this range).
* ``feature_ranges``: per input column, the smallest and largest value over the training pairs (before
  imputation): a pair with an input outside is flagged in ``applicability``.
* ``cv_auroc``: per category, the within-category binder AUROC of the out-of-fold scores (mean over the
  repeats), quoted where the ranking says how far to trust a domain's order;
* ``reliability``: the cross-fitted reliability of p_binder (repeat 0: each fold's p_binder from a calibration
  fitted on the other folds), binned, with its Brier score and the Brier score of the per-category base rate,
  drawn by :func:`plot_reliability`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..io import atomic_path

FORMAT = "tfbind-calibration/1"
RELIABILITY_BINS = 10
#: Inverse L2 strength of the logistic fit on the standardised rank score: weak (the fit has one slope and
#: a handful of intercepts), enough to keep a category whose pairs are all binders (or none) finite.
LOGISTIC_C = 100.0


def _design(x: np.ndarray, cats: np.ndarray, categories: list[str], scale: float) -> np.ndarray:
    onehot = (cats[:, None] == np.asarray(categories)[None, :]).astype(float)
    return np.column_stack([onehot, x / scale])


def fit_platt(x: np.ndarray, binder: np.ndarray, cats: np.ndarray) -> dict:
    """``{"intercept": {category: a}, "slope": b, "scale": s}``: logit p = a[c] + b * x / s (module doc)."""
    from sklearn.linear_model import LogisticRegression

    x, binder, cats = np.asarray(x, float), np.asarray(binder, float), np.asarray(cats, str)
    ok = np.isfinite(x) & np.isfinite(binder)
    x, binder, cats = x[ok], binder[ok].astype(int), cats[ok]
    if len(np.unique(binder)) < 2:
        raise InputError("p_binder calibration: the out-of-fold pairs hold only one class of binder call "
                         f"({len(binder)} pairs); binder calls of both kinds are needed")
    categories = sorted(set(cats))
    scale = float(np.std(x)) or 1.0
    fit = LogisticRegression(C=LOGISTIC_C, fit_intercept=False, max_iter=1000)
    fit.fit(_design(x, cats, categories, scale), binder)
    coef = fit.coef_[0]
    return {"intercept": {c: float(a) for c, a in zip(categories, coef[:-1])}, "slope": float(coef[-1]),
            "scale": scale}


def apply_platt(platt: dict, x: np.ndarray, cats: np.ndarray) -> np.ndarray:
    """p_binder of ``x`` (NaN where x is NaN or the category has no intercept)."""
    a = pd.Series(np.asarray(cats, str)).map(platt["intercept"]).to_numpy(dtype=float)
    logit = a + platt["slope"] * np.asarray(x, float) / platt["scale"]
    return 1.0 / (1.0 + np.exp(-logit))


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def cross_fitted(x: np.ndarray, binder: np.ndarray, cats: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """p_binder of each row from a calibration fitted on the rows of the other folds."""
    p = np.full(len(x), np.nan)
    for fold in np.unique(folds):
        held = folds == fold
        p[held] = apply_platt(fit_platt(x[~held], binder[~held], cats[~held]), x[held], cats[held])
    return p


def reliability(p: np.ndarray, binder: np.ndarray, cats: np.ndarray, bins: int = RELIABILITY_BINS) -> dict:
    """Binned reliability (equal-width bins of p) and Brier scores of p and of the per-category base rate."""
    ok = np.isfinite(p)
    p, y, cats = p[ok], binder[ok].astype(float), cats[ok]
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = [{"bin_low": float(edges[b]), "bin_high": float(edges[b + 1]), "n": int((which == b).sum()),
             "mean_p": float(p[which == b].mean()), "observed": float(y[which == b].mean())}
            for b in range(bins) if (which == b).any()]
    base = pd.Series(y).groupby(cats).transform("mean").to_numpy()
    return {"bins": rows, "n": int(len(p)), "brier": _brier(p, y), "brier_base_rate": _brier(base, y)}


def training_ranges(table: pd.DataFrame, columns: list[str]) -> tuple[dict, dict]:
    """(feature column -> [min, max] over ``table`` (finite values), category -> [min, max] Kd (nM))."""
    features = {}
    for col in columns:
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float) if col in table else []
        values = np.asarray(values)[np.isfinite(values)]
        if len(values):
            features[col] = [float(values.min()), float(values.max())]
    kd = {str(c): [float(g.min()), float(g.max())] for c, g in table.groupby("domain_category")["kd_nm"]}
    return features, kd


def build_calibration(oof: pd.DataFrame, train_table: pd.DataFrame, train_scores: np.ndarray,
                      columns: list[str], model_file: str, cv_auroc: dict[str, float]) -> dict:
    """The ``calibration.json`` content (module doc).

    ``oof``: the fusion rows of every out-of-fold table (``pair_id, repeat, fold, rank_score``) joined with
    ``binder`` and ``domain_category``; ``train_table``: the labelled pairs the deployed model was fitted on
    (``domain_category, kd_nm`` and the input ``columns``); ``train_scores``: the deployed model's score of
    each of those rows; ``cv_auroc``: category -> out-of-fold AUROC
    (:func:`tfbind.evaluation.calibrate.cv_auroc`).
    """
    x = oof["rank_score"].to_numpy(dtype=float)
    y = oof["binder"].to_numpy(dtype=float)
    cats = oof["domain_category"].astype(str).to_numpy()
    platt = fit_platt(x, y, cats)
    first = (oof["repeat"] == oof["repeat"].min()).to_numpy()
    p_cv = cross_fitted(x[first], y[first], cats[first], oof["fold"].to_numpy()[first])
    features, kd = training_ranges(train_table, columns)
    train_cats = train_table["domain_category"].astype(str)
    score_mean = pd.Series(train_scores, index=train_table.index).groupby(train_cats).mean()
    per_cat = oof[first].groupby("domain_category")["binder"]
    return {
        "cv_auroc": dict(cv_auroc),
        "format": FORMAT,
        "model_file": model_file,
        "p_binder": {**platt, "method": "Platt scaling: logit p = intercept[category] + slope * x / scale, "
                                        "x = out-of-fold rank_score (all repeats)",
                     "n_rows": int(len(x)), "repeats": int(oof["repeat"].nunique()),
                     "pairs": {str(c): int(n) for c, n in per_cat.size().items()},
                     "binders": {str(c): int(n) for c, n in per_cat.sum().items()}},
        "train_score_mean": {str(c): float(v) for c, v in score_mean.items()},
        "kd_range_nm": kd,
        "feature_ranges": features,
        "reliability": reliability(p_cv, y[first], cats[first]),
    }


def write_calibration(calibration: dict, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(calibration, indent=1, sort_keys=True) + "\n")


def read_calibration(path: str | Path) -> dict:
    """``calibration.json``; InputError naming the file when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the calibration file: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: not a tfbind calibration file (format {FORMAT} expected)")
    for key in ("p_binder", "train_score_mean", "kd_range_nm", "feature_ranges"):
        if not isinstance(data.get(key), dict):
            raise InputError(f"{path}: {key!r} missing or not a mapping")
    return data


def plot_reliability(calibration: dict, path: str | Path, title: str = "") -> None:
    """The reliability diagram of ``calibration["reliability"]``: observed binder fraction against the mean
    p_binder per bin (marker area ~ pairs in the bin), the diagonal of perfect calibration, and the pairs per
    bin underneath."""
    from ..plotting import pyplot, save

    plt = pyplot()
    rel = calibration["reliability"]
    bins = pd.DataFrame(rel["bins"])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.2, 6.2), height_ratios=[3, 1], sharex=True)
    top.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfectly calibrated")
    if len(bins):
        top.plot(bins["mean_p"], bins["observed"], color="C0", lw=1.2)
        top.scatter(bins["mean_p"], bins["observed"], s=20 + 200 * bins["n"] / bins["n"].max(), color="C0",
                    zorder=3, label="out-of-fold pairs per bin")
        bottom.bar((bins["bin_low"] + bins["bin_high"]) / 2, bins["n"], width=0.09, color="C0")
    top.set_xlim(0, 1)
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("observed fraction of binders")
    top.set_title(title or "p_binder reliability (cross-fitted, out of fold)", fontsize=10)
    top.text(0.02, 0.97, f"{rel['n']} pairs\nBrier {rel['brier']:.3f} (base rate per domain: "
                         f"{rel['brier_base_rate']:.3f})", va="top", fontsize=8)
    top.legend(loc="lower right", fontsize=8, frameon=False)
    bottom.set_xlabel("predicted p_binder")
    bottom.set_ylabel("pairs")
    fig.tight_layout()
    save(fig, path)


__all__ = ["FORMAT", "apply_platt", "build_calibration", "cross_fitted", "fit_platt", "plot_reliability",
           "read_calibration", "reliability", "training_ranges", "write_calibration"]
