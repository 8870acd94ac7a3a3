"""Which model scores a run's ranking: the run's own, ``predict.model_file``, or a pretrained model shipped in
``resources/models/<name>/`` (``model.pt``, ``calibration.json``, the model card ``README.md``).

Import-light (no torch): called when the workflow is parsed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..defaults import defaults
from ..errors import InputError

#: ``predict.pretrained`` values that turn the pretrained model off.
NO_PRETRAINED = ("", "none")


@dataclass(frozen=True)
class RankModel:
    """The model of the ranking: its file, its calibration (None when it has none), a note for people and where
    it comes from (``kind``: :data:`MODEL_KINDS`; the report's landing page names it)."""

    model: str
    calibration: str | None
    note: str
    kind: str = "model_file"


#: Where a ranking's model comes from: predict.model_file, this run's training, a shipped pretrained model.
MODEL_KINDS = ("model_file", "trained", "pretrained")


def shipped_categories(calibration: str | Path) -> list[str]:
    """The domain categories a model was trained on, from its calibration.json (``kd_range_nm`` keys)."""
    try:
        data = json.loads(Path(calibration).read_text(encoding="utf-8"))
        return sorted(data["kd_range_nm"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{calibration}: cannot read the model's categories: {exc}") from exc


def pretrained_model(name: str, models_dir: str | Path, categories: set[str]) -> RankModel | None:
    """The shipped model ``name`` of ``models_dir`` when it knows one of ``categories`` (the run's domain
    categories), else None (also for ``none``). InputError naming the shipped models for an unknown name."""
    if name in NO_PRETRAINED:
        return None
    folder = Path(models_dir) / name
    model, calibration = folder / "model.pt", folder / "calibration.json"
    if not (model.is_file() and calibration.is_file()):
        shipped = sorted(p.parent.name for p in Path(models_dir).glob("*/model.pt"))
        raise InputError(f"predict.pretrained: no shipped model {name!r} in {models_dir} (shipped: "
                         f"{', '.join(shipped) or 'none'}; 'none' turns the pretrained model off)")
    known = shipped_categories(calibration)
    if not categories & set(known):
        return None
    return RankModel(str(model), str(calibration),
                     f"pretrained {name} model ({model}; trained on {', '.join(known)}; predict.pretrained)",
                     "pretrained")


def rank_model(config: dict, models_dir: str | Path, categories: set[str],
               trained_dir: str | None = None) -> RankModel | None:
    """The ranking's model: ``predict.model_file`` (with the calibration.json beside it, when there is one);
    else the run's own model in ``trained_dir`` (a run with labels: ``model.pt`` and the ``calibration.json``
    of rule calibrate_model); else the pretrained model (:func:`pretrained_model`); else None (the consensus
    ranks)."""
    predict = config["predict"]
    if predict.get("model_file"):
        beside = Path(predict["model_file"]).parent / "calibration.json"
        return RankModel(predict["model_file"], str(beside) if beside.is_file() else None,
                         f"loaded from {predict['model_file']} (predict.model_file)", "model_file")
    if trained_dir:
        return RankModel(f"{trained_dir}/model.pt", f"{trained_dir}/calibration.json",
                         f"trained in this run ({trained_dir}/model.pt)", "trained")
    return pretrained_model(predict.get("pretrained", defaults("predict.pretrained")), models_dir, categories)


__all__ = ["MODEL_KINDS", "NO_PRETRAINED", "RankModel", "pretrained_model", "rank_model", "shipped_categories"]
