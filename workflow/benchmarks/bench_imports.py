"""Import cost of the workflow's modules: what every Snakemake invocation pays when it parses the workflow
(the plan stage) against what each job pays (features, training, evaluation), in fresh interpreters.

    .venv/bin/python workflow/benchmarks/bench_imports.py [--repeat 5]

Prints the best of ``--repeat`` wall times per module group (a fresh ``python -c`` each time, minus the
bare interpreter's start-up, measured the same way).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

WORKFLOW = Path(__file__).resolve().parents[1]
GROUPS = {
    "parse time (Snakefile: plan + train config)": ["tfbind.plan.config", "tfbind.plan.shards", "tfbind.model"],
    "extract_shard job": ["tfbind.features.extract"],
    "train_model job": ["tfbind.model.training"],
    "evaluate_model job": ["tfbind.evaluation.evaluate", "tfbind.model.training"],
    "plot_model job": ["tfbind.evaluation.plots"],
}


def wall(modules: list[str]) -> float:
    code = f"import sys; sys.path.insert(0, {str(WORKFLOW)!r})\n" + "".join(f"import {m}\n" for m in modules)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bare = min(wall([]) for _ in range(args.repeat))
    print(f"bare interpreter start-up: {bare * 1000:.0f} ms (subtracted below)")
    print(f"{'modules':<48} {'import ms (best of %d)' % args.repeat:>24}")
    for name, modules in GROUPS.items():
        best = min(wall(modules) for _ in range(args.repeat)) - bare
        print(f"{name:<48} {best * 1000:>24.0f}")


if __name__ == "__main__":
    main()
