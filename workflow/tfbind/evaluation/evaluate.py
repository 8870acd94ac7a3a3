"""Evaluation of one model scope: cross-validation folds (one job each) and the scope's metrics.

* :func:`labelled_table`  the scope's labelled pairs with their groups (``evaluate.group_by``), joined once per
  job; their group-wise folds are ``folds.grouped_folds(table, ...)``, one fold assignment per repeat
  (seed = ``evaluate.seed`` + repeat);
* :func:`run_cv_fold`  one fold of one repeat: train the fusion model with the held-out fold as ``test``
  and the rest as ``train`` (each ensemble member draws its own validation groups from it), fit the
  baselines on the same ``train`` rows, and return the out-of-fold scores of the held-out pairs
  (``oof.tsv``) with their ``rank_score``;
* :func:`evaluate_scope`  the score table of the scope's model (every pair) and the long metrics table
  (train/val/test of the model's own split, and ``cv`` from the out-of-fold tables);
* :func:`write_outputs`  predictions.tsv, predictions.parquet, metrics.tsv.

Targets: the fusion model's ``TargetTransform`` (from the checkpoint) of kd_nm, clipped to [0, 1], so the
fusion score and the baselines are on the same scale. In cross-validation every fold's model has its own
transform (fitted on that fold's training rows); the out-of-fold rows carry the fold's target.

``rank_score`` (out-of-fold tables): for a FITTED predictor, the score minus the mean score of the same fold
model over its training rows of the same domain category; for a raw metric, the score. Within-domain ranking
metrics of ``cv`` rows use it: out-of-fold scores pooled from 5 fold models carry each fold model's fitted
per-domain level, and that level moves opposite to the held-out fold's labels (a fold holding many binders
leaves fewer in training, hence a lower level for exactly those binders). On the EP300 development set this
alone cost a per-domain ridge 0.07 within-domain AUROC (0.499 +- 0.024 with the level, 0.565 +- 0.020
without). A deployed model's per-domain level does not change its ranking within a domain.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..consensus import consensus_of
from ..defaults import allowed, defaults
from ..errors import InputError
from ..io import atomic_path, write_tsv
from ..model.outputs import TrainOutputs
from ..outputs import OutputFiles
from .baselines import RANKING_COLUMNS, feature_columns, fit_predict, rank_average, ranking_scores, ridge_prior
from .metrics import (
    DIFFERENCE_COLUMNS,
    METRIC_COLUMNS,
    PREDICTORS,
    RANK_AVERAGE_PREDICTORS,
    cv_metric_rows,
    fusion_differences,
    metric_rows,
)
from .scores import labelled_pairs, model_files, model_scores

log = logging.getLogger("tfbind.evaluation")

#: Keys of the ``evaluate`` config with their defaults (the config schema's), and how the scores are computed.
DEFAULT_EVAL_CONFIG = {
    **defaults("evaluate"),
    "device": "cpu",  # for scoring with the fusion model
    "threads": 1,  # BLAS/OpenMP threads of the baselines (None: library default)
}
OOF_COLUMNS = ["pair_id", "repeat", "fold", "predictor", "score", "rank_score", "target", "pkd", "kd_pred_nm"]


def merge_eval_config(config: dict | None) -> dict:
    cfg = copy.deepcopy(DEFAULT_EVAL_CONFIG)
    for key, value in (config or {}).items():
        if key not in cfg:
            raise InputError(f"evaluate: unknown key {key!r} (known: {', '.join(sorted(cfg))})")
        cfg[key] = value
    if not isinstance(cfg["bootstrap"], int) or cfg["bootstrap"] < 0:
        raise InputError(f"evaluate.bootstrap: expected a non-negative integer, got {cfg['bootstrap']!r}")
    for key, low in (("cv_folds", 2), ("cv_repeats", 1)):
        if isinstance(cfg[key], bool) or not isinstance(cfg[key], int) or cfg[key] < low:
            raise InputError(f"evaluate.{key}: expected an integer >= {low}, got {cfg[key]!r}")
    if cfg["group_by"] not in allowed("evaluate.group_by"):
        raise InputError(f"evaluate.group_by: {cfg['group_by']!r} is not one of "
                         f"{', '.join(allowed('evaluate.group_by'))}")
    return cfg


def labelled_table(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, train_config: dict,
                   group_by: str) -> pd.DataFrame:
    """The labelled pairs of ``scope`` with their ``group`` of ``group_by`` (the pairs ``train_scope`` would
    use); ``train_config`` a merged ``train`` config (``merge_config``: the workflow merges it once, when it
    is parsed). A cross-validation job joins them once: its folds (``grouped_folds(table, ...)``), its fold
    model and its baselines read this table."""
    from ..model.data import join_labels

    return join_labels(pairs, labels, scope, train_config["features"], train_config["min_pairs"], group_by)


def cv_split(table: pd.DataFrame, folds: pd.Series, fold: int) -> pd.Series:
    """pair_id -> train/test for one fold: the held-out fold = test, the rest = train."""
    assigned = table["pair_id"].map(pd.Series(folds))
    if assigned.isna().any():
        missing = table.loc[assigned.isna(), "pair_id"]
        raise InputError(f"cross-validation: {len(missing)} labelled pair(s) have no fold, "
                         f"e.g. {missing.iloc[0]!r}")
    held = (assigned.astype(int) == int(fold)).to_numpy()
    if not held.any():
        raise InputError(f"cross-validation: fold {fold} has no labelled pair")
    if held.all():
        raise InputError(f"cross-validation fold {fold}: no labelled pair outside the fold")
    split = pd.Series("train", index=pd.Index(table["pair_id"], name="pair_id"), name="split", dtype=object)
    split[held] = "test"
    return split


@dataclass(frozen=True)
class FoldOutputs(OutputFiles):
    """Where :func:`run_cv_fold` writes: the out-of-fold scores and the fold model's training outputs."""

    oof: Path
    train: TrainOutputs

    NAMES = {"oof": "oof.tsv", "train": TrainOutputs}


def centred_rank_score(score: np.ndarray, categories: np.ndarray, train_mask: np.ndarray) -> np.ndarray:
    """score minus the mean score of the training rows of the same category (module doc); a category
    without training rows is centred on its own rows."""
    score = np.asarray(score, dtype=float)
    cats = np.asarray(categories, dtype=str)
    out = score.copy()
    for c in np.unique(cats):
        rows = cats == c
        ref = rows & np.asarray(train_mask, dtype=bool)
        out[rows] = score[rows] - np.nanmean(score[ref if ref.any() else rows])
    return out


def run_cv_fold(pairs: pd.DataFrame, table: pd.DataFrame, scope: str, train_config: dict,
                folds: pd.Series, fold: int, out: FoldOutputs | str | Path, threads: int = 1, *,
                repeat: int = 0) -> pd.DataFrame:
    """Train and score one cross-validation fold; returns (and writes to ``out.oof``) OOF_COLUMNS.

    ``table``: the scope's :func:`labelled_table` (with the groups of ``evaluate.group_by``);
    ``train_config``: merged (``merge_config``). The fusion model is trained with
    ``train_table(..., split=cv_split(...))`` into ``out.train``
    (model.pt, history.tsv, split.tsv; ``out`` a folder: those names and oof.tsv in it). One row per
    held-out pair and predictor: ``fusion`` (the fold's model), ``domain_mean``/``ridge``/``ridge_prior``/
    ``gbm`` (fitted on the fold's train rows), ``fusion_ridge`` (with ``train.rank_average_ridge``: the
    mean of the two models' percentiles among their training rows of the domain) and the ranking
    predictors and the ranking's consensus (raw columns). ``target`` = the fold model's target transform of
    kd_nm (clipped to [0, 1]); ``pkd`` = -log10(Kd [M]); ``rank_score`` as in the module doc; ``kd_pred_nm`` =
    the fold model's predicted Kd (``model.predict``, not clipped like ``score``) on the ``fusion`` rows, empty
    on the others.
    """
    from ..model.data import TargetTransform, pkd
    from ..model.predict import predict
    from ..model.training import fit_table

    out = FoldOutputs.of(out)
    cfg = train_config
    split = cv_split(table, folds, fold)
    # the fold's model as training left it in memory (on its training device): model.pt is not read back
    model, _ = fit_table(table, scope, cfg, out.train, threads, split=split)
    meta = model.meta
    transform = TargetTransform.from_meta(meta["target"])
    table = table.assign(target=transform.transform(table["kd_nm"].to_numpy()), pkd=pkd(table["kd_nm"]))
    names = split.reindex(table["pair_id"]).to_numpy()
    held, train = names == "test", names == "train"
    cats = table["domain_category"].astype(str).to_numpy()
    fusion = predict(model, table)
    fitted = {"fusion": fusion["score"].to_numpy()}
    base = fit_predict(table, train, cfg["features"], list(meta["preprocess"]["categories"]), threads)
    for name in ("domain_mean", "ridge", "gbm"):
        fitted[name] = base[name].to_numpy()
    fitted["ridge_prior"] = ridge_prior(table, train, cfg, seed=cfg["seed"])[0]
    scores = {name: (v[held], centred_rank_score(v, cats, train)[held]) for name, v in fitted.items()}
    if cfg["rank_average_ridge"]:
        avg = rank_average(fitted["fusion"], fitted["ridge_prior"], cats, train)[held]
        scores["fusion_ridge"] = (avg, avg)
    ranking = ranking_scores(table)
    for name in RANKING_COLUMNS:
        raw = ranking.loc[held, name].to_numpy()
        scores[name] = (raw, raw)
    # The consensus ranks among the screen's pairs of each domain (no labels, nothing fitted): raw, like the
    # metrics; only the held-out pairs' domains are ranked.
    consensus = consensus_of(pairs, table.loc[held, "pair_id"])
    scores["consensus"] = (consensus, consensus)
    test = table[held]
    order = [p for p in (*PREDICTORS, *RANK_AVERAGE_PREDICTORS) if p in scores]
    oof = pd.concat(
        [pd.DataFrame({"pair_id": test["pair_id"].to_numpy(), "repeat": int(repeat), "fold": int(fold),
                       "predictor": name, "score": scores[name][0], "rank_score": scores[name][1],
                       "target": test["target"].to_numpy(), "pkd": test["pkd"].to_numpy(),
                       "kd_pred_nm": fusion["kd_pred_nm"].to_numpy()[held] if name == "fusion" else np.nan})
         for name in order],
        ignore_index=True,
    )[OOF_COLUMNS]
    write_tsv(oof, out.oof)
    log.info("scope %s repeat %d fold %d: %d held-out pairs, %d out-of-fold rows", scope, repeat, fold,
             int(held.sum()), len(oof))
    return oof


def read_oof(path: str | Path) -> pd.DataFrame:
    df = pd.read_csv(path, sep="\t", dtype={"pair_id": str, "predictor": str})
    missing = [c for c in OOF_COLUMNS if c not in df.columns and c not in ("target", "kd_pred_nm")]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def _long(frame: pd.DataFrame, scores: pd.DataFrame, predictors) -> pd.DataFrame:
    """LONG_COLUMNS rows (+ ``pkd``): ``frame`` (pair_id, split, domain_category, target, binder, kd_nm) x
    ``scores`` columns."""
    parts = []
    for name in predictors:
        parts.append(pd.DataFrame({
            "pair_id": frame["pair_id"].to_numpy(), "split": frame["split"].to_numpy(),
            "domain_category": frame["domain_category"].to_numpy(), "predictor": name,
            "score": scores[name].to_numpy(dtype=float), "target": frame["target"].to_numpy(dtype=float),
            "pkd": -np.log10(frame["kd_nm"].to_numpy(dtype=float) * 1e-9),
            "binder": frame["binder"].to_numpy(dtype=float),
        }))
    return pd.concat(parts, ignore_index=True)


def _cv_long(cv_oof: list[pd.DataFrame], scores: pd.DataFrame, pairs: pd.DataFrame,
             labels: pd.DataFrame, transform) -> pd.DataFrame:
    oof = pd.concat([pd.DataFrame(o) for o in cv_oof], ignore_index=True)
    missing = [c for c in ("pair_id", "predictor", "score") if c not in oof.columns]
    if missing:
        raise InputError(f"out-of-fold tables: missing column(s) {', '.join(missing)}")
    if "repeat" not in oof.columns:
        oof["repeat"] = 0
    if oof.duplicated(["repeat", "pair_id", "predictor"]).any():
        dup = oof[oof.duplicated(["repeat", "pair_id", "predictor"])].iloc[0]
        raise InputError(f"out-of-fold tables: pair {dup.pair_id!r} ({dup.predictor}) is in more than one "
                         f"fold of repeat {dup.repeat}")
    lab = labelled_pairs(pairs, labels).set_index("pair_id")
    category = scores.set_index("pair_id")["domain_category"]
    oof = oof[oof["pair_id"].isin(lab.index) & oof["pair_id"].isin(category.index)]
    if oof.empty:
        raise InputError("out-of-fold tables: no row for a labelled pair of the scope")
    n_labelled = int((scores["split"] != "unlabelled").sum())
    n_oof = int(oof.groupby("repeat")["pair_id"].nunique().min())
    if n_oof < n_labelled:
        log.warning("cross-validation: out-of-fold scores for %d of %d labelled pairs", n_oof, n_labelled)
    if "target" in oof.columns:
        target = pd.to_numeric(oof["target"], errors="coerce").astype(float)
    else:
        target = pd.Series(transform.transform(oof["pair_id"].map(lab["kd_nm"]).to_numpy()), index=oof.index)
    score = pd.to_numeric(oof["score"]).to_numpy(dtype=float)
    rank = pd.to_numeric(oof["rank_score"]).to_numpy(dtype=float) if "rank_score" in oof.columns else score
    kd = oof["pair_id"].map(lab["kd_nm"]).to_numpy(dtype=float)
    return pd.DataFrame({
        "pair_id": oof["pair_id"].to_numpy(), "repeat": oof["repeat"].to_numpy(), "split": "cv",
        "domain_category": oof["pair_id"].map(category).to_numpy(),
        "predictor": oof["predictor"].to_numpy(), "score": score, "rank_score": rank,
        "target": target.to_numpy(), "pkd": -np.log10(kd * 1e-9),
        "binder": oof["pair_id"].map(lab["binder"]).to_numpy(dtype=float),
    })


def evaluate_scope(model: str | Path, pairs: pd.DataFrame, labels: pd.DataFrame,
                   cv_oof: list[pd.DataFrame] | None, config: dict | None = None,
                   split: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(score table, metrics) of the ``model`` (model.pt; a folder: its model.pt; or a LoadedModel) trained on
    ``split`` (split.tsv; default: beside the model file). Writes nothing; reads the model once.

    * scores: :func:`tfbind.evaluation.scores.model_scores` (every pair of the scope);
    * metrics (METRIC_COLUMNS, ``model`` = the scope): the fusion score, the baselines fitted on the
      model's TRAIN rows and the ranking predictors, on train/val/test; plus ``cv`` rows from ``cv_oof``
      (the :func:`run_cv_fold` tables of every repeat and fold) when given: the mean over repeats with
      the spread (``metrics.cv_metric_rows``). ``config``: DEFAULT_EVAL_CONFIG keys (the workflow's
      ``EvaluateSettings.as_dict()``, its rule's params).
    """
    from ..model.checkpoint import LoadedModel, load
    from ..model.data import TargetTransform, resolve_groups

    cfg = merge_eval_config(config)
    if not isinstance(model, LoadedModel):
        model, split = model_files(model, split)
    model = load(model, cfg["device"])
    meta = model.meta
    scope = model.scope
    train_cfg = meta["train_config"]
    features = train_cfg["features"]
    categories = list(meta["preprocess"]["categories"])
    transform = TargetTransform.from_meta(meta["target"])
    scores = model_scores(model, pairs, labels, cfg["device"], split=split)

    labelled = scores[scores["split"] != "unlabelled"].reset_index(drop=True)
    wanted = [c for c in dict.fromkeys([*feature_columns(features), *RANKING_COLUMNS, "tf_group"])
              if c in pairs.columns]
    # the pairs' tf_group (TF FASTA group= key) under join_labels' name: resolve_groups reads the labels' first
    table = labelled.merge(pairs[["pair_id", *wanted]].rename(columns={"tf_group": "tf_group_pairs"}),
                           on="pair_id", how="left", validate="one_to_one")
    if "tf_group" in labels.columns:  # groups of ridge_prior's inner CV
        table = table.merge(labels[["tf_id", "domain_id", "tf_group"]], on=["tf_id", "domain_id"], how="left")
    table["group"] = resolve_groups(table, cfg["group_by"])[0]
    train = (table["split"] == "train").to_numpy()
    base = fit_predict(table, train, features, categories, cfg["threads"])
    base["ridge_prior"] = ridge_prior(table, train, train_cfg, seed=train_cfg["seed"])[0]
    predictors = list(PREDICTORS)
    if train_cfg.get("rank_average_ridge"):
        base["fusion_ridge"] = rank_average(table["model_score"].to_numpy(), base["ridge_prior"].to_numpy(),
                                            table["domain_category"].astype(str).to_numpy(), train)
        predictors += list(RANK_AVERAGE_PREDICTORS)
    predictor_scores = pd.concat([table[["model_score"]].rename(columns={"model_score": "fusion"}), base,
                                  ranking_scores(table)], axis=1)
    # The ranking's consensus (no labels, no fitting: ranked among the screen's pairs of each domain).
    predictor_scores["consensus"] = consensus_of(pairs, table["pair_id"])
    long = _long(table, predictor_scores, predictors)
    parts = [metric_rows(long, scope, cfg["bootstrap"], cfg["seed"], predictors=predictors)]
    if cv_oof:
        cv_long = _cv_long(cv_oof, scores, pairs, labels, transform)
        cv_predictors = [p for p in predictors + list(RANK_AVERAGE_PREDICTORS)
                         if p in set(cv_long["predictor"]) or p in PREDICTORS]
        cv_rows = cv_metric_rows(cv_long, scope, cfg["bootstrap"], cfg["seed"],
                                 predictors=list(dict.fromkeys(cv_predictors)))
        diffs = fusion_differences(cv_long, table.set_index("pair_id")["group"], cfg["bootstrap"], cfg["seed"])
        parts.append(cv_rows.drop(columns=DIFFERENCE_COLUMNS).merge(diffs, on=["domain", "predictor"], how="left"))
    metrics = pd.concat(parts, ignore_index=True)[METRIC_COLUMNS]
    return scores, metrics


def write_outputs(scores: pd.DataFrame, metrics: pd.DataFrame, out: dict | str | Path) -> dict[str, Path]:
    """Write the score table (TSV and Parquet), the metrics and (key ``summary``) the plain-words summary
    of which predictor ranks best within each domain (``summary.best_predictor_summary``), atomically.

    ``out``: {"predictions_tsv", "predictions_parquet", "metrics"[, "summary"]} -> path (the rule's
    outputs), or a folder (predictions.tsv, predictions.parquet, metrics.tsv and summary.md in it).
    """
    from .summary import best_predictor_summary

    if isinstance(out, dict):
        paths = {key: Path(out[key]) for key in ("predictions_tsv", "predictions_parquet", "metrics", "summary")
                 if key in out}
    else:
        out = Path(out)
        paths = {"predictions_tsv": out / "predictions.tsv",
                 "predictions_parquet": out / "predictions.parquet",
                 "metrics": out / "metrics.tsv", "summary": out / "summary.md"}
    if "summary" in paths:
        with atomic_path(paths["summary"]) as tmp:
            Path(tmp).write_text(best_predictor_summary(metrics))
    write_tsv(scores, paths["predictions_tsv"], for_reading=True, na_rep="")
    with atomic_path(paths["predictions_parquet"]) as tmp:
        scores.to_parquet(tmp, index=False)
    write_tsv(metrics, paths["metrics"], for_reading=True, na_rep="NaN")
    return paths


__all__ = ["DEFAULT_EVAL_CONFIG", "OOF_COLUMNS", "FoldOutputs", "centred_rank_score", "cv_split", "evaluate_scope",
           "labelled_table", "merge_eval_config", "read_oof", "run_cv_fold", "write_outputs"]
