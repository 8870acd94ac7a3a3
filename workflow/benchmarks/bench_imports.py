"""Import cost of the workflow's modules: what every Snakemake invocation pays when it parses the workflow
(the plan stage) against what each job pays (features, training, evaluation), in fresh interpreters.

    .venv/bin/python workflow/benchmarks/bench_imports.py [--repeat 5]

Prints the best of ``--repeat`` times per module group (a fresh ``python -c`` each time, minus the bare
interpreter's start-up, measured the same way): wall time and CPU time (user + system of the child, from
``getrusage``; on a machine shared with other work the wall time stretches, the CPU time does not).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

WORKFLOW = Path(__file__).resolve().parents[1]
GROUPS = {
    "parse time (Snakefile: plan + train config)": ["tfbind.plan.config", "tfbind.plan.shards", "tfbind.model"],
    "extract_shard job": ["tfbind.features.extract"],
    "extract_shard job, previous imports (Bio.SeqIO, Bio.Align)": ["tfbind.features.extract", "Bio.SeqIO", "Bio.Align"],
    "train_model job": ["tfbind.model.training"],
    "evaluate_model job": ["tfbind.evaluation.evaluate", "tfbind.model.training"],
    "plot_model job": ["tfbind.evaluation.model_plots"],
}


def wall(modules: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a fresh interpreter importing ``modules``."""
    code = f"import sys; sys.path.insert(0, {str(WORKFLOW)!r})\n" + "".join(f"import {m}\n" for m in modules)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [wall([]) for _ in range(args.repeat)]
    bare, bare_cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"bare interpreter start-up: {bare * 1000:.0f} ms wall, {bare_cpu * 1000:.0f} ms CPU (subtracted below)")
    print(f"{'modules':<48} {'import ms wall':>15} {'ms CPU':>8}  (best of {args.repeat})")
    for name, modules in GROUPS.items():
        runs = [wall(modules) for _ in range(args.repeat)]
        best, best_cpu = min(r[0] for r in runs) - bare, min(r[1] for r in runs) - bare_cpu
        print(f"{name:<48} {best * 1000:>15.0f} {best_cpu * 1000:>8.0f}")


if __name__ == "__main__":
    main()
