"""Where training writes (no torch here: evaluation and scripts name the files without loading the model code)."""

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


__all__ = ["TrainOutputs"]
