"""Training: ``train_scope`` = label join -> split -> fit transforms on train rows -> train loop -> model.pt.

The loop (defaults of the original design, every number a key of the ``train`` config):

* Adam (lr 1e-4, weight_decay 1e-5; the loss's L2 term as extra decay on weight matrices, see ``loss``),
  batches of 32 shuffled by a seeded ``torch.Generator``, up to 100 epochs;
* augmentation of a batch with probability 0.8 (:func:`augment`);
* after each epoch: validation loss, accuracy (|score - target| < 0.1) and the accuracy on the top 25 % of
  validation targets; ReduceLROnPlateau(mode="max") on the validation accuracy (factor 0.7, patience 10,
  threshold 0.01, relative);
* the best epoch (``monitor`` val_acc: highest accuracy, ties broken by the lower validation loss; or
  val_loss) is kept; training stops after ``patience`` (20) epochs without a better one.

Reproducible: with the same data, config, seed and thread count, CPU runs give identical weights (seeded
global RNG for dropout and weight init, seeded generator for shuffling and augmentation, deterministic
algorithms switched on for the duration of the run). On CUDA, runs are close but not bit-identical: the
fused attention backward kernels have no deterministic variant (torch warns), and ``amp`` uses bfloat16.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..errors import InputError
from ..evaluation.metrics import spearman
from ..io import write_tsv
from . import merge_config
from .architecture import BindingFusionModel, architecture_config
from .checkpoint import save
from .data import SPLIT_NAMES, Preprocessor, TargetTransform, join_labels, make_split, to_tensors
from .encoding import MASK_TOKEN, PAD_TOKEN
from .loss import l2_penalty, parameter_groups, top_weighted_mse

log = logging.getLogger("tfbind.model")

#: history.tsv: train_loss = mean top-weighted MSE over the epoch's (augmented) training batches, val_loss
#: the same on the validation rows (both without the L2 term, so they compare); l2_penalty = the L2 term
#: at the end of the epoch (the full training objective is train_loss + l2_penalty).
HISTORY_COLUMNS = ["epoch", "train_loss", "val_loss", "val_acc_0.1", "val_top25_acc", "lr", "l2_penalty"]
EVAL_BATCH = 4096


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


def _rand(shape, gen: torch.Generator, device) -> torch.Tensor:
    """Uniform [0, 1) drawn from the (CPU) generator, so CPU and CUDA runs see the same draws."""
    return torch.rand(shape, generator=gen).to(device)


def augment(batch: dict, aug: dict, encoding: str, gen: torch.Generator) -> dict:
    """With probability ``aug.probability``: noise on the numeric groups, masking of sequence positions.

    * ``interface``/``alphafold`` (already scaled): + N(0, noise_std);
    * ``index`` sequences: each entry set to 0 with probability mask_fraction (masking) or seq_dropout
      (the design's input dropout, no rescaling), the rest multiplied by U(scale_range) per sample;
    * ``tokens`` sequences: each residue (not padding) replaced by the mask token with probability
      mask_fraction.
    """
    if float(torch.rand((), generator=gen)) >= aug["probability"]:
        return batch
    out = dict(batch)
    for group in ("interface", "alphafold"):
        x = batch[group]
        out[group] = x + aug["noise_std"] * torch.randn(x.shape, generator=gen).to(x.device)
    for key in ("tf_seq", "domain_seq"):
        seq = batch[key]
        masked = _rand(seq.shape, gen, seq.device) < aug["mask_fraction"]
        if encoding == "index":
            lo, hi = aug["scale_range"]
            scale = lo + (hi - lo) * _rand((seq.shape[0], 1), gen, seq.device)
            dropped = _rand(seq.shape, gen, seq.device) < aug["seq_dropout"]
            out[key] = torch.where(masked | dropped, torch.zeros_like(seq), seq * scale)
        else:
            out[key] = torch.where(masked & (seq != PAD_TOKEN), torch.full_like(seq, MASK_TOKEN), seq)
    return out


def _batch(tensors: dict, idx: torch.Tensor) -> dict:
    return {k: v[idx] for k, v in tensors.items()}


def _autocast(device: torch.device, amp: bool):
    if amp and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.inference_mode()
def score(model: BindingFusionModel, tensors: dict, idx: torch.Tensor | None = None, amp: bool = False,
          batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """Scores (eval mode, float32, on the tensors' device) of rows ``idx`` (all rows when None)."""
    was_training = model.training
    model.eval()
    n = len(next(iter(tensors.values()))) if idx is None else len(idx)
    device = next(iter(tensors.values())).device
    out = []
    for start in range(0, n, batch_size):
        rows = torch.arange(start, min(start + batch_size, n), device=device)
        rows = rows if idx is None else idx[rows]
        with _autocast(device, amp):
            out.append(model(_batch(tensors, rows)).float())
    model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0, device=device)


def metrics(pred: torch.Tensor, target: torch.Tensor, loss_cfg: dict) -> dict:
    """loss (top-weighted MSE, no L2), acc (|p - y| < 0.1), top25_acc (acc on targets >= their 75th pct)."""
    if len(target) == 0:
        return {"loss": math.nan, "acc": math.nan, "top25_acc": math.nan}
    hit = ((pred - target).abs() < 0.1).float()
    top = target >= torch.quantile(target, 0.75)
    return {
        "loss": float(top_weighted_mse(pred, target, **_loss_args(loss_cfg))),
        "acc": float(hit.mean()),
        "top25_acc": float(hit[top].mean()),
    }


def _loss_args(loss_cfg: dict) -> dict:
    return {k: loss_cfg[k] for k in ("tau", "alpha", "gamma", "balance")}


def make_optimizer(model: BindingFusionModel, cfg: dict) -> torch.optim.Adam:
    """Adam; the loss's L2 term enters as extra (coupled) weight decay on the weight matrices (``loss``)."""
    groups = parameter_groups(model, cfg["loss"]["l2"], cfg["weight_decay"])
    return torch.optim.Adam(groups, lr=cfg["lr"], fused=True)


def train_epoch(
    model: BindingFusionModel, optimizer: torch.optim.Optimizer, tensors: dict, targets: torch.Tensor,
    train_idx: torch.Tensor, cfg: dict, gen: torch.Generator,
) -> float:
    """One pass over ``train_idx`` in shuffled batches (augmented); returns the mean loss (without L2)."""
    device = targets.device
    model.train()
    total = torch.zeros((), device=device)
    order = train_idx[torch.randperm(len(train_idx), generator=gen).to(device)]
    for start in range(0, len(order), cfg["batch_size"]):
        idx = order[start:start + cfg["batch_size"]]
        batch = augment(_batch(tensors, idx), cfg["augment"], cfg["encoding"], gen)
        with _autocast(device, bool(cfg["amp"])):
            pred = model(batch)
        loss = top_weighted_mse(pred.float(), targets[idx], **_loss_args(cfg["loss"]))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach() * len(idx)
    return float(total) / len(train_idx)


def fit(model: BindingFusionModel, tensors: dict, targets: torch.Tensor, train_idx: torch.Tensor,
        val_idx: torch.Tensor, cfg: dict) -> tuple[list[dict], int]:
    """Train ``model`` in place (it ends with the best epoch's weights); returns (history, best epoch)."""
    gen = torch.Generator().manual_seed(cfg["seed"])
    loss_cfg, amp = cfg["loss"], bool(cfg["amp"])
    optimizer = make_optimizer(model, cfg)
    sched_cfg = cfg["scheduler"]
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="max", factor=sched_cfg["factor"], patience=sched_cfg["patience"],
        threshold=sched_cfg["threshold"]
    )
    val_targets = targets[val_idx]
    history: list[dict] = []
    best_key, best_state, best_epoch, stale = None, None, 0, 0
    for epoch in range(1, cfg["epochs"] + 1):
        train_loss = train_epoch(model, optimizer, tensors, targets, train_idx, cfg, gen)
        val = metrics(score(model, tensors, val_idx, amp), val_targets, loss_cfg)
        scheduler.step(val["acc"])
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "val_loss": val["loss"],
            "val_acc_0.1": val["acc"],
            "val_top25_acc": val["top25_acc"],
            "lr": optimizer.param_groups[0]["lr"],
            "l2_penalty": l2_penalty(model, loss_cfg["l2"]),
        }
        history.append(row)
        log.info("epoch %d/%d train_loss %.4f val_loss %.4f val_acc_0.1 %.3f val_top25_acc %.3f lr %.2e",
                 epoch, cfg["epochs"], row["train_loss"], row["val_loss"], row["val_acc_0.1"],
                 row["val_top25_acc"], row["lr"])
        key = (val["acc"], -val["loss"]) if cfg["monitor"] == "val_acc" else (-val["loss"],)
        if best_key is None or key > best_key:
            best_key, best_epoch, stale = key, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg["patience"]:
                log.info("early stop after epoch %d: no better validation score for %d epochs "
                         "(best: epoch %d)", epoch, stale, best_epoch)
                break
    model.load_state_dict(best_state)
    return history, best_epoch


def given_split(table: pd.DataFrame, split: pd.Series) -> np.ndarray:
    """The split names of ``table``'s rows from ``split`` (pair_id -> "train"/"val"/"test").

    Pair IDs of ``split`` outside the table are ignored; a pair of the table missing from ``split``, a name
    other than train/val/test, or no train or no val row raise InputError.
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
    for name in ("train", "val"):
        if not (names == name).any():
            raise InputError(f"given split: no {name} row among the {len(table)} labelled pairs of the scope")
    return names


@dataclass(frozen=True)
class TrainOutputs:
    """Where :func:`train_scope` writes: the rule's declared outputs (model.pt, history.tsv, split.tsv)."""

    model: Path
    history: Path
    split: Path

    @classmethod
    def of(cls, out: "TrainOutputs | str | Path") -> "TrainOutputs":
        """``out`` itself, or the conventional file names inside the folder ``out``."""
        if isinstance(out, TrainOutputs):
            return out
        out = Path(out)
        return cls(out / "model.pt", out / "history.tsv", out / "split.tsv")


def train_scope(pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, config: dict,
                out: TrainOutputs | str | Path, threads: int = 1, *, split: pd.Series | None = None) -> dict:
    """Train one model on the labelled pairs of ``scope`` ("all" or a domain category).

    ``config`` is the ``train`` config section (merged over DEFAULT_TRAIN_CONFIG). Writes ``out.model``,
    ``out.history`` (HISTORY_COLUMNS) and ``out.split`` (pair_id, split) (``out`` a folder: model.pt,
    history.tsv and split.tsv in it) and returns a summary (counts, best epoch, validation and test
    metrics, imputed rows, device, seconds).

    ``split`` (pair_id -> "train"/"val"/"test", e.g. a cross-validation fold) replaces the configured
    split (``make_split``); every labelled pair of the scope must be in it (:func:`given_split`). The
    summary's ``split`` is then ``"given"``.
    """
    start = time.perf_counter()
    cfg = merge_config(config)
    out = TrainOutputs.of(out)
    table = join_labels(pairs, labels, scope, cfg["features"], cfg["min_pairs"])
    given = split is not None
    if given:
        split = given_split(table, split)
    else:
        split = make_split(table, cfg["split"], cfg["seed"], cfg["split_fractions"])
    is_train = split == "train"
    categories = sorted(table["domain_category"].astype(str).unique())
    train_rows = table[is_train]
    transform = TargetTransform.fit(cfg["target"], train_rows["kd_nm"].to_numpy())
    prep = Preprocessor.fit(train_rows, categories, cfg)
    arrays, imputed = prep.transform(table)
    device = resolve_device(str(cfg["device"]))
    if device.type == "cuda":  # deterministic cuBLAS (read when CUDA is first used in this process)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    counts = {name: int((split == name).sum()) for name in ("train", "val", "test")}
    log.info("scope %s: %d labelled pairs (train %d, val %d, test %d), %d categories, device %s, encoding %s",
             scope, len(table), counts["train"], counts["val"], counts["test"], len(categories), device,
             cfg["encoding"])

    with torch_settings(threads, cfg["seed"]):
        tensors = to_tensors(arrays, device)
        y = transform.transform(table["kd_nm"].to_numpy())
        targets = torch.tensor(y, dtype=torch.float32, device=device)
        index = {name: torch.from_numpy(np.flatnonzero(split == name)).to(device) for name in counts}
        model = BindingFusionModel(architecture_config(cfg, prep.features, categories)).to(device)
        history, best_epoch = fit(model, tensors, targets, index["train"], index["val"], cfg)
        results = {}
        for name in ("val", "test"):
            pred = score(model, tensors, index[name], bool(cfg["amp"]))
            m = metrics(pred, targets[index[name]], cfg["loss"])
            m["spearman"] = spearman(pred.cpu().numpy(), targets[index[name]].cpu().numpy())
            results[name] = m

    summary = {
        "scope": scope,
        "n_pairs": len(table),
        **{f"n_{name}": n for name, n in counts.items()},
        "categories": categories,
        "encoding": cfg["encoding"],
        "target": cfg["target"],
        "split": "given" if given else cfg["split"],
        "epochs_run": len(history),
        "best_epoch": best_epoch,
        **{f"{name}_{k}": v for name, m in results.items() for k, v in m.items()},
        "imputed_rows": int(imputed.sum()),
        "device": str(device),
        "seconds": round(time.perf_counter() - start, 3),
    }
    meta = {
        "scope": scope,
        "preprocess": prep.to_meta(),
        "target": transform.to_meta(),
        "train_config": cfg,
        "summary": summary,
    }
    save(out.model, model, meta)
    write_tsv(pd.DataFrame(history, columns=HISTORY_COLUMNS), out.history)
    write_tsv(pd.DataFrame({"pair_id": table["pair_id"], "split": split}), out.split)
    summary["model"] = str(out.model)
    log.info("scope %s: best epoch %d of %d, val_acc_0.1 %.3f, test_acc_0.1 %.3f, test spearman %.3f "
             "(%.1f s)", scope, best_epoch, len(history), results["val"]["acc"], results["test"]["acc"],
             results["test"]["spearman"], summary["seconds"])
    return summary
