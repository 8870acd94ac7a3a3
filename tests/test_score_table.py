"""AlphaPulldown score tables as input (tfbind.features.alphapulldown_table, tfbind.plan.jobnames)."""

import csv
import math

import pandas as pd
import pytest

from tfbind.errors import InputError
from tfbind.features.alphapulldown_table import (
    read_score_table,
)
from tfbind.features.schema import PAIR_SCHEMA
from tfbind.io import rows_to_table
from tfbind.plan.jobnames import split_job_name, unmatched_reason
from tfbind.plan.sequences import SequenceRecord, read_fasta

TABLES = ["alphapulldown_output.csv", "LIA_LIS_output.csv"]

# Output column -> header of the published tables (after stripping spaces).
HEADERS = {
    "iptm": "iptm",
    "ranking_confidence": "iptm_ptm",
    "pdockq": "mpDockQ/pDockQ",
    "solvation_energy": "int_solv_en",
    "interface_area": "int_area",
    "n_contact_pairs": "contact_pairs",
    "n_interface_res": "Num_intf_residues",
    "frac_polar": "Polar",
    "frac_hydrophobic": "Hydrophobhic",
    "frac_charged": "Charged",
    "n_hbonds": "hb",
    "n_salt_bridges": "sb",
    "shape_complementarity": "sc",
    "pi_score": "pi_score",
}
LIS_HEADERS = {"lis": "lis_score", "lia": "lia_score", "pae_mean": "average_pae_score"}


@pytest.fixture
def csv_dir(fixtures_dir):
    return fixtures_dir / "alphapulldown_csv"


@pytest.fixture
def fasta(csv_dir):
    return read_fasta(csv_dir / "candidate.fasta", "tf"), read_fasta(csv_dir / "bait.fasta", "domain")


def _csv_rows(path):
    """The table as the csv module reads it: (raw header, {job: {stripped header: cell}})."""
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        raw = next(reader)
        rows = {}
        for cells in reader:
            rec = dict(zip([h.strip() for h in raw], cells))
            rows[rec["jobs"]] = rec
    return raw, rows


@pytest.mark.parametrize("name", TABLES)
def test_real_tables_one_row_per_job(csv_dir, fasta, name):
    tfs, domains = fasta
    raw, rows = _csv_rows(csv_dir / name)
    frame, failed, stats = read_score_table(csv_dir / name, tfs, domains)
    assert len(frame) == len(rows) == stats["n_table_rows"] == stats["n_pairs"]
    assert failed == [] and stats["n_failed"] == 0
    assert list(frame["pair_id"]) == list(rows)  # table order kept
    assert set(frame["tf_id"]) == set(tfs)  # every tile of candidate.fasta has a job
    assert (frame["domain_id"] == "KIX").all() and (frame["domain_category"] == "KIX").all()
    assert list(frame.columns) == PAIR_SCHEMA.names
    assert (frame["source_format"] == "score_table").all()
    assert (frame["model_name"] == "score_table").all()
    assert (frame["model_rank"] == 0).all() and (frame["n_models"] == 1).all()
    for rec in frame.to_dict("records"):
        tf = tfs[rec["tf_id"]]
        assert rec["tf_sequence"] == tf.sequence and rec["tf_length"] == len(tf.sequence)
        assert rec["domain_sequence"] == domains["KIX"].sequence
        assert rec["domain_length"] == len(domains["KIX"].sequence)
        assert rec["tf_chain"] is None and rec["prediction"] is None
        assert math.isnan(rec["ptm"]) and math.isnan(rec["iptm_mean"]) and math.isnan(rec["plddt_mean"])


@pytest.mark.parametrize("name", TABLES)
def test_real_tables_values_equal_csv_cells(csv_dir, fasta, name):
    raw, rows = _csv_rows(csv_dir / name)
    frame, _, stats = read_score_table(csv_dir / name, *fasta)
    headers = dict(HEADERS)
    if "lis_score" in rows["KIX_and_MYB_24"]:
        headers.update(LIS_HEADERS)
    by_job = frame.set_index("pair_id")
    for job, rec in rows.items():
        for out, header in headers.items():
            expected = rec[header].strip()
            got = by_job.loc[job, out]
            if expected in {"", "None", "No interface detected"}:
                assert pd.isna(got), (job, out)
            else:
                assert float(got) == pytest.approx(float(expected), rel=1e-15), (job, out)
        iface = rec["interface"].strip()
        assert by_job.loc[job, "score_table_interface"] == (None if iface in {"", "None"} else iface)
    assert stats["source_columns"]["frac_hydrophobic"] == "Hydrophobhic"  # the published misspelling


@pytest.mark.parametrize("name", TABLES)
def test_kix_myb24_spot_values(csv_dir, fasta, name):
    frame, _, _ = read_score_table(csv_dir / name, *fasta)
    row = frame.set_index("pair_id").loc["KIX_and_MYB_24"]
    assert row["tf_id"] == "MYB_24" and row["domain_id"] == "KIX"
    assert row["iptm"] == 0.7691416165761349
    assert row["ranking_confidence"] == 0.7399439419424632
    assert row["pdockq"] == pytest.approx(0.2673279249294845, rel=1e-14)
    assert row["interface_area"] == 1217.52
    assert row["solvation_energy"] == -15.93
    assert row["n_interface_res"] == 25 and row["n_contact_pairs"] == 22
    assert row["n_hbonds"] == 2 and row["n_salt_bridges"] == 7
    assert row["shape_complementarity"] == 0.475  # header " sc" with a leading space
    assert row["score_table_interface"] == "C_B"
    if name == "LIA_LIS_output.csv":
        assert row["lis"] == 0.1738291549682617
        assert row["pae_mean"] == 13.773817 and row["lia"] == 5393
    else:
        assert math.isnan(row["lis"]) and math.isnan(row["lia"]) and math.isnan(row["pae_mean"])


def test_table_without_lis_has_nan_lis_lia_pae(csv_dir, fasta):
    raw, _ = _csv_rows(csv_dir / "alphapulldown_output.csv")
    assert not {"lis_score", "lia_score", "average_pae_score"} & {h.strip() for h in raw}
    frame, _, stats = read_score_table(csv_dir / "alphapulldown_output.csv", *fasta)
    for col in ("lis", "lia", "pae_mean"):
        assert frame[col].isna().all()
    assert set(stats["absent_columns"]) == {"lis", "lia", "pae_mean"}
    assert "lis" not in stats["missing"]


@pytest.mark.parametrize("name", TABLES)
def test_header_spaces_and_missing_row_counted(csv_dir, fasta, name):
    raw, rows = _csv_rows(csv_dir / name)
    assert " sc" in raw and " int_area" in raw  # the published headers carry leading spaces
    frame, _, stats = read_score_table(csv_dir / name, *fasta)
    assert stats["unused_columns"] == [] and set(stats["ignored_columns"]) == {"pdb", "pvalue"}
    # KIX_and_RELB_45 has no interface: "None" cells (or empty ones) and a text pi_score.
    empty = [job for job, rec in rows.items() if rec["int_area"].strip() in {"", "None"}]
    assert empty == ["KIX_and_RELB_45"]
    relb = frame.set_index("pair_id").loc["KIX_and_RELB_45"]
    assert math.isnan(relb["interface_area"]) and math.isnan(relb["pi_score"])
    assert relb["score_table_interface"] is None and relb["iptm"] == pytest.approx(0.169449451451429)
    assert stats["missing"]["interface_area"] == 1 and stats["missing"]["iptm"] == 0
    assert stats["missing"]["n_hbonds"] == 1 and stats["missing"]["score_table_interface"] == 1
    assert stats["non_numeric"] == {"pi_score": {"No interface detected": 1}}


def test_arrow_round_trip(csv_dir, fasta):
    frame, _, _ = read_score_table(csv_dir / "LIA_LIS_output.csv", *fasta)
    table = rows_to_table(frame.to_dict("records"), PAIR_SCHEMA)
    assert table.schema == PAIR_SCHEMA and table.num_rows == len(frame)
    assert table.column("n_hbonds").to_pandas().isna().sum() == 1  # floats: missing is NaN
    assert table.column("score_table_interface").null_count == 1


# ---- synthetic tables -------------------------------------------------------------------------

TF_SEQS = {"MYB_24": "DDEEKWFL", "TP53_2": "MEEPQSDPSV", "A_and_B": "WWW"}
TFS = {t: SequenceRecord(t, s, t) for t, s in TF_SEQS.items()}
DOMAINS = {
    "KIX": SequenceRecord("KIX", "GIRKQWHEDI", "KIX"),
    "TAZ2": SequenceRecord("TAZ2", "KKLLQQ", "TAZ2"),
}
HEADER = "jobs,interface,Num_intf_residues, Hydrophobic, sc,iptm_ptm,iptm,mpDockQ/pDockQ,average pae score"


def _write(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_none_nan_and_empty_cells_are_nan_and_counted(tmp_path):
    path = _write(
        tmp_path,
        HEADER + "\n"
        "KIX_and_MYB_24,C_B,25,0.44,0.475,0.74,0.77,0.27,13.5\n"
        "KIX_and_TP53_2,None,None,nan,,0.30,None,NaN,\n"
        "TAZ2_and_MYB_24,,N/A,0.5,null,0.2,0.1,0.05,20.0\n",
    )
    frame, failed, stats = read_score_table(path, TFS, DOMAINS)
    assert failed == [] and len(frame) == 3
    assert list(frame["domain_id"]) == ["KIX", "KIX", "TAZ2"]
    assert list(frame["domain_category"]) == ["KIX", "KIX", "TAZ2"]
    tp53 = frame.set_index("pair_id").loc["KIX_and_TP53_2"]
    for col in ("n_interface_res", "frac_hydrophobic", "shape_complementarity", "iptm", "pdockq", "pae_mean"):
        assert frame[col].isna().iloc[1], col
    assert tp53["ranking_confidence"] == 0.30 and tp53["score_table_interface"] is None
    assert stats["source_columns"]["frac_hydrophobic"] == "Hydrophobic"
    assert stats["source_columns"]["pae_mean"] == "average pae score"
    assert stats["missing"] == {
        "iptm": 1, "ranking_confidence": 0, "pdockq": 1, "pae_mean": 1, "n_interface_res": 2,
        "frac_hydrophobic": 1, "shape_complementarity": 2, "score_table_interface": 2,
    }  # fmt: skip
    assert stats["non_numeric"] == {}
    assert frame["n_interface_res"].iloc[0] == 25


def test_unknown_and_reversed_jobs_go_to_failed(tmp_path):
    path = _write(
        tmp_path,
        HEADER + "\n"
        "KIX_and_MYB_24,C_B,25,0.44,0.475,0.74,0.77,0.27,13.5\n"
        "KIX_and_NOPE_1,C_B,25,0.44,0.475,0.74,0.77,0.27,13.5\n"
        "MYB_24_and_KIX,C_B,25,0.44,0.475,0.74,0.77,0.27,13.5\n"
        "XYZ_and_MYB_24,C_B,25,0.44,0.475,0.74,0.77,0.27,13.5\n"
        "garbage,C_B,25,0.44,0.475,0.74,0.77,0.27,13.5\n",
    )
    frame, failed, stats = read_score_table(path, TFS, DOMAINS)
    assert list(frame["pair_id"]) == ["KIX_and_MYB_24"]
    assert [f["pair_id"] for f in failed] == ["KIX_and_NOPE_1", "MYB_24_and_KIX", "XYZ_and_MYB_24", "garbage"]
    assert all(f["stage"] == "score_table" and str(path) in f["reason"] for f in failed)
    assert "'NOPE_1' is not in the TF FASTA" in failed[0]["reason"] and "line 3" in failed[0]["reason"]
    assert "reversed" in failed[1]["reason"]
    assert "no domain ID" in failed[2]["reason"]
    assert "_and_" in failed[3]["reason"]
    assert stats["n_table_rows"] == stats["n_pairs"] + stats["n_failed"] == 5


def test_tf_id_containing_and(tmp_path):
    path = _write(tmp_path, HEADER + "\nKIX_and_A_and_B,C_B,1,0.1,0.2,0.3,0.4,0.5,6\n")
    frame, failed, _ = read_score_table(path, TFS, DOMAINS)
    assert failed == [] and (frame["tf_id"].iloc[0], frame["domain_id"].iloc[0]) == ("A_and_B", "KIX")


def test_no_jobs_column_names_file(tmp_path):
    path = _write(tmp_path, "job,iptm\nKIX_and_MYB_24,0.5\n")
    with pytest.raises(InputError, match=r"table\.csv.*'jobs'"):
        read_score_table(path, TFS, DOMAINS)


def test_all_jobs_unknown_raises(tmp_path):
    path = _write(tmp_path, "jobs,iptm\nKIX_and_NOPE,0.5\nFOO_and_BAR,0.2\n")
    with pytest.raises(InputError, match=r"table\.csv: none of the 2 jobs"):
        read_score_table(path, TFS, DOMAINS)


def test_duplicate_jobs_raise_naming_them(tmp_path):
    path = _write(tmp_path, "jobs,iptm\nKIX_and_MYB_24,0.5\nKIX_and_TP53_2,0.1\nKIX_and_MYB_24 ,0.6\n")
    with pytest.raises(InputError, match=r"table\.csv: duplicate jobs.*KIX_and_MYB_24"):
        read_score_table(path, TFS, DOMAINS)


def test_malformed_tables_raise(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_score_table(tmp_path / "absent.csv", TFS, DOMAINS)
    with pytest.raises(InputError, match="empty"):
        read_score_table(_write(tmp_path, ""), TFS, DOMAINS)
    with pytest.raises(InputError, match="no rows"):
        read_score_table(_write(tmp_path, "jobs,iptm\n"), TFS, DOMAINS)
    with pytest.raises(InputError, match="line 2: 3 fields"):
        read_score_table(_write(tmp_path, "jobs,iptm\nKIX_and_MYB_24,0.5,1\n"), TFS, DOMAINS)
    with pytest.raises(InputError, match="Hydrophobhic, Hydrophobic"):
        path = _write(tmp_path, "jobs,Hydrophobhic,Hydrophobic\nKIX_and_MYB_24,0.5,0.5\n")
        read_score_table(path, TFS, DOMAINS)
    with pytest.raises(InputError, match="duplicate column names"):
        read_score_table(_write(tmp_path, "jobs,sc, sc\nKIX_and_MYB_24,0.5,0.5\n"), TFS, DOMAINS)
    with pytest.raises(InputError,
                       match=r"line 2: column 'hb': n_hbonds 2.5 is out of range \(valid: a whole number >= 0\)"):
        read_score_table(_write(tmp_path, "jobs,hb\nKIX_and_MYB_24,2.5\n"), TFS, DOMAINS)


def test_unknown_columns_reported(tmp_path):
    path = _write(tmp_path, "jobs,iptm,something_new\nKIX_and_MYB_24,0.5,x\n")
    frame, _, stats = read_score_table(path, TFS, DOMAINS)
    assert stats["unused_columns"] == ["something_new"]
    assert "pdockq" in stats["absent_columns"] and frame["pdockq"].isna().all()


def test_descriptors_come_from_the_fasta(tmp_path):
    path = _write(tmp_path, "jobs,iptm\nKIX_and_MYB_24,0.5\n")
    frame, _, _ = read_score_table(path, TFS, DOMAINS)
    seq = TFS["MYB_24"].sequence
    acidic = sum(seq.count(a) for a in "DE") / len(seq)
    assert frame.loc[0, "tf_frac_acidic"] == pytest.approx(acidic)


def test_split_job_name():
    assert split_job_name("KIX_and_MYB_24", TFS, DOMAINS) == ("KIX", "MYB_24")
    assert split_job_name("KIX_and_MYB_24", TFS, DOMAINS).tf_id == "MYB_24"
    assert split_job_name("KIX_and_UNKNOWN", TFS, DOMAINS) is None
    # "X_and_Y_and_Z" fits both (X, Y_and_Z) and (X_and_Y, Z) when all four IDs exist.
    with pytest.raises(InputError, match="several"):
        split_job_name("X_and_Y_and_Z", {"Y_and_Z", "Z"}, {"X", "X_and_Y"}, where="f.csv line 2")
    assert "reversed" in unmatched_reason("MYB_24_and_KIX", TFS, DOMAINS)
    assert unmatched_reason("", TFS, DOMAINS) == "empty job name"
