"""The workflow used as a Snakemake `module` by another workflow, run from that workflow's folder (not the
checkout): from a local path, and from a git source (`git+file://...@ref`, the offline stand-in for
`github(...)`: Snakemake reads both through its source cache, one file at a time, never from a working tree).
Each runs the reduced demo without labels to its ranking, so that the parse-time imports, every rule script's
`import tfbind`, the schema and the shipped pretrained model (resources/models) are all found from there."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import REPO, write_demo_config

pytestmark = pytest.mark.slow

HOST_SNAKEFILE = """configfile: "config.yaml"


module tfbind:
    snakefile:
        {source!r}
    config:
        config


use rule * from tfbind
"""


def host_workflow(host: Path, source: str) -> pd.DataFrame:
    """A host workflow in ``host`` importing tfbind from ``source``, with the reduced demo's config (one pair per
    domain, no labels); returns the demo's pairs."""
    pairs = write_demo_config(host, pairs_per_domain=1)
    config = yaml.safe_load((host / "config.yaml").read_text())
    del config["labels"]  # no training: the ranking scores with the shipped pretrained model
    (host / "config.yaml").write_text(yaml.safe_dump(config))
    (host / "Snakefile").write_text(HOST_SNAKEFILE.format(source=source))
    return pairs


def run_host(host: Path, *args: str, cache: Path):
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))  # the source cache (git exports) inside tmp_path
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=host, env=env,
                          capture_output=True, text=True)


def check_ranking(host: Path, pairs: pd.DataFrame):
    """One ranking TSV per demo domain, ranking exactly the TFs the demo pairs with it, scored by the pretrained
    model (found in the checkout's resources/models: the host folder has none)."""
    assert not (host / "resources").exists()
    for domain, expected in pairs.groupby("domain_id"):
        table = pd.read_csv(host / "results" / "ranking" / f"{domain}.tsv", sep="\t")
        assert sorted(table["tf_id"]) == sorted(expected["tf_id"]), domain
        assert list(table["rank"]) == list(range(1, len(expected) + 1)), domain
        assert set(table["scored_by"]) == {"model"}, domain
    assert (host / "results" / "ranking" / "ranking.xlsx").is_file()


def test_module_from_a_local_path_runs_the_demo_to_its_ranking(tmp_path):
    host = tmp_path / "host"
    pairs = host_workflow(host, str(REPO / "Snakefile"))
    proc = run_host(host, "rank", cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-3000:]
    check_ranking(host, pairs)


def git_source(tmp_path: Path) -> Path:
    """A git repository holding this checkout's files as they are now (tracked and new, not ignored), committed
    on branch main: what a `github(...)` source would serve."""
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    repo = tmp_path / "tfbind.git"
    for name in filter(None, files):
        if (REPO / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, repo / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "source"]):
        subprocess.run(git + args, cwd=repo, check=True, capture_output=True)
    return repo


def test_module_from_a_git_source_runs_the_demo_to_its_ranking(tmp_path):
    repo = git_source(tmp_path)
    host = tmp_path / "host"
    pairs = host_workflow(host, f"git+file://{repo}/Snakefile@main")
    proc = run_host(host, "rank", cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-3000:]
    check_ranking(host, pairs)
    # the package came from the commit exported into the source cache, not from this checkout
    commit = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True,
                            check=True).stdout.strip()
    exported = list((tmp_path / "cache").rglob(f"tfbind-checkouts/{commit}/workflow/tfbind/__init__.py"))
    assert len(exported) == 1

