"""A new user's first hour, as the README tells it (issue 21): the "Your screen" commands run as written, from
another working directory, on real AlphaFold runs kept as the predictors deliver them (an AlphaFold Server zip, a
ColabFold batch folder, an AlphaFold3 local folder, an AlphaPulldown job folder), starting from the template
``config/screen.yaml``. The run must give a ranking, TSVs of every metric and a report that opens on the run's
own answer; the commands the run summary prints must run as written too.
"""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_layouts import AP, CF, af3_local, colabfold_batch, copy_run, server_zip

from helpers import REPO, report_opening_text, shared_fixtures

pytestmark = pytest.mark.slow

SNAKEMAKE = REPO / ".venv" / "bin" / "snakemake"


def readme_block(heading: str) -> list[str]:
    """The command lines of the first bash block under ``heading`` (comments removed)."""
    section = (REPO / "README.md").read_text().split(f"\n{heading}\n", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].rstrip() for line in block.splitlines() if line.strip()]


def bash(lines, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euc", "\n".join(lines)], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def first_hour(tmp_path_factory):
    fx = shared_fixtures()
    if not SNAKEMAKE.is_file():
        pytest.skip(f"{SNAKEMAKE} not found: the README's commands use the checkout's .venv (.ci/setup makes it)")
    from tfbind.readers import read_run

    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "TFBIND": str(REPO), "HOME": str(home)}
    lines = readme_block("## Your screen")
    assert lines[0].startswith("export TFBIND=")
    setup = [line for line in lines[1:] if "snakemake" not in line]
    runs_ = [line for line in lines[1:] if "snakemake" in line]
    proc = bash(setup, home, env)
    assert proc.returncode == 0, proc.stderr
    screen = home / "my_screen"
    assert (screen / "config.yaml").read_text() == (REPO / "config" / "screen.yaml").read_text()

    # the user's inputs: two real complexes' chains as TF tiles and domains, runs in four delivered layouts
    cf = next(read_run(fx / CF)).sequences
    ap = next(read_run(fx / AP)).sequences
    tfs = {"MYB_25": cf["C"], "MYB_26": cf["C"], "MYB_27": cf["C"], "ATF_1": ap["C"]}
    (screen / "tfs.fasta").write_text("".join(f">{k}\n{v}\n" for k, v in tfs.items()))
    (screen / "domains.fasta").write_text(f">KIX category=KIX\n{cf['B']}\n>TEST category=TEST\n{ap['B']}\n")
    runs = screen / "predictions"
    runs.mkdir()
    scratch = tmp_path_factory.mktemp("downloads")
    server_zip(fx, scratch, "fold_kix_and_myb_25").rename(runs / "fold_kix_and_myb_25.zip")  # the download
    colabfold_batch(fx, runs / "colabfold_out", ["KIX_and_MYB_26"])
    af3_local(fx, runs / "kix_and_myb_27", {(1, 0): 0.8, (1, 1): 0.6})
    copy_run(fx / AP, runs / "TEST_and_ATF_1")

    config = yaml.safe_load((screen / "config.yaml").read_text())
    # the runs are found by their job names: no pairs table
    config.update(tf_fasta="tfs.fasta", domain_fasta="domains.fasta", predictions_dir="predictions", pairs="")
    (screen / "config.yaml").write_text(yaml.safe_dump(config))
    results = {}
    for line in runs_:
        results[line] = bash([f"cd {shlex.quote(str(screen))}", line], home, env)
        assert results[line].returncode == 0, (line, results[line].stderr[-3000:])
    return screen, results, env


def test_every_layout_is_read_and_ranked(first_hour):
    screen, _, _ = first_hour
    pairs = pd.read_csv(screen / "results" / "features" / "pairs.tsv", sep="\t")
    assert sorted(pairs["pair_id"]) == ["KIX_and_MYB_25", "KIX_and_MYB_26", "KIX_and_MYB_27", "TEST_and_ATF_1"]
    parquet = pd.read_parquet(screen / "results" / "features" / "pairs.parquet").set_index("pair_id")
    text = pairs.set_index("pair_id")
    for column in ("iptm", "pdockq", "ipsae_min", "plddt_interface"):
        assert text[column].to_numpy() == pytest.approx(parquet.loc[text.index, column].to_numpy(),
                                                        rel=1e-3, nan_ok=True)
    kix = pd.read_csv(screen / "results" / "ranking" / "KIX.tsv", sep="\t")
    assert sorted(kix["tf_id"]) == ["MYB_25", "MYB_26", "MYB_27"]
    assert set(kix["scored_by"]) == {"model"}  # the pretrained EP300 model knows KIX
    test = pd.read_csv(screen / "results" / "ranking" / "TEST.tsv", sep="\t")
    assert list(test["scored_by"]) == ["consensus"]  # a category it was never trained on


def test_the_report_opens_on_the_runs_answer(first_hour):
    screen, _, _ = first_hour
    report = screen / "report.html"
    assert report.is_file()
    opening = report_opening_text(report)
    for word in ("KIX", "TEST", "MYB_2", "ATF_1", "pretrained", "consensus"):
        assert word in opening, word
    assert "NCBD" not in opening and "TAZ1" not in opening  # nothing of the demo's domains


def test_the_commands_the_run_summary_prints_run_as_written(first_hour):
    screen, results, env = first_hour
    printed = "".join(proc.stdout + proc.stderr for proc in results.values())
    command = re.search(r"^report: (.*--report \S+)", printed, re.M).group(1)
    (screen / "report.html").unlink()
    proc = subprocess.run(shlex.split(command), cwd=screen, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (screen / "report.html").is_file()
