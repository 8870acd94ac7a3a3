"""The features stage run by Snakemake over a predictions_dir kept as users keep it (issue 10, part 2):
an AlphaFold Server zip (``fold_`` lower-case names), a ColabFold batch folder of several jobs, an
AlphaFold Server folder without its summary file, an unsafe zip and folders that match nothing. No pairs
table: discovery finds the jobs; the zip is extracted once by its rule; values equal the intact fixtures'
read through a pairs table in the same run.
"""

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_layouts import AF3, CF, CF_TAG, colabfold_batch, copy_run, server_zip

from helpers import FIXTURES, run_in, shared_fixtures

pytestmark = pytest.mark.slow

COMPARED = ["pae_inter_mean", "ipsae_min", "pdockq", "plddt_interface", "n_contact_pairs", "lis"]


def _run(work: Path, config: dict, *args: str):
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return run_in(work, *args, outside=True)


@pytest.fixture(scope="module")
def layouts_run(tmp_path_factory):
    shared_fixtures()
    from tfbind.readers import read_run

    work = tmp_path_factory.mktemp("work")
    seqs = next(read_run(FIXTURES / CF)).sequences
    tfs = ["MYB_25", "MYB_26", "MYB_27", "MYB_28"]
    (work / "tf.fasta").write_text("".join(f">{t}\n{seqs['C']}\n" for t in tfs))
    (work / "domains.fasta").write_text(f">KIX category=KIX\n{seqs['B']}\n")
    runs = work / "runs"
    server_zip(FIXTURES, work, "fold_kix_and_myb_25")  # writes work/runs/fold_kix_and_myb_25.zip
    colabfold_batch(FIXTURES, runs / "colabfold_out", ["KIX_and_MYB_26", "KIX_and_MYB_27", "NCBD_and_MYB_26"])
    no_summary = copy_run(FIXTURES / AF3, runs / "fold_kix_and_myb_28", lambda n: n.replace("5b8c", "kix_and_myb_28"))
    (no_summary / "fold_kix_and_myb_28_summary_confidences_0.json").unlink()
    (runs / "notes").mkdir()
    (runs / "notes" / "README.txt").write_text("not a run")
    with zipfile.ZipFile(runs / "fold_evil.zip", "w") as zf:
        zf.writestr("../fold_kix_and_myb_25_model_0.cif", "x")
    shutil.rmtree(work / "unzipped")
    config = {"tf_fasta": "tf.fasta", "domain_fasta": "domains.fasta", "predictions_dir": "runs",
              "features": {"shard_size": 2, "sasa": False}}
    proc = _run(work, config, "features")
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the intact fixtures through a pairs table, for the values
    ref = tmp_path_factory.mktemp("ref")
    for name in ("tf.fasta", "domains.fasta"):
        shutil.copyfile(work / name, ref / name)
    (ref / "pairs.tsv").write_text(
        "pair_id\ttf_id\tdomain_id\tprediction\n"
        f"af3\tMYB_25\tKIX\t{FIXTURES / AF3}\ncf\tMYB_26\tKIX\t{FIXTURES / CF}\n"
    )
    proc_ref = _run(ref, {**config, "pairs": "pairs.tsv", "predictions_dir": ""}, "features")
    assert proc_ref.returncode == 0, proc_ref.stderr[-3000:]
    return work, ref, proc


def test_every_layout_is_found_and_scored(layouts_run):
    work, _, _ = layouts_run
    pairs = pd.read_parquet(work / "results" / "features" / "pairs.parquet")
    assert sorted(pairs["pair_id"]) == ["KIX_and_MYB_25", "KIX_and_MYB_26", "KIX_and_MYB_27", "KIX_and_MYB_28"]
    by = pairs.set_index("pair_id")
    assert by.loc["KIX_and_MYB_26", "model_name"] == CF_TAG
    assert by.loc["KIX_and_MYB_25", "source_format"] == "alphafold3"
    # the zip was extracted once, by its rule, into results/archives
    assert (work / "results" / "archives" / "fold_kix_and_myb_25" / "fold_kix_and_myb_25_model_0.cif").is_file()
    assert (work / "results" / "logs" / "archives" / "fold_kix_and_myb_25.log").is_file()


def test_values_equal_the_intact_runs(layouts_run):
    work, ref, _ = layouts_run
    pairs = pd.read_parquet(work / "results" / "features" / "pairs.parquet").set_index("pair_id")
    intact = pd.read_parquet(ref / "results" / "features" / "pairs.parquet").set_index("pair_id")
    for pair, reference in (("KIX_and_MYB_25", "af3"), ("KIX_and_MYB_26", "cf"), ("KIX_and_MYB_27", "cf"),
                            ("KIX_and_MYB_28", "af3")):
        for column in COMPARED:
            assert pairs.loc[pair, column] == pytest.approx(intact.loc[reference, column], rel=1e-12), (pair, column)
    assert pairs.loc["KIX_and_MYB_25", "iptm"] == intact.loc["af3", "iptm"]
    assert pd.isna(pairs.loc["KIX_and_MYB_28", "iptm"])  # its summary file was deleted


def test_unmatched_entries_and_warnings_are_listed(layouts_run):
    work, _, proc = layouts_run
    out = work / "results" / "features"
    failed = pd.read_csv(out / "failed.tsv", sep="\t").set_index("pair_id")
    assert set(failed.index) == {"colabfold_out/NCBD_and_MYB_26", "fold_evil.zip", "notes"}
    assert (failed["stage"] == "discover").all()
    assert "'..' component" in failed.loc["fold_evil.zip", "reason"]
    assert "no domain ID of the domain FASTA" in failed.loc["colabfold_out/NCBD_and_MYB_26", "reason"]
    warnings = pd.read_csv(out / "warnings.tsv", sep="\t")
    assert warnings["pair_id"].tolist() == ["KIX_and_MYB_28"]
    assert "fold_kix_and_myb_28_summary_confidences_0.json" in warnings["note"][0]
    shard_logs = "".join(p.read_text() for p in (work / "results" / "logs" / "features").glob("shard_*.log"))
    assert "KIX_and_MYB_28 scored with a warning" in shard_logs
    assert "1 notes on pairs scored from part of their files" in proc.stderr


def test_rerun_is_up_to_date(layouts_run):
    work, _, _ = layouts_run
    proc = run_in(work, "features", "-n", outside=True)
    assert proc.returncode == 0 and "Nothing to be done" in proc.stdout + proc.stderr
