"""Evaluation figures (tfbind.evaluation.plots): every function writes a readable PNG, the numbers drawn
equal independently computed ones, and degenerate inputs (NaN metrics, one-class domains) do not crash."""

import re
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tfbind.evaluation import plots

REPO = Path(__file__).resolve().parents[1]
PAIRS = REPO / "results" / "features" / "pairs.parquet"
LABELS = REPO / "resources" / "demo" / "labels.tsv"
HISTORY = REPO / "results" / "models" / "all" / "history.tsv"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CATS = ("KIX", "NCBD", "TAZ1", "TAZ2")


def assert_png(path, min_w=400, min_h=300):
    path = Path(path)
    assert path.is_file() and path.stat().st_size > 1000, path
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.shape[0] > min_h and img.shape[1] > min_w, img.shape
    assert float(np.std(img[..., :3])) > 0.01  # not a blank canvas


# ---------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------
def synthetic_history(n=20, members=2):
    e = np.arange(1, n + 1)
    return pd.concat([pd.DataFrame({
        "member": k, "epoch": e, "train_loss": 0.15 / e + 0.01 * (k + 1), "penalty": 0.01,
        "val_loss": 0.12 / np.sqrt(e) + 0.03 + 0.001 * (e - 12.0) ** 2 / n, "lr": 0.01,
    }) for k in range(members)], ignore_index=True)


def synthetic_predictions(seed=0, per_cat=24):
    """A score table like the predict stage writes: 4 categories, train/val/test/unlabelled rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for cat in CATS:
        for i in range(per_cat):
            split = ("train",) * 14 + ("val",) * 3 + ("test",) * 5 + ("unlabelled",) * 2
            s = split[i % len(split)]
            target = np.nan if s == "unlabelled" else float(rng.uniform(0, 1))
            kd = np.nan if s == "unlabelled" else 100.0 + (1 - target) * 99_900
            mean = 0.5 if np.isnan(target) else 0.7 * target + 0.15
            score = float(np.clip(mean + rng.normal(0, 0.1), 0, 1))
            rows.append({
                "pair_id": f"{cat}_and_TF{i:02d}", "tf_id": f"TF{i:02d}", "domain_id": cat,
                "domain_category": cat,
                "split": s, "model_score": score, "kd_pred_unclipped_nm": 100.0 + (1 - score) * 99_900, "imputed": "",
                "kd_nm": kd, "binder": np.nan if s == "unlabelled" else float(target > 0.4), "target": target,
            })
    table = pd.DataFrame(rows)
    table["rank_in_domain"] = table.groupby("domain_category")["model_score"].rank(ascending=False, method="first")
    return table


def synthetic_metrics(seed=0, with_nan=True):
    rng = np.random.default_rng(seed)
    rows = []
    for split in ("train", "val", "test"):
        for dom in ("all", *CATS):
            for pred in ("fusion", "domain_mean", "iptm", "ipsae_min", "pdockq", "lis", "ridge", "gbm"):
                rho = float(rng.uniform(-0.3, 0.9))
                ranking = pred in ("iptm", "ipsae_min", "pdockq", "lis")
                rows.append({
                    "model": "all", "split": split, "domain": dom, "predictor": pred, "n": 20,
                    "r2": np.nan if ranking else float(rng.uniform(-0.5, 0.8)),
                    "mse": np.nan if ranking else 0.05, "mae": np.nan if ranking else 0.2, "spearman": rho,
                    "pearson": np.nan if ranking else rho, "acc_0.1": np.nan if ranking else 0.4,
                    "top25_acc": np.nan if ranking else 0.6, "auroc": float(rng.uniform(0.3, 1.0)),
                    "auprc": float(rng.uniform(0.3, 1.0)), "spearman_ci_low": rho - 0.3,
                    "spearman_ci_high": min(rho + 0.2, 1.0),
                })
    m = pd.DataFrame(rows)
    if with_nan:
        nan_rows = (m["domain"] == "TAZ2") & m["predictor"].isin(["pdockq", "lis"])
        m.loc[nan_rows, ["spearman", "auroc", "spearman_ci_low", "spearman_ci_high"]] = np.nan
        m.loc[m["domain"] == "NCBD", "auroc"] = np.nan  # one class only in that domain
        m.loc[(m["domain"] == "KIX") & (m["predictor"] == "fusion"), "spearman_ci_low"] = np.nan
    return m


@pytest.fixture(scope="module")
def real_pairs():
    if not PAIRS.is_file():
        pytest.skip(f"{PAIRS} not found (run the demo features stage first)")
    return pd.read_parquet(PAIRS)


@pytest.fixture(scope="module")
def real_predictions(real_pairs):
    return predictions_for(real_pairs)


def predictions_for(pairs):
    """A score table over the (real demo) pairs: labels joined, a fixed split, a noisy score of the target."""
    labels = pd.read_csv(LABELS, sep="\t")
    p = pairs[["pair_id", "tf_id", "domain_id", "domain_category"]].merge(
        labels, on=["tf_id", "domain_id"], how="left")
    rng = np.random.default_rng(3)
    p["split"] = np.where(p["kd_nm"].isna(), "unlabelled",
                          rng.choice(["train", "val", "test"], size=len(p), p=[0.7, 0.15, 0.15]))
    train = p.loc[p["split"] == "train", "kd_nm"]
    p["target"] = np.clip(1 - (p["kd_nm"] - train.min()) / (train.max() - train.min()), 0, 1)
    p["model_score"] = np.clip(0.6 * p["target"].fillna(0.5) + 0.2 + rng.normal(0, 0.1, len(p)), 0, 1)
    p["kd_pred_unclipped_nm"] = 1000.0
    p["imputed"] = ""
    p["rank_in_domain"] = p.groupby("domain_category")["model_score"].rank(ascending=False, method="first")
    return p


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------
def test_best_epoch_is_lowest_val_loss_ties_earlier():
    h = synthetic_history(6, members=1).assign(val_loss=[0.3, 0.2, 0.1, 0.1, 0.15, 0.4])
    assert plots.best_epoch(h) == 3  # epochs 3 and 4 tie on the lowest loss -> the earlier
    assert plots.best_epoch(h.assign(val_loss=np.nan)) is None


def test_roc_auc_equals_mann_whitney():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    s = np.round(rng.normal(y * 0.8, 1.0), 1)  # rounded: many ties
    fpr, tpr, auc = plots.roc_curve(y, s)
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert auc == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    with pytest.raises(ValueError):
        plots.roc_curve([1, 1, 1], [0.1, 0.2, 0.3])


def test_pca_matches_eigen_decomposition():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4))
    x[3, 1] = np.nan
    scores, ratio, loadings = plots.pca(x)
    filled = np.where(np.isnan(x), np.nanmedian(x, axis=0), x)
    z = (filled - filled.mean(0)) / filled.std(0)
    eig = np.sort(np.linalg.eigvalsh(np.cov(z, rowvar=False, bias=True)))[::-1]
    assert ratio == pytest.approx(eig[:2] / eig.sum())
    assert scores.shape == (50, 2) and loadings.shape == (4, 2)
    assert np.var(scores[:, 0]) == pytest.approx(eig[0])


# ---------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------
def test_training_curves(tmp_path):
    history = pd.read_csv(HISTORY, sep="\t") if HISTORY.is_file() else synthetic_history()
    out = tmp_path / "training_curves.png"
    plots.plot_training_curves(history, out, title_prefix="all")
    assert_png(out)


def test_training_curves_without_validation(tmp_path):
    h = synthetic_history().assign(val_loss=np.nan)
    plots.plot_training_curves(h, tmp_path / "t.png")
    assert_png(tmp_path / "t.png")


def _legend_numbers(fig, split="test"):
    """panel title -> (n, R², Spearman) parsed from the legend entry of the highlighted split."""
    found = {}
    pattern = re.compile(rf"^{split} \(n=(\d+)\): R² = (\S+), Spearman ρ = (\S+)$")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        for text in legend.get_texts():
            m = pattern.match(text.get_text())
            if m:
                found[ax.get_title()] = tuple(np.nan if v == "n/a" else float(v) for v in m.groups())
    return found


def test_pred_vs_obs_legend_numbers(tmp_path):
    preds = synthetic_predictions()
    fig = plots.pred_vs_obs_figure(preds, split="test", title_prefix="all")
    try:
        legend = _legend_numbers(fig)
    finally:
        import matplotlib.pyplot as plt
        plt.close(fig)
    assert set(legend) == {"all domains", *CATS}
    for title, (n, r2, rho) in legend.items():
        sub = preds[(preds["split"] == "test") & preds["target"].notna()]
        if title != "all domains":
            sub = sub[sub["domain_category"] == title]
        y, p = sub["target"].to_numpy(), sub["model_score"].to_numpy()
        expected_r2 = 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)
        expected_rho = stats.spearmanr(p, y).statistic
        assert n == len(sub)
        assert r2 == pytest.approx(round(expected_r2, 2), abs=0.0051)
        assert rho == pytest.approx(round(expected_rho, 2), abs=0.0051)
    # the helper returns the unrounded numbers
    table = plots.pred_obs_stats(preds, "test").set_index("panel")
    sub = preds[(preds["split"] == "test") & (preds["domain_category"] == "KIX")]
    expected = stats.spearmanr(sub["model_score"], sub["target"]).statistic
    assert table.loc["KIX", "spearman"] == pytest.approx(expected)
    out = tmp_path / "pred_vs_obs.png"
    plots.plot_pred_vs_obs(preds, out, split="test", title_prefix="all")
    assert_png(out)


def test_pred_vs_obs_empty_split_and_single_category(tmp_path):
    preds = synthetic_predictions()
    kix = preds[preds["domain_category"] == "KIX"]
    stats_kix = plots.pred_obs_stats(kix, "test")
    assert list(stats_kix["panel"]) == ["KIX"]  # one category: no separate "all" panel
    plots.plot_pred_vs_obs(kix, tmp_path / "kix.png", split="cv", title_prefix="KIX")  # no cv rows
    assert_png(tmp_path / "kix.png")
    assert plots.pred_obs_stats(kix, "cv")["n"].tolist() == [0]


def test_metric_bars_with_nan(tmp_path):
    m = synthetic_metrics(with_nan=True)
    out = tmp_path / "metric_bars.png"
    plots.plot_metric_bars(m, out, split="test", title_prefix="all")
    assert_png(out)
    all_nan = m.assign(spearman=np.nan, auroc=np.nan, spearman_ci_low=np.nan, spearman_ci_high=np.nan)
    plots.plot_metric_bars(all_nan, tmp_path / "nan.png", split="test")
    assert_png(tmp_path / "nan.png")
    plots.plot_metric_bars(m, tmp_path / "empty.png", split="cv")  # no rows of that split
    assert_png(tmp_path / "empty.png")


def test_metric_bars_several_models(tmp_path):
    m = pd.concat([synthetic_metrics(), synthetic_metrics(1).assign(model="KIX")])
    with pytest.raises(ValueError, match="several models"):
        plots.plot_metric_bars(m, tmp_path / "x.png")
    plots.plot_metric_bars(m, tmp_path / "kix.png", model="KIX")
    assert_png(tmp_path / "kix.png")


def test_roc_single_class_domain(tmp_path):
    preds = synthetic_predictions()
    preds.loc[preds["domain_category"] == "NCBD", "binder"] = 1.0  # NCBD: binders only
    preds.loc[preds["domain_category"] == "TAZ2", "binder"] = np.nan  # TAZ2: nothing labelled
    baselines = preds[["pair_id"]].assign(
        iptm=np.linspace(0, 1, len(preds)), ipsae_min=preds["model_score"] * 0.1, pdockq=np.nan, lis=0.3)
    baselines.loc[::7, "ipsae_min"] = np.nan
    out = tmp_path / "roc.png"
    plots.plot_roc_curves(preds, baselines, out, split="test", title_prefix="all")
    assert_png(out)
    plots.plot_roc_curves(preds, None, tmp_path / "fusion_only.png")
    assert_png(tmp_path / "fusion_only.png")


def test_feature_pca_real_pairs(tmp_path, real_pairs, real_predictions):
    out = tmp_path / "pca_pred.png"
    plots.plot_feature_pca(real_pairs, real_predictions, out, title_prefix="all")
    assert_png(out)
    labels = pd.read_csv(LABELS, sep="\t")
    plots.plot_feature_pca(real_pairs, labels, tmp_path / "pca_labels.png")
    assert_png(tmp_path / "pca_labels.png")
    target = plots._targets_for(real_pairs, labels)
    assert np.nanmax(target) == pytest.approx(1.0) and np.nanmin(target) == pytest.approx(0.0)


def synthetic_pairs(preds, seed=4):
    """A pairs table with the plotted metric columns: random values, a NaN-heavy and a constant column."""
    rng = np.random.default_rng(seed)
    pairs = preds[["pair_id", "tf_id", "domain_id", "domain_category"]].copy()
    for col in plots.PCA_AF_COLUMNS + plots.PCA_INTERFACE_COLUMNS:
        pairs[col] = rng.normal(size=len(pairs))
    pairs.loc[::3, "plddt_interface"] = np.nan
    pairs["n_salt_bridges"] = 0.0  # constant: left out of the PCA
    return pairs


def test_feature_pca_synthetic(tmp_path):
    preds = synthetic_predictions()
    plots.plot_feature_pca(synthetic_pairs(preds), preds, tmp_path / "pca.png", title_prefix="demo")
    assert_png(tmp_path / "pca.png")


def test_write_all_plots(tmp_path):
    """All five figures of one model: on the real demo pairs when present, else on synthetic ones."""
    history = pd.read_csv(HISTORY, sep="\t") if HISTORY.is_file() else synthetic_history()
    if PAIRS.is_file() and LABELS.is_file():
        pairs = pd.read_parquet(PAIRS)
        preds = predictions_for(pairs)
    else:
        preds = synthetic_predictions()
        pairs = synthetic_pairs(preds)
    paths = plots.write_all_plots(history, preds, synthetic_metrics(), pairs, None, tmp_path / "plots",
                                  title_prefix="all")
    assert set(paths) == {"training_curves", "pred_vs_obs", "metric_bars", "roc_curves", "feature_pca"}
    assert {p.name for p in paths.values()} == {
        "training_curves.png", "pred_vs_obs.png", "metric_bars.png", "roc_curves.png", "feature_pca.png"}
    for path in paths.values():
        assert_png(path)
