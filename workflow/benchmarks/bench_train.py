"""Fusion-model speed: training epoch time, forward+backward throughput and prediction time.

Usage (from the checkout):

    .venv/bin/python workflow/benchmarks/bench_train.py [--threads 2] [--repeat 5] [--encodings index tokens]

Measures, with the default dimensions (embed 64, hidden 128, 4 heads, 2 encoder layers, batch 32):

1. one training epoch (shuffle, augmentation, forward, loss, backward, Adam step) over 600 synthetic pairs,
   all used as training rows: median of ``--repeat`` epochs after one warm-up epoch (also at batch 128,
   for comparison);
2. forward+backward+step throughput (samples/s) on batches drawn from a 100,000-pair synthetic table, at
   batch 32 (training) and 512, on CPU and on CUDA when available;
3. ``predict`` on 100,000 pairs (untrained weights; the time does not depend on them), from the DataFrame
   to the result table (encoding, imputation, scaling, scoring). ``--predict-rows-tokens`` sets a smaller
   row count for the ``tokens`` encoding (its residue-level attention is far slower on CPU); that row is
   extrapolated linearly to 100,000 and marked so.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfbind.model import merge_config  # noqa: E402
from tfbind.model.architecture import BindingFusionModel, architecture_config  # noqa: E402
from tfbind.model.checkpoint import save  # noqa: E402
from tfbind.model.data import Preprocessor, TargetTransform, join_labels, to_tensors  # noqa: E402
from tfbind.model.predict import predict  # noqa: E402
from tfbind.model.synthetic import synthetic_tables  # noqa: E402
from tfbind.model.training import make_optimizer, torch_settings, train_epoch  # noqa: E402


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def prepared(n_tfs: int, cfg: dict, device) -> tuple:
    """Synthetic table -> (model, fitted preprocessor, tensors, targets, pairs table)."""
    pairs, labels = synthetic_tables(n_tfs=n_tfs, seed=0)
    table = join_labels(pairs, labels, "all", cfg["features"], 10)
    categories = sorted(table["domain_category"].unique())
    prep = Preprocessor.fit(table, categories, cfg)
    arrays, _ = prep.transform(table)
    targets = torch.tensor(TargetTransform.fit(cfg["target"], table["kd_nm"]).transform(table["kd_nm"]),
                           dtype=torch.float32, device=device)
    model = BindingFusionModel(architecture_config(cfg, prep.features, categories)).to(device)
    return model, prep, to_tensors(arrays, device), targets, table


def epoch_seconds(encoding: str, repeat: int, device: str = "cpu", batch_size: int = 32) -> float:
    cfg = merge_config({"encoding": encoding, "batch_size": batch_size})
    model, _, tensors, targets, _ = prepared(150, cfg, device)  # 150 TFs x 4 domains = 600 pairs
    optimizer = make_optimizer(model, cfg)
    gen = torch.Generator().manual_seed(0)
    idx = torch.arange(len(targets), device=device)
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        train_epoch(model, optimizer, tensors, targets, idx, cfg, gen)  # ends with a host sync (loss total)
        if i:  # the first epoch is a warm-up
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def fb_samples_per_s(encoding: str, device: str, batch_size: int, n_batches: int, tables: dict) -> float:
    cfg = merge_config({"encoding": encoding, "batch_size": batch_size})
    key = (encoding, device)
    if key not in tables:
        tables[key] = prepared(25_000, cfg, device)  # 25,000 TFs x 4 domains = 100,000 pairs
    model, _, tensors, targets, _ = tables[key]
    optimizer = make_optimizer(model, cfg)
    gen = torch.Generator().manual_seed(0)
    # train_epoch over a random subset of n_batches batches of the 100,000-pair table
    subset = torch.randperm(len(targets), generator=gen)[: n_batches * batch_size].to(device)
    train_epoch(model, optimizer, tensors, targets, subset[: 2 * batch_size], cfg, gen)  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    train_epoch(model, optimizer, tensors, targets, subset, cfg, gen)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return len(subset) / (time.perf_counter() - start)


def predict_seconds(encoding: str, rows: int, device: str) -> float:
    cfg = merge_config({"encoding": encoding})
    model, prep, _, _, table = prepared(max(rows // 4, 3), cfg, "cpu")
    table = table.iloc[:rows]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pt"
        save(path, model, {"preprocess": prep.to_meta(),
                           "target": TargetTransform.fit(cfg["target"], table["kd_nm"]).to_meta()})
        predict(path, table.iloc[:100], device=device)  # warm-up
        start = time.perf_counter()
        out = predict(path, table, device=device)
        seconds = time.perf_counter() - start
    assert len(out) == rows
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5, help="epochs timed (median reported)")
    parser.add_argument("--encodings", nargs="+", default=["index", "tokens"])
    parser.add_argument("--fb-batches", type=int, default=30, help="batches timed for the throughput figure")
    parser.add_argument("--predict-rows", type=int, default=100_000)
    parser.add_argument("--predict-rows-tokens", type=int, default=5_000)
    args = parser.parse_args()

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"machine: {cpu_name()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({args.threads} threads), numpy {np.__version__}, python {platform.python_version()}")
    if "cuda" in devices:
        print(f"cuda: {torch.cuda.get_device_name(0)}")
    print("default dims: embed 64, hidden 128, 4 heads, 2 encoder layers, max_len 128, batch 32")
    print()
    print(f"{'measure':<46} {'encoding':<8} {'device':<6} {'value':>12}")
    tables: dict = {}
    with torch_settings(args.threads, 0):
        for enc in args.encodings:
            for device in devices:
                for bs in (32, 128):
                    seconds = epoch_seconds(enc, args.repeat, device, bs)
                    label = "epoch, 600 pairs (median s)" + ("" if bs == 32 else f", batch {bs}")
                    print(f"{label:<46} {enc:<8} {device:<6} {seconds:>12.3f}", flush=True)
        for enc in args.encodings:
            for device in devices:
                for bs in (32, 512):
                    n_batches = args.fb_batches if bs == 32 else max(2, args.fb_batches // 8)
                    if device == "cpu" and enc == "tokens":
                        n_batches = max(2, n_batches // 6)
                    rate = fb_samples_per_s(enc, device, bs, n_batches, tables)
                    print(f"{f'fwd+bwd+step, 100k table, batch {bs} (samples/s)':<46} {enc:<8} {device:<6} "
                          f"{rate:>12.0f}", flush=True)
            tables.clear()
        for enc in args.encodings:
            for device in devices:
                rows = args.predict_rows if enc == "index" or device != "cpu" else args.predict_rows_tokens
                seconds = predict_seconds(enc, rows, device)
                label = "predict 100,000 pairs (s)"
                if rows != 100_000:
                    seconds *= 100_000 / rows
                    label = f"predict 100,000 pairs (s, from {rows:,})"
                print(f"{label:<46} {enc:<8} {device:<6} {seconds:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
