"""Fusion model: TF tile x co-activator domain binding strength from AlphaFold-Multimer features.

Modules
-------
``architecture``  the network (``BindingFusionModel``: wide + deep paths; ``FusionEnsemble`` of members)
``encoding``      residue encodings of the TF and domain sequences (``index`` and ``tokens``)
``data``          label join, groups, targets (``TargetTransform``), splits, per-domain standardisation
                  (``Preprocessor``), the prior weights
``training``      ``train_scope``: split, fit an ensemble (early stopping per member), history, checkpoint
``folds``         ``grouped_folds``: folds grouped by TF group (no group in two folds), balanced, seeded: the
                  evaluation's cross-validation and the ridge half's inner CV; ``read_folds``/``write_folds``
``checkpoint``    ``save`` / ``load`` of ``model.pt`` (weights + plain-data meta, ``weights_only`` safe)
``predict``       ``predict``: scores, predicted Kd (nM) with an ensemble interval for a pairs table
``synthetic``     planted-signal pairs/labels tables for the tests and ``workflow/benchmarks/bench_model.py``

This module holds the training configuration: :data:`DEFAULT_TRAIN_CONFIG` (every key of the ``train``
config section with its default, read from the config schema) and :func:`merge_config`. It imports no torch, so
config validation is cheap.
"""

from __future__ import annotations

import copy
from typing import Any

from ..defaults import defaults
from ..errors import InputError

#: Every key of the ``train`` config section with its default: the recipe measured on real EP300
#: measurements (docs/model.md; each key in config/README.md). The values, types and ranges are the config
#: schema's (workflow/schemas/config.schema.yaml, the one table of defaults); read from it here for library use.
DEFAULT_TRAIN_CONFIG: dict[str, Any] = defaults("train")
#: The tile's sequence descriptors used by default (train.features.sequence): composition + activation-domain
#: descriptors (tfbind.features.descriptors.TF_DESCRIPTOR_COLUMNS; tests/test_settings.py checks they agree).
SEQUENCE_DESCRIPTORS = list(DEFAULT_TRAIN_CONFIG["features"]["sequence"])

FEATURE_GROUPS = ("alphafold", "interface", "sequence")
TARGETS = ("neglog10_kd",)
SPLITS = ("stratified", "group_tf")
RESIDUE_ENCODERS = ("none", "index", "tokens")


def _merge(base: dict, user: dict, where: str) -> dict:
    out = copy.deepcopy(base)
    for key, value in user.items():
        if key not in base:
            raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(base))})")
        out[key] = copy.deepcopy(value)
    return out


def _positive_int(cfg: dict, key: str) -> None:
    if isinstance(cfg[key], bool) or not isinstance(cfg[key], int) or cfg[key] < 1:
        raise InputError(f"train.{key}: expected a positive integer, got {cfg[key]!r}")


def gpus_requested(cfg: dict) -> int:
    """GPUs a training job of ``cfg`` (a merged ``train`` config) asks the scheduler for: the rules'
    ``gpu`` resource, so that CPU-sized jobs do not wait in a GPU queue.

    ``device: cpu`` -> 0; ``cuda`` or ``cuda:N`` -> 1; ``auto`` -> 1 only when a residue encoder is on
    (``residue_encoder`` index/tokens: attention over residues is the part that is slow on a CPU, README
    "Performance"); the default feature model trains in seconds on a CPU, so ``auto`` asks for none and still
    uses a GPU when the node it lands on has one.
    """
    device = str(cfg["device"])
    if device == "cpu":
        return 0
    if device.startswith("cuda"):
        return 1
    return int(cfg["residue_encoder"] != "none")


def merge_config(user: dict | None) -> dict:
    """The ``train`` config with the user's keys over :data:`DEFAULT_TRAIN_CONFIG`, checked.

    ``features`` merges by group (a group given by the user replaces that group's list; groups not given
    keep the defaults). Types and ranges of single keys are checked by the config schema when the workflow
    starts; this function repeats the checks the model relies on and the cross-key rules (at least one of
    wide/deep, shared_encoder only with residue_encoder tokens, hidden_dim divisible by num_heads).
    """
    user = dict(user or {})
    features = user.pop("features", None)
    cfg = _merge(DEFAULT_TRAIN_CONFIG, user, "train")
    if features is not None:
        if not isinstance(features, dict):
            raise InputError(f"train.features: expected a mapping of group -> column list, got {features!r}")
        for group, cols in features.items():
            if group not in FEATURE_GROUPS:
                raise InputError(f"train.features: unknown group {group!r} (known: {', '.join(FEATURE_GROUPS)})")
            cols = [] if cols is None else cols
            if not isinstance(cols, (list, tuple)) or not all(isinstance(c, str) for c in cols):
                raise InputError(f"train.features.{group}: expected a list of column names, got {cols!r}")
            if len(set(cols)) != len(cols):
                raise InputError(f"train.features.{group}: duplicate column names in {cols!r}")
            cfg["features"][group] = list(cols)
    all_cols = [c for g in FEATURE_GROUPS for c in cfg["features"][g]]
    if not all_cols:
        raise InputError("train.features: every group is empty; the model needs at least one column")
    if len(set(all_cols)) != len(all_cols):
        raise InputError("train.features: a column is listed in more than one group")
    if not isinstance(cfg["prior"], (list, tuple)) or not all(isinstance(c, str) for c in cfg["prior"]):
        raise InputError(f"train.prior: expected a list of column names, got {cfg['prior']!r}")
    choices = {"target": TARGETS, "split": SPLITS, "residue_encoder": RESIDUE_ENCODERS}
    for key, allowed in choices.items():
        if cfg[key] not in allowed:
            raise InputError(f"train.{key}: {cfg[key]!r} is not one of {', '.join(allowed)}")
    for key in ("ensemble", "hidden_dim", "max_len", "num_heads", "num_layers", "epochs", "min_pairs"):
        _positive_int(cfg, key)
    for key in ("wide", "deep", "cross_attention", "shared_encoder", "rank_average_ridge", "ridge_blend"):
        if not isinstance(cfg[key], bool):
            raise InputError(f"train.{key}: expected true or false, got {cfg[key]!r}")
    if not (cfg["wide"] or cfg["deep"]):
        raise InputError("train: wide and deep are both false; the model needs at least one path")
    if cfg["shared_encoder"] and cfg["residue_encoder"] != "tokens":
        raise InputError("train.shared_encoder: needs residue_encoder: tokens")
    if cfg["hidden_dim"] % cfg["num_heads"]:
        raise InputError(f"train.hidden_dim ({cfg['hidden_dim']}) must be divisible by num_heads "
                         f"({cfg['num_heads']})")
    fractions = cfg["split_fractions"]
    if len(fractions) != 3 or min(fractions) < 0 or fractions[0] <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise InputError(f"train.split_fractions: expected three fractions (train > 0) summing to 1, got "
                         f"{fractions!r}")
    for key, lo, hi in (("dropout", 0, 1), ("val_fraction", 0, 1)):
        if isinstance(cfg[key], bool) or not isinstance(cfg[key], (int, float)) or not lo <= cfg[key] < hi:
            raise InputError(f"train.{key}: expected a number in [{lo}, {hi}), got {cfg[key]!r}")
    for key in ("lr", "weight_decay", "penalty_shared", "penalty_domain", "patience"):
        if isinstance(cfg[key], bool) or not isinstance(cfg[key], (int, float)) or cfg[key] < 0:
            raise InputError(f"train.{key}: expected a non-negative number, got {cfg[key]!r}")
    if not (cfg["device"] in ("auto", "cpu") or str(cfg["device"]).startswith("cuda")):
        raise InputError(f"train.device: {cfg['device']!r} is not auto, cpu or cuda[:N]")
    return cfg


def feature_list(features: dict[str, list[str]]) -> list[str]:
    """Every feature column, group by group in FEATURE_GROUPS order."""
    return [c for g in FEATURE_GROUPS for c in features.get(g, [])]


__all__ = ["DEFAULT_TRAIN_CONFIG", "FEATURE_GROUPS", "SEQUENCE_DESCRIPTORS", "feature_list", "merge_config"]
