"""Fusion-model scores for the ranking: this run's trained model, or ``predict.model_file`` from another run.

Columns (:data:`MODEL_SCORE_COLUMNS`), exactly as :func:`tfbind.model.predict.predict` gives them (so they equal
the ``predict`` target's scores): ``fusion_score`` in [0, 1] (1 = strongest binding), ``kd_pred_nm`` and
``kd_low_nm``/``kd_high_nm`` (the spread of the ensemble members, not a calibrated interval);
``unseen_category`` True where the pair's domain category is not one the model was trained on: such a pair
is scored with the model's shared weights only (``predict`` warns), and flagged in the ranking.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..errors import InputError

log = logging.getLogger("tfbind.ranking")

MODEL_SCORE_COLUMNS = ["pair_id", "fusion_score", "kd_pred_nm", "kd_low_nm", "kd_high_nm", "unseen_category",
                       "model_file"]  # fmt: skip


def read_model_inputs(model_path: str | Path, pairs_path: str | Path) -> pd.DataFrame:
    """The columns of a pairs table (Parquet) that the model scores from (its features, the sequences when it
    encodes residues, the pair and its category): a 10^6-pair table without its other ~90 columns."""
    import pyarrow.parquet as pq

    from ..model.checkpoint import load
    from ..model.data import required_columns

    model, meta = load(model_path)
    wanted = required_columns(meta["preprocess"]["features"], model.config["residue_encoder"] != "none")
    present = set(pq.ParquetFile(pairs_path).schema_arrow.names)
    return pq.read_table(pairs_path, columns=[c for c in wanted if c in present]).to_pandas()


def model_scores(model_path: str | Path, pairs: pd.DataFrame, device: str = "cpu",
                 threads: int | None = None) -> pd.DataFrame:
    """MODEL_SCORE_COLUMNS for every pair of ``pairs`` (same order); ``threads``: the job's. Raises InputError
    naming the columns the model needs and the table lacks."""
    from ..model.predict import predict

    for column in ("pair_id", "domain_category"):
        if column not in pairs.columns:
            raise InputError(f"feature table lacks the column {column!r}")
    scored = predict(model_path, pairs, device, threads)
    return pd.DataFrame({
        "pair_id": scored["pair_id"].to_numpy(),
        "fusion_score": scored["score"].to_numpy(),
        "kd_pred_nm": scored["kd_pred_nm"].to_numpy(),
        "kd_low_nm": scored["kd_pred_low_nm"].to_numpy(),
        "kd_high_nm": scored["kd_pred_high_nm"].to_numpy(),
        "unseen_category": ~scored["category_seen"].to_numpy(dtype=bool),
        "model_file": str(model_path),
    })[MODEL_SCORE_COLUMNS]


__all__ = ["MODEL_SCORE_COLUMNS", "model_scores", "read_model_inputs"]
