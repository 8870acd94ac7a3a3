"""Fusion model: TF tile x co-activator domain binding strength from AlphaFold-Multimer features.

Modules
-------
``architecture``  the network (``BindingFusionModel`` and its parts)
``encoding``      residue encodings of the TF and domain sequences (``index`` and ``tokens``)
``data``          label join, targets, splits, imputation, scalers, tensors (``Preprocessor``)
``loss``          the top-weighted MSE of the original design
``training``      ``train_scope``: split, fit, early stopping, history, checkpoint
``checkpoint``    ``save`` / ``load`` of ``model.pt`` (weights + plain-data meta, ``weights_only`` safe)
``predict``       ``predict``: scores and predicted Kd for a pairs table
``synthetic``     planted-signal pairs/labels tables for the tests and ``workflow/benchmarks/bench_train.py``

This module holds the training configuration: :data:`DEFAULT_TRAIN_CONFIG` (every key of the ``train``
config section with its default) and :func:`merge_config`. It imports no torch, so config validation is cheap.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import InputError

#: Every key of the ``train`` config section, with the defaults of the original design.
DEFAULT_TRAIN_CONFIG: dict[str, Any] = {
    # Input groups: numeric feature columns of pairs.parquet (sequences are always used).
    "features": {
        "alphafold": ["iptm", "pae_mean", "pdockq"],
        "interface": [
            "solvation_energy", "frac_charged", "frac_hydrophobic", "n_contact_pairs", "interface_area"
        ],
    },
    "target": "minmax_kd",  # or "neglog10_kd"
    "split": "stratified",  # or "group_tf"
    "split_fractions": [0.8, 0.1, 0.1],  # train, val, test
    "seed": 42,
    "min_pairs": 10,  # fewer labelled pairs in a scope -> InputError
    # Architecture
    "encoding": "index",  # or "tokens"
    "max_len": 128,  # residues of each sequence that are encoded (longer ones are truncated)
    "embed_dim": 64,
    "hidden_dim": 128,
    "num_heads": 4,
    "num_layers": 2,
    "dropout": 0.2,
    # Loss (see tfbind.model.loss.top_weighted_mse)
    "loss": {"tau": 0.75, "alpha": 2.0, "gamma": 4.0, "balance": 0.7, "l2": 0.001},
    # Optimisation
    "lr": 1e-4,
    "weight_decay": 1e-5,
    "batch_size": 32,
    "epochs": 100,
    "scheduler": {"factor": 0.7, "patience": 10, "threshold": 0.01},
    "patience": 20,  # early stopping: epochs without a better validation score
    "monitor": "val_acc",  # best epoch by validation accuracy (ties: lower val loss), or "val_loss"
    "augment": {
        "probability": 0.8,  # per batch
        "noise_std": 0.2,  # Gaussian noise on the scaled numeric inputs
        "mask_fraction": 0.2,  # sequence positions masked (index: set to 0; tokens: mask token)
        "scale_range": [0.9, 1.1],  # index only: the index vector times U(lo, hi) per sample
        "seq_dropout": 0.1,  # index only: entries of the index vector set to 0
    },
    "device": "auto",  # "auto" (cuda if available), "cpu", "cuda", "cuda:1", ...
    "amp": False,  # bfloat16 autocast on CUDA
}

TARGETS = ("minmax_kd", "neglog10_kd")
SPLITS = ("stratified", "group_tf")
ENCODINGS = ("index", "tokens")
MONITORS = ("val_acc", "val_loss")


def _merge(base: dict, user: dict, where: str) -> dict:
    out = copy.deepcopy(base)
    for key, value in user.items():
        if key not in base:
            raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(base))})")
        if isinstance(base[key], dict) and key != "features":
            if not isinstance(value, dict):
                raise InputError(f"{where}.{key}: expected a mapping, got {value!r}")
            out[key] = _merge(base[key], value, f"{where}.{key}")
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_config(user: dict | None) -> dict:
    """The ``train`` config with the user's keys over :data:`DEFAULT_TRAIN_CONFIG`, validated.

    Nested sections (``loss``, ``scheduler``, ``augment``) merge key by key; ``features`` merges by group
    (a group given by the user replaces that group's list; groups not given keep the defaults). Unknown
    keys and bad values raise :class:`~tfbind.errors.InputError`.
    """
    user = dict(user or {})
    features = user.pop("features", None)
    cfg = _merge(DEFAULT_TRAIN_CONFIG, user, "train")
    if features is not None:
        if not isinstance(features, dict):
            raise InputError(f"train.features: expected a mapping of group -> column list, got {features!r}")
        for group, cols in features.items():
            if group not in cfg["features"]:
                raise InputError(f"train.features: unknown group {group!r} (known: alphafold, interface)")
            if not isinstance(cols, (list, tuple)) or not cols or not all(isinstance(c, str) for c in cols):
                raise InputError(
                    f"train.features.{group}: expected a non-empty list of column names, got {cols!r}"
                )
            if len(set(cols)) != len(cols):
                raise InputError(f"train.features.{group}: duplicate column names in {cols!r}")
            cfg["features"][group] = list(cols)
    choices = {"target": TARGETS, "split": SPLITS, "encoding": ENCODINGS, "monitor": MONITORS}
    for key, allowed in choices.items():
        if cfg[key] not in allowed:
            raise InputError(f"train.{key}: {cfg[key]!r} is not one of {', '.join(allowed)}")
    for key in ("max_len", "embed_dim", "hidden_dim", "num_heads", "num_layers", "batch_size", "epochs"):
        if not isinstance(cfg[key], int) or cfg[key] < 1:
            raise InputError(f"train.{key}: expected a positive integer, got {cfg[key]!r}")
    for dim in ("embed_dim", "hidden_dim"):
        if cfg[dim] % cfg["num_heads"]:
            raise InputError(f"train.{dim} ({cfg[dim]}) must be divisible by num_heads ({cfg['num_heads']})")
    fractions = cfg["split_fractions"]
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise InputError(
            f"train.split_fractions: expected three positive fractions summing to 1, got {fractions!r}"
        )
    if not 0 <= cfg["dropout"] < 1:
        raise InputError(f"train.dropout: expected a value in [0, 1), got {cfg['dropout']!r}")
    if not (cfg["device"] in ("auto", "cpu") or str(cfg["device"]).startswith("cuda")):
        raise InputError(f"train.device: {cfg['device']!r} is not auto, cpu or cuda[:N]")
    return cfg


__all__ = ["DEFAULT_TRAIN_CONFIG", "merge_config"]
