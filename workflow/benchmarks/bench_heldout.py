"""Held-out check: train on one labelled set, score pairs of genes it never saw, compare within-domain rankings.

Usage (from the checkout):

    .venv/bin/python workflow/benchmarks/bench_heldout.py \\
        --train-labels L --train-score-table CSV --train-tf-fasta FASTA --train-domain-fasta FASTA \\
        (--test-labels L --test-score-table CSV --test-tf-fasta FASTA --test-domain-fasta FASTA | --split-genes 0.3)
        [--train-pairs pairs.parquet] [--test-pairs pairs.parquet] [--repeats 3] [--bootstrap 1000]
        [--cross-domain METRIC ...] [--out table.tsv] [--out-scores scores.tsv]

This is the independent check of issue 11: the default fusion configuration trained on ALL training pairs
(the pipeline's ``train_scope`` with every labelled test pair held out of training), then scoring the test
pairs; next to it ``ridge_prior`` (the per-domain ridge of -log10 Kd on the same features, shrunk towards the
prior) fitted on the same rows, and each raw AlphaFold metric. Per domain: binder AUROC (labels' ``binder``,
else Kd below the domain's ceiling) and Spearman with -log10 Kd over the test pairs; the mean over domains with
a gene-bootstrap 95 % interval (test groups resampled), and the fusion's AUROC minus each other predictor's with
a paired gene-bootstrap interval per domain. The fusion is trained ``--repeats`` times (seeds 42, 43, ...): its
row is the mean, with the SD over trainings.

``--split-genes F`` (no test set at hand): the training set's groups (``tf_group``, else the tile) are shuffled
with ``numpy.random.default_rng(--seed)`` (sorted first) and the first ceil(F x groups) become the test set.
Test and training sets sharing a group is an error (``--allow-overlap`` to proceed): the check is about genes
the model never saw. ``--out-scores`` writes every test pair's scores (pair_id, domain_category, group, binder,
pkd, one column per predictor; the fusion's from the first training).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_model import SINGLES, auroc, load, spearman  # noqa: E402

from tfbind.evaluation.baselines import ridge_prior  # noqa: E402
from tfbind.evaluation.metrics import binder_labels, paired_auroc_difference  # noqa: E402
from tfbind.model import merge_config  # noqa: E402
from tfbind.model.data import join_labels, pkd  # noqa: E402


def source(args, side: str) -> argparse.Namespace:
    """The ``load`` arguments of one side (train/test)."""
    get = lambda name: getattr(args, f"{side}_{name}")  # noqa: E731
    return argparse.Namespace(labels=get("labels"), pairs=get("pairs"), score_table=get("score_table"),
                              tf_fasta=get("tf_fasta"), domain_fasta=get("domain_fasta"), synthetic=0)


def label_groups(labels: pd.DataFrame) -> pd.Series:
    return labels["tf_group"].astype(str) if "tf_group" in labels.columns else labels["tf_id"].astype(str)


def split_genes(labels: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train labels, test labels): the first ceil(fraction x groups) of the shuffled sorted groups are test."""
    groups = np.array(sorted(label_groups(labels).unique()))
    order = np.random.default_rng(seed).permutation(len(groups))
    test = set(groups[order[:math.ceil(fraction * len(groups))]])
    is_test = label_groups(labels).isin(test).to_numpy()
    return labels[~is_test], labels[is_test]


def within_domain(score: np.ndarray, table: pd.DataFrame, rows: np.ndarray) -> dict:
    """{auroc_<domain>, rho_<domain>, auroc, rho} over ``rows``."""
    cats = table["domain_category"].astype(str).to_numpy()
    out = {}
    domains = sorted(set(cats[rows]))
    for d in domains:
        m = rows & (cats == d)
        out[f"auroc_{d}"] = auroc(score[m], table["binder"].to_numpy(dtype=float)[m])
        out[f"rho_{d}"] = spearman(score[m], table["pkd"].to_numpy()[m])
    out["auroc"] = float(np.nanmean([out[f"auroc_{d}"] for d in domains]))
    out["rho"] = float(np.nanmean([out[f"rho_{d}"] for d in domains]))
    return out


def bootstrap_mean_auroc(scores: list[np.ndarray], table: pd.DataFrame, rows: np.ndarray, n_boot: int,
                         seed: int) -> tuple[float, float]:
    """95 % interval of the mean within-domain AUROC (averaged over ``scores``) over resamples of the test
    groups."""
    rng = np.random.default_rng(seed)
    groups = table["group"].astype(str).to_numpy()
    members = {g: np.flatnonzero(rows & (groups == g)) for g in np.unique(groups[rows])}
    names = sorted(members)
    stats = []
    for _ in range(n_boot):
        pick = np.concatenate([members[g] for g in rng.choice(names, size=len(names), replace=True)])
        sub = table.iloc[pick].reset_index(drop=True)
        every = np.ones(len(sub), dtype=bool)
        stats.append(np.mean([within_domain(s[pick], sub, every)["auroc"] for s in scores]))
    lo, hi = np.nanpercentile(stats, [2.5, 97.5])
    return float(lo), float(hi)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for side in ("train", "test"):
        for name in ("labels", "pairs", "score_table", "tf_fasta", "domain_fasta"):
            ap.add_argument(f"--{side}-{name.replace('_', '-')}")
    ap.add_argument("--split-genes", type=float, default=0.0, metavar="FRACTION")
    ap.add_argument("--allow-overlap", action="store_true")
    ap.add_argument("--repeats", type=int, default=3, help="fusion trainings (seeds 42, 43, ...)")
    ap.add_argument("--seed", type=int, default=0, help="seed of --split-genes and of the bootstrap")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--cross-domain", nargs="*", default=[], metavar="METRIC",
                    help="add the xd_ profile of these metrics and train with them as features.interface")
    ap.add_argument("--group-by", default="tf_group")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="the table as TSV")
    ap.add_argument("--out-scores", help="every test pair's scores as TSV")
    args = ap.parse_args(argv)
    if not args.train_labels or not (args.train_pairs or args.train_score_table):
        ap.error("give --train-labels with --train-pairs or --train-score-table (+ FASTA files)")
    if not args.split_genes and not (args.test_labels and (args.test_pairs or args.test_score_table)):
        ap.error("give the test set (--test-labels with --test-pairs or --test-score-table) or --split-genes")
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import logging

    import torch

    from tfbind.model.predict import predict
    from tfbind.model.training import train_scope

    logging.disable(logging.WARNING)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    pairs, train_labels = load(source(args, "train"))
    if args.split_genes:
        train_labels, test_labels = split_genes(train_labels, args.split_genes, args.seed)
    else:
        test_pairs, test_labels = load(source(args, "test"))
        pairs = pd.concat([pairs, test_pairs[~test_pairs["pair_id"].isin(pairs["pair_id"])]], ignore_index=True)
    shared = set(label_groups(train_labels)) & set(label_groups(test_labels))
    if shared and not args.allow_overlap:
        sys.exit(f"error: {len(shared)} group(s) in both the training and the test labels (e.g. "
                 f"{', '.join(sorted(shared)[:5])}); the check is about unseen genes (--allow-overlap to proceed)")
    if args.cross_domain:
        from tfbind.features.cross_domain import cross_domain_profile, profile_columns

        pairs = pairs.join(cross_domain_profile(pairs, args.cross_domain))
    overrides = {"features": {"interface": profile_columns(args.cross_domain)}} if args.cross_domain else {}
    cfg = merge_config({**overrides, "device": "cpu"})
    labels = pd.concat([train_labels, test_labels], ignore_index=True)
    table = join_labels(pairs, labels, "all", cfg["features"], 10, args.group_by)
    table["pkd"] = pkd(table["kd_nm"])
    table["binder"] = binder_labels(table)[0].to_numpy()
    test_keys = set(zip(test_labels["tf_id"].astype(str), test_labels["domain_id"].astype(str)))
    is_test = np.array([(t, d) in test_keys for t, d in zip(table["tf_id"].astype(str),
                                                             table["domain_id"].astype(str))])
    split = pd.Series(np.where(is_test, "test", "train"), index=table["pair_id"].to_numpy())

    scores: dict[str, list[np.ndarray]] = {"fusion": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            train_scope(pairs, labels, "all", {**cfg, "seed": cfg["seed"] + r}, Path(tmp), args.threads, split=split,
                        group_by=args.group_by)
            scores["fusion"].append(predict(Path(tmp) / "model.pt", table)["score"].to_numpy())
    scores["ridge_prior"] = [ridge_prior(table.assign(target=0.5), ~is_test, cfg, seed=cfg["seed"])[0]]
    for col in SINGLES:
        if col in table.columns and table.loc[is_test, col].notna().any():
            scores[f"single: {col}"] = [pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)]

    domains = sorted(set(table.loc[is_test, "domain_category"].astype(str)))
    rows = []
    for name, runs in scores.items():
        per = [within_domain(s, table, is_test) for s in runs]
        row = {"predictor": name, "auroc": np.mean([p["auroc"] for p in per]),
               "auroc_sd": np.std([p["auroc"] for p in per], ddof=1) if len(per) > 1 else np.nan,
               "spearman": np.mean([p["rho"] for p in per])}
        row.update({d: np.mean([p[f"auroc_{d}"] for p in per]) for d in domains})
        row["ci_low"], row["ci_high"] = (bootstrap_mean_auroc(runs, table, is_test, args.bootstrap, args.seed)
                                         if args.bootstrap else (np.nan, np.nan))
        rows.append(row)
    groups = table["group"].astype(str).to_numpy()
    cats = table["domain_category"].astype(str).to_numpy()
    print(f"# bench_heldout.py: trained on {int((~is_test).sum())} labelled pairs of "
          f"{len(set(groups[~is_test]))} groups, tested on {int(is_test.sum())} pairs of "
          f"{len(set(groups[is_test]))} unseen groups "
          f"({'--split-genes %g' % args.split_genes if args.split_genes else 'test set'}); "
          f"fusion trained {args.repeats}x; total {time.perf_counter() - started:.0f} s")
    print("# test binders per domain: " + ", ".join(
        f"{d} {int(np.nansum(table['binder'].to_numpy()[is_test & (cats == d)]))}/{int((is_test & (cats == d)).sum())}"
        for d in domains))
    print("| predictor | mean within-domain AUROC [gene-bootstrap 95 %] | " + " | ".join(domains) + " | Spearman |")
    print("|" + "---|" * (len(domains) + 3))
    for r in rows:
        sd = f" +- {r['auroc_sd']:.3f}" if np.isfinite(r["auroc_sd"]) else ""
        print(f"| {r['predictor']} | {r['auroc']:.3f}{sd} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] | "
              + " | ".join(f"{r[d]:.2f}" for d in domains) + f" | {r['spearman']:.3f} |")
    if args.bootstrap:
        print("\nFusion minus each predictor, within-domain AUROC on the test pairs (paired gene-bootstrap 95 %):\n")
        print("| fusion minus | " + " | ".join(domains) + " |")
        print("|" + "---|" * (len(domains) + 1))
        fusion = np.stack(scores["fusion"])
        for name, runs in scores.items():
            if name == "fusion":
                continue
            other = np.repeat(np.stack(runs), len(fusion), axis=0) if len(runs) == 1 else np.stack(runs)
            cells = []
            for d in domains:
                m = is_test & (cats == d)
                v = paired_auroc_difference(fusion[:, m], other[:, m], table["binder"].to_numpy(dtype=float)[m],
                                            groups[m], args.bootstrap, args.seed)
                cells.append(f"{v[0]:+.3f} [{v[1]:+.3f}, {v[2]:+.3f}]")
            print(f"| {name} | " + " | ".join(cells) + " |")
    if args.out:
        pd.DataFrame(rows).to_csv(args.out, sep="\t", index=False)
    if args.out_scores:
        out = table.loc[is_test, ["pair_id", "domain_category", "group", "binder", "pkd"]].copy()
        for name, runs in scores.items():
            out[name] = runs[0][is_test]
        out.to_csv(args.out_scores, sep="\t", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
