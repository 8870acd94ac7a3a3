"""Evaluation metrics, bootstrap CI, grouped folds and baselines on hand-made tables (no training)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tfbind.errors import InputError
from tfbind.evaluation import baselines
from tfbind.evaluation.metrics import (
    BOOTSTRAP_CHUNK,
    METRIC_COLUMNS,
    accuracy,
    auprc,
    auroc,
    binder_labels,
    category_ceilings,
    metric_rows,
    predictor_metrics,
    r2,
    spearman,
    spearman_ci,
    top25_accuracy,
)
from tfbind.model.folds import grouped_folds, read_folds, write_folds
from tfbind.model.synthetic import synthetic_tables


# ------------------------------------------------------------------------------------------------
# point metrics, worked out by hand
# ------------------------------------------------------------------------------------------------
def test_spearman_of_known_permutation():
    # ranks 1..5 vs 2,1,4,3,5: d = -1, 1, -1, 1, 0, sum d^2 = 4 -> rho = 1 - 6*4 / (5*(25-1)) = 0.8
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert spearman([5, 4, 3, 2, 1], [1, 2, 3, 4, 5]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 2], [1, 2]))  # n < 3
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))  # constant


def test_accuracy_and_top25_counted_by_hand():
    target = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    score = np.array([0.1, 0.45, 0.3, 0.4, 0.5, 0.6, 0.95, 0.85])
    # |score - target| = 0, .25, 0, 0, 0, 0, .25, .05 -> 6 of 8 within 0.1
    assert accuracy(score, target) == pytest.approx(6 / 8)
    # 75th percentile of the targets (linear) = 0.6 + 0.25 * 0.1 = 0.625 -> top rows: 0.7 (miss), 0.8 (hit)
    assert top25_accuracy(score, target) == pytest.approx(0.5)


def test_r2_mse_mae_by_arithmetic():
    score, target = [0.3, 0.45, 0.9], [0.1, 0.5, 0.9]
    # residuals 0.2, -0.05, 0; SS_res = 0.04 + 0.0025 = 0.0425; mean target 0.5, SS_tot = 0.16 + 0 + 0.16
    assert r2(score, target) == pytest.approx(1 - 0.0425 / 0.32)
    m = predictor_metrics(score, target, [np.nan] * 3, n_boot=10)
    assert m["n"] == 3
    assert m["mse"] == pytest.approx(0.0425 / 3)
    assert m["mae"] == pytest.approx(0.25 / 3)
    assert m["r2"] == pytest.approx(1 - 0.0425 / 0.32)
    assert m["acc_0.1"] == pytest.approx(2 / 3)  # 0.05 and 0 within 0.1, 0.2 not
    assert math.isnan(m["auroc"]) and math.isnan(m["auprc"])  # no binder known
    assert math.isnan(r2([0.5], [0.5]))  # n < 2
    assert math.isnan(r2([0.1, 0.2], [0.5, 0.5]))  # constant target


def test_auroc_auprc_of_hand_ranked_example():
    score = [0.9, 0.8, 0.7, 0.6, 0.5]
    binder = [1, 0, 1, 1, 0]
    # positive/negative pairs ranked correctly: (0.9>0.8) (0.9>0.5) (0.7>0.5) (0.6>0.5) = 4 of 3*2
    assert auroc(score, binder) == pytest.approx(4 / 6)
    # precision at each positive: 1/1, 2/3, 3/4 -> average precision 29/36
    assert auprc(score, binder) == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)
    assert math.isnan(auroc(score, [1, 1, 1, 1, 1]))
    assert math.isnan(auprc(score, [0, 0, 0, 0, 0]))


def test_binder_from_ceiling_when_labels_lack_it():
    table = pd.DataFrame({
        "domain_category": ["A", "A", "A", "A", "B", "B"],
        "kd_nm": [10.0, 100.0, 1000.0, 1000.0, 5.0, 50.0],
    })
    binder, source = binder_labels(table)  # ceilings: A 1000, B 50
    assert binder.tolist() == [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    assert set(source) == {"ceiling"}
    # a binder column wins where it has a value; the ceiling fills its gaps
    table["binder"] = [0, np.nan, 1, np.nan, np.nan, 1]
    binder, source = binder_labels(table)
    assert binder.tolist() == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    assert source.tolist() == ["labels", "ceiling", "labels", "ceiling", "ceiling", "labels"]
    # ceilings from the labels (category via domain_id), also for labels without a pair row
    pairs = pd.DataFrame({"domain_id": ["d1", "d2"], "domain_category": ["A", "B"]})
    labels = pd.DataFrame({"tf_id": ["t1", "t2", "t3"], "domain_id": ["d1", "d1", "d2"], "kd_nm": [5, 7, 9]})
    assert category_ceilings(pairs, labels).to_dict() == {"A": 7, "B": 9}


# ------------------------------------------------------------------------------------------------
# bootstrap CI
# ------------------------------------------------------------------------------------------------
def test_bootstrap_ci_deterministic_and_contains_estimate():
    rng = np.random.default_rng(1)
    x = np.arange(40, dtype=float)
    y = x + rng.normal(0, 3, 40)  # clean, nearly monotone
    ci = spearman_ci(x, y, 1000, seed=7)
    assert ci == spearman_ci(x, y, 1000, seed=7)
    assert ci != spearman_ci(x, y, 1000, seed=8)
    rho = spearman(x, y)
    assert ci[0] <= rho <= ci[1] and ci[0] < ci[1] <= 1.0
    assert spearman_ci(x, x ** 2, 200, seed=0) == (1.0, 1.0)  # perfectly monotone: every resample has rho 1
    assert all(math.isnan(v) for v in spearman_ci([1, 2], [2, 1], 100, 0))
    assert all(math.isnan(v) for v in spearman_ci([1, 2, 3, 4], [5, 5, 5, 5], 100, 0))


def test_bootstrap_ci_matches_a_loop_over_resamples():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=25), rng.normal(size=25)
    x[:5] = x[5]  # ties
    n_boot, seed = 300, 11
    draw = np.random.default_rng(seed)
    rhos = []
    for start in range(0, n_boot, BOOTSTRAP_CHUNK):  # same draws as the vectorised version
        idx = draw.integers(0, len(x), size=(min(BOOTSTRAP_CHUNK, n_boot - start), len(x)))
        for row in idx:
            if len(set(x[row])) > 1 and len(set(y[row])) > 1:
                rhos.append(stats.spearmanr(x[row], y[row]).statistic)
    expected = np.percentile(rhos, [2.5, 97.5])
    assert spearman_ci(x, y, n_boot, seed) == pytest.approx(tuple(expected))


# ------------------------------------------------------------------------------------------------
# long format
# ------------------------------------------------------------------------------------------------
def test_metric_rows_layout():
    rng = np.random.default_rng(0)
    n = 12
    base = pd.DataFrame({
        "pair_id": [f"p{i}" for i in range(n)],
        "split": ["train"] * 8 + ["test"] * 4,
        "domain_category": ["KIX", "TAZ1"] * 6,
        "target": rng.uniform(size=n),
        "binder": [1.0, 0.0] * 6,
    })
    long = pd.concat([base.assign(predictor=p, score=rng.uniform(size=n)) for p in ("fusion", "iptm")])
    rows = metric_rows(long, "all", n_boot=50, seed=0, predictors=["fusion", "iptm", "gbm"])
    assert list(rows.columns) == METRIC_COLUMNS
    assert len(rows) == 2 * 3 * 3  # splits x (all, KIX, TAZ1) x predictors
    assert rows["split"].unique().tolist() == ["train", "test"]
    assert rows["domain"].unique().tolist() == ["all", "KIX", "TAZ1"]
    fus = rows[(rows.predictor == "fusion") & (rows.split == "train") & (rows.domain == "all")].iloc[0]
    sel = base.split == "train"
    sc = long[(long.predictor == "fusion")][sel.to_numpy()]
    assert fus["n"] == 8 and fus["r2"] == pytest.approx(r2(sc.score, sc.target))
    ipt = rows[rows.predictor == "iptm"]
    assert ipt[["r2", "mse", "mae", "pearson", "acc_0.1", "top25_acc"]].isna().all().all()
    assert ipt.loc[ipt["n"] >= 3, "spearman"].notna().all()
    assert ipt.loc[ipt["n"] < 3, "spearman"].isna().all()  # test split: 2 rows per category
    # one class per domain (KIX all binders) -> no AUROC; both classes in "all"
    assert rows[(rows.domain == "KIX")]["auroc"].isna().all()
    assert rows[(rows.domain == "all") & (rows.predictor != "gbm")]["auroc"].notna().all()
    gbm = rows[rows.predictor == "gbm"]  # no rows given: n 0, all NaN
    assert (gbm["n"] == 0).all() and gbm["spearman"].isna().all()


# ------------------------------------------------------------------------------------------------
# grouped folds
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def uneven():
    """Labelled pairs with TF groups of 1 to 4 pairs, plus unlabelled rows (kd_nm NaN)."""
    pairs, labels = synthetic_tables(n_tfs=23, seed=5)
    table = pairs.merge(labels, on=["tf_id", "domain_id"])
    rng = np.random.default_rng(0)
    keep = np.ones(len(table), dtype=bool)
    for tf, rows in table.groupby("tf_id").groups.items():
        keep[rng.choice(rows, size=int(rng.integers(0, 4)), replace=False)] = False
    table = table[keep].reset_index(drop=True)
    table.loc[[0, 5], "kd_nm"] = np.nan
    return table


def test_grouped_folds(uneven, tmp_path):
    folds = grouped_folds(uneven, 5, seed=3)
    labelled = uneven[uneven.kd_nm.notna()]
    assert set(folds.index) == set(labelled.pair_id)  # only labelled pairs
    assert set(folds) == set(range(5))
    tf_of = labelled.set_index("pair_id")["tf_id"]
    assert (pd.DataFrame({"tf": tf_of[folds.index].to_numpy(), "fold": folds.to_numpy()})
            .groupby("tf")["fold"].nunique() == 1).all()  # no TF in two folds
    sizes = folds.value_counts()
    largest_group = labelled["tf_id"].value_counts().max()
    assert sizes.max() - sizes.min() <= largest_group
    assert folds.equals(grouped_folds(uneven, 5, seed=3))  # deterministic
    assert not folds.equals(grouped_folds(uneven, 5, seed=4))
    write_folds(folds, tmp_path / "folds.tsv")
    assert read_folds(tmp_path / "folds.tsv").equals(folds)
    with pytest.raises(InputError, match="distinct TF groups"):
        grouped_folds(uneven.iloc[:6], 5, 0)


# ------------------------------------------------------------------------------------------------
# baselines
# ------------------------------------------------------------------------------------------------
FEATURES = {"alphafold": ["iptm", "pae_mean", "pdockq"], "interface": ["interface_area", "frac_charged"]}


@pytest.fixture(scope="module")
def labelled():
    pairs, labels = synthetic_tables(n_tfs=30, seed=2)
    table = pairs.merge(labels, on=["tf_id", "domain_id"])
    kd = np.log10(table["kd_nm"])
    table["target"] = np.clip(1 - (kd - kd.min()) / (kd.max() - kd.min()), 0, 1)
    rng = np.random.default_rng(0)
    table["split"] = rng.choice(["train", "val", "test"], size=len(table), p=[0.7, 0.15, 0.15])
    table.loc[3, "iptm"] = np.nan  # median imputation on the way
    return table


def test_domain_mean_is_per_category_train_mean(labelled):
    train = (labelled.split == "train").to_numpy()
    # make one category unseen in train
    mask = train & (labelled.domain_category != "TAZ2").to_numpy()
    pred = baselines.domain_mean(labelled, mask)
    sums, counts = {}, {}
    for cat, t, m in zip(labelled.domain_category, labelled.target, mask):
        if m:
            sums[cat] = sums.get(cat, 0.0) + t
            counts[cat] = counts.get(cat, 0) + 1
    overall = sum(sums.values()) / sum(counts.values())
    expected = [sums[c] / counts[c] if c in sums else overall for c in labelled.domain_category]
    assert pred == pytest.approx(expected)


def test_ridge_and_gbm_use_only_train_rows(labelled):
    train = (labelled.split == "train").to_numpy()
    before = baselines.fit_predict(labelled, train, FEATURES)
    assert list(before.columns) == ["domain_mean", "ridge", "gbm"]
    assert before[["ridge", "gbm"]].ge(0).all().all() and before[["ridge", "gbm"]].le(1).all().all()
    wild = labelled.copy()
    for col in ["iptm", "pae_mean", "pdockq", "interface_area", "frac_charged"]:
        wild.loc[~train, col] = wild.loc[~train, col] * 1e6 + 1e3
    wild.loc[~train, "target"] = 1 - wild.loc[~train, "target"]
    after = baselines.fit_predict(wild, train, FEATURES)
    pd.testing.assert_frame_equal(before[train], after[train])
    assert not np.allclose(before.loc[~train, "ridge"], after.loc[~train, "ridge"])
    # ridge learns the planted signal (iptm within category)
    assert stats.spearmanr(before.loc[~train, "ridge"], labelled.loc[~train, "target"]).statistic > 0.5


def test_ranking_scores_raw_columns(labelled):
    out = baselines.ranking_scores(labelled.drop(columns=["lis"]))
    assert list(out.columns) == ["iptm", "ranking_confidence", "ipsae_min", "pdockq", "shape_complementarity", "lis"]
    assert out["shape_complementarity"].isna().all()  # not in the table: NaN
    assert out["pdockq"].equals(labelled["pdockq"].astype(float))
    assert out["lis"].isna().all()


def test_domain_mean_has_no_within_domain_ranking_even_pooled_over_folds():
    """Out-of-fold domain means differ slightly between folds; that must not read as a ranking."""
    from tfbind.evaluation.metrics import metric_rows

    long = pd.DataFrame({
        "pair_id": [f"p{i}" for i in range(6)],
        "split": "cv", "domain_category": "KIX", "predictor": "domain_mean",
        "score": [0.50, 0.50, 0.52, 0.52, 0.48, 0.48],  # three folds' means
        "target": [0.1, 0.9, 0.2, 0.8, 0.3, 0.7], "binder": [0, 1, 0, 1, 0, 1],
    })  # fmt: skip
    rows = metric_rows(long, "all", n_boot=20).set_index("domain")
    assert np.isnan(rows.loc["KIX", "spearman"]) and np.isnan(rows.loc["KIX", "auroc"])
    assert rows.loc["KIX", "mse"] == pytest.approx(np.mean((long["score"] - long["target"]) ** 2))


def test_paired_auroc_difference_by_hand_and_against_sklearn_on_repeated_rows():
    from sklearn.metrics import roc_auc_score

    from tfbind.evaluation.metrics import paired_auroc_difference

    binder = np.array([1, 1, 0, 0, 1, 0, 0, 1])
    groups = np.array(["g1", "g1", "g2", "g2", "g3", "g3", "g4", "g4"])
    a = np.array([[8, 7, 2, 1, 6, 3, 4, 5], [8, 7, 2, 1, 6, 4, 3, 5]], dtype=float)
    b = np.array([[1, 7, 2, 8, 6, 3, 4, 5], [1, 7, 2, 8, 6, 3, 4, 5]], dtype=float)
    # by hand: a ranks every binder above every non-binder in both repeats (AUROC 1); b's binders 1,7,6,5
    # against non-binders 2,8,3,4: wins 0+3+3+3 = 9 of 16 (0.5625) -> difference 0.4375
    point, lo, hi = paired_auroc_difference(a, b, binder, groups, n_boot=300, seed=3)
    assert point == pytest.approx(1 - 9 / 16)
    # the same resamples drawn here, the rows repeated explicitly and scored by sklearn
    rng = np.random.default_rng(3)
    unique = np.unique(groups)
    diffs = []
    for _ in range(300):
        drawn = unique[rng.choice(len(unique), size=len(unique), replace=True)]
        rows = np.concatenate([np.flatnonzero(groups == u) for u in drawn])
        if len(np.unique(binder[rows])) < 2:
            continue
        diffs.append(np.mean([roc_auc_score(binder[rows], ra[rows]) - roc_auc_score(binder[rows], rb[rows])
                              for ra, rb in zip(a, b)]))
    assert (lo, hi) == pytest.approx(tuple(np.percentile(diffs, [2.5, 97.5])))
    assert lo < point < hi


def test_paired_auroc_difference_of_a_predictor_with_itself_is_zero_and_one_class_is_nan():
    from tfbind.evaluation.metrics import paired_auroc_difference

    score = np.array([0.3, 0.1, 0.9, 0.5])
    assert paired_auroc_difference(score, score, [1, 0, 1, 0], ["a", "b", "c", "d"]) == (0.0, 0.0, 0.0)
    assert all(math.isnan(v) for v in paired_auroc_difference(score, score, [1, 1, 1, np.nan], list("abcd")))
    with pytest.raises(ValueError):
        paired_auroc_difference(score, score[:3], [1, 0, 1, 0], list("abcd"))


def test_fusion_differences_pairs_repeats_and_a_raw_metric_by_hand():
    from tfbind.evaluation.metrics import fusion_differences

    # domain A: 2 binders (a1, a2), 2 non-binders (a3, a4), four genes; fusion ranks perfectly in both repeats
    # (AUROC 1), iptm (one value per pair, the same in each repeat) is constant (AUROC 0.5): +0.5 on every
    # resample. Domain B: fusion ranks b1 (binder) below b2 in repeat 0 and above it in repeat 1: mean 0.5;
    # iptm 1.
    table = [("a1", "A", 1, 4, 0.3), ("a2", "A", 1, 3, 0.3), ("a3", "A", 0, 2, 0.3), ("a4", "A", 0, 1, 0.3),
             ("b1", "B", 1, None, 0.9), ("b2", "B", 0, 0.5, 0.1)]
    rows = []
    for rep in (0, 1):
        for pid, dom, binder, fusion, iptm in table:
            fusion = rep if fusion is None else fusion
            for predictor, value in (("fusion", fusion), ("iptm", iptm)):
                rows.append({"pair_id": pid, "repeat": rep, "domain_category": dom, "predictor": predictor,
                             "rank_score": value, "binder": binder})
    groups = pd.Series({"a1": "g1", "a2": "g2", "a3": "g3", "a4": "g4", "b1": "g5", "b2": "g6"})
    got = fusion_differences(pd.DataFrame(rows), groups, n_boot=200, seed=0).set_index(["domain", "predictor"])
    assert list(got.index) == [("A", "iptm"), ("B", "iptm")]
    assert tuple(got.loc[("A", "iptm")]) == pytest.approx((0.5, 0.5, 0.5))
    assert got.loc[("B", "iptm"), "fusion_minus_auroc"] == pytest.approx(-0.5)
