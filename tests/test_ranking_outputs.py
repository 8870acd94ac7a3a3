"""Ranking outputs at scale: what the workbook and the report page hold, counted; top model file lookup."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tfbind.ranking.outputs import RankOutputs, rank_candidates, read_ranking_inputs
from tfbind.ranking.table import top_model_file

DOMAINS = ["KIX", "TAZ2", "NCBD"]  # NCBD: no pair at all


def _screen(path, n_kix=7, n_taz2=3):
    # iptm descending within each domain, so the rank order is the row order: KIX p0 best ... p6 worst
    rows = [("KIX", i, 0.9 - 0.1 * i) for i in range(n_kix)] + [("TAZ2", i, 0.8 - 0.1 * i) for i in range(n_taz2)]
    table = pa.table({
        "pair_id": [f"{d}_and_t{i}" for d, i, _ in rows], "tf_id": [f"t{i}" for _, i, _ in rows],
        "domain_id": [d for d, _, _ in rows], "domain_category": [d for d, _, _ in rows],
        "source_format": ["alphafold2"] * len(rows), "prediction": [""] * len(rows),
        "iptm": [v for _, _, v in rows], "n_models": [1] * len(rows),
        "tf_sequence": ["ACDE"] * len(rows),  # not read by the ranking
    })
    pq.write_table(table, path)


def _outputs(d):
    return RankOutputs({x: d / f"{x}.tsv" for x in DOMAINS}, d / "ranking.xlsx", d / "ranking.parquet",
                       d / "summary.txt", d / "page.html")


def test_workbook_and_page_hold_the_best_rows_and_count_the_rest(tmp_path):
    _screen(tmp_path / "pairs.parquet")
    (tmp_path / "failed.tsv").write_text("pair_id\tstage\treason\n")
    out = _outputs(tmp_path)
    rank_candidates(tmp_path / "pairs.parquet", tmp_path / "failed.tsv", None, DOMAINS, "none", out,
                    workbook_rows=4, page_rows=2)
    kix = pd.read_csv(out.tsv["KIX"], sep="\t")
    assert list(kix["pair_id"]) == [f"KIX_and_t{i}" for i in range(7)]  # the TSV holds every candidate
    assert len(pd.read_parquet(out.parquet)) == 10
    sheets = pd.read_excel(out.xlsx, sheet_name=None)
    assert list(sheets["KIX"]["pair_id"]) == [f"KIX_and_t{i}" for i in range(4)]  # the best 4 of 7
    assert list(sheets["TAZ2"]["pair_id"]) == [f"TAZ2_and_t{i}" for i in range(3)]  # all 3: under the limit
    assert len(sheets["NCBD"]) == 0
    about = dict(zip(sheets["about"]["item"], sheets["about"]["definition"]))
    assert about["rows: KIX"].startswith("the best 4 of 7 candidates (3 left out")
    assert about["rows: TAZ2"] == "3 candidates ranked"
    page = out.page.read_text()
    assert "the best 2 of 7 candidates (5 left out of this page" in page
    assert "the best 2 of 3 candidates (1 left out of this page" in page
    assert "KIX_and_t1" in page and "KIX_and_t2" not in page and "TAZ2_and_t2" not in page


def test_only_the_ranking_columns_are_read(tmp_path):
    _screen(tmp_path / "pairs.parquet")
    pairs = read_ranking_inputs(tmp_path / "pairs.parquet")
    assert "tf_sequence" not in pairs.columns and {"pair_id", "iptm", "prediction"} <= set(pairs.columns)


def test_top_model_file_of_each_format(tmp_path):
    af2, cf, af3 = tmp_path / "af2", tmp_path / "cf", tmp_path / "af3"
    for folder, names in ((af2, ["ranked_1.pdb", "ranked_0.pdb", "ranking_debug.json"]),
                          (cf, ["x_unrelaxed_rank_002_m.pdb", "x_unrelaxed_rank_001_m.pdb"]),
                          (af3, ["seed-1_sample-0", "job_model.cif"])):
        folder.mkdir()
        for name in names:
            (folder / name).write_text("")
    assert top_model_file(str(af2), "alphafold2") == str(af2 / "ranked_0.pdb")
    assert top_model_file(str(cf), "colabfold") == str(cf / "x_unrelaxed_rank_001_m.pdb")
    assert top_model_file(str(af3), "alphafold3") == str(af3 / "job_model.cif")
    assert top_model_file(str(af3), "colabfold") == str(af3)  # nothing of that format: the run folder
    assert top_model_file(str(af2 / "ranked_1.pdb"), "alphafold2") == str(af2 / "ranked_1.pdb")  # a file
    assert top_model_file(str(tmp_path / "missing"), "alphafold2") == str(tmp_path / "missing")
    assert top_model_file(np.nan, "alphafold2") == "" and top_model_file("", "") == ""


def test_top_model_file_of_a_job_in_a_shared_folder(tmp_path):
    """Discovery names a job of a ColabFold batch folder (or of AlphaFold Server files side by side) by one of
    its files; the ranking's top_model is that job's own top-ranked structure, not another job's."""
    names = ["KIX_and_MYB_2_scores_rank_001_m1.json", "KIX_and_MYB_2_unrelaxed_rank_002_m3.pdb",
             "KIX_and_MYB_2_unrelaxed_rank_001_m1.pdb", "KIX_and_MYB_25_unrelaxed_rank_001_m2.pdb",
             "KIX_and_MYB_25_scores_rank_001_m2.json",
             "fold_kix_and_myb_2_full_data_0.json", "fold_kix_and_myb_2_model_0.cif",
             "fold_kix_and_myb_2_model_1.cif", "fold_kix_and_myb_25_model_0.cif"]
    for name in names:
        (tmp_path / name).write_text("")
    cf = tmp_path / "KIX_and_MYB_2_scores_rank_001_m1.json"
    assert top_model_file(str(cf), "colabfold") == str(tmp_path / "KIX_and_MYB_2_unrelaxed_rank_001_m1.pdb")
    cf25 = tmp_path / "KIX_and_MYB_25_scores_rank_001_m2.json"
    assert top_model_file(str(cf25), "colabfold") == str(tmp_path / "KIX_and_MYB_25_unrelaxed_rank_001_m2.pdb")
    af3 = tmp_path / "fold_kix_and_myb_2_full_data_0.json"
    assert top_model_file(str(af3), "alphafold3") == str(tmp_path / "fold_kix_and_myb_2_model_0.cif")
    lone = tmp_path / "sub"
    lone.mkdir()
    (lone / "KIX_and_X_scores_rank_001_m.json").write_text("")  # no structure of that job: the file itself
    assert top_model_file(str(lone / "KIX_and_X_scores_rank_001_m.json"), "colabfold") == str(
        lone / "KIX_and_X_scores_rank_001_m.json")
