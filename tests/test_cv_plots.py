"""Cross-validation figures (tfbind.evaluation.cv_plots) and predictor colours: the points and curves drawn
are the out-of-fold predictions of every repeat (counted and recomputed here independently), Kd axes are in
nM on log scales, and every predictor has its own colour."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from tfbind.errors import InputError
from tfbind.evaluation import cv_plots, model_plots, plots
from tfbind.evaluation.metrics import CONSENSUS_PREDICTORS, PREDICTORS, RANK_AVERAGE_PREDICTORS, cv_metric_rows
from tfbind.plotting import roc_curve

CATS = ("KIX", "NCBD", "TAZ1")
N_PER_CAT, N_UNLABELLED, REPEATS, FOLDS = 12, 3, 3, 4
OOF_PREDICTORS = ("fusion", "ridge", "iptm", "consensus")


def score_table(seed=0):
    """A score table: N_PER_CAT labelled pairs per category (Kd 10 nM - 100 uM, binder = Kd < 5 uM) and
    N_UNLABELLED unlabelled ones (no Kd)."""
    rng = np.random.default_rng(seed)
    rows = []
    for cat in CATS:
        for i in range(N_PER_CAT + N_UNLABELLED):
            labelled = i < N_PER_CAT
            kd = float(10 ** rng.uniform(1, 5)) if labelled else np.nan
            rows.append({"pair_id": f"{cat}_TF{i:02d}", "tf_id": f"TF{i:02d}", "domain_id": cat,
                         "domain_category": cat, "split": "train" if labelled else "unlabelled",
                         "kd_nm": kd, "binder": float(kd < 5000) if labelled else np.nan,
                         "score": 0.5, "target": np.nan})
    return pd.DataFrame(rows)


def synthetic_oof(preds, seed=1):
    """Out-of-fold tables of REPEATS repeats (concatenated): every labelled pair once per repeat and predictor;
    fitted predictors change between repeats, raw ones (iptm, consensus) do not."""
    rng = np.random.default_rng(seed)
    lab = preds[preds["kd_nm"].notna()].reset_index(drop=True)
    pkd = -np.log10(lab["kd_nm"].to_numpy() * 1e-9)
    raw = {"iptm": pkd + rng.normal(0, 1.5, len(lab)), "consensus": rng.normal(size=len(lab))}
    parts = []
    for r in range(REPEATS):
        fold = rng.integers(0, FOLDS, len(lab))
        for name in OOF_PREDICTORS:
            score = raw[name] if name in raw else pkd + rng.normal(0, 1.0, len(lab))
            level = 0.0 if name in raw else rng.normal(0, 0.3)  # a fold model's per-domain level
            kd_pred = 10 ** (9 - (pkd + rng.normal(0, 0.5, len(lab)))) if name == "fusion" else np.nan
            parts.append(pd.DataFrame({"pair_id": lab["pair_id"], "repeat": r, "fold": fold, "predictor": name,
                                       "score": score + level, "rank_score": score, "target": 0.5,
                                       "pkd": pkd, "kd_pred_nm": kd_pred}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def data():
    preds = score_table()
    oof = synthetic_oof(preds)
    return preds, oof, cv_plots.oof_table(oof, preds)


# ---------------------------------------------------------------------------------------------------------
# Colours
# ---------------------------------------------------------------------------------------------------------
def test_every_known_predictor_has_its_own_fixed_colour():
    known = [*PREDICTORS, *RANK_AVERAGE_PREDICTORS, *CONSENSUS_PREDICTORS]
    assert set(known) <= set(plots.PREDICTOR_COLORS)
    hexes = [matplotlib.colors.to_hex(c) for c in plots.PREDICTOR_COLORS.values()]
    assert len(set(hexes)) == len(hexes)


@pytest.mark.parametrize("n_unknown", [0, 1, 5, 30])
def test_predictor_colors_are_distinct_and_stable(n_unknown):
    names = [*plots.PREDICTOR_COLORS, *[f"new_metric_{i}" for i in range(n_unknown)]]
    colors = plots.predictor_colors(names)
    assert list(colors) == names
    hexes = [matplotlib.colors.to_hex(c) for c in colors.values()]
    assert len(set(hexes)) == len(names)
    # a known predictor keeps its colour whatever else is drawn beside it
    assert plots.predictor_colors(["lis", "new_metric_0"])["lis"] == colors["lis"] == plots.PREDICTOR_COLORS["lis"]
    assert plots.predictor_color("fusion") == plots.PREDICTOR_COLORS["fusion"]


def test_metric_bars_use_one_colour_per_predictor(tmp_path, monkeypatch):
    """The bars of metric_bars.png: every predictor's bars in one colour, no two predictors alike."""
    drawn = {}
    real_bar = matplotlib.axes.Axes.bar

    def spy(self, x, height, *args, color=None, **kwargs):
        out = real_bar(self, x, height, *args, color=color, **kwargs)
        drawn.setdefault(id(self), []).append(matplotlib.colors.to_hex(color))
        return out

    monkeypatch.setattr(matplotlib.axes.Axes, "bar", spy)
    names = ["fusion", "domain_mean", "iptm", "ipsae_min", "pdockq", "lis", "ridge", "ridge_prior", "gbm",
             "consensus", "shape_complementarity", "ranking_confidence"]
    metrics = pd.DataFrame([{"model": "all", "split": "cv", "domain": d, "predictor": p, "n": 36,
                             "spearman": 0.3, "spearman_ci_low": 0.1, "spearman_ci_high": 0.5, "auroc": 0.7,
                             "n_repeats": 5} for d in ("all", *CATS) for p in names])
    plots.plot_metric_bars(metrics, tmp_path / "bars.png", title_prefix="model all")
    for per_axis in drawn.values():
        assert len(per_axis) == len(names) and len(set(per_axis)) == len(names)


# ---------------------------------------------------------------------------------------------------------
# Data of the figures
# ---------------------------------------------------------------------------------------------------------
def test_tpr_at_hand_worked_steps():
    # scores 4 > 3 > 2 > 1 with labels 1, 0, 1, 0: up 0.5, right 0.5, up 0.5, right 0.5
    fpr, tpr, auc = roc_curve([1, 0, 1, 0], [4, 3, 2, 1])
    assert auc == pytest.approx(0.75)
    grid = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    assert cv_plots.tpr_at(fpr, tpr, grid) == pytest.approx([0.5, 0.5, 1.0, 1.0, 1.0])
    # a tie of one binder and one non-binder: one diagonal segment
    fpr, tpr, _ = roc_curve([1, 0], [1.0, 1.0])
    assert cv_plots.tpr_at(fpr, tpr, grid) == pytest.approx(grid)


def test_kd_points_are_the_out_of_fold_predictions_of_every_repeat(data):
    preds, oof, table = data
    points = cv_plots.cv_kd_points(table)
    n_labelled = int(preds["kd_nm"].notna().sum())
    assert n_labelled == len(CATS) * N_PER_CAT
    assert len(points) == n_labelled * REPEATS  # unlabelled pairs are not drawn; every repeat is
    fusion = oof[oof["predictor"] == "fusion"].set_index(["pair_id", "repeat"])["kd_pred_nm"]
    got = points.set_index(["pair_id", "repeat"])
    assert got["kd_pred_nm"].to_numpy() == pytest.approx(fusion.reindex(got.index).to_numpy())
    assert got["kd_nm"].to_numpy() == pytest.approx(
        got.index.get_level_values("pair_id").map(preds.set_index("pair_id")["kd_nm"]).to_numpy(dtype=float))
    per_pair = cv_plots.cv_kd_per_pair(points)
    kix0 = fusion.xs("KIX_TF00", level="pair_id")
    assert per_pair.loc["KIX_TF00", "median"] == pytest.approx(np.median(kix0))
    assert per_pair.loc["KIX_TF00", "low"] == pytest.approx(kix0.min())


def test_kd_stats_are_the_mean_spearman_over_repeats(data):
    preds, oof, table = data
    st = cv_plots.cv_kd_stats(cv_plots.cv_kd_points(table)).set_index("panel")
    assert list(st.index) == ["all", *CATS]
    kd = oof["pair_id"].map(preds.set_index("pair_id")["kd_nm"])
    for panel in st.index:
        rows = oof[(oof["predictor"] == "fusion") & (panel == "all" or oof["pair_id"].str.startswith(panel))]
        rhos = [stats.spearmanr(r["kd_pred_nm"], kd[r.index]).statistic for _, r in rows.groupby("repeat")]
        assert st.loc[panel, "spearman"] == pytest.approx(np.mean(rhos))
        assert st.loc[panel, "spearman_sd"] == pytest.approx(np.std(rhos, ddof=1))
        assert st.loc[panel, "n_pairs"] == (len(CATS) if panel == "all" else 1) * N_PER_CAT
        assert st.loc[panel, "n_repeats"] == REPEATS


def test_roc_aucs_are_per_repeat_out_of_fold_and_match_the_metrics(data):
    preds, oof, table = data
    roc = cv_plots.cv_roc(table).set_index(["panel", "predictor"])
    binder = oof["pair_id"].map(preds.set_index("pair_id")["binder"])
    for cat in CATS:
        rows = oof[(oof["predictor"] == "fusion") & oof["pair_id"].str.startswith(cat)]
        aucs = [roc_auc_score(binder[r.index], r["rank_score"]) for _, r in rows.groupby("repeat")]
        assert roc.loc[(cat, "fusion"), "aucs"] == pytest.approx(aucs)
        assert roc.loc[(cat, "fusion"), "auc"] == pytest.approx(np.mean(aucs))
        assert roc.loc[(cat, "fusion"), "n_pos"] + roc.loc[(cat, "fusion"), "n_neg"] == N_PER_CAT
    # the same numbers as the cv AUROC of metrics.tsv (metrics.cv_metric_rows on the same out-of-fold rows)
    long = table.assign(split="cv", target=0.5)
    metrics = cv_metric_rows(long, "all", n_boot=0).set_index(["domain", "predictor"])
    for (panel, pred), row in roc.iterrows():
        assert row["auc"] == pytest.approx(metrics.loc[(panel, pred), "auroc"])
    # the mean curve's area is the mean AUC (up to the grid's resolution)
    assert np.trapezoid(roc.loc[("KIX", "fusion"), "tpr"], cv_plots.FPR_GRID) == pytest.approx(
        roc.loc[("KIX", "fusion"), "auc"], abs=0.01)


def test_roc_without_both_classes_has_no_curve(data, tmp_path):
    preds, oof, _ = data
    preds = preds.copy()
    preds.loc[preds["domain_category"] == "NCBD", "binder"] = 1.0
    table = cv_plots.oof_table(oof, preds)
    assert "NCBD" not in set(cv_plots.cv_roc(table)["panel"])
    cv_plots.plot_cv_roc_curves(table, tmp_path / "roc.png", "model all", n_folds=FOLDS, group_by="tf_group")
    assert (tmp_path / "roc.png").stat().st_size > 1000


def test_oof_pair_missing_from_the_score_table_is_named(data):
    preds, oof, _ = data
    with pytest.raises(InputError, match="KIX_TF00"):
        cv_plots.oof_table(oof, preds[preds["pair_id"] != "KIX_TF00"])
    with pytest.raises(InputError, match="more than one fold"):
        cv_plots.oof_table(pd.concat([oof, oof.iloc[:1]]), preds)


# ---------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------
def test_pred_vs_obs_axes_are_kd_in_nm_and_titles_say_what_is_drawn(data):
    preds, oof, table = data
    fig = cv_plots.cv_pred_vs_obs_figure(table, "model all", n_folds=FOLDS, group_by="tf_group")
    try:
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert len(axes) == 1 + len(CATS)
        st = cv_plots.cv_kd_stats(cv_plots.cv_kd_points(table)).set_index("panel")
        per_pair = cv_plots.cv_kd_per_pair(cv_plots.cv_kd_points(table))
        for ax, panel in zip(axes, ["all", *CATS]):
            assert ax.get_xscale() == ax.get_yscale() == "log"
            assert ax.get_xlabel() == "observed Kd (nM)"
            assert ax.get_ylabel() == "predicted Kd (nM), out of fold"
            title = ax.get_title()
            assert f"ρ = {st.loc[panel, 'spearman']:.2f} ± {st.loc[panel, 'spearman_sd']:.2f}" in title
            n = (len(CATS) if panel == "all" else 1) * N_PER_CAT
            assert f"{n} pairs × {REPEATS} repeats" in title
            # the dots: one per pair, at (observed Kd, median of its repeats' predicted Kd)
            xy = np.vstack([c.get_offsets() for c in ax.collections if hasattr(c, "get_sizes")
                            and len(c.get_sizes())])
            sub = per_pair if panel == "all" else per_pair[per_pair["domain_category"] == panel]
            assert sorted(map(tuple, np.round(xy, 6))) == sorted(
                map(tuple, np.round(sub[["kd_nm", "median"]].to_numpy(), 6)))
        suptitle = fig._suptitle.get_text().replace("\n", " ")
        assert "out-of-fold" in suptitle and f"{len(CATS) * N_PER_CAT} labelled pairs" in suptitle
        assert f"{FOLDS}-fold cross-validation grouped by tf_group, {REPEATS} repeat(s)" in suptitle
        assert "test" not in suptitle
    finally:
        plt.close(fig)


def test_write_all_plots_draws_no_test_split(tmp_path, data):
    """The five figures from a score table whose model split has a tiny test set: the performance figures are
    built from the out-of-fold tables only (moving every pair to 'test' changes nothing drawn)."""
    from test_plots import assert_png, synthetic_history, synthetic_metrics

    preds, oof, table = data
    pairs = preds[["pair_id", "tf_id", "domain_id", "domain_category"]].assign(
        iptm=np.linspace(0, 1, len(preds)), pdockq=np.linspace(1, 0, len(preds)) ** 2,
        n_contact_pairs=np.arange(len(preds)) % 7, bsa=np.arange(len(preds)) ** 0.5)
    paths = model_plots.write_all_plots(synthetic_history(), preds, synthetic_metrics(), oof, pairs, tmp_path / "a",
                                        title_prefix="model all", n_folds=FOLDS, group_by="tf_group")
    for path in paths.values():
        assert_png(path)
    moved = preds.assign(split=np.where(preds["kd_nm"].notna(), "test", "unlabelled"))
    again = model_plots.write_all_plots(synthetic_history(), moved, synthetic_metrics(), oof, pairs, tmp_path / "b",
                                        title_prefix="model all", n_folds=FOLDS, group_by="tf_group")
    for name in ("pred_vs_obs", "roc_curves"):
        assert again[name].read_bytes() == paths[name].read_bytes()
