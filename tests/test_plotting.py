"""The figures' base (tfbind.plotting): one ROC, checked by hand, against the Mann-Whitney U and against
scikit-learn's; one PNG writer (atomic, one dpi, white background)."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from tfbind import plotting


def test_roc_hand_worked_with_a_tie():
    # scores 0.9 (binder), 0.5 (binder and non-binder: one diagonal step), 0.1 (non-binder)
    fpr, tpr, auc = plotting.roc_curve([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1])
    np.testing.assert_array_equal(fpr, [0, 0, 0.5, 1])
    np.testing.assert_array_equal(tpr, [0, 0.5, 1, 1])
    # binder/non-binder pairs: 0.9 beats both (2), 0.5 beats 0.1 (1) and ties 0.5 (counts half): 3.5 of 4
    assert auc == pytest.approx(3.5 / 4)


def test_roc_auc_equals_mann_whitney():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    s = np.round(rng.normal(y * 0.8, 1.0), 1)  # rounded: many ties
    fpr, tpr, auc = plotting.roc_curve(y, s)
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert auc == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    with pytest.raises(ValueError):
        plotting.roc_curve([1, 1, 1], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_points_are_sklearns(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(y * 0.5, 1.0), 1 if seed else 3)  # ties (seeds 1, 2) and nearly none (seed 0)
    fpr, tpr, auc = plotting.roc_curve(y, s)
    ref_fpr, ref_tpr, _ = sklearn_roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tpr, ref_tpr, rtol=0, atol=1e-12)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_save_writes_a_white_png_at_the_one_dpi_and_closes_the_figure(tmp_path):
    from PIL import Image

    plt = plotting.pyplot()
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1], color="black")
    plotting.save(fig, tmp_path / "f.png")
    assert not plt.fignum_exists(fig.number)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]  # no temporary file left
    with Image.open(tmp_path / "f.png") as im:
        assert im.format == "PNG"
        assert im.info["dpi"] == pytest.approx((plotting.DPI, plotting.DPI), abs=0.01)  # the PNG's pHYs
        rgba = np.asarray(im.convert("RGBA"))
    assert tuple(rgba[0, 0]) == (255, 255, 255, 255)  # an opaque white background, not transparent
    assert (rgba[..., :3].sum(axis=2) == 0).any()  # the black line is drawn
