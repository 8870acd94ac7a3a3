"""Training: ``train_scope`` = label join -> split -> fit transforms on train rows -> ensemble -> model.pt.

Each of ``ensemble`` members (every number a key of the ``train`` config):

* draws its own early-stopping validation set: ``val_fraction`` (20 %) of the training rows' GROUPS
  (``evaluate.group_by``, e.g. genes), seeded by ``seed`` + member, and fits on the rest;
* starts from the prior linear model (``architecture``: w_shared = w0, deep output zero) with its own seeded
  initialisation of the deep path;
* minimises, full batch, MSE(z + b[d], y) + (penalty_domain * |w_domain|^2 + penalty_shared *
  |w_shared - w0|^2) / n_train, y = pKd z-scored within domain (``TargetTransform``), with Adam (``lr``;
  coupled weight decay ``weight_decay`` on the deep path only);
* stops after ``patience`` epochs without a lower validation MSE (at most ``epochs``) and keeps the best
  epoch's weights.

Reproducible: with the same data, config, seed and thread count, CPU runs give identical weights (seeded
global RNG for init and dropout, deterministic algorithms switched on for the duration of the run). A GPU
(``device: auto``) gives the same results within floating-point noise.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..defaults import defaults
from ..errors import InputError
from ..io import write_tsv
from . import merge_config
from .architecture import BindingFusionModel, FusionEnsemble, architecture_config
from .checkpoint import LoadedModel, save
from .data import SPLIT_NAMES, Preprocessor, TargetTransform, join_labels, make_split, prior_weights, to_tensors
from .outputs import TrainOutputs
from .prior_ridge import blend, fit_prior_ridge

log = logging.getLogger("tfbind.model")

#: history.tsv: one row per member and epoch; train_loss = MSE (with the per-domain bias) on the member's
#: fitting rows, penalty = the wide path's ridge term / n_train, val_loss = MSE on its validation groups.
HISTORY_COLUMNS = ["member", "epoch", "train_loss", "penalty", "val_loss", "lr"]


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"train.device: {name!r} requested but CUDA is not available")
    return torch.device(name)


@contextlib.contextmanager
def torch_settings(threads: int | None, seed: int):
    """Seed torch, switch deterministic algorithms on and set the thread count; restore afterwards."""
    previous = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled())
    try:
        if threads:
            torch.set_num_threads(int(threads))
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.manual_seed(seed)
        yield
    finally:
        torch.set_num_threads(previous[0])
        torch.use_deterministic_algorithms(previous[1], warn_only=previous[2])


def member_split(groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of the validation rows: ``fraction`` of the distinct groups (at least one; none when
    fewer than 2 groups or fraction 0), drawn with ``numpy.random.default_rng(seed)``."""
    unique = np.array(sorted(set(groups)))
    if fraction <= 0 or len(unique) < 2:
        return np.zeros(len(groups), dtype=bool)
    n_val = min(len(unique) - 1, max(1, int(round(fraction * len(unique)))))
    chosen = np.random.default_rng(seed).choice(unique, size=n_val, replace=False)
    return np.isin(groups, chosen)


def fit_member(member: BindingFusionModel, batch: dict, y: torch.Tensor, fit_idx: torch.Tensor,
               val_idx: torch.Tensor, cfg: dict) -> list[dict]:
    """Train one member in place (it ends with the best epoch's weights); returns its history rows."""
    optimizer = torch.optim.Adam([
        {"params": [member.w_shared, member.w_domain, member.category_bias], "weight_decay": 0.0},
        {"params": member.deep_parameters(), "weight_decay": cfg["weight_decay"]},
    ], lr=cfg["lr"])
    fit_batch = {k: v[fit_idx] for k, v in batch.items()}
    val_batch = {k: v[val_idx] for k, v in batch.items()}
    n_fit = len(fit_idx)
    history, best, best_state, stale = [], math.inf, None, 0
    for epoch in range(1, cfg["epochs"] + 1):
        member.train()
        pred = member(fit_batch) + member.bias(fit_batch["category"])
        mse = (pred - y[fit_idx]).pow(2).mean()
        penalty = member.penalty(cfg["penalty_shared"], cfg["penalty_domain"]) / n_fit
        optimizer.zero_grad(set_to_none=True)
        (mse + penalty).backward()
        optimizer.step()
        val_loss = math.nan
        if len(val_idx):
            member.eval()
            with torch.inference_mode():
                pv = member(val_batch) + member.bias(val_batch["category"])
                val_loss = float((pv - y[val_idx]).pow(2).mean())
        history.append({"epoch": epoch, "train_loss": float(mse.detach()), "penalty": float(penalty.detach()),
                        "val_loss": val_loss, "lr": cfg["lr"]})
        if not len(val_idx):
            continue
        if val_loss < best - 1e-6:
            best, stale = val_loss, 0
            best_state = {k: v.detach().clone() for k, v in member.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg["patience"]:
                break
    if best_state is not None:
        member.load_state_dict(best_state)
    member.eval()
    return history


def fit_ensemble(batch: dict, y: torch.Tensor, train_idx: np.ndarray, groups: np.ndarray, w0: np.ndarray,
                 arch: dict, cfg: dict, device) -> tuple[FusionEnsemble, list[dict]]:
    """The ensemble, each member fitted on ``train_idx`` minus its own validation groups."""
    ensemble = FusionEnsemble(arch).to(device)
    history = []
    for k, member in enumerate(ensemble.members):
        torch.manual_seed(cfg["seed"] + k)
        fresh = BindingFusionModel(arch).to(device)  # each member's own seeded initialisation
        member.load_state_dict(fresh.state_dict())
        member.set_prior(torch.tensor(w0, dtype=torch.float32, device=device))
        is_val = member_split(groups[train_idx], cfg["val_fraction"], cfg["seed"] + k)
        fit_idx = torch.from_numpy(train_idx[~is_val]).to(device)
        val_idx = torch.from_numpy(train_idx[is_val]).to(device)
        rows = fit_member(member, batch, y, fit_idx, val_idx, cfg)
        finite = [r["val_loss"] for r in rows if math.isfinite(r["val_loss"])]
        log.info("member %d: %d fitting / %d validation rows, %d epochs, best val MSE %s", k, len(fit_idx),
                 len(val_idx), len(rows), f"{min(finite):.4f}" if finite else "n/a (no validation groups)")
        history += [{"member": k, **r} for r in rows]
    ensemble.eval()
    return ensemble, history


@torch.inference_mode()
def member_scores(ensemble: FusionEnsemble, batch: dict) -> np.ndarray:
    """(members, rows) ranking scores z in eval mode, as float64 numpy."""
    ensemble.eval()
    return ensemble(batch).float().cpu().numpy().astype(float)


def given_split(table: pd.DataFrame, split: pd.Series) -> np.ndarray:
    """The split names of ``table``'s rows from ``split`` (pair_id -> "train"/"val"/"test").

    Pair IDs of ``split`` outside the table are ignored; a pair of the table missing from ``split``, a name
    other than train/val/test, or no train row raise InputError.
    """
    split = pd.Series(split)
    if split.index.has_duplicates:
        dup = split.index[split.index.duplicated()][0]
        raise InputError(f"given split: pair_id {dup!r} appears more than once")
    bad = sorted(set(split.astype(str)) - set(SPLIT_NAMES))
    if bad:
        raise InputError(f"given split: unknown split name(s) {', '.join(map(repr, bad))} "
                         f"(expected {', '.join(SPLIT_NAMES)})")
    names = table["pair_id"].map(split)
    missing = table.loc[names.isna(), "pair_id"]
    if len(missing):
        raise InputError(f"given split: {len(missing)} labelled pair(s) of the scope have no split, "
                         f"e.g. {', '.join(map(str, missing.iloc[:3]))}")
    names = names.astype(str).to_numpy()
    for name in ("train",):
        if not (names == name).any():
            raise InputError(f"given split: no {name} row among the {len(table)} labelled pairs of the scope")
    return names


def train_scope(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, config: dict,
                out: TrainOutputs | str | Path, threads: int = 1, *, split: pd.Series | None = None,
                group_by: str = defaults("evaluate.group_by")) -> dict:
    """Train one model on the labelled pairs of ``scope`` ("all" or a domain category).

    ``config`` is the ``train`` config section (merged over DEFAULT_TRAIN_CONFIG); ``group_by`` the
    ``evaluate.group_by`` setting (groups of split ``group_tf`` and of the members' validation sets).
    Writes ``out.model``, ``out.history`` (HISTORY_COLUMNS) and ``out.split`` (pair_id, split) (``out`` a
    folder: model.pt, history.tsv and split.tsv in it) and returns a summary (counts, dropped columns,
    validation and test Spearman of the predicted pKd, device, seconds).

    ``split`` (pair_id -> "train"/"val"/"test", e.g. a cross-validation fold) replaces the configured
    split (``make_split``); every labelled pair of the scope must be in it (:func:`given_split`). The
    summary's ``split`` is then ``"given"``. The model is fitted on the ``train`` rows; ``val`` and ``test``
    rows are only scored.
    """
    return fit_scope(pairs, labels, scope, config, out, threads, split=split, group_by=group_by)[1]


def fit_scope(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, config: dict,
              out: TrainOutputs | str | Path, threads: int = 1, *, split: pd.Series | None = None,
              group_by: str = defaults("evaluate.group_by")) -> tuple[LoadedModel, dict]:
    """:func:`train_scope` returning (the trained model, in memory as :func:`tfbind.model.checkpoint.load` would
    read it back, the summary)."""
    cfg = merge_config(config)
    table = join_labels(pairs, labels, scope, cfg["features"], cfg["min_pairs"], group_by)
    return fit_table(table, scope, cfg, out, threads, split=split)


def train_table(table: pd.DataFrame, scope: str, cfg: dict, out: TrainOutputs | str | Path, threads: int = 1, *,
                split: pd.Series | None = None) -> dict:
    """:func:`fit_table`'s summary (the rule train_model, which scores nothing)."""
    return fit_table(table, scope, cfg, out, threads, split=split)[1]


def fit_table(table: pd.DataFrame, scope: str, cfg: dict, out: TrainOutputs | str | Path, threads: int = 1, *,
              split: pd.Series | None = None) -> tuple[LoadedModel, dict]:
    """:func:`fit_scope` on the labelled pairs already joined (``join_labels``, with their ``group``) and a
    ``train`` config already merged (``merge_config``; the workflow's is merged once, when it is parsed): a
    cross-validation fold joins and merges once for its folds, its model and its baselines, and scores the model
    it holds in memory (model.pt is written, not read back)."""
    from ..correlation import spearman

    start = time.perf_counter()
    out = TrainOutputs.of(out)
    given = split is not None
    split = given_split(table, split) if given else make_split(table, cfg["split"], cfg["seed"],
                                                               cfg["split_fractions"])
    is_train = split == "train"
    categories = sorted(table["domain_category"].astype(str).unique())
    train_rows = table[is_train]
    transform = TargetTransform.fit(cfg["target"], train_rows["kd_nm"].to_numpy(),
                                    train_rows["domain_category"].astype(str).to_numpy())
    prep = Preprocessor.fit(train_rows, categories, cfg)
    arrays, imputed = prep.transform(table, cfg["residue_encoder"])
    z = transform.z(table["kd_nm"].to_numpy(), table["domain_category"].astype(str).to_numpy())
    train_idx = np.flatnonzero(is_train)
    w0 = prior_weights(arrays["x"][train_idx].astype(float), z[train_idx], prep.columns, cfg["prior"])
    device = resolve_device(str(cfg["device"]))
    if device.type == "cuda":  # deterministic cuBLAS (read when CUDA is first used in this process)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    counts = {name: int((split == name).sum()) for name in SPLIT_NAMES}
    log.info("scope %s: %d labelled pairs (train %d, val %d, test %d), %d categories, %d feature columns, "
             "device %s", scope, len(table), counts["train"], counts["val"], counts["test"], len(categories),
             len(prep.columns), device)
    prior_cols = [c for c, w in zip(prep.columns, w0) if w]
    log.info("prior: %s (scale %.3f)", ", ".join(prior_cols) or "none", float(np.abs(w0).max(initial=0.0)))

    arch = architecture_config(cfg, prep.features, categories)
    with torch_settings(threads, cfg["seed"]):
        batch = to_tensors(arrays, device)
        y = torch.tensor(z, dtype=torch.float32, device=device)
        ensemble, history = fit_ensemble(batch, y, train_idx, table["group"].astype(str).to_numpy(), w0, arch,
                                         cfg, device)
        pred_z = member_scores(ensemble, batch).mean(axis=0)
    cats = table["domain_category"].astype(str).to_numpy()
    ridge = {}
    if cfg["ridge_blend"]:
        x = arrays["x"].astype(float)
        ridge, alphas = fit_prior_ridge(x, z, cats, is_train, table["group"].astype(str).to_numpy(), w0,
                                        cfg["seed"])
        log.info("ridge blend: per-domain ridge towards the prior, alpha %s",
                 ", ".join(f"{c} {a:g}" for c, a in alphas.items()))
        pred_z = blend(pred_z, x, cats, ridge, w0)
    pred_pkd = transform.pkd_of(pred_z, cats)
    results = {}
    for name in ("val", "test"):
        rows = split == name
        results[f"{name}_spearman"] = spearman(pred_pkd[rows], -np.log10(table["kd_nm"].to_numpy()[rows]))

    summary = {
        "scope": scope,
        "n_pairs": len(table),
        **{f"n_{name}": n for name, n in counts.items()},
        "categories": categories,
        "target": cfg["target"],
        "split": "given" if given else cfg["split"],
        "groups": table.attrs.get("group_source", ""),
        "features": {g: list(c) for g, c in prep.features.items()},
        "dropped_features": list(prep.dropped),
        "prior_columns": prior_cols,
        "ensemble": cfg["ensemble"],
        "epochs_run": [int(sum(1 for r in history if r["member"] == k)) for k in range(cfg["ensemble"])],
        **results,
        "imputed_rows": int(imputed.sum()),
        "device": str(device),
        "seconds": round(time.perf_counter() - start, 3),
    }
    meta = {
        "scope": scope,
        "preprocess": prep.to_meta(),
        "target": transform.to_meta(),
        "prior": [float(v) for v in w0],
        "ridge": ridge,  # {category: weights} of the blend's ridge half; empty without ridge_blend
        "train_config": cfg,
        "summary": summary,
    }
    trained = LoadedModel(ensemble.eval(), save(out.model, ensemble, meta), str(out.model), str(device))
    write_tsv(pd.DataFrame(history, columns=HISTORY_COLUMNS), out.history)
    write_tsv(pd.DataFrame({"pair_id": table["pair_id"], "split": split}), out.split)
    summary["model"] = str(out.model)
    log.info("scope %s: %d members, epochs %s, dropped columns: %s, val spearman %.3f, test spearman %.3f "
             "(%.1f s)", scope, cfg["ensemble"], summary["epochs_run"], ", ".join(prep.dropped) or "none",
             results["val_spearman"], results["test_spearman"], summary["seconds"])
    return trained, summary
