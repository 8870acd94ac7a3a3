"""``model.pt``: the state dict plus plain-data meta, loadable with ``torch.load(path, weights_only=True)``.

Layout of the file (a dict)::

    format      "tfbind-model/2"
    state_dict  parameter/buffer name -> tensor
    meta        architecture   the FusionEnsemble config (paths, dims, features, categories, members)
                preprocess     Preprocessor.to_meta(): features, dropped columns, categories, medians,
                               per-category means and scales (plain lists)
                target         TargetTransform.to_meta(): kind, lo, hi, per-category pKd mean and SD
                versions       torch, numpy, python
                ... anything else plain (scope, train config, split counts, metrics)

Only tensors, dicts, lists, str, int, float, bool and None are stored; :func:`save` checks the meta.
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from ..io import atomic_path
from .architecture import FusionEnsemble

FORMAT = "tfbind-model/2"  # 2: the wide-and-deep ensemble


def versions() -> dict:
    return {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()}


def _plain(value, where: str = "meta"):
    """Return ``value`` as plain data (tuples -> lists, numpy scalars -> Python); raise on anything else."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    for kind in (bool, int, float, str):  # exact built-in types (e.g. torch's TorchVersion is a str subclass)
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: key {k!r} is not a string")
            out[str(k)] = _plain(v, f"{where}.{k}")  # str(): numpy str_ keys pickle as numpy objects
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} is not plain data")


def save(path: str | Path, model: FusionEnsemble, meta: dict) -> None:
    """Write ``model.pt``: state dict (on CPU) + meta (architecture config and versions added)."""
    meta = _plain({**meta, "architecture": model.config, "versions": versions()})
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, "state_dict": state, "meta": meta}, tmp)


def _read(path: str | Path, device) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: model checkpoint not found")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # truncated file, not a torch file, unsafe content
        raise InputError(f"{path}: cannot read the model checkpoint: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(f"{path}: not a tfbind model checkpoint (format {FORMAT} expected)")
    return payload


def load(path: str | Path, device="cpu") -> tuple[FusionEnsemble, dict]:
    """(model in eval mode on ``device``, meta) from ``model.pt``."""
    payload = _read(path, device)
    meta = payload["meta"]
    model = FusionEnsemble(meta["architecture"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        raise InputError(f"{path}: weights do not fit the stored architecture: {exc}") from exc
    return model.to(device).eval(), meta
