"""The pretrained EP300 model shipped in resources/models/ep300: it rebuilds from its documented config, and a
run without labels ranks the EP300 domains with it (the consensus elsewhere, or when told so)."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import REPO, run_in

pytestmark = pytest.mark.slow
SHIPPED = REPO / "resources/models/ep300"
DATA = REPO / "resources/ep300_kd"
#: The rebuilt model's scores equal the shipped model's to this (absolute, on the 0-1 score scale): training is
#: seeded and deterministic on a CPU; the tolerance leaves room for another CPU's floating-point order.
REBUILD_TOLERANCE = 1e-4


def _config(work, **updates):
    """config/ep300_model.yaml with its data paths made absolute, plus ``updates``."""
    config = yaml.safe_load((REPO / "config/ep300_model.yaml").read_text())
    for key in ("tf_fasta", "domain_fasta", "score_table", "labels"):
        config[key] = str(DATA / config[key].rsplit("/", 1)[-1])
    for key, value in updates.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    work.mkdir(parents=True, exist_ok=True)
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def test_the_shipped_files_and_their_provenance():
    for name in ("model.pt", "calibration.json", "reliability.png", "README.md", "inputs.md"):
        assert (SHIPPED / name).is_file(), name
    for name in ("labels.tsv", "tfs.fasta", "domains.fasta", "alphapulldown_scores.csv", "README.md", "LICENSE"):
        assert (DATA / name).is_file(), name
    cal = json.loads((SHIPPED / "calibration.json").read_text())
    assert sorted(cal["kd_range_nm"]) == ["KIX", "NCBD", "TAZ1", "TAZ2"]
    labels = pd.read_csv(DATA / "labels.tsv", sep="\t")
    for cat, (lo, hi) in cal["kd_range_nm"].items():  # fitted on every labelled pair (split 1, 0, 0)
        kd = labels.loc[labels["domain_id"] == cat, "kd_nm"]
        assert (lo, hi) == (kd.min(), kd.max())
    assert cal["p_binder"]["binders"] == labels.groupby("domain_id")["binder"].sum().to_dict()
    card = (SHIPPED / "README.md").read_text()
    for cat, auc in cal["cv_auroc"].items():  # the card quotes the figures of the shipped calibration
        assert f"{cat} {auc:.2f}" in card


def test_the_documented_config_rebuilds_the_shipped_model(tmp_path):
    from tfbind.model.predict import predict

    work = _config(tmp_path / "rebuild")
    proc = run_in(work, "results/models/all/model.pt")
    assert proc.returncode == 0, proc.stderr[-3000:]
    pairs = pd.read_parquet(work / "results/features/pairs.parquet")
    assert len(pairs) == 359
    rebuilt = predict(work / "results/models/all/model.pt", pairs)
    shipped = predict(SHIPPED / "model.pt", pairs)
    np.testing.assert_allclose(rebuilt["score"], shipped["score"], rtol=0, atol=REBUILD_TOLERANCE)
    np.testing.assert_allclose(np.log10(rebuilt["kd_pred_nm"]), np.log10(shipped["kd_pred_nm"]), rtol=0,
                               atol=REBUILD_TOLERANCE)


@pytest.fixture(scope="module")
def label_free(tmp_path_factory):
    """The score table of the training data run as a new screen: no labels, no model file; TAZ1 declared as
    a category the shipped model does not know (CH1)."""
    work = tmp_path_factory.mktemp("label_free")
    text = (DATA / "domains.fasta").read_text().replace(">TAZ1 category=TAZ1", ">TAZ1 category=CH1")
    assert "category=CH1" in text
    (work / "domains.fasta").write_text(text)
    _config(work, labels=None, domain_fasta=str(work / "domains.fasta"), predict={"pretrained": "ep300"})
    proc = run_in(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, proc.stdout + proc.stderr


def test_a_run_without_labels_ranks_the_known_domains_with_the_shipped_model(label_free):
    work, out = label_free
    for domain in ("KIX", "NCBD", "TAZ2"):
        tsv = pd.read_csv(work / f"results/ranking/{domain}.tsv", sep="\t", keep_default_na=False,
                          na_values=[""])
        assert (tsv["scored_by"] == "model").all() and len(tsv) > 80
        assert (tsv["applicability"] == "in range").mean() > 0.9  # its own training inputs
        assert (np.diff(tsv["score"].to_numpy()) <= 0).all()
        assert tsv["kd_pred_nm"].notna().all()
    taz1 = pd.read_csv(work / "results/ranking/TAZ1.tsv", sep="\t", keep_default_na=False, na_values=[""])
    assert (taz1["scored_by"] == "consensus").all()
    np.testing.assert_array_equal(taz1["score"], taz1["consensus"])
    assert (taz1["applicability"] == "unseen category").all() and taz1["p_binder"].isna().all()
    assert taz1["kd_pred_nm"].isna().all()  # no Kd range measured for the category: left blank
    summary = (work / "results/ranking/summary.txt").read_text()
    assert "model: pretrained ep300 model" in summary
    assert "  TAZ1 ranked by consensus of ranking_confidence, pdockq, shape_complementarity" in summary
    assert "  KIX ranked by the model (out-of-fold within-domain binder AUROC" in summary
    about = pd.read_excel(work / "results/ranking/ranking.xlsx", sheet_name="about").set_index("item")
    assert about.loc["ranked by: TAZ1", "definition"].startswith("consensus of")
    assert "p_binder" in about.index


def test_order_by_consensus_and_pretrained_none(label_free, tmp_path):
    work, _ = label_free
    config = yaml.safe_load((work / "config.yaml").read_text())
    config["rank"] = {"order_by": "consensus"}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    proc = run_in(work, "rank")
    assert proc.returncode == 0, proc.stderr[-3000:]
    kix = pd.read_csv(work / "results/ranking/KIX.tsv", sep="\t")
    assert (kix["scored_by"] == "consensus").all() and kix["p_binder"].notna().all()  # kept as evidence
    assert (np.diff(kix["consensus"].to_numpy()) <= 0).all()

    off = _config(tmp_path / "off", labels=None, predict={"pretrained": "none"})
    proc = run_in(off, "rank")
    assert proc.returncode == 0, proc.stderr[-3000:]
    kix = pd.read_csv(off / "results/ranking/KIX.tsv", sep="\t")
    assert (kix["scored_by"] == "consensus").all() and "p_binder" not in kix.columns

    wrong = _config(tmp_path / "wrong", labels=None, predict={"pretrained": "ep301"})
    proc = run_in(wrong, "-n")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "config error: predict.pretrained: no shipped model 'ep301'" in out and "(shipped: ep300;" in out



def test_real_runs_of_every_format_are_scored_with_no_imputed_input(tmp_path):
    """The three real fixture runs (AlphaPulldown, ColabFold, AlphaFold3), their domains declared KIX: every
    input of the shipped model is computed from the run's own files, so nothing is imputed."""
    from test_workflow_features import AP, chain_sequences, fasta

    from helpers import FIXTURES, shared_fixtures

    shared_fixtures()
    ap = chain_sequences(FIXTURES / AP / "ranked_0.pdb")
    cf = chain_sequences(next((FIXTURES / "colabfold_5b8c").glob("*.pdb")))
    fasta(tmp_path / "tf.fasta", {"A0A075B6L2": ap["C"], "5b8c_C": cf["C"]})
    fasta(tmp_path / "domains.fasta", {"TEST category=KIX": ap["B"], "5b8c_B category=KIX": cf["B"]})
    (tmp_path / "pairs.tsv").write_text(
        "pair_id\ttf_id\tdomain_id\tprediction\n"
        f"ap\tA0A075B6L2\tTEST\t{FIXTURES / AP}\n"
        f"cf\t5b8c_C\t5b8c_B\t{FIXTURES / 'colabfold_5b8c'}\n"
        f"af3\t5b8c_C\t5b8c_B\t{FIXTURES / 'af3_server_5b8c'}\n")
    config = {"tf_fasta": "tf.fasta", "domain_fasta": "domains.fasta", "pairs": "pairs.tsv", "rank": {"top_n": 1}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = run_in(tmp_path, "rank")
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranking = pd.read_parquet(tmp_path / "results/ranking/ranking.parquet").set_index("pair_id")
    assert sorted(ranking.index) == ["af3", "ap", "cf"]
    assert (ranking["scored_by"] == "model").all()
    assert (ranking["imputed"] == "").all(), ranking["imputed"]
    assert ranking["p_binder"].between(0, 1).all() and ranking["kd_pred_nm"].notna().all()
    pairs = pd.read_parquet(tmp_path / "results/features/pairs.parquet").set_index("pair_id")
    for column in ("iptm", "ranking_confidence", "pdockq", "shape_complementarity"):
        assert pairs[column].notna().all(), column
    summary = (tmp_path / "results/ranking/summary.txt").read_text()
    assert "pairs scored with imputed inputs: 0 of 3" in summary
