"""The prepare stage run by Snakemake in another working directory.

1. ``snakemake prepare`` on the demo proteins writes the tiles and the three kinds of job inputs, checked
   against windows worked out independently of the package;
2. the wiring of ``structure_prediction.command``: a stand-in "predictor" (a small script that copies a
   real AlphaPulldown run from ../shared/fixtures into the folder it is told to write to) is run per batch
   by the rule, and the features stage then reads the copied run from where the rule said it would be.
   No structure is predicted here (AlphaFold does not run on this machine); the test checks the command
   built from the template, the batch inputs and where outputs are expected.
"""

import csv
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from Bio import SeqIO

from helpers import DEMO, FIXTURES, planned_jobs, run_in, shared_fixtures

pytestmark = pytest.mark.slow

AP = "alphapulldown_TEST_and_A0A075B6L2"


def snakemake(work: Path, *args: str):
    return run_in(work, *args, outside=True)


def expected_windows(sequence: str, window: int = 80, step: int = 10) -> list[tuple[int, int]]:
    """Hand rule of the screen: starts every `step` while the window fits, then one tile ending at the
    C terminus."""
    n = len(sequence)
    if n <= window:
        return [(1, n)]
    spans = [(s, s + window - 1) for s in range(1, n - window + 2, step)]
    if spans[-1][1] != n:
        spans.append((n - window + 1, n))
    return spans


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    work = tmp_path_factory.mktemp("prepare")
    config = {"tf_proteins": str(DEMO / "proteins.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
              "tiling": {"window": 80, "step": 10}}  # fmt: skip
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    planned = planned_jobs(workdir=work, configfile=work / "config.yaml", cwd=work.parent)
    proc = snakemake(work, "prepare")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, planned, proc


def test_only_the_prepare_stage_is_planned_before_predictions_exist(prepared):
    work, planned, proc = prepared
    assert planned == {"prepare_jobs": 1, "all": 1}  # no features, training or ranking jobs
    assert "features are not planned yet" in proc.stderr


def test_tiles_are_the_hand_worked_windows(prepared):
    work, _, _ = prepared
    proteins = {r.id: str(r.seq) for r in SeqIO.parse(DEMO / "proteins.fasta", "fasta")}
    assert {k: len(v) for k, v in proteins.items()} == {"SYNP1": 95, "SYNP2": 236}
    expected = {}
    for gene, seq in proteins.items():
        for n, (start, end) in enumerate(expected_windows(seq), start=1):
            expected[f"{gene}_{n}"] = (gene, start, end, seq[start - 1 : end])
    assert [v[1:3] for k, v in expected.items() if k.startswith("SYNP1")] == [(1, 80), (11, 90), (16, 95)]
    tiles = list(SeqIO.parse(work / "results/prepare/tiles.fasta", "fasta"))
    assert [t.id for t in tiles] == list(expected)
    for t in tiles:
        gene, start, end, seq = expected[t.id]
        assert str(t.seq) == seq
        assert t.description.split()[1:] == [f"gene={gene}", f"start={start}", f"end={end}", f"group={gene}"]
    table = pd.read_csv(work / "results/prepare/tiles.tsv", sep="\t")
    assert list(table.columns[:3]) == ["tf_id", "gene", "tile_index"]
    assert {r.tf_id: (r.gene, r.start, r.end, r.sequence) for r in table.itertuples()} == expected


def test_the_demo_regions_keep_only_the_tiles_around_them(tmp_path):
    # resources/demo/regions.tsv: SYNP1 41-60, SYNP2 20-60 and 121-236. Whole-protein tiles (window 80, step
    # 10): SYNP1 1-80, 11-90, 16-95 (C-terminal); SYNP2 1-80, 11-90, ..., 151-230 (indices 1..16), 157-236 (17).
    # Kept per region, from the last tile starting at or before its start to the first ending at or after its
    # end: 41-60 -> SYNP1_3 (16-95); 20-60 -> SYNP2_2 (11-90); 121-236 -> SYNP2_13 (121-200) .. SYNP2_17.
    expected = {"SYNP1_3": (16, 95), "SYNP2_2": (11, 90), "SYNP2_13": (121, 200), "SYNP2_14": (131, 210),
                "SYNP2_15": (141, 220), "SYNP2_16": (151, 230), "SYNP2_17": (157, 236)}
    config = {"tf_proteins": str(DEMO / "proteins.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
              "tiling": {"window": 80, "step": 10, "regions": str(DEMO / "regions.tsv")}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "prepare")
    assert proc.returncode == 0, proc.stderr[-3000:]
    proteins = {r.id: str(r.seq) for r in SeqIO.parse(DEMO / "proteins.fasta", "fasta")}
    tiles = list(SeqIO.parse(tmp_path / "results/prepare/tiles.fasta", "fasta"))
    assert {t.id: tuple(int(k.split("=")[1]) for k in t.description.split()[2:4]) for t in tiles} == expected
    for t in tiles:
        gene = t.id.split("_")[0]
        start, end = expected[t.id]
        assert str(t.seq) == proteins[gene][start - 1 : end]
    jobs = pd.read_csv(tmp_path / "results/prepare/jobs.tsv", sep="\t")
    assert len(jobs) == 7 * 4 and set(jobs["tf_id"]) == set(expected)


def test_three_kinds_of_job_inputs_match_the_fasta(prepared):
    work, _, _ = prepared
    out = work / "results/prepare"
    tiles = {r.id: str(r.seq) for r in SeqIO.parse(out / "tiles.fasta", "fasta")}
    domains = {r.id: str(r.seq) for r in SeqIO.parse(DEMO / "domains.fasta", "fasta")}
    names = {f"{d}_and_{t}": (domains[d], tiles[t]) for t in tiles for d in domains}
    assert len(names) == 20 * 4
    with open(out / "colabfold/jobs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["id"]: tuple(r["sequence"].split(":")) for r in rows} == names
    local = {p.stem: json.loads(p.read_text()) for p in (out / "alphafold3").glob("*.json")}
    assert set(local) == set(names)
    for name, job in local.items():
        assert (job["dialect"], job["version"], job["name"]) == ("alphafold3", 1, name)
        assert tuple(s["protein"]["sequence"] for s in job["sequences"]) == names[name]
        assert [s["protein"]["id"] for s in job["sequences"]] == ["A", "B"]
    server = [job for p in sorted((out / "alphafold_server").glob("*.json"))
              for job in json.loads(p.read_text())]
    assert {j["name"]: tuple(s["proteinChain"]["sequence"] for s in j["sequences"]) for j in server} == names
    assert {(j["dialect"], j["version"]) for j in server} == {("alphafoldserver", 1)}
    ap = out / "alphapulldown"
    assert {r.id: str(r.seq) for r in SeqIO.parse(ap / "baits.fasta", "fasta")} == domains
    assert {r.id: str(r.seq) for r in SeqIO.parse(ap / "candidates.fasta", "fasta")} == tiles
    assert {line.replace(";", "_and_") for line in (ap / "custom.txt").read_text().splitlines()} == set(names)


def test_bad_proteins_stop_at_start_up_naming_the_record(tmp_path):
    (tmp_path / "p.fasta").write_text(">A\nACDEFGHIK\n>B\nACDJEFG\n")
    config = {"tf_proteins": "p.fasta", "domain_fasta": str(DEMO / "domains.fasta")}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "prepare", "-n")
    assert proc.returncode != 0
    assert "p.fasta record 2 (>B): sequence has letters outside the 20 amino acids plus X: J" in (
        proc.stdout + proc.stderr)


def test_a_step_larger_than_the_window_stops_at_start_up(tmp_path):
    config = {"tf_proteins": str(DEMO / "proteins.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
              "tiling": {"window": 40, "step": 50}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "prepare", "-n")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    line = ("config error: tiling.step 50 is larger than tiling.window 40: residues between consecutive tiles "
            "would not be in any tile; set tiling.step to at most 40")
    assert line in out.splitlines(), out[-2000:]
    assert not (tmp_path / "results").exists()  # nothing planned or written


FAKE_ALPHAPULLDOWN = """
# Stand-in for `run_multimer_jobs.py --mode=custom`: copies a real AlphaPulldown run into each job's folder.
import shutil, sys, pathlib
fixture, custom, outdir = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
for line in custom.read_text().splitlines():
    bait, candidate = line.split(";")
    shutil.copytree(fixture, outdir / f"{bait}_and_{candidate}")
    print("copied", bait, candidate)
"""


def test_command_template_runs_batches_and_features_read_their_outputs(tmp_path):
    shared_fixtures()
    from test_workflow_features import chain_sequences

    work = tmp_path / "work"
    work.mkdir()
    seqs = chain_sequences(FIXTURES / AP / "ranked_0.pdb")  # B: the bait (64 aa), C: the candidate (24 aa)
    (work / "proteins.fasta").write_text(f">APC\n{seqs['C']}\n")  # 24 residues: one tile APC_1
    (work / "domains.fasta").write_text(f">TEST\n{seqs['B']}\n")
    (work / "fake.py").write_text(FAKE_ALPHAPULLDOWN)
    config = {
        "tf_proteins": "proteins.fasta", "domain_fasta": "domains.fasta",
        "structure_prediction": {
            "command": f"{sys.executable} fake.py {FIXTURES / AP} {{input}} {{outdir}}",
            "format": "alphapulldown", "batch_size": 1,
        },
    }  # fmt: skip
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(work, "prepare")
    assert proc.returncode == 0, proc.stderr[-3000:]
    custom = work / "results/prepare/runs/inputs/batch_00001.txt"
    assert custom.read_text() == "TEST;APC_1\n"  # the batch's input in the --mode=custom format
    manifest = pd.read_csv(work / "results/prepare/runs/batch_00001.tsv", sep="\t")
    run = work / "results/prepare/predictions/TEST_and_APC_1"
    assert manifest.to_dict("records") == [{"job_name": "TEST_and_APC_1", "domain_id": "TEST",
                                            "tf_id": "APC_1", "status": "found",
                                            "output": str(run.relative_to(work))}]
    log = (work / "results/logs/prepare/batch_00001.log").read_text()
    inputs = "results/prepare/runs/inputs/batch_00001.txt results/prepare/predictions"
    assert f"fake.py {FIXTURES / AP} {inputs}" in log
    assert "copied TEST APC_1" in log and "output found for 1 of 1 jobs" in log
    assert "24 residues, not longer than the window (80): one tile" in (
        work / "results/logs/prepare/prepare_jobs.log").read_text()

    # predictions_dir defaults to the command's outdir: the next run plans the features from what it wrote
    assert planned_jobs("features", workdir=work, configfile=work / "config.yaml", cwd=tmp_path) == {
        "extract_shard": 1, "merge_features": 1, "features_summary": 1, "features": 1}
    proc = snakemake(work, "features")
    assert proc.returncode == 0, proc.stderr[-3000:]
    pair = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id").loc["TEST_and_APC_1"]
    ranking = json.loads((FIXTURES / AP / "ranking_debug.json").read_text())
    assert (pair["tf_id"], pair["domain_id"], pair["tf_chain"], pair["domain_chain"]) == (
        "APC_1", "TEST", "C", "B")
    assert pair["iptm"] == pytest.approx(ranking["iptm"][ranking["order"][0]])
    assert pair["tf_group"] == "APC"  # the tile's gene (group= of tiles.fasta): the CV folds' group
    assert pd.read_csv(work / "results/features/failed.tsv", sep="\t").empty


def test_a_predictions_dir_with_nothing_readable_does_not_block_prepare(tmp_path):
    (tmp_path / "runs" / "not_a_job").mkdir(parents=True)
    config = {"tf_proteins": str(DEMO / "proteins.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
              "predictions_dir": "runs"}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "prepare", "-n")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "features are not planned: runs: no run of a {domain_id}_and_{tf_id} job of the FASTA records" in proc.stderr


def test_unknown_residue_x_is_listed_and_left_out_of_the_server_jobs(tmp_path):
    """X at residue 5 of SYNP1 (95 residues; tiles 1-80, 11-90, 16-95): only the first tile holds it, so its 4
    jobs (x 4 domains) are left out of the AlphaFold Server JSON (which refuses X) and kept elsewhere."""
    records = {r.id: str(r.seq) for r in SeqIO.parse(DEMO / "proteins.fasta", "fasta")}
    seq = records["SYNP1"][:4] + "X" + records["SYNP1"][5:]
    (tmp_path / "proteins.fasta").write_text(f">SYNP1\n{seq}\n")
    config = {"tf_proteins": "proteins.fasta", "domain_fasta": str(DEMO / "domains.fasta"),
              "tiling": {"window": 80, "step": 10}}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "prepare")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "results/prepare"
    table = (out / "nonstandard_residues.tsv").read_text().splitlines()
    assert table == ["file\trecord\tletter\tpositions\tjobs\talphafold_server",
                     "proteins.fasta\tSYNP1\tX\t5\t4\tleft out"]
    server = {job["name"] for p in (out / "alphafold_server").glob("*.json") for job in json.loads(p.read_text())}
    domains = [r.id for r in SeqIO.parse(DEMO / "domains.fasta", "fasta")]
    assert server == {f"{d}_and_SYNP1_{n}" for d in domains for n in (2, 3)}
    assert len(list((out / "alphafold3").glob("*.json"))) == 12  # AlphaFold 3 local reads X as UNK: kept
    log = (tmp_path / "results/logs/prepare/prepare_jobs.log").read_text()
    assert "proteins.fasta record SYNP1: X at 5 (4 jobs): left out of the AlphaFold Server JSON" in log
