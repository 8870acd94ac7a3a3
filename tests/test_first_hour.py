"""The first hour with one's own data (issue 21): what discovery says when it finds no pair, a server zip matched
by its own name, a pairs table none of whose runs exists, a run that reads no pair, the run summary's failure
reasons and report command. Unit level; the Snakemake runs are in test_workflow_first_hour.py."""

import re
import shlex
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_layouts import af3_pair, assert_same, score, server_zip  # noqa: F401 - af3_pair is a fixture

from tfbind.errors import InputError
from tfbind.features.failed import common_reasons, quote_reason, require_pairs, write_failed
from tfbind.features.summary import write_features_summary
from tfbind.plan.archives import extract_archive
from tfbind.plan.discovery import discover_pairs
from tfbind.plan.pairs import check_some_prediction_exists, read_pairs_table
from tfbind.plan.sequences import SequenceRecord
from tfbind.ranking.summary import report_command, run_summary, snakemake_program

# AlphaFold Server file names of a job the server calls fold_aurka_0_tpx2_0 (what discovery reads are names)
SERVER_FILES = ["fold_aurka_0_tpx2_0_model_0.cif", "fold_aurka_0_tpx2_0_full_data_0.json",
                "fold_aurka_0_tpx2_0_summary_confidences_0.json"]
CF_FILES = ["abeta_x_scores_rank_001_alphafold2_multimer_v3_model_1_seed_000.json",
            "abeta_x_unrelaxed_rank_001_alphafold2_multimer_v3_model_1_seed_000.pdb"]


def records(*ids: str) -> dict[str, SequenceRecord]:
    return {i: SequenceRecord(i, "ACDEFGHIK", i) for i in ids}


def write_zip(path: Path, names: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "x")
    return path


def delivered(runs: Path) -> Path:
    """predictions_dir as delivered: two folders and a server zip, none named {domain_id}_and_{tf_id}."""
    for folder, names in (("aurka_af3", SERVER_FILES), ("cf_abeta", CF_FILES)):
        (runs / folder).mkdir(parents=True)
        for name in names:
            (runs / folder / name).write_text("x")
    write_zip(runs / "fold_aurka_and_tpx2.zip", SERVER_FILES + ["terms_of_use.md"])
    return runs


# ---------------------------------------------------------------- 1. discovery finds no pair


def test_no_pair_found_lists_entries_job_names_ids_and_both_fixes(tmp_path):
    runs = delivered(tmp_path / "runs")
    with pytest.raises(InputError) as err:
        discover_pairs(runs, records("MYB_25", "MYB_26"), records("KIX"))
    lines = str(err.value).splitlines()
    assert lines[0] == f"{runs}: no run of a {{domain_id}}_and_{{tf_id}} job of the FASTA records found"
    assert lines[1] == "entries seen (3), with the job name read from each:"
    # each entry as a user would find it on disk, with the job name read from its files
    assert lines[2].startswith("  aurka_af3/fold_aurka_0_tpx2_0: job name 'fold_aurka_0_tpx2_0' ")
    assert lines[3].startswith("  cf_abeta/abeta_x: job name 'abeta_x' ")
    assert lines[4].startswith("  fold_aurka_and_tpx2.zip/fold_aurka_0_tpx2_0: job name 'fold_aurka_0_tpx2_0' ")
    text = str(err.value)
    assert "1 domain IDs: KIX" in text and "2 TF IDs: MYB_25, MYB_26" in text
    assert "e.g. KIX_and_MYB_25" in text
    assert "rename each run" in text
    assert "config 'pairs:'" in text
    assert "pair_id, tf_id, domain_id, prediction[, tf_chain, domain_chain, format]" in text
    assert "config/README.md" in text


def test_no_pair_message_stays_short_for_many_entries(tmp_path):
    runs = tmp_path / "runs"
    for i in range(250):
        (runs / f"run_{i:03d}").mkdir(parents=True)
    tfs = records(*(f"T{i:02d}" for i in range(30)))
    with pytest.raises(InputError) as err:
        discover_pairs(runs, tfs, records("KIX"))
    lines = str(err.value).splitlines()
    assert len(lines) < 25
    assert "entries seen (250), with the job name read from each:" in lines
    shown = [line for line in lines if line.startswith("  run_")]
    assert [line.split(":")[0].strip() for line in shown] == [f"run_{i:03d}" for i in range(10)]
    assert "  ... and 240 more entries" in lines
    assert "  30 TF IDs: T00, T01, T02, T03, T04, T05, T06, T07, T08, T09, ... (20 more)" in lines


def test_empty_predictions_dir_says_nothing_was_seen(tmp_path):
    (tmp_path / "runs").mkdir()
    with pytest.raises(InputError, match="no AlphaFold run folder, job file or zip archive was seen"):
        discover_pairs(tmp_path / "runs", records("MYB_25"), records("KIX"))


# ---------------------------------------------------------------- 2. a zip matched by its own name


@pytest.mark.parametrize("zip_name", ["fold_aurka_and_tpx2.zip", "fold_aurka_and_tpx2 (1).zip"])
def test_server_zip_of_one_job_is_matched_by_its_own_name(tmp_path, monkeypatch, zip_name):
    monkeypatch.chdir(tmp_path)
    runs = delivered(tmp_path / "runs")
    (runs / "fold_aurka_and_tpx2.zip").rename(runs / zip_name)
    plan = discover_pairs("runs", records("TPX2"), records("AURKA"))
    folder = zip_name[:-4].replace(" ", "_").replace("(", "_").replace(")", "_")
    assert plan.pairs[["pair_id", "tf_id", "domain_id", "prediction"]].values.tolist() == [
        ["AURKA_and_TPX2", "TPX2", "AURKA", f"results/archives/{folder}/fold_aurka_0_tpx2_0_model_0.cif"]]
    assert plan.archives == {folder: str(Path("runs") / zip_name)}
    # the folders still match nothing and are listed; the zip's job is no longer among them
    assert [u[0] for u in plan.unmatched] == ["aurka_af3/fold_aurka_0_tpx2_0", "cf_abeta/abeta_x"]
    assert plan.notes == [f"discovery: 1 zip archive(s) matched by the zip's own name, the job files inside "
                          f"matching no pair: {zip_name} (files fold_aurka_0_tpx2_0_*) -> AURKA_and_TPX2"]


def test_zip_of_several_jobs_is_not_matched_by_its_name(tmp_path):
    write_zip(tmp_path / "runs" / "fold_aurka_and_tpx2.zip", SERVER_FILES + ["fold_other_job_model_0.cif"])
    with pytest.raises(InputError, match=r"entries seen \(2\)"):
        discover_pairs(tmp_path / "runs", records("TPX2"), records("AURKA"))


def test_zip_matched_by_name_is_read_like_the_intact_run(fixtures_dir, af3_pair, tmp_path, monkeypatch):  # noqa: F811
    """The real server fixture zipped as fold_kix_and_myb_25.zip holding fold_kix_0_myb_25_0_*: planned by the zip's
    name, extracted, and read with the intact fixture's values."""
    monkeypatch.chdir(tmp_path)
    tfs, domains = af3_pair
    server_zip(fixtures_dir, tmp_path, "fold_kix_0_myb_25_0", name="fold_kix_and_myb_25.zip")
    plan = discover_pairs("runs", tfs, domains)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25"] and plan.unmatched == []
    extract_archive(plan.archives["fold_kix_and_myb_25"], "results/archives/fold_kix_and_myb_25", 1 << 30)
    rows, _ = score(plan.pairs["prediction"][0], tfs, domains)
    intact, _ = score(fixtures_dir / "af3_server_5b8c", tfs, domains)
    assert_same(rows, intact)


# ---------------------------------------------------------------- 3. a run that reads no pair


def test_pairs_table_none_of_whose_runs_exists_is_refused_naming_paths_and_base(tmp_path):
    (tmp_path / "pairs.tsv").write_text("pair_id\ttf_id\tdomain_id\tprediction\n"
                                        + "".join(f"p{i}\tMYB_25\tKIX\tKIX_and_MYB_{i}\n" for i in range(8)))
    plan = read_pairs_table(tmp_path / "pairs.tsv", records("MYB_25"), records("KIX"), tmp_path / "wrong")
    with pytest.raises(InputError) as err:
        check_some_prediction_exists(plan.pairs, tmp_path / "pairs.tsv", tmp_path / "wrong")
    text = str(err.value)
    assert text.startswith(f"{tmp_path / 'pairs.tsv'}: none of the 8 prediction paths exists")
    assert f"'{tmp_path}/wrong/KIX_and_MYB_0'" in text and f"'{tmp_path}/wrong/KIX_and_MYB_4'" in text
    assert "KIX_and_MYB_5" not in text and "and 3 more" in text
    assert (f"resolved against predictions_dir '{tmp_path / 'wrong'}' "
            f"({tmp_path / 'wrong'}, which does not exist)") in text
    # one run there is enough: the others fail one by one later, the run goes on
    (tmp_path / "wrong" / "KIX_and_MYB_7").mkdir(parents=True)
    check_some_prediction_exists(plan.pairs, tmp_path / "pairs.tsv", tmp_path / "wrong")


def _empty_pairs(path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"pair_id": pa.array([], pa.string())}), path)
    return path


def test_no_pair_read_fails_naming_failed_tsv_and_the_common_reasons(tmp_path):
    failed = tmp_path / "failed.tsv"
    write_failed([{"pair_id": f"p{i}", "stage": "chains", "reason": f"runs/p{i}: TF and domain chains are ambiguous"}
                  for i in range(3)] + [{"pair_id": "x", "stage": "discover", "reason": "job name 'x' is odd"}], failed)
    with pytest.raises(InputError) as err:
        require_pairs(_empty_pairs(tmp_path / "pairs.parquet"))
    text = str(err.value)
    assert text.startswith(f"no pair was read: all 4 pairs or inputs failed, see {failed} ")
    assert ("\n  3 x chains: runs/p0: TF and domain chains are ambiguous "
            "(and 2 like it naming other files or pairs)") in text
    assert "\n  1 x discover: job name 'x' is odd" in text


def test_features_summary_counts_pairs_per_format_and_quotes_the_reasons(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"pair_id": ["a", "b", "c"], "source_format": ["colabfold", "alphafold3", "colabfold"]}),
                   tmp_path / "pairs.parquet")
    write_failed([{"pair_id": "d", "stage": "read", "reason": "runs/d: no PAE file"}], tmp_path / "failed.tsv")
    out = tmp_path / "summary.txt"
    write_features_summary(tmp_path / "pairs.parquet", tmp_path / "failed.tsv", out)
    assert out.read_text().splitlines() == [
        "tfbind features summary",
        "pairs read: 3 (2 colabfold, 1 alphafold3)",
        f"pairs failed: 1 ({tmp_path / 'failed.tsv'})",
        "  1 x read: runs/d: no PAE file",
        f"feature tables: {tmp_path}/pairs.parquet and models.parquet (as text: pairs.tsv, models.tsv)",
    ]


def test_features_summary_of_a_run_that_read_no_pair_fails_and_writes_nothing(tmp_path):
    write_failed([{"pair_id": "d", "stage": "read", "reason": "runs/d: no PAE file"}], tmp_path / "failed.tsv")
    with pytest.raises(InputError, match=r"no pair was read: all 1 pairs or inputs failed.*\n  1 x read: runs/d"):
        write_features_summary(_empty_pairs(tmp_path / "pairs.parquet"), tmp_path / "failed.tsv",
                               tmp_path / "summary.txt")
    assert not (tmp_path / "summary.txt").exists()


def test_one_pair_read_is_enough(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"pair_id": ["a"]}), tmp_path / "pairs.parquet")
    require_pairs(tmp_path / "pairs.parquet", tmp_path / "absent.tsv")  # no error


# ---------------------------------------------------------------- 4. the summary


def test_reasons_are_quoted_as_written_and_grouped():
    failed = pd.DataFrame({
        "pair_id": ["a", "b", "c", "d", "e"],
        "stage": ["read"] * 5,
        "reason": ["runs/a/x.json: truncated", "runs/b/x.json: truncated", "3/4 models have no PAE",
                   "3/4 models have no PAE", "2/4 models have no PAE"],
    })
    lines = run_summary(pd.DataFrame({"source_format": ["colabfold"]}), failed, ["KIX"], "none", "results/ranking")
    assert lines[lines.index("pairs failed: 5 (results/features/failed.tsv)") + 1:][:3] == [
        "  2 x read: runs/a/x.json: truncated (and 1 like it naming another file or pair)",
        "  2 x read: 3/4 models have no PAE",  # counts are not paths
        "  1 x read: 2/4 models have no PAE",
    ]
    assert not any("report:" in line for line in lines)  # printed by the run itself (report_command)


def test_long_reason_is_cut_at_a_word_boundary():
    reason = " ".join(["word"] * 100)  # 499 characters
    assert quote_reason(reason) == " ".join(["word"] * 60) + " ..."  # 60 words = 299 characters <= 300
    assert quote_reason("short reason") == "short reason"
    lines, more = common_reasons(pd.DataFrame({"stage": list("abcde"), "reason": ["r"] * 5}), top=3)
    assert lines == ["1 x a: r", "1 x b: r", "1 x c: r"] and more == 2


def test_report_command_of_a_run_elsewhere_and_in_the_checkout(tmp_path):
    checkout, work = tmp_path / "check out", tmp_path / "work"
    command = report_command(checkout / "Snakefile", work, [work / "my config.yaml"], ["x=1"])
    assert shlex.split(command) == ["snakemake", "-s", str(checkout / "Snakefile"), "-d", str(work), "--configfile",
                                    str(work / "my config.yaml"), "--config", "x=1", "--report",
                                    str(work / "report.html")]
    assert report_command(checkout / "Snakefile", checkout) == "snakemake --report report.html"
    assert "--use-conda" not in command
    assert re.search(r"'[^']*check out/Snakefile'", command)  # quoted for the shell


def test_the_report_command_names_the_snakemake_that_ran(tmp_path, monkeypatch):
    """A bare ``snakemake`` is printed only where the shell finds that very program; ``.venv/bin/snakemake``
    run without activating the environment is printed by its path, ``python -m snakemake`` as such."""
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    program = venv_bin / "snakemake"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert snakemake_program(str(program), "/usr/bin/python3") == [str(program)]
    monkeypatch.setenv("PATH", f"{venv_bin}:/usr/bin:/bin")
    assert snakemake_program(str(program), "/usr/bin/python3") == ["snakemake"]
    assert snakemake_program("/x/site-packages/snakemake/__main__.py", "/usr/bin/python3") == [
        "/usr/bin/python3", "-m", "snakemake"]
    checkout = tmp_path / "checkout"
    assert report_command(checkout / "Snakefile", checkout, program=[str(program)]) == (
        f"{program} --report report.html")
