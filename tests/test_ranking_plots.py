"""The ranking plots at screen scale: which tiles the heatmap keeps and which genes get a track, on a
hand-built table whose expected selections are worked out by hand below."""

import math

import numpy as np
import pandas as pd
import pytest

from tfbind.errors import InputError
from tfbind.ranking import plots
from tfbind.ranking.plot_selection import INDEX_COLUMNS, gene_index, select_tiles

NAN = math.nan
# tile: (gene, start, {domain: consensus}); best in any domain: A_1 0.9, A_2 0.5, B_1 0.9 (ties A_1),
# B_2 0.4, C_1 none (both pairs without a score), D_1 0.95 but D has no coordinates
TILES = {
    "A_1": ("A", 1.0, {"KIX": 0.2, "TAZ2": 0.9}),
    "A_2": ("A", 11.0, {"KIX": 0.5, "TAZ2": 0.1}),
    "B_1": ("B", 1.0, {"KIX": 0.9, "TAZ2": NAN}),
    "B_2": ("B", 11.0, {"KIX": 0.3, "TAZ2": 0.4}),
    "C_1": ("C", 1.0, {"KIX": NAN, "TAZ2": NAN}),
    "D_1": ("D", NAN, {"KIX": 0.95, "TAZ2": 0.05}),
}


def _table(tiles=TILES):
    rows = [{"tf_id": t, "domain_id": d, "consensus": v}
            for t, (_, _, s) in tiles.items() for d, v in s.items()]
    coords = pd.DataFrame([{"tf_id": t, "gene": g, "tile_index": int(t.split("_")[1]), "start": s,
                            "end": s + 79, "coordinates": "" if np.isnan(s) else "header"}
                           for t, (g, s, _) in tiles.items()])
    return pd.DataFrame(rows), coords


# by best score: D_1 0.95, A_1 0.9, B_1 0.9, A_2 0.5, B_2 0.4, C_1 none; drawn by gene and position
@pytest.mark.parametrize("limit, kept", [
    (1, ["D_1"]),
    (2, ["A_1", "D_1"]),
    (3, ["A_1", "B_1", "D_1"]),
    (4, ["A_1", "A_2", "B_1", "D_1"]),
    (5, ["A_1", "A_2", "B_1", "B_2", "D_1"]),  # C_1, no score, is the one left out
    (6, ["A_1", "A_2", "B_1", "B_2", "C_1", "D_1"]),
    (100, ["A_1", "A_2", "B_1", "B_2", "C_1", "D_1"]),
])
def test_heatmap_keeps_the_tiles_best_in_any_domain_in_gene_order(limit, kept):
    table, coords = _table()
    assert select_tiles(table, coords, limit) == (kept, 6)


def test_heatmap_selection_breaks_ties_by_tile_id():
    # D_1 removed: best scores A_1 0.9, B_1 0.9 (a tie: A_1 first), A_2 0.5, B_2 0.4, C_1 none
    table, coords = _table({k: v for k, v in TILES.items() if k != "D_1"})
    assert select_tiles(table, coords, 1) == (["A_1"], 5)
    assert select_tiles(table, coords, 2) == (["A_1", "B_1"], 5)
    assert select_tiles(table, coords, 3) == (["A_1", "A_2", "B_1"], 5)
    assert select_tiles(table, coords, 4) == (["A_1", "A_2", "B_1", "B_2"], 5)
    assert select_tiles(table, coords, 5) == (["A_1", "A_2", "B_1", "B_2", "C_1"], 5)


def test_gene_index_lists_every_gene_best_first_and_draws_the_best_placed_ones():
    table, coords = _table()
    index = gene_index(table, coords, limit=1)
    assert list(index.columns) == INDEX_COLUMNS
    # best per gene: D 0.95 (D_1, KIX), A 0.9 (A_1, TAZ2), B 0.9 (B_1, KIX; tie with A, name order), C none
    assert list(index["gene"]) == ["D", "A", "B", "C"]
    np.testing.assert_array_equal(index["best_score"], [0.95, 0.9, 0.9, NAN])
    assert list(index["best_tile"]) == ["D_1", "A_1", "B_1", "C_1"]
    assert list(index["best_domain"]) == ["KIX", "TAZ2", "KIX", "KIX"]
    assert list(index["n_tiles"]) == [1, 2, 2, 1]
    assert list(index["drawn"]) == ["no", "yes", "no", "no"]  # D has no coordinates: A is the best placed
    below = "not among the best 1 genes (rank.track_genes)"
    assert index["reason"].tolist() == ["no tile coordinates", "", below, below]
    assert list(gene_index(table, coords, limit=2)["drawn"]) == ["no", "yes", "yes", "no"]
    assert list(gene_index(table, coords, limit=50)["drawn"]) == ["no", "yes", "yes", "yes"]


def test_heatmap_title_says_best_n_of_m_and_draws_the_kept_tiles(tmp_path, monkeypatch):
    table, coords = _table()
    seen = {}

    def capture(fig, path):
        ax = fig.axes[0]
        seen.update(title=ax.get_title(), ticks=[t.get_text() for t in ax.get_xticklabels()],
                    rows=[t.get_text() for t in ax.get_yticklabels()], data=ax.images[0].get_array())
        plots.pyplot().close(fig)

    monkeypatch.setattr(plots, "save", capture)
    assert plots.heatmap(table, coords, tmp_path / "h.png", max_tiles=3) == (3, 6)
    assert seen["ticks"] == ["A_1", "B_1", "D_1"] and seen["rows"] == ["KIX", "TAZ2"]
    assert "best 3 of 6 tiles" in seen["title"] and "3 left out" in seen["title"]
    np.testing.assert_array_equal(seen["data"].filled(NAN), [[0.2, 0.9, 0.95], [0.9, NAN, 0.05]])
    assert plots.heatmap(table, coords, tmp_path / "h.png", max_tiles=6) == (6, 6)
    assert " of 6 tiles" not in seen["title"] and seen["ticks"] == ["A_1", "A_2", "B_1", "B_2", "C_1", "D_1"]
    np.testing.assert_array_equal(seen["data"].filled(NAN)[:, 4], [NAN, NAN])  # C_1 drawn grey, not dropped


def test_tracks_draw_the_best_genes_and_index_every_gene(tmp_path):
    table, coords = _table()
    index = plots.tracks(table, coords, tmp_path / "tracks", max_genes=1)
    assert sorted(p.name for p in (tmp_path / "tracks").iterdir()) == ["A.png", "index.tsv"]
    written = pd.read_csv(tmp_path / "tracks/index.tsv", sep="\t", keep_default_na=False, na_values=[""])
    assert list(written["gene"]) == ["D", "A", "B", "C"]
    assert list(written["drawn"]) == ["no", "yes", "no", "no"]
    pd.testing.assert_frame_equal(written, index.replace("", np.nan), check_dtype=False)
    assert list(written["file"].fillna("")) == ["", "A.png", "", ""]
    plots.tracks(table, coords, tmp_path / "all", max_genes=50)
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["A.png", "B.png", "C.png", "index.tsv"]


def test_track_files_differ_for_genes_whose_names_clash(tmp_path, monkeypatch):
    # gene names from FASTA headers: "A/B" and "A_B" both read A_B as a file name, "ab" and "AB" are one file
    # on a case-insensitive file system; "A_B_2" is a gene of its own. Names already usable are kept; the
    # others, in name order ("A/B" < "a/b"), take the next free suffix.
    genes = ["A/B", "A_B", "A_B_2", "a/b", "AB", "ab"]
    tiles = {f"T{i}_1": (g, 1.0, {"KIX": 0.9 - i / 10}) for i, g in enumerate(genes)}
    expected = {"A/B": "A_B_3.png", "A_B": "A_B.png", "A_B_2": "A_B_2.png", "a/b": "a_b_4.png",
                "AB": "AB.png", "ab": "ab_2.png"}
    table, coords = _table(tiles)
    titles = {}
    save = plots.save

    def capture(fig, path):  # which gene's track went into which file
        titles[path.name] = fig.axes[0].get_title().split(":")[0]
        save(fig, path)

    monkeypatch.setattr(plots, "save", capture)
    index = plots.tracks(table, coords, tmp_path, max_genes=50)
    assert dict(zip(index["gene"], index["file"])) == expected
    assert titles == {file: gene for gene, file in expected.items()}
    written = pd.read_csv(tmp_path / "index.tsv", sep="\t", keep_default_na=False)
    assert dict(zip(written["gene"], written["file"])) == expected
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(expected.values())


def test_cv_tables_from_the_out_of_fold_files_read_once(tmp_path):
    from tfbind.ranking.cv import cv_curves, cv_kd, read_cv_oof

    pairs = pd.DataFrame({"pair_id": ["KIX_and_a", "KIX_and_b", "TAZ2_and_a"], "tf_id": ["a", "b", "a"],
                          "domain_id": ["KIX", "KIX", "TAZ2"], "domain_category": ["KIX", "KIX", "TAZ2"]})
    labels = pd.DataFrame({"tf_id": ["a", "b", "a"], "domain_id": ["KIX", "KIX", "TAZ2"],
                           "kd_nm": [100.0, 5000.0, 300.0], "binder": [1, 0, 1]})
    columns = "pair_id\trepeat\tfold\tpredictor\tscore\trank_score\ttarget\tpkd\tkd_pred_nm\n"
    (tmp_path / "fold_0.tsv").write_text(columns + "KIX_and_a\t0\t0\tfusion\t0.9\t0.4\t0.8\t7\t120\n"
                                         "KIX_and_a\t0\t0\tiptm\t0.7\t0.7\t0.8\t7\t\n"
                                         "KIX_and_a\t0\t0\tridge\t0.5\t0.1\t0.8\t7\t\n")
    (tmp_path / "fold_1.tsv").write_text(columns + "KIX_and_b\t0\t1\tfusion\t0.2\t-0.3\t0.1\t5.3\t4000\n"
                                         "TAZ2_and_a\t0\t1\tconsensus\t0.6\t0.6\t0.5\t6.5\t\n")
    oof = read_cv_oof([tmp_path / "fold_0.tsv", tmp_path / "fold_1.tsv"])
    assert len(oof) == 5
    kd = cv_kd(oof, pairs, labels).set_index("pair_id")
    assert kd[["kd_nm", "kd_pred_nm"]].to_dict("index") == {  # one repeat: its own value (a geometric mean of one)
        "KIX_and_a": {"kd_nm": 100.0, "kd_pred_nm": pytest.approx(120.0)},
        "KIX_and_b": {"kd_nm": 5000.0, "kd_pred_nm": pytest.approx(4000.0)}}
    curves = cv_curves(oof, pairs, labels)  # CURVE_PREDICTORS order (fusion, consensus, ipsae_min, iptm)
    assert list(zip(curves["pair_id"], curves["predictor"], curves["score"], curves["binder"])) == [
        ("KIX_and_a", "fusion", 0.4, 1), ("KIX_and_b", "fusion", -0.3, 0),
        ("TAZ2_and_a", "consensus", 0.6, 1), ("KIX_and_a", "iptm", 0.7, 1),
    ]  # rank_score for fitted predictors; ridge is not a curve
    old = columns.replace("\tkd_pred_nm", "") + "KIX_and_a\t0\t0\tiptm\t1\t1\t1\t7\n"
    (tmp_path / "old.tsv").write_text(old)
    with pytest.raises(InputError, match=r"old\.tsv: no kd_pred_nm column"):
        read_cv_oof([tmp_path / "fold_0.tsv", tmp_path / "old.tsv"])


def test_cv_tables_average_each_pair_over_the_repeats(tmp_path):
    """Two repeated fold assignments: per pair the geometric mean of the predicted Kd (120 and 480 nM -> 240 nM)
    and the mean score (0.4 and 0.2 -> 0.3), worked by hand; a pair predicted in one repeat only keeps its
    value."""
    from tfbind.ranking.cv import cv_curves, cv_kd, n_repeats, read_cv_oof

    pairs = pd.DataFrame({"pair_id": ["KIX_and_a", "KIX_and_b"], "tf_id": ["a", "b"], "domain_id": ["KIX", "KIX"],
                          "domain_category": ["KIX", "KIX"]})
    labels = pd.DataFrame({"tf_id": ["a", "b"], "domain_id": ["KIX", "KIX"], "kd_nm": [100.0, 5000.0],
                           "binder": [1, 0]})
    columns = "pair_id\trepeat\tfold\tpredictor\tscore\trank_score\ttarget\tpkd\tkd_pred_nm\n"
    (tmp_path / "r0.tsv").write_text(columns + "KIX_and_a\t0\t0\tfusion\t0.9\t0.4\t0.8\t7\t120\n"
                                     "KIX_and_b\t0\t1\tfusion\t0.1\t-0.5\t0.1\t5.3\t4000\n")
    (tmp_path / "r1.tsv").write_text(columns + "KIX_and_a\t1\t1\tfusion\t0.8\t0.2\t0.8\t7\t480\n")
    oof = read_cv_oof([tmp_path / "r0.tsv", tmp_path / "r1.tsv"])
    assert n_repeats(oof) == 2
    kd = cv_kd(oof, pairs, labels).set_index("pair_id")["kd_pred_nm"]
    assert kd["KIX_and_a"] == pytest.approx(240.0) and kd["KIX_and_b"] == pytest.approx(4000.0)
    curves = cv_curves(oof, pairs, labels).set_index("pair_id")["score"]
    assert curves["KIX_and_a"] == pytest.approx(0.3) and curves["KIX_and_b"] == pytest.approx(-0.5)


def test_observed_vs_predicted_leaves_out_kd_a_log_axis_cannot_show(tmp_path, caplog):
    """A predicted Kd of 0 or inf (a fold model extrapolating past the float range) crashed the figure (axis
    limits of 0 and inf); such pairs are left out, counted in the log and the title."""
    from tfbind.ranking.plots import observed_vs_predicted

    oof = pd.DataFrame({"pair_id": ["a", "b", "c", "d"], "domain_category": ["KIX", "KIX", "TAZ2", "TAZ2"],
                        "kd_nm": [100.0, 5000.0, 300.0, 40.0], "kd_pred_nm": [120.0, 0.0, np.inf, 50.0]})
    with caplog.at_level("WARNING", logger="tfbind.ranking"):
        observed_vs_predicted(oof, tmp_path / "obs.png")
    assert (tmp_path / "obs.png").stat().st_size > 0
    assert "2 of 4 out-of-fold pair(s) not drawn (Kd 0, inf or missing), e.g. b, c" in caplog.text
    observed_vs_predicted(oof.iloc[1:3], tmp_path / "none.png")  # nothing drawable: a message figure
    assert (tmp_path / "none.png").stat().st_size > 0
