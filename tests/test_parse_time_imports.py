"""What the Snakefile imports when the workflow is parsed (every run, `-n` and `--lint` included) must stay
light: the plan stage's modules and the training config, never the job-time stacks (torch, scikit-learn,
matplotlib, scipy, structure parsers). Timing: workflow/benchmarks/bench_imports.py."""

import json
import subprocess
import sys

from helpers import REPO

# The modules workflow/rules/common.smk imports, and the packages they may bring along.
PARSE_TIME_MODULES = ["tfbind.plan.config", "tfbind.plan.settings", "tfbind.settings", "tfbind.defaults",
                      "tfbind.plan.shards", "tfbind.plan.schema", "tfbind.model", "tfbind.errors", "tfbind.labels",
                      "tfbind.prepare.tiling", "tfbind.prepare.jobs", "tfbind.prepare.running"]
ALLOWED_HEAVY = {"pandas", "numpy", "pyarrow", "Bio"}  # the pair plan is a DataFrame; FASTA via Biopython
FORBIDDEN = ["torch", "sklearn", "matplotlib", "scipy", "gemmi", "freesasa", "orjson", "tfbind.features",
             "tfbind.readers", "tfbind.metrics", "tfbind.evaluation", "tfbind.model.training"]


def imported_after(modules: list[str]) -> set[str]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); before = set(sys.modules)\n"
        f"for m in {modules!r}: __import__(m)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(REPO / "workflow")], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out))


def test_parse_time_modules_import_no_job_time_stack():
    loaded = imported_after(PARSE_TIME_MODULES)
    bad = sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    assert not bad, f"parse-time imports pull in job-time modules: {bad[:10]}"
    top_level = {m.split(".")[0] for m in loaded}
    assert "tfbind" in top_level


def test_the_check_sees_a_heavy_import():
    """The same check on a job-time module does report torch (the test above can fail)."""
    loaded = imported_after(["tfbind.model.training"])
    assert "torch" in loaded
