"""p_binder calibration and the deployed model's ranges (tfbind.model.calibration), on data drawn from known
parameters and on hand-worked tables."""

import numpy as np
import pandas as pd
import pytest

from tfbind.errors import InputError
from tfbind.evaluation.calibrate import cv_auroc
from tfbind.model.calibration import (
    apply_platt,
    build_calibration,
    cross_fitted,
    fit_platt,
    read_calibration,
    reliability,
    training_ranges,
    write_calibration,
)


def _draw(n=20_000, seed=0):
    """Binder calls drawn from logit p = a[c] + b x, with a = {-2, 0.5}, b = 1.5, x ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    cats = rng.choice(["KIX", "TAZ2"], size=n)
    x = rng.normal(size=n)
    logit = np.where(cats == "KIX", -2.0, 0.5) + 1.5 * x
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return x, y, cats


def test_platt_recovers_the_parameters_it_was_drawn_from():
    x, y, cats = _draw()
    platt = fit_platt(x, y, cats)
    slope = platt["slope"] / platt["scale"]  # per unit of x
    assert slope == pytest.approx(1.5, abs=0.08)
    assert platt["intercept"]["KIX"] == pytest.approx(-2.0, abs=0.1)
    assert platt["intercept"]["TAZ2"] == pytest.approx(0.5, abs=0.08)
    p = apply_platt(platt, np.array([0.0, 0.0, 1.0, np.nan]), np.array(["KIX", "TAZ2", "TAZ2", "KIX"]))
    np.testing.assert_allclose(p[:3], 1 / (1 + np.exp(-np.array([-2.0, 0.5, 2.0]))), atol=0.03)
    assert np.isnan(p[3])
    assert np.isnan(apply_platt(platt, np.array([0.0]), np.array(["CH1"])))[0]  # no intercept: no p_binder


def test_cross_fitted_p_binder_is_calibrated_and_better_than_the_base_rate():
    x, y, cats = _draw(seed=1)
    p = cross_fitted(x, y, cats, np.arange(len(x)) % 5)
    rel = reliability(p, y, cats)
    assert sum(b["n"] for b in rel["bins"]) == len(x) == rel["n"]
    for b in rel["bins"]:
        if b["n"] > 500:
            assert abs(b["observed"] - b["mean_p"]) < 0.04
    assert rel["brier"] < rel["brier_base_rate"]


def test_reliability_bins_hand_worked():
    p = np.array([0.05, 0.07, 0.55, 0.95, np.nan])
    y = np.array([0, 1, 1, 1, 0])
    cats = np.array(["A", "A", "A", "B", "B"])
    rel = reliability(p, y, cats)
    assert [(b["bin_low"], b["n"]) for b in rel["bins"]] == [(0.0, 2), (0.5, 1), pytest.approx((0.9, 1))]
    assert rel["bins"][0]["mean_p"] == pytest.approx(0.06) and rel["bins"][0]["observed"] == 0.5
    assert rel["brier"] == pytest.approx((0.05 ** 2 + 0.93 ** 2 + 0.45 ** 2 + 0.05 ** 2) / 4)
    # base rate: A 2/3 over its three rows, B 1 (its NaN row left out)
    assert rel["brier_base_rate"] == pytest.approx(((2 / 3) ** 2 + (1 / 3) ** 2 * 2) / 4)


def test_one_class_only_is_refused():
    with pytest.raises(InputError, match="only one class"):
        fit_platt(np.arange(4.0), np.zeros(4), np.array(["A"] * 4))


def test_ranges_and_the_calibration_file_round_trip(tmp_path):
    table = pd.DataFrame({"domain_category": ["KIX", "KIX", "TAZ2"], "kd_nm": [10.0, 500.0, 42.0],
                          "iptm": [0.2, np.nan, 0.9], "pdockq": [np.nan] * 3})
    features, kd = training_ranges(table, ["iptm", "pdockq"])
    assert features == {"iptm": [0.2, 0.9]}  # a column without values has no range
    assert kd == {"KIX": [10.0, 500.0], "TAZ2": [42.0, 42.0]}
    x, y, cats = _draw(n=400, seed=2)
    oof = pd.DataFrame({"pair_id": [f"p{i % 200}" for i in range(400)], "repeat": np.repeat([0, 1], 200),
                        "fold": np.arange(400) % 4, "rank_score": x, "binder": y, "domain_category": cats})
    cal = build_calibration(oof, table, np.array([0.1, 0.3, 0.5]), ["iptm", "pdockq"], "model.pt",
                            cv_auroc(oof))
    assert cal["train_score_mean"] == pytest.approx({"KIX": 0.2, "TAZ2": 0.5})
    assert cal["p_binder"]["n_rows"] == 400 and cal["p_binder"]["repeats"] == 2
    assert cal["reliability"]["n"] == 200  # cross-fitted on the first repeat
    assert set(cal["cv_auroc"]) == {"KIX", "TAZ2"}
    write_calibration(cal, tmp_path / "calibration.json")
    assert read_calibration(tmp_path / "calibration.json") == cal
    (tmp_path / "bad.json").write_text('{"format": "other"}')
    with pytest.raises(InputError, match="bad.json: not a tfbind calibration file"):
        read_calibration(tmp_path / "bad.json")


def test_cv_auroc_is_the_mean_over_repeats_of_the_within_category_auroc():
    oof = pd.DataFrame({"domain_category": ["A"] * 8, "repeat": [0] * 4 + [1] * 4,
                        "rank_score": [0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1], "binder": [0, 0, 1, 1] * 2})
    # repeat 0: both binders above both non-binders (1.0); repeat 1: below (0.0)
    assert cv_auroc(oof) == {"A": pytest.approx(0.5)}
