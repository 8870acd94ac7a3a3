"""The held-out check script (workflow/benchmarks/bench_heldout.py) on the real development set, split by gene:
unseen genes only, and its AUROCs equal sklearn's on the raw score table (skipped without ../shared/real_dev)."""

import csv
import subprocess
import sys

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from helpers import REPO

REAL_DEV = REPO.parent / "shared" / "real_dev"
SCRIPT = REPO / "workflow" / "benchmarks" / "bench_heldout.py"
pytestmark = pytest.mark.skipif(not REAL_DEV.is_dir(),
                                reason="../shared/real_dev not present (real development data)")


def data_args(side: str) -> list[str]:
    return [f"--{side}-labels", str(REAL_DEV / "labels.tsv"), f"--{side}-score-table",
            str(REAL_DEV / "alphapulldown_scores.csv"), f"--{side}-tf-fasta", str(REAL_DEV / "tfs.fasta"),
            f"--{side}-domain-fasta", str(REAL_DEV / "domains.fasta")]


def test_heldout_genes_are_unseen_and_aurocs_match_sklearn(tmp_path):
    out, scores = tmp_path / "table.tsv", tmp_path / "scores.tsv"
    proc = subprocess.run([sys.executable, str(SCRIPT), *data_args("train"), "--split-genes", "0.3",
                           "--repeats", "1", "--bootstrap", "20", "--out", str(out), "--out-scores", str(scores)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    labels = pd.read_csv(REAL_DEV / "labels.tsv", sep="\t")
    test = pd.read_csv(scores, sep="\t")
    genes = set(test["group"])
    # 30 % of the 84 genes, rounded up; every labelled pair of a test gene is tested, no other pair is
    assert len(genes) == 26
    assert len(test) == int(labels["tf_group"].isin(genes).sum())
    assert "tested on %d pairs of 26 unseen groups" % len(test) in proc.stdout
    # the raw ipTM+pTM of each test pair read from the CSV itself, binder from the labels
    with open(REAL_DEV / "alphapulldown_scores.csv", newline="") as fh:
        raw = {row["jobs"]: float(row["iptm_ptm"]) for row in csv.DictReader(fh)}
    lab = labels.assign(job=labels["domain_id"] + "_and_" + labels["tf_id"])
    lab = lab[lab["tf_group"].isin(genes)]
    table = pd.read_csv(out, sep="\t").set_index("predictor")
    for domain, rows in lab.groupby("domain_id"):
        if rows["binder"].nunique() < 2:
            assert pd.isna(table.loc["single: ranking_confidence", domain])
            continue
        expected = roc_auc_score(rows["binder"], rows["job"].map(raw))
        assert table.loc["single: ranking_confidence", domain] == pytest.approx(expected)
        fusion = test[test["domain_category"] == domain]
        assert table.loc["fusion", domain] == pytest.approx(roc_auc_score(fusion["binder"], fusion["fusion"]))


def test_a_test_set_sharing_genes_with_training_is_refused(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), *data_args("train"), *data_args("test"), "--repeats", "1",
                           "--bootstrap", "0"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode != 0
    assert "84 group(s) in both the training and the test labels" in proc.stderr
