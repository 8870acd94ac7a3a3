"""Each confidence metric on small hand-built arrays, with the expected value worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tfbind.metrics import (
    METRIC_KEYS,
    calc_d0,
    clia,
    clis,
    confidence_metrics,
    contact_matrix,
    ilis,
    interface_plddt,
    ipsae,
    ipsae_by_residue,
    iptm_pae,
    iptm_pae_direction,
    lia,
    lis,
    lis_family,
    pdockq,
    pdockq2,
    ptm_term,
)
from tfbind.readers.prediction import ModelPrediction

# d0 for any length <= 27 (ipsae.py clips L at 27): 1.24 * (27 - 15)^(1/3) - 1.8 = 1.038891...
D0_27 = 1.24 * 12 ** (1 / 3) - 1.8


def tm(x: float, d0: float) -> float:
    return 1.0 / (1.0 + (x / d0) ** 2)


# ----------------------------------------------------------------------------- d0 and TM term
def test_d0_clips_length_at_27_and_follows_tm_score_formula():
    assert D0_27 == pytest.approx(1.038891, abs=1e-6)
    assert calc_d0(1) == pytest.approx(D0_27)
    assert calc_d0(27) == pytest.approx(D0_27)
    assert calc_d0(100) == pytest.approx(1.24 * 85 ** (1 / 3) - 1.8)  # 3.652...
    np.testing.assert_allclose(calc_d0(np.array([0, 40])), [D0_27, 1.24 * 25 ** (1 / 3) - 1.8])


def test_ptm_term():
    assert ptm_term(0.0, 3.0) == 1.0
    assert ptm_term(3.0, 3.0) == pytest.approx(0.5)
    np.testing.assert_allclose(ptm_term(np.array([1.0, 2.0]), 2.0), [0.8, 0.5])


# ----------------------------------------------------------------------------- ipSAE / ipTM(PAE)
# Residues 0,1 = chain A; 2,3 = chain B. Row = aligned residue.
PAE_2x2 = np.array([
    [0.5, 0.7, 1.0, 20.0],   # A0 -> B: 1.0 valid, 20.0 not (cutoff 15)
    [0.7, 0.5, 2.0, 3.0],    # A1 -> B: both valid
    [4.0, 15.0, 0.5, 0.6],   # B0 -> A: 4.0 valid, 15.0 NOT valid (strict <)
    [16.0, 30.0, 0.6, 0.5],  # B1 -> A: none valid
])
A = np.array([True, True, False, False])
B = ~A


def test_ipsae_two_by_two_by_hand():
    # n0 = 1 and 2 -> d0 = d0(27) for both rows.
    score_a0 = tm(1.0, D0_27)                                # 1 / (1 + (1/1.0389)^2) = 0.51907
    score_a1 = (tm(2.0, D0_27) + tm(3.0, D0_27)) / 2        # (0.2125 + 0.1071) / 2 = 0.1598
    np.testing.assert_allclose(ipsae_by_residue(PAE_2x2, A, B, 15.0), [score_a0, score_a1])
    assert ipsae(PAE_2x2, A, B, 15.0) == pytest.approx(max(score_a0, score_a1))
    assert ipsae(PAE_2x2, A, B, 15.0) == pytest.approx(0.519068, abs=1e-6)
    # B -> A: B0 keeps only PAE 4.0 (15.0 is on the strict boundary); B1 has nothing -> 0.
    np.testing.assert_allclose(ipsae_by_residue(PAE_2x2, B, A, 15.0), [tm(4.0, D0_27), 0.0])
    assert ipsae(PAE_2x2, B, A, 15.0) == pytest.approx(tm(4.0, D0_27))
    # Integer index arrays work as well as boolean masks.
    assert ipsae(PAE_2x2, [0, 1], [2, 3], 15.0) == pytest.approx(ipsae(PAE_2x2, A, B, 15.0))


def test_ipsae_no_valid_pae_is_zero():
    assert ipsae(PAE_2x2, A, B, 0.5) == 0.0  # every inter-chain PAE >= 0.5


def test_ipsae_d0_comes_from_per_residue_count_not_chain_length():
    # A: 1 residue; B: 40 residues, 30 with PAE 2 (valid at cutoff 10), 10 with PAE 25 (not valid).
    n = 41
    pae = np.full((n, n), 1.0)
    pae[0, 1:31] = 2.0
    pae[0, 31:] = 25.0
    a = np.zeros(n, bool)
    a[0] = True
    d0_30 = 1.24 * (30 - 15) ** (1 / 3) - 1.8                # n0 = 30 -> d0 = 1.1133
    assert ipsae(pae, a, ~a, 10.0) == pytest.approx(tm(2.0, d0_30))
    # ipTM(PAE) uses all 40 columns and d0(n_A + n_B) = d0(41).
    d0_41 = 1.24 * (41 - 15) ** (1 / 3) - 1.8
    assert iptm_pae_direction(pae, a, ~a) == pytest.approx((30 * tm(2.0, d0_41) + 10 * tm(25.0, d0_41)) / 40)


def test_iptm_pae_two_by_two_by_hand():
    # d0 = d0(2 + 2) = d0(27); no PAE cutoff; per direction max over rows of the row mean.
    a_rows = [(tm(1.0, D0_27) + tm(20.0, D0_27)) / 2, (tm(2.0, D0_27) + tm(3.0, D0_27)) / 2]
    b_rows = [(tm(4.0, D0_27) + tm(15.0, D0_27)) / 2, (tm(16.0, D0_27) + tm(30.0, D0_27)) / 2]
    assert iptm_pae_direction(PAE_2x2, A, B) == pytest.approx(max(a_rows))
    assert iptm_pae_direction(PAE_2x2, B, A) == pytest.approx(max(b_rows))
    assert iptm_pae(PAE_2x2, A, B) == pytest.approx(max(a_rows + b_rows))
    assert iptm_pae(PAE_2x2, B, A) == pytest.approx(iptm_pae(PAE_2x2, A, B))


# ----------------------------------------------------------------------------- pDockQ / pDockQ2
# Chain A: A0 at the origin, A1 far away. Chain B: B0 5 A from A0 (contact), B1 8 A from A0
# (contact, the 8 A boundary is inclusive), B2 9 A from A0 (no contact).
CB_A = np.array([[0.0, 0.0, 0.0], [100.0, 0.0, 0.0]])
CB_B = np.array([[5.0, 0.0, 0.0], [0.0, 8.0, 0.0], [0.0, 0.0, 9.0]])
PLDDT_A = np.array([90.0, 30.0])
PLDDT_B = np.array([80.0, 70.0, 10.0])


def test_contacts_inclusive_8A():
    np.testing.assert_array_equal(contact_matrix(CB_A, CB_B), [[True, True, False], [False, False, False]])
    # interface residues: A0, B0, B1 -> (90 + 80 + 70) / 3 = 80
    assert interface_plddt(contact_matrix(CB_A, CB_B), PLDDT_A, PLDDT_B) == pytest.approx(80.0)


def test_pdockq_by_hand():
    # n = 2 contact pairs; mean interface pLDDT = 80; x = 80 * log10(2) = 24.082
    x = 80.0 * math.log10(2)
    expected = 0.724 / (1 + math.exp(-0.052 * (x - 152.611))) + 0.018
    assert pdockq(CB_A, CB_B, PLDDT_A, PLDDT_B) == pytest.approx(expected)
    # 152.611 - 24.082 = 128.529
    assert pdockq(CB_A, CB_B, PLDDT_A, PLDDT_B) == pytest.approx(
        0.018 + 0.724 / (1 + math.exp(0.052 * 128.529)), rel=1e-4)
    assert pdockq(CB_B, CB_A, PLDDT_B, PLDDT_A) == pytest.approx(expected)  # symmetric


def test_pdockq_single_contact_at_5A_and_non_contact_at_9A():
    cb_b = np.array([[5.0, 0.0, 0.0], [0.0, 0.0, 9.0]])
    # one pair -> log10(1) = 0 -> x = 0
    expected = 0.724 / (1 + math.exp(-0.052 * (0.0 - 152.611))) + 0.018
    assert pdockq(CB_A, cb_b, PLDDT_A, PLDDT_B[:2]) == pytest.approx(expected)


def test_pdockq2_per_direction_by_hand():
    pae_ab = np.array([[2.0, 5.0, 1.0], [9.0, 9.0, 9.0]])        # rows A, cols B
    pae_ba = np.array([[4.0, 20.0], [6.0, 20.0], [0.0, 0.0]])    # rows B, cols A
    # A rows: contact pairs (A0,B0) PAE 2, (A0,B1) PAE 5; d0 = 10.
    mean_ptm_ab = (1 / (1 + 0.2 ** 2) + 1 / (1 + 0.5 ** 2)) / 2   # (0.96154 + 0.8) / 2 = 0.88077
    x_ab = 80.0 * mean_ptm_ab                                     # 70.46
    exp_ab = 1.31 / (1 + math.exp(-0.075 * (x_ab - 84.733))) + 0.005
    assert pdockq2(pae_ab, CB_A, CB_B, PLDDT_A, PLDDT_B) == pytest.approx(exp_ab)
    # B rows: pairs (B0,A0) PAE 4, (B1,A0) PAE 6; same interface pLDDT 80.
    mean_ptm_ba = (1 / (1 + 0.4 ** 2) + 1 / (1 + 0.6 ** 2)) / 2
    exp_ba = 1.31 / (1 + math.exp(-0.075 * (80.0 * mean_ptm_ba - 84.733))) + 0.005
    assert pdockq2(pae_ba, CB_B, CB_A, PLDDT_B, PLDDT_A) == pytest.approx(exp_ba)


def test_no_contact_gives_zero_and_nan():
    far = CB_B + 1000.0
    assert pdockq(CB_A, far, PLDDT_A, PLDDT_B) == 0.0
    assert pdockq2(np.zeros((2, 3)), CB_A, far, PLDDT_A, PLDDT_B) == 0.0
    assert math.isnan(interface_plddt(contact_matrix(CB_A, far), PLDDT_A, PLDDT_B))


# ----------------------------------------------------------------------------- LIS family
LIS_AB = np.array([[11.9, 12.0], [6.0, 30.0]])     # valid (< 12 strict): 11.9, 6.0
LIS_BA = np.array([[13.0, 0.0], [12.0, 12.0]])     # valid: 0.0 only
DIST_AB = np.array([[5.0, 8.0], [9.0, 7.9]])       # contacts (< 8 strict): (0,0), (1,1)


def test_lis_strict_12_boundary_by_hand():
    lis_ab = ((12 - 11.9) / 12 + (12 - 6.0) / 12) / 2      # (0.00833 + 0.5) / 2 = 0.25417
    lis_ba = (12 - 0.0) / 12                                 # 1.0
    assert lis(LIS_AB, LIS_BA) == pytest.approx((lis_ab + lis_ba) / 2)
    assert lis(LIS_AB, LIS_BA) == pytest.approx(0.627083, abs=1e-6)
    assert lia(LIS_AB, LIS_BA) == 2 + 1


def test_clis_contact_filter_by_hand():
    # A->B contacts: (0,0) PAE 11.9 valid, (1,1) PAE 30 not -> cLIS_ab = 0.1/12
    # B->A uses DIST_AB.T = [[5, 9], [8, 7.9]]: contacts (0,0) PAE 13, (1,1) PAE 12 -> none -> 0
    assert clis(LIS_AB, LIS_BA, DIST_AB) == pytest.approx((0.1 / 12 + 0.0) / 2)
    assert clia(LIS_AB, LIS_BA, DIST_AB) == 1
    fam = lis_family(LIS_AB, LIS_BA, DIST_AB)
    assert fam["lis"] == pytest.approx(lis(LIS_AB, LIS_BA))
    assert fam["lia"] == 3.0 and fam["clia"] == 1.0
    assert fam["clis"] == pytest.approx(0.05 / 12)
    assert fam["ilis"] == pytest.approx(math.sqrt(0.627083333 * 0.05 / 12))
    assert ilis(0.25, 0.64) == pytest.approx(0.4)


def test_lis_no_valid_pae_is_zero():
    high = np.full((2, 2), 12.0)
    assert lis(high, high) == 0.0 and lia(high, high) == 0
    assert clis(high, high, np.zeros((2, 2))) == 0.0
    assert lis_family(high, high, np.full((2, 2), 50.0))["ilis"] == 0.0


# ----------------------------------------------------------------------------- confidence_metrics
def _pred(chain_ids, cb, plddt, pae) -> ModelPrediction:
    chain_ids = np.asarray(chain_ids)
    return ModelPrediction(
        model_name="toy", model_rank=0, source_format="colabfold", chain_ids=chain_ids,
        residue_numbers=np.arange(1, chain_ids.size + 1),
        sequences={c: "G" * int((chain_ids == c).sum()) for c in dict.fromkeys(chain_ids.tolist())},
        cb_coords=np.asarray(cb, float), plddt=np.asarray(plddt, float), pae=np.asarray(pae, float),
        iptm=0.61, ptm=0.72, ranking_confidence=0.632, ranking_score=0.662,  # 0.8 x 0.61 + 0.2 x 0.72; + 0.03
    )


def _three_chain_pred() -> ModelPrediction:
    """T (TF, 2 res), D (domain, 3 res) from the pDockQ geometry, plus an extra chain X (1 res)."""
    cb = np.vstack([CB_A, CB_B, [[1.0, 1.0, 1.0]]])          # X sits on top of A0 (must be ignored)
    plddt = np.concatenate([PLDDT_A, PLDDT_B, [0.0]])
    pae = np.full((6, 6), 99.0)                               # X rows/cols = 99 (must be ignored)
    pae[:5, :5] = 1.0                                          # intra-chain blocks
    pae[0:2, 2:5] = [[2.0, 5.0, 1.0], [9.0, 9.0, 9.0]]        # T rows, D cols
    pae[2:5, 0:2] = [[4.0, 20.0], [6.0, 20.0], [0.0, 0.0]]    # D rows, T cols
    return _pred(["T", "T", "D", "D", "D", "X"], cb, plddt, pae)


def test_confidence_metrics_toy_by_hand():
    pred = _three_chain_pred()
    m = confidence_metrics(pred, "T", "D", 15.0)
    assert tuple(m) == METRIC_KEYS
    assert all(isinstance(v, float) for v in m.values())
    assert (m["iptm"], m["ptm"], m["ranking_confidence"], m["ranking_score"]) == (0.61, 0.72, 0.632, 0.662)
    assert m["plddt_mean"] == pytest.approx((90 + 30 + 80 + 70 + 10) / 5)   # 56
    assert m["plddt_tf"] == pytest.approx(60.0)
    assert m["plddt_domain"] == pytest.approx(160 / 3)
    assert m["plddt_interface"] == pytest.approx(80.0)                      # A0, B0, B1
    ab = [2.0, 5.0, 1.0, 9.0, 9.0, 9.0]
    ba = [4.0, 20.0, 6.0, 20.0, 0.0, 0.0]
    assert m["pae_inter_mean"] == pytest.approx(sum(ab + ba) / 12)         # 85 / 12
    assert m["pae_inter_min"] == 0.0
    assert m["pae_mean"] == pytest.approx((13 * 1.0 + sum(ab + ba)) / 25)  # 13 intra entries of 1.0
    # Array-level functions on the same numbers.
    assert m["pdockq"] == pytest.approx(pdockq(CB_A, CB_B, PLDDT_A, PLDDT_B))
    assert m["pdockq2_tf"] == pytest.approx(pdockq2(np.reshape(ab, (2, 3)), CB_A, CB_B, PLDDT_A, PLDDT_B))
    assert m["pdockq2_domain"] == pytest.approx(pdockq2(np.reshape(ba, (3, 2)), CB_B, CB_A, PLDDT_B, PLDDT_A))
    # ipSAE T->D: T0 keeps 2, 5, 1 (n0 = 3 -> d0(27)); T1 keeps 9, 9, 9.
    t0 = (tm(2, D0_27) + tm(5, D0_27) + tm(1, D0_27)) / 3
    t1 = tm(9, D0_27)
    assert m["ipsae_tf_to_domain"] == pytest.approx(max(t0, t1))
    # D->T at cutoff 15: D0 keeps 4; D1 keeps 6; D2 keeps 0, 0 -> score 1.0
    assert m["ipsae_domain_to_tf"] == pytest.approx(1.0)
    assert m["ipsae_max"] == pytest.approx(1.0) and m["ipsae_min"] == pytest.approx(max(t0, t1))
    # LIS: T->D valid (< 12): all six -> mean((12 - PAE) / 12); D->T valid: 4, 6, 0, 0.
    lis_td = np.mean([(12 - p) / 12 for p in ab])
    lis_dt = np.mean([(12 - p) / 12 for p in [4.0, 6.0, 0.0, 0.0]])
    assert m["lis"] == pytest.approx((lis_td + lis_dt) / 2)
    assert m["lia"] == 6 + 4
    # cLIS: contacts < 8 A strict: only (A0, B0) at 5 A (B1 is exactly 8 A). PAE 2 and 4.
    assert m["clis"] == pytest.approx(((12 - 2) / 12 + (12 - 4) / 12) / 2)
    assert m["clia"] == 2
    assert m["ilis"] == pytest.approx(math.sqrt(m["lis"] * m["clis"]))
    assert m["iptm_pae"] == pytest.approx(iptm_pae(pred.pae, [0, 1], [2, 3, 4]))


def test_confidence_metrics_ignores_other_chains():
    pred = _three_chain_pred()
    keep = pred.chain_ids != "X"
    two = _pred(pred.chain_ids[keep], pred.cb_coords[keep], pred.plddt[keep], pred.pae[np.ix_(keep, keep)])
    m3 = confidence_metrics(pred, "T", "D", 10.0)
    m2 = confidence_metrics(two, "T", "D", 10.0)
    assert m3 == pytest.approx(m2)


def test_confidence_metrics_no_contacts():
    pred = _three_chain_pred()
    pred.cb_coords[2:5] += 1000.0
    m = confidence_metrics(pred, "T", "D", 15.0)
    assert m["pdockq"] == 0.0 and m["pdockq2_tf"] == 0.0 and m["pdockq2_domain"] == 0.0
    assert m["clis"] == 0.0 and m["clia"] == 0.0 and m["ilis"] == 0.0
    assert math.isnan(m["plddt_interface"])
    assert m["lis"] > 0.0  # PAE-only metrics are unaffected


def test_confidence_metrics_missing_chain_names_it():
    pred = _three_chain_pred()
    with pytest.raises(ValueError, match="'Q'"):
        confidence_metrics(pred, "Q", "D", 15.0)
    with pytest.raises(ValueError, match="domain chain 'Z'"):
        confidence_metrics(pred, "T", "Z", 15.0)
    with pytest.raises(ValueError, match="different chains"):
        confidence_metrics(pred, "T", "T", 15.0)


def test_confidence_metrics_shape_mismatch():
    pred = _three_chain_pred()
    pred.pae = pred.pae[:5, :5]
    with pytest.raises(ValueError, match="pae"):
        confidence_metrics(pred, "T", "D", 15.0)


@pytest.mark.parametrize("rows, cols", [
    (np.arange(3, 9), np.arange(0, 3)),  # two chains
    (np.r_[5:9, 0:3], np.r_[5:9, 0:3]),  # TF after the domain: both chains, TF first
    (np.r_[0:2, 4:6, 7:9], np.r_[1:3, 5:7]),  # more runs than the block copy takes: the gather
    (np.array([8, 2, 5]), np.arange(9)), (np.arange(0), np.arange(4)),
])
def test_submatrix_is_the_gather(rows, cols):
    from tfbind.metrics.confidence import _submatrix

    m = np.random.default_rng(0).random((9, 9))
    got, want = _submatrix(m, rows, cols), m[np.ix_(rows, cols)]
    assert got.shape == want.shape and got.flags.c_contiguous and np.array_equal(got, want)
