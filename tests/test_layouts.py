"""AlphaFold outputs as users keep them (issue 10, part 2), built from the real runs of ../shared/fixtures
in a temporary folder: an AlphaFold Server zip with ``fold_`` lower-case names, a ColabFold batch folder
of several jobs, runs without their summary / ranking_debug.json, an AlphaFold3 local layout with deleted
sample folders, confidence files whose chain IDs differ from the structure's. Each variant is read and
its values compared with the intact fixture's read (same data -> the same numbers), never with numbers
copied from the code's output.
"""

import csv
import json
import math
import re
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from tfbind.errors import PredictionError
from tfbind.features.extract import extract_pair, run_shard
from tfbind.features.schema import CONFIDENCE_METRICS, INTERFACE_METRICS
from tfbind.plan.archives import ArchiveError, extract_archive, list_archive, record_failure
from tfbind.plan.discovery import discover_pairs, folder_jobs
from tfbind.plan.jobnames import JobMatcher, name_key
from tfbind.plan.sequences import SequenceRecord
from tfbind.plan.settings import ExtractSettings
from tfbind.readers import read_run

AF3, CF, AP = "af3_server_5b8c", "colabfold_5b8c", "alphapulldown_TEST_and_A0A075B6L2"
CF_TAG = "alphafold2_multimer_v3_model_4_seed_000"
# the fast settings: layouts change what is read, not the structure metrics (Sc: tests/test_shape_complementarity.py)
SETTINGS = ExtractSettings(sasa=False, pair_timeout_s=0, shape_complementarity="off")
REPORTED = {"iptm", "ptm", "ranking_confidence", "ranking_score"}  # only the predictor's own files hold these
METRICS = [m for m in CONFIDENCE_METRICS + INTERFACE_METRICS] + ["iptm_chain_pair"]


def copy_run(src: Path, dst: Path, rename=lambda name: name) -> Path:
    """A writable copy of a fixture run, each file renamed by ``rename``."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.iterdir()):
        if f.is_file():
            target = dst / rename(f.name)
            shutil.copyfile(f, target)
    return dst


def records(fx: Path, run: str, tf_chain: str, domain_chain: str, tf_id: str, domain_id: str):
    """FASTA records of one pair: the sequences of two chains of the intact run."""
    seqs = next(read_run(fx / run)).sequences
    return ({tf_id: SequenceRecord(tf_id, seqs[tf_chain], tf_id)},
            {domain_id: SequenceRecord(domain_id, seqs[domain_chain], "FAB")})


def score(prediction, tfs, domains, pair_id="p", notes=None):
    pair = {"pair_id": pair_id, "tf_id": next(iter(tfs)), "domain_id": next(iter(domains)),
            "prediction": str(prediction), "tf_chain": "", "domain_chain": "", "format": ""}
    return extract_pair(pair, tfs, domains, SETTINGS, notes)


def assert_same(variant: list[dict], intact: list[dict], nan: set[str] = frozenset()):
    """Every metric of every model equal to the intact read (NaN where ``nan`` says the variant lacks
    the predictor's reported value)."""
    assert len(variant) == len(intact)
    for v, i in zip(variant, intact):
        assert v["model_rank"] == i["model_rank"]
        for m in METRICS:
            if m in nan:
                assert math.isnan(v[m]), (m, v[m])
            elif isinstance(i[m], float) and math.isnan(i[m]):
                assert math.isnan(v[m]), m
            else:
                assert v[m] == pytest.approx(i[m], rel=1e-12, abs=1e-12), m


@pytest.fixture
def af3_pair(fixtures_dir):
    return records(fixtures_dir, AF3, "C", "B", "MYB_25", "KIX")


@pytest.fixture
def cf_pair(fixtures_dir):
    return records(fixtures_dir, CF, "C", "B", "MYB_25", "KIX")


# ---------------------------------------------------------------- job names


def test_name_key_and_matcher():
    assert name_key("KIX_and_MYB-25") == "kix_and_myb_25"
    m = JobMatcher({"MYB_25": 1, "ZNF 7": 1}, {"KIX": 1, "TAZ2": 1})
    assert m.match("KIX_and_MYB_25")[0] == ("KIX", "MYB_25")  # exact
    assert m.match("fold_kix_and_myb_25")[0] == ("KIX", "MYB_25")  # server download
    assert m.match("FOLD_KIX_AND_MYB_25")[0] == ("KIX", "MYB_25")
    assert m.match("taz2_and_znf_7")[0] == ("TAZ2", "ZNF 7")  # space -> _
    job, reason = m.match("fold_kix_and_myb_26")
    assert job is None and "reads as domain 'KIX'" in reason and "'myb_26'" in reason
    job, reason = m.match("KIX_and_MYB_26")
    assert job is None and "TF 'MYB_26' is not in the TF FASTA" in reason
    # two IDs with one key cannot be told apart: reported, not guessed
    job, reason = JobMatcher({"MYB-25": 1, "MYB_25x": 1, "myb_25": 1}, {"KIX": 1}).match("fold_kix_and_myb_25")
    assert job is None and "MYB-25" in reason and "myb_25" in reason


def test_folder_jobs_groups_files_by_job_prefix():
    names = ["a_and_b_scores_rank_001_x.json", "a_and_b_unrelaxed_rank_001_x.pdb", "c_and_d_scores_rank_002_y.json",
             "fold_e_and_f_model_0.cif", "fold_e_and_f_full_data_0.json", "g_model.cif", "README.md"]
    assert folder_jobs(names) == {"a_and_b": "a_and_b_scores_rank_001_x.json",
                                  "c_and_d": "c_and_d_scores_rank_002_y.json",
                                  "fold_e_and_f": "fold_e_and_f_model_0.cif", "g": None}


# ---------------------------------------------------------------- AlphaFold Server zip


def server_zip(fx: Path, tmp: Path, job: str, name: str | None = None, extra: dict | None = None) -> Path:
    """The server fixture as the server's download: ``<job>.zip`` holding ``<job>_*`` at its root."""
    src = copy_run(fx / AF3, tmp / "unzipped" / job, lambda n: n.replace("fold_5b8c", job))
    path = tmp / "runs" / (name or f"{job}.zip")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(src.iterdir()):
            zf.write(f, f.name)
        for member, data in (extra or {}).items():
            zf.writestr(member, data)
    return path


def test_server_zip_is_discovered_extracted_and_read_like_the_folder(fixtures_dir, af3_pair, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tfs, domains = af3_pair
    server_zip(fixtures_dir, tmp_path, "fold_kix_and_myb_25", name="fold_kix_and_myb_25 (1).zip",
               extra={"fold_other_and_myb_25_model_0.cif": "x", "terms_of_use.md": "terms"})
    plan = discover_pairs("runs", tfs, domains)
    assert plan.pairs[["pair_id", "tf_id", "domain_id"]].values.tolist() == [["KIX_and_MYB_25", "MYB_25", "KIX"]]
    prediction = plan.pairs["prediction"][0]
    assert prediction == "results/archives/fold_kix_and_myb_25__1_/fold_kix_and_myb_25_model_0.cif"
    assert plan.archives == {"fold_kix_and_myb_25__1_": str(Path("runs") / "fold_kix_and_myb_25 (1).zip")}
    # the other job of the archive matches nothing: listed with the archive and job named
    assert [u[0] for u in plan.unmatched] == ["fold_kix_and_myb_25 (1).zip/fold_other_and_myb_25"]
    assert not Path("results").exists()  # nothing extracted when the plan is made
    written = extract_archive(plan.archives["fold_kix_and_myb_25__1_"], "results/archives/fold_kix_and_myb_25__1_",
                              1 << 30)
    assert written == sum(f.stat().st_size for f in (tmp_path / "unzipped" / "fold_kix_and_myb_25").iterdir()) + 6
    rows, _ = score(prediction, tfs, domains)
    intact, _ = score(fixtures_dir / AF3, tfs, domains)
    assert_same(rows, intact)


def _zip(path: Path, members: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)  # S_IFLNK, as Info-ZIP stores a link
            zf.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize("members, symlink, match", [
    ({"/abs/fold_kix_and_myb_25_model_0.cif": b"x"}, None, "absolute path"),
    ({"../fold_kix_and_myb_25_model_0.cif": b"x"}, None, r"'\.\.' component"),
    ({"a/../../fold_kix_and_myb_25_model_0.cif": b"x"}, None, r"'\.\.' component"),
    ({"C:/fold_kix_and_myb_25_model_0.cif": b"x"}, None, "absolute path"),
    ({"fold_kix_and_myb_25_model_0.cif": b"x"}, "fold_kix_and_myb_25_full_data_0.json", "symbolic link"),
    ({"fold_kix_and_myb_25_model_0.cif": b"x" * 3000}, None, "uncompressed size passes"),
])
def test_unsafe_archives_are_refused_and_listed(tmp_path, monkeypatch, members, symlink, match):
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    runs.mkdir()
    _zip(runs / "fold_kix_and_myb_25.zip", members, symlink)
    (runs / "KIX_and_MYB_25").mkdir()  # a good run beside it is still planned
    tfs, domains = {"MYB_25": SequenceRecord("MYB_25", "A", "t")}, {"KIX": SequenceRecord("KIX", "A", "KIX")}
    plan = discover_pairs(runs, tfs, domains, max_archive_bytes=2048)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25"] and plan.archives == {}
    (name, reason), = plan.unmatched
    assert name == "fold_kix_and_myb_25.zip" and "fold_kix_and_myb_25.zip" in reason
    assert re.search(match, reason)
    with pytest.raises(ArchiveError, match=match):
        extract_archive(runs / "fold_kix_and_myb_25.zip", tmp_path / "out", 2048)
    assert not any((tmp_path / "out").glob("**/*.cif"))


def test_archive_whose_headers_understate_its_size_is_stopped(tmp_path):
    """Headers say 10 bytes, the entry holds 5,000: the central directory passes the size check, extraction
    stops at the declared size and refuses the archive (the entry's CRC does not match the bytes read)."""
    path = _zip(tmp_path / "bomb.zip", {"fold_kix_and_myb_25_model_0.cif": b"A" * 5000})
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # APPNOTE 4.3.7 / 4.3.12 sizes
        at = data.index(sig)
        struct.pack_into("<I", data, at + offset, 10)
    path.write_bytes(bytes(data))
    assert [m.size for m in list_archive(path, 2048)] == [10]  # the central directory passes
    with pytest.raises(ArchiveError, match=r"bomb\.zip: damaged archive .*CRC"):
        extract_archive(path, tmp_path / "out", 2048)


def test_pairs_of_an_archive_that_failed_extraction_fail_with_its_reason(af3_pair, tmp_path):
    tfs, domains = af3_pair
    folder = tmp_path / "results" / "archives" / "x"
    record_failure(folder, "x.zip: damaged archive (CRC)")
    with pytest.raises(PredictionError, match="damaged archive") as err:
        score(folder / "fold_kix_and_myb_25_model_0.cif", tfs, domains)
    assert err.value.stage == "archive"


def test_server_folder_named_fold_lower_case(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    copy_run(fixtures_dir / AF3, tmp_path / "runs" / "fold_kix_and_myb_25",
             lambda n: n.replace("fold_5b8c", "fold_kix_and_myb_25"))
    plan = discover_pairs(tmp_path / "runs", tfs, domains)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25"] and plan.unmatched == []
    rows, _ = score(plan.pairs["prediction"][0], tfs, domains)
    assert_same(rows, score(fixtures_dir / AF3, tfs, domains)[0])


# ---------------------------------------------------------------- ColabFold batch folder


def colabfold_batch(fx: Path, folder: Path, jobs: list[str]) -> Path:
    for job in jobs:  # ColabFold batch names: <job>_scores_rank_001_<tag>.json, <job>_unrelaxed_rank_001_<tag>.pdb
        copy_run(fx / CF, folder, lambda n, job=job: n.replace("5b8c_", f"{job}_").replace(
            "_scores_", "_scores_rank_001_").replace("_unrelaxed_", "_unrelaxed_rank_001_"))
    for f in folder.glob("*.txt"):
        f.unlink()
    return folder


def test_colabfold_batch_folder_is_split_into_one_run_per_job(fixtures_dir, tmp_path):
    seqs = next(read_run(fixtures_dir / CF)).sequences
    tfs = {t: SequenceRecord(t, seqs["C"], t) for t in ("MYB_25", "MYB_26")}
    domains = {"KIX": SequenceRecord("KIX", seqs["B"], "KIX")}
    colabfold_batch(fixtures_dir, tmp_path / "runs" / "colabfold_out",
                    ["KIX_and_MYB_25", "KIX_and_MYB_26", "NCBD_and_X"])
    plan = discover_pairs(tmp_path / "runs", tfs, domains)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25", "KIX_and_MYB_26"]
    assert [Path(p).name for p in plan.pairs["prediction"]] == [
        f"KIX_and_MYB_25_scores_rank_001_{CF_TAG}.json", f"KIX_and_MYB_26_scores_rank_001_{CF_TAG}.json"]
    assert [u[0] for u in plan.unmatched] == ["colabfold_out/NCBD_and_X"]
    intact, _ = score(fixtures_dir / CF, {"MYB_25": tfs["MYB_25"]}, domains)
    for pair in plan.pairs.to_dict("records"):
        rows, _ = score(pair["prediction"], {pair["tf_id"]: tfs[pair["tf_id"]]}, domains)
        assert_same(rows, intact)
        assert rows[0]["model_name"] == CF_TAG
    # predictions_dir pointed at the batch folder itself: the same jobs
    plan = discover_pairs(tmp_path / "runs" / "colabfold_out", tfs, domains)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25", "KIX_and_MYB_26"]


def test_a_pair_found_twice_is_read_once_and_the_other_listed(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    copy_run(fixtures_dir / AF3, tmp_path / "runs" / "KIX_and_MYB_25")
    copy_run(fixtures_dir / AF3, tmp_path / "runs" / "fold_kix_and_myb_25")
    plan = discover_pairs(tmp_path / "runs", tfs, domains)
    assert plan.pairs["prediction"].tolist() == [str(tmp_path / "runs" / "KIX_and_MYB_25")]
    assert plan.unmatched[0][0] == "fold_kix_and_myb_25" and "read once" in plan.unmatched[0][1]


# ---------------------------------------------------------------- runs missing the predictor's summary


def test_af3_without_summary_is_scored_from_structure_and_pae(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    run = copy_run(fixtures_dir / AF3, tmp_path / "run")
    (run / "fold_5b8c_summary_confidences_0.json").unlink()
    notes = []
    rows, summary = score(run, tfs, domains, notes=notes)
    intact, _ = score(fixtures_dir / AF3, tfs, domains)
    assert_same(rows, intact, nan=REPORTED | {"iptm_chain_pair"})
    assert not math.isnan(intact[0]["iptm"])  # the intact read has them: NaN above is the missing file
    assert len(notes) == 1 and "fold_5b8c_summary_confidences_0.json" in notes[0].text


def test_af3_without_pae_fails(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    run = copy_run(fixtures_dir / AF3, tmp_path / "run")
    (run / "fold_5b8c_full_data_0.json").unlink()
    with pytest.raises(PredictionError, match="full_data_0.json: file not found"):
        score(run, tfs, domains)


def ap_records(fx: Path):
    return records(fx, AP, "C", "B", "A0A075B6L2", "TEST")


def test_alphafold2_without_ranking_debug_is_scored(fixtures_dir, tmp_path):
    tfs, domains = ap_records(fixtures_dir)
    run = copy_run(fixtures_dir / AP, tmp_path / "run")
    (run / "ranking_debug.json").unlink()
    notes = []
    rows, summary = score(run, tfs, domains, notes=notes)
    intact, _ = score(fixtures_dir / AP, tfs, domains)
    # the models come back at their ranks, matched by pLDDT to the models of ranking_debug's order
    order = json.loads((fixtures_dir / AP / "ranking_debug.json").read_text())["order"]
    assert [r["model_name"] for r in rows] == order
    assert_same(rows, intact, nan={"iptm", "ptm", "ranking_confidence"})  # pTM came from ranking_debug.json
    assert summary["n_models"] == 5 and "no ranking_debug.json" in notes[0].text


def test_alphafold2_without_ranking_debug_reads_each_file_once(fixtures_dir, tmp_path, monkeypatch):
    """Matching the ranked models by pLDDT reads their structures (and pickles); scoring reuses them."""
    import pickle

    import numpy as np

    from tfbind.readers import alphafold2

    tfs, domains = ap_records(fixtures_dir)
    run = copy_run(fixtures_dir / AP, tmp_path / "run")
    (run / "ranking_debug.json").unlink()
    for conf in sorted(run.glob("confidence_*.json"))[:2]:  # two models matched through their result pickles
        model = conf.name[len("confidence_"):-len(".json")]
        pae = json.loads((run / f"pae_{model}.json").read_text())[0]["predicted_aligned_error"]
        plddt = json.loads(conf.read_text())["confidenceScore"]
        with open(run / f"result_{model}.pkl", "wb") as fh:
            pickle.dump({"plddt": np.array(plddt), "ptm": 0.5, "iptm": 0.25,
                         "predicted_aligned_error": np.array(pae)}, fh)
        conf.unlink()
    reads: dict[str, int] = {}

    def counted(function):
        def read(path, *args, **kwargs):
            reads[Path(path).name] = reads.get(Path(path).name, 0) + 1
            return function(path, *args, **kwargs)
        return read

    monkeypatch.setattr(alphafold2, "read_structure", counted(alphafold2.read_structure))
    monkeypatch.setattr(alphafold2.safe_pickle, "load", counted(alphafold2.safe_pickle.load))
    rows, _ = score(run, tfs, domains)
    assert sorted(reads) == sorted([f"ranked_{i}.pdb" for i in range(5)] + [p.name for p in run.glob("*.pkl")])
    assert set(reads.values()) == {1}
    assert sum(r["iptm"] == 0.25 and r["ptm"] == 0.5 for r in rows) == 2  # the pickles' fields reach the rows
    # ... and give the ranking confidence that ranking_debug.json would have held: 0.8 x 0.25 + 0.2 x 0.5 = 0.3
    assert sum(r["ranking_confidence"] == pytest.approx(0.3) for r in rows) == 2
    assert sum(math.isnan(r["ranking_confidence"]) for r in rows) == 3  # no ipTM/pTM for the other three


def test_alphafold2_without_pae_fails(fixtures_dir, tmp_path):
    tfs, domains = ap_records(fixtures_dir)
    run = copy_run(fixtures_dir / AP, tmp_path / "run")
    (run / "ranking_debug.json").unlink()
    for f in run.glob("pae_*.json"):
        f.unlink()
    with pytest.raises(PredictionError, match="no ranking_debug.json and no PAE"):
        score(run, tfs, domains)


# ---------------------------------------------------------------- AlphaFold3 local layout


def af3_local(fx: Path, job: Path, samples: dict[tuple[int, int], float], keep: set | None = None) -> Path:
    """A local AlphaFold3 output folder made from the server model: top-level ``<job>_model.cif``,
    ``_confidences.json`` (the full data), ``_summary_confidences.json``, ``ranking_scores.csv`` and one
    ``seed-S_sample-K/`` folder per sample (only those in ``keep``)."""
    src, name = fx / AF3, job.name
    files = {"model.cif": "fold_5b8c_model_0.cif", "confidences.json": "fold_5b8c_full_data_0.json",
             "summary_confidences.json": "fold_5b8c_summary_confidences_0.json"}
    job.mkdir(parents=True)
    for suffix, source in files.items():
        shutil.copyfile(src / source, job / f"{name}_{suffix}")
    for (seed, sample) in samples:
        if keep is not None and (seed, sample) not in keep:
            continue
        d = job / f"seed-{seed}_sample-{sample}"
        d.mkdir()
        for suffix, source in files.items():
            shutil.copyfile(src / source, d / f"{name}_seed-{seed}_sample-{sample}_{suffix}")
    with open(job / f"{name}_ranking_scores.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["seed", "sample", "ranking_score"])
        for (seed, sample), s in samples.items():
            w.writerow([seed, sample, s])
    return job


SAMPLES = {(1, 0): 0.61, (1, 1): 0.93, (1, 2): 0.72, (2, 0): 0.55}


def test_af3_local_top_model_first_not_counted_twice(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    job = af3_local(fixtures_dir, tmp_path / "runs" / "kix_and_myb_25", SAMPLES)
    plan = discover_pairs(tmp_path / "runs", tfs, domains)  # AlphaFold3 lower-cases the job name
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25"]
    rows, summary = score(plan.pairs["prediction"][0], tfs, domains)
    # rank 0 = the top-level files (the sample of highest ranking score, 0.93), then by the csv
    assert [r["model_name"] for r in rows] == ["seed-1_sample-1", "seed-1_sample-2", "seed-1_sample-0",
                                               "seed-2_sample-0"]
    models = list(read_run(job))
    assert models[0].structure_path.parent == job and models[1].structure_path.parent.name == "seed-1_sample-2"
    intact = score(fixtures_dir / AF3, tfs, domains)[0][0]
    assert_same(rows[:1], [intact])  # the same model data as the server's
    assert summary["n_models"] == 4


def test_af3_local_deleted_sample_folders(fixtures_dir, af3_pair, tmp_path, caplog):
    tfs, domains = af3_pair
    job = af3_local(fixtures_dir, tmp_path / "job", SAMPLES, keep={(1, 0), (2, 0)})  # the top sample deleted too
    with caplog.at_level("INFO"):
        rows, summary = score(job, tfs, domains)
    assert [r["model_name"] for r in rows] == ["seed-1_sample-1", "seed-1_sample-0", "seed-2_sample-0"]
    assert "2 of the 4 samples named in ranking_scores.csv" in caplog.text
    shutil.rmtree(job / "seed-1_sample-0")
    shutil.rmtree(job / "seed-2_sample-0")
    rows, summary = score(job, tfs, domains)  # only the top-level model left: one model
    assert [r["model_name"] for r in rows] == ["seed-1_sample-1"] and summary["n_models"] == 1


def test_af3_local_without_summaries(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    job = af3_local(fixtures_dir, tmp_path / "job", SAMPLES)
    for f in job.glob("**/*summary_confidences.json"):
        f.unlink()
    notes = []
    rows, _ = score(job, tfs, domains, notes=notes)
    assert [r["model_name"] for r in rows][0] == "seed-1_sample-1"  # ranking_scores.csv still ranks them
    intact = score(fixtures_dir / AF3, tfs, domains)[0]
    assert_same(rows[:1], intact, nan=REPORTED | {"iptm_chain_pair"})
    assert len(notes) == 4  # one per model read


# ---------------------------------------------------------------- chain IDs


def _rename_chains(full_data: Path, mapping: dict[str, str], shift: dict[str, int] | None = None):
    data = json.loads(full_data.read_text())
    shift = shift or {}
    data["token_res_ids"] = [r + shift.get(c, 0) for c, r in zip(data["token_chain_ids"], data["token_res_ids"])]
    data["token_chain_ids"] = [mapping[c] for c in data["token_chain_ids"]]
    data["atom_chain_ids"] = [mapping[c] for c in data["atom_chain_ids"]]
    full_data.write_text(json.dumps(data))


def test_chain_ids_that_differ_are_mapped_by_order(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    run = copy_run(fixtures_dir / AF3, tmp_path / "run")
    _rename_chains(run / "fold_5b8c_full_data_0.json", {"A": "X", "B": "Y", "C": "Z"})
    notes = []
    rows, _ = score(run, tfs, domains, notes=notes)
    assert_same(rows, score(fixtures_dir / AF3, tfs, domains)[0])
    assert "X->A, Y->B, Z->C" in notes[0].text


def test_chain_ids_and_residues_that_differ_fail_showing_both(fixtures_dir, af3_pair, tmp_path):
    tfs, domains = af3_pair
    run = copy_run(fixtures_dir / AF3, tmp_path / "run")
    _rename_chains(run / "fold_5b8c_full_data_0.json", {"A": "X", "B": "Y", "C": "Z"}, shift={"B": 5})
    with pytest.raises(PredictionError) as err:
        score(run, tfs, domains)
    message = str(err.value)
    n_b = next(read_run(fixtures_dir / AF3)).sequences["B"]
    assert f"Y: {len(n_b)} residues 6-{len(n_b) + 5}" in message and f"B: {len(n_b)} residues 1-{len(n_b)}" in message


# ---------------------------------------------------------------- the shard: warnings.tsv


def test_shard_writes_warnings_table(fixtures_dir, af3_pair, tmp_path):
    import pandas as pd

    tfs, domains = af3_pair
    run = copy_run(fixtures_dir / AF3, tmp_path / "run")
    (run / "fold_5b8c_summary_confidences_0.json").unlink()
    manifest = tmp_path / "shard_00000.tsv"
    pd.DataFrame([{"pair_id": "p", "tf_id": "MYB_25", "domain_id": "KIX", "prediction": str(run), "tf_chain": "",
                   "domain_chain": "", "format": "", "domain_category": "FAB",
                   "tf_sequence": tfs["MYB_25"].sequence, "domain_sequence": domains["KIX"].sequence}]
                 ).to_csv(manifest, sep="\t", index=False)
    out = {k: tmp_path / f"o.{k}" for k in ("models", "pairs", "failed", "warnings")}
    assert run_shard(manifest, out["models"], out["pairs"], out["failed"], SETTINGS, out["warnings"]) == (1, 0)
    table = pd.read_csv(out["warnings"], sep="\t")
    assert table.columns.tolist() == ["pair_id", "stage", "note"] and table["pair_id"].tolist() == ["p"]
    assert "summary_confidences_0.json" in table["note"][0]


def test_colabfold_job_without_its_scores_file_is_planned_and_fails_naming_it(fixtures_dir, tmp_path):
    seqs = next(read_run(fixtures_dir / CF)).sequences
    tfs = {t: SequenceRecord(t, seqs["C"], t) for t in ("MYB_25", "MYB_26")}
    domains = {"KIX": SequenceRecord("KIX", seqs["B"], "KIX")}
    batch = colabfold_batch(fixtures_dir, tmp_path / "runs" / "out", ["KIX_and_MYB_25", "KIX_and_MYB_26"])
    (batch / f"KIX_and_MYB_26_scores_rank_001_{CF_TAG}.json").unlink()
    plan = discover_pairs(tmp_path / "runs", tfs, domains)
    assert plan.pairs["pair_id"].tolist() == ["KIX_and_MYB_25", "KIX_and_MYB_26"]  # not silently dropped
    with pytest.raises(PredictionError, match="no KIX_and_MYB_26_scores_"):
        score(plan.pairs["prediction"][1], {"MYB_26": tfs["MYB_26"]}, domains)
    assert score(plan.pairs["prediction"][0], {"MYB_25": tfs["MYB_25"]}, domains)[0]  # its neighbour is read


def test_damaged_zip_and_duplicate_entries_are_refused(tmp_path):
    (tmp_path / "fold_a_and_b.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ArchiveError, match="not a readable zip archive"):
        list_archive(tmp_path / "fold_a_and_b.zip", 1 << 20)
    path = tmp_path / "dup.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "w") as zf:
        zf.writestr("fold_a_and_b_model_0.cif", "first")
        zf.writestr("fold_a_and_b_model_0.cif", "second")
    with pytest.raises(ArchiveError, match="appears twice"):
        list_archive(path, 1 << 20)
