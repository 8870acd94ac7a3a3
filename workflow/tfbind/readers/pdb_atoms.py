"""Atom tables of the models of one AlphaFold2 / ColabFold run: gemmi once, then numpy for the coordinates.

The models of a run are the same atoms in the same order; their PDB files differ only in the coordinates and
B-factors (pLDDT) of the ATOM/HETATM records. A numpy reader of the whole PDB format was not faster than
gemmi's C++ parser plus the atom walk of :func:`tfbind.readers.structure.atom_table`, but the coordinates
alone are: they sit in fixed columns (wwPDB format 3.3, ATOM record: x 31-38, y 39-46, z 47-54, B-factor
61-66, https://www.wwpdb.org/documentation/file-format-content/format33/sect9.html).

So the first model of a run is read by gemmi, and its table is kept (in the
:class:`~tfbind.readers.context.ReadContext` of the run) with its *layout*: the file's bytes without those four
columns of the atom records of the first model. A later file with the same layout
(byte for byte) holds the same atoms, residues, chains and entities for gemmi, which reads nothing else of
those columns: its table is the kept one with its own coordinates and B-factors, parsed with numpy from the
columns (:func:`tfbind.readers.atom_text.decimals`: the correctly rounded double of each decimal, as
gemmi's parser; B-factors stored as float32, as gemmi). A layout is kept only when the gemmi table's atoms
are exactly the file's atom records in file order (same coordinates and B-factors as the columns give, one
atom per record: no waters or ligands left out, a single model); anything else (numbers the plain decimal
parser declines, short records) is read by gemmi each time.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np

from tfbind.readers.atom_text import Declined, decimals
from tfbind.readers.bounded import read_input
from tfbind.readers.context import ReadContext, context_or_new
from tfbind.readers.structure import AtomTable, atom_table, check_pdb_numbers, read_structure

_PER_MODEL_COLUMNS = np.r_[30:54, 60:66]  # x, y, z (8 characters each) and the B-factor (6), 0-based
_WIDTH = 8
_PER_MODEL_FIELDS = ("xyz", "b_iso")
#: The context's cache slot: key = the layout bytes; value = (AtomTable fields but the per-model ones, read-only,
#: or None when the file's atoms are not its records in order; the record offsets).
_KIND = "pdb_atoms"


def read_pdb_atoms(path: Path, context: ReadContext | None = None):
    """(structure, :class:`AtomTable`) of a PDB file: structure is None when the layout kept in ``context`` by
    the previous model was reused (module docstring), else the ``gemmi.Structure`` (errors as
    :func:`read_structure`)."""
    context = context_or_new(context)
    data = read_input(path, context.max_bytes)
    check_pdb_numbers(data, path)  # before either path: gemmi reads "********" as 0.0
    latest = context.latest(_KIND)
    # the same layout is the same text outside the fixed columns, so the records start where they did: a
    # file of the same length is compared at those offsets before it is searched for its records
    if latest is not None and len(data) == len(latest[0]) + latest[1][1].size * _PER_MODEL_COLUMNS.size and \
            _layout_key(data, latest[1][1]) == latest[0]:
        key, (layout, starts) = latest
    else:
        starts = _atom_records(data)
        if starts is None:  # no plain atom records: gemmi alone, nothing kept
            st = read_structure(path, context.max_bytes, data)
            return st, atom_table(st)
        key, layout = _layout_key(data, starts), None
    if layout is not None:
        values = _values(data, starts)
        if values is not None:
            return None, _with_layout(layout, np.ascontiguousarray(values[:, :3]), values[:, 3])
    st = read_structure(path, context.max_bytes, data)
    atoms = atom_table(st)
    layout, _ = context.layout_for(_KIND, key, lambda: (_layout(atoms, data, starts), starts))
    if layout is not None:  # this model's table on the shared layout too (the same values)
        atoms = _with_layout(layout, atoms.xyz, atoms.b_iso)
    return st, atoms


def _with_layout(layout: dict, xyz: np.ndarray, b_iso: np.ndarray) -> AtomTable:
    fields_ = {k: (list(v) if k == "model_chain_names" else v) for k, v in layout.items()}
    return AtomTable(xyz=xyz, b_iso=b_iso, **fields_)


def _atom_records(data: bytes) -> np.ndarray | None:
    """Offsets of the ATOM/HETATM records of the first model (before the first ENDMDL), each at least 66
    characters long; None when there are none or one is shorter."""
    end = data.find(b"\nENDMDL")
    head = np.frombuffer(data, dtype=np.uint8)[: end if end >= 0 else len(data)]
    newline = np.flatnonzero(head == 10)
    starts = np.concatenate(([0], newline + 1))
    starts = starts[starts + 6 <= head.size]
    six = head[starts[:, None] + np.arange(6)]
    atom = (six == np.frombuffer(b"ATOM  ", np.uint8)).all(axis=1) | (
        six == np.frombuffer(b"HETATM", np.uint8)).all(axis=1)
    starts = starts[atom]
    if starts.size == 0:
        return None
    line_end = np.append(newline, head.size)[np.searchsorted(newline, starts)]
    if (line_end - starts < 66).any():
        return None
    return starts


def _layout_key(data: bytes, starts: np.ndarray) -> bytes:
    """The file's bytes without the per-model columns of the given records."""
    keep = np.ones(len(data), dtype=bool)
    keep[(starts[:, None] + _PER_MODEL_COLUMNS).ravel()] = False
    return np.frombuffer(data, dtype=np.uint8)[keep].tobytes()


def _values(data: bytes, starts: np.ndarray) -> np.ndarray | None:
    """(n, 4) x, y, z, B-factor (as float32, like gemmi) of the records, or None when a field is not a
    plain right-aligned decimal."""
    raw = np.frombuffer(data, dtype=np.uint8)[starts[:, None] + _PER_MODEL_COLUMNS]
    if (raw == ord("+")).any():  # never written by AlphaFold; left to gemmi's own reading of it
        return None
    n = starts.size
    fields_ = np.full((4, n, _WIDTH), 32, dtype=np.uint8)  # the B-factor padded with blanks on the left
    fields_[:3] = raw[:, :24].reshape(n, 3, _WIDTH).transpose(1, 0, 2)
    fields_[3, :, 2:] = raw[:, 24:]
    try:
        values = decimals(fields_.reshape(4 * n, _WIDTH)).reshape(4, n).T.copy()
    except Declined:
        return None
    values[:, 3] = values[:, 3].astype(np.float32)
    return values


def _layout(atoms: AtomTable, data: bytes, starts: np.ndarray) -> dict | None:
    """The table's fields but the per-model ones, read-only, when its atoms are the records in file order."""
    values = _values(data, starts)
    if values is None or atoms.xyz.shape[0] != starts.size or not (
            np.array_equal(atoms.xyz, values[:, :3]) and np.array_equal(atoms.b_iso, values[:, 3])):
        return None
    layout = {}
    for f in fields(AtomTable):
        if f.name in _PER_MODEL_FIELDS:
            continue
        value = getattr(atoms, f.name)
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False  # shared by the models of a run
        else:
            value = tuple(value)
        layout[f.name] = value
    return layout
