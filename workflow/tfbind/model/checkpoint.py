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

:func:`load` checks a file's meta against its weights BEFORE building the network, so that a damaged or
crafted file is refused with the file and the field named instead of choosing what is allocated (a
``hidden_dim`` of 10^6 asked for 360 GB) or failing later with a bare KeyError: every architecture value has
its plain type and range, the member count and every tensor's name and shape follow from the architecture
(:func:`tfbind.model.architecture.expected_shapes`), weights are finite floats, and the preprocessing,
target and ridge meta have one finite value per feature and category (SDs, scales and the target span
positive: a stored spread of 0 would collapse every prediction to one value).
"""

from __future__ import annotations

import math
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..defaults import defaults
from ..errors import InputError
from ..io import atomic_path
from . import FEATURE_GROUPS, RESIDUE_ENCODERS, TARGETS
from .architecture import ARCH_KEYS, FusionEnsemble, expected_shapes

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


def save(path: str | Path, model: FusionEnsemble, meta: dict) -> dict:
    """Write ``model.pt``: state dict (on CPU) + meta (architecture config and versions added); returns the
    meta as written (what :func:`load` would read back), so that the trainer can hand on a
    :class:`LoadedModel` without reading the file again."""
    meta = _plain({**meta, "architecture": model.config, "versions": versions()})
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, "state_dict": state, "meta": meta}, tmp)
    return meta


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


class _Meta:
    """Checks of one checkpoint's plain-data meta; every refusal names the file and the field."""

    def __init__(self, path: Path):
        self.path = path

    def refuse(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.path}: {field}: {problem}")

    def mapping(self, value, field: str) -> dict:
        if not isinstance(value, dict):
            raise self.refuse(field, f"expected a mapping, found {type(value).__name__}")
        return value

    def flag(self, value, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.refuse(field, f"expected true or false, found {value!r:.60}")
        return value

    def count(self, value, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.refuse(field, f"expected a whole number >= 1, found {value!r:.60}")
        return value

    def number(self, value, field: str, positive: bool = False) -> float:
        """A finite int or float (not bool); ``positive``: also > 0."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.refuse(field, f"expected a finite number, found {value!r:.60}")
        if positive and not value > 0:
            raise self.refuse(field, f"must be > 0, found {value!r}: a spread of 0 would collapse every "
                                     "prediction (or divide by zero)")
        return float(value)

    def numbers(self, value, field: str, length: int, positive: bool = False) -> None:
        if not isinstance(value, list) or len(value) != length:
            found = f"{len(value)} values" if isinstance(value, list) else type(value).__name__
            raise self.refuse(field, f"expected a list of {length} numbers (one per feature), found {found}")
        for i, v in enumerate(value):
            self.number(v, f"{field}[{i}]", positive)

    def names(self, value, field: str) -> list[str]:
        """A list of distinct strings."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.refuse(field, "expected a list of names")
        if len(set(value)) != len(value):
            repeated = sorted(v for v in set(value) if value.count(v) > 1)
            raise self.refuse(field, f"names repeat: {repeated[:5]}")
        return value

    def keys(self, value, field: str, wanted: list[str]) -> dict:
        """A mapping whose keys are exactly ``wanted``."""
        value = self.mapping(value, field)
        missing, extra = [k for k in wanted if k not in value], [k for k in value if k not in wanted]
        if missing or extra:
            raise self.refuse(field, f"keys do not match {wanted[:10]}: missing {missing[:5]}, unknown "
                                     f"{[str(k)[:40] for k in extra[:5]]}")
        return value

    def architecture(self, arch) -> dict:
        arch = self.mapping(arch, "meta.architecture")
        where = "meta.architecture"
        missing = [k for k in (*ARCH_KEYS, "features", "categories", "ensemble") if k not in arch]
        if missing:
            raise self.refuse(where, f"missing key(s) {', '.join(missing)}")
        for key in ("wide", "deep", "cross_attention", "shared_encoder"):
            self.flag(arch[key], f"{where}.{key}")
        for key in ("hidden_dim", "max_len", "num_heads", "num_layers", "ensemble"):
            self.count(arch[key], f"{where}.{key}")
        if not 0 <= self.number(arch["dropout"], f"{where}.dropout") < 1:
            raise self.refuse(f"{where}.dropout", f"expected a number in [0, 1), found {arch['dropout']!r}")
        if arch["residue_encoder"] not in RESIDUE_ENCODERS:
            raise self.refuse(f"{where}.residue_encoder", f"{arch['residue_encoder']!r:.60} is not one of "
                                                          f"{', '.join(RESIDUE_ENCODERS)}")
        if arch["hidden_dim"] % arch["num_heads"]:
            raise self.refuse(f"{where}.num_heads", f"{arch['num_heads']} does not divide hidden_dim "
                                                    f"{arch['hidden_dim']}")
        features = self.mapping(arch["features"], f"{where}.features")
        unknown = [str(g)[:40] for g in features if g not in FEATURE_GROUPS]
        if unknown:
            raise self.refuse(f"{where}.features", f"unknown group(s) {unknown[:5]} (known: "
                                                   f"{', '.join(FEATURE_GROUPS)})")
        columns = self.names([c for g in FEATURE_GROUPS for c in self.names(features.get(g, []),
                                                                            f"{where}.features.{g}")],
                             f"{where}.features")
        if not columns:
            raise self.refuse(f"{where}.features", "no feature column")
        if not self.names(arch["categories"], f"{where}.categories"):
            raise self.refuse(f"{where}.categories", "no domain category")
        return arch

    def weights(self, state, arch: dict) -> None:
        """The state dict holds exactly the tensors of ``arch``, with their shapes, as finite floats."""
        state = self.mapping(state, "state_dict")
        bad = next((k for k, v in state.items()
                    if not isinstance(k, str) or not isinstance(v, torch.Tensor)), None)
        if bad is not None:
            raise self.refuse("state_dict", f"entry {str(bad)[:60]!r} is not a named tensor")
        members = {int(m[1]) for k in state if (m := re.match(r"members\.(\d+)\.", k))}
        if arch["ensemble"] != len(members):
            raise self.refuse("meta.architecture.ensemble", f"{arch['ensemble']} members, the weights hold "
                                                            f"{len(members)}")
        expected = expected_shapes(arch)
        missing = [k for k in expected if k not in state]
        extra = [k for k in state if k not in expected]
        if missing or extra:
            raise InputError(f"{self.path}: weights do not fit the stored architecture (meta.architecture): "
                             f"missing {missing[:3]}, unexpected {[k[:80] for k in extra[:3]]}")
        for name, (shape, fields) in expected.items():
            tensor = state[name]
            if tuple(tensor.shape) != shape:
                raise InputError(f"{self.path}: weights do not fit the stored architecture: {name} has shape "
                                 f"{tuple(tensor.shape)}, meta.architecture ({fields}) gives {shape}")
            if not tensor.is_floating_point() or not bool(torch.isfinite(tensor).all()):
                raise self.refuse(f"state_dict.{name}", "not finite floating-point numbers")

    def preprocess(self, prep, arch: dict) -> None:
        where = "meta.preprocess"
        prep = self.mapping(prep, where)
        for key in ("features", "categories", "medians", "mean", "scale", "pooled_mean", "pooled_scale"):
            if key not in prep:
                raise self.refuse(where, f"missing key {key}")
        features = {g: list(arch["features"].get(g, [])) for g in FEATURE_GROUPS}
        stored = self.mapping(prep["features"], f"{where}.features")
        if set(stored) - set(FEATURE_GROUPS) or any(stored.get(g, []) != features[g] for g in FEATURE_GROUPS):
            raise self.refuse(f"{where}.features",
                              "differ from meta.architecture.features (the weights' inputs)")
        categories = arch["categories"]
        if prep["categories"] != categories:
            raise self.refuse(f"{where}.categories", "differ from meta.architecture.categories")
        columns = [c for g in FEATURE_GROUPS for c in features[g]]
        medians = self.keys(prep["medians"], f"{where}.medians", columns)
        for c in columns:
            self.number(medians[c], f"{where}.medians.{c}")
        for key, positive in (("mean", False), ("scale", True)):
            per_category = self.keys(prep[key], f"{where}.{key}", categories)
            for c in categories:
                self.numbers(per_category[c], f"{where}.{key}.{c}", len(columns), positive)
        self.numbers(prep["pooled_mean"], f"{where}.pooled_mean", len(columns))
        self.numbers(prep["pooled_scale"], f"{where}.pooled_scale", len(columns), positive=True)
        if arch["residue_encoder"] != "none" and prep.get("max_len", defaults("train.max_len")) != arch["max_len"]:
            raise self.refuse(f"{where}.max_len", f"{prep.get('max_len')!r:.40} differs from "
                                                  f"meta.architecture.max_len {arch['max_len']}")

    def target(self, target) -> None:
        where = "meta.target"
        target = self.mapping(target, where)
        if target.get("kind") not in TARGETS:
            raise self.refuse(f"{where}.kind",
                              f"{target.get('kind')!r:.60} is not one of {', '.join(TARGETS)}")
        lo, hi = self.number(target.get("lo"), f"{where}.lo"), self.number(target.get("hi"), f"{where}.hi")
        if not hi > lo:
            raise self.refuse(f"{where}.hi", f"{hi!r} is not above lo {lo!r}: a target span of 0 would "
                                             "collapse every score to one value")
        mean, sd = self.mapping(target.get("mean", {}), f"{where}.mean"), target.get("sd", {})
        sd = self.keys(sd, f"{where}.sd", list(mean))
        for c in mean:
            self.number(mean[c], f"{where}.mean.{c}")
            self.number(sd[c], f"{where}.sd.{c}", positive=True)
        pooled = target.get("pooled", [0.0, 1.0])
        if not isinstance(pooled, list) or len(pooled) != 2:
            raise self.refuse(f"{where}.pooled", "expected [mean, SD]")
        self.number(pooled[0], f"{where}.pooled[0]")
        self.number(pooled[1], f"{where}.pooled[1]", positive=True)

    def linear(self, meta: dict, arch: dict) -> None:
        """The prior weights and the ridge blend's per-category weights (one per feature column)."""
        n = sum(len(arch["features"].get(g, [])) for g in FEATURE_GROUPS)
        self.numbers(meta.get("prior"), "meta.prior", n)
        ridge = self.mapping(meta.get("ridge") or {}, "meta.ridge")
        for c, weights in ridge.items():
            if c not in arch["categories"]:
                raise self.refuse("meta.ridge",
                                  f"category {str(c)[:40]!r} is not in meta.architecture.categories")
            self.numbers(weights, f"meta.ridge.{c}", n)


def check(payload: dict, path: str | Path) -> dict:
    """The checkpoint's meta, checked against its weights (module doc); InputError naming the file and field.
    Nothing is allocated from the meta: tensor shapes are compared as tuples."""
    checks = _Meta(Path(path))
    meta = checks.mapping(payload.get("meta"), "meta")
    arch = checks.architecture(meta.get("architecture"))
    checks.weights(payload.get("state_dict"), arch)
    checks.preprocess(meta.get("preprocess"), arch)
    checks.target(meta.get("target"))
    checks.linear(meta, arch)
    return meta


@dataclass
class LoadedModel:
    """One model in memory: the network (eval mode, on ``device``), its checked plain-data meta and the file it
    comes from (``source``: named in logs and in the ranking's ``model_file`` column).

    Made by :func:`load` (from ``model.pt``) or by the trainer (``tfbind.model.training.fit_scope``, the model
    it just wrote). Every job reads its model once and passes this object on: ``predict`` and the scoring
    functions above it accept it wherever they accept a path.
    """

    network: FusionEnsemble
    meta: dict
    source: str
    device: str = "cpu"

    @property
    def scope(self) -> str:
        return str(self.meta["scope"])

    @property
    def features(self) -> dict[str, list[str]]:
        """Input column names per feature group (the preprocessing's)."""
        return self.meta["preprocess"]["features"]

    @property
    def categories(self) -> list[str]:
        return list(self.meta["preprocess"]["categories"])

    @property
    def encodes_residues(self) -> bool:
        return self.network.config["residue_encoder"] != "none"

    def to(self, device) -> LoadedModel:
        """This model on ``device`` (moved in place; None: where it is)."""
        if device is not None and str(device) != self.device:
            self.network.to(device)
            self.device = str(device)
        return self


def load(source: str | Path | LoadedModel, device=None) -> LoadedModel:
    """The model of ``source``: a ``model.pt`` read (on ``device``, default CPU) with its meta checked against
    its weights before the network is built (:func:`check`), or a :class:`LoadedModel` handed on as it is
    (moved to ``device`` when one is given). The one reader of model files."""
    if isinstance(source, LoadedModel):
        return source.to(device)
    device = "cpu" if device is None else device
    payload = _read(source, device)
    meta = check(payload, source)
    model = FusionEnsemble(meta["architecture"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        raise InputError(f"{source}: weights do not fit the stored architecture: {exc}") from exc
    return LoadedModel(model.to(device).eval(), meta, str(source), str(device))
