"""Rerunning single stages: what a config change or appended pairs re-run, and recovery after a kill."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from helpers import DEMO, REPO, run_in
from helpers import planned_jobs as dry_run_jobs
from tfbind.demo import write_predictions

pytestmark = pytest.mark.slow


snakemake = run_in


def planned_jobs(work, *args) -> dict[str, int]:
    return dry_run_jobs(*args, workdir=work, configfile=work / "config.yaml")


def make_workdir(work, pairs: pd.DataFrame, runs_from=None):
    """A demo-like working dir with pre-generated runs (no demo rule: the run set is fixed)."""
    runs = work / "runs"
    if runs_from is None:
        write_predictions(runs, pair_ids=pairs["pair_id"].tolist())
    else:
        runs.symlink_to(runs_from, target_is_directory=True)
    pairs.to_csv(work / "pairs.tsv", sep="\t", index=False)
    config = {"tf_fasta": str(DEMO / "tf.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
              "labels": str(DEMO / "labels.tsv"), "pairs": "pairs.tsv", "predictions_dir": "runs",
              "features": {"shard_size": 4}, "models": ["all"],
              "train": {"epochs": 2, "min_pairs": 8}}  # fmt: skip
    (work / "config.yaml").write_text(yaml.safe_dump(config))


@pytest.fixture(scope="module")
def demo_pairs():
    pairs = pd.read_csv(DEMO / "pairs.tsv", sep="\t", dtype=str, keep_default_na=False)
    return pairs.groupby("domain_id", sort=False).head(3).reset_index(drop=True)  # 12 pairs: 3 shards of 4


@pytest.fixture(scope="module")
def trained(tmp_path_factory, demo_pairs):
    work = tmp_path_factory.mktemp("rerun")
    make_workdir(work, demo_pairs.head(10))
    proc = snakemake(work, "train")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_nothing_to_do_after_a_run(trained):
    assert planned_jobs(trained, "train") == {}


def test_training_key_change_reruns_training_not_extraction(trained):
    config = yaml.safe_load((trained / "config.yaml").read_text())
    config["train"]["epochs"] = 3
    (trained / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        jobs = planned_jobs(trained, "train")
    finally:
        config["train"]["epochs"] = 2
        (trained / "config.yaml").write_text(yaml.safe_dump(config))
    assert jobs.get("train_model") == 1
    assert "extract_shard" not in jobs and "merge_features" not in jobs


def test_appending_pairs_reextracts_only_new_shards(trained, demo_pairs):
    demo_pairs.to_csv(trained / "pairs.tsv", sep="\t", index=False)  # 10 -> 12 pairs: shard 2 grows
    write_predictions(trained / "runs", pair_ids=demo_pairs["pair_id"].tolist()[10:])
    jobs = planned_jobs(trained, "features")
    assert jobs == {"extract_shard": 1, "merge_features": 1, "features_summary": 1, "features": 1}
    proc = snakemake(trained, "features", "--printshellcmds", "-n")
    assert "shard_00002" in proc.stdout and "shard_00000.models" not in proc.stdout.split("rule merge_features")[0]
    assert planned_jobs(trained, "--until", "features") .get("extract_shard") == 1


def test_interrupted_run_completes_identically(tmp_path, demo_pairs):
    """Kill Snakemake and its jobs mid-way, run again: outputs equal an uninterrupted run's."""
    full = tmp_path / "full"
    full.mkdir()
    make_workdir(full, demo_pairs)
    assert snakemake(full, "features").returncode == 0
    cut = tmp_path / "cut"
    cut.mkdir()
    make_workdir(cut, demo_pairs, runs_from=full / "runs")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(cut),
           "--configfile", str(cut / "config.yaml"), "--cores", "1", "features"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=cut, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    shards = cut / "results" / "features" / "shards"
    deadline = time.time() + 120
    while time.time() < deadline and not list(shards.glob("*.models.parquet")):
        time.sleep(0.2)  # wait until the first shard is done and the second is running
    os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and every job it started
    proc.wait()
    assert not (cut / "results" / "features" / "pairs.parquet").exists()
    # A killed Snakemake leaves its lock; the documented recovery is --unlock, then run again.
    assert snakemake(cut, "--unlock").returncode == 0
    again = snakemake(cut, "features", "--rerun-incomplete")
    assert again.returncode == 0, again.stderr[-3000:]
    for name in ["pairs.parquet", "models.parquet"]:
        a = pd.read_parquet(full / "results" / "features" / name).drop(columns="prediction")
        b = pd.read_parquet(cut / "results" / "features" / name).drop(columns="prediction")
        pd.testing.assert_frame_equal(a, b)
    assert (full / "results/features/failed.tsv").read_text() == (cut / "results/features/failed.tsv").read_text()


def test_appending_100_pairs_to_the_demo_touches_only_the_new_shards(tmp_path):
    """The demo (192 pairs = shards of 100 + 92), then 100 more pairs of 25 new tiles: the new tiles go
    into the TF FASTA, the new pairs at the end of the pairs table. Only the last shard (92 -> 100 pairs)
    and the new one are extracted again, then the merge and what depends on it."""
    demo = pd.read_csv(DEMO / "pairs.tsv", sep="\t", dtype=str, keep_default_na=False)
    work = tmp_path / "demo"
    work.mkdir()
    write_predictions(work / "runs", pair_ids=demo["pair_id"].tolist())
    tf_fasta = work / "tf.fasta"
    tf_fasta.write_text((DEMO / "tf.fasta").read_text())
    demo.to_csv(work / "pairs.tsv", sep="\t", index=False)
    # 100-pair shards as in the demo's config (the default, 1000, would hold the whole demo in one shard)
    config = {"tf_fasta": str(tf_fasta), "domain_fasta": str(DEMO / "domains.fasta"), "pairs": "pairs.tsv",
              "predictions_dir": "runs", "labels": str(DEMO / "labels.tsv"),
              "features": {"shard_size": 100}}  # fmt: skip
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    assert snakemake(work, "features").returncode == 0
    assert planned_jobs(work, "features") == {}

    # 25 new tiles (copies of demo tiles under new IDs) x 4 domains, runs linked from the demo runs
    records = (DEMO / "tf.fasta").read_text().split(">")[1:26]
    new_tiles = {f"NEW{i:02d}": rec.split("\n", 1) for i, rec in enumerate(records)}
    with tf_fasta.open("a") as fh:
        for new, (header, seq) in new_tiles.items():
            fh.write(f">{new}\n{seq}")
    rows = []
    for new, (header, _) in new_tiles.items():
        for domain, fmt in demo[["domain_id", "format"]].drop_duplicates().itertuples(index=False):
            pair_id = f"{domain}_and_{new}"
            (work / "runs" / pair_id).symlink_to(work / "runs" / f"{domain}_and_{header.split()[0]}")
            rows.append({"pair_id": pair_id, "tf_id": new, "domain_id": domain, "prediction": pair_id, "format": fmt})
    pd.concat([demo, pd.DataFrame(rows)]).to_csv(work / "pairs.tsv", sep="\t", index=False)
    assert len(rows) == 100

    proc = snakemake(work, "features", "-n")
    jobs = planned_jobs(work, "features")
    assert jobs == {"extract_shard": 2, "merge_features": 1, "features_summary": 1, "features": 1}, proc.stdout[-2000:]
    assert "shard=shard_00001" in proc.stdout and "shard=shard_00002" in proc.stdout
    assert "shard=shard_00000" not in proc.stdout
