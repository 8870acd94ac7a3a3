"""Evaluation metrics of binding predictors: long-format rows per (split, domain, predictor).

Two kinds of predictor:

* **target-scale** predictors (``fusion``, ``domain_mean``, ``ridge``, ``gbm``): a score in [0, 1] on the
  scale of the fusion model's target (the model's ``TargetTransform`` of Kd, clipped to [0, 1]); every
  metric is filled;
* **ranking** predictors (``iptm``, ``ipsae_min``, ``pdockq``, ``lis``): a raw AlphaFold metric, larger =
  stronger binding; only ``spearman`` (+ CI), ``auroc`` and ``auprc`` are filled, the rest are NaN (the
  scores are not on the target scale).

Metrics (rows with a finite score and a finite target only; ``n`` counts them):

``r2``          1 - SS_res / SS_tot (NaN when n < 2 or the targets are constant)
``mse``/``mae`` mean squared / absolute error of score vs target
``spearman``    scipy.stats.spearmanr (NaN when n < 3 or either side is constant); ``pearson`` likewise
``acc_0.1``     fraction with |score - target| < 0.1
``top25_acc``   the same on the rows whose target is >= the 75th percentile (numpy linear) of the group's
                targets, as the training loop's ``val_top25_acc``
``spearman`` is against ``pkd`` (-log10 Kd) where the long table has it (the target is clipped to the
                training range, which ties the extremes), else against ``target``
``auroc``/``auprc`` of the score against ``binder`` (rows with a known binder; NaN with one class only);
                ``auprc`` is sklearn's average precision
``spearman_ci_low``/``_high``  95 % percentile bootstrap interval of the Spearman correlation (resamples of
                the rows with replacement, ``numpy.random.default_rng(seed)``; resamples where a side is
                constant are dropped; NaN when n < 3 or a side is constant)
``fusion_minus_auroc`` (+ ``_low``/``_high``)  ``cv`` rows of each domain: the fusion model's AUROC minus this
                predictor's, mean over repeats, with a paired gene-bootstrap 95 % interval (both predictors on
                the same resamples of the domain's genes; :func:`paired_auroc_difference`): an interval that
                holds 0 is a tie on these data

Binder labels (:func:`binder_labels`): the labels' ``binder`` column where it has a value, else "Kd below the
assay ceiling of the domain category", the ceiling being the largest Kd observed for that category in the
labels (pairs at the ceiling were measured as non-binding).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..correlation import constant as _constant
from ..correlation import pearson, spearman
from ..errors import InputError

SPLITS = ("train", "val", "test", "cv")
TARGET_PREDICTORS = ("fusion", "domain_mean", "ridge", "ridge_prior", "gbm")
RANKING_PREDICTORS = ("iptm", "ranking_confidence", "ipsae_min", "pdockq", "shape_complementarity", "lis")
#: Fitted predictors whose ranking is a rank average (``train.rank_average_ridge``): ranking metrics only.
RANK_AVERAGE_PREDICTORS = ("fusion_ridge",)
#: Unfitted scores of the whole screen (tfbind.consensus: no labels): ranking metrics only.
CONSENSUS_PREDICTORS = ("consensus",)
#: Order of the metrics table: the model, the trivial baseline, the single metrics, the fitted baselines,
#: the ranking's consensus.
PREDICTORS = ("fusion", "domain_mean", *RANKING_PREDICTORS, "ridge", "ridge_prior", "gbm", *CONSENSUS_PREDICTORS)
#: Predictors fitted per fold (their cross-validation ranking metrics use ``rank_score``).
FITTED_PREDICTORS = ("fusion", "domain_mean", "ridge", "ridge_prior", "gbm", *RANK_AVERAGE_PREDICTORS)
#: cv rows: the fusion model's within-domain AUROC minus this predictor's, paired gene-bootstrap 95 % interval
#: (:func:`fusion_differences`)
DIFFERENCE_COLUMNS = ["fusion_minus_auroc", "fusion_minus_auroc_low", "fusion_minus_auroc_high"]
METRIC_COLUMNS = [
    "model", "split", "domain", "predictor", "n", "r2", "mse", "mae", "spearman", "pearson", "acc_0.1",
    "top25_acc", "auroc", "auprc", "spearman_ci_low", "spearman_ci_high", "auroc_sd", "spearman_sd", "r2_sd",
    "n_repeats", *DIFFERENCE_COLUMNS,
]
#: Metrics of ``cv`` rows computed from ``rank_score`` (within-domain ranking); the others from ``score``.
RANK_METRICS = ("spearman", "auroc", "auprc", "spearman_ci_low", "spearman_ci_high")
#: Columns of the long input table of :func:`metric_rows` (optional: ``pkd``, ``rank_score``, ``repeat``).
LONG_COLUMNS = ["pair_id", "split", "domain_category", "predictor", "score", "target", "binder"]
ACC_TOLERANCE = 0.1
BOOTSTRAP_CHUNK = 200  # resamples ranked at once (memory: chunk x n floats)


# ---------------------------------------------------------------------------------------------------------
# Binder labels
# ---------------------------------------------------------------------------------------------------------
def category_ceilings(pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.Series:
    """domain_category -> the largest kd_nm of that category in ``labels`` (category via domain_id)."""
    categories = pairs[["domain_id", "domain_category"]].drop_duplicates("domain_id")
    lab = labels[["domain_id", "kd_nm"]].assign(kd_nm=pd.to_numeric(labels["kd_nm"], errors="coerce"))
    joined = lab.merge(categories, on="domain_id", how="inner")
    return joined.groupby("domain_category")["kd_nm"].max()


def binder_labels(table: pd.DataFrame, ceilings: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """(binder 0/1 float, source "labels"/"ceiling") of ``table``'s rows
    (domain_category, kd_nm[, binder]).

    ``binder`` of the table where it holds a value; otherwise 1.0 when ``kd_nm`` is below the ceiling of the
    row's category (``ceilings``, default: the largest ``kd_nm`` per category within ``table``), else 0.0.
    NaN where kd_nm is NaN and no binder is given.
    """
    if ceilings is None:
        ceilings = table.groupby("domain_category")["kd_nm"].max()
    kd = pd.to_numeric(table["kd_nm"], errors="coerce")
    ceiling = table["domain_category"].map(ceilings).astype(float)
    derived = (kd < ceiling).astype(float).where(kd.notna() & ceiling.notna())
    if "binder" in table.columns:
        given = _binder_values(table["binder"])
    else:
        given = pd.Series(np.nan, index=table.index)
    binder = given.where(given.notna(), derived)
    source = pd.Series(np.where(given.notna(), "labels", np.where(derived.notna(), "ceiling", "")),
                       index=table.index)
    return binder.astype(float), source


def _binder_values(values: pd.Series) -> pd.Series:
    """A labels ``binder`` column as 0/1 floats (bools, 0/1, "true"/"false"/"yes"/"no"); NaN stays NaN."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype("string").str.strip().str.lower()
        mapped = text.map({"true": 1.0, "yes": 1.0, "1": 1.0, "1.0": 1.0,
                           "false": 0.0, "no": 0.0, "0": 0.0, "0.0": 0.0})
        unknown = text.notna() & (text != "") & (text != "nan") & mapped.isna()
        if unknown.any():
            raise InputError(f"labels table: binder value {values[unknown].iloc[0]!r} is not 0/1/true/false")
        return mapped.astype(float)
    out = pd.to_numeric(values, errors="coerce").astype(float)
    bad = out.notna() & ~out.isin([0.0, 1.0])
    if bad.any():
        raise InputError(f"labels table: binder value {values[bad].iloc[0]!r} is not 0 or 1")
    return out


# ---------------------------------------------------------------------------------------------------------
# Single metrics
# ---------------------------------------------------------------------------------------------------------
def r2(score, target) -> float:
    s, t = np.asarray(score, dtype=float), np.asarray(target, dtype=float)
    if len(s) < 2:
        return math.nan
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    if ss_tot == 0:
        return math.nan
    return 1.0 - float(np.sum((t - s) ** 2)) / ss_tot


def accuracy(score, target, tol: float = ACC_TOLERANCE) -> float:
    s, t = np.asarray(score, dtype=float), np.asarray(target, dtype=float)
    if len(s) == 0:
        return math.nan
    return float(np.mean(np.abs(s - t) < tol))


def top25_accuracy(score, target, tol: float = ACC_TOLERANCE) -> float:
    s, t = np.asarray(score, dtype=float), np.asarray(target, dtype=float)
    if len(s) == 0:
        return math.nan
    top = t >= np.quantile(t, 0.75)
    return accuracy(s[top], t[top], tol)


def auroc(score, binder) -> float:
    from sklearn.metrics import roc_auc_score

    s, b = np.asarray(score, dtype=float), np.asarray(binder, dtype=float)
    if len(np.unique(b)) < 2:
        return math.nan
    return float(roc_auc_score(b, s))


def auprc(score, binder) -> float:
    from sklearn.metrics import average_precision_score

    s, b = np.asarray(score, dtype=float), np.asarray(binder, dtype=float)
    if len(np.unique(b)) < 2:
        return math.nan
    return float(average_precision_score(b, s))


def _rank_rows(x: np.ndarray) -> np.ndarray:
    """Average ranks along axis 1 (ties share their mean rank), as spearmanr."""
    return stats.rankdata(x, axis=1)


def spearman_ci(score, target, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of Spearman's rho: ``n_boot`` resamples of the rows (with replacement).

    Vectorised: the resample indices are drawn in one call per chunk, each resample is ranked once
    (``rankdata`` along axis 1) and rho is the Pearson correlation of the ranks, row-wise. Resamples where
    either side is constant are dropped. (NaN, NaN) when n < 3 or either side is constant.
    """
    s, t = np.asarray(score, dtype=float), np.asarray(target, dtype=float)
    n = len(s)
    if n < 3 or _constant(s) or _constant(t) or n_boot < 1:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    rhos = []
    for start in range(0, n_boot, BOOTSTRAP_CHUNK):
        m = min(BOOTSTRAP_CHUNK, n_boot - start)
        idx = rng.integers(0, n, size=(m, n))
        rs, rt = _rank_rows(s[idx]), _rank_rows(t[idx])
        rs -= rs.mean(axis=1, keepdims=True)
        rt -= rt.mean(axis=1, keepdims=True)
        denom = np.sqrt((rs * rs).sum(axis=1) * (rt * rt).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = (rs * rt).sum(axis=1) / denom
        rhos.append(rho[denom > 0])
    rho = np.concatenate(rhos)
    if len(rho) == 0:
        return math.nan, math.nan
    alpha = (1.0 - level) / 2.0
    lo, hi = np.percentile(np.clip(rho, -1.0, 1.0), [100 * alpha, 100 * (1 - alpha)])
    return float(lo), float(hi)


def weighted_auroc(score: np.ndarray, pos: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUROC of ``score`` for each row of ``weights`` (resamples x rows: how often each row is
    drawn), ties counting half: sum over binders i of w_i (W of non-binders scoring below i + half of those
    tied with i) / (W binders x W non-binders). O(resamples x rows) after one sort, so that a bootstrap of a
    few thousand labelled pairs stays cheap; NaN for a resample without a binder or a non-binder."""
    values, index = np.unique(score, return_inverse=True)
    neg = ~pos
    w_neg = np.zeros((weights.shape[0], len(values)))
    np.add.at(w_neg.T, index[neg], weights[:, neg].T)  # non-binder weight per distinct score
    below = np.cumsum(w_neg, axis=1) - w_neg
    credit = below[:, index[pos]] + 0.5 * w_neg[:, index[pos]]
    wins = np.einsum("bi,bi->b", weights[:, pos], credit)
    norm = weights[:, pos].sum(axis=1) * weights[:, neg].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, wins / norm, np.nan)


def paired_auroc_difference(score_a, score_b, binder, groups, n_boot: int = 1000, seed: int = 0,
                            level: float = 0.95) -> tuple[float, float, float]:
    """(AUROC(a) - AUROC(b), percentile bootstrap interval) of two predictors scored on the same rows,
    resampling whole groups (genes) with replacement, both predictors on the same resample (paired).

    ``score_a``/``score_b``: one score per row, or one row of scores per repeat of the fold assignment
    (shape repeats x rows): the statistic is then the mean over repeats of the per-repeat difference.
    ``binder``: 1/0 per row (rows with NaN binder or NaN scores are dropped). Resample k draws
    ``len(unique groups)`` groups with ``numpy.random.default_rng(seed).choice(unique, size, replace=True)``
    (unique groups sorted; one call per resample, in order), and a row counts as often as its group was
    drawn: the AUROC of a resample is the Mann-Whitney statistic with those multiplicities as weights (ties
    count half; :func:`weighted_auroc`). Resamples without a binder or without a non-binder are dropped.
    (nan, nan, nan) when the rows hold one class only; no interval (nan) with ``n_boot`` 0.
    """
    a = np.atleast_2d(np.asarray(score_a, dtype=float))
    b = np.atleast_2d(np.asarray(score_b, dtype=float))
    y = np.asarray(binder, dtype=float)
    g = np.asarray(groups).astype(str)
    if a.shape != b.shape or a.shape[1] != len(y) or len(g) != len(y):
        raise ValueError("paired_auroc_difference: score_a, score_b, binder and groups differ in length")
    keep = np.isfinite(y) & np.isfinite(a).all(axis=0) & np.isfinite(b).all(axis=0)
    a, b, y, g = a[:, keep], b[:, keep], y[keep], g[keep]
    pos = y == 1
    if pos.all() or not pos.any():
        return math.nan, math.nan, math.nan
    unique, index = np.unique(g, return_inverse=True)
    rng = np.random.default_rng(seed)
    counts = np.zeros((max(n_boot, 0), len(unique)))
    for k in range(max(n_boot, 0)):
        counts[k] = np.bincount(rng.choice(len(unique), size=len(unique), replace=True), minlength=len(unique))
    weights = np.vstack([np.ones(len(y)), counts[:, index]])  # row 0: the data as they are
    diff = np.mean([weighted_auroc(ra, pos, weights) - weighted_auroc(rb, pos, weights) for ra, rb in zip(a, b)],
                   axis=0)
    point, diffs = float(diff[0]), diff[1:][np.isfinite(diff[1:])]
    if len(diffs) == 0:
        return point, math.nan, math.nan
    tail = (1.0 - level) / 2.0
    lo, hi = np.percentile(diffs, [100 * tail, 100 * (1 - tail)])
    return point, float(lo), float(hi)


def predictor_metrics(score, target, binder, ranking_only: bool = False, n_boot: int = 1000,
                      seed: int = 0, rank_target=None) -> dict:
    """Every metric of one group (the rows with a finite score and target; binder NaN = unknown).

    ``rank_target`` (default ``target``): what Spearman correlates with (e.g. pKd)."""
    s = np.asarray(score, dtype=float)
    t = np.asarray(target, dtype=float)
    b = np.asarray(binder, dtype=float)
    rt = t if rank_target is None else np.asarray(rank_target, dtype=float)
    keep = np.isfinite(s) & np.isfinite(t)
    s, t, b, rt = s[keep], t[keep], b[keep], rt[keep]
    known = np.isfinite(b)
    lo, hi = spearman_ci(s, rt, n_boot, seed)
    out = {
        "n": int(len(s)),
        "r2": math.nan, "mse": math.nan, "mae": math.nan,
        "spearman": spearman(s, rt),
        "pearson": math.nan, "acc_0.1": math.nan, "top25_acc": math.nan,
        "auroc": auroc(s[known], b[known]),
        "auprc": auprc(s[known], b[known]),
        "spearman_ci_low": lo, "spearman_ci_high": hi,
    }
    if not ranking_only and len(s):
        out.update({
            "r2": r2(s, t),
            "mse": float(np.mean((s - t) ** 2)),
            "mae": float(np.mean(np.abs(s - t))),
            "pearson": pearson(s, t),
            "acc_0.1": accuracy(s, t),
            "top25_acc": top25_accuracy(s, t),
        })
    return out


# ---------------------------------------------------------------------------------------------------------
# Long format
# ---------------------------------------------------------------------------------------------------------
def _order(values, preferred) -> list:
    values = list(dict.fromkeys(values))
    return [v for v in preferred if v in values] + sorted(v for v in values if v not in preferred)


# Ranking metrics that the per-domain mean cannot have within one domain.
WITHIN_DOMAIN_UNDEFINED = ("spearman", "pearson", "auroc", "auprc", "spearman_ci_low", "spearman_ci_high")


def metric_rows(long: pd.DataFrame, model: str, n_boot: int = 1000, seed: int = 0,
                predictors=None) -> pd.DataFrame:
    """METRIC_COLUMNS rows for every (split, domain, predictor) of ``long`` (LONG_COLUMNS).

    ``domain`` is ``all`` (every row of the split) and each domain_category present in that split.
    ``predictors`` (default: those in ``long``) fixes which predictors get rows; a predictor without rows
    in a group gets n = 0 and NaN metrics. Ranking predictors (RANKING_PREDICTORS, or any name that is not
    a target-scale predictor) get spearman/auroc/auprc only. Every group's bootstrap uses ``seed``.
    """
    missing = [c for c in LONG_COLUMNS if c not in long.columns and c != "pair_id"]
    if missing:
        raise InputError(f"metric_rows: missing column(s) {', '.join(missing)}")
    predictors = _order(long["predictor"].unique() if predictors is None else predictors, PREDICTORS)
    rows = []
    for split in _order(long["split"].unique(), SPLITS):
        in_split = long[long["split"] == split]
        domains = ["all", *sorted(in_split["domain_category"].astype(str).unique())]
        for domain in domains:
            in_domain = in_split["domain_category"].astype(str) == domain
            group = in_split if domain == "all" else in_split[in_domain]
            by_predictor = dict(tuple(group.groupby("predictor", sort=False)))
            for predictor in predictors:
                g = by_predictor.get(predictor, group.iloc[:0])
                m = predictor_metrics(g["score"], g["target"], g["binder"],
                                      ranking_only=predictor not in TARGET_PREDICTORS, n_boot=n_boot,
                                      seed=seed, rank_target=g["pkd"] if "pkd" in g.columns else None)
                if predictor == "domain_mean" and domain != "all":
                    # Constant within a domain by construction: it ranks nothing there. (Pooled
                    # out-of-fold rows differ only by fold-to-fold changes of the mean, which would
                    # otherwise show up as a spurious, usually negative, correlation.)
                    m.update(dict.fromkeys(WITHIN_DOMAIN_UNDEFINED, np.nan))
                rows.append({"model": model, "split": split, "domain": domain, "predictor": predictor, **m})
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def fusion_differences(long: pd.DataFrame, groups: pd.Series, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per (domain, predictor): the fusion model's within-domain binder AUROC minus the predictor's, averaged
    over repeats, with a paired gene-bootstrap 95 % interval (:func:`paired_auroc_difference`; both on the
    same resamples of the domain's groups). An interval that holds 0 is a tie on these data.

    ``long``: the ``cv`` long table (``pair_id``, ``repeat``, ``domain_category``, ``predictor``,
    ``rank_score`` or ``score``, ``binder``); ``groups``: pair_id -> group (gene). Columns ``domain``,
    ``predictor`` and DIFFERENCE_COLUMNS; no rows without fusion rows.
    """
    value = "rank_score" if "rank_score" in long.columns else "score"
    long = long[np.isfinite(long["binder"].to_numpy(dtype=float))]
    rows = []
    for domain, d in long.groupby(long["domain_category"].astype(str)):
        wide = d.pivot_table(index=["predictor", "repeat"], columns="pair_id", values=value, aggfunc="first")
        if "fusion" not in wide.index.get_level_values(0):
            continue
        fusion = wide.loc["fusion"]
        binder = d.drop_duplicates("pair_id").set_index("pair_id")["binder"]
        for predictor in dict.fromkeys(wide.index.get_level_values(0)):
            if predictor == "fusion":
                continue
            other = wide.loc[predictor]
            if other.notna().to_numpy().sum() == 0:
                continue
            # the same pairs; a predictor without repeats (a raw metric) is compared with every fusion repeat
            reps = fusion.index.intersection(other.index) if len(other) > 1 else fusion.index
            a = fusion.loc[reps].to_numpy(dtype=float)
            b = (other.loc[reps] if len(other) > 1 else other.iloc[[0] * len(reps)]).to_numpy(dtype=float)
            point, lo, hi = paired_auroc_difference(a, b, binder.reindex(fusion.columns).to_numpy(dtype=float),
                                                    groups.reindex(fusion.columns).astype(str).to_numpy(),
                                                    n_boot, seed)
            rows.append({"domain": domain, "predictor": predictor, "fusion_minus_auroc": point,
                         "fusion_minus_auroc_low": lo, "fusion_minus_auroc_high": hi})
    return pd.DataFrame(rows, columns=["domain", "predictor", *DIFFERENCE_COLUMNS])


def cv_metric_rows(long: pd.DataFrame, model: str, n_boot: int = 1000, seed: int = 0,
                   predictors=None) -> pd.DataFrame:
    """``cv`` METRIC_COLUMNS rows from out-of-fold tables of one or more fold assignments (``repeat``).

    Per repeat: the error metrics (r2, mse, ...) of ``score``, the ranking metrics (RANK_METRICS) of
    ``rank_score`` (where the long table has it; docs/evaluation.md: pooling out-of-fold scores of
    different fold models would rank a fold's fitted per-domain level, not the pairs); then the mean over
    repeats, with ``auroc_sd``, ``spearman_sd``, ``r2_sd`` (SD over repeats, ddof 1; NaN for one repeat)
    and ``n_repeats``.
    """
    if "repeat" not in long.columns:
        long = long.assign(repeat=0)
    per_repeat = []
    for repeat, part in long.groupby("repeat", sort=True):
        rows = metric_rows(part, model, n_boot, seed, predictors)
        if "rank_score" in part.columns:
            ranked = metric_rows(part.assign(score=part["rank_score"]), model, n_boot, seed, predictors)
            rows[list(RANK_METRICS)] = ranked[list(RANK_METRICS)].to_numpy()
        per_repeat.append(rows.assign(repeat=repeat))
    stacked = pd.concat(per_repeat, ignore_index=True)
    keys = ["model", "split", "domain", "predictor"]
    numeric = [c for c in METRIC_COLUMNS if c not in keys and c not in ("auroc_sd", "spearman_sd", "r2_sd",
                                                                        "n_repeats")]
    grouped = stacked.groupby(keys, sort=False)
    out = grouped[numeric].mean().reset_index()
    spread = grouped[["auroc", "spearman", "r2"]].std(ddof=1).reset_index()
    out = out.merge(spread.rename(columns={"auroc": "auroc_sd", "spearman": "spearman_sd", "r2": "r2_sd"}),
                    on=keys, how="left")
    out["n_repeats"] = grouped.size().to_numpy()
    out["n"] = out["n"].round().astype(int)
    return out[METRIC_COLUMNS]


__all__ = [
    "CONSENSUS_PREDICTORS", "DIFFERENCE_COLUMNS", "FITTED_PREDICTORS", "METRIC_COLUMNS", "LONG_COLUMNS",
    "PREDICTORS", "RANK_AVERAGE_PREDICTORS", "RANK_METRICS", "TARGET_PREDICTORS", "RANKING_PREDICTORS", "SPLITS",
    "accuracy", "auprc", "auroc", "binder_labels", "category_ceilings", "cv_metric_rows", "fusion_differences",
    "metric_rows", "paired_auroc_difference", "pearson", "predictor_metrics", "r2", "spearman", "spearman_ci",
    "top25_accuracy", "weighted_auroc",
]
