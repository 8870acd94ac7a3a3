"""Feature-extraction rate on one core: pairs per second, per input format.

Usage (from the checkout, after the demo's runs exist, e.g. after `snakemake --cores 2 features`):

    .venv/bin/python workflow/benchmarks/bench_features.py [--config config/config.yaml] [--repeat 3]

Runs ``extract_pair`` (read the run, assign chains, compute every per-model metric) over every pair of the
config in this single process, repeats it, and reports the best rate per format and overall. Files are
read from the page cache after the first pass; the figure is the per-core compute + parse rate.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfbind import config as tfconfig  # noqa: E402
from tfbind.extract import extract_pair  # noqa: E402
from tfbind.sequences import read_fasta  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = yaml.safe_load(Path(args.config).read_text())
    plan = tfconfig.plan_pairs(config)
    settings = tfconfig.extract_settings(config)
    tfs, domains = read_fasta(config["tf_fasta"], "tf"), read_fasta(config["domain_fasta"], "domain")
    pairs = plan.pairs.to_dict("records")
    best: dict[str, float] = {}
    counts: dict[str, int] = defaultdict(int)
    models: dict[str, int] = defaultdict(int)
    for _ in range(args.repeat):
        elapsed: dict[str, float] = defaultdict(float)
        for pair in pairs:
            start = time.perf_counter()
            rows, summary = extract_pair(pair, tfs, domains, settings)
            fmt = summary["source_format"]
            elapsed[fmt] += time.perf_counter() - start
            if len(best) == 0:
                counts[fmt] += 1
                models[fmt] += len(rows)
        for fmt, seconds in elapsed.items():
            best[fmt] = min(best.get(fmt, float("inf")), seconds)
        best["all"] = min(best.get("all", float("inf")), sum(elapsed.values()))
    counts["all"], models["all"] = sum(counts.values()), sum(models.values())
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}, 1 core")
    print(f"{'format':<12} {'pairs':>6} {'models':>7} {'seconds':>8} {'pairs/s':>8} {'ms/model':>9}")
    for fmt in sorted(best, key=lambda f: (f == "all", f)):
        s = best[fmt]
        print(f"{fmt:<12} {counts[fmt]:>6} {models[fmt]:>7} {s:>8.2f} {counts[fmt] / s:>8.1f} {1000 * s / models[fmt]:>9.1f}")


if __name__ == "__main__":
    main()
