"""tfbind.readers.pdb_atoms: the models of a run after the first take the first one's layout and their own
coordinates and B-factors from the fixed PDB columns; every field must equal gemmi's table of the same file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_mmcif_atoms import assert_same_residues, assert_same_table

from helpers import FIXTURES
from tfbind import demo
from tfbind.demo.labels import DOMAIN_FORMAT
from tfbind.readers.context import ReadContext
from tfbind.readers.pdb_atoms import read_pdb_atoms
from tfbind.readers.structure import atom_table, read_structure, residue_table

AP = FIXTURES / "alphapulldown_TEST_and_A0A075B6L2"
CF = FIXTURES / "colabfold_5b8c"


def read_in_turn(paths: list[Path]) -> list[bool]:
    """Read the files one after the other with one context (as a shard does); each table, and the residue table
    on it, must equal gemmi's; True where the layout was reused."""
    context = ReadContext()
    reused = []
    for path in paths:
        st, atoms = read_pdb_atoms(path, context)
        slow = atom_table(read_structure(path))
        assert_same_table(path, atoms, slow)
        assert_same_residues(path, residue_table(st, path, atoms, context), residue_table(None, path, slow))
        reused.append(st is None)
    return reused


@pytest.mark.skipif(not AP.is_dir(), reason="../shared/fixtures is absent")
def test_alphapulldown_models_after_the_first_reuse_its_layout():
    assert read_in_turn(sorted(AP.glob("ranked_*.pdb"))) == [False, True, True, True, True]


@pytest.mark.skipif(not CF.is_dir(), reason="../shared/fixtures is absent")
def test_a_run_in_between_is_read_by_gemmi(tmp_path):
    cf = next(CF.glob("*.pdb"))
    ap = sorted(AP.glob("ranked_*.pdb"))
    assert read_in_turn([ap[0], cf, ap[1], ap[2]]) == [False, False, False, True]


@pytest.fixture(scope="module")
def demo_pdb_runs(tmp_path_factory) -> list[list[Path]]:
    out = tmp_path_factory.mktemp("demo_pdb")
    ids = [p for p in demo.pair_ids_of(7) if DOMAIN_FORMAT[p.split("_and_")[0]] != "alphafold3"][::8]
    demo.write_predictions(out, 7, ids)
    return [sorted(d.glob("*.pdb")) for d in sorted(out.rglob("*")) if d.is_dir() and any(d.glob("*.pdb"))]


def test_demo_alphafold2_and_colabfold_models_equal_gemmi(demo_pdb_runs):
    assert len(demo_pdb_runs) >= 10
    names = [p.name for run in demo_pdb_runs for p in run]
    assert any(n.startswith("ranked_") for n in names) and any("_unrelaxed_" in n for n in names)  # AF2, ColabFold
    for run in demo_pdb_runs:
        assert read_in_turn(run) == [False] + [True] * (len(run) - 1), run[0].parent


def test_coordinates_read_from_the_columns(tmp_path):
    """Values worked out from the text of one record, and files the numpy columns cannot take."""
    if not AP.is_dir():
        pytest.skip("../shared/fixtures is absent")
    first, second = sorted(AP.glob("ranked_*.pdb"))[:2]
    text = second.read_text().splitlines(keepends=True)
    i = next(k for k, line in enumerate(text) if line.startswith("ATOM"))
    line = text[i]
    moved = tmp_path / "moved.pdb"
    text[i] = line[:30] + f"{-1.5:8.3f}{123.25:8.3f}{-0.001:8.3f}" + line[54:60] + f"{7.5:6.2f}" + line[66:]
    moved.write_text("".join(text))
    context = ReadContext()
    read_pdb_atoms(first, context)
    st, atoms = read_pdb_atoms(moved, context)
    assert st is None
    assert atoms.xyz[0].tolist() == [-1.5, 123.25, -0.001] and atoms.b_iso[0] == 7.5
    # an exponent in a coordinate: not a plain decimal, read by gemmi (and the same table)
    text[i] = line[:30] + f"{'1.5e1':>8}" + line[38:]
    odd = tmp_path / "odd.pdb"
    odd.write_text("".join(text))
    st, atoms = read_pdb_atoms(odd, context)
    assert st is not None and atoms.xyz[0, 0] == 15.0
    # a changed atom name: another layout, read by gemmi
    renamed = tmp_path / "renamed.pdb"
    shutil.copy(second, renamed)
    renamed.write_text(second.read_text().replace(" CA  GLY", " CA1 GLY", 1))
    read_pdb_atoms(first, context)
    st, atoms = read_pdb_atoms(renamed, context)
    assert st is not None and "CA1" in atoms.atom_name.tolist()
    # a context of its own (a library call without one): nothing of the first file is reused
    assert read_pdb_atoms(second)[0] is not None and read_pdb_atoms(second, ReadContext())[0] is not None
