"""Evaluation figures (tfbind.evaluation.plots): every function writes a readable PNG, the numbers drawn
equal independently computed ones, and degenerate inputs (NaN metrics, one-class domains) do not crash."""

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

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
    for split in ("train", "val", "test", "cv"):
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
                    "spearman_ci_high": min(rho + 0.2, 1.0), "n_repeats": 5 if split == "cv" else np.nan,
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


def test_metric_bars_with_nan(tmp_path):
    m = synthetic_metrics(with_nan=True)
    out = tmp_path / "metric_bars.png"
    plots.plot_metric_bars(m, out, split="test", title_prefix="all")
    assert_png(out)
    all_nan = m.assign(spearman=np.nan, auroc=np.nan, spearman_ci_low=np.nan, spearman_ci_high=np.nan)
    plots.plot_metric_bars(all_nan, tmp_path / "nan.png", split="test")
    assert_png(tmp_path / "nan.png")
    plots.plot_metric_bars(m[m["split"] != "cv"], tmp_path / "empty.png", split="cv")  # no cv rows
    assert_png(tmp_path / "empty.png")


def test_metric_bars_several_models(tmp_path):
    m = pd.concat([synthetic_metrics(), synthetic_metrics(1).assign(model="KIX")])
    with pytest.raises(ValueError, match="several models"):
        plots.plot_metric_bars(m, tmp_path / "x.png")
    plots.plot_metric_bars(m, tmp_path / "kix.png", model="KIX")
    assert_png(tmp_path / "kix.png")


def test_feature_pca_real_pairs(tmp_path, real_pairs, real_predictions):
    out = tmp_path / "pca_pred.png"
    plots.plot_feature_pca(real_pairs, real_predictions, out, title_prefix="all")
    assert_png(out)
    labels = pd.read_csv(LABELS, sep="\t")
    plots.plot_feature_pca(real_pairs, labels, tmp_path / "pca_labels.png")
    assert_png(tmp_path / "pca_labels.png")
    kd = plots.observed_kd(real_pairs, labels)
    joined = real_pairs[["tf_id", "domain_id"]].merge(labels, on=["tf_id", "domain_id"], how="left")
    assert np.array_equal(np.isnan(kd), joined["kd_nm"].isna().to_numpy())
    assert kd[~np.isnan(kd)] == pytest.approx(joined["kd_nm"].dropna().to_numpy())


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
