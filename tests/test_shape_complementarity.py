"""Shape complementarity (tfbind.metrics.shape_complementarity) against values worked out elsewhere: Rosetta's unit
test of its ShapeComplementarityCalculator (../shared/fixtures/sc_reference), the library called on atoms that
Biopython or a plain column parser reads from the real AlphaFold fixtures, and the sc radii library's table. No
second, independent Sc implementation installs from PyPI here: ``protein-interface`` 0.1.3, the only other one
listed, bundles the same sc-rs code (its wheel vendors ``vendor/sc-rs``), so it would compare sc-rs with itself.
"""

import json
import math
import os
import re
import signal
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import shape_complementarity as scpkg

from helpers import biopython_heavy_atoms
from tfbind.features.extract import PairTimeout, extract_pair, run_shard, time_limit
from tfbind.metrics import shape_complementarity as scmod
from tfbind.metrics.shape_complementarity import (
    SC_KEYS,
    compute,
    structure_shape_complementarity,
)
from tfbind.plan.sequences import SequenceRecord
from tfbind.plan.settings import ExtractSettings
from tfbind.readers import read_run
from tfbind.readers.structure import read_structure

CF = "colabfold_5b8c/5b8c_unrelaxed_alphafold2_multimer_v3_model_4_seed_000.pdb"
AF3 = "af3_server_5b8c/fold_5b8c_model_0.cif"
AP = "alphapulldown_TEST_and_A0A075B6L2"
REFERENCE = "sc_reference/sc_NNQQNY.pdb"

# Rosetta's test/core/scoring/sc.cxxtest.hh on sc_NNQQNY.pdb, chain A vs chain B (../shared/fixtures/sc_reference).
ROSETTA_SC, ROSETTA_AREA, ROSETTA_DISTANCE = 0.714775, 950.14, 0.5008

# The sc radii library (CCP4 sc; Rosetta database/scoring/score_functions/sc/sc_radii.lib), the entries that can
# match a heavy atom of an amino acid, in the library's order (first match wins; "X*" = X then anything).
SC_RADII_LIB = """
ALA CB 1.95  ARG NH* 1.70  ARG CZ 1.80  ARG NE 1.65  ARG CD 1.90  ARG CG 1.90  ASN ND2 1.70  ASN OD1 1.60
ASN CG 1.80  ASP OD* 1.60  ASP CG 1.80  GLN NE2 1.70  GLN OE1 1.60  GLN CD 1.80  GLN CG 1.90  GLU OE* 1.60
GLU CD 1.80  GLU CG 1.90  GLY CA 1.90  HIS CD2 1.90  HIS NE2 1.65  HIS CE1 1.90  HIS ND1 1.65  HIS CG 1.80
ILE CD1 1.95  ILE CG1 1.90  ILE CB 1.85  ILE CG2 1.95  LEU CD* 1.95  LEU CG 1.85  LYS NZ 1.75  LYS CE 1.90
LYS CD 1.90  LYS CG 1.90  MET CE 1.95  MET CG 1.90  PHE CD* 1.90  PHE CE* 1.90  PHE CZ 1.90  PHE CG 1.80
PRO CD 1.90  PRO CG 1.90  SER OG 1.70  THR CG2 1.95  THR OG1 1.70  THR CB 1.85  TRP CE2 1.80  TRP CE3 1.90
TRP CD1 1.90  TRP CD2 1.80  TRP CZ* 1.90  TRP CH2 1.90  TRP NE1 1.65  TRP CG 1.80  TYR OH 1.70  TYR CD* 1.90
TYR CE* 1.90  TYR CZ 1.80  TYR CG 1.80  VAL CG* 1.95  VAL CB 1.85  * C 1.80  * CA 1.85  * CB 1.90  * C* 1.85
* N 1.65  * N* 1.65  * O 1.60  * O* 1.60  * OXT 1.60  * OT* 1.60  * S* 1.90  * P* 2.15
"""


def _lib_radius(residue: str, atom: str) -> float:
    entries = SC_RADII_LIB.split()
    for res, name, radius in zip(entries[0::3], entries[1::3], entries[2::3]):
        res_ok = res == "*" or res == residue
        name_ok = atom.startswith(name[:-1]) and len(atom) >= len(name) if name.endswith("*") else atom == name
        if res_ok and name_ok:
            return float(radius)
    raise KeyError((residue, atom))


def _library(a, b):
    """compute_sc itself on two (coords, names, residue names) groups, one thread."""
    return scpkg.compute_sc(np.asarray(a[0]), list(a[1]), list(a[2]), np.asarray(b[0]), list(b[1]), list(b[2]),
                            parallel=False)


@lru_cache(maxsize=None)
def _independent(path: Path, chain_a: str, chain_b: str):
    """(Biopython's atoms of the two chains, compute_sc on them): computed once per module (about 1 s each)."""
    a, b = biopython_heavy_atoms(path, chain_a), biopython_heavy_atoms(path, chain_b)
    return a, b, _library(a, b)


@lru_cache(maxsize=None)
def _ours(path: Path, chain_a: str, chain_b: str):
    return structure_shape_complementarity(read_structure(path), chain_a, chain_b)


def _pdb_columns(path: Path, chain: str):
    """Heavy atoms of ``chain`` from the ATOM records' fixed columns (no parser library), first model."""
    coords, names, residues = [], [], []
    for line in path.read_text().splitlines():
        if line.startswith("ENDMDL"):
            break
        if line.startswith("ATOM") and line[21] == chain and line[76:78].strip() not in ("H", "D"):
            coords.append([float(line[30:38]), float(line[38:46]), float(line[46:54])])
            names.append(line[12:16].strip())
            residues.append(line[17:20].strip())
    return np.array(coords), names, residues


# ------------------------------------------------------------------------------------------ reference values


def test_rosetta_reference_structure(fixtures_dir):
    """Rosetta's unit-test structure read as the pipeline reads structures (gemmi): all 270 + 270 heavy atoms,
    Sc and area within Rosetta's test tolerance (0.001; 1 A^2 for the area)."""
    result = structure_shape_complementarity(read_structure(fixtures_dir / REFERENCE), "A", "B")
    assert (result.n_atoms_a, result.n_atoms_b) == (270, 270) and result.problem is None
    assert result.sc == pytest.approx(ROSETTA_SC, abs=0.001)
    assert result.area == pytest.approx(ROSETTA_AREA, abs=1.0)
    # the median distance is not in Rosetta's test; sc-rs's dots give 0.5019 against Rosetta's 0.5008
    assert result.median_distance == pytest.approx(ROSETTA_DISTANCE, abs=0.002)
    assert result.columns() == dict(zip(SC_KEYS, (result.sc, result.area, result.median_distance)))


def test_swapping_the_chains_gives_the_same_value(fixtures_dir):
    st = read_structure(fixtures_dir / CF)
    forward, backward = (structure_shape_complementarity(st, a, b) for a, b in (("A", "C"), ("C", "A")))
    assert forward.columns() == backward.columns() and forward.sc > 0


def test_radii_are_the_sc_radii_library(fixtures_dir, monkeypatch, capfd):
    """The radius sc-rs gives every atom type of the 20 amino acids (its ATOMIC_RADII_DEBUG trace) is the sc radii
    library's (Lawrence & Colman's CCP4 sc, as Rosetta ships it)."""
    monkeypatch.setenv("ATOMIC_RADII_DEBUG", "1")
    capfd.readouterr()
    structure_shape_complementarity(read_structure(fixtures_dir / CF), "A", "B")
    trace = capfd.readouterr().err
    assigned = {(m[1], m[2]): float(m[3]) for m in re.finditer(r"matched (\w+):(\w+) via pattern \S+ .*=> ([\d.]+)",
                                                                 trace)}
    assert {res for res, _ in assigned} == set("ALA ARG ASN ASP CYS GLN GLU GLY HIS ILE LEU LYS MET PHE PRO SER THR "
                                               "TRP TYR VAL".split())
    assert len(assigned) > 160  # every heavy atom type of the 20 amino acids present in chains A and B
    wrong = {key: (got, _lib_radius(*key)) for key, got in assigned.items() if got != _lib_radius(*key)}
    assert not wrong, wrong
    assert assigned[("TYR", "OH")] == 1.70


def test_a_radii_file_in_the_environment_is_ignored(fixtures_dir, monkeypatch, tmp_path):
    """sc-rs reads its radii from $ATOMIC_RADII when set (here: every atom 1.2 A, which changes the library's own
    result); the module's value does not depend on it."""
    st = read_structure(fixtures_dir / REFERENCE)
    expected = structure_shape_complementarity(st, "A", "B")
    radii = tmp_path / "radii.json"
    radii.write_text(json.dumps([{"residue": "*", "atom": "*", "radius": 1.2}]))
    monkeypatch.setenv("ATOMIC_RADII", str(radii))
    a = _pdb_columns(fixtures_dir / REFERENCE, "A")
    b = _pdb_columns(fixtures_dir / REFERENCE, "B")
    assert abs(_library(a, b).sc - expected.sc) > 0.01  # the library alone follows the variable
    assert structure_shape_complementarity(st, "A", "B") == expected
    assert os.environ["ATOMIC_RADII"] == str(radii)  # restored after the call


# ------------------------------------------------------------------------------------------ the atoms passed


def test_tyrosine_oh_is_kept(fixtures_dir):
    """5b8c chains C (TF) and B (domain) have tyrosine OH atoms at the interface (within 4 A of the other chain).
    The module passes every heavy atom, OH included, and equals compute_sc on all heavy atoms read by Biopython;
    the package's from_pdb drops the OH atoms (its hydrogen test takes names ending in H) and gives another Sc."""
    path = fixtures_dir / CF
    c, b, everything = _independent(path, "C", "B")
    oh_c = [i for i, (n, r) in enumerate(zip(c[1], c[2])) if (n, r) == ("OH", "TYR")]
    oh_b = [i for i, (n, r) in enumerate(zip(b[1], b[2])) if (n, r) == ("OH", "TYR")]
    gap = min(np.linalg.norm(b[0] - c[0][i], axis=1).min() for i in oh_c)
    assert oh_c and oh_b and gap < 4.0
    ours = _ours(path, "C", "B")
    assert (ours.n_atoms_a, ours.n_atoms_b) == (len(c[0]), len(b[0]))
    assert ours.sc == pytest.approx(everything.sc, abs=1e-6)
    assert ours.area == pytest.approx(everything.trimmed_area, abs=1e-4)
    dropped = scpkg.from_pdb(str(path), ["C"], ["B"], parallel=False)
    assert (dropped.atoms_a, dropped.atoms_b) == (len(c[0]) - len(oh_c), len(b[0]) - len(oh_b))
    assert abs(dropped.sc - ours.sc) > 0.005


@pytest.mark.parametrize(("path", "chain_a", "chain_b"), [
    (CF, "C", "B"), (CF, "A", "B"), (AF3, "C", "B"), (AF3, "A", "C"),
])  # fmt: skip
def test_real_models_equal_the_library_on_atoms_read_by_biopython(fixtures_dir, path, chain_a, chain_b):
    ours = _ours(fixtures_dir / path, chain_a, chain_b)
    a, b, expected = _independent(fixtures_dir / path, chain_a, chain_b)
    assert (ours.n_atoms_a, ours.n_atoms_b) == (len(a[0]), len(b[0]))
    assert ours.sc == pytest.approx(expected.sc, abs=1e-6)
    assert ours.area == pytest.approx(expected.trimmed_area, abs=1e-4)
    assert ours.median_distance == pytest.approx(expected.median_distance, abs=1e-6)
    assert 0.4 < ours.sc < 0.9 and ours.area > 300 and ours.problem is None


# ------------------------------------------------------------------------------------------ no interface, errors


def test_chains_that_do_not_touch_give_zero(fixtures_dir):
    """The AlphaPulldown non-binder: in ranked_0 the chains meet only at the 8 A cutoff (the library returns Sc 0
    with area 0), in ranked_1 not at all (the library raises "No molecular dots generated"). Both are Sc 0 and
    area 0 (no facing surface; median distance undefined) without a note."""
    for model, library_says in (("ranked_0.pdb", "zero"), ("ranked_1.pdb", "no dots")):
        path = fixtures_dir / AP / model
        a, b = _pdb_columns(path, "C"), _pdb_columns(path, "B")
        if library_says == "zero":
            raw = _library(a, b)
            assert (raw.sc, raw.trimmed_area) == (0.0, 0.0)
        else:
            with pytest.raises(ValueError, match="No molecular dots generated"):
                _library(a, b)
        result = structure_shape_complementarity(read_structure(path), "C", "B")
        assert (result.sc, result.area) == (0.0, 0.0) and math.isnan(result.median_distance)
        assert result.problem is None


def test_overlapping_atoms_give_nan_and_name_the_atoms(fixtures_dir):
    """ranked_3 of the AlphaPulldown run holds chain C's fragments on top of each other (two Pro 2 CA atoms 0.01 A
    apart, as the plain columns show): the library refuses it; the outcome is NaN with its message and the
    residues of the atoms it cites."""
    path = fixtures_dir / AP / "ranked_3.pdb"
    c = _pdb_columns(path, "C")
    ca = [i for i, (n, r) in enumerate(zip(c[1], c[2])) if (n, r) == ("CA", "PRO")]
    assert len(ca) == 2 and np.linalg.norm(c[0][ca[0]] - c[0][ca[1]]) < 0.01
    with pytest.raises(ValueError, match="Overlapping atoms detected"):
        _library(c, _pdb_columns(path, "B"))
    result = structure_shape_complementarity(read_structure(path), "C", "B")
    assert math.isnan(result.sc) and math.isnan(result.area)
    assert result.problem.startswith("sc-rs: ValueError: Overlapping atoms detected:")
    # the library numbers atoms from 1 over chain C (molecule A) then B: chain C's atoms in file order
    assert result.problem.endswith(f"[atom {ca[0] + 1} = chain C PRO 2 CA; atom {ca[1] + 1} = chain C PRO 2 CA]")


def _fake_library(monkeypatch, outcome):
    def fake(*args, **kwargs):
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
    monkeypatch.setattr(scmod, "compute_sc", fake)


ONE = ([[0.0, 0.0, 0.0]], ["CA"], ["GLY"])


def test_a_rust_panic_is_an_outcome_but_an_interrupt_is_not(monkeypatch):
    PanicException = type("PanicException", (BaseException,), {})  # pyo3_runtime.PanicException's base
    _fake_library(monkeypatch, PanicException("index out of bounds"))
    result = compute(*ONE, *ONE)
    assert math.isnan(result.sc) and result.problem == "sc-rs: PanicException: index out of bounds"
    _fake_library(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        compute(*ONE, *ONE)


# ------------------------------------------------------------------ the library in a child process (time limit)


def _count_calls(monkeypatch, name: str) -> list:
    """Replace ``scmod.<name>`` by a spy that calls it and appends 1 to the returned list per call."""
    calls = []
    real = getattr(scmod, name)

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(scmod, name, spy)
    return calls


def test_a_large_complex_under_a_time_limit_is_computed_in_a_child_with_the_same_values(fixtures_dir, monkeypatch):
    """5b8c chains A and C (139 + 111 residues, 1,937 heavy atoms): the same three numbers
    from a child process as in the process, and the child is used only under a time limit above ISOLATE_ATOMS."""
    st = read_structure(fixtures_dir / CF)
    in_process = structure_shape_complementarity(st, "A", "C")
    calls = _count_calls(monkeypatch, "_in_child")
    monkeypatch.setattr(scmod, "ISOLATE_ATOMS", in_process.n_atoms_a + in_process.n_atoms_b - 1)
    with time_limit(120):
        isolated = structure_shape_complementarity(st, "A", "C")
    assert calls == [1] and isolated == in_process and in_process.sc > 0
    structure_shape_complementarity(st, "A", "C")  # no time limit: in the process
    monkeypatch.setattr(scmod, "ISOLATE_ATOMS", in_process.n_atoms_a + in_process.n_atoms_b)
    with time_limit(120):
        structure_shape_complementarity(st, "A", "C")  # not above the bound: in the process
    assert calls == [1]


def test_the_time_limit_stops_a_library_call_that_ignores_signals(monkeypatch):
    """A call that holds the time limit's signal off for 30 s, as a long Rust call does (signal handlers run only
    when it returns): in the child, the pair stops at its 0.5 s limit and the child is killed and reaped."""
    def stuck(*args, **kwargs):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(30)
    monkeypatch.setattr(scmod, "compute_sc", stuck)
    children = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid
    monkeypatch.setattr(scmod.os, "fork", fork)
    start = time.monotonic()
    with pytest.raises(PairTimeout), time_limit(0.5):
        compute(*ONE, *ONE, isolate=True)
    assert time.monotonic() - start < 10  # not the 30 s of the call
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)  # the child is gone: killed and reaped


def test_a_child_that_dies_costs_that_models_value_only(monkeypatch):
    monkeypatch.setattr(scmod, "compute_sc", lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
    result = compute(*ONE, *ONE, isolate=True)
    assert math.isnan(result.sc) and math.isnan(result.area)
    assert result.problem == "sc-rs: the library's process ended without a result (killed by signal 9)"


def test_library_errors_and_panics_come_back_from_the_child(monkeypatch):
    PanicException = type("PanicException", (BaseException,), {})
    for error, expected in ((ValueError("Overlapping atoms detected: 3:PRO:CA"),
                             "sc-rs: ValueError: Overlapping atoms detected: 3:PRO:CA"),
                            (PanicException("index out of bounds"), "sc-rs: PanicException: index out of bounds")):
        _fake_library(monkeypatch, error)
        assert compute(*ONE, *ONE, isolate=True).problem == expected
    _fake_library(monkeypatch, ValueError("No molecular dots generated"))
    assert compute(*ONE, *ONE, isolate=True).columns()["sc_area"] == 0.0  # no interface, as in the process


@pytest.mark.parametrize(("sc", "area", "distance", "defined"), [
    (0.0, 0.0, 0.0, False),  # no trimmed dots at all
    (0.0, 0.0745, 0.0, False),  # dots on one surface only (a demo complex): no pair of facing dots
    (0.61, 120.0, 0.7, True),
])  # fmt: skip
def test_sc_is_zero_without_facing_dots(monkeypatch, sc, area, distance, defined):
    result = type("ScResult", (), {"sc": sc, "trimmed_area": area, "median_distance": distance})()
    _fake_library(monkeypatch, result)
    out = compute(*ONE, *ONE)
    assert out.problem is None
    if defined:
        assert (out.sc, out.area, out.median_distance) == (sc, area, distance)
    else:
        assert (out.sc, out.area) == (0.0, 0.0) and math.isnan(out.median_distance)


def test_same_chain_twice_is_an_error(fixtures_dir):
    with pytest.raises(ValueError, match="given twice"):
        structure_shape_complementarity(read_structure(fixtures_dir / REFERENCE), "A", "A")


# ------------------------------------------------------------------------------------------ settings


def test_settings():
    assert ExtractSettings().shape_complementarity == "top"
    with pytest.raises(ValueError, match="features.shape_complementarity: 'some' is not one of top, all, off"):
        ExtractSettings(shape_complementarity="some")
    # YAML 1.1 reads an unquoted `off` as false
    assert ExtractSettings.from_config({"features": {"shape_complementarity": False}}).shape_complementarity == "off"
    assert ExtractSettings.from_config({"features": {"shape_complementarity": "all"}}).shape_complementarity == "all"
    top, every, off = (ExtractSettings(shape_complementarity=m) for m in ("top", "all", "off"))
    assert [top.computes_sc(True), top.computes_sc(False)] == [True, False]
    assert [every.computes_sc(True), every.computes_sc(False), off.computes_sc(True)] == [True, True, False]


# ------------------------------------------------------------------------------------------ feature extraction


def _pair(fixtures_dir, run, tf_chain, domain_chain):
    seqs = next(read_run(fixtures_dir / run)).sequences
    tfs = {"T": SequenceRecord("T", seqs[tf_chain], "T")}
    domains = {"D": SequenceRecord("D", seqs[domain_chain], "D")}
    pair = {"pair_id": run, "tf_id": "T", "domain_id": "D", "prediction": str(fixtures_dir / run),
            "tf_chain": "", "domain_chain": "", "format": ""}
    return pair, tfs, domains


def test_extraction_gives_the_top_model_its_value(fixtures_dir):
    """The ColabFold run through extract_pair (the path of every extraction job): the top model carries Sc of the
    TF chain (C) against the domain chain (B), equal to the library on Biopython-read atoms; the pair row repeats
    the top model's value and has no mean of it."""
    pair, tfs, domains = _pair(fixtures_dir, "colabfold_5b8c", "C", "B")
    rows, summary = extract_pair(pair, tfs, domains, ExtractSettings(sasa=False, pair_timeout_s=0))
    top = rows[0]
    assert (top["model_rank"], top["tf_chain"], top["domain_chain"]) == (0, "C", "B")
    expected = _independent(fixtures_dir / CF, "C", "B")[2]
    assert top["shape_complementarity"] == pytest.approx(expected.sc, abs=1e-6)
    assert top["sc_area"] == pytest.approx(expected.trimmed_area, abs=1e-4)
    assert top["sc_median_distance"] == pytest.approx(expected.median_distance, abs=1e-6)
    assert {k: summary[k] for k in SC_KEYS} == {k: top[k] for k in SC_KEYS}
    assert not any(k.startswith(("shape_complementarity_", "sc_area_")) for k in summary)


def test_an_extraction_job_computes_a_large_complex_in_a_child_with_the_same_value(fixtures_dir, tmp_path,
                                                                                   monkeypatch):
    """The ColabFold run through run_shard (the extraction job, under the default time limit): chains C + B hold
    1,794 heavy atoms, above ISOLATE_ATOMS, so the library runs in a child; the value equals the library on
    Biopython-read atoms, as in the process."""
    import pandas as pd

    pair, tfs, domains = _pair(fixtures_dir, "colabfold_5b8c", "C", "B")
    manifest = tmp_path / "shard_00000.tsv"
    pd.DataFrame([{**pair, "domain_category": "D", "tf_sequence": tfs["T"].sequence,
                   "domain_sequence": domains["D"].sequence}]).to_csv(manifest, sep="\t", index=False)
    out = {k: tmp_path / f"o.{k}" for k in ("models", "pairs", "failed", "warnings")}
    calls = _count_calls(monkeypatch, "_in_child")
    settings = ExtractSettings(sasa=False)
    assert settings.pair_timeout_s > 0 and scmod.ISOLATE_ATOMS < 1794
    assert run_shard(manifest, out["models"], out["pairs"], out["failed"], settings, out["warnings"]) == (1, 0)
    assert calls == [1]
    top = pd.read_parquet(out["pairs"]).iloc[0]
    assert top["shape_complementarity"] == pytest.approx(_independent(fixtures_dir / CF, "C", "B")[2].sc, abs=1e-6)


def test_extraction_modes_on_the_alphapulldown_run(fixtures_dir, tmp_path, monkeypatch):
    """The five models of the AlphaPulldown non-binder through run_shard: `top` computes the top model only (no
    interface: 0, no note); `all` computes every model, and ranked_3 / ranked_4 (chain C's fragments overlap)
    become NaN with a warnings.tsv note each, stage shape_complementarity, naming the pair, the model and the
    library's message, while the pair is scored; `off` computes none."""
    import pandas as pd

    pair, tfs, domains = _pair(fixtures_dir, AP, "C", "B")
    notes = []
    calls = _count_calls(monkeypatch, "compute")
    for mode, expected_calls in (("top", 1), ("off", 0), ("all", 5)):
        calls.clear()
        settings = ExtractSettings(sasa=False, pair_timeout_s=0, shape_complementarity=mode)
        rows, _ = extract_pair(pair, tfs, domains, settings, notes)
        assert len(calls) == expected_calls, mode
        sc = [r["shape_complementarity"] for r in rows]
        assert len(rows) == 5
        computed = {"top": {0}, "off": set(), "all": {0, 1, 2}}[mode]  # 3, 4: refused (overlap)
        assert all((v == 0.0) if i in computed else math.isnan(v) for i, v in enumerate(sc)), (mode, sc)
    assert [n.stage for n in notes] == ["shape_complementarity"] * 2
    assert {re.search(r"ranked_\d", n.text)[0] for n in notes} == {"ranked_3", "ranked_4"}
    assert all(n.text.startswith(f"pair {AP}: model model_") and "Overlapping atoms detected" in n.text for n in notes)

    manifest = tmp_path / "shard_00000.tsv"
    pd.DataFrame([{**pair, "domain_category": "D", "tf_sequence": tfs["T"].sequence,
                   "domain_sequence": domains["D"].sequence}]).to_csv(manifest, sep="\t", index=False)
    out = {k: tmp_path / f"o.{k}" for k in ("models", "pairs", "failed", "warnings")}
    scored, failed = run_shard(manifest, out["models"], out["pairs"], out["failed"],
                               ExtractSettings(sasa=False, shape_complementarity="all"), out["warnings"])
    assert (scored, failed) == (1, 0)
    warnings = pd.read_csv(out["warnings"], sep="\t")
    assert warnings["stage"].tolist() == ["shape_complementarity"] * 2 and (warnings["pair_id"] == AP).all()
    by_rank = pd.read_parquet(out["models"]).set_index("model_rank")["shape_complementarity"]
    assert list(by_rank[[0, 1, 2]]) == [0.0, 0.0, 0.0] and by_rank[[3, 4]].isna().all()
