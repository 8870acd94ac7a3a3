"""Hostile and damaged inputs, case by case: a precise error (or failed.tsv row), never a crash, a hang
or a silent wrong number. Runs are damaged copies of ../shared/fixtures built in tmp_path."""

import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import damaged_runs as dr
from helpers import REPO, shared_fixtures
from tfbind.errors import InputError, InputWarning, PredictionError
from tfbind.features.chains import assign_chains
from tfbind.features.extract import run_shard
from tfbind.features.failed import read_failed, write_failed
from tfbind.features.merge import merge_features
from tfbind.labels import read_labels
from tfbind.plan.discovery import discover_pairs
from tfbind.plan.pairs import read_pairs_table
from tfbind.plan.sequences import SequenceRecord
from tfbind.plan.settings import ExtractSettings
from tfbind.plan.shards import write_plan
from tfbind.ranges import parse_number, range_table
from tfbind.readers import read_run
from tfbind.readers.structure import _separate_repeated_residues


@pytest.fixture
def fx():
    return shared_fixtures()


def _read_all(run, **kwargs):
    return list(read_run(run, **kwargs))


@pytest.fixture
def no_hang():
    """Fail a test (instead of hanging the suite) when it runs past 20 s."""

    def expire(signum, frame):
        raise TimeoutError("test ran past 20 s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --- range checks on damaged fixture copies ------------------------------------------------------

DAMAGES = {
    "pae-nan": lambda d: dr.cf_pae_value(d, float("nan"), "nan"),
    "pae-negative": lambda d: dr.cf_pae_value(d, -1.0, "-1.0"),
    "pae-above-32": lambda d: dr.cf_pae_value(d, 40.5, "40.5"),
    "pae-true-cf": dr.cf_pae_true,
    "pae-true-ap": dr.ap_pae_true,
    "iptm-7.5": lambda d: dr.cf_iptm(d, 7.5),
    "iptm-negative": lambda d: dr.cf_iptm(d, -0.2),
    "plddt-150": lambda d: dr.ap_plddt(d, 150.0),
    "plddt-negative": lambda d: dr.ap_plddt(d, -5.0),
    "plddt-0-1-scale": dr.cf_plddt_unit_scale,
    "chain-pair-iptm": lambda d: dr.af3_chain_pair_iptm(d, 1.7),
    "repeated-numbering": dr.ap_repeated_numbering,
    "pickle-object-array": dr.ap_pickle_object_array,
    "fifo": dr.ap_fifo,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_run_refused_with_file_model_field_value(fx, tmp_path, damage, no_hang):
    run, reason = DAMAGES[damage](tmp_path / "run")
    with pytest.raises(PredictionError, match=reason):
        _read_all(run)


def test_pae_at_the_bounds_accepted(fx, tmp_path):
    """0 and 32 are valid PAE values (the bounds are inclusive); the undamaged runs read."""
    run, _ = dr.cf_pae_value(tmp_path / "run", 32.0, "32.0")
    scores = next(run.glob("*_scores_*.json"))
    data = json.loads(scores.read_text())
    data["pae"][151][301] = 0
    scores.write_text(json.dumps(data))
    [model] = _read_all(run)
    assert model.pae[150, 300] == 32.0 and model.pae[151, 301] == 0.0
    for name in (dr.AP, dr.CF, dr.AF3):
        assert _read_all(fx / name)


def test_pickle_with_repeated_rows_refused_before_materialising(fx, tmp_path):
    """A 16,000 x 16,000 PAE made of one row referenced 16,000 times (2 GB as floats) is refused from its
    declared shape; the process grows by far less than the matrix would take."""
    run, reason = dr.ap_pickle_repeated_rows(tmp_path / "run")
    code = textwrap.dedent(
        """
        import json, resource, sys
        sys.path.insert(0, sys.argv[2])
        from tfbind.errors import PredictionError
        from tfbind.readers import read_run
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            list(read_run(sys.argv[1]))
            outcome = "read"
        except PredictionError as exc:
            outcome = str(exc)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"outcome": outcome, "grown_kib": after - before}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code, str(run), str(REPO / "workflow")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert re.search(reason, result["outcome"]), result["outcome"]
    assert result["grown_kib"] / 1024 < 300, f"grew by {result['grown_kib'] / 1024:.0f} MiB"


def test_json_bomb_in_a_run_refused(fx, tmp_path):
    run, reason = dr.ap_json_bomb(tmp_path / "run", expanded_mib=64)
    with pytest.raises(PredictionError, match=reason):
        _read_all(run, max_bytes=16 << 20)


# --- residue separation cannot loop --------------------------------------------------------------


def _atom(serial: int, chain: str, num: int, icode: str = " ", name: str = "CA", res: str = "ALA") -> str:
    return (f"ATOM  {serial:5d} {name:^4} {res} {chain}{num:4d}{icode}   "
            f"{0.0:8.3f}{0.0:8.3f}{0.0:8.3f}{1.0:6.2f}{50.0:6.2f}           C  \n")


def test_repeated_numbering_with_insertion_code_raises_not_loops(no_hang):
    text = _atom(1, "A", 5, "A") + _atom(2, "A", 6) + _atom(3, "A", 5, "A")
    with pytest.raises(PredictionError, match=r"line 3: chain 'A' residue 5A occurs twice"):
        _separate_repeated_residues(text, "x.pdb")


def test_more_than_26_restarts_raise_not_loop(no_hang):
    text = "".join(_atom(i + 1, "A", 1 + i % 2) for i in range(2 * 28))  # 1, 2, 1, 2, ...: 27 restarts
    with pytest.raises(PredictionError, match="restarts more than 26 times"):
        _separate_repeated_residues(text, "x.pdb")


def test_restarts_get_consecutive_insertion_codes(no_hang):
    text = "".join(_atom(i + 1, "A", 1 + i % 2) for i in range(6))  # 1 2 | 1 2 | 1 2
    fixed = _separate_repeated_residues(text, "x.pdb")
    assert [line[22:27] for line in fixed.splitlines()] == ["   1 ", "   2 ", "   1A", "   2A", "   1B", "   2B"]


# --- per-pair time limit and the shard log --------------------------------------------------------


def _manifest(tmp_path, rows, tf_seq, dom_seq):
    frame = pd.DataFrame(
        [{"pair_id": pid, "tf_id": "TF", "domain_id": "DOM", "prediction": str(run), "tf_chain": "",
          "domain_chain": "", "format": "", "domain_category": "DOM", "tf_sequence": tf_seq,
          "domain_sequence": dom_seq} for pid, run in rows]
    )
    path = tmp_path / "shard_00000.tsv"
    frame.to_csv(path, sep="\t", index=False)
    return path


def test_hanging_pair_becomes_a_timeout_row_and_the_shard_goes_on(fx, tmp_path):
    seqs = dr.chain_sequences(fx / dr.AP / "ranked_0.pdb")
    hang, reason = dr.ap_slow_pickle(tmp_path / "hang")
    manifest = _manifest(tmp_path, [("hang", hang), ("good", fx / dr.AP)], seqs["C"], seqs["B"])
    out = {k: tmp_path / f"out.{k}" for k in ("models", "pairs", "failed")}
    start = time.monotonic()
    scored, failed = run_shard(manifest, out["models"], out["pairs"], out["failed"],
                               ExtractSettings(sasa=False, pair_timeout_s=1.5))
    assert time.monotonic() - start < 30
    assert (scored, failed) == (1, 1)
    rows = read_failed(out["failed"])
    assert rows["pair_id"].tolist() == ["hang"] and rows["stage"].tolist() == ["timeout"]
    assert "no result after 1.5 s (features.pair_timeout_s)" in rows["reason"].iat[0]
    assert pd.read_parquet(out["pairs"])["pair_id"].tolist() == ["good"]
    # the alarm is disarmed after the shard
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_killed_shard_job_names_its_pair_in_the_log(fx, tmp_path):
    """A shard job that dies (here: killed while busy reading a pair, no time limit) leaves the pair it
    was working on as the last line of its log."""
    seqs = dr.chain_sequences(fx / dr.AP / "ranked_0.pdb")
    hang, _ = dr.ap_slow_pickle(tmp_path / "hang", n_ops=300_000_000)
    manifest = _manifest(tmp_path, [("good", fx / dr.AP), ("culprit", hang)], seqs["C"], seqs["B"])
    log = tmp_path / "shard.log"
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        from tfbind import logs
        from tfbind.features.extract import run_shard
        from tfbind.plan.settings import ExtractSettings
        logs.setup(sys.argv[3])
        run_shard(sys.argv[2], "m.parquet", "p.parquet", "f.tsv", ExtractSettings(sasa=False, pair_timeout_s=0))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(REPO / "workflow"), str(manifest), str(log)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "culprit" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.2)
        time.sleep(0.5)
        assert proc.poll() is None, "the job should still be busy with the pair"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    last = log.read_text().strip().splitlines()[-1]
    assert "pair 2/2 culprit: reading" in last and str(hang) in last


# --- failed.tsv and discovery ----------------------------------------------------------------------

TFS = {"TF1": SequenceRecord("TF1", "MKV", "TF1"), "TF2": SequenceRecord("TF2", "MKV", "TF2")}
DOMAINS = {"KIX": SequenceRecord("KIX", "GSA", "KIX")}


def test_discovery_lists_every_skipped_job_like_entry(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "KIX_and_TF1").mkdir()
    (runs / "KIX_and_TF2").symlink_to(tmp_path / "gone")  # dangling
    (runs / "KIX_and_TF3.tar").write_text("x")  # a plain file
    (runs / ".KIX_and_TF2").mkdir()  # hidden
    (runs / "KIX_and_TF1\nKIX_and_TF2").mkdir()  # a newline in the name
    (runs / "KIX_and_TF1\tx").mkdir()  # a tab
    (runs / "README.md").write_text("not a job")  # not named like a job: not listed
    plan = discover_pairs(runs, TFS, DOMAINS)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_TF1"]
    reasons = dict(plan.unmatched)
    assert set(reasons) == {"KIX_and_TF2", "KIX_and_TF3.tar", ".KIX_and_TF2", "KIX_and_TF1\nKIX_and_TF2",
                            "KIX_and_TF1\tx"}
    assert reasons["KIX_and_TF2"].startswith("dangling symbolic link")
    assert reasons["KIX_and_TF3.tar"].startswith("a file, not a run folder")
    assert reasons[".KIX_and_TF2"].startswith("hidden entry")
    assert "control character" in reasons["KIX_and_TF1\nKIX_and_TF2"]
    # through the plan and the merge into failed.tsv: one line per entry, names escaped
    write_plan(plan, tmp_path / "plan", 10)
    out = {k: tmp_path / f"merged.{k}" for k in ("models", "pairs", "failed")}
    merge_features([], [], [], tmp_path / "plan" / "unmatched.tsv", out["models"], out["pairs"], out["failed"])
    lines = out["failed"].read_text().splitlines()
    assert len(lines) == 1 + 5
    assert all(line.count("\t") == 2 for line in lines)
    failed = read_failed(out["failed"])
    assert set(failed["stage"]) == {"discover"}
    assert "KIX_and_TF1\\nKIX_and_TF2" in failed["pair_id"].tolist()
    assert "KIX_and_TF1\\tx" in failed["pair_id"].tolist()


def test_failed_tsv_escapes_control_characters(tmp_path):
    path = tmp_path / "failed.tsv"
    write_failed([{"pair_id": "a\nb\tc\x00", "stage": "read", "reason": "line1\nline2\x1b[31m"},
                  {"pair_id": "ok", "stage": "read", "reason": "fine"}], path)
    lines = path.read_text().splitlines()
    assert lines[1:] == ["a\\nb\\tc\\x00\tread\tline1 line2\\x1b[31m", "ok\tread\tfine"]


# --- tables: unknown columns, labels, homodimers -----------------------------------------------------


def _pairs_table(tmp_path, header: str, row: str):
    path = tmp_path / "pairs.tsv"
    path.write_text(header + "\n" + row + "\n")
    return path


def test_misspelt_pairs_column_is_an_error_naming_both(tmp_path):
    path = _pairs_table(tmp_path, "pair_id\ttf_id\tdomain_id\tprediction\ttf_chian", "p1\tTF1\tKIX\truns/x\tB")
    with pytest.raises(InputError, match="column 'tf_chian' is not a pairs table column; did you mean 'tf_chain'"):
        read_pairs_table(path, TFS, DOMAINS)


def test_unknown_pairs_column_is_a_warning_naming_it(tmp_path):
    path = _pairs_table(tmp_path, "pair_id\ttf_id\tdomain_id\tprediction\tnotes", "p1\tTF1\tKIX\truns/x\thello")
    with pytest.warns(InputWarning, match="column\\(s\\) not used: 'notes'"):
        read_pairs_table(path, TFS, DOMAINS)


def test_control_character_in_pairs_cell_refused(tmp_path):
    path = _pairs_table(tmp_path, "pair_id\ttf_id\tdomain_id\tprediction", 'p1\tTF1\tKIX\t"runs/a\nb"')
    with pytest.raises(InputError, match=r"line 2: prediction 'runs/a\\\\nb' holds a control character"):
        read_pairs_table(path, TFS, DOMAINS)


@pytest.mark.parametrize("kd", ["inf", "1e400", "0_5", "nan", "-Infinity", "0", "-3", "abc", ""])
def test_labels_kd_must_be_finite_and_positive(tmp_path, kd):
    path = tmp_path / "labels.tsv"
    path.write_text(f"tf_id\tdomain_id\tkd_nm\nTF1\tKIX\t250\nTF2\tKIX\t{kd}\n")
    with pytest.raises(InputError, match=rf"labels.tsv line 3: kd_nm '{kd}' is not a finite positive number "
                                         r"\(tf_id 'TF2', domain_id 'KIX'\)"):
        read_labels(path)


def test_labels_columns(tmp_path):
    path = tmp_path / "labels.tsv"
    path.write_text("tf_id\tdomain_id\tkd_nm\tbindr\nTF1\tKIX\t250\t1\n")
    with pytest.raises(InputError, match="'bindr'.*did you mean 'binder'"):
        read_labels(path)
    path.write_text("tf_id\tdomain_id\tkd_nm\tassay\nTF1\tKIX\t2.5e2\tITC\n")
    with pytest.warns(InputWarning, match="'assay'"):
        assert read_labels(path)["kd_nm"].tolist() == [250.0]


def test_homodimer_needs_chain_columns():
    seqs = {"A": "MKVLAAGIVG", "B": "MKVLAAGIVG"}
    with pytest.raises(PredictionError, match="chains 'A' and 'B' both match both the TF and the domain.*set "
                                              "tf_chain and domain_chain"):
        assign_chains(seqs, "MKVLAAGIVG", "MKVLAAGIVG", where="pair p1")
    chosen = assign_chains(seqs, "MKVLAAGIVG", "MKVLAAGIVG", tf_chain="B", domain_chain="A")
    assert (chosen.tf_chain, chosen.domain_chain) == ("B", "A")
    # distinct sequences are not affected
    assert assign_chains({"A": "MKVLAAGIVG", "B": "GSAPQRTTWE"}, "GSAPQRTTWE", "MKVLAAGIVG").tf_chain == "B"


# --- the strict number grammar -------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [("1", 1.0), ("-0.5", -0.5), (".5", 0.5), ("5.", 5.0), ("1e-3", 0.001),
                                         ("+2E+04", 20000.0), (" 7 ", 7.0)])
def test_number_grammar_accepts(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["0_5", "1_000", "inf", "-inf", "Infinity", "nan", "NaN", "1e999", "-1e400", "0x10",
                                  "1,5", "", "1e", "e5", "١٢"])
def test_number_grammar_refuses(text):
    assert parse_number(text) is None


def test_range_table_is_documented_in_the_bad_inputs_page():
    section = (REPO / "docs" / "bad_inputs.md").read_text()
    for field, description in range_table():
        assert f"| `{field}` | {description} |" in section, field
    assert "features.max_input_mb" in section and "features.pair_timeout_s" in section


# --- score tables: strict numbers and ranges fail the row, good rows are imported --------------------


@pytest.mark.parametrize(
    "header, cell, reason",
    [
        ("iptm", "inf", r"column 'iptm': 'inf' is not a finite number in plain notation"),
        ("iptm", "1e999", r"column 'iptm': '1e999' is not a finite number"),
        ("iptm", "0_5", r"column 'iptm': '0_5' is not a finite number"),
        ("iptm", "-3", r"column 'iptm': iptm -3.0 is out of range \(valid: a finite number in 0..1\)"),
        ("iptm", "42", r"column 'iptm': iptm 42.0 is out of range"),
        ("Polar", "1.5", r"column 'Polar': frac_polar 1.5 is out of range"),
        ("contact_pairs", "-2",
         r"column 'contact_pairs': n_contact_pairs -2.0 is out of range \(valid: a whole number >= 0\)"),
        ("mpDockQ/pDockQ", "NaN0", None),  # words stay missing values (AlphaPulldown's "No interface detected")
    ],
)
def test_score_table_cells(tmp_path, header, cell, reason):
    from tfbind.features.alphapulldown_table import read_score_table

    tfs = {"MYB_24": SequenceRecord("MYB_24", "MKV", "MYB_24"),
           "KLF15_10": SequenceRecord("KLF15_10", "MKVL", "KLF15_10")}
    domains = {"KIX": SequenceRecord("KIX", "GSA", "KIX")}
    path = tmp_path / "table.csv"
    path.write_text(f"jobs,{header}\nKIX_and_MYB_24,{cell}\nKIX_and_KLF15_10,1\n")
    frame, failed, stats = read_score_table(path, tfs, domains)
    if reason is None:
        assert frame["pair_id"].tolist() == ["KIX_and_MYB_24", "KIX_and_KLF15_10"] and not failed
        assert stats["non_numeric"]
        return
    assert frame["pair_id"].tolist() == ["KIX_and_KLF15_10"]
    [row] = failed
    assert row["pair_id"] == "KIX_and_MYB_24" and row["stage"] == "score_table"
    assert re.search(rf"table\.csv line 2: {reason}", row["reason"]), row["reason"]


def test_score_table_misspelt_column(tmp_path):
    from tfbind.features.alphapulldown_table import read_score_table

    path = tmp_path / "table.csv"
    path.write_text("jobs,lis_scroe\nKIX_and_MYB_24,0.5\n")
    with pytest.raises(InputError, match="'lis_scroe'.*did you mean 'lis_score'"):
        read_score_table(path, {"MYB_24": SequenceRecord("MYB_24", "MKV", "MYB_24")},
                         {"KIX": SequenceRecord("KIX", "GSA", "KIX")})


# --- issue 20: spreadsheet formulas -------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("https://x","click")'


@pytest.mark.parametrize("text, written", [
    ("=2+3", "'=2+3"), ("+1+1", "'+1+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), (HYPERLINK, "'" + HYPERLINK),
    ("\t=1", "'\\t=1"), ("\r=1", "'\\r=1"),  # guarded on the first character as given, then escaped
    ("-inf", "'-inf"), ("-0.5", "-0.5"), ("+3", "+3"), ("-1e-3", "-1e-3"),  # plain numbers stay numbers
    ("MYB_24", "MYB_24"), ("a=1", "a=1"), ("'=2+3", "'=2+3"), ("", ""),
])
def test_formula_guard(text, written):
    from tfbind.escape import escape_cell

    assert escape_cell(text) == written


def test_tsv_text_cells_are_guarded_and_numbers_kept(tmp_path):
    from tfbind.io import write_tsv

    frame = pd.DataFrame({"pair_id": ["=2+3", "ok"], "reason": ["@x", "-inf"], "score": [-0.5, 1.0],
                          "text_number": ["-2", "+x"]})
    write_tsv(frame, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_text() == (
        "pair_id\treason\tscore\ttext_number\n'=2+3\t'@x\t-0.5\t-2\nok\t'-inf\t1.0\t'+x\n")


def test_failed_tsv_guards_a_folder_named_like_a_formula(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "KIX_and_TF1").mkdir()
    (runs / "=2+3").mkdir()
    (runs / "@KIX_and_TF2").mkdir()
    plan = discover_pairs(runs, TFS, DOMAINS)
    write_plan(plan, tmp_path / "plan", 10)
    out = {k: tmp_path / f"merged.{k}" for k in ("models", "pairs", "failed")}
    merge_features([], [], [], tmp_path / "plan" / "unmatched.tsv", out["models"], out["pairs"], out["failed"])
    first_cells = sorted(line.split("\t")[0] for line in out["failed"].read_text().splitlines()[1:])
    assert first_cells == ["'=2+3", "'@KIX_and_TF2"]


def test_ranking_workbook_stores_formula_like_text_as_strings(tmp_path):
    """A top_model path starting with '=' (a run folder named '=2+3', a pairs-table path like a HYPERLINK
    formula) is a string cell in ranking.xlsx, with the TSV's apostrophe; numbers stay number cells."""
    import openpyxl

    from tfbind.ranking.table import write_ranking

    table = pd.DataFrame({"rank": [1, 2], "tf_id": ["MYB_1", "MYB_2"], "domain_id": ["KIX", "KIX"],
                          "score": [-0.5, -1.25], "consensus_metrics": ["iptm", "iptm"],
                          "pair_id": ["KIX_and_MYB_1", "KIX_and_MYB_2"],
                          "top_model": ["=2+3/ranked_0.pdb", HYPERLINK]})
    write_ranking(table, ["KIX"], {"KIX": tmp_path / "KIX.tsv"}, tmp_path / "ranking.xlsx",
                  model_note="=1+1 in a note")
    book = openpyxl.load_workbook(tmp_path / "ranking.xlsx")
    kinds = {cell.data_type for sheet in book for row in sheet.iter_rows() for cell in row}
    assert "f" not in kinds
    sheet = book["KIX"]
    header = [c.value for c in sheet[1]]
    top = [sheet.cell(row=r, column=header.index("top_model") + 1) for r in (2, 3)]
    assert [c.value for c in top] == ["'=2+3/ranked_0.pdb", "'" + HYPERLINK]
    assert {c.data_type for c in top} == {"s"}
    score = [sheet.cell(row=r, column=header.index("score") + 1) for r in (2, 3)]
    assert [c.value for c in score] == [-0.5, -1.25] and {c.data_type for c in score} == {"n"}
    assert book["about"]["B2"].value == "'=1+1 in a note"
    tsv = (tmp_path / "KIX.tsv").read_text().splitlines()
    assert tsv[1].endswith("\t'=2+3/ranked_0.pdb")
    assert tsv[2].endswith("\t\"'=HYPERLINK(\"\"https://x\"\",\"\"click\"\")\"")  # TSV quoting of the quotes


def test_gene_key_and_ids_that_spreadsheets_read_as_formulas_are_refused(tmp_path):
    from tfbind.plan.sequences import read_fasta

    path = tmp_path / "tf.fasta"
    path.write_text(">MYB_1 gene==1+1 start=1\nACD\n")
    with pytest.raises(InputError, match=r"tf\.fasta record 1 \(>MYB_1 gene==1\+1 start=1\): gene '=1\+1' is not"):
        read_fasta(path, "tf")
    path.write_text(">MYB_1 gene=MYB gene=@x\nACD\n")  # every gene= key (the ranking reads the last)
    with pytest.raises(InputError, match="gene '@x' is not a valid identifier"):
        read_fasta(path, "tf")
    path.write_text(">-MYB_1\nACD\n")
    with pytest.raises(InputError, match=r"ID '-MYB_1' is not a valid identifier .*not starting with -"):
        read_fasta(path, "tf")
    path.write_text(">MYB_1 gene=MYB group=MYB\nACD\n")
    assert read_fasta(path, "tf")["MYB_1"].group == "MYB"


# --- issue 20: identifiers and file-name lengths --------------------------------------------------------------


def test_id_length_limit_fits_the_file_names_built_from_ids(tmp_path):
    """The longest IDs (90 characters) give a job name of 185 and the longest names any predictor or the
    pipeline builds from them fit this file system's 255 bytes; one more byte does not."""
    from tfbind.io import write_tsv
    from tfbind.plan.ids import MAX_ID_LENGTH, MAX_JOB_LENGTH

    assert (MAX_ID_LENGTH, MAX_JOB_LENGTH) == (90, 185)
    job = "D" * 90 + "_and_" + "T" * 90
    for suffix in ("_unrelaxed_rank_001_alphafold2_multimer_v3_model_1_seed_000.pdb",  # ColabFold
                   "_seed-4294967295_sample-4_summary_confidences.json"):  # AlphaFold3, largest seed
        (tmp_path / (job + suffix)).write_text("")
    (tmp_path / ("fold_" + job.lower() + "_summary_confidences_0.json")).write_text("")  # AlphaFold Server
    write_tsv(pd.DataFrame({"a": [1]}), tmp_path / ("D" * 90 + ".tsv"))  # the atomic temporary's name too
    with pytest.raises(OSError, match="too long"):
        (tmp_path / ("x" * 256)).write_text("")


def test_long_ids_are_refused_at_start_up_naming_file_and_record(tmp_path):
    from tfbind.plan.sequences import read_fasta
    from tfbind.prepare.tiling import plan_tiles

    path = tmp_path / "tf.fasta"
    path.write_text(f">{'T' * 90}\nACD\n>{'U' * 91}\nACD\n")
    with pytest.raises(InputError, match=r"tf\.fasta record 2 .*ID 'U{40}'\.\.\. is 91 characters long; at most 90"):
        read_fasta(path, "tf")
    tfs = {"T" * 90: SequenceRecord("T" * 90, "ACD", "T" * 90)}
    domains = {"D" * 90: SequenceRecord("D" * 90, "ACD", "D")}
    job = "D" * 90 + "_and_" + "T" * 90
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"pair_id\ttf_id\tdomain_id\tprediction\n{job}\t{'T' * 90}\t{'D' * 90}\tx\n")
    assert read_pairs_table(pairs, tfs, domains).pairs["pair_id"].tolist() == [job]  # 185: a job name
    pairs.write_text(f"pair_id\ttf_id\tdomain_id\tprediction\nok\t{'T' * 90}\t{'D' * 90}\tx\n"
                     f"{job}X\t{'T' * 90}\t{'D' * 90}\tx\n")
    with pytest.raises(InputError, match=r"pairs\.tsv line 3: pair_id 'D{40}'\.\.\. is 186 characters long"):
        read_pairs_table(pairs, tfs, domains)
    runs = tmp_path / "runs"
    (runs / job).mkdir(parents=True)
    assert discover_pairs(runs, tfs, domains).pairs["pair_id"].tolist() == [job]
    proteins = tmp_path / "proteins.fasta"
    proteins.write_text(f">{'G' * 88}\n{'A' * 100}\n")  # tiles G..._1 .. G..._3: 90 characters
    assert [t.tf_id for t in plan_tiles(proteins, window=80, step=10).tiles][-1] == "G" * 88 + "_3"
    proteins.write_text(f">{'G' * 89}\n{'A' * 100}\n")
    with pytest.raises(InputError, match=r"proteins\.fasta record G{89} .*tile ID 'G{40}'\.\.\. is 91"):
        plan_tiles(proteins, window=80, step=10)


# --- issue 20: files read from outside the run ---------------------------------------------------------------


def test_order_naming_a_file_outside_the_run_is_refused(fx, tmp_path, monkeypatch):
    import numpy as np

    from tfbind.readers import alphafold2

    run, reason = dr.ap_order_outside(tmp_path / "run")
    with pytest.raises(PredictionError, match=reason):
        _read_all(run)
    # the damage is real: through a plain join (no check) the planted PAE of 1.0 is what the run is scored with
    monkeypatch.setattr(alphafold2, "run_file", lambda folder, name, *args: folder / name)
    top = _read_all(run)[0]
    assert top.model_name == dr.ESCAPING_MODEL and np.all(top.pae == 1.0)


def test_symbolic_link_out_of_the_run_is_refused_and_one_inside_is_read(fx, tmp_path):
    import numpy as np

    run, reason = dr.ap_pae_link_outside(tmp_path / "run")
    with pytest.raises(PredictionError, match=reason):
        _read_all(run)
    inside = dr.copy_run(dr.AP, tmp_path / "run2")
    pae = inside / f"pae_{dr.AP_TOP}.json"
    (inside / "kept").mkdir()
    pae.rename(inside / "kept" / "pae.json")
    pae.symlink_to(Path("kept") / "pae.json")  # a relative link inside the run folder: read
    intact = json.loads((fx / dr.AP / pae.name).read_text())[0]["predicted_aligned_error"]
    np.testing.assert_allclose(_read_all(inside)[0].pae, np.asarray(intact, dtype=float))


def test_zip_delivered_run_naming_a_file_outside_is_refused(fx, tmp_path):
    """The run of ap_order_outside as a zip: every archive check passes (plain relative entry names), and
    the extracted run is refused by the reader; the planted file beside the extraction folder is not read."""
    import zipfile

    from tfbind.plan.archives import extract_archive, list_archive

    run, reason = dr.ap_order_outside(tmp_path / "made" / "KIX_and_TF1")
    archive = tmp_path / "runs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(run.rglob("*")):
            zf.write(path, path.relative_to(run.parent).as_posix() + ("/" if path.is_dir() else ""))
    assert "KIX_and_TF1/pae_" in [m.name for m in list_archive(archive, 1 << 30)]
    out = tmp_path / "results" / "archives" / "runs"
    extract_archive(archive, out, 1 << 30)
    planted = tmp_path / "results" / "archives" / "elsewhere" / "model_x.json"  # where the name resolves
    planted.parent.mkdir()
    shutil.copyfile(tmp_path / "made" / "elsewhere" / "model_x.json", planted)
    with pytest.raises(PredictionError, match=reason):
        _read_all(out / "KIX_and_TF1")


# --- issue 20: PDB overflow coordinates ----------------------------------------------------------------------


@pytest.mark.parametrize("pdb_name, field", [("ranked_0.pdb", "x"), ("ranked_0.pdb", "b"), ("ranked_2.pdb", "z")])
def test_pdb_overflow_field_is_refused_not_read_as_zero(fx, tmp_path, pdb_name, field):
    """gemmi reads '********' as 0.0; the first model is parsed by gemmi, later ones by the numpy column
    reader on the first model's layout (ranked_2.pdb): both refuse."""
    run, reason = dr.pdb_overflow(tmp_path / "run", pdb_name, atom_index=5, field=field)
    with pytest.raises(PredictionError, match=reason):
        _read_all(run)


# --- issue 20: archives ---------------------------------------------------------------------------------------


def _zip_of(path: Path, members: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_with_unsupported_compression_is_listed_and_others_planned(tmp_path):
    """The compression method (APPNOTE 4.3.7 local header offset 8, 4.3.12 central directory offset 10) of
    every entry patched to 9, Deflate64, as Windows Explorer writes it: listed in failed.tsv (stage discover)
    and refused by extraction with the same reason, never a NotImplementedError."""
    import struct

    from tfbind.plan.archives import ArchiveError, extract_archive

    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "KIX_and_TF1").mkdir()
    path = _zip_of(runs / "fold_kix_and_tf2.zip", {"fold_kix_and_tf2_model_0.cif": b"data_x\n" * 100})
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.index(sig)
        assert struct.unpack_from("<H", data, at + offset) == (8,)  # deflate, as written
        struct.pack_into("<H", data, at + offset, 9)
    path.write_bytes(bytes(data))
    plan = discover_pairs(runs, TFS, DOMAINS)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_TF1"] and plan.archives == {}
    (name, reason), = plan.unmatched
    expected = (r"fold_kix_and_tf2\.zip: entry 'fold_kix_and_tf2_model_0\.cif' uses compression method 9 "
                r"\(Deflate64\), which cannot be read")
    assert name == "fold_kix_and_tf2.zip" and re.search(expected, reason)
    with pytest.raises(ArchiveError, match=expected):
        extract_archive(path, tmp_path / "out", 1 << 30)


def test_control_character_in_a_zip_folder_is_listed_not_a_start_up_error(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    cif = b"data_x\n"
    _zip_of(runs / "batch.zip", {"fine/fold_kix_and_tf1_model_0.cif": cif,
                                 "tab\there/fold_kix_and_tf2_model_0.cif": cif,
                                 "new\nline/KIX_and_TF3/ranked_0.pdb": cif})
    (runs / "shared\tfolder").mkdir()  # on disk, the same name: listed too
    (runs / "shared\tfolder" / "fold_kix_and_tf3_model_0.cif").write_bytes(cif)
    tfs = {**TFS, "TF3": SequenceRecord("TF3", "MKV", "TF3")}
    plan = discover_pairs(runs, tfs, DOMAINS)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_TF1"]
    assert plan.pairs["prediction"].tolist() == ["results/archives/batch/fine/fold_kix_and_tf1_model_0.cif"]
    reasons = dict(plan.unmatched)
    assert set(reasons) == {"batch.zip/tab\there/fold_kix_and_tf2", "batch.zip/new\nline/KIX_and_TF3",
                            "shared\tfolder"}
    assert reasons["batch.zip/tab\there/fold_kix_and_tf2"] == (
        "path 'results/archives/batch/tab\\\\there/fold_kix_and_tf2_model_0.cif' holds a control character: "
        "not read")
    write_plan(plan, tmp_path / "plan", 10)  # no "values must not contain tabs or newlines"
    out = {k: tmp_path / f"merged.{k}" for k in ("models", "pairs", "failed")}
    merge_features([], [], [], tmp_path / "plan" / "unmatched.tsv", out["models"], out["pairs"], out["failed"])
    failed = read_failed(out["failed"])
    assert sorted(failed["pair_id"]) == ["batch.zip/new\\nline/KIX_and_TF3", "batch.zip/tab\\there/fold_kix_and_tf2",
                                         "shared\\tfolder"]
    assert set(failed["stage"]) == {"discover"}


# --- issue 20: config values that reach file names and the report --------------------------------------------


@pytest.mark.parametrize("config, message", [
    ({"predictions_dir": "runs\tx"}, r"config predictions_dir: 'runs\\tx' holds a control character"),
    ({"predict": {"model_file": "m.pt\u2028"}}, r"config predict.model_file: 'm.pt\\u2028' holds a control"),
    ({"predict": {"model": "../x"}}, r"config predict.model: model scope '\.\./x' is not a valid identifier"),
    ({"models": ["all", "a/b"]}, r"config models: model scope 'a/b' is not a valid identifier"),
    ({"models": ["all", "-x"]}, r"config models: model scope '-x' is not a valid identifier"),
])
def test_config_values_refused(config, message):
    from tfbind.plan.config import check_config_values

    with pytest.raises(InputError, match=message):
        check_config_values(config)


def test_config_values_accepted():
    from tfbind.plan.config import check_config_values

    check_config_values({"tf_fasta": "a b/`c`.fasta", "models": ["all", "KIX"], "predict": {"pretrained": "none"},
                         "labels": None, "train": {"epochs": 3}})


# --- model.pt: the meta is checked against the weights before anything is built -------------------------

MODEL_FEATURES = {"alphafold": ["iptm", "pdockq"], "interface": [], "sequence": ["tf_ncpr"]}


def _model_file(path, **train):
    """A valid two-member model.pt of three inputs and two categories (KIX, TAZ2), untrained: identity
    scaling, a pKd 5..9 target, ipTM-only prior and ridge weights."""
    import torch

    from tfbind.model import checkpoint, merge_config
    from tfbind.model.architecture import FusionEnsemble, architecture_config
    from tfbind.model.data import Preprocessor, TargetTransform

    cfg = merge_config({"ensemble": 2, **train, "features": MODEL_FEATURES})
    cats = ["KIX", "TAZ2"]
    torch.manual_seed(0)
    model = FusionEnsemble(architecture_config(cfg, cfg["features"], cats))
    cols = ["iptm", "pdockq", "tf_ncpr"]
    prep = Preprocessor(cfg["features"], cats, {c: 0.5 for c in cols}, {c: [0.0] * 3 for c in cats},
                        {c: [1.0] * 3 for c in cats}, [0.0] * 3, [1.0] * 3)
    target = TargetTransform("neglog10_kd", 5.0, 9.0, {c: 7.0 for c in cats}, {c: 1.0 for c in cats}, (7.0, 1.0))
    checkpoint.save(path, model, {"preprocess": prep.to_meta(), "target": target.to_meta(),
                                  "prior": [1.0, 0.0, 0.0], "ridge": {c: [1.0, 0.0, 0.0] for c in cats}})
    return path


def _edit_model(src, dst, edit):
    import torch

    payload = torch.load(src, weights_only=True)
    edit(payload)
    torch.save(payload, dst)
    torch.load(dst, weights_only=True)  # still a file torch loads safely: the meta check is what refuses it
    return dst


def _arch(key, value):
    return lambda p: p["meta"]["architecture"].__setitem__(key, value)


CRAFTED_MODELS = {
    # the 360 GB case: hidden_dim 10^6 would make the gate a (3e6 x 3e6) matrix; the weights hold (24 x 24)
    "hidden-dim-huge": (_arch("hidden_dim", 10**6), r"weights do not fit the stored architecture: "
                        r"members\.0\.processors\.0\.0\.weight has shape \(8, 2\), meta\.architecture "
                        r"\(hidden_dim x features of a group\) gives \(1000000, 2\)"),
    "category-added": (lambda p: p["meta"]["architecture"]["categories"].append("NCBD"),
                       r"members\.0\.w_domain has shape \(2, 3\), meta\.architecture \(categories x features\) "
                       r"gives \(3, 3\)"),
    "preprocess-category-unknown": (lambda p: p["meta"]["preprocess"].__setitem__("categories", ["KIX", "X"]),
                                    r"meta\.preprocess\.categories: differ from meta\.architecture\.categories"),
    "preprocess-mean-lacks-category": (lambda p: p["meta"]["preprocess"]["mean"].pop("TAZ2"),
                                       r"meta\.preprocess\.mean: keys do not match \['KIX', 'TAZ2'\]: "
                                       r"missing \['TAZ2'\]"),
    "hidden-dim-text": (_arch("hidden_dim", "8"), r"meta\.architecture\.hidden_dim: expected a whole number "
                                                  r">= 1, found '8'"),
    "ensemble-more-than-weights": (_arch("ensemble", 50), r"meta\.architecture\.ensemble: 50 members, the "
                                                          r"weights hold 2"),
    "dropout-2": (_arch("dropout", 2.0), r"meta\.architecture\.dropout: expected a number in \[0, 1\)"),
    "encoder-unknown": (_arch("residue_encoder", "cnn"), r"meta\.architecture\.residue_encoder: 'cnn' is not one"),
    "heads-do-not-divide": (_arch("num_heads", 3), r"meta\.architecture\.num_heads: 3 does not divide hidden_dim 8"),
    "target-span-0": (lambda p: p["meta"]["target"].__setitem__("hi", 5.0),
                      r"meta\.target\.hi: 5\.0 is not above lo 5\.0: a target span of 0"),
    "target-sd-0": (lambda p: p["meta"]["target"]["sd"].__setitem__("KIX", 0.0),
                    r"meta\.target\.sd\.KIX: must be > 0, found 0\.0"),
    "scale-0": (lambda p: p["meta"]["preprocess"]["scale"]["TAZ2"].__setitem__(1, 0.0),
                r"meta\.preprocess\.scale\.TAZ2\[1\]: must be > 0"),
    "median-nan": (lambda p: p["meta"]["preprocess"]["medians"].__setitem__("iptm", float("nan")),
                   r"meta\.preprocess\.medians\.iptm: expected a finite number, found nan"),
    "weight-nan": (lambda p: p["state_dict"]["members.1.w_shared"].__setitem__(0, float("nan")),
                   r"state_dict\.members\.1\.w_shared: not finite floating-point numbers"),
    "prior-short": (lambda p: p["meta"]["prior"].pop(), r"meta\.prior: expected a list of 3 numbers \(one per "
                                                        r"feature\), found 2 values"),
    "ridge-unknown-category": (lambda p: p["meta"]["ridge"].__setitem__("NCBD", [0.0] * 3),
                               r"meta\.ridge: category 'NCBD' is not in meta\.architecture\.categories"),
    "no-architecture": (lambda p: p["meta"].pop("architecture"),
                        r"meta\.architecture: expected a mapping, found NoneType"),
}


@pytest.mark.parametrize("case", list(CRAFTED_MODELS))
def test_crafted_model_meta_refused_before_the_network_is_built(tmp_path, monkeypatch, case):
    """Every refusal names the file and the field, and comes before FusionEnsemble is built (building is
    made to fail here, so a check that came after it would show up as that failure instead)."""
    from tfbind.model import checkpoint

    good = _model_file(tmp_path / "good.pt")
    edit, message = CRAFTED_MODELS[case]
    bad = _edit_model(good, tmp_path / f"{case}.pt", edit)

    def no_building(config):
        raise AssertionError("the network was built from an unchecked meta")

    monkeypatch.setattr(checkpoint, "FusionEnsemble", no_building)
    with pytest.raises(InputError, match=rf"{re.escape(str(bad))}: .*{message}"):
        checkpoint.load(bad)


def test_intact_crafted_model_loads_and_scores(tmp_path):
    """The unedited file of the cases above loads and scores. Its members are untrained: wide weights zero
    (the prior is set by training) and deep output zero, so each scores z = 0; the ridge half scores
    x . (1, 0, 0) = ipTM (identity scaling); the blend is their mean, ipTM / 2, and pKd = 7 + 1 x ipTM / 2."""
    from tfbind.model.predict import predict

    path = _model_file(tmp_path / "good.pt")
    pairs = pd.DataFrame({"pair_id": ["p", "q"], "domain_category": ["KIX", "TAZ2"], "iptm": [0.5, -0.25],
                          "pdockq": [0.1, 0.2], "tf_ncpr": [0.0, 1.0]})
    got = predict(path, pairs)
    expected = 10 ** -(7 + pairs["iptm"].to_numpy() / 2) * 1e9  # 56.2 and 133.4 nM
    assert got["kd_pred_nm"].to_numpy() == pytest.approx(expected, rel=1e-6)


def test_input_missing_for_every_pair_is_a_warning(tmp_path, caplog):
    """pDockQ absent from every scored pair: imputed with the training median 0.5 for all of them, a WARNING
    naming it (an INFO line only before), and the prediction table lists it."""
    import logging

    from tfbind.model.predict import predict

    path = _model_file(tmp_path / "good.pt")
    pairs = pd.DataFrame({"pair_id": ["p", "q"], "domain_category": ["KIX", "TAZ2"], "iptm": [0.5, float("nan")],
                          "pdockq": [float("nan")] * 2, "tf_ncpr": [0.0, 1.0]})
    with caplog.at_level(logging.INFO, logger="tfbind.model"):
        got = predict(path, pairs)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == ["input pdockq missing for every pair (2): imputed with the training median 0.5, so it "
                      "does not tell the pairs apart"]
    assert got.attrs["missing_for_every_pair"] == ["pdockq"]  # ipTM is missing for one pair only
    assert got["imputed_inputs"].tolist() == ["pdockq", "iptm, pdockq"]


# --- geometry that would make freesasa's neighbour grid huge (issue 20, item 4) --------------------


def test_interface_atoms_far_apart_fail_their_pair_and_the_shard_is_scored(fx, tmp_path, monkeypatch):
    """Two touching atoms of the interface (one per chain) moved about 15,600 A away: the interface atoms span
    about 9,000 A along each axis, a neighbour grid of several hundred GB. The bound refuses it before freesasa
    is called, the pair fails naming the file, model and box, and the two good pairs of the shard are scored."""
    from tfbind.metrics import interface_sasa

    largest = []
    real = interface_sasa.freesasa.calcCoord

    def spy(coords, radii, params):  # what freesasa actually sees
        xyz = np.asarray(coords, dtype=float).reshape(-1, 3)
        largest.append(float(np.ptp(xyz, axis=0).max()))
        return real(coords, radii, params)

    monkeypatch.setattr(interface_sasa.freesasa, "calcCoord", spy)
    seqs = dr.chain_sequences(next((fx / dr.CF).glob("*.pdb")))
    far, reason = dr.pdb_far_interface(tmp_path / "far")
    manifest = _manifest(tmp_path, [("good1", fx / dr.CF), ("far", far), ("good2", fx / dr.CF)], seqs["B"],
                         seqs["C"])
    out = {k: tmp_path / f"out.{k}" for k in ("models", "pairs", "failed")}
    scored, failed = run_shard(manifest, out["models"], out["pairs"], out["failed"], ExtractSettings())
    assert (scored, failed) == (2, 1)
    rows = read_failed(out["failed"])
    assert rows["pair_id"].tolist() == ["far"] and rows["stage"].tolist() == ["metrics"]
    assert re.search(reason, rows["reason"].iat[0]), rows["reason"].iat[0]
    edges = [float(x) for x in re.search(r"span ([\d.]+) x ([\d.]+) x ([\d.]+) A", rows["reason"].iat[0]).groups()]
    assert all(8000 < e < 9100 for e in edges), edges  # from the moved atoms to the rest of the interface
    pairs = pd.read_parquet(out["pairs"])
    assert pairs["pair_id"].tolist() == ["good1", "good2"]
    assert (pairs["bsa"] > 0).all() and pairs["bsa"].iat[0] == pairs["bsa"].iat[1]
    assert largest and max(largest) < 100.0  # freesasa only ever saw the good pairs' compact interfaces
