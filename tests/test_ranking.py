"""Ranking units: consensus, calls, coordinates, summary, on hand-built tables with hand-worked values."""

import math

import numpy as np
import pandas as pd
import pytest

from tfbind.consensus import consensus_of, consensus_scores, metric_columns, metrics_used
from tfbind.ranking.calls import metric_calls
from tfbind.ranking.coordinates import tile_coordinates, tile_order
from tfbind.ranking.summary import run_summary
from tfbind.ranking.table import build_ranking, sheet_name, sheet_names, write_ranking


def _pairs(**columns):
    n = len(next(iter(columns.values())))
    base = {"pair_id": [f"p{i}" for i in range(n)], "tf_id": [f"t{i}" for i in range(n)],
            "domain_id": ["KIX"] * n, "domain_category": ["KIX"] * n}
    return pd.DataFrame({**base, **columns})


def test_consensus_hand_worked():
    # ipTM+pTM ranks (ascending) 1,2,3 -> pct 1/3, 2/3, 1; Sc 3,1,2 -> 1, 1/3, 2/3; ipSAE missing for p1
    pairs = _pairs(ranking_confidence=[0.2, 0.5, 0.9], shape_complementarity=[0.3, 0.1, 0.2],
                   ipsae_min=[10.0, np.nan, 30.0])
    c = consensus_scores(pairs).set_index("pair_id")
    # ipSAE among p0, p2: pct 1/2, 1
    assert c.loc["p0", "consensus"] == pytest.approx((1 / 3 + 1 + 1 / 2) / 3)
    assert c.loc["p1", "consensus"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert c.loc["p2", "consensus"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    assert list(c["n_metrics"]) == [3, 2, 3]
    assert c.loc["p0", "consensus_metrics"] == "ranking_confidence, shape_complementarity, ipsae_min"


def test_consensus_ties_share_the_average_rank_and_domains_are_separate():
    pairs = _pairs(ranking_confidence=[0.5, 0.5, 0.9, 0.1])
    pairs.loc[3, "domain_id"] = "TAZ2"
    c = consensus_scores(pairs).set_index("pair_id")["consensus"]
    assert c["p0"] == c["p1"] == pytest.approx(1.5 / 3)
    assert c["p2"] == pytest.approx(1.0)
    assert c["p3"] == pytest.approx(1.0)  # alone in its domain


def test_pdockq2_is_the_smaller_direction_and_pdockq_stands_in_for_score_tables():
    pairs = _pairs(pdockq2_tf=[0.3, 0.1], pdockq2_domain=[0.2, 0.4], pdockq=[0.9, 0.0])
    t = build_ranking(pairs.assign(ranking_confidence=[0.5, 0.6]))
    assert list(t.sort_values("pair_id")["pdockq2"]) == [0.2, 0.1]
    # an AlphaPulldown score table: no pDockQ2, no ipSAE
    table = _pairs(pdockq=[0.3, 0.1], ranking_confidence=[0.7, 0.2])
    assert metrics_used(metric_columns(table)) == ["ranking_confidence", "pdockq"]
    assert list(build_ranking(table)["tf_id"]) == ["t0", "t1"]


def test_pdockq_stands_in_per_domain_in_a_table_merged_from_runs_and_a_score_table():
    # KIX from AlphaFold runs (pDockQ2 and pDockQ), TAZ2 from a score table (pDockQ only): each domain ranks
    # on the metric it has. Before, the choice was made over the whole table and TAZ2 lost its pDockQ.
    none = [np.nan] * 3
    pairs = _pairs(pdockq2_tf=[0.3, 0.1, *none], pdockq2_domain=[0.2, 0.4, *none],
                   pdockq=[0.9, 0.0, 0.5, 0.1, 0.3], ranking_confidence=[0.5, 0.6, 0.2, 0.4, 0.9])
    pairs.loc[2:, "domain_id"] = "TAZ2"
    t = build_ranking(pairs).set_index("pair_id")
    assert list(t.loc[["p0", "p1", "p2", "p3", "p4"], "pdockq2"]) == [0.2, 0.1, 0.5, 0.1, 0.3]
    assert set(t.loc[["p0", "p1"], "consensus_metrics"]) == {"ranking_confidence, pdockq2"}
    assert set(t.loc[["p2", "p3", "p4"], "consensus_metrics"]) == {"ranking_confidence, pdockq"}
    # TAZ2: pDockQ 0.5, 0.1, 0.3 -> pct 1, 1/3, 2/3; ipTM+pTM 0.2, 0.4, 0.9 -> 1/3, 2/3, 1
    assert t.loc["p2", "consensus"] == pytest.approx((1 + 1 / 3) / 2)
    assert t.loc["p3", "consensus"] == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert t.loc["p4", "consensus"] == pytest.approx((2 / 3 + 1) / 2)
    # KIX: pDockQ2 0.2, 0.1 -> 1, 1/2 (its pDockQ 0.9, 0.0 would rank them the same way round: not used)
    assert t.loc["p0", "consensus"] == pytest.approx((1 / 2 + 1) / 2)
    assert list(t.loc[["p0", "p1", "p2", "p3", "p4"], "call_pdockq"]) == ["no", "no", "yes", "no", "yes"]


def test_consensus_of_a_few_pairs_equals_the_hand_worked_consensus():
    pairs = _pairs(ranking_confidence=[0.2, 0.5, 0.9, 0.7, 0.5], shape_complementarity=[0.3, 0.1, 0.2, np.nan, 0.1],
                   ipsae_min=[10.0, np.nan, 30.0, 5, 5])
    pairs.loc[3:, "domain_id"] = "TAZ2"
    got = consensus_of(pairs, ["p2", "p0", "p4", "absent"])
    # KIX as in test_consensus_hand_worked; TAZ2 (p3, p4): ipTM+pTM 0.7 > 0.5, Sc only p4, ipSAE tied 5 = 5
    hand = [(1 + 2 / 3 + 1) / 3, (1 / 3 + 1 + 1 / 2) / 3, (1 / 2 + 1 + 3 / 4) / 3]
    np.testing.assert_allclose(got[:3], hand, rtol=1e-15)
    assert np.isnan(got[3])
    whole = consensus_scores(pairs).set_index("pair_id")["consensus"]
    assert list(got[:3]) == list(whole[["p2", "p0", "p4"]])  # the same floats as the whole-table ranking


def test_calls_at_and_around_each_threshold():
    pairs = _pairs(iptm=[0.81, 0.8, 0.6, 0.59, np.nan], lis=[0.203, 0.202, 0.5, 0.5, np.nan],
                   lia=[3432, 5000, 3431, 4000, 1], pdockq2_tf=[0.24, 0.23, 0.5, np.nan, 0.1],
                   pdockq2_domain=[0.5, 0.5, 0.5, 0.5, 0.1], ipsae_min=[0.61, 0.6, np.nan, 0.9, 0.0])
    c = metric_calls(pairs)
    assert list(c["call_iptm"]) == ["high", "grey", "grey", "low", ""]
    assert list(c["call_lis_lia"]) == ["yes", "no", "no", "yes", ""]
    assert list(c["call_pdockq"]) == ["yes", "no", "yes", "", "no"]
    assert list(c["call_ipsae"]) == ["yes", "no", "", "yes", "no"]
    assert list(c["n_calls_positive"]) == [4, 0, 1, 2, 0]


def test_ranking_orders_by_consensus_and_puts_pairs_without_metrics_last():
    pairs = _pairs(ranking_confidence=[0.2, np.nan, 0.9, 0.5])
    t = build_ranking(pairs)
    assert list(t["tf_id"]) == ["t2", "t3", "t0", "t1"]
    assert list(t["rank"]) == [1, 2, 3, 4]
    assert math.isnan(t["consensus"].iloc[-1])


def test_coordinates_from_headers_and_from_ids(tmp_path):
    fasta = tmp_path / "tf.fasta"
    fasta.write_text(">MYB_1\nACDE\n>MYB_0\nACDE\n>X1 gene=SP1 start=101 end=180\nAAAA\n>lonely\nAC\n")
    c = tile_coordinates(fasta, step=2, first_index=0).set_index("tf_id")
    assert (c.loc["MYB_0", "start"], c.loc["MYB_0", "end"]) == (1, 4)
    assert (c.loc["MYB_1", "start"], c.loc["MYB_1", "end"]) == (3, 6)
    assert (c.loc["X1", "gene"], c.loc["X1", "start"], c.loc["X1", "end"]) == ("SP1", 101, 180)
    assert c.loc["lonely", "coordinates"] == "" and math.isnan(c.loc["lonely", "start"])
    assert tile_order(["MYB_1", "X1", "MYB_0", "lonely"], c.reset_index()) == ["MYB_0", "MYB_1", "X1", "lonely"]
    no_step = tile_coordinates(fasta).set_index("tf_id")
    assert math.isnan(no_step.loc["MYB_0", "start"]) and no_step.loc["MYB_0", "gene"] == "MYB"


def test_summary_counts_formats_and_reasons():
    pairs = pd.DataFrame({"source_format": ["alphafold2", "alphafold2", "colabfold"]})
    failed = pd.DataFrame({"pair_id": ["a", "b", "c"], "stage": ["read"] * 3,
                           "reason": ["runs/a/x.json: truncated", "runs/b/x.json: truncated", "no chain"]})
    lines = run_summary(pairs, failed, ["KIX"], "none", "results/ranking")
    assert "pairs read: 3 (2 alphafold2, 1 colabfold)" in lines
    assert "pairs failed: 3 (results/features/failed.tsv)" in lines
    # reasons that differ only by their path are counted together, quoted as written
    assert "  2 x read: runs/a/x.json: truncated (and 1 like it naming another file or pair)" in lines
    assert "  1 x read: no chain" in lines


def test_summary_warns_of_an_input_missing_for_every_pair():
    """shape_complementarity imputed in all 3 scored pairs: the model ranks without it, a warning line; pDockQ
    imputed in one pair only: counted, no warning."""
    scores = pd.DataFrame({"imputed": ["shape_complementarity, pdockq", "shape_complementarity",
                                       "shape_complementarity"]})
    lines = run_summary(pd.DataFrame({"source_format": ["colabfold"] * 3}), pd.DataFrame(), ["KIX"], "m.pt",
                        "results/ranking", imputed=scores)
    assert "pairs scored with imputed inputs: 3 of 3" in lines
    assert "  shape_complementarity 3, pdockq 1" in lines
    warnings = [line for line in lines if line.startswith("warning:")]
    assert warnings == ["warning: input shape_complementarity missing for every pair: imputed with the "
                        "training median"]


def test_sheet_names_are_valid():
    assert sheet_name("a/b:c" + "x" * 40) == ("a_b_c" + "x" * 40)[:31]


LONG = "EP300_KIX_domain_residues_586_672"  # 33 characters: two such IDs share their first 31


def test_sheet_names_are_distinct_without_case_and_apart_from_the_workbooks_own_sheets():
    domains = ["KIX", "kix", "About", "all_metrics", LONG + "_A", LONG + "_B", "A_B", "A/B"]
    # by hand: Excel compares names without case; a taken name gets _2, _3 within 31 characters
    assert sheet_names(domains) == {
        "KIX": "KIX", "kix": "kix_2", "About": "About_2", "all_metrics": "all_metrics_2",
        LONG + "_A": LONG[:31], LONG + "_B": LONG[:29] + "_2", "A_B": "A_B", "A/B": "A_B_2"}


def test_workbook_keeps_every_domain_whose_sheet_names_clash(tmp_path):
    """Two domains that Excel would put in one sheet (IDs alike in their first 31 characters, a domain named
    like the legend sheet): before, the later one replaced the earlier's rows without a word."""
    import openpyxl

    domains = [LONG + "_A", LONG + "_B", "about"]
    table = pd.DataFrame({"rank": [1, 1, 1], "tf_id": ["T1", "T2", "T3"], "domain_id": domains,
                          "score": [0.9, 0.8, 0.7], "consensus_metrics": ["iptm"] * 3,
                          "pair_id": ["p1", "p2", "p3"]})
    write_ranking(table, domains, {d: tmp_path / f"{d}.tsv" for d in domains}, tmp_path / "ranking.xlsx")
    book = openpyxl.load_workbook(tmp_path / "ranking.xlsx")
    assert book.sheetnames == [LONG[:31], LONG[:29] + "_2", "about_2", "about"]
    tiles = {name: [row[1] for row in book[name].iter_rows(min_row=2, values_only=True)]
             for name in book.sheetnames[:3]}
    assert tiles == {LONG[:31]: ["T1"], LONG[:29] + "_2": ["T2"], "about_2": ["T3"]}
    legend = {row[0]: row[1] for row in book["about"].iter_rows(min_row=2, values_only=True)}
    assert legend[f"sheet: {LONG[:31]}"].startswith(f"domain {LONG}_A ")
    assert legend[f"sheet: {LONG[:29]}_2"].startswith(f"domain {LONG}_B ")
    assert legend["sheet: about_2"].startswith("domain about ")


def test_applicability_and_kd_clipping_hand_worked():
    from tfbind.ranking.model_scores import _clip_kd, applicability

    pairs = pd.DataFrame({"iptm": [0.5, 0.9, np.nan, 0.5], "pdockq": [0.1, 0.1, 0.1, 0.6]})
    ranges = {"iptm": [0.2, 0.8], "pdockq": [0.0, 0.5]}
    seen = np.array([True, True, True, False])
    # 0.9 > 0.8; a missing (imputed) value is not outside; an unseen category says so first
    assert applicability(pairs, seen, ranges) == ["in range", "outside training range: iptm", "in range",
                                                  "unseen category"]
    assert applicability(pairs, seen, None) == ["no training ranges"] * 3 + ["unseen category"]
    kd = _clip_kd(np.array([1.0, 50.0, 1e6, 5.0]), np.array(["KIX", "KIX", "KIX", "CH1"]), {"KIX": [10.0, 100.0]})
    np.testing.assert_array_equal(kd[:3], [10.0, 50.0, 100.0])
    assert np.isnan(kd[3])  # no Kd range for the category: blank


def test_a_model_ranked_domain_follows_the_predicted_pkd_not_a_reversed_calibration():
    """p_binder normally rises with the predicted pKd; a calibration with a negative slope (a model no better
    than chance out of fold) would turn it round, and the rank must still be the model's own order."""
    pairs = _pairs(ranking_confidence=[0.9, 0.5, 0.1])
    scores = pd.DataFrame({"pair_id": ["p0", "p1", "p2"], "p_binder": [0.2, 0.3, 0.4],
                           "kd_pred_nm": [1.0, 2.0, 3.0], "kd_pred_low_nm": [1.0, 2.0, 3.0],
                           "kd_pred_high_nm": [1.0, 2.0, 3.0], "applicability": "in range", "imputed": "",
                           "model_score": [0.0, 0.0, 0.0], "model_pkd": [6.5, 7.5, 5.0],
                           "category_seen": True})
    t = build_ranking(pairs, scores)
    assert list(t["tf_id"]) == ["t1", "t0", "t2"] and (t["scored_by"] == "model").all()
    assert list(t["score"]) == [0.3, 0.2, 0.4]  # shown as it is, not used to order
