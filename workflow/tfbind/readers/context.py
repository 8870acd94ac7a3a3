"""What the readers and metrics share while one process reads runs: the byte limit and the layout caches.

The models of one AlphaFold run hold the same atoms, residues and tokens; only coordinates and confidences
differ. The readers and metrics therefore derive everything that depends on the layout alone (atom names,
residue numbering, token-to-residue reduction, interface atom selection) once and reuse it for the next
model with the same layout. That reuse lives in a :class:`ReadContext`, an object the caller creates and
hands down (the extraction job: one per shard, ``tfbind.features.extract.run_shard``), not in module
globals: two shards, two tests or two threads never see each other's layouts, and dropping the context
drops its memory.

Each kind of layout keeps one slot (the last key and what was built for it), so memory does not grow with
the number of runs read. A key is built from what the cached value depends on and nothing else, compared
by value:

* the atom layouts of mmCIF and PDB files (``tfbind.readers.mmcif_atoms``, ``tfbind.readers.pdb_atoms``):
  the bytes of the file outside the per-model columns (coordinates, B-factors); for mmCIF with the
  ``_atom_site`` item names and the entity types;
* the residue layout (``tfbind.readers.structure.residue_table``), AlphaFold3's token reduction and
  atom chain check (``tfbind.readers.alphafold3``) and the interface atoms (``tfbind.metrics.interface``):
  the contents of the arrays the value is derived from (:func:`content_key`), taken at each call.

So a cached value is only ever returned for inputs equal, byte for byte, to those it was built from; a
caller that changes an array between calls gets a value built from the changed array. Values handed out of
a cache are read-only numpy arrays (shared by the models of a run).

Library use needs no context: every reader and metric that takes one builds a fresh one when given None
(nothing reused between calls, the results are the same).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import numpy as np

from tfbind.readers.bounded import DEFAULT_MAX_BYTES

T = TypeVar("T")


class ReadContext:
    """Per-run (per-shard) reading state: ``max_bytes``, the cap on the decompressed size of every file read
    (``features.max_input_mb``; ``tfbind.readers.bounded``), and one cached layout per kind
    (:meth:`layout_for`)."""

    __slots__ = ("_layouts", "max_bytes")

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = int(max_bytes)
        self._layouts: dict[str, tuple[Hashable, object]] = {}

    def __repr__(self) -> str:
        return f"ReadContext(max_bytes={self.max_bytes}, layouts={sorted(self._layouts)})"

    def layout_for(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept for ``kind`` when it was built for a key equal to ``key``, else ``build()`` (kept for
        ``kind`` from now on, replacing the previous one). ``key`` must be an immutable value compared by
        contents (bytes, str, numbers, tuples of them), never an array; an exception in ``build`` keeps
        nothing."""
        slot = self._layouts.get(kind)
        if slot is not None and slot[0] == key:
            return slot[1]
        value = build()
        self._layouts[kind] = (key, value)
        return value

    def latest(self, kind: str) -> tuple[Hashable, object] | None:
        """(key, value) last kept for ``kind``, or None: a reader that can find its key faster knowing the last
        one (``pdb_atoms``: where the atom records were) looks first."""
        return self._layouts.get(kind)


def context_or_new(context: ReadContext | None, max_bytes: int | None = None) -> ReadContext:
    """``context``, or a fresh :class:`ReadContext` (``max_bytes``, else the default cap) for library calls."""
    if context is not None:
        return context
    return ReadContext(DEFAULT_MAX_BYTES if max_bytes is None else max_bytes)


def content_key(*parts) -> tuple:
    """The contents of ``parts`` as an immutable value for a cache key compared by value (``==``): a numpy array
    becomes (dtype, shape, its bytes), a list a tuple; str, bytes, numbers and None stay as they are (numbers
    compare by value: 1 == 1.0). Equal keys mean equal contents. No hash of the bytes: a copy and a comparison
    are cheaper (BLAKE2b of the 28 KB of an 800-atom model's layout fields takes about 110 us on a small
    machine, copying them a few us, comparing two equal copies 1 us)."""
    return tuple(_frozen(part) for part in parts)


def _frozen(part):
    if isinstance(part, np.ndarray):
        if part.dtype.hasobject or part.dtype.char == "V":  # an object array's bytes are pointers, not contents
            raise TypeError(f"content_key: cannot take an array of {part.dtype}")
        return part.dtype, part.shape, part.tobytes()
    if isinstance(part, (tuple, list)):
        return tuple(_frozen(p) for p in part)
    if part is None or isinstance(part, (str, bytes, bool, int, float)):
        return part
    raise TypeError(f"content_key: cannot take a {type(part).__name__}")
