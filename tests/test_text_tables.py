"""Every metric in a text table (README "Output tables"): the rounding for reading, features/pairs.tsv and
models.tsv beside the Parquet tables, the workbook's layout and definitions, one column name per quantity."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from helpers import REPO, run_in, write_demo_config
from tfbind.features.schema import PAIR_SCHEMA
from tfbind.io import parquet_to_tsv, rows_to_table, write_parquet
from tfbind.ranking.outputs import RankOutputs, rank_candidates
from tfbind.ranking.table import column_definition
from tfbind.text_tables import round_for_reading, significant


def digits(column: str) -> int:
    """The README rule: 3 significant digits for a Kd in nM, 4 for every other number."""
    return 3 if column.startswith("kd_") and column.endswith("nm") else 4


def assert_read_value(column: str, got, full) -> None:
    """``got`` (a text table's cells) is ``full`` (the Parquet values) rounded for reading: at most
    ``digits(column)`` significant digits (by string formatting, not the code's arithmetic), and within half a
    unit of the last digit kept."""
    got, full = np.asarray(got, dtype=float), np.asarray(full, dtype=float)
    assert (np.isnan(got) == np.isnan(full)).all(), column
    n = digits(column)
    for g, f in zip(got[~np.isnan(got)], full[~np.isnan(full)]):
        assert float(f"{g:.{n}g}") == g, (column, g)
        half = 0.5 * 10.0 ** (math.floor(math.log10(abs(f))) - (n - 1)) if f else 0.0
        assert abs(g - f) <= half * (1 + 1e-9), (column, g, f)


def test_significant_digits_worked_by_hand():
    got = significant(np.array([0.123456, 123456.7, -0.000123456, 7.0, 0.0, np.nan, np.inf, 0.99995, 0.30325]), 4)
    expected = [0.1235, 123500.0, -0.0001235, 7.0, 0.0, np.nan, np.inf, 1.0, 0.3033]  # a half goes up
    np.testing.assert_array_equal(got, expected)
    assert repr(float(significant(np.array([0.1234]), 4)[0])) == "0.1234"  # no 0.12340000000000001


def test_rounding_leaves_integers_whole_numbers_and_ids():
    frame = pd.DataFrame({"pair_id": ["KIX_and_0.123456789"], "n_models": [5], "tf_length": [12345.0],
                          "iptm": [0.876543], "kd_pred_nm": [1234.5678], "lia": [3456.0], "ok": [True]})
    frame = pd.concat([frame, frame.assign(tf_length=np.nan, lia=np.nan)], ignore_index=True)
    got = round_for_reading(frame)
    assert list(got["pair_id"]) == ["KIX_and_0.123456789"] * 2  # text untouched
    assert got["n_models"].dtype == frame["n_models"].dtype and list(got["n_models"]) == [5, 5]
    assert got.loc[0, "tf_length"] == 12345.0 and got.loc[0, "lia"] == 3456.0  # whole numbers (with NaN) kept
    assert list(got["iptm"]) == [0.8765, 0.8765] and list(got["kd_pred_nm"]) == [1230.0, 1230.0]
    assert frame.loc[0, "iptm"] == 0.876543  # a copy: the caller's (Parquet) values stay whole


def _pairs_table(path, n=5):
    """A pairs.parquet with every column of the schema: numbers of many magnitudes, a Kd-like name absent."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        domain = "KIX" if i < 3 else "TAZ2"
        row = {"pair_id": f"{domain}_and_t{i}", "tf_id": f"t{i}", "domain_id": domain,
               "domain_category": domain, "source_format": "alphafold2",
               "prediction": "=HYPERLINK(\"x\")" if i == 0 else f"runs/t{i}", "tf_sequence": "ACDEFG",
               "domain_sequence": "KLMN", "tf_group": "", "score_table_interface": ""}
        for field in PAIR_SCHEMA:
            if field.name not in row:
                kind = str(field.type)
                row[field.name] = ((i + 1) * 3 if "int" in kind else f"{field.name}_{i}" if kind == "string"
                                   else float(rng.lognormal(0, 3)))
        for metric in ("ranking_confidence", "pdockq2_tf", "pdockq2_domain", "shape_complementarity", "ipsae_min"):
            row[metric] = 0.9 - 0.1 * i  # the consensus's order: the row order
        rows.append(row)
    write_parquet(rows_to_table(rows, PAIR_SCHEMA), path)


def test_pairs_tsv_holds_every_column_rounded_for_reading(tmp_path):
    _pairs_table(tmp_path / "pairs.parquet", n=7)
    n = parquet_to_tsv(tmp_path / "pairs.parquet", tmp_path / "pairs.tsv", batch_rows=3)  # 3 batches
    parquet = pd.read_parquet(tmp_path / "pairs.parquet")
    tsv = pd.read_csv(tmp_path / "pairs.tsv", sep="\t", keep_default_na=False, na_values=[""])
    assert n == 7 and list(tsv.columns) == list(parquet.columns)
    assert list(tsv["pair_id"]) == list(parquet["pair_id"]) and len(set(tsv["pair_id"])) == 7
    assert tsv.loc[0, "prediction"] == "'=HYPERLINK(\"x\")"  # the formula guard of every TSV
    for field in PAIR_SCHEMA:
        if "double" not in str(field.type):
            continue
        assert_read_value(field.name, tsv[field.name], parquet[field.name])
    for field in PAIR_SCHEMA:
        if "int" in str(field.type):
            assert tsv[field.name].tolist() == parquet[field.name].tolist(), field.name


def test_workbook_layout_and_every_column_defined(tmp_path):
    _pairs_table(tmp_path / "pairs.parquet")
    (tmp_path / "failed.tsv").write_text("pair_id\tstage\treason\n")
    domains = ["KIX", "TAZ2"]
    out = RankOutputs({d: tmp_path / f"{d}.tsv" for d in domains}, tmp_path / "ranking.xlsx",
                      tmp_path / "ranking.parquet", tmp_path / "summary.txt", tmp_path / "page.html")
    rank_candidates(tmp_path / "pairs.parquet", tmp_path / "failed.tsv", None, domains, "none", out,
                    workbook_rows=2)
    book = load_workbook(out.xlsx)
    assert book.sheetnames == ["KIX", "TAZ2", "all_metrics", "about"]
    about = {r[0]: r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)}
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        undefined = [h for h in header if not about.get(h)]
        assert not undefined, f"sheet {sheet.title}: columns without a definition in 'about': {undefined}"
        assert sheet.freeze_panes in ("A2", "C2")
        for j, name in enumerate(header, start=1):
            letter = sheet.cell(row=1, column=j).column_letter
            width = sheet.column_dimensions[letter].width
            assert len(name) + 2 <= width <= 50, (sheet.title, name, width)
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    metrics = pd.read_excel(out.xlsx, sheet_name="all_metrics")
    # every feature column, for the pairs of the domain sheets (the best 2 of each domain), in their order
    assert list(metrics.columns) == ["rank", "score", "scored_by", *PAIR_SCHEMA.names]
    assert list(metrics["pair_id"]) == ["KIX_and_t0", "KIX_and_t1", "TAZ2_and_t3", "TAZ2_and_t4"]
    parquet = pd.read_parquet(tmp_path / "pairs.parquet").set_index("pair_id")
    assert_read_value("pae_mean", metrics["pae_mean"], parquet.loc[metrics["pair_id"], "pae_mean"])
    sheet = book["all_metrics"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("pae_mean") + 1).number_format == "0.0###"
    assert sheet.cell(row=2, column=header.index("n_models") + 1).number_format == "0"
    assert sheet.cell(row=2, column=header.index("prediction") + 1).value == "'=HYPERLINK(\"x\")"


def test_a_new_column_without_a_definition_is_caught():
    assert column_definition("pdockq2_tf_mean") and column_definition("xd_iptm") and column_definition("tf_kappa")
    assert column_definition("a_column_nobody_defined") is None


# --- the workflow: features TSVs beside the Parquet tables; one name per quantity across outputs ---------------

@pytest.fixture(scope="module")
def ranked(tmp_path_factory):
    """A reduced label-free demo ranked and predicted with the shipped model (features, rank and predict)."""
    work = tmp_path_factory.mktemp("text_tables")
    write_demo_config(work, pairs_per_domain=3, rank={"top_n": 1})
    config = yaml.safe_load((work / "config.yaml").read_text())
    config.pop("labels")
    config["predict"] = {**config.get("predict", {}), "model": "ep300",
                         "model_file": str(REPO / "resources/models/ep300/model.pt")}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    proc = run_in(work, "rank", "predict")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


@pytest.mark.slow
def test_feature_tsvs_equal_the_parquet_tables_within_the_rounding(ranked):
    for name in ("pairs", "models"):
        parquet = pd.read_parquet(ranked / f"results/features/{name}.parquet")
        tsv = pd.read_csv(ranked / f"results/features/{name}.tsv", sep="\t", keep_default_na=False, na_values=[""])
        assert list(tsv.columns) == list(parquet.columns) and len(tsv) == len(parquet) > 0
        for column in parquet.columns:
            if pd.api.types.is_float_dtype(parquet[column]):
                assert_read_value(f"{column}", tsv[column], parquet[column])
            else:
                as_text = [frame[column].astype("string").fillna("").tolist() for frame in (tsv, parquet)]
                assert as_text[0] == as_text[1], (name, column)


@pytest.mark.slow
def test_one_name_one_value_across_predictions_ranking_and_workbook(ranked):
    predictions = pd.read_csv(ranked / "results/predictions/ep300.tsv", sep="\t", keep_default_na=False,
                              na_values=[""]).set_index("pair_id")
    sheets = pd.read_excel(ranked / "results/ranking/ranking.xlsx", sheet_name=None, keep_default_na=False,
                           na_values=[""])
    n_compared = 0
    for domain in ("KIX", "NCBD", "TAZ2"):
        ranking = pd.read_csv(ranked / f"results/ranking/{domain}.tsv", sep="\t", keep_default_na=False,
                              na_values=[""]).set_index("pair_id")
        shared = sorted(set(predictions.columns) & set(ranking.columns))
        # the model's score and the imputed inputs carry the ranking's names in the predictions table
        assert {"model_score", "imputed", "tf_id", "domain_id", "domain_category"} <= set(shared)
        assert "score" not in predictions.columns and "kd_pred_nm" not in predictions.columns
        pd.testing.assert_frame_equal(ranking[shared], predictions.loc[ranking.index, shared], check_dtype=False)
        sheet = sheets[domain].set_index("pair_id")
        pd.testing.assert_frame_equal(sheet[ranking.columns.drop("top_model")],
                                      ranking.loc[sheet.index, ranking.columns.drop("top_model")],
                                      check_dtype=False)
        n_compared += len(ranking)
    assert n_compared == 9
    metrics = sheets["all_metrics"].set_index("pair_id")
    pairs = pd.read_csv(ranked / "results/features/pairs.tsv", sep="\t", keep_default_na=False,
                        na_values=[""]).set_index("pair_id")
    common = [c for c in pairs.columns if c not in ("prediction",)]
    pd.testing.assert_frame_equal(metrics[common], pairs.loc[metrics.index, common], check_dtype=False)
