"""A config key's walk, in a real (reduced) Snakemake run: schema -> parse-time settings -> rule params ->
script -> function, for ``features.max_input_mb``, ``evaluate.group_by`` and ``train.epochs``.

Each value is given in the config only, and is observed where the function acts on it: the extraction's size
cap refusing the demo's files (failed.tsv), the groups the folds are drawn from (the job log), the epochs the
training ran (history.tsv); and where Snakemake stored it for its params rerun trigger (.snakemake/metadata):
the value that runs is the value that triggers a rerun.
"""

import ast
import base64
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import DEMO, run_in, write_demo_config

pytestmark = pytest.mark.slow

SHARD = "results/features/shards/shard_00000"
MODEL = "results/models/all"
FOLD = "results/scores/all/cv/repeat_0/fold_0"


def stored_params(work: Path, output: str) -> list:
    """The params Snakemake recorded for ``output`` (.snakemake/metadata/<base64 of the path>): the reprs it
    compares for its rerun trigger, read back as values."""
    record = work / ".snakemake" / "metadata" / base64.b64encode(output.encode(), altchars=b"+_").decode()
    assert record.is_file(), sorted(p.name for p in (work / ".snakemake" / "metadata").iterdir())
    return [ast.literal_eval(p) for p in json.loads(record.read_text())["params"]]


def set_config(work: Path, **sections):
    config = yaml.safe_load((work / "config.yaml").read_text())
    for section, values in sections.items():
        config[section] = {**config.get(section, {}), **values}
    (work / "config.yaml").write_text(yaml.safe_dump(config))


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = tmp_path_factory.mktemp("walk")
    write_demo_config(work, pairs_per_domain=4)  # 16 pairs: tiles SYNTF01_01, _02, _03, SYNTF02_01 x 4 domains
    # labels with a tf_group column (two groups of two tiles): the default group_by (tf_group) would draw the
    # folds from these 2 groups, group_by tf_id from the 4 tiles
    labels = pd.read_csv(DEMO / "labels.tsv", sep="\t", dtype=str)
    labels["tf_group"] = labels["tf_id"].map(lambda t: "A" if t in ("SYNTF01_01", "SYNTF01_02") else "B")
    labels.to_csv(work / "labels.tsv", sep="\t", index=False)
    config = yaml.safe_load((work / "config.yaml").read_text())
    config["labels"] = "labels.tsv"
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    set_config(work, features={"sasa": False, "shape_complementarity": "off", "shard_size": 100},
               train={"epochs": 3, "ensemble": 1, "patience": 100, "min_pairs": 4, "device": "cpu"},
               evaluate={"group_by": "tf_id", "cv_folds": 2, "cv_repeats": 1, "bootstrap": 10})
    return work


def test_max_input_mb_reaches_the_reader_and_the_rerun_trigger(work):
    # 2^-10 MiB (1,024 bytes): smaller than any file of a demo run, so the cap refuses every pair
    set_config(work, features={"max_input_mb": 2**-10})
    proc = run_in(work, f"{SHARD}.failed.tsv")
    assert proc.returncode == 0, proc.stderr[-3000:]
    failed = pd.read_csv(work / f"{SHARD}.failed.tsv", sep="\t", dtype=str)
    assert len(failed) == 16
    cap = f"larger than {1024 / 2**20:g} MiB once decompressed"  # the message's number: 1,024 bytes in MiB
    assert failed["reason"].str.contains(cap, regex=False).all(), failed["reason"].tolist()
    log = (work / "results/logs/features/shard_00000.log").read_text()
    assert "max_input_mb=0.0009765625" in log  # what the script handed to run_shard
    (settings,) = [p for p in stored_params(work, f"{SHARD}.pairs.parquet") if isinstance(p, dict)]
    assert settings["max_input_mb"] == 2**-10

    # the same key changed in the config: the stored params differ, so the shard is extracted again
    set_config(work, features={"max_input_mb": 7})
    changes = run_in(work, "--list-changes", "params")
    assert changes.returncode == 0, changes.stderr[-3000:]
    assert f"{SHARD}.pairs.parquet" in changes.stdout
    proc = run_in(work, f"{SHARD}.failed.tsv")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert pd.read_csv(work / f"{SHARD}.failed.tsv", sep="\t").empty
    assert "max_input_mb=7.0" in (work / "results/logs/features/shard_00000.log").read_text()
    (settings,) = [p for p in stored_params(work, f"{SHARD}.pairs.parquet") if isinstance(p, dict)]
    assert settings["max_input_mb"] == 7


def test_epochs_and_group_by_reach_training_and_the_folds(work):
    proc = run_in(work, f"{MODEL}/model.pt", f"{FOLD}/oof.tsv")
    assert proc.returncode == 0, proc.stderr[-3000:]
    # train.epochs 3 with patience 100: every member ran exactly 3 epochs
    for history in (f"{MODEL}/history.tsv", f"{FOLD}/history.tsv"):
        runs = pd.read_csv(work / history, sep="\t").groupby("member").size()
        assert runs.tolist() == [3], history
    # evaluate.group_by tf_id: the 4 tiles are the groups (tf_group would be the labels' 2 genes)
    for log in ("results/logs/train/all.log", "results/logs/evaluate/all_repeat_0_fold_0.log"):
        assert "groups for splits and folds from tf_id (4 groups, 4 TFs)" in (work / log).read_text(), log
    train_params = stored_params(work, f"{MODEL}/model.pt")
    assert "tf_id" in train_params
    (train,) = [p for p in train_params if isinstance(p, dict)]
    assert train["epochs"] == 3 and train["ensemble"] == 1
    fold_params = stored_params(work, f"{FOLD}/oof.tsv")
    assert "tf_id" in fold_params and 2 in fold_params  # group_by, cv_folds
