"""Training epoch time and scoring throughput of the fusion model on this machine (issue 13, goal 5).

Usage (from the checkout):

    .venv/bin/python workflow/benchmarks/bench_training.py [--threads 2] [--pairs 600] [--score 100000]
        [--encoders none tokens] [--device cpu]

Data: ``tfbind.model.synthetic.synthetic_tables`` (``--pairs`` / 4 TFs x the four EP300 categories, sequences
40-80 and 50-100 residues, the 26 tile descriptors computed from them), every pair labelled. Per residue encoder
(``none`` = the default model; ``tokens`` = residue + position embeddings with the shared transformer encoder,
``train.max_len`` 128):

* **epoch**: one pass of the 600 pairs through training = for each of the 5 ensemble members one full-batch Adam
  step on its fitting rows (all pairs minus its validation genes) and the validation loss of the rest
  (``tfbind.model.training.fit_member``, run for a fixed number of epochs without early stopping): the mean
  seconds per ensemble epoch and per member step, and training samples per second;
* **train_scope**: the whole ``train_model`` job's fitting on those pairs (default config, early stopping,
  ridge blend), wall seconds;
* **score**: ``tfbind.model.predict.predict`` (what ``predict`` and the ranking call) on ``--score`` pairs (the
  600 pairs repeated with new IDs), wall seconds and pairs per second, after one warm-up call on 1,000 pairs.

Threads: ``torch.set_num_threads(--threads)``, as the jobs set it from their Snakemake ``threads``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from tfbind.model import merge_config  # noqa: E402
from tfbind.model.architecture import BindingFusionModel, architecture_config  # noqa: E402
from tfbind.model.data import Preprocessor, TargetTransform, join_labels, prior_weights, to_tensors  # noqa: E402
from tfbind.model.encoding import AMINO_ACIDS  # noqa: E402
from tfbind.model.predict import predict  # noqa: E402
from tfbind.model.synthetic import synthetic_tables  # noqa: E402
from tfbind.model.training import fit_member, member_split, torch_settings, train_scope  # noqa: E402

ENCODERS = {"none": {}, "tokens": {"residue_encoder": "tokens", "shared_encoder": True}}


def epoch_time(pairs, labels, cfg: dict, epochs: int, device) -> tuple[float, float, int]:
    """(s per ensemble epoch, s per member step, fitting rows per member) over ``epochs`` fixed epochs."""
    table = join_labels(pairs, labels, "all", cfg["features"], cfg["min_pairs"], "tf_group")
    categories = sorted(table["domain_category"].astype(str).unique())
    cats = table["domain_category"].astype(str).to_numpy()
    transform = TargetTransform.fit(cfg["target"], table["kd_nm"].to_numpy(), cats)
    prep = Preprocessor.fit(table, categories, cfg)
    arrays, _ = prep.transform(table, cfg["residue_encoder"])
    z = transform.z(table["kd_nm"].to_numpy(), cats)
    w0 = prior_weights(arrays["x"].astype(float), z, prep.columns, cfg["prior"])
    arch = architecture_config(cfg, prep.features, categories)
    run_cfg = dict(cfg, epochs=epochs, patience=epochs + 1)
    groups = table["group"].astype(str).to_numpy()
    batch = to_tensors(arrays, device)
    y = torch.tensor(z, dtype=torch.float32, device=device)
    spent, n_fit = 0.0, 0
    for k in range(cfg["ensemble"]):
        torch.manual_seed(cfg["seed"] + k)
        member = BindingFusionModel(arch).to(device)
        member.set_prior(torch.tensor(w0, dtype=torch.float32, device=device))
        is_val = member_split(groups, cfg["val_fraction"], cfg["seed"] + k)
        fit_idx = torch.from_numpy(np.flatnonzero(~is_val)).to(device)
        val_idx = torch.from_numpy(np.flatnonzero(is_val)).to(device)
        fit_member(member, batch, y, fit_idx, val_idx, dict(run_cfg, epochs=1))  # warm-up
        start = time.perf_counter()
        fit_member(member, batch, y, fit_idx, val_idx, run_cfg)
        if device.type == "cuda":
            torch.cuda.synchronize()
        spent += time.perf_counter() - start
        n_fit += len(fit_idx)
    per_epoch = spent / epochs
    return per_epoch, per_epoch / cfg["ensemble"], n_fit // cfg["ensemble"]


def many_pairs(pairs: pd.DataFrame, n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` pairs shaped like a screen: n / 4 distinct tiles (new random 40-80-residue sequences) x the
    four domains (rows of ``pairs`` reused for the feature values, with new IDs)."""
    reps = -(-n // len(pairs))
    out = pd.concat([pairs] * reps, ignore_index=True).iloc[:n].copy()
    out["pair_id"] = [f"{p}_{i}" for i, p in enumerate(out["pair_id"])]
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(AMINO_ACIDS.encode(), dtype=np.uint8)
    n_tiles = -(-n // 4)
    lengths = rng.integers(40, 81, n_tiles)
    tiles = [letters[rng.integers(0, 20, k)].tobytes().decode() for k in lengths]
    out["tf_sequence"] = np.repeat(tiles, 4)[:n]  # synthetic_tables pairs each TF with the 4 domains in turn
    return out


def plain_rate(model: Path, pairs: pd.DataFrame, device: str) -> float:
    """Pairs/s of the scoring path as it was before (for a ratio measured in the same run): one forward pass
    of all rows, every row's sequences encoded at full ``max_len``."""
    from tfbind.model import predict as predict_module
    from tfbind.model.architecture import ResidueEncoder

    saved = ResidueEncoder._distinct, predict_module.SCORE_BATCH_ROWS
    ResidueEncoder._distinct = ResidueEncoder._one
    predict_module.SCORE_BATCH_ROWS = max(len(pairs), 1)
    try:
        start = time.perf_counter()
        predict(model, pairs, device)
        return len(pairs) / (time.perf_counter() - start)
    finally:
        ResidueEncoder._distinct, predict_module.SCORE_BATCH_ROWS = saved


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=600)
    ap.add_argument("--score", type=int, default=100_000)
    ap.add_argument("--epochs", type=int, default=50, help="fixed epochs timed per member")
    ap.add_argument("--encoders", nargs="+", default=list(ENCODERS), choices=list(ENCODERS))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--plain", type=int, default=5000,
                    help="also score this many pairs the way scoring ran before (every row's sequences encoded "
                         "at full max_len, one forward pass); 0 = skip")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    pairs, labels = synthetic_tables(n_tfs=args.pairs // 4, seed=0, noise=1.0)
    big = many_pairs(pairs, args.score)
    print(f"bench_training.py: {len(pairs)} pairs, scoring {len(big)} ({big['tf_sequence'].nunique()} distinct tiles x "
          f"{big['domain_sequence'].nunique()} domains); {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {args.threads} torch thread(s), device {device}, torch {torch.__version__}; "
          f"{time.strftime('%Y-%m-%d')}\n")
    print("| encoder | ensemble epoch s (5 members) | member step ms | train samples/s | train_scope s "
          "| score pairs | score s | pairs/s | pairs/s before (plain path) |\n|---|---|---|---|---|---|---|---|---|")
    for name in args.encoders:
        cfg = merge_config(dict(ENCODERS[name], device=args.device))
        epochs = args.epochs if name == "none" else 2  # tokens: seconds per epoch
        with torch_settings(args.threads, cfg["seed"]):
            per_epoch, per_step, n_fit = epoch_time(pairs, labels, cfg, epochs, device)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            # tokens: a few epochs only (the scoring speed does not depend on the weights)
            train_cfg = dict(ENCODERS[name], device=args.device, **({} if name == "none" else {"epochs": 3}))
            summary = train_scope(pairs, labels, "all", train_cfg, tmp, threads=args.threads)
            fit_s = time.perf_counter() - start
            model = Path(tmp) / "model.pt"
            predict(model, big.iloc[:1000], args.device)  # warm-up
            start = time.perf_counter()
            scored = predict(model, big, args.device)
            score_s = time.perf_counter() - start
            plain = plain_rate(model, big.iloc[:args.plain], args.device) if args.plain else float("nan")
        assert len(scored) == len(big) and np.isfinite(scored["score"]).all()
        fit_txt = f"{fit_s:.1f}" + ("" if name == "none" else f" (3 epochs; {summary['epochs_run']})")
        print(f"| {name} | {per_epoch:.4f} | {per_step * 1e3:.2f} | {n_fit / per_step:,.0f} | {fit_txt} | "
              f"{len(big):,} | {score_s:.2f} | {len(big) / score_s:,.0f} | {plain:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
