"""The numpy mmCIF atom table (tfbind.readers.mmcif_atoms) against gemmi's structure path.

Every field of the AtomTable (coordinates, residue numbering, B-factors, names, elements, chains, the
residue selection rules, atom offsets) must equal what ``atom_table(read_structure(...))`` gives, on the
real AlphaFold Server fixture and on every AlphaFold3 model of the demo; files outside the simple form
must be declined (and then read by gemmi), never read differently.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from helpers import FIXTURES
from tfbind import demo
from tfbind.demo.labels import DOMAIN_FORMAT
from tfbind.readers.atom_text import Declined, decimals, tokens
from tfbind.readers.atoms import read_atoms
from tfbind.readers.bounded import read_input
from tfbind.readers.mmcif_atoms import atom_table_from_mmcif
from tfbind.readers.structure import atom_table, read_structure, residue_table

AF3_FIXTURE = FIXTURES / "af3_server_5b8c"


def assert_same_table(path: Path, fast, slow) -> None:
    for f in fields(slow):
        a, b = getattr(slow, f.name), getattr(fast, f.name)
        if isinstance(a, list):
            assert a == b, (path, f.name)
            continue
        assert a.dtype.kind == b.dtype.kind and a.shape == b.shape, (path, f.name, a.dtype, b.dtype, a.shape, b.shape)
        assert np.array_equal(a, b), (path, f.name)


def assert_same_residues(path: Path, fast, slow) -> None:
    """Every field of two residue tables equal (the second built from gemmi's table: never from a cache)."""
    for f in fields(slow):
        a, b = getattr(slow, f.name), getattr(fast, f.name)
        assert (a == b) if isinstance(a, dict) else (a.dtype == b.dtype and np.array_equal(a, b)), (path, f.name)


def fast_and_gemmi(path: Path):
    fast = atom_table_from_mmcif(read_input(path, 1 << 30))
    assert fast is not None, f"{path}: the numpy reader declined a plain AlphaFold3 file"
    return fast, atom_table(read_structure(path))


@pytest.mark.skipif(not AF3_FIXTURE.is_dir(), reason="../shared/fixtures/af3_server_5b8c is absent")
def test_same_atom_table_as_gemmi_on_the_alphafold_server_fixture():
    cifs = sorted(AF3_FIXTURE.glob("*.cif"))
    assert cifs
    for cif in cifs:
        fast, slow = fast_and_gemmi(cif)
        assert_same_table(cif, fast, slow)
        assert fast.xyz.shape[0] == 2888  # every atom of the file is an amino-acid atom here
        # and the residue table built on top of it
        a, b = residue_table(None, cif, fast), residue_table(read_structure(cif), cif)
        for f in fields(b):
            assert np.array_equal(np.asarray(getattr(a, f.name), dtype=object),
                                  np.asarray(getattr(b, f.name), dtype=object)) \
                if f.name == "sequences" else np.array_equal(getattr(a, f.name), getattr(b, f.name)), f.name


@pytest.fixture(scope="module")
def demo_af3_runs(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("demo_af3")
    ids = [p for p in demo.pair_ids_of(7) if DOMAIN_FORMAT[p.split("_and_")[0]] == "alphafold3"]
    demo.write_predictions(out, 7, ids)
    return sorted(out.rglob("*.cif"))


def test_same_atom_table_as_gemmi_on_every_demo_alphafold3_model(demo_af3_runs):
    # TAZ2 and NCBD x 48 tiles x 3 models, server layout and local layout (seed-*_sample-*/ plus the top copy)
    assert len(demo_af3_runs) >= 96 * 3
    assert any("seed-" in c.parent.name for c in demo_af3_runs) and any("_model_" in c.name for c in demo_af3_runs)
    for cif in demo_af3_runs:
        fast, slow = fast_and_gemmi(cif)
        assert_same_table(cif, fast, slow)
        assert_same_residues(cif, residue_table(None, cif, fast), residue_table(None, cif, slow))
    st, atoms = read_atoms(demo_af3_runs[0])
    assert st is None and atoms.xyz.shape[1] == 3  # read_atoms takes the numpy path for them


def test_first_rows_read_by_hand():
    """Values worked out from the text of the fixture's first _atom_site row."""
    if not AF3_FIXTURE.is_dir():
        pytest.skip("../shared/fixtures/af3_server_5b8c is absent")
    cif = AF3_FIXTURE / "fold_5b8c_model_0.cif"
    text = cif.read_text()
    row = next(line for line in text.splitlines() if line.startswith("ATOM "))
    v = row.split()  # ATOM 1 N N . GLY A 1 1 ? -4.243 -20.770 -16.507 1.00 55.37 1 A 1
    atoms = atom_table_from_mmcif(cif.read_bytes())
    assert atoms.atom_name[0] == v[3] and atoms.res_name[0] == v[5] and atoms.res_chain[0] == v[16]
    assert atoms.res_num[0] == int(v[15]) and atoms.res_label_seq[0] == int(v[8])
    assert atoms.xyz[0].tolist() == [float(v[10]), float(v[11]), float(v[12])]
    assert atoms.b_iso[0] == float(np.float32(float(v[14])))


def test_decimal_parser_equals_python_float():
    rng = np.random.default_rng(1)
    texts = [f"{x:.{d}f}" for x, d in zip(rng.normal(0, 200, 4000), rng.integers(0, 7, 4000))]
    texts += ["0", "-0", "-0.000", "+1.5", "007.250", "123456789012.345", "0.1", "-999.999", "5."]
    data = (" ".join(texts)).encode()
    body = np.frombuffer(data, dtype=np.uint8)
    starts = np.array([0] + [i + 1 for i, c in enumerate(data) if c == 32])
    ends = np.array([i for i, c in enumerate(data) if c == 32] + [len(data)])
    values = decimals(tokens(body, starts, ends))
    expected = np.array([float(t) for t in texts])
    assert np.array_equal(values, expected)
    assert np.array_equal(np.signbit(values), np.signbit(expected))  # -0.000 stays negative zero


def test_decimal_parser_reads_right_aligned_fields_and_declines_broken_ones():
    """PDB's fixed columns: numbers right-aligned in blanks, as Python's float reads them; a blank or sign
    inside a value is not a decimal."""
    texts = ["  -1.500", " 123.250", "  -0.001", "   7.5  ", "0.000001", "       0"]
    tok = np.frombuffer("".join(texts).encode(), dtype=np.uint8).reshape(len(texts), 8)
    assert decimals(tok).tolist() == [float(t) for t in texts]
    for bad in ["  1. 500", "  1.5-00", " - 1.500", "   1-1.0", "        "]:
        with pytest.raises(Declined):
            decimals(np.frombuffer(bad.encode(), dtype=np.uint8).reshape(1, 8))


AF3_HEAD = """data_test
loop_
_entity.id
_entity.type
1 polymer
2 polymer
loop_
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.label_alt_id
_atom_site.label_comp_id
_atom_site.label_asym_id
_atom_site.label_entity_id
_atom_site.label_seq_id
_atom_site.pdbx_PDB_ins_code
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
_atom_site.occupancy
_atom_site.B_iso_or_equiv
_atom_site.auth_seq_id
_atom_site.auth_asym_id
_atom_site.pdbx_PDB_model_num
"""
ROWS = [
    "ATOM 1 N N . GLY A 1 1 ? 1.000 2.000 3.000 1.00 50.00 1 A 1",
    "ATOM 2 C CA . GLY A 1 1 ? 2.000 2.000 3.000 1.00 50.00 1 A 1",
    "ATOM 3 N N . ALA B 2 1 ? 5.000 2.000 3.000 1.00 60.00 1 B 1",
    "ATOM 4 C CA . ALA B 2 1 ? 6.000 2.000 3.000 1.00 60.00 1 B 1",
    "ATOM 5 C CB . ALA B 2 1 ? 6.500 3.000 3.000 1.00 60.00 1 B 1",
]


def _cif(rows, head=AF3_HEAD) -> str:
    return head + "\n".join(rows) + "\n#\n"


@pytest.mark.parametrize("case, rows", [
    ("alternative location", [ROWS[0].replace(" . GLY", " A GLY"), *ROWS[1:]]),
    ("insertion code", [ROWS[0].replace(" 1 ? 1.000", " 1 X 1.000"), *ROWS[1:]]),
    ("exponent", [ROWS[0].replace("1.000 2.000", "1.0e0 2.000"), *ROWS[1:]]),
    ("quoted atom name", [ROWS[0].replace(" N N ", " N 'N' "), *ROWS[1:]]),
    ("double-quoted atom name", [ROWS[0].replace(" N N ", ' N "N" '), *ROWS[1:]]),
    ("second model", [*ROWS, ROWS[-1].replace("ATOM 5", "ATOM 6").rsplit(" ", 1)[0] + " 2"]),
    ("chain coming back", [*ROWS, ROWS[1].replace("ATOM 2", "ATOM 6").replace(" 1 A 1", " 2 A 1")]),
])
def test_unusual_files_are_declined_and_read_by_gemmi(tmp_path, case, rows):
    path = tmp_path / "model.cif"
    path.write_text(_cif(rows))
    assert atom_table_from_mmcif(path.read_bytes()) is None, case
    st, atoms = read_atoms(path)
    assert st is not None  # gemmi read it
    # every atom of the first model as the rows' text gives it (chain, number, atom name, x, y, z, B as float32)
    expected = sorted((v[16], int(v[15]), v[3].strip("'\""), *(float(x) for x in v[10:13]), float(np.float32(v[14])))
                      for v in (r.split() for r in rows) if v[17] == "1")
    got = sorted(zip(atoms.res_chain[atoms.atom_residue].tolist(), atoms.res_num[atoms.atom_residue].tolist(),
                     atoms.atom_name.tolist(), *atoms.xyz.T.tolist(), atoms.b_iso.tolist()))
    assert got == expected, case


@pytest.mark.parametrize("byte", [b"\x0b", b"\x00", b"\x7f", "\u00e9".encode()])
def test_control_and_non_ascii_bytes_decline(byte):
    text = _cif(ROWS).encode()
    assert atom_table_from_mmcif(text) is not None
    assert atom_table_from_mmcif(text.replace(b" GLY A 1", b" GLY" + byte + b"A 1", 1)) is None


def test_plain_file_taken_and_equal(tmp_path):
    path = tmp_path / "model.cif"
    path.write_text(_cif(ROWS))
    fast, slow = fast_and_gemmi(path)
    assert_same_table(path, fast, slow)
    assert fast.res_num.tolist() == [1, 1] and fast.res_chain.tolist() == ["A", "B"]
    assert fast.xyz[4].tolist() == [6.5, 3.0, 3.0]


def test_models_sharing_a_layout_get_their_own_coordinates(tmp_path):
    """The layout (everything but coordinates and B-factors) is reused from the previous file only when its
    text is the same: each file's own values, checked against the rows' text."""
    moved = [r.replace("2.000 3.000 1.00", "2.250 -3.125 1.00") for r in ROWS]
    renamed = [ROWS[0], ROWS[1].replace(" C CA . GLY", " C C . GLY"), *ROWS[2:]]
    for rows in (ROWS, moved, ROWS, renamed, moved):
        atoms = atom_table_from_mmcif(_cif(rows).encode())
        values = [r.split() for r in rows]
        assert atoms.atom_name.tolist() == [v[3] for v in values]
        assert atoms.xyz.tolist() == [[float(x) for x in v[10:13]] for v in values]
        assert atoms.b_iso.tolist() == [float(v[14]) for v in values]
        assert not atoms.atom_name.flags.writeable  # shared with the next model of the run: read-only
