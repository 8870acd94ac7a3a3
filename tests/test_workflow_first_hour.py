"""The first hour with one's own data (issue 21), through real Snakemake runs on the shared fixtures: a pairs
table none of whose runs exists and a predictions_dir as delivered stop at start-up with the reason; a run whose
every pair fails stops at the ranking naming failed.tsv; a run with one pair read (an AlphaFold Server zip matched
by its own name) and one bad pair succeeds, started from another folder with -s/-d/--configfile, and the report
command its summary prints runs as printed; a homodimer stops without the chain columns and is read with them."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_layouts import AF3, server_zip

from helpers import FIXTURES, REPO, run_snakemake, shared_fixtures

pytestmark = pytest.mark.slow

# the fast settings: no SASA, no Sc, no pretrained model (the consensus ranks), one top panel per domain
CONFIG = {"tf_fasta": "tf.fasta", "domain_fasta": "domains.fasta", "predictions_dir": "runs",
          "features": {"sasa": False, "shape_complementarity": "off"}, "predict": {"pretrained": "none"},
          "rank": {"top_n": 1}}


def workdir(root: Path, **overrides) -> Path:
    """A working directory with the FASTA records of the server fixture's chains C (TF) and B (domain)."""
    shared_fixtures()
    from tfbind.readers import read_run

    seqs = next(read_run(FIXTURES / AF3)).sequences
    work = root / "work"
    (work / "runs").mkdir(parents=True)
    (work / "tf.fasta").write_text(f">MYB_25\n{seqs['C']}\n>MYB_26\n{seqs['C']}\n")
    (work / "domains.fasta").write_text(f">KIX category=KIX\n{seqs['B']}\n")
    (work / "config.yaml").write_text(yaml.safe_dump({**CONFIG, **overrides}))
    return work


def run(work: Path, *args: str):
    return run_snakemake(*args, workdir=work, configfile=work / "config.yaml", cwd=work.parent)


def test_pairs_table_with_a_wrong_predictions_dir_stops_at_start_up(tmp_path):
    work = workdir(tmp_path, pairs="pairs.tsv", predictions_dir="predictions")  # the runs are in runs/
    (work / "runs" / "KIX_and_MYB_25").mkdir()
    (work / "pairs.tsv").write_text("pair_id\ttf_id\tdomain_id\tprediction\n"
                                    "a\tMYB_25\tKIX\tKIX_and_MYB_25\nb\tMYB_26\tKIX\tKIX_and_MYB_26\n")
    proc = run(work)
    assert proc.returncode != 0
    assert ("input error: pairs.tsv: none of the 2 prediction paths exists, so no pair can be read: "
            "'predictions/KIX_and_MYB_25', 'predictions/KIX_and_MYB_26'; relative paths in the table are resolved "
            f"against predictions_dir 'predictions' ({work / 'predictions'}, which does not exist)") in proc.stderr
    assert not (work / "results" / "features").exists()  # stopped before any job


def test_predictions_dir_as_delivered_stops_at_start_up_with_what_it_saw(tmp_path):
    work = workdir(tmp_path)
    (work / "runs" / "aurka_af3").mkdir()
    (work / "runs" / "aurka_af3" / "fold_aurka_0_tpx2_0_model_0.cif").write_text("x")
    proc = run(work)
    assert proc.returncode != 0
    assert "runs: no run of a {domain_id}_and_{tf_id} job of the FASTA records found" in proc.stderr
    assert "  aurka_af3/fold_aurka_0_tpx2_0: job name 'fold_aurka_0_tpx2_0' " in proc.stderr
    assert "give a pairs table" in proc.stderr


def test_a_run_whose_every_pair_fails_stops_naming_failed_tsv(tmp_path):
    work = workdir(tmp_path)
    (work / "runs" / "KIX_and_MYB_25").mkdir()  # named like a run, holds nothing
    (work / "runs" / "KIX_and_MYB_26").mkdir()
    proc = run(work)
    assert proc.returncode != 0
    failed = pd.read_csv(work / "results" / "features" / "failed.tsv", sep="\t")  # kept: written by merge
    assert sorted(failed["pair_id"]) == ["KIX_and_MYB_25", "KIX_and_MYB_26"]
    assert "no pair was read: all 2 pairs or inputs failed, see results/features/failed.tsv" in proc.stderr
    stage, reason = failed.loc[0, "stage"], failed.loc[0, "reason"]
    assert f"  2 x {stage}: {reason} (and 1 like it naming another file or pair)" in proc.stderr
    assert not (work / "results" / "ranking" / "KIX.tsv").exists()
    # the features stage alone fails the same way (before, it exited 0 with nothing read), failed.tsv kept
    proc = run(work, "features")
    assert proc.returncode != 0
    assert "no pair was read: all 2 pairs or inputs failed, see results/features/failed.tsv" in proc.stderr
    assert (work / "results" / "features" / "failed.tsv").is_file()
    assert not (work / "results" / "features" / "summary.txt").exists()


def test_one_pair_read_succeeds_elsewhere_and_its_report_command_runs(tmp_path):
    work = workdir(tmp_path)
    # the server fixture as a download whose files are named otherwise than the zip (matched by the zip's name)
    server_zip(FIXTURES, work, "fold_kix_0_myb_25_0", name="fold_kix_and_myb_25.zip")
    shutil.rmtree(work / "unzipped")
    (work / "runs" / "KIX_and_MYB_26").mkdir()  # a bad pair: the other's result must not be lost
    config = tmp_path / "configs" / "my config.yaml"  # the config kept in another folder, a space in its name
    config.parent.mkdir()
    shutil.move(work / "config.yaml", config)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run_snakemake(workdir=work, configfile=config, cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ("discovery: 1 zip archive(s) matched by the zip's own name, the job files inside matching no pair: "
            "fold_kix_and_myb_25.zip (files fold_kix_0_myb_25_0_*) -> KIX_and_MYB_25") in proc.stderr
    ranking = pd.read_csv(work / "results" / "ranking" / "KIX.tsv", sep="\t")
    assert ranking["pair_id"].tolist() == ["KIX_and_MYB_25"]
    summary = proc.stdout[proc.stdout.index("tfbind run summary"):]
    assert (work / "results" / "features" / "summary.txt").read_text().splitlines()[:3] == [
        "tfbind features summary", "pairs read: 1 (1 alphafold3)",
        "pairs failed: 1 (results/features/failed.tsv)"]
    assert "pairs read: 1 (1 alphafold3)" in summary and "pairs failed: 1" in summary
    reason = pd.read_csv(work / "results" / "features" / "failed.tsv", sep="\t").set_index("pair_id").loc[
        "KIX_and_MYB_26"]
    assert f"  1 x {reason['stage']}: {reason['reason']}" in summary  # as written in failed.tsv
    line = next(x for x in summary.splitlines() if x.startswith("report: "))
    command = line[len("report: "):line.rindex(" (first section")]
    assert "--use-conda" not in command
    words = shlex.split(command)
    # the snakemake that ran (here `python -m snakemake`, helpers.run_snakemake), then this run's options
    assert words[:3] == [sys.executable, "-m", "snakemake"]
    assert words[3:7] == ["-s", str(REPO / "Snakefile"), "-d", str(work)]
    # run as printed, from a third folder, in a shell whose PATH has no snakemake at all
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    third = tmp_path / "third"
    third.mkdir()
    report = subprocess.run(words, cwd=third, env=env, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-3000:]
    assert words[-2:] == ["--report", str(work / "report.html")]
    assert (work / "report.html").stat().st_size > 10_000  # the report, written where the command says
    assert not (third / "report.html").exists()


def homodimer_run(run: Path, job: str) -> str:
    """A ColabFold run of the demo's KIX domain with itself (chains A and B of one sequence), in ColabFold's own
    file layout as the demo writes it: a demo complex whose tile is replaced by a copy of the domain 15 A away (its
    pLDDT and PAE blocks copied likewise). Returns the sequence."""
    import dataclasses

    import numpy as np

    from tfbind.demo.complexes import build_complex
    from tfbind.demo.labels import make_pairs, make_tiles
    from tfbind.demo.writers import write_colabfold

    tiles = make_tiles(7)
    pair = next(p for p in make_pairs(7, tiles) if p.domain_id == "KIX")
    cx = build_complex(pair, next(t for t in tiles if t.tf_id == pair.tf_id), 7)
    n = len(cx.domain.seq)
    homo = dataclasses.replace(
        cx, pair=dataclasses.replace(cx.pair, pair_id=job), tile_seq=cx.domain.seq,
        tf_xyz=[cx.domain.xyz + np.array([15.0, 0.0, 0.0]) for _ in cx.tf_xyz],
        plddt=[np.concatenate([p[:n], p[:n]]) for p in cx.plddt],
        pae=[np.block([[p[:n, :n], p[:n, :n]], [p[:n, :n], p[:n, :n]]]) for p in cx.pae])
    run.mkdir(parents=True)
    write_colabfold(homo, run)
    return cx.domain.seq


def test_a_homodimer_without_chain_columns_stops_and_with_them_is_read(tmp_path):
    """Issue 21's example of an empty run that used to succeed: a homodimer, whose two chains both match the TF and
    the domain, cannot be read without the pairs table's tf_chain/domain_chain; the run stops naming the reason
    and the fix. With the columns, the same run is read and ranked."""
    work = tmp_path / "work"
    seq = homodimer_run(work / "runs" / "KIX_and_KIX2", "KIX_and_KIX2")
    (work / "tf.fasta").write_text(f">KIX2\n{seq}\n")
    (work / "domains.fasta").write_text(f">KIX category=KIX\n{seq}\n")
    (work / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    proc = run(work)
    assert proc.returncode != 0
    assert "no pair was read: all 1 pairs or inputs failed, see results/features/failed.tsv" in proc.stderr
    assert "a homodimer needs the pairs table's tf_chain and domain_chain columns" in proc.stderr
    failed = pd.read_csv(work / "results" / "features" / "failed.tsv", sep="\t")
    assert failed["pair_id"].tolist() == ["KIX_and_KIX2"] and failed["stage"].tolist() == ["chains"]
    assert "chains 'A' and 'B' both match both the TF and the domain sequence" in failed["reason"][0]
    assert f"1 x chains: {failed['reason'][0]}" in proc.stderr  # quoted as written
    assert not (work / "results" / "ranking" / "KIX.tsv").exists()

    # the fix the message names: the pairs table with the chains (the demo writes the domain as A, the copy as B)
    (work / "pairs.tsv").write_text("pair_id\ttf_id\tdomain_id\tprediction\ttf_chain\tdomain_chain\n"
                                    "KIX_and_KIX2\tKIX2\tKIX\tKIX_and_KIX2\tB\tA\n")
    config = {**CONFIG, "pairs": "pairs.tsv"}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    proc = run(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pair = pd.read_parquet(work / "results" / "features" / "pairs.parquet").iloc[0]
    assert (pair["pair_id"], pair["tf_chain"], pair["domain_chain"]) == ("KIX_and_KIX2", "B", "A")
    assert pd.read_csv(work / "results" / "ranking" / "KIX.tsv", sep="\t")["pair_id"].tolist() == ["KIX_and_KIX2"]
