"""Readers of AlphaFold2/AlphaPulldown, ColabFold and AlphaFold3 outputs, checked against the files.

Expected values are read independently from the fixture files (JSON, PDB/CIF text) or hard-coded
from them; temporary variants are built in ``tmp_path`` (the fixtures folder is never written).
"""

import csv
import gzip
import json
import lzma
import math
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import shared_fixtures
from tfbind.errors import PredictionError, RunWarning
from tfbind.readers import detect_format, read_run

AP = "alphapulldown_TEST_and_A0A075B6L2"
CF = "colabfold_5b8c"
AF3 = "af3_server_5b8c"
CF_TAG = "alphafold2_multimer_v3_model_4_seed_000"


@pytest.fixture
def fx() -> Path:
    return shared_fixtures()


def _copy(fx: Path, name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(fx / name, dest)
    return dest


def _load(path: Path):
    return json.loads(Path(path).read_text())


def _pdb_atom(path: Path, chain: str, resseq: int, atom: str, nth: int = 0):
    """Coordinates and B-factor of the nth matching ATOM record, parsed from the PDB text."""
    hits = [
        line for line in Path(path).read_text().splitlines()
        if line.startswith(("ATOM", "HETATM")) and line[21] == chain
        and int(line[22:26]) == resseq and line[12:16].strip() == atom
    ]
    line = hits[nth]
    return np.array([float(line[30:38]), float(line[38:46]), float(line[46:54])]), float(line[60:66])


# ---------------------------------------------------------------- format detection


def test_detect_format_fixtures(fx):
    assert detect_format(fx / AP) == "alphafold2"
    assert detect_format(fx / CF) == "colabfold"
    assert detect_format(fx / AF3) == "alphafold3"
    assert detect_format(fx / AP / "ranked_0.pdb") == "alphafold2"
    assert detect_format(fx / CF / f"5b8c_scores_{CF_TAG}.json") == "colabfold"
    assert detect_format(fx / CF / f"5b8c_unrelaxed_{CF_TAG}.pdb") == "colabfold"
    assert detect_format(fx / AF3 / "fold_5b8c_full_data_0.json") == "alphafold3"


def test_colabfold_folder_with_mmcif_models_is_colabfold(fx, tmp_path):
    """ColabFold writes its models as mmCIF with --save-all/--use-cif...: <job>_unrelaxed_<tag>.cif, which holds
    "_model_" too. Such a folder is ColabFold's, not ambiguous with an AlphaFold Server run."""
    import gemmi

    folder = tmp_path / "cf_cif"
    folder.mkdir()
    shutil.copy(fx / CF / f"5b8c_scores_{CF_TAG}.json", folder)
    st = gemmi.read_structure(str(fx / CF / f"5b8c_unrelaxed_{CF_TAG}.pdb"))
    st.setup_entities()
    st.make_mmcif_document().write_file(str(folder / f"5b8c_unrelaxed_{CF_TAG}.cif"))
    assert detect_format(folder) == "colabfold"
    model = next(read_run(folder))
    assert model.structure_path.suffix == ".cif" and model.n_residues == 370
    # an AlphaFold Server model beside it makes the folder ambiguous indeed
    shutil.copy(fx / AF3 / "fold_5b8c_model_0.cif", folder)
    with pytest.raises(PredictionError, match="ambiguous.*alphafold3, colabfold"):
        detect_format(folder)


def test_detect_format_errors(tmp_path):
    with pytest.raises(PredictionError, match="nowhere"):
        detect_format(tmp_path / "nowhere")
    empty = tmp_path / "empty_run"
    empty.mkdir()
    with pytest.raises(PredictionError, match="empty_run"):
        detect_format(empty)
    with pytest.raises(PredictionError, match="empty_run"):
        read_run(empty)
    with pytest.raises(PredictionError, match="empty_run"):
        read_run(empty, fmt="colabfold")
    with pytest.raises(PredictionError, match="empty_run"):
        read_run(empty, fmt="alphafold2")
    with pytest.raises(PredictionError, match="empty_run"):
        read_run(empty, fmt="alphafold3")
    with pytest.raises(PredictionError, match="unknown format"):
        read_run(empty, fmt="rosettafold")


# ---------------------------------------------------------------- AlphaFold2 / AlphaPulldown


def test_alphapulldown_run(fx):
    folder = fx / AP
    debug = _load(folder / "ranking_debug.json")
    models = list(read_run(folder))
    assert [m.model_name for m in models] == debug["order"]
    assert [m.model_rank for m in models] == list(range(5))
    for m in models:
        assert m.source_format == "alphafold2"
        assert m.iptm == pytest.approx(debug["iptm"][m.model_name])
        assert m.ranking_confidence == pytest.approx(debug["iptm+ptm"][m.model_name])
        # no result pickle: pTM from AlphaFold's definition iptm+ptm = 0.8 ipTM + 0.2 pTM, inverted by hand
        ptm = (debug["iptm+ptm"][m.model_name] - 0.8 * debug["iptm"][m.model_name]) / 0.2
        assert m.ptm == pytest.approx(ptm, rel=1e-12) and 0.0 <= m.ptm <= 1.0
        assert math.isnan(m.ranking_score)  # AlphaFold3's score only
        assert m.chain_pair_iptm == {}
        assert list(np.unique(m.chain_ids)) == ["B", "C"]
        assert (m.chain_ids == "B").sum() == 64 and (m.chain_ids == "C").sum() == 24
        assert m.pae.shape == (88, 88) and m.cb_coords.shape == (88, 3) and m.plddt.shape == (88,)
        pae = np.array(_load(folder / f"pae_{m.model_name}.json")[0]["predicted_aligned_error"])
        assert np.array_equal(m.pae, pae)
    top = models[0]
    # model_2: (0.103099058355066 - 0.8 x 0.0630861297249794) / 0.2 = 0.05263015457508248 / 0.2
    assert top.ptm == pytest.approx(0.2631507728754124, abs=1e-12)
    assert top.structure_path == folder / "ranked_0.pdb"
    assert len(top.sequences["B"]) == 64 and len(top.sequences["C"]) == 24
    assert top.sequences["B"].startswith("MESAIAEGG")
    # chain C restarts its numbering (fragments): residues stay separate, in file order.
    assert list(top.residue_numbers[64:80]) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 3, 4, 5, 3, 4]
    xyz, b = _pdb_atom(folder / "ranked_0.pdb", "B", 1, "CB")  # MET B 1 CB
    assert np.allclose(top.cb_coords[0], [-45.893, 37.261, 11.125]) and np.allclose(top.cb_coords[0], xyz)
    assert top.plddt[0] == pytest.approx(b)
    xyz, b = _pdb_atom(folder / "ranked_0.pdb", "B", 8, "CA")  # GLY B 8: CA
    assert np.allclose(top.cb_coords[7], xyz) and top.plddt[7] == pytest.approx(b)
    xyz, _ = _pdb_atom(folder / "ranked_0.pdb", "C", 2, "CB", nth=1)  # second PRO C 2
    assert np.allclose(top.cb_coords[64 + 10], xyz)


def test_read_run_is_lazy(fx, tmp_path):
    folder = _copy(fx, AP, tmp_path)
    last = _load(folder / "ranking_debug.json")["order"][-1]
    (folder / f"pae_{last}.json").write_text('[{"predicted_aligned_error": [[0.1, 0.2], [0.3')
    models = read_run(folder)
    first = next(models)
    assert first.model_rank == 0
    with pytest.raises(PredictionError, match=f"pae_{last}.json"):
        list(models)


def _pickle_payload(pae, ptm, iptm, conf):
    return {
        "plddt": np.full(pae.shape[0], 50.0),
        "predicted_aligned_error": pae.astype(np.float32),
        "ptm": np.array(ptm, dtype=np.float32),
        "iptm": np.array(iptm, dtype=np.float32),
        "ranking_confidence": float(conf),
    }


def test_alphafold2_pickles_and_unrelaxed_fallback(fx, tmp_path):
    folder = _copy(fx, AP, tmp_path)
    debug = _load(folder / "ranking_debug.json")
    del debug["iptm"]  # must then come from the pickles
    (folder / "ranking_debug.json").write_text(json.dumps(debug))
    writers = [lambda b: b, gzip.compress, lzma.compress, lambda b: b, gzip.compress]
    suffixes = [".pkl", ".pkl.gz", ".pkl.xz", ".pkl", ".pkl.gz"]
    expected = {}
    rng = np.random.default_rng(1)
    for rank, model in enumerate(debug["order"]):
        (folder / f"pae_{model}.json").unlink()
        (folder / f"ranked_{rank}.pdb").rename(folder / f"unrelaxed_{model}.pdb")
        pae = rng.uniform(0, 30, (88, 88))
        payload = _pickle_payload(pae, 0.3 + rank / 100, 0.05 + rank / 100, 0.9)
        expected[model] = payload
        (folder / f"result_{model}{suffixes[rank]}").write_bytes(writers[rank](pickle.dumps(payload)))
    models = list(read_run(folder, fmt="alphafold2"))
    assert [m.model_name for m in models] == debug["order"]
    for m in models:
        p = expected[m.model_name]
        assert np.allclose(m.pae, p["predicted_aligned_error"])
        assert m.ptm == pytest.approx(float(p["ptm"]))
        assert m.iptm == pytest.approx(float(p["iptm"]))
        assert m.ranking_confidence == pytest.approx(debug["iptm+ptm"][m.model_name])
        assert m.structure_path.name == f"unrelaxed_{m.model_name}.pdb"


def test_alphafold2_monomer_ranking_debug(fx, tmp_path):
    """A monomer's ranking_debug.json ranks by mean pLDDT (``plddts``): the order is kept, but that number is not
    0.8 ipTM + 0.2 pTM, so the ranking confidence is NaN rather than another quantity under its name."""
    folder = _copy(fx, AP, tmp_path)
    debug = _load(folder / "ranking_debug.json")
    plddts = {m: 70.0 + i for i, m in enumerate(debug["order"])}
    (folder / "ranking_debug.json").write_text(json.dumps({"plddts": plddts, "order": debug["order"]}))
    models = list(read_run(folder))
    assert [m.model_name for m in models] == debug["order"]
    assert all(math.isnan(m.iptm) and math.isnan(m.ptm) and math.isnan(m.ranking_confidence) for m in models)


def test_alphafold2_ptm_from_pickle_wins_else_derived(fx, tmp_path):
    """pTM: a result pickle's own ``ptm`` when it has one; a pickle without it (ipTM only) leaves pTM to
    ranking_debug.json's iptm+ptm and the pickle's ipTM."""
    folder = _copy(fx, AP, tmp_path)
    debug = _load(folder / "ranking_debug.json")
    del debug["iptm"]  # ipTM from the pickles
    (folder / "ranking_debug.json").write_text(json.dumps(debug))
    first, second = debug["order"][:2]
    with open(folder / f"result_{first}.pkl", "wb") as fh:
        pickle.dump({"ptm": np.float32(0.25), "iptm": np.float32(0.0625)}, fh)
    with open(folder / f"result_{second}.pkl", "wb") as fh:
        pickle.dump({"iptm": np.float32(0.0625)}, fh)  # 0.0625 and 0.25 are exact in float32
    by_name = {m.model_name: m for m in read_run(folder)}
    assert by_name[first].ptm == 0.25 and by_name[first].iptm == 0.0625
    assert by_name[first].ranking_confidence == pytest.approx(debug["iptm+ptm"][first])  # the reported value
    # model_1: (0.10040916566451638 - 0.8 x 0.0625) / 0.2 = 0.05040916566451638 / 0.2
    assert by_name[second].ptm == pytest.approx(0.2520458283225819, abs=1e-12)
    assert math.isnan(by_name[debug["order"][2]].iptm)  # neither ranking_debug nor a pickle: no ipTM
    assert math.isnan(by_name[debug["order"][2]].ptm)  # nor pTM
    assert by_name[debug["order"][2]].ranking_confidence == pytest.approx(debug["iptm+ptm"][debug["order"][2]])


@pytest.mark.parametrize("iptm_ptm, iptm, expected", [
    (0.4 + 0.2 * (1 + 5e-7), 0.5, 1.0),  # 1 + 5e-7: float rounding, clipped
    (0.4 - 0.2 * 5e-7, 0.5, 0.0),  # -5e-7: clipped
    (0.9, 0.1, None),  # (0.9 - 0.08) / 0.2 = 4.1: the two numbers do not belong together
    (0.02, 0.1, None),  # (0.02 - 0.08) / 0.2 = -0.3
])
def test_alphafold2_derived_ptm_outside_0_1(fx, tmp_path, iptm_ptm, iptm, expected):
    folder = _copy(fx, AP, tmp_path)
    debug = _load(folder / "ranking_debug.json")
    top = debug["order"][0]
    debug["iptm+ptm"][top], debug["iptm"][top] = iptm_ptm, iptm
    (folder / "ranking_debug.json").write_text(json.dumps(debug))
    if expected is None:
        with pytest.warns(RunWarning, match=f"ranking_debug.json: model {top}: pTM derived .* outside 0..1"):
            m = next(read_run(folder))
        assert math.isnan(m.ptm)
        assert m.ranking_confidence == iptm_ptm and m.iptm == iptm  # as reported; only pTM is withheld
    else:
        m = next(read_run(folder))
        assert m.ptm == expected


def test_alphafold2_errors(fx, tmp_path):
    folder = _copy(fx, AP, tmp_path)
    order = _load(folder / "ranking_debug.json")["order"]
    pae_file = folder / f"pae_{order[0]}.json"
    pae_file.write_text(pae_file.read_text()[:500])  # truncated
    with pytest.raises(PredictionError, match=pae_file.name):
        next(read_run(folder))
    pae_file.write_text(json.dumps([{"predicted_aligned_error": np.zeros((87, 87)).tolist()}]))
    with pytest.raises(PredictionError, match=f"{pae_file.name}.*87x87.*88") as err:
        next(read_run(folder))
    assert "ranked_0.pdb" in str(err.value)
    pae_file.write_text(json.dumps([{"max_predicted_aligned_error": 31.0}]))
    with pytest.raises(PredictionError, match="predicted_aligned_error"):
        next(read_run(folder))
    (folder / "ranked_2.pdb").unlink()
    with pytest.raises(PredictionError, match=order[2]):
        read_run(folder)
    (folder / "ranking_debug.json").unlink()
    # without ranking_debug.json the run is still read (a warning; tests/test_layouts.py), and the bad
    # PAE file of the top model still fails it
    with pytest.warns(RunWarning, match="ranking_debug.json"):
        models = read_run(folder, fmt="alphafold2")
    with pytest.raises(PredictionError, match="predicted_aligned_error"):
        next(models)


# ---------------------------------------------------------------- ColabFold


def test_colabfold_run(fx):
    folder = fx / CF
    scores = _load(folder / f"5b8c_scores_{CF_TAG}.json")
    models = list(read_run(folder))
    assert len(models) == 1
    m = models[0]
    assert (m.source_format, m.model_rank, m.model_name) == ("colabfold", 0, CF_TAG)
    assert m.iptm == pytest.approx(0.84) and m.iptm == scores["iptm"]
    assert m.ptm == pytest.approx(0.88) and m.ptm == scores["ptm"]
    # ColabFold ranks multimers by 0.8 ipTM + 0.2 pTM but does not write it: 0.8 x 0.84 + 0.2 x 0.88 = 0.848
    assert m.ranking_confidence == pytest.approx(0.848, abs=1e-12)
    assert math.isnan(m.ranking_score)
    assert [int((m.chain_ids == c).sum()) for c in "ABC"] == [139, 120, 111]
    assert {c: len(s) for c, s in m.sequences.items()} == {"A": 139, "B": 120, "C": 111}
    assert np.array_equal(m.pae, np.array(scores["pae"]))
    assert np.allclose(m.plddt, scores["plddt"], atol=0.01)
    assert np.allclose(m.cb_coords[0], [16.562, -0.394, -23.547])  # GLY A 1: CA
    xyz, _ = _pdb_atom(folder / f"5b8c_unrelaxed_{CF_TAG}.pdb", "A", 10, "CB")
    assert np.allclose(m.cb_coords[9], xyz)
    # a single scores file selects the run too
    assert next(read_run(folder / f"5b8c_scores_{CF_TAG}.json")).model_name == CF_TAG


def _colabfold_variant(fx, tmp_path, tags_scores, relaxed=(), scores_first=()):
    """Folder with copies of the fixture model under new tags, with given (iptm, ptm).

    Tags in ``scores_first`` put ptm/iptm before the large PAE (not at the end of the file)."""
    src = fx / CF
    scores = _load(src / f"5b8c_scores_{CF_TAG}.json")
    folder = tmp_path / "cf"
    folder.mkdir()
    for tag, (iptm, ptm) in tags_scores.items():
        data = {**scores, "iptm": iptm, "ptm": ptm}
        if tag in scores_first:
            data = {"ptm": ptm, "iptm": iptm, **{k: v for k, v in scores.items() if k not in ("ptm", "iptm")}}
        (folder / f"job_scores_{tag}.json").write_text(json.dumps(data))
        kind = "relaxed" if tag in relaxed else "unrelaxed"
        shutil.copy(src / f"5b8c_unrelaxed_{CF_TAG}.pdb", folder / f"job_{kind}_{tag}.pdb")
    (folder / "job_predicted_aligned_error_v1.json").write_text("[]")
    (folder / "config.json").write_text("{}")
    return folder


def test_colabfold_rank_from_names(fx, tmp_path):
    tags = {
        "rank_002_alphafold2_multimer_v3_model_1_seed_000": (0.9, 0.9),
        "rank_001_alphafold2_multimer_v3_model_3_seed_000": (0.5, 0.5),
        "rank_003_alphafold2_multimer_v3_model_2_seed_000": (0.7, 0.7),
    }
    folder = _colabfold_variant(fx, tmp_path, tags, relaxed={"rank_001_alphafold2_multimer_v3_model_3_seed_000"})
    # the unrelaxed twin of rank 1 exists too: relaxed is preferred
    shutil.copy(fx / CF / f"5b8c_unrelaxed_{CF_TAG}.pdb",
                folder / "job_unrelaxed_rank_001_alphafold2_multimer_v3_model_3_seed_000.pdb")
    models = list(read_run(folder))
    assert [m.model_name for m in models] == [
        "alphafold2_multimer_v3_model_3_seed_000",
        "alphafold2_multimer_v3_model_1_seed_000",
        "alphafold2_multimer_v3_model_2_seed_000",
    ]
    assert [m.iptm for m in models] == [0.5, 0.9, 0.7]
    assert "_relaxed_" in models[0].structure_path.name


def test_colabfold_rank_by_score_without_names(fx, tmp_path):
    tags = {
        "alphafold2_multimer_v3_model_1_seed_000": (0.60, 0.95),  # 0.670
        "alphafold2_multimer_v3_model_2_seed_000": (0.70, 0.20),  # 0.600
        "alphafold2_multimer_v3_model_3_seed_000": (0.65, 0.90),  # 0.700
    }
    folder = _colabfold_variant(fx, tmp_path, tags, scores_first={"alphafold2_multimer_v3_model_1_seed_000"})
    models = list(read_run(folder))
    assert [m.model_name[-12:-9] for m in models] == ["l_3", "l_1", "l_2"]
    assert [m.model_rank for m in models] == [0, 1, 2]


@pytest.mark.parametrize("text, value", [(b"0.85", 0.85), (b"-1e-2", -0.01), (b"NaN", None), (b"1e999", None),
                                         (b"1.2.3", None), (b"null", None)])
def test_colabfold_scores_peeked_under_the_shared_number_grammar(text, value):
    """ptm/iptm read from the end of a scores file (ranking without rank tags) follow ranges.parse_number:
    anything but a finite number is NaN, ranked last (float() took 1e999 as infinity, ranked first)."""
    from tfbind.readers.colabfold import _number

    got = _number(text)
    assert got == value if value is not None else np.isnan(got)


def test_colabfold_errors(fx, tmp_path):
    folder = _copy(fx, CF, tmp_path)
    scores_file = folder / f"5b8c_scores_{CF_TAG}.json"
    scores = _load(scores_file)
    scores["pae"] = [row[:369] for row in scores["pae"][:369]]
    scores_file.write_text(json.dumps(scores))
    with pytest.raises(PredictionError, match=f"{scores_file.name}.*369x369.*370"):
        next(read_run(folder))
    scores_file.write_text(json.dumps(scores)[:1000])
    with pytest.raises(PredictionError, match=scores_file.name):
        next(read_run(folder))
    (folder / f"5b8c_unrelaxed_{CF_TAG}.pdb").unlink()
    with pytest.raises(PredictionError, match="unrelaxed"):
        read_run(folder)


# ---------------------------------------------------------------- AlphaFold3 server


def _cif_atoms(path: Path) -> list[list[str]]:
    return [line.split() for line in Path(path).read_text().splitlines() if line.startswith(("ATOM ", "HETATM "))]


def test_af3_server_run(fx):
    folder = fx / AF3
    full = _load(folder / "fold_5b8c_full_data_0.json")
    summary = _load(folder / "fold_5b8c_summary_confidences_0.json")
    models = list(read_run(folder))
    assert len(models) == 1
    m = models[0]
    assert (m.source_format, m.model_rank) == ("alphafold3", 0)
    assert [int((m.chain_ids == c).sum()) for c in "ABC"] == [139, 120, 111]
    assert m.iptm == summary["iptm"] == 0.82
    assert m.ptm == summary["ptm"] == 0.87
    # 0.8 ipTM + 0.2 pTM = 0.656 + 0.174 = 0.830, the quantity AlphaFold2 writes as iptm+ptm ...
    assert m.ranking_confidence == pytest.approx(0.83, abs=1e-12)
    # ... and AlphaFold3's ranking_score kept apart: it adds 0.5 x fraction_disordered - 100 x has_clash,
    # here 0.830 + 0.5 x 0.06 - 0 = 0.860 (the summary's numbers have 2 decimals)
    assert m.ranking_score == summary["ranking_score"] == 0.86
    assert (summary["fraction_disordered"], summary["has_clash"]) == (0.06, 0.0)
    assert m.ranking_score == pytest.approx(m.ranking_confidence + 0.5 * 0.06 - 100 * 0.0, abs=0.01)
    assert m.chain_pair_iptm[("A", "B")] == summary["chain_pair_iptm"][0][1]
    assert m.chain_pair_iptm[("C", "B")] == summary["chain_pair_iptm"][2][1]
    assert len(m.chain_pair_iptm) == 9
    assert np.array_equal(m.pae, np.array(full["pae"]))  # standard residues only: one token each
    # VAL B 2: CB is atom 1106 of the CIF (index 1105); residue index 139 + 1
    atoms = _cif_atoms(folder / "fold_5b8c_model_0.cif")
    assert atoms[1105][3] == "CB" and atoms[1105][5:7] == ["VAL", "B"]
    assert np.allclose(m.cb_coords[140], [float(x) for x in atoms[1105][10:13]])
    assert m.plddt[140] == full["atom_plddts"][1105]
    assert m.residue_numbers[140] == 2


def test_af3_server_size_mismatch(fx, tmp_path):
    folder = _copy(fx, AF3, tmp_path)
    path = folder / "fold_5b8c_full_data_0.json"
    full = _load(path)
    full["atom_plddts"] = full["atom_plddts"][:-1]
    path.write_text(json.dumps(full))
    with pytest.raises(PredictionError, match="full_data_0.json.*atom_plddts"):
        next(read_run(folder))
    full = _load(fx / AF3 / "fold_5b8c_full_data_0.json")
    full["pae"] = [row[:-1] for row in full["pae"][:-1]]
    path.write_text(json.dumps(full))
    with pytest.raises(PredictionError, match="full_data_0.json"):
        next(read_run(folder))
    (folder / "fold_5b8c_summary_confidences_0.json").unlink()
    # a missing summary is a warning (the run is scored from the rest: tests/test_layouts.py); a missing
    # full_data (the PAE) fails the run
    (folder / "fold_5b8c_full_data_0.json").unlink()  # the PAE: without it the run fails
    with pytest.raises(PredictionError, match="full_data_0.json"):
        read_run(folder)


# ---------------------------------------------------------------- AlphaFold3 local, synthetic

# Chain A: ALA 1, SEP 2 (phosphoserine, HETATM, one token per heavy atom), GLY 3;
# chain B: acetate ligand (4 atoms, 4 tokens); chain C: GLY 1, ALA 2.
_RESIDUES = [
    ("ATOM", "A", "ALA", 1, ["N", "CA", "C", "O", "CB"]),
    ("HETATM", "A", "SEP", 2, ["N", "CA", "CB", "OG", "C", "O", "P", "O1P", "O2P", "O3P"]),
    ("ATOM", "A", "GLY", 3, ["N", "CA", "C", "O"]),
    ("HETATM", "B", "ACT", 1, ["C", "O", "OXT", "CH3"]),
    ("ATOM", "C", "GLY", 1, ["N", "CA", "C", "O"]),
    ("ATOM", "C", "ALA", 2, ["N", "CA", "C", "O", "CB"]),
]
_ENTITY = {"A": 1, "B": 2, "C": 3}


def _write_cif(path: Path, shift: float = 0.0):
    lines = [
        "data_job", "#",
        "loop_", "_entity.id", "_entity.type", "1 polymer", "2 non-polymer", "3 polymer", "#",
        "loop_", "_entity_poly.entity_id", "_entity_poly.type",
        "1 polypeptide(L)", "3 polypeptide(L)", "#",
        "loop_",
        *[f"_atom_site.{k}" for k in (
            "group_PDB", "id", "type_symbol", "label_atom_id", "label_alt_id", "label_comp_id",
            "label_asym_id", "label_entity_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x",
            "Cartn_y", "Cartn_z", "occupancy", "B_iso_or_equiv", "auth_seq_id", "auth_asym_id",
            "pdbx_PDB_model_num")],
    ]
    serial = 0
    for group, chain, comp, seq, names in _RESIDUES:
        for name in names:
            serial += 1
            element = "P" if name == "P" else name[0]
            label_seq = "." if chain == "B" else str(seq)
            lines.append(
                f"{group} {serial} {element} {name} . {comp} {chain} {_ENTITY[chain]} {label_seq} ? "
                f"{serial + shift:.3f} {2 * serial:.3f} {-serial:.3f} 1.00 {50 + serial:.2f} {seq} {chain} 1"
            )
    lines.append("#")
    path.write_text("\n".join(lines) + "\n")


def _token_lists():
    chains, res_ids = [], []
    for group, chain, comp, seq, names in _RESIDUES:
        n = 1 if comp in ("ALA", "GLY") else len(names)
        chains += [chain] * n
        res_ids += [seq] * n
    return chains, res_ids


def _write_model(folder: Path, prefix: str, seed_val: int, ranking_score: float):
    folder.mkdir(parents=True, exist_ok=True)
    _write_cif(folder / f"{prefix}model.cif", shift=seed_val)
    chains, res_ids = _token_lists()
    n_atoms = sum(len(r[4]) for r in _RESIDUES)
    rng = np.random.default_rng(seed_val)
    pae = rng.uniform(0, 30, (len(chains), len(chains))).round(2)
    conf = {
        "pae": pae.tolist(),
        "atom_plddts": (np.arange(n_atoms) + 10.0 + seed_val).tolist(),
        "atom_chain_ids": [r[1] for r in _RESIDUES for _ in r[4]],
        "token_chain_ids": chains,
        "token_res_ids": res_ids,
        "contact_probs": np.zeros_like(pae).tolist(),
    }
    (folder / f"{prefix}confidences.json").write_text(json.dumps(conf))
    summary = {
        "iptm": 0.5 + seed_val / 100, "ptm": 0.6, "ranking_score": ranking_score,
        "chain_pair_iptm": [[0.1, 0.2, 0.3], [0.2, 0.4, 0.5], [0.3, 0.5, 0.6]],
    }
    (folder / f"{prefix}summary_confidences.json").write_text(json.dumps(summary))
    return pae, conf


# CA tokens by hand: ALA A1 -> 0; SEP A2 tokens 1..10, CA is its 2nd heavy atom -> 2;
# GLY A3 -> 11; acetate tokens 12..15 dropped; GLY C1 -> 16; ALA C2 -> 17.
_CA_TOKENS = [0, 2, 11, 16, 17]
# Atoms (CIF order): ALA1 0-4 (CB 4), SEP2 5-14 (CB 7), GLY3 15-18 (CA 16), ACT 19-22,
# GLY C1 23-26 (CA 24), ALA C2 27-31 (CB 31).
_PLDDT_ATOMS = [4, 7, 16, 24, 31]


def test_af3_local_token_reduction(tmp_path):
    job = tmp_path / "tf_job"
    pae, conf = _write_model(job, "tf_job_", 0, 0.7)
    assert detect_format(job) == "alphafold3"
    models = list(read_run(job))
    assert len(models) == 1
    m = models[0]
    assert m.model_name == "tf_job"
    assert list(m.chain_ids) == ["A", "A", "A", "C", "C"]
    assert list(m.residue_numbers) == [1, 2, 3, 1, 2]
    assert m.sequences == {"A": "ASG", "C": "GA"}
    expected = pae[np.ix_(_CA_TOKENS, _CA_TOKENS)]
    assert np.array_equal(m.pae, expected)
    assert m.pae[1, 3] == pae[2, 16]
    assert np.array_equal(m.plddt, np.array(conf["atom_plddts"])[_PLDDT_ATOMS])
    assert np.allclose(m.cb_coords[1], [8.0, 16.0, -8.0])  # SEP CB is atom 8
    assert m.chain_pair_iptm[("A", "C")] == 0.3 and m.chain_pair_iptm[("B", "C")] == 0.5
    assert m.ranking_score == 0.7 and m.iptm == 0.5 and m.ptm == 0.6
    assert m.ranking_confidence == pytest.approx(0.8 * 0.5 + 0.2 * 0.6)  # 0.52


@pytest.mark.parametrize("new_names", [True, False])
def test_af3_local_samples_ranked(tmp_path, new_names):
    job = tmp_path / "tf_job"
    scores = {(1, 0): 0.61, (1, 1): 0.83, (2, 0): 0.72}
    paes = {}
    for (seed, sample), score in scores.items():
        prefix = f"tf_job_seed-{seed}_sample-{sample}_" if new_names else ""
        paes[(seed, sample)], _ = _write_model(
            job / f"seed-{seed}_sample-{sample}", prefix, seed * 10 + sample, score)
    top_pae, _ = _write_model(job, "tf_job_", 11, 0.83)  # top-level files: AlphaFold3's own top model
    if new_names:  # the csv decides (summaries deliberately disagree with it here)
        with open(job / "tf_job_ranking_scores.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["seed", "sample", "ranking_score"])
            for (seed, sample), score in scores.items():
                writer.writerow([seed, sample, score])
        summary = job / "seed-2_sample-0" / "tf_job_seed-2_sample-0_summary_confidences.json"
        data = _load(summary)
        data["ranking_score"] = 0.99
        summary.write_text(json.dumps(data))
    models = list(read_run(job))
    assert [m.model_name for m in models] == ["seed-1_sample-1", "seed-2_sample-0", "seed-1_sample-0"]
    assert [m.model_rank for m in models] == [0, 1, 2]
    # rank 0 is read from the top-level files (named after the sample they copy, not counted twice)
    assert np.array_equal(models[0].pae, top_pae[np.ix_(_CA_TOKENS, _CA_TOKENS)])
    assert np.array_equal(models[2].pae, paes[(1, 0)][np.ix_(_CA_TOKENS, _CA_TOKENS)])
    assert models[0].structure_path.parent == job


def _write_ranking_csv(job: Path, scores: dict) -> None:
    with open(job / "tf_job_ranking_scores.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["seed", "sample", "ranking_score"])
        for (seed, sample), score in scores.items():
            writer.writerow([seed, sample, score])


@pytest.mark.parametrize("csv_scores", [True, False])
def test_af3_local_top_model_among_tied_samples_is_the_one_it_copies(tmp_path, csv_scores):
    """Samples (1,0) and (1,1) tie at 0.8 (in ranking_scores.csv, else in their summaries); the top-level
    files copy (1,1). The top model is named seed-1_sample-1 and (1,0) is read as rank 1: each sample once.
    (Naming it after the first tie, (1,0), read (1,1) twice and (1,0) never.)"""
    job = tmp_path / "tf_job"
    scores = {(1, 0): 0.8, (1, 1): 0.8, (2, 0): 0.5}
    paes = {}
    for (seed, sample), score in scores.items():
        paes[(seed, sample)], _ = _write_model(job / f"seed-{seed}_sample-{sample}",
                                               f"tf_job_seed-{seed}_sample-{sample}_", seed * 10 + sample, score)
    _write_model(job, "tf_job_", 11, 0.8)  # the top level repeats sample (1,1) (seed value 11) byte for byte
    if csv_scores:
        _write_ranking_csv(job, scores)
    models = list(read_run(job))
    assert [m.model_name for m in models] == ["seed-1_sample-1", "seed-1_sample-0", "seed-2_sample-0"]
    for model, key in zip(models, [(1, 1), (1, 0), (2, 0)]):
        assert np.array_equal(model.pae, paes[key][np.ix_(_CA_TOKENS, _CA_TOKENS)])
    assert models[0].structure_path.parent == job


def test_af3_local_top_model_of_a_deleted_tied_sample(tmp_path):
    """The top level copies (1,1), whose folder was deleted; (1,0) ties with it. No folder matches, so the
    top model is the deleted sample and (1,0) is read as a model of its own."""
    job = tmp_path / "tf_job"
    _write_model(job / "seed-1_sample-0", "tf_job_seed-1_sample-0_", 10, 0.8)
    _write_model(job, "tf_job_", 11, 0.8)
    _write_ranking_csv(job, {(1, 0): 0.8, (1, 1): 0.8})
    assert [m.model_name for m in read_run(job)] == ["seed-1_sample-1", "seed-1_sample-0"]


def test_af3_local_demo_run_with_tied_ranking_scores(tmp_path):
    """The demo writes ranking_scores.csv with two decimals: TAZ2_and_SYNTF01_03 (seed 7) has 0.27, 0.28,
    0.28, and its unrounded best is sample 2, whose files the top level repeats. Each of the three samples is
    read once, the top model as seed-1_sample-2, with the sample's own numbers."""
    from tfbind.demo import write_predictions

    pid = "TAZ2_and_SYNTF01_03"
    write_predictions(tmp_path, pair_ids=[pid])
    run = tmp_path / pid
    rows = list(csv.DictReader((run / f"{pid}_ranking_scores.csv").open()))
    assert [r["ranking_score"] for r in rows] == ["0.27", "0.28", "0.28"]  # the tie this test is about
    models = list(read_run(run))
    assert [m.model_name for m in models] == ["seed-1_sample-2", "seed-1_sample-1", "seed-1_sample-0"]
    for model in models:
        alone = next(read_run(run / model.model_name))  # the sample folder read on its own
        assert np.array_equal(model.pae, alone.pae) and np.array_equal(model.plddt, alone.plddt)
    assert not np.array_equal(models[0].pae, models[1].pae)


def test_af3_token_mismatch(tmp_path):
    job = tmp_path / "tf_job"
    _, conf = _write_model(job, "tf_job_", 0, 0.7)
    # drop one SEP token: 9 tokens for a residue with 10 heavy atoms
    drop = 3
    conf["token_chain_ids"].pop(drop)
    conf["token_res_ids"].pop(drop)
    conf["pae"] = np.delete(np.delete(np.array(conf["pae"]), drop, 0), drop, 1).tolist()
    (job / "tf_job_confidences.json").write_text(json.dumps(conf))
    with pytest.raises(PredictionError, match="tf_job_confidences.json.*9 tokens.*10 heavy atoms"):
        next(read_run(job))


# ---------------------------------------------------------------------------------------------
# Fast paths of readers/structure.py: they must agree with the exact (slow) code they skip.
# ---------------------------------------------------------------------------------------------

def _atom_line(serial: int, name: str, res: str, chain: str, num: int, x: float, altloc: str = " ",
               element: str = "C") -> str:
    return (f"ATOM  {serial:>5} {name:<4}{altloc}{res:>3} {chain}{num:>4}    "
            f"{x:8.3f}{0.0:8.3f}{0.0:8.3f}{1.0:6.2f}{50.0:6.2f}          {element:>2}\n")


def test_repeat_precheck_never_misses_a_restart():
    from tfbind.readers.structure import _may_repeat_residues, _separate_repeated_residues

    plain = "".join(_atom_line(i, "CA", "ALA", "A", i, i) for i in range(1, 6))
    restart = plain + "".join(_atom_line(10 + i, "CA", "GLY", "A", i, i) for i in range(1, 3))
    models = "MODEL        1\n" + plain + "ENDMDL\nMODEL        2\n" + plain + "ENDMDL\n"
    two_chains = plain + plain.replace(" A ", " B ")
    for text in (plain, restart, models, two_chains, "", "HEADER\n"):
        exact = _separate_repeated_residues(text) is not None
        assert _may_repeat_residues(text) or not exact
    assert _may_repeat_residues(restart) and _separate_repeated_residues(restart) is not None
    assert not _may_repeat_residues(plain) and not _may_repeat_residues(models)


def test_atom_table_first_conformer_matches_gemmi():
    import gemmi

    from tfbind.readers.structure import atom_table

    lines = [_atom_line(1, "N", "SER", "A", 1, 0.0, element="N"),
             _atom_line(2, "CA", "SER", "A", 1, 1.0, "A"), _atom_line(3, "CA", "SER", "A", 1, 1.1, "B"),
             _atom_line(4, "CB", "SER", "A", 1, 2.0, "A"), _atom_line(5, "CB", "SER", "A", 1, 2.1, "B"),
             _atom_line(6, "OG", "SER", "A", 1, 3.0, element="O"),
             _atom_line(7, "CA", "GLY", "A", 2, 5.0)]
    st = gemmi.read_pdb_string("".join(lines))
    st.setup_entities()
    table = atom_table(st)
    expected = [(a.name, round(a.pos.x, 3)) for res in st[0]["A"] for a in res.first_conformer()]
    got = list(zip(table.atom_name[table.first_conformer].tolist(),
                   np.round(table.xyz[table.first_conformer, 0], 3).tolist()))
    assert got == expected


def test_load_json_accepts_what_json_accepts(tmp_path):
    from tfbind.readers.structure import load_json

    path = tmp_path / "x.json"
    path.write_text('{"a": NaN, "b": [1, 2.5], "c": Infinity}')
    data = load_json(path)
    assert math.isnan(data["a"]) and data["b"] == [1, 2.5] and data["c"] == math.inf
    path.write_text('{"a": [1, 2')
    with pytest.raises(PredictionError, match="invalid or truncated JSON"):
        load_json(path)
