"""Where training writes and what the model's outputs are called (no torch here: evaluation and scripts name the
files and columns without loading the model code)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..outputs import OutputFiles


@dataclass(frozen=True)
class TrainOutputs(OutputFiles):
    """Where :func:`tfbind.model.training.train_scope` writes: the rule's declared outputs."""

    model: Path
    history: Path
    split: Path

    NAMES = {"model": "model.pt", "history": "history.tsv", "split": "split.tsv"}


#: The model's outputs under the names every text output uses for them: the ranking's ``model_score`` and
#: ``imputed`` (the inputs filled in); the ranking's ``kd_pred_*_nm`` are clipped to the training Kd range
#: (``tfbind.ranking.model_scores``), these are not, hence ``_unclipped`` (one name, one quantity: README
#: "Output columns").
PREDICTION_NAMES = {"score": "model_score", "kd_pred_nm": "kd_pred_unclipped_nm",
                    "kd_pred_low_nm": "kd_pred_low_unclipped_nm", "kd_pred_high_nm": "kd_pred_high_unclipped_nm",
                    "imputed_inputs": "imputed", "category_seen": "category_seen"}
#: The columns of ``tfbind.model.predict.named_predictions``: PREDICTION_NAMES' values plus ``model_pkd`` (the
#: predicted pKd, unclipped: it orders the pairs of a domain where scores tie at 0 or 1).
NAMED_COLUMNS = ["pair_id", *PREDICTION_NAMES.values(), "model_pkd"]


__all__ = ["NAMED_COLUMNS", "PREDICTION_NAMES", "TrainOutputs"]
