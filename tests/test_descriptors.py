"""Sequence composition descriptors (tfbind.features.descriptors), checked against hand counts."""

import math

import pytest

from tfbind.features.descriptors import DESCRIPTOR_COLUMNS, pair_descriptors, sequence_descriptors

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
    assert DESCRIPTOR_COLUMNS == [f"tf_{n}" for n in NAMES] + [f"domain_{n}" for n in NAMES]
    assert d["tf_ncpr"] == pytest.approx(-3 / 8)
    assert d["domain_ncpr"] == pytest.approx(1.0)
    assert d["domain_frac_basic"] == pytest.approx(1.0)
    assert all(isinstance(v, float) and math.isfinite(v) for v in d.values())


def test_pair_descriptors_empty_domain_raises():
    with pytest.raises(ValueError, match="domain"):
        pair_descriptors("DDEE", "")
