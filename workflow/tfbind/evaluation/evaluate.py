"""Evaluation of one model scope: cross-validation folds (one job each) and the scope's metrics.

* :func:`scope_folds`  the TF-grouped folds of the scope's labelled pairs (``folds.grouped_folds``);
* :func:`run_cv_fold`  one fold: train the fusion model with the held-out fold as ``test`` (and a grouped
  ~1/9 of the rest as ``val``), fit the baselines on the fold's ``train`` rows, and return the out-of-fold
  scores of the held-out pairs (``oof.tsv``);
* :func:`evaluate_scope`  the score table of the scope's model (every pair) and the long metrics table
  (train/val/test of the model's own split, and ``cv`` from the out-of-fold tables);
* :func:`write_outputs`  predictions.tsv, predictions.parquet, metrics.tsv.

Targets: the fusion model's ``TargetTransform`` (from the checkpoint) of kd_nm, clipped to [0, 1], so the
fusion score and the baselines are on the same scale. In cross-validation every fold's model has its own
transform (fitted on that fold's training rows); the out-of-fold rows carry the fold's target.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputError
from ..io import atomic_path, write_tsv
from .baselines import RANKING_COLUMNS, feature_columns, fit_predict, ranking_scores
from .folds import grouped_folds
from .metrics import METRIC_COLUMNS, PREDICTORS, metric_rows
from .scores import labelled_pairs, model_files, model_scores
from ..ranking.consensus import consensus_scores

if TYPE_CHECKING:  # torch is imported by the jobs that train, not by every evaluation import
    from ..model.training import TrainOutputs

log = logging.getLogger("tfbind.evaluation")

#: Keys of the ``evaluation`` config with their defaults.
DEFAULT_EVAL_CONFIG = {
    "bootstrap": 1000,  # Spearman CI resamples
    "seed": 0,  # bootstrap seed
    "device": "cpu",  # for scoring with the fusion model
    "threads": 1,  # BLAS/OpenMP threads of the baselines (None: library default)
}
OOF_COLUMNS = ["pair_id", "fold", "predictor", "score", "target"]
VAL_PARTS = 9  # run_cv_fold: ~1/9 of the non-held-out pairs (grouped by TF) become val


def merge_eval_config(config: dict | None) -> dict:
    cfg = copy.deepcopy(DEFAULT_EVAL_CONFIG)
    for key, value in (config or {}).items():
        if key not in cfg:
            raise InputError(f"evaluate: unknown key {key!r} (known: {', '.join(sorted(cfg))})")
        cfg[key] = value
    if not isinstance(cfg["bootstrap"], int) or cfg["bootstrap"] < 0:
        raise InputError(f"evaluate.bootstrap: expected a non-negative integer, got {cfg['bootstrap']!r}")
    return cfg


def _labelled_table(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, train_config: dict | None):
    from ..model import merge_config
    from ..model.data import join_labels

    cfg = merge_config(train_config)
    return cfg, join_labels(pairs, labels, scope, cfg["features"], cfg["min_pairs"])


def scope_folds(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, train_config: dict | None,
                n_folds: int, seed: int) -> pd.Series:
    """pair_id -> fold of the labelled pairs of ``scope`` (the pairs ``train_scope`` would use)."""
    _, table = _labelled_table(pairs, labels, scope, train_config)
    return grouped_folds(table, n_folds, seed)


def cv_split(table: pd.DataFrame, folds: pd.Series, fold: int, seed: int) -> pd.Series:
    """pair_id -> train/val/test for one fold: held-out fold = test, a TF-grouped ~1/9 of the rest = val."""
    assigned = table["pair_id"].map(pd.Series(folds))
    if assigned.isna().any():
        missing = table.loc[assigned.isna(), "pair_id"]
        raise InputError(f"cross-validation: {len(missing)} labelled pair(s) have no fold, "
                         f"e.g. {missing.iloc[0]!r}")
    held = (assigned.astype(int) == int(fold)).to_numpy()
    if not held.any():
        raise InputError(f"cross-validation: fold {fold} has no labelled pair")
    rest = table[~held]
    n_tfs = rest["tf_id"].nunique()
    if n_tfs < 2:
        raise InputError(f"cross-validation fold {fold}: {n_tfs} TF(s) outside the fold; at least 2 are "
                         "needed for train and val")
    parts = grouped_folds(rest, min(VAL_PARTS, n_tfs), seed)
    split = pd.Series("train", index=pd.Index(table["pair_id"], name="pair_id"), name="split", dtype=object)
    split[held] = "test"
    split[parts.index[parts.to_numpy() == 0]] = "val"
    return split


@dataclass(frozen=True)
class FoldOutputs:
    """Where :func:`run_cv_fold` writes: the out-of-fold scores and the fold model's training outputs."""

    oof: Path
    train: TrainOutputs

    @classmethod
    def of(cls, out: "FoldOutputs | str | Path") -> "FoldOutputs":
        """``out`` itself, or the conventional file names inside the folder ``out``."""
        from ..model.training import TrainOutputs

        if isinstance(out, FoldOutputs):
            return out
        return cls(Path(out) / "oof.tsv", TrainOutputs.of(out))


def run_cv_fold(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, train_config: dict | None,
                folds: pd.Series, fold: int, out: FoldOutputs | str | Path, threads: int = 1) -> pd.DataFrame:
    """Train and score one cross-validation fold; returns (and writes to ``out.oof``) OOF_COLUMNS.

    The fusion model is trained with ``train_scope(..., split=cv_split(...))`` into ``out.train``
    (model.pt, history.tsv, split.tsv; ``out`` a folder: those names and oof.tsv in it); the val part is drawn with the train config's seed + ``fold``. One row per
    held-out pair and predictor: ``fusion`` (the fold's model), ``domain_mean``/``ridge``/``gbm`` (fitted
    on the fold's train rows) and the ranking predictors (raw columns). ``target`` = the fold model's
    target transform of kd_nm (clipped to [0, 1]).
    """
    from ..model.checkpoint import load
    from ..model.data import TargetTransform
    from ..model.predict import predict
    from ..model.training import resolve_device, train_scope

    out = FoldOutputs.of(out)
    cfg, table = _labelled_table(pairs, labels, scope, train_config)
    split = cv_split(table, folds, fold, cfg["seed"] + int(fold))
    train_scope(pairs, labels, scope, cfg, out.train, threads, split=split)
    _, meta = load(out.train.model)
    transform = TargetTransform.from_meta(meta["target"])
    table = table.assign(target=transform.transform(table["kd_nm"].to_numpy()))
    names = split.reindex(table["pair_id"]).to_numpy()
    held = names == "test"
    test = table[held]
    device = resolve_device(str(cfg["device"]))
    scores = {"fusion": predict(out.train.model, test, device)["score"].to_numpy()}
    base = fit_predict(table, names == "train", cfg["features"], list(meta["preprocess"]["categories"]),
                       threads)
    ranking = ranking_scores(table)
    for name in ("domain_mean", "ridge", "gbm"):
        scores[name] = base.loc[held, name].to_numpy()
    for name in RANKING_COLUMNS:
        scores[name] = ranking.loc[held, name].to_numpy()
    oof = pd.concat(
        [pd.DataFrame({"pair_id": test["pair_id"].to_numpy(), "fold": int(fold), "predictor": name,
                       "score": values, "target": test["target"].to_numpy()})
         for name, values in ((p, scores[p]) for p in PREDICTORS)],
        ignore_index=True,
    )[OOF_COLUMNS]
    write_tsv(oof, out.oof)
    log.info("scope %s fold %d: %d held-out pairs, %d out-of-fold rows", scope, fold, int(held.sum()),
             len(oof))
    return oof


def read_oof(path: str | Path) -> pd.DataFrame:
    df = pd.read_csv(path, sep="\t", dtype={"pair_id": str, "predictor": str})
    missing = [c for c in OOF_COLUMNS if c not in df.columns and c != "target"]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def _long(frame: pd.DataFrame, scores: pd.DataFrame, predictors) -> pd.DataFrame:
    """LONG_COLUMNS rows: ``frame`` (pair_id, split, domain_category, target, binder) x ``scores`` columns."""
    parts = []
    for name in predictors:
        parts.append(pd.DataFrame({
            "pair_id": frame["pair_id"].to_numpy(), "split": frame["split"].to_numpy(),
            "domain_category": frame["domain_category"].to_numpy(), "predictor": name,
            "score": scores[name].to_numpy(dtype=float), "target": frame["target"].to_numpy(dtype=float),
            "binder": frame["binder"].to_numpy(dtype=float),
        }))
    return pd.concat(parts, ignore_index=True)


def _cv_long(cv_oof: list[pd.DataFrame], scores: pd.DataFrame, pairs: pd.DataFrame,
             labels: pd.DataFrame, transform) -> pd.DataFrame:
    oof = pd.concat([pd.DataFrame(o) for o in cv_oof], ignore_index=True)
    missing = [c for c in ("pair_id", "predictor", "score") if c not in oof.columns]
    if missing:
        raise InputError(f"out-of-fold tables: missing column(s) {', '.join(missing)}")
    if oof.duplicated(["pair_id", "predictor"]).any():
        dup = oof[oof.duplicated(["pair_id", "predictor"])].iloc[0]
        raise InputError(f"out-of-fold tables: pair {dup.pair_id!r} ({dup.predictor}) is in more than one "
                         "fold")
    lab = labelled_pairs(pairs, labels).set_index("pair_id")
    category = scores.set_index("pair_id")["domain_category"]
    oof = oof[oof["pair_id"].isin(lab.index) & oof["pair_id"].isin(category.index)]
    if oof.empty:
        raise InputError("out-of-fold tables: no row for a labelled pair of the scope")
    n_labelled = int((scores["split"] != "unlabelled").sum())
    n_oof = oof["pair_id"].nunique()
    if n_oof < n_labelled:
        log.warning("cross-validation: out-of-fold scores for %d of %d labelled pairs", n_oof, n_labelled)
    if "target" in oof.columns:
        target = pd.to_numeric(oof["target"], errors="coerce").astype(float)
    else:
        target = pd.Series(transform.transform(oof["pair_id"].map(lab["kd_nm"]).to_numpy()), index=oof.index)
    return pd.DataFrame({
        "pair_id": oof["pair_id"].to_numpy(), "split": "cv",
        "domain_category": oof["pair_id"].map(category).to_numpy(),
        "predictor": oof["predictor"].to_numpy(), "score": pd.to_numeric(oof["score"]).to_numpy(dtype=float),
        "target": target.to_numpy(), "binder": oof["pair_id"].map(lab["binder"]).to_numpy(dtype=float),
    })


def evaluate_scope(model: str | Path, pairs: pd.DataFrame, labels: pd.DataFrame,
                   cv_oof: list[pd.DataFrame] | None, config: dict | None = None,
                   split: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(score table, metrics) of the ``model`` (model.pt; a folder: its model.pt) trained on ``split``
    (split.tsv; default: beside the model). Writes nothing.

    * scores: :func:`tfbind.evaluation.scores.model_scores` (every pair of the scope);
    * metrics (METRIC_COLUMNS, ``model`` = the scope): the fusion score, the baselines fitted on the
      model's TRAIN rows and the ranking predictors, on train/val/test; plus ``cv`` rows from ``cv_oof``
      (the :func:`run_cv_fold` tables) when given. ``config``: DEFAULT_EVAL_CONFIG keys.
    """
    from ..model.checkpoint import load
    from ..model.data import TargetTransform

    cfg = merge_eval_config(config)
    model, split = model_files(model, split)
    _, meta = load(model)
    scope = str(meta["scope"])
    features = meta["preprocess"]["features"]
    categories = list(meta["preprocess"]["categories"])
    transform = TargetTransform.from_meta(meta["target"])
    scores = model_scores(model, pairs, labels, cfg["device"], split=split)

    labelled = scores[scores["split"] != "unlabelled"].reset_index(drop=True)
    wanted = [c for c in dict.fromkeys([*feature_columns(features), *RANKING_COLUMNS]) if c in pairs.columns]
    table = labelled.merge(pairs[["pair_id", *wanted]], on="pair_id", how="left", validate="one_to_one")
    base = fit_predict(table, (table["split"] == "train").to_numpy(), features, categories, cfg["threads"])
    predictor_scores = pd.concat([table[["score"]].rename(columns={"score": "fusion"}), base,
                                  ranking_scores(table)], axis=1)
    # The ranking's consensus (tfbind.ranking.consensus; no labels, no fitting: computed on the whole screen)
    # as one more ranking predictor, on every split and on the cross-validation pairs.
    consensus = consensus_scores(pairs).set_index("pair_id")["consensus"]
    predictor_scores["consensus"] = table["pair_id"].map(consensus).to_numpy(dtype=float)
    predictors = (*PREDICTORS, "consensus")
    long = _long(table, predictor_scores, predictors)
    parts = [metric_rows(long, scope, cfg["bootstrap"], cfg["seed"], predictors=predictors)]
    if cv_oof:
        oof = pd.concat([pd.DataFrame(o) for o in cv_oof], ignore_index=True)
        held = oof[oof["predictor"] == "fusion"]  # one row per held-out pair, with its fold's target
        cv_consensus = held.assign(predictor="consensus", score=held["pair_id"].map(consensus).to_numpy())
        cv_long = _cv_long([*cv_oof, cv_consensus], scores, pairs, labels, transform)
        parts.append(metric_rows(cv_long, scope, cfg["bootstrap"], cfg["seed"], predictors=predictors))
    metrics = pd.concat(parts, ignore_index=True)[METRIC_COLUMNS]
    return scores, metrics


def write_outputs(scores: pd.DataFrame, metrics: pd.DataFrame, out: dict | str | Path) -> dict[str, Path]:
    """Write the score table (TSV and Parquet) and the metrics, atomically.

    ``out``: {"predictions_tsv", "predictions_parquet", "metrics"} -> path (the rule's outputs), or a
    folder (predictions.tsv, predictions.parquet and metrics.tsv in it).
    """
    if isinstance(out, dict):
        paths = {key: Path(out[key]) for key in ("predictions_tsv", "predictions_parquet", "metrics")}
    else:
        out = Path(out)
        paths = {"predictions_tsv": out / "predictions.tsv",
                 "predictions_parquet": out / "predictions.parquet",
                 "metrics": out / "metrics.tsv"}
    write_tsv(scores, paths["predictions_tsv"], na_rep="")
    with atomic_path(paths["predictions_parquet"]) as tmp:
        scores.to_parquet(tmp, index=False)
    write_tsv(metrics, paths["metrics"], na_rep="NaN")
    return paths


__all__ = ["DEFAULT_EVAL_CONFIG", "OOF_COLUMNS", "FoldOutputs", "cv_split", "evaluate_scope", "merge_eval_config",
           "read_oof", "run_cv_fold", "scope_folds", "write_outputs"]
