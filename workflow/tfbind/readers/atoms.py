"""The atom table of a model's coordinate file, by the fastest exact path for its type.

PDB files (``.pdb``, ``.ent``): :mod:`tfbind.readers.pdb_atoms` (gemmi for the first model of a run, numpy
columns for the next ones); anything else (mmCIF): :mod:`tfbind.readers.mmcif_atoms` (numpy from the
``_atom_site`` loop, gemmi when it declines). Both keep what the models of a run share in the
:class:`~tfbind.readers.context.ReadContext` they are given.
"""

from __future__ import annotations

from pathlib import Path

from tfbind.readers.context import ReadContext, context_or_new
from tfbind.readers.mmcif_atoms import read_mmcif_atoms
from tfbind.readers.pdb_atoms import read_pdb_atoms


def read_atoms(path: Path, context: ReadContext | None = None):
    """(structure, :class:`~tfbind.readers.structure.AtomTable`) of a coordinate file: structure is None when
    a numpy path read it, else the ``gemmi.Structure`` that :func:`tfbind.readers.structure.read_structure`
    parsed (errors as there). ``context``: the run's (its byte limit and kept layouts); None: a fresh one."""
    path, context = Path(path), context_or_new(context)
    if path.suffix.lower() in (".pdb", ".ent") and path.is_file():
        return read_pdb_atoms(path, context)
    return read_mmcif_atoms(path, context)
