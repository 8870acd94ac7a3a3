"""Sequence composition descriptors (tfbind.features.descriptors), checked against hand counts."""

import math

import pytest

from tfbind.features.descriptors import (
    ACTIVATION_NAMES,
    DESCRIPTOR_COLUMNS,
    activation_descriptors,
    kappa,
    pair_descriptors,
    sequence_descriptors,
)

NAMES = [
    "ncpr", "frac_acidic", "frac_basic", "frac_aromatic",
    "frac_hydrophobic", "frac_pro", "frac_gln", "frac_ser",
]  # fmt: skip


def test_hand_counted_sequence():
    # D D E E K W F L: acidic 4, basic 1, aromatic W F = 2, hydrophobic W F L = 3.
    d = sequence_descriptors("DDEEKWFL", "tf")
    assert list(d) == [f"tf_{n}" for n in NAMES]
    assert d["tf_ncpr"] == pytest.approx((1 - 4) / 8)
    assert d["tf_frac_acidic"] == pytest.approx(4 / 8)
    assert d["tf_frac_basic"] == pytest.approx(1 / 8)
    assert d["tf_frac_aromatic"] == pytest.approx(2 / 8)
    assert d["tf_frac_hydrophobic"] == pytest.approx(3 / 8)
    assert d["tf_frac_pro"] == d["tf_frac_gln"] == d["tf_frac_ser"] == 0.0


def test_pro_gln_ser_and_all_hydrophobics():
    # P P Q S S S W F Y L I M V R: 14 residues.
    d = sequence_descriptors("PPQSSSWFYLIMVR", "x")
    assert d["x_frac_pro"] == pytest.approx(2 / 14)
    assert d["x_frac_gln"] == pytest.approx(1 / 14)
    assert d["x_frac_ser"] == pytest.approx(3 / 14)
    assert d["x_frac_aromatic"] == pytest.approx(3 / 14)
    assert d["x_frac_hydrophobic"] == pytest.approx(7 / 14)
    assert d["x_ncpr"] == pytest.approx(1 / 14)
    assert d["x_frac_basic"] == pytest.approx(1 / 14)


def test_histidine_is_neutral_and_x_counts_in_length_only():
    # H H K X: His neutral, X in no class but in the length.
    d = sequence_descriptors("HHKX", "tf")
    assert d["tf_ncpr"] == pytest.approx(1 / 4)
    assert d["tf_frac_basic"] == pytest.approx(1 / 4)
    assert d["tf_frac_acidic"] == 0.0
    assert d["tf_frac_hydrophobic"] == 0.0
    x = sequence_descriptors("XXXX", "tf")
    assert all(v == 0.0 for v in x.values())


def test_lower_case_and_stop():
    assert sequence_descriptors("ddeekwfl*", "tf") == sequence_descriptors("DDEEKWFL", "tf")


@pytest.mark.parametrize("seq", ["", "   ", "*"])
def test_empty_sequence_raises(seq):
    with pytest.raises(ValueError, match="empty sequence"):
        sequence_descriptors(seq, "tf")


def test_pair_descriptors_keys_and_values():
    d = pair_descriptors("DDEEKWFL", "KKKK")
    assert list(d) == DESCRIPTOR_COLUMNS
    assert DESCRIPTOR_COLUMNS == ([f"tf_{n}" for n in NAMES] + [f"tf_{n}" for n in ACTIVATION_NAMES]
                                  + [f"domain_{n}" for n in NAMES])
    assert len(ACTIVATION_NAMES) == 18
    assert d["tf_ncpr"] == pytest.approx(-3 / 8)
    assert d["domain_ncpr"] == pytest.approx(1.0)
    assert d["domain_frac_basic"] == pytest.approx(1.0)
    assert all(isinstance(v, float) and math.isfinite(v) for v in d.values())


def test_pair_descriptors_empty_domain_raises():
    with pytest.raises(ValueError, match="domain"):
        pair_descriptors("DDEE", "")


def test_activation_descriptors_hand_worked():
    # D W A K L G H F E Y (n = 10): W/F/Y/L at 1, 4, 7, 9; D/E at 0, 8; K at 3.
    d = activation_descriptors("DWAKLGHFEY")
    assert list(d) == [f"tf_{n}" for n in ACTIVATION_NAMES]
    for letter in "WFYL":
        assert d[f"tf_frac_{letter}"] == pytest.approx(0.1)
    assert d["tf_frac_WFYL"] == pytest.approx(0.4)
    assert d["tf_frac_his"] == d["tf_frac_gly"] == d["tf_frac_ala"] == pytest.approx(0.1)
    assert d["tf_frac_aliph"] == 0.0
    assert d["tf_fcr"] == pytest.approx(0.3)
    # -3.5 - 0.9 + 1.8 - 3.9 + 3.8 - 0.4 - 3.2 + 2.8 - 3.5 - 1.3 = -8.3
    assert d["tf_kd_mean"] == pytest.approx(-0.83)
    # W@1 (D@0, 1 away), F@7 and Y@9 (E@8, 1 away) within 3; L@4 is 4 away from both D@0 and E@8.
    assert d["tf_wfyl_acid_adj3"] == pytest.approx(0.3)
    assert d["tf_wfyl_acid_adj4"] == pytest.approx(0.4)
    assert d["tf_wfyl_x_acidic"] == pytest.approx(0.4 * 0.2)
    # shorter than 15: the whole sequence is the one window
    assert d["tf_max_wfyl_15"] == 4.0
    assert d["tf_max_motif_15"] == 2.0
    assert d["tf_max_acid_ncpr_15"] == pytest.approx((2 - 1) / 10)


def test_window_descriptors_slide_over_15_residues():
    # W D W + 14 G + E E E E K (n = 22); windows start at 0..7.
    d = activation_descriptors("WDW" + "G" * 14 + "EEEEK")
    assert d["tf_max_wfyl_15"] == 2.0  # window 0..14 holds both W
    assert d["tf_max_motif_15"] == 1.0  # window 0..14: 2 W, 1 D
    assert d["tf_max_acid_ncpr_15"] == pytest.approx(4 / 15)  # window 6..20: 4 E, no K


def test_kappa_hand_worked():
    # K E K E G G G: sigma(whole) = 0; windows [+-+-0] 0, [-+-00] (0.2)^2/0.6 = 1/15, [+-000] 0
    # -> delta = (1/15)^2 / 3 = 1/675. Segregated K K G G G E E: windows 0.4, 0, 0.4 -> 0.32 / 3.
    assert kappa("KEKEGGG") == pytest.approx((1 / 675) / (0.32 / 3))
    assert kappa("KKGGGEE") == pytest.approx(1.0)
    assert kappa("KKKKGGG") == 0.0  # one sign only
    assert kappa("KEG") == 0.0  # shorter than one blob


def test_activation_descriptors_empty_raises():
    with pytest.raises(ValueError, match="empty sequence"):
        activation_descriptors("*")
