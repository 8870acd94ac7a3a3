"""Rule calibrate_model: the calibration of a model scope from the run's files (tfbind.model.calibration).

Here, not in ``tfbind.model.calibration``, because it needs the model (torch) and the evaluation's out-of-fold
tables, while the ranking reads calibration files without either.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..model import feature_list
from ..model.calibration import build_calibration
from ..model.checkpoint import load
from ..model.predict import predict
from .evaluate import read_oof
from .metrics import auroc
from .scores import labelled_pairs


def cv_auroc(oof: pd.DataFrame) -> dict[str, float]:
    """Per category, the within-category binder AUROC of the out-of-fold ``rank_score``, mean over the repeats
    that hold both classes (NaN when none does): how well the model ranked pairs of genes it never saw."""
    out = {}
    for cat, rows in oof.groupby("domain_category"):
        per_repeat = [auroc(r["rank_score"], r["binder"]) for _, r in rows.groupby("repeat")]
        per_repeat = [v for v in per_repeat if np.isfinite(v)]
        out[str(cat)] = float(np.mean(per_repeat)) if per_repeat else float("nan")
    return out


def calibrate_scope(model, pairs: pd.DataFrame, labels: pd.DataFrame, split_path: str | Path,
                    oof_paths: list[str | Path]) -> dict:
    """:func:`build_calibration` of a model scope from the run's files: the deployed model (``model.pt`` or a
    LoadedModel, read once; its ``split.tsv``: the ``train`` rows are the pairs it was fitted on) and the
    out-of-fold tables of every repeat (``results/scores/<scope>/cv/repeat_*/fold_*/oof.tsv``)."""
    lab = labelled_pairs(pairs, labels)
    oof = pd.concat([read_oof(p) for p in oof_paths], ignore_index=True)
    oof = oof[oof["predictor"] == "fusion"].merge(lab[["pair_id", "binder", "kd_nm"]], on="pair_id")
    oof = oof.merge(pairs[["pair_id", "domain_category"]], on="pair_id")
    split = pd.read_csv(split_path, sep="\t", dtype={"pair_id": str})
    trained = set(split.loc[split["split"] == "train", "pair_id"])
    train = pairs[pairs["pair_id"].isin(trained)].merge(lab[["pair_id", "kd_nm"]], on="pair_id")
    model = load(model)
    columns = feature_list(model.features)
    scores = predict(model, train)["score"].to_numpy(dtype=float)
    return build_calibration(oof, train.reset_index(drop=True), scores, columns, Path(model.source).name,
                             cv_auroc(oof))


__all__ = ["calibrate_scope", "cv_auroc"]
