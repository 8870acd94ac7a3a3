"""The whole DAG (features -> training -> CV folds -> evaluation -> plots -> report) on a reduced demo."""


import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import DEMO, planned_jobs, report_opening_text, run_in, run_snakemake, write_demo_config

pytestmark = pytest.mark.slow
PREDICTORS = {"fusion", "domain_mean", "iptm", "ranking_confidence", "ipsae_min", "pdockq", "shape_complementarity",
              "lis", "ridge", "ridge_prior", "gbm", "consensus"}


snakemake = run_in


def planned(work, *args) -> set[str]:
    return set(planned_jobs(*args, workdir=work, configfile=work / "config.yaml"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e")
    write_demo_config(
        work, pairs_per_domain=6, models=["all"], train={"epochs": 4, "min_pairs": 8, "ensemble": 2},
        evaluate={"cv_folds": 3, "cv_repeats": 2, "bootstrap": 50, "seed": 0},
    )  # fmt: skip
    proc = snakemake(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = snakemake(work, "--report", "report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    return work


def test_metrics_cover_every_predictor_domain_and_split(run):
    metrics = pd.read_csv(run / "results/scores/all/metrics.tsv", sep="\t")
    assert list(metrics.columns) == ["model", "split", "domain", "predictor", "n", "r2", "mse", "mae", "spearman",
                                     "pearson", "acc_0.1", "top25_acc", "auroc", "auprc", "spearman_ci_low",
                                     "spearman_ci_high", "auroc_sd", "spearman_sd", "r2_sd",
                                     "n_repeats", "fusion_minus_auroc", "fusion_minus_auroc_low",
                                     "fusion_minus_auroc_high"]  # fmt: skip
    for split in ["train", "val", "test", "cv"]:
        got = metrics[metrics["split"] == split]
        assert set(got["predictor"]) == PREDICTORS, split
        # every domain with pairs in that split (a 24-pair demo's val/test hold 2-3 pairs)
        assert {"all"} < set(got["domain"]) <= {"all", "KIX", "NCBD", "TAZ1", "TAZ2"}, split
        assert len(got) == len(PREDICTORS) * got["domain"].nunique(), split
    for split in ["train", "cv"]:
        assert set(metrics.query("split == @split")["domain"]) == {"all", "KIX", "NCBD", "TAZ1", "TAZ2"}
    cv_all = metrics.query("split == 'cv' and domain == 'all'")
    # every labelled pair is held out exactly once per repeat: shape_complementarity is computed for every top
    # model (0 where the chains form no interface, the undocked demo tiles), and ranking_confidence (0.8 ipTM +
    # 0.2 pTM) comes from every format, the demo's ColabFold runs included
    n = cv_all.set_index("predictor")["n"]
    pairs = pd.read_parquet(run / "results/features/pairs.parquet")
    sc = pairs["shape_complementarity"]
    assert len(pairs) == 24 and sc.notna().all() and 0 < (sc == 0).sum() < 24
    assert (n == 24).all()
    assert (cv_all["n_repeats"] == 2).all()
    # paired differences only on cv rows of a domain, for the predictors other than the fusion model; where both
    # AUROCs exist the point value is their difference (same pairs, same repeats)
    diff = metrics["fusion_minus_auroc"]
    elsewhere = (metrics["split"] != "cv") | (metrics["domain"] == "all") | (metrics["predictor"] == "fusion")
    assert diff[elsewhere].isna().all()
    cv_dom = metrics.query("split == 'cv' and domain != 'all'")
    for domain, rows in cv_dom.groupby("domain"):
        rows = rows.set_index("predictor")
        for p in ("iptm", "ridge_prior"):
            if pd.notna(rows.loc[p, "auroc"]) and pd.notna(rows.loc["fusion", "auroc"]):
                expected = rows.loc["fusion", "auroc"] - rows.loc[p, "auroc"]
                assert rows.loc[p, "fusion_minus_auroc"] == pytest.approx(expected)
    summary = (run / "results/scores/all/summary.md").read_text()
    assert "ranks best" in summary and "2 repeat(s)" in summary
    fusion = metrics.query("predictor == 'fusion' and split == 'train' and domain == 'all'").iloc[0]
    assert fusion["spearman_ci_low"] <= fusion["spearman"] <= fusion["spearman_ci_high"]


def test_score_table(run):
    scores = pd.read_parquet(run / "results/scores/all/predictions.parquet")
    assert len(scores) == 24 and scores["model_score"].between(0, 1).all()
    assert set(scores["split"]) == {"train", "val", "test"}
    # rank within domain, recomputed here from the scores
    for _, group in scores.groupby("domain_category"):
        expected = group["model_score"].rank(method="min", ascending=False).astype(int)
        assert (group["rank_in_domain"] == expected).all()
    labels = pd.read_csv(DEMO / "labels.tsv", sep="\t")
    merged = scores.merge(labels, on=["tf_id", "domain_id"], suffixes=("", "_label"))
    assert np.allclose(merged["kd_nm"], merged["kd_nm_label"])


def test_plots_and_report(run):
    plots = run / "results/scores/all/plots"
    for name in ["training_curves", "pred_vs_obs", "metric_bars", "roc_curves", "feature_pca"]:
        assert (plots / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (run / "report.html").read_text(errors="replace")
    assert len(html) > 100_000 and "metric_bars.png" in html
    # the opening text: the model trained in this run ranked every domain, and the training is described
    text = report_opening_text(run / "report.html")
    assert "This run ranked 4 domains:</b> KIX, TAZ1, TAZ2, NCBD." in text  # domains.fasta order
    for domain in ("KIX", "TAZ1", "TAZ2", "NCBD"):
        ranked = pd.read_csv(run / f"results/ranking/{domain}.tsv", sep="\t")
        best = ", ".join(f"{t} ({s:.2f})" for t, s in zip(ranked["tf_id"][:3], ranked["score"][:3]))
        assert f"<tr><td>{domain}</td><td>the model trained in this run</td><td>{best}</td></tr>" in text
    assert "Training: a model was trained in this run on the labels" in text and "trained a fusion model" in text


def test_predict_scores_a_label_free_copy_identically(run):
    pairs = pd.read_parquet(run / "results/features/pairs.parquet")
    pairs.to_parquet(run / "new_pairs.parquet")  # features only: no labels anywhere
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["predict"] = {"model": "all", "pairs": "new_pairs.parquet"}
    (run / "predict.yaml").write_text(yaml.safe_dump(config))
    proc = run_snakemake("predict", workdir=run, configfile=run / "predict.yaml")
    assert proc.returncode == 0, proc.stderr[-3000:]
    predicted = pd.read_csv(run / "results/predictions/all.tsv", sep="\t").set_index("pair_id")
    evaluated = pd.read_parquet(run / "results/scores/all/predictions.parquet").set_index("pair_id")
    assert set(predicted.index) == set(evaluated.index)
    # the TSV is rounded for reading (4 significant digits, Kd 3); the Parquet keeps full precision
    assert np.allclose(predicted.loc[evaluated.index, "model_score"], evaluated["model_score"], rtol=5e-4, atol=1e-9)
    assert np.allclose(predicted.loc[evaluated.index, "kd_pred_unclipped_nm"], evaluated["kd_pred_unclipped_nm"],
                       rtol=5e-3)


def test_evaluation_key_change_reruns_evaluation_only(run):
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["evaluate"]["bootstrap"] = 60
    (run / "changed.yaml").write_text(yaml.safe_dump(config))
    jobs = set(planned_jobs(workdir=run, configfile=run / "changed.yaml"))
    assert "evaluate_model" in jobs
    assert not jobs & {"extract_shard", "merge_features", "train_model", "cv_fold"}
    assert planned(run) == set()  # the original config is still up to date


def test_forcerun_evaluation_redoes_evaluation_and_plots_only(run):
    jobs = planned(run, "evaluate", "--forcerun", "evaluate_model")
    assert {"evaluate_model", "plot_model"} <= jobs
    assert not jobs & {"extract_shard", "merge_features", "train_model", "cv_fold"}
