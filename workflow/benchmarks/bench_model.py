"""Model benchmark: the evaluation protocol for a list of configurations, one table.

Usage (from the checkout):

    .venv/bin/python workflow/benchmarks/bench_model.py --labels L \\
        (--score-table CSV --tf-fasta FASTA --domain-fasta FASTA | --pairs pairs.parquet | --synthetic N_TFS) \\
        [--repeats 5] [--folds 5] [--configs fusion ridge ...] [--compare ridge ...] [--threads 1] [--out table.tsv]

Protocol (the pipeline's ``evaluate`` protocol, docs/evaluation.md): the labelled pairs of every domain
category (scope ``all``); folds grouped by ``tf_group`` (labels column, else FASTA ``group=``, else the
tile; ``--group-by``), ``--folds`` folds, fold assignment repeated ``--repeats`` times (seed ``--seed`` +
repeat). Every fitted predictor is fitted on the training folds only, through the package
(``train_scope``/``predict`` for the fusion variants, ``evaluation.baselines`` for the others), and ranks
held-out pairs by its ``rank_score`` (score minus the fold model's mean over its training pairs of the
domain). Per repeat: binder AUROC within each domain (labels' ``binder``, else Kd below the domain's
ceiling) and Spearman with -log10 Kd within each domain, then the mean over domains; the table gives the
mean +- SD over repeats, per-domain AUROC (mean over repeats), the mean Spearman and the fit time of one
CV run (``--folds`` fits; wall and process CPU seconds). Below the table: a gene-bootstrap 95 % interval
of the default fusion configuration's mean within-domain AUROC (groups resampled with replacement,
``--bootstrap`` times, the statistic averaged over repeats), and per domain the default fusion's AUROC minus
that of each ``--compare`` predictor with a paired gene-bootstrap 95 % interval (both predictors on the same
resamples of the domain's groups; ``evaluation.metrics.paired_auroc_difference``): an interval that holds 0
is a tie on these data.

Configurations (``--configs``; default: all but ``fusion_tokens``):

``fusion``                 the default ``train`` config
``fusion_no_sequence``     features.sequence = []
``fusion_wide_only``       deep = false
``fusion_cross_attention`` cross_attention = true
``fusion_tokens``          residue_encoder = tokens with the shared transformer encoder (slow on CPU)
``fusion_cross_domain``    features.interface = the ``xd_`` profile columns of ``--cross-domain METRIC ...``
                           (``tfbind.features.cross_domain``, computed on the loaded pairs as the features
                           stage's ``features.cross_domain_profile`` does; only with ``--cross-domain``)
``fusion_ridge``           within-domain rank average of ``fusion`` and ``ridge_prior`` (mean percentile among
                           each fold model's training rows, as the pipeline's ``train.rank_average_ridge``)
``ridge``, ``ridge_prior``, ``gbm``   the evaluation's fitted baselines
``single``                 every raw metric of ``SINGLES`` that has values
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfbind.evaluation.baselines import fit_predict, ridge_prior, training_percentile  # noqa: E402
from tfbind.evaluation.evaluate import centred_rank_score  # noqa: E402
from tfbind.evaluation.metrics import binder_labels, paired_auroc_difference  # noqa: E402
from tfbind.model import merge_config  # noqa: E402
from tfbind.model.data import join_labels, pkd  # noqa: E402
from tfbind.model.folds import grouped_folds  # noqa: E402

SINGLES = ("iptm", "ranking_confidence", "pdockq", "shape_complementarity", "ipsae_min", "lis")
FUSION_VARIANTS = {
    "fusion": {},
    "fusion_network_only": {"ridge_blend": False},
    "fusion_no_sequence": {"features": {"sequence": []}},
    "fusion_wide_only": {"deep": False},
    "fusion_cross_attention": {"cross_attention": True},
    "fusion_tokens": {"residue_encoder": "tokens", "shared_encoder": True, "max_len": 96},
}
DEFAULT_CONFIGS = ["fusion", "fusion_network_only", "fusion_no_sequence", "fusion_wide_only", "fusion_cross_attention",
                   "fusion_ridge", "ridge", "ridge_prior", "gbm", "single"]


def load(args) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, labels)."""
    from tfbind.labels import read_labels

    if args.synthetic:
        from tfbind.model.synthetic import synthetic_tables

        pairs, labels = synthetic_tables(n_tfs=args.synthetic, seed=args.seed, noise=1.0)
        return pairs, labels
    labels = read_labels(args.labels)
    if args.pairs:
        return pd.read_parquet(args.pairs), labels
    from tfbind.features.alphapulldown_table import read_score_table
    from tfbind.plan.sequences import read_fasta

    frame, _, _ = read_score_table(args.score_table, read_fasta(args.tf_fasta, "tf"),
                                   read_fasta(args.domain_fasta, "domain"))
    return frame, labels


def auroc(score: np.ndarray, binder: np.ndarray) -> float:
    """Mann-Whitney AUROC (ties count half) over the rows with a score and a binder; NaN with one class."""
    from scipy.stats import rankdata

    keep = np.isfinite(score) & np.isfinite(binder)
    score, binder = score[keep], binder[keep]
    pos = binder == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return np.nan
    ranks = rankdata(score)
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if len(a) < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return np.nan
    return float(spearmanr(a, b).statistic)


class Protocol:
    """The labelled table, its folds per repeat, and the per-repeat metrics of out-of-fold rank scores."""

    def __init__(self, pairs, labels, args):
        self.pairs, self.labels, self.args = pairs, labels, args
        self.cfg = merge_config({"device": "cpu"})
        self.table = join_labels(pairs, labels, "all", self.cfg["features"], 10, args.group_by)
        self.table["pkd"] = pkd(self.table["kd_nm"])
        self.binder = binder_labels(self.table)[0].to_numpy()
        self.cats = self.table["domain_category"].astype(str).to_numpy()
        self.domains = sorted(set(self.cats))
        self.folds = [grouped_folds(self.table, args.folds, args.seed + r).to_numpy() for r in range(args.repeats)]

    def metrics(self, oof: np.ndarray, rows=None) -> dict:
        rows = np.arange(len(self.table)) if rows is None else rows
        out = {}
        for d in self.domains:
            m = rows[self.cats[rows] == d]
            out[f"auroc_{d}"] = auroc(oof[m], self.binder[m])
            out[f"rho_{d}"] = spearman(oof[m], self.table["pkd"].to_numpy()[m])
        out["auroc"] = np.nanmean([out[f"auroc_{d}"] for d in self.domains])
        out["rho"] = np.nanmean([out[f"rho_{d}"] for d in self.domains])
        return out


def run_fusion(p: Protocol, overrides: dict, threads: int, work: Path):
    """(out-of-fold rank scores per repeat, mean wall and CPU seconds of one CV run, out-of-fold percentiles
    among the fold model's training rows per repeat)."""
    from tfbind.model.predict import predict
    from tfbind.model.training import train_scope

    cfg = {**overrides, "device": "cpu"}
    oofs, walls, cpus, pcts = [], [], [], []
    ids = p.table["pair_id"].to_numpy()
    for fold in p.folds:
        oof, pct = np.full(len(p.table), np.nan), np.full(len(p.table), np.nan)
        t0, c0 = time.perf_counter(), time.process_time()
        for k in range(p.args.folds):
            held = fold == k
            split = pd.Series(np.where(held, "test", "train"), index=ids)
            train_scope(p.pairs, p.labels, "all", cfg, work, threads, split=split, group_by=p.args.group_by)
            score = predict(work / "model.pt", p.table)["score"].to_numpy()
            oof[held] = centred_rank_score(score, p.cats, ~held)[held]
            pct[held] = training_percentile(score, p.cats, ~held)[held]
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        oofs.append(oof)
        pcts.append(pct)
    return oofs, float(np.mean(walls)), float(np.mean(cpus)), pcts


def run_baselines(p: Protocol, threads: int):
    """({ridge, gbm, ridge_prior: (out-of-fold rank scores per repeat, wall s, CPU s)}, ridge_prior's
    out-of-fold percentiles among its training rows per repeat)."""
    out = {name: ([], [], []) for name in ("ridge", "gbm", "ridge_prior")}
    prior_pcts = []
    table = p.table.assign(target=np.clip((p.table["pkd"] - p.table["pkd"].min())
                                          / (p.table["pkd"].max() - p.table["pkd"].min()), 0, 1))
    for fold in p.folds:
        oof = {name: np.full(len(table), np.nan) for name in out}
        pct = np.full(len(table), np.nan)
        secs = {name: [0.0, 0.0] for name in out}
        for k in range(p.args.folds):
            train = fold != k
            # the target scale of the fold (pKd min-max of its training rows) does not change rankings
            t0, c0 = time.perf_counter(), time.process_time()
            base = fit_predict(table, train, p.cfg["features"], None, threads)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            for name in ("ridge", "gbm"):
                secs[name][0] += dt / 2
                secs[name][1] += dc / 2
                oof[name][~train] = centred_rank_score(base[name].to_numpy(), p.cats, train)[~train]
            t0, c0 = time.perf_counter(), time.process_time()
            score = ridge_prior(table, train, p.cfg, seed=p.cfg["seed"])[0]
            secs["ridge_prior"][0] += time.perf_counter() - t0
            secs["ridge_prior"][1] += time.process_time() - c0
            oof["ridge_prior"][~train] = centred_rank_score(score, p.cats, train)[~train]
            pct[~train] = training_percentile(score, p.cats, train)[~train]
        prior_pcts.append(pct)
        for name in out:
            out[name][0].append(oof[name])
            out[name][1].append(secs[name][0])
            out[name][2].append(secs[name][1])
    return {name: (o, float(np.mean(w)), float(np.mean(c))) for name, (o, w, c) in out.items()}, prior_pcts


def summarise(p: Protocol, name: str, oofs: list[np.ndarray], wall: float, cpu: float) -> dict:
    per = pd.DataFrame([p.metrics(o) for o in oofs])
    row = {"config": name, "auroc": per["auroc"].mean(),
           "auroc_sd": per["auroc"].std(ddof=1) if len(per) > 1 else np.nan}
    row.update({d: per[f"auroc_{d}"].mean() for d in p.domains})
    row["n_domains"] = int(sum(np.isfinite(row[d]) for d in p.domains))
    row.update({"spearman": per["rho"].mean(), "fit_wall_s": wall, "fit_cpu_s": cpu})
    return row


def gene_bootstrap(p: Protocol, oofs: list[np.ndarray], n_boot: int, seed: int) -> tuple[float, float]:
    """95 % percentile interval of the mean within-domain AUROC (averaged over repeats) when the groups
    (genes) are resampled with replacement."""
    rng = np.random.default_rng(seed)
    groups = p.table["group"].astype(str).to_numpy()
    unique = np.unique(groups)
    members = {g: np.flatnonzero(groups == g) for g in unique}
    stats = []
    for _ in range(n_boot):
        rows = np.concatenate([members[g] for g in rng.choice(unique, size=len(unique), replace=True)])
        stats.append(np.mean([p.metrics(o, rows)["auroc"] for o in oofs]))
    lo, hi = np.nanpercentile(stats, [2.5, 97.5])
    return float(lo), float(hi)


def paired_differences(p: Protocol, oofs_a: list[np.ndarray], oofs_b: list[np.ndarray], n_boot: int,
                       seed: int) -> dict[str, tuple[float, float, float]]:
    """{domain: (AUROC(a) - AUROC(b) averaged over repeats, gene-bootstrap 95 % interval)}: both predictors
    on the same resamples of the domain's groups (``evaluation.metrics.paired_auroc_difference``)."""
    groups = p.table["group"].astype(str).to_numpy()
    out = {}
    for d in p.domains:
        m = p.cats == d
        out[d] = paired_auroc_difference(np.stack(oofs_a)[:, m], np.stack(oofs_b)[:, m], p.binder[m], groups[m],
                                         n_boot, seed)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels")
    ap.add_argument("--score-table")
    ap.add_argument("--tf-fasta")
    ap.add_argument("--domain-fasta")
    ap.add_argument("--pairs")
    ap.add_argument("--synthetic", type=int, default=0, help="N synthetic TFs x 4 domains instead of files")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--group-by", default="tf_group")
    ap.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--cross-domain", nargs="*", default=[], metavar="METRIC",
                    help="add the xd_ profile of these metrics to the pairs and run fusion_cross_domain")
    ap.add_argument("--compare", nargs="*", default=["ridge", "ridge_prior", "best-single"],
                    help="predictors the default fusion is compared with, per domain (paired gene bootstrap); "
                         "best-single = the single metric with the highest mean AUROC among those with values "
                         "in every domain")
    ap.add_argument("--out", help="also write the table as TSV")
    args = ap.parse_args(argv)
    if not args.synthetic and not (args.labels and (args.pairs or (args.score_table and args.tf_fasta
                                                                    and args.domain_fasta))):
        ap.error("give --labels with --pairs or with --score-table --tf-fasta --domain-fasta (or --synthetic N)")
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import logging

    import torch
    from threadpoolctl import threadpool_limits

    logging.disable(logging.WARNING)  # the per-fit logs of the package (dropped columns are listed below)
    torch.set_num_threads(args.threads)
    pairs, labels = load(args)
    if args.cross_domain:
        from tfbind.features.cross_domain import cross_domain_profile, profile_columns

        pairs = pairs.join(cross_domain_profile(pairs, args.cross_domain))
        FUSION_VARIANTS["fusion_cross_domain"] = {"features": {"interface": profile_columns(args.cross_domain)}}
        if "fusion_cross_domain" not in args.configs:
            args.configs = [*args.configs, "fusion_cross_domain"]
    p = Protocol(pairs, labels, args)
    present = [c for c in SINGLES if c in p.table.columns and p.table[c].notna().any()]
    rows, boot = [], None
    started = time.perf_counter()
    with threadpool_limits(limits=args.threads), tempfile.TemporaryDirectory() as tmp:
        fusion_oofs, fusion_pcts, all_oofs = {}, {}, {}
        for name in [c for c in args.configs if c in FUSION_VARIANTS]:
            oofs, wall, cpu, fusion_pcts[name] = run_fusion(p, FUSION_VARIANTS[name], args.threads, Path(tmp))
            fusion_oofs[name] = all_oofs[name] = oofs
            rows.append(summarise(p, name, oofs, wall, cpu))
            print(f"  {name}: {rows[-1]['auroc']:.3f} ({wall:.1f} s per CV run)", file=sys.stderr, flush=True)
        wanted = {"ridge", "gbm", "ridge_prior", "fusion_ridge"} & set(args.configs)
        if wanted:
            base, prior_pcts = run_baselines(p, args.threads)
            for name in ("ridge", "ridge_prior", "gbm"):
                if name in args.configs:
                    rows.append(summarise(p, name, *base[name]))
                    all_oofs[name] = base[name][0]
            if "fusion_ridge" in args.configs and "fusion" in fusion_oofs:
                # the pipeline's rank average: mean of the two percentiles among each fold model's training rows
                fused = [(f + r) / 2.0 for f, r in zip(fusion_pcts["fusion"], prior_pcts)]
                fit = next(r for r in rows if r["config"] == "fusion")
                rows.append(summarise(p, "fusion_ridge", fused, fit["fit_wall_s"] + base["ridge_prior"][1],
                                      fit["fit_cpu_s"] + base["ridge_prior"][2]))
        if "single" in args.configs:
            for col in present:
                raw = pd.to_numeric(p.table[col], errors="coerce").to_numpy(dtype=float)
                rows.append(summarise(p, f"single: {col}", [raw] * len(p.folds), 0.0, 0.0))
                all_oofs[f"single: {col}"] = [raw] * len(p.folds)
        if "fusion" in fusion_oofs and args.bootstrap:
            boot = gene_bootstrap(p, fusion_oofs["fusion"], args.bootstrap, args.seed)
        compared = {}
        if "fusion" in fusion_oofs and args.bootstrap:
            singles = [r for r in rows if r["config"].startswith("single: ") and r["n_domains"] == len(p.domains)]
            for name in args.compare:
                if name == "best-single" and singles:
                    name = max(singles, key=lambda r: r["auroc"])["config"]
                if name in all_oofs and name != "fusion":
                    compared[name] = paired_differences(p, fusion_oofs["fusion"], all_oofs[name], args.bootstrap,
                                                        args.seed)
    table = pd.DataFrame(rows)
    n_groups = p.table["group"].nunique()
    print(f"# bench_model.py: {len(p.table)} labelled pairs, {p.table['tf_id'].nunique()} tiles, {n_groups} "
          f"groups ({p.table.attrs.get('group_source')}), {args.folds} grouped folds x {args.repeats} repeats; "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {args.threads} thread(s); "
          f"{datetime.date.today().isoformat()}; total {time.perf_counter() - started:.0f} s")
    binders = {d: int(np.nansum(p.binder[p.cats == d])) for d in p.domains}
    print("# binders per domain: " + ", ".join(f"{d} {n}/{int((p.cats == d).sum())}" for d, n in binders.items()))
    header = ["configuration", "AUROC mean +- SD", *p.domains, "Spearman", "fit s per CV run (wall; CPU)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        sd = "" if not np.isfinite(r["auroc_sd"]) else f" +- {r['auroc_sd']:.3f}"
        if r["n_domains"] < len(p.domains):
            sd += f" ({r['n_domains']} of {len(p.domains)} domains)"
        cells = [r["config"], f"{r['auroc']:.3f}{sd}", *(f"{r[d]:.2f}" for d in p.domains), f"{r['spearman']:.3f}",
                 f"{r['fit_wall_s']:.1f}; {r['fit_cpu_s']:.1f}"]
        print("| " + " | ".join(cells) + " |")
    if boot:
        print(f"\nGene-bootstrap 95 % interval of the default fusion's mean within-domain AUROC "
              f"({args.bootstrap} resamples of the {n_groups} groups): {boot[0]:.3f} - {boot[1]:.3f}")
    if compared:
        print(f"\nDefault fusion minus each predictor, within-domain AUROC (mean over repeats; paired gene-bootstrap "
              f"95 % interval, {args.bootstrap} resamples of each domain's groups):\n")
        print("| fusion minus | " + " | ".join(p.domains) + " |")
        print("|" + "---|" * (len(p.domains) + 1))
        for name, per in compared.items():
            print(f"| {name} | " + " | ".join(f"{v[0]:+.3f} [{v[1]:+.3f}, {v[2]:+.3f}]" for v in per.values()) + " |")
    skipped = [c for c in SINGLES if c not in present]
    if skipped:
        print(f"\nSingle metrics without values in this table (not shown): {', '.join(skipped)}")
    if args.out:
        table.to_csv(args.out, sep="\t", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
