"""Score table, cross-validation folds and evaluate_scope on tiny trained models (synthetic tables)."""

import numpy as np
import pandas as pd
import pytest

from tfbind.errors import InputError
from tfbind.evaluation.evaluate import (
    OOF_COLUMNS,
    cv_split,
    evaluate_scope,
    labelled_table,
    read_oof,
    run_cv_fold,
    write_outputs,
)
from tfbind.evaluation.metrics import METRIC_COLUMNS, PREDICTORS
from tfbind.evaluation.scores import SCORE_COLUMNS, model_scores
from tfbind.model import merge_config
from tfbind.model.folds import grouped_folds
from tfbind.model.synthetic import synthetic_tables
from tfbind.model.training import train_scope

TINY = {"ensemble": 2, "epochs": 20, "device": "cpu", "rank_average_ridge": True}
TINY_MERGED = merge_config(TINY)  # the workflow merges the train config once, when it is parsed
N_FOLDS = 3
N_REPEATS = 2


@pytest.fixture(scope="module")
def tables():
    """80 pairs (20 TFs x 4 categories); the labels of 2 TFs are dropped (8 unlabelled pairs)."""
    pairs, labels = synthetic_tables(n_tfs=20, seed=7)
    labels = labels[~labels["tf_id"].isin(["TF00018", "TF00019"])].reset_index(drop=True)
    return pairs, labels


@pytest.fixture(scope="module")
def model_dir(tables, tmp_path_factory):
    pairs, labels = tables
    out = tmp_path_factory.mktemp("model_all")
    train_scope(pairs, labels, "all", TINY, out, threads=1)
    return out


@pytest.fixture(scope="module")
def folds(tables):
    pairs, labels = tables
    return grouped_folds(labelled_table(pairs, labels, "all", TINY_MERGED, "tf_group"), N_FOLDS, seed=0)


@pytest.fixture(scope="module")
def oof_tables(tables, folds, tmp_path_factory):
    """Two repeats (fold seeds 0 and 1) of 3 folds."""
    pairs, labels = tables
    root = tmp_path_factory.mktemp("cv")
    out = []
    table = labelled_table(pairs, labels, "all", TINY_MERGED, "tf_group")
    for repeat in range(N_REPEATS):
        f = folds if repeat == 0 else grouped_folds(table, N_FOLDS, seed=repeat)
        out += [run_cv_fold(pairs, table, "all", TINY_MERGED, f, k, root / f"r{repeat}_fold{k}", threads=1,
                            repeat=repeat) for k in range(N_FOLDS)]
    return out, root


# ------------------------------------------------------------------------------------------------
# score table
# ------------------------------------------------------------------------------------------------
def test_score_table(tables, model_dir):
    pairs, labels = tables
    scores = model_scores(model_dir, pairs, labels)
    assert list(scores.columns) == SCORE_COLUMNS
    assert set(scores["pair_id"]) == set(pairs["pair_id"])  # every pair of the scope
    unlabelled = scores[scores["tf_id"].isin(["TF00018", "TF00019"])]
    assert len(unlabelled) == 8 and (unlabelled["split"] == "unlabelled").all()
    assert unlabelled[["kd_nm", "target", "binder"]].isna().all().all()
    split = pd.read_csv(model_dir / "split.tsv", sep="\t").set_index("pair_id")["split"]
    lab = scores[scores["split"] != "unlabelled"].set_index("pair_id")
    assert lab["split"].to_dict() == split[lab.index].to_dict()
    assert lab["model_score"].between(0, 1).all()
    # rank within domain, computed independently: 1 + number of pairs of the category with a higher score
    for row in scores.itertuples():
        same = scores[scores["domain_category"] == row.domain_category]
        assert row.rank_in_domain == 1 + int((same["model_score"] > row.model_score).sum())
    # synthetic labels have no binder column: derived from the category's ceiling (largest Kd)
    assert (lab["binder_source"] == "ceiling").all()
    joined = pairs.merge(labels, on=["tf_id", "domain_id"])
    ceiling = joined.groupby("domain_category")["kd_nm"].max()
    joined = joined.set_index("pair_id")
    expected = joined["kd_nm"] < joined["domain_category"].map(ceiling)
    assert lab["binder"].to_dict() == expected.astype(float)[lab.index].to_dict()


def test_score_table_refuses_labels_without_split(tables, model_dir):
    pairs, labels = tables
    more = synthetic_tables(n_tfs=20, seed=7)[1]  # labels for the two held-back TFs too
    with pytest.raises(InputError, match="no split"):
        model_scores(model_dir, pairs, more)


# ------------------------------------------------------------------------------------------------
# cross-validation
# ------------------------------------------------------------------------------------------------
def test_cv_split_grouped(tables, folds):
    pairs, labels = tables
    table = pairs.merge(labels, on=["tf_id", "domain_id"]).sort_values("pair_id").reset_index(drop=True)
    split = cv_split(table, folds, 1)
    assert set(split[split == "test"].index) == set(folds[folds == 1].index)
    assert set(split[split == "train"].index) == set(folds[folds != 1].index)  # members draw their own val


def test_run_cv_fold_returns_held_out_rows(oof_tables, folds):
    oofs, root = oof_tables
    for k, oof in enumerate(oofs[:N_FOLDS]):
        assert list(oof.columns) == OOF_COLUMNS
        held = set(folds[folds == k].index)
        assert set(oof["pair_id"]) == held  # only the held-out fold's pairs
        assert set(oof["predictor"]) == {*PREDICTORS, "fusion_ridge"}  # every predictor present
        assert (oof.groupby("predictor").size() == len(held)).all()
        assert (oof["fold"] == k).all() and (oof["repeat"] == 0).all()
        on_target_scale = oof.predictor.isin(["fusion", "domain_mean", "ridge", "ridge_prior", "gbm"])
        assert oof.loc[on_target_scale, "score"].between(0, 1).all()
        raw = oof.predictor.isin(["iptm", "pdockq"])
        assert oof.loc[raw, "rank_score"].equals(oof.loc[raw, "score"])  # nothing fitted, nothing centred
        # domain_mean is constant per domain in a fold and centred on its own training mean: rank_score 0
        assert np.allclose(oof.loc[oof.predictor == "domain_mean", "rank_score"], 0.0)
        for name in ("model.pt", "history.tsv", "split.tsv", "oof.tsv"):
            assert (root / f"r0_fold{k}" / name).is_file()
        split = pd.read_csv(root / f"r0_fold{k}" / "split.tsv", sep="\t")
        assert set(split.loc[split["split"] == "test", "pair_id"]) == held
        pd.testing.assert_frame_equal(read_oof(root / f"r0_fold{k}" / "oof.tsv"), oof, check_dtype=False)
    all_oof = pd.concat(oofs)
    assert not all_oof.duplicated(["repeat", "pair_id", "predictor"]).any()
    assert all_oof.groupby("repeat")["pair_id"].nunique().tolist() == [72, 72]


# ------------------------------------------------------------------------------------------------
# evaluate_scope end to end
# ------------------------------------------------------------------------------------------------
def test_evaluate_scope_end_to_end(tables, model_dir, oof_tables, tmp_path):
    pairs, labels = tables
    oofs, _ = oof_tables
    scores, metrics = evaluate_scope(model_dir, pairs, labels, oofs, {"bootstrap": 200, "seed": 0})
    assert list(metrics.columns) == METRIC_COLUMNS
    assert (metrics["model"] == "all").all()
    assert set(scores["split"]) == {"train", "val", "test", "unlabelled"}
    domains = ["all", "KIX", "NCBD", "TAZ1", "TAZ2"]
    for split in ("train", "val", "test", "cv"):
        if split == "cv":
            present = domains[1:]
        else:
            present = scores.loc[scores["split"] == split, "domain_category"].unique()
        for domain in ["all", *present]:
            for predictor in [*PREDICTORS, "fusion_ridge"]:
                if predictor == "shape_complementarity":  # not in the synthetic tables: n = 0
                    continue
                rows = metrics[(metrics.split == split) & (metrics.domain == domain)
                               & (metrics.predictor == predictor)]
                assert len(rows) == 1, (split, domain, predictor)
                assert rows["n"].iloc[0] > 0
    assert not metrics.duplicated(["split", "domain", "predictor"]).any()
    cv_all = metrics[(metrics.split == "cv") & (metrics.domain == "all")].set_index("predictor")
    assert (cv_all.drop(index="shape_complementarity")["n"] == 72).all()  # every labelled pair once per repeat
    assert (cv_all["n_repeats"] == N_REPEATS).all()
    assert cv_all.loc["iptm", "auroc_sd"] == 0.0  # nothing fitted: the same ranking in every repeat
    assert np.isfinite(cv_all.loc["fusion", "auroc_sd"])
    # paired differences: on cv rows of each domain, for every predictor but the fusion itself; the point value
    # is the difference of the two mean AUROCs (AUROC is linear in the pair wins, averaged over the same repeats)
    cv_dom = metrics[(metrics.split == "cv") & (metrics.domain != "all")]
    assert cv_dom.loc[cv_dom.predictor == "fusion", "fusion_minus_auroc"].isna().all()
    for domain in domains[1:]:
        d = cv_dom[cv_dom.domain == domain].set_index("predictor")
        for other in ("iptm", "ridge_prior", "ridge"):
            assert d.loc[other, "fusion_minus_auroc"] == pytest.approx(d.loc["fusion", "auroc"] - d.loc[other, "auroc"])
            assert d.loc[other, "fusion_minus_auroc_low"] <= d.loc[other, "fusion_minus_auroc"] \
                <= d.loc[other, "fusion_minus_auroc_high"]
    assert metrics.loc[metrics.split != "cv", "fusion_minus_auroc"].isna().all()
    train_all = metrics[(metrics.split == "train") & (metrics.domain == "all")].set_index("predictor")
    assert train_all.loc["fusion", "n"] == (scores["split"] == "train").sum()
    assert np.isnan(train_all.loc["iptm", "r2"]) and np.isfinite(train_all.loc["ridge", "r2"])
    # the planted signal (iptm within category) is found by the ranking column
    assert train_all.loc["iptm", "spearman"] > 0.3
    # deterministic
    again = evaluate_scope(model_dir, pairs, labels, oofs, {"bootstrap": 200, "seed": 0})[1]
    pd.testing.assert_frame_equal(metrics, again)

    paths = write_outputs(scores, metrics, tmp_path / "eval")
    assert {p.name for p in paths.values()} == {"predictions.tsv", "predictions.parquet", "metrics.tsv",
                                                "summary.md"}
    text = paths["summary"].read_text()
    assert "cross-validation (2 repeat(s)" in text and "- **KIX**:" in text and "Pooled R2" in text
    back = pd.read_parquet(paths["predictions_parquet"])
    assert list(back.columns) == SCORE_COLUMNS and len(back) == len(scores)
    assert len(pd.read_csv(paths["metrics"], sep="\t")) == len(metrics)


def test_evaluate_scope_without_cv(tables, model_dir):
    pairs, labels = tables
    _, metrics = evaluate_scope(model_dir, pairs, labels, None, {"bootstrap": 10})
    assert "cv" not in set(metrics["split"])
    with pytest.raises(InputError, match="unknown key"):
        evaluate_scope(model_dir, pairs, labels, None, {"boot": 10})


def test_cv_on_two_tf_groups_predicts_finite_kd(tmp_path):
    """Two TFs x 3 domains per category, one TF per fold: each fold model trains on a single TF, whose
    sequence descriptors are constant within a category up to float round-off (3 rows). Before the
    round-off tolerance that SD scaled the held-out TF's descriptors by ~1e16 and every out-of-fold
    predicted Kd was 0 or inf. Now they are finite and near the measured range (synthetic Kd lie within
    10^0.5..10^4.3 nM: offsets 2.5..4 minus 2 x ipTM in 0.1..0.9, noise 0.1)."""
    pairs, labels = synthetic_tables(n_tfs=2, domains_per_category=3, seed=3)
    cfg = merge_config({"ensemble": 2, "epochs": 30, "min_pairs": 4, "device": "cpu"})
    table = labelled_table(pairs, labels, "all", cfg, "tf_group")
    folds = grouped_folds(table, 2, seed=0)
    assert folds.groupby(pairs.set_index("pair_id")["tf_id"]).nunique().max() == 1  # a TF is one fold
    for fold in (0, 1):
        oof = run_cv_fold(pairs, table, "all", cfg, folds, fold, tmp_path / f"fold{fold}", threads=1)
        kd = oof.loc[oof["predictor"] == "fusion", "kd_pred_nm"].to_numpy(dtype=float)
        assert len(kd) == 12 and np.isfinite(kd).all()
        assert (kd > 10 ** -1.5).all() and (kd < 10 ** 6.3).all(), kd  # within 2 decades of the range
