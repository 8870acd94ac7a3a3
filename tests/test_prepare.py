"""The prepare stage's package code: tiling (hand-worked windows, and the published screen's own tiles),
input validation, and every job file parsed back and compared with the FASTA files it came from."""

import csv
import json
import sys
from pathlib import Path

import pytest
from Bio import SeqIO

from helpers import REPO
from tfbind.errors import InputError
from tfbind.plan.jobnames import split_job_name
from tfbind.plan.sequences import SequenceRecord
from tfbind.prepare import alphafold3_jobs, alphapulldown_jobs, colabfold_jobs
from tfbind.prepare.jobs import plan_jobs, read_batch, write_batches
from tfbind.prepare.running import build_command, check_template, run_batch
from tfbind.prepare.tiling import plan_tiles, tile_protein, tile_starts, tiles_fasta
from tfbind.ranking.coordinates import tile_coordinates

REAL_TILES = REPO.parent / "shared" / "real_dev" / "tfs.fasta"
DOMAINS = REPO / "resources" / "demo" / "domains.fasta"
# 95 residues: 19 distinct blocks of 5 so that every window is identifiable by eye
P95 = "".join(c * 5 for c in "ACDEFGHIKLMNPQRSTVW")


def fasta(path: Path, records: dict[str, str]) -> Path:
    path.write_text("".join(f">{k}\n{v}\n" for k, v in records.items()))
    return path


# --- tiling -------------------------------------------------------------------------------------------

def test_95_residues_window_80_step_10_by_hand():
    assert len(P95) == 95
    assert tile_starts(95, 80, 10) == [1, 11, 16]  # the grid 1, 11; then the C-terminal tile 16-95
    tiles = tile_protein(SequenceRecord("G", P95, "G"), 80, 10)
    assert [(t.tf_id, t.start, t.end) for t in tiles] == [("G_1", 1, 80), ("G_2", 11, 90), ("G_3", 16, 95)]
    # windows worked out by hand: residues 1-80 are blocks A..Q (16 blocks), 11-90 blocks D..V, 16-95 E..W
    assert tiles[0].sequence == "".join(c * 5 for c in "ACDEFGHIKLMNPQRS")
    assert tiles[1].sequence == "".join(c * 5 for c in "DEFGHIKLMNPQRSTV")
    assert tiles[2].sequence == "".join(c * 5 for c in "EFGHIKLMNPQRSTVW")
    assert all(len(t.sequence) == 80 for t in tiles)


@pytest.mark.parametrize("length, starts", [
    (80, [1]), (81, [1, 2]), (90, [1, 11]), (91, [1, 11, 12]), (100, [1, 11, 21]), (60, [1]), (1, [1]),
])
def test_tile_starts_edges(length, starts):
    assert tile_starts(length, 80, 10) == starts


def test_first_index_zero_and_ids_read_back_by_the_ranking(tmp_path):
    tiles = tile_protein(SequenceRecord("MYB", "M" * 120, "MYB"), 80, 10, first_index=0)
    assert [t.tf_id for t in tiles] == ["MYB_0", "MYB_1", "MYB_2", "MYB_3", "MYB_4"]
    # grid tiles obey the ranking's rule start = (N - first_index) x step + 1
    assert all(t.start == (t.tile_index - 0) * 10 + 1 for t in tiles)
    path = tmp_path / "tiles.fasta"
    path.write_text(tiles_fasta(tiles))
    coords = tile_coordinates(path, step=None).set_index("tf_id")
    for t in tiles:
        assert (coords.at[t.tf_id, "gene"], coords.at[t.tf_id, "start"], coords.at[t.tf_id, "end"]) == (
            "MYB", t.start, t.end)
        assert coords.at[t.tf_id, "coordinates"] == "header"


def test_short_protein_is_one_tile_and_said_so(tmp_path):
    plan = plan_tiles(fasta(tmp_path / "p.fasta", {"SHORT": "ACDEFGHIKL" * 6, "LONG": P95}), 80, 10)
    assert [(t.tf_id, t.start, t.end) for t in plan.tiles if t.gene == "SHORT"] == [("SHORT_1", 1, 60)]
    assert any("SHORT" in n and "one tile" in n for n in plan.notes)
    assert not any("LONG" in n for n in plan.notes)


def test_a_step_larger_than_the_window_is_refused_naming_both(tmp_path):
    """Window 20, step 30 would tile residues 1-20, 31-50, ...: 21-30 in no tile. Refused; step = window
    (tiles end to end) is the largest allowed, and a null step is the default 10."""
    proteins = fasta(tmp_path / "p.fasta", {"LONG": P95})
    with pytest.raises(InputError, match=r"^tiling\.step 30 is larger than tiling\.window 20: residues between "
                                         r"consecutive tiles would not be in any tile; set tiling\.step to at "
                                         r"most 20$"):
        plan_tiles(proteins, 20, 30)
    with pytest.raises(InputError, match=r"tiling\.step null \(= the default 10\) is larger than tiling\.window 5"):
        plan_tiles(proteins, 5, None)
    plan = plan_tiles(proteins, 20, 20)  # end to end: 1-20, 21-40, 41-60, 61-80, then 76-95 at the C terminus
    assert [(t.start, t.end) for t in plan.tiles] == [(1, 20), (21, 40), (41, 60), (61, 80), (76, 95)]


@pytest.mark.skipif(not REAL_TILES.is_file(), reason=f"real tiles not found at {REAL_TILES}")
def test_reproduces_the_published_screens_tiles():
    """Tiles of the published EP300 screen (real_dev/tfs.fasta, index from 0, 80 residues every 10):
    rebuilding a stretch of the protein from two of its tiles and tiling it gives back both tiles."""
    real = {r.id: str(r.seq) for r in SeqIO.parse(REAL_TILES, "fasta")}
    checked = 0
    for a, b in [("MYBL1_20", "MYBL1_21"), ("MYBL2_39", "MYBL2_41"), ("TET2_161", "TET2_167")]:
        gene, ia, ib = a.rsplit("_", 1)[0], int(a.rsplit("_", 1)[1]), int(b.rsplit("_", 1)[1])
        offset = (ib - ia) * 10
        assert real[a][offset:] == real[b][: 80 - offset]  # the data really are a 10-residue grid
        # residues 1 .. end of tile b, unknown ones before tile a written as X
        protein = "X" * (ia * 10) + real[a] + real[b][80 - offset:]
        tiles = {t.tf_id: t for t in tile_protein(SequenceRecord(gene, protein, gene), 80, 10, first_index=0)}
        assert tiles[a].sequence == real[a] and tiles[b].sequence == real[b]
        assert tiles[a].start == ia * 10 + 1
        checked += 1
    assert checked == 3


def test_regions_keep_the_whole_protein_tiles_that_cover_them(tmp_path):
    p300 = ("ACDEFGHIKLMNPQRSTVWY" * 15)[:300]
    proteins = fasta(tmp_path / "p.fasta", {"A": p300, "B": P95, "C": P95})
    regions = tmp_path / "regions.tsv"
    regions.write_text("gene\tstart\tend\tnote\nA\t45\t60\tshort region\nA\t95\t200\t\nB\t12\t95\tx\n")
    plan = plan_tiles(proteins, 80, 10, regions=regions)
    got = {(t.gene, t.start, t.end) for t in plan.tiles}
    # A: 45-60 lies in the tile 41-120; 95-200 needs 91-170 .. 121-200; B: 12-95 needs 11-90 and 16-95
    assert got == {("A", 41, 120), ("A", 91, 170), ("A", 101, 180), ("A", 111, 190), ("A", 121, 200),
                   ("B", 11, 90), ("B", 16, 95)}
    whole = {t.tf_id: t for t in plan_tiles(proteins, 80, 10).tiles}
    assert all(whole[t.tf_id] == t for t in plan.tiles)  # same IDs and coordinates as the whole tiling
    assert any("C" in n and "not tiled" in n for n in plan.notes)


@pytest.mark.parametrize("records, message", [
    ({"A": P95, "B": P95, "A ": P95}, "duplicate"),
    ({"A": P95[:40] + "B" + P95[41:]}, "letters outside"),
    ({"A": P95[:40] + "1" + P95[41:]}, "letters outside"),
])
def test_bad_proteins_are_refused_with_file_and_record(tmp_path, records, message):
    path = tmp_path / "p.fasta"
    path.write_text("".join(f">{k}\n{v}\n" for k, v in records.items()))
    with pytest.raises(InputError, match=message) as err:
        plan_tiles(path)
    assert str(path) in str(err.value)


def test_empty_record_is_refused(tmp_path):
    path = tmp_path / "p.fasta"
    path.write_text(f">A\n{P95}\n>EMPTY\n>C\n{P95}\n")
    with pytest.raises(InputError, match=r"record 2 \(>EMPTY\): empty sequence"):
        plan_tiles(path)


@pytest.mark.parametrize("rows, message", [
    ("A\t1\t96\n", r"line 3: region 1-96 is outside A \(95 residues\)"),
    ("A\t0\t10\n", r"line 3: region 0-10 of A: start must be >= 1"),
    ("A\t50\t40\n", r"line 3: region 50-40 of A"),
    ("Z\t1\t10\n", r"line 3: gene 'Z' is not a record"),
    ("A\t1.5\t10\n", r"line 3: start '1.5' is not a whole number"),
])
def test_bad_regions_are_refused_with_file_and_line(tmp_path, rows, message):
    proteins = fasta(tmp_path / "p.fasta", {"A": P95})
    regions = tmp_path / "r.tsv"
    regions.write_text("gene\tstart\tend\nA\t1\t95\n" + rows)
    with pytest.raises(InputError, match=message) as err:
        plan_tiles(proteins, regions=regions)
    assert str(regions) in str(err.value)


def test_regions_without_columns_are_refused(tmp_path):
    proteins = fasta(tmp_path / "p.fasta", {"A": P95})
    regions = tmp_path / "r.tsv"
    regions.write_text("gene\tfrom\tto\nA\t1\t95\n")
    with pytest.raises(InputError, match="line 1: missing column"):
        plan_tiles(proteins, regions=regions)


# --- job files -----------------------------------------------------------------------------------------

@pytest.fixture
def screen(tmp_path):
    """Tiles of two proteins x the four demo EP300 domains; sequences as read independently by Biopython."""
    proteins = fasta(tmp_path / "p.fasta", {"G1": P95, "G2": ("MKLW" * 40)[:150]})
    tiles = plan_tiles(proteins, 80, 10).tiles
    domains = {r.id: SequenceRecord(r.id, str(r.seq), r.id) for r in SeqIO.parse(DOMAINS, "fasta")}
    jobs = plan_jobs(tiles, domains, batch_size=7)
    tile_seqs = {t.tf_id: t.sequence for t in tiles}
    return jobs, {k: v.sequence for k, v in domains.items()}, tile_seqs, tmp_path


def test_every_pair_is_a_job_named_domain_and_tile(screen):
    jobs, domains, tiles, _ = screen
    assert len(tiles) == 3 + 8  # 95 -> 1, 11, 16; 150 -> 1, 11, ..., 71 (71 = 150 - 80 + 1: no extra tile)
    assert {(j.domain_id, j.tf_id) for j in jobs} == {(d, t) for d in domains for t in tiles}
    for j in jobs:
        assert j.name == f"{j.domain_id}_and_{j.tf_id}"
        assert split_job_name(j.name, tiles, domains) == (j.domain_id, j.tf_id)
    assert [j.batch for j in jobs[:8]] == ["batch_00001"] * 7 + ["batch_00002"]


def test_a_job_name_that_reads_as_two_pairs_is_refused(tmp_path):
    """Domain X with tile Y_and_Z_1 and domain X_and_Y with tile Z_1 are both named X_and_Y_and_Z_1."""
    tiles = plan_tiles(fasta(tmp_path / "p.fasta", {"Y_and_Z": P95[:50], "Z": P95[:50]})).tiles
    domains = {d: SequenceRecord(d, "ACDEF", d) for d in ("X", "X_and_Y")}
    with pytest.raises(InputError, match="X_and_Y_and_Z_1.*splits into several"):
        plan_jobs(tiles, domains, batch_size=5)
    assert len(plan_jobs(tiles, {"X": domains["X"]}, batch_size=5)) == 2  # one domain: no clash


def test_colabfold_csv_parses_back(screen):
    jobs, domains, tiles, tmp = screen
    colabfold_jobs.write_csv(jobs, tmp / "jobs.csv")
    with open(tmp / "jobs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "sequence"]  # colabfold_batch's CSV header
    assert len(rows) == len(jobs)
    for row in rows:
        domain_id, tf_id = row["id"].split("_and_")
        assert row["sequence"].split(":") == [domains[domain_id], tiles[tf_id]]  # chain A domain, B tile


def test_alphafold3_local_json_follows_the_documented_format(screen):
    jobs, domains, tiles, tmp = screen
    paths = alphafold3_jobs.write_local(jobs, tmp / "af3", seeds=[1, 7])
    assert sorted(p.name for p in (tmp / "af3").iterdir()) == sorted(f"{j.name}.json" for j in jobs)
    for path in paths:
        job = json.loads(path.read_text())
        assert isinstance(job, dict)  # the alphafold3 dialect is one job per file, not a list
        assert set(job) == {"name", "modelSeeds", "sequences", "dialect", "version"}
        assert job["dialect"] == "alphafold3" and job["version"] in (1, 2, 3, 4)
        assert job["name"] == path.stem and job["modelSeeds"] == [1, 7]
        assert all(type(s) is int for s in job["modelSeeds"])
        chains = [s["protein"] for s in job["sequences"]]
        assert all(set(s) == {"protein"} for s in job["sequences"])
        assert [c["id"] for c in chains] == ["A", "B"]
        domain_id, tf_id = job["name"].split("_and_")
        assert [c["sequence"] for c in chains] == [domains[domain_id], tiles[tf_id]]


def test_alphafold_server_json_follows_the_documented_format_and_limit(tmp_path):
    protein = ("ACDEFGHIKLMNPQRSTVWY" * 44)[:865]
    tiles = plan_tiles(fasta(tmp_path / "p.fasta", {"G": protein}), 80, 10).tiles
    domains = {r.id: SequenceRecord(r.id, str(r.seq), r.id) for r in SeqIO.parse(DOMAINS, "fasta")}
    jobs = plan_jobs(tiles, domains, batch_size=20)
    assert len(jobs) == 4 * 80  # starts 1, 11, ..., 781 (79) and the C-terminal tile 786-865
    paths = alphafold3_jobs.write_server(jobs, tmp_path / "server", seeds=[3])
    files = [json.loads(p.read_text()) for p in paths]
    assert [len(f) for f in files] == [100, 100, 100, 20]  # the server imports up to 100 jobs per file
    seen = []
    for batch in files:
        assert isinstance(batch, list)  # the alphafoldserver dialect is a list of jobs
        for job in batch:
            assert set(job) == {"name", "modelSeeds", "sequences", "dialect", "version"}
            assert job["dialect"] == "alphafoldserver" and job["version"] == 1
            assert job["modelSeeds"] == ["3"]  # uint32 seeds written as strings
            assert [set(s) for s in job["sequences"]] == [{"proteinChain"}, {"proteinChain"}]
            chains = [s["proteinChain"] for s in job["sequences"]]
            assert [c["count"] for c in chains] == [1, 1]
            domain_id, tf_id = job["name"].split("_and_")
            tile = next(t for t in tiles if t.tf_id == tf_id)
            assert [c["sequence"] for c in chains] == [domains[domain_id].sequence, tile.sequence]
            seen.append(job["name"])
    assert seen == [j.name for j in jobs]


def test_alphapulldown_inputs_parse_back(screen):
    jobs, domains, tiles, tmp = screen
    alphapulldown_jobs.write_inputs(jobs, tmp / "ap")
    baits = {r.id: str(r.seq) for r in SeqIO.parse(tmp / "ap" / "baits.fasta", "fasta")}
    candidates = {r.id: str(r.seq) for r in SeqIO.parse(tmp / "ap" / "candidates.fasta", "fasta")}
    assert baits == domains and candidates == tiles
    assert (tmp / "ap" / "baits.txt").read_text().split() == list(domains)
    assert (tmp / "ap" / "candidates.txt").read_text().split() == list(tiles)
    custom = [line.split(";") for line in (tmp / "ap" / "custom.txt").read_text().splitlines()]
    # AlphaPulldown names a job's folder {bait}_and_{candidate}: exactly the job names
    assert [f"{b}_and_{c}" for b, c in custom] == [j.name for j in jobs]


def test_batches_are_rewritten_only_when_their_jobs_change(screen):
    jobs, _, _, tmp = screen
    names = write_batches(jobs, tmp / "batches")
    assert names == [f"batch_{i:05d}" for i in range(1, (len(jobs) + 6) // 7 + 1)]
    assert [j for n in names for j in read_batch(tmp / "batches" / f"{n}.tsv")] == jobs
    stamps = {n: (tmp / "batches" / f"{n}.tsv").stat().st_mtime_ns for n in names}
    write_batches(jobs[:-1], tmp / "batches")  # the last batch changes, the others do not
    after = {n: (tmp / "batches" / f"{n}.tsv").stat().st_mtime_ns for n in names}
    assert [n for n in names if after[n] != stamps[n]] == [names[-1]]


# --- running ------------------------------------------------------------------------------------------

def test_command_template_placeholders():
    assert build_command("colabfold_batch {input} {outdir} --threads {threads}", "in dir/b.csv", "out",
                         "batch_00001", 4) == "colabfold_batch 'in dir/b.csv' out --threads 4"
    with pytest.raises(InputError, match=r"unknown placeholder \{inptu\}"):
        check_template("colabfold_batch {inptu} {outdir}")
    with pytest.raises(InputError, match="needs"):
        check_template("colabfold_batch {input}")
    assert check_template("awk '{{print}}' {input} > {outdir}/x")  # a literal brace is written {{ }}


FAKE_COLABFOLD = """
import csv, pathlib, sys
rows = list(csv.DictReader(open(sys.argv[1])))
out = pathlib.Path(sys.argv[2])
for row in rows[:-1]:  # the last job 'fails' silently
    (out / f"{row['id']}_scores_rank_001_alphafold2_multimer_v3_model_1_seed_000.json").write_text("{}")
print(f"fake predictor: {len(rows)} jobs")
"""

FAKE_AF3 = """
import json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    name = json.loads(path.read_text())["name"].lower()  # AlphaFold 3 lower-cases the folder name
    folder = pathlib.Path(sys.argv[2]) / name
    folder.mkdir(parents=True)
    (folder / f"{name}_model.cif").write_text("data_x\\n")
"""


@pytest.mark.parametrize("fmt, fake", [("colabfold", FAKE_COLABFOLD), ("alphafold3", FAKE_AF3)])
def test_run_batch_builds_inputs_runs_and_finds_outputs(screen, fmt, fake):
    """The wiring only: a stand-in script plays the predictor (nothing is predicted here)."""
    jobs, _, _, tmp = screen
    script = tmp / "fake.py"
    script.write_text(fake)
    batch = [j for j in jobs if j.batch == "batch_00001"]
    rows = run_batch(batch, fmt, f"{sys.executable} {script} {{input}} {{outdir}}", tmp / "inputs",
                     tmp / "predictions", "batch_00001", 1, [1])
    assert [r["job_name"] for r in rows] == [j.name for j in batch]
    expected = ["found"] * len(batch)
    if fmt == "colabfold":
        expected[-1] = "missing"
    assert [r["status"] for r in rows] == expected
    for r in rows:
        if r["status"] == "found":
            assert Path(r["output"]).exists() and r["job_name"].lower() in Path(r["output"]).name.lower()


def test_run_batch_fails_when_the_command_fails(screen):
    jobs, _, _, tmp = screen
    with pytest.raises(RuntimeError, match="exited with status 3"):
        run_batch(jobs[:2], "colabfold", "exit 3; echo {input} {outdir}", tmp / "in", tmp / "out", "b", 1,
                  [1])
