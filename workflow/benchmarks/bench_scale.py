"""Scale of the workflow itself: dry-run time and memory at 10^4 / 10^5 pairs, extraction wall time at 10^4.

Usage (from the checkout, after the demo's runs exist: `snakemake --cores 2 features`):

    .venv/bin/python workflow/benchmarks/bench_scale.py --workdir /tmp/tfbind_scale [--pairs 10000 100000]
        [--extract 10000] [--cores 2]

A synthetic screen of N pairs is the demo at scale: N/4 TF tiles (named SCALE000001, ...) x the four demo domains,
each tile taking the sequence of a demo tile, and each pair's AlphaFold run a folder of hard links to the demo run
of the same (demo tile, domain) - real files in all three formats, no extra disk. For each N:

* `snakemake -n features` (the planning of the whole features DAG: FASTA + pairs table parsing, shard manifests,
  DAG of N/100 extraction jobs): wall time and peak memory of the Snakemake process, measured twice (the second
  run finds the shard manifests already written);
* for --extract N: `snakemake --cores C features`: wall time, the extraction time the shard jobs report in their
  logs, and Snakemake's own share = 1 - (sum of the shards' extraction seconds / C) / wall; and the same share in
  CPU seconds (all CPU time of Snakemake and its jobs, from getrusage, against the CPU time the jobs spent
  inside extraction, from their logs), which a busy shared machine does not distort.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"


def make_screen(work: Path, n_pairs: int, demo_runs: Path, link_runs: bool, shard_size: int | None = None) -> None:
    """Write tf.fasta, pairs.tsv and config.yaml for an N-pair screen (and the runs, as hard links)."""
    work.mkdir(parents=True, exist_ok=True)
    demo_pairs = pd.read_csv(DEMO / "pairs.tsv", sep="\t", dtype=str, keep_default_na=False)
    tiles = demo_pairs["tf_id"].drop_duplicates().tolist()
    domains = demo_pairs["domain_id"].drop_duplicates().tolist()
    seqs = {}
    name = None
    for line in (DEMO / "tf.fasta").read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            seqs[name] = ""
        else:
            seqs[name] += line.strip()
    n_tiles = -(-n_pairs // len(domains))
    new = [f"SCALE{i:06d}" for i in range(1, n_tiles + 1)]
    source = {t: tiles[i % len(tiles)] for i, t in enumerate(new)}
    (work / "tf.fasta").write_text("".join(f">{t}\n{seqs[source[t]]}\n" for t in new))
    fmt = dict(zip(demo_pairs["domain_id"], demo_pairs["format"]))
    rows = [(f"{d}_and_{t}", t, d, f"{d}_and_{t}", fmt[d]) for t in new for d in domains][:n_pairs]
    pd.DataFrame(rows, columns=["pair_id", "tf_id", "domain_id", "prediction", "format"]).to_csv(
        work / "pairs.tsv", sep="\t", index=False
    )
    if link_runs:
        runs = work / "runs"
        shutil.rmtree(runs, ignore_errors=True)
        for pair_id, tf, dom, _, _ in rows:
            src = demo_runs / f"{dom}_and_{source[tf]}"
            for path in src.rglob("*"):
                dst = runs / pair_id / path.relative_to(src)
                if path.is_dir():
                    dst.mkdir(parents=True, exist_ok=True)
                else:
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, dst)
    config = {"tf_fasta": "tf.fasta", "domain_fasta": str(DEMO / "domains.fasta"), "pairs": "pairs.tsv",
              "predictions_dir": "runs"}  # fmt: skip
    if shard_size is not None:  # else the schema's default
        config["features"] = {"shard_size": shard_size}
    (work / "config.yaml").write_text(yaml.safe_dump(config))


def run(work: Path, *args: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run Snakemake in ``work``; return (wall seconds, peak RSS MiB of the child, process)."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
           "--configfile", str(work / "config.yaml"), *args]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.exit(f"snakemake failed in {work}:\n{proc.stderr[-3000:]}")
    return wall, max(peak, before) / 1024, proc


def dry_run(work: Path, cores: int) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB, of this dry run alone) and CPU seconds (user + system; unlike the wall time,
    not stretched by other work on a shared machine) of `snakemake -n features`."""
    args = ["-n", "--quiet", "rules", "--cores", str(cores), "features"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if Path("/usr/bin/time").exists():
        cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
               "-d", str(work), "--configfile", str(work / "config.yaml"), *args]  # fmt: skip
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"snakemake failed in {work}:\n{proc.stderr[-3000:]}")
        peak = int(proc.stderr.strip().splitlines()[-1]) / 1024
    else:
        wall, peak, _ = run(work, *args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, peak, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tfbind_scale"))
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--extract", type=int, default=10_000, help="pairs to extract for real (0 = skip)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--shard-size", type=int, nargs="+", default=[None],
                        help="features.shard_size values for the extraction run (one run each; default: the "
                             "schema's default)")
    parser.add_argument("--dry-shard-size", type=int, default=None,
                        help="features.shard_size of the dry runs (default: the schema's default)")
    parser.add_argument("--demo-runs", type=Path, default=REPO / "results" / "demo" / "predictions")
    args = parser.parse_args()
    if not args.demo_runs.is_dir():
        sys.exit(f"{args.demo_runs} not found: run `snakemake --cores 2 features` in the checkout first")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'pairs':>8} {'step':<34} {'wall s':>8} {'peak MiB':>9} {'CPU s':>7}")
    for n in args.pairs:
        work = args.workdir / f"dry_{n}"
        shutil.rmtree(work, ignore_errors=True)
        make_screen(work, n, args.demo_runs, link_runs=False, shard_size=args.dry_shard_size)
        for label in ("snakemake -n features (first)", "snakemake -n features (again)"):
            wall, peak, cpu = dry_run(work, args.cores)
            shards = len(list((work / "results" / "features" / "plan").glob("shard_*.tsv")))
            print(f"{n:>8} {label + f', {shards} shards':<34} {wall:>8.2f} {peak:>9.0f} {cpu:>7.2f}")
    for shard_size in args.shard_size if args.extract else []:
        n = args.extract
        work = args.workdir / f"extract_{n}_{shard_size or 'default'}"
        shutil.rmtree(work, ignore_errors=True)
        start = time.perf_counter()
        make_screen(work, n, args.demo_runs, link_runs=True, shard_size=shard_size)
        tag = f"shard_size {shard_size or 'default'}"
        print(f"{n:>8} {'make screen (hard links)':<34} {time.perf_counter() - start:>8.2f}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, peak, _ = run(work, "--cores", str(args.cores), "features")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        total_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        shard_seconds = shard_cpu = 0.0
        for log in (work / "results" / "logs" / "features").glob("shard_*.log"):
            m = re.search(r"model rows in ([0-9.]+) s \(.*?; ([0-9.]+) s CPU\)", log.read_text())
            shard_seconds += float(m.group(1)) if m else 0.0
            shard_cpu += float(m.group(2)) if m else 0.0
        job_seconds = 0.0
        jobs = list((work / "results" / "benchmarks" / "features").glob("shard_*.tsv"))
        for bench in jobs:
            job_seconds += float(pd.read_csv(bench, sep="\t")["s"].iloc[0])
        share = 1 - (shard_seconds / args.cores) / wall
        print(f"{n:>8} {f'features --cores {args.cores}, {tag}':<34} {wall:>8.2f} {peak:>9.0f}")
        print(f"{n:>8} {'extraction inside shard jobs (sum)':<34} {shard_seconds:>8.2f}")
        print(f"{n:>8} {'per-pair rate in jobs (pairs/s/core)':<34} {n / shard_seconds:>8.1f}")
        print(f"{n:>8} {'Snakemake + job start-up share':<34} {100 * share:>7.1f}%")
        # CPU seconds do not depend on what else the machine runs: the overhead's share of all CPU time of
        # the run (Snakemake's own process, every job's interpreter start-up, imports and writing)
        print(f"{n:>8} {'CPU s: all / inside extraction':<34} {total_cpu:>8.1f} {shard_cpu:>9.1f}")
        print(f"{n:>8} {'overhead share of CPU time':<34} {100 * (1 - shard_cpu / total_cpu):>7.1f}%")
        if jobs:
            per_job = (job_seconds - shard_seconds) / len(jobs)
            print(f"{n:>8} {f'job start-up + writing, per job ({len(jobs)})':<34} {per_job:>8.2f}")
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
