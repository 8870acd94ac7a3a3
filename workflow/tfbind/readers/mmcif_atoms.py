"""The atom table of an mmCIF file built with numpy straight from the ``_atom_site`` loop (AlphaFold3 models).

gemmi builds a whole ``Structure`` and :func:`tfbind.readers.structure.atom_table` then walks it atom by atom
in Python: about 3.5 ms for a 1,400-atom AlphaFold3 model, a third of its extraction time. The files
AlphaFold3 writes are simple: one data block, one model, one ``_atom_site`` row per line with plain
(unquoted) values, no alternative locations or insertion codes. For such a file the loop's values are cut
out of the bytes with array operations and the same :class:`~tfbind.readers.structure.AtomTable` is built
(same residues, residue numbering, coordinates, B-factors, elements, atom and chain order);
``tests/test_mmcif_atoms.py`` compares every field with the gemmi path on the real AlphaFold Server fixture
and on every AlphaFold3 run of the demo.

mmCIF syntax: the STAR/CIF 1.1 grammar (Hall, Allen & Brown 1991, Acta Cryst. A47:655; the wwPDB mmCIF
dictionary, https://mmcif.wwpdb.org/, category ``atom_site``). gemmi's reading of it that is mirrored here
(gemmi 0.7, ``mmcif.cpp``): chain name = ``auth_asym_id``, residue number = ``auth_seq_id``,
``label_seq_id`` "." = none, atom name = ``label_atom_id``, residue name = ``label_comp_id``, het flag from
``group_PDB``, element from ``type_symbol``, B-factor stored as float32, residue entity type from
``_entity.type`` through ``label_entity_id``.

Anything outside that simple form (quotes, text fields, several data blocks or models, alternative
locations, insertion codes, ``auth_atom_id``/``auth_comp_id`` differing from the label ones, a chain or
residue that starts again after another, numbers in exponent form, an entity type gemmi would guess)
returns None and the caller reads the file with gemmi: the fast path never decides a case differently,
it only declines it.

The models of one run hold the same atoms: everything the table takes from the loop but the coordinates and
B-factors (and the entity types) is derived once and kept in the :class:`~tfbind.readers.context.ReadContext`
keyed by the bytes it came from (the loop without the ``Cartn_x/y/z`` and ``B_iso_or_equiv`` values, and
the entity types); a file whose bytes are the same reuses it, read-only, and only its four per-model columns
are parsed. The context keeps one layout (the last), so memory does not grow.

Numbers: :func:`tfbind.readers.atom_text.decimals` (the correctly rounded double of each decimal).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tfbind.readers.atom_text import Declined, decimals, tokens
from tfbind.readers.bounded import read_input
from tfbind.readers.context import ReadContext, context_or_new
from tfbind.readers.structure import AtomTable, _residue_info, _upper, atom_table, read_structure

_ENTITY_TYPES = frozenset({"polymer", "non-polymer", "branched", "water"})
_MISSING = (b".", b"?")
_REQUIRED = ("group_PDB", "type_symbol", "label_atom_id", "label_comp_id", "label_asym_id", "label_entity_id",
             "label_seq_id", "Cartn_x", "Cartn_y", "Cartn_z", "B_iso_or_equiv", "auth_seq_id", "auth_asym_id")


def read_mmcif_atoms(path: Path, context: ReadContext | None = None):
    """(structure, :class:`AtomTable`) of an mmCIF file: structure is None when the numpy path read it, else
    the ``gemmi.Structure`` that :func:`read_structure` parsed (errors as there)."""
    path, context = Path(path), context_or_new(context)
    if path.is_file():
        atoms = atom_table_from_mmcif(read_input(path, context.max_bytes), context)
        if atoms is not None:
            return None, atoms
    st = read_structure(path, context.max_bytes)
    return st, atom_table(st)


def _entity_types(data: bytes) -> dict[bytes, str]:
    """``_entity.id`` -> ``_entity.type`` (loop or key-value form, plain values only)."""
    first = re.search(rb"^_entity\.", data, re.M)
    if first is None:
        raise Declined
    before = data[: first.start()].rstrip().rsplit(b"\n", 1)[-1].strip()
    if before == b"loop_":
        head_end = first.start()
        while data.startswith(b"_entity.", head_end):
            head_end = data.find(b"\n", head_end) + 1 or len(data)
        lines = data[first.start(): _next_terminator(data, head_end)].split(b"\n")
        names = []
        for line in lines:
            line = line.strip()
            if not line.startswith(b"_entity."):
                break
            if len(line.split()) != 1:
                raise Declined
            names.append(line[len(b"_entity."):])
        values = []
        for line in lines[len(names):]:
            values += line.split()
        if b"'" in b"".join(values) or b'"' in b"".join(values) or not names or len(values) % len(names):
            raise Declined
        cols = {name: values[k::len(names)] for k, name in enumerate(names)}
    else:
        cols = {}
        for m in re.finditer(rb"^_entity\.(\S+)[ \t]+(\S+)[ \t]*$", data, re.M):
            if m.group(2)[:1] in (b"'", b'"', b";"):
                raise Declined
            cols[m.group(1)] = [m.group(2)]
    if b"id" not in cols or b"type" not in cols:
        raise Declined
    out = {}
    for eid, etype in zip(cols[b"id"], cols[b"type"]):
        kind = etype.decode("ascii", "replace")  # exact, as gemmi's entity_type_from_string
        if kind not in _ENTITY_TYPES or eid in out:
            raise Declined
        out[eid] = kind
    return out


def _has_bad_byte(body: np.ndarray, text: bytes) -> bool:
    """A byte outside plain unquoted values: a quote, a control character other than tab, line feed and
    carriage return, DEL or non-ASCII (comparisons and C-speed searches, not a table lookup per byte)."""
    if not text.isascii() or b"'" in text or b'"' in text or b"\x7f" in text:
        return True
    control = body < 32
    return bool((control & (body != 9) & (body != 10) & (body != 13)).any())


_STARTS_KEYWORD = np.zeros(256, dtype=bool)  # first letters of what ends a loop's values
_STARTS_KEYWORD[list(b"#_;ldgsLDGS")] = True


def _next_terminator(data: bytes, start: int) -> int:
    """Start of the first line at or after ``start`` that ends a loop's values (a comment, another item,
    ``loop_``, a data block, a text field), or the end of ``data``: C-speed ``bytes.find`` per marker,
    each bounded by the nearest hit so far."""
    if data.startswith((b"#", b"_", b";", b"loop_", b"data_", b"global_", b"save_"), start):
        return start
    best = len(data)
    for marker in (b"\n#", b"\n_", b"\nloop_", b"\ndata_", b"\nglobal_", b"\nsave_", b"\n;"):
        hit = data.find(marker, start, best)
        if hit >= 0:
            best = hit + 1
    return best


def _columns(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """(bytes as uint8, token starts (rows x cols), token ends, column index by item name)."""
    first = data.find(b"\n_atom_site.") + 1
    if first <= 0:
        raise Declined
    if data[: first].rstrip().rsplit(b"\n", 1)[-1].strip() != b"loop_":
        raise Declined
    names = []
    pos = first
    while data.startswith(b"_atom_site.", pos):
        eol = data.find(b"\n", pos)
        eol = len(data) if eol < 0 else eol
        item = data[pos + len(b"_atom_site."): eol].strip()
        if not item or len(item.split()) != 1:
            raise Declined
        names.append(item.decode("ascii", "replace"))
        pos = eol + 1
    if len(set(names)) != len(names):
        raise Declined
    rest = np.frombuffer(data, dtype=np.uint8)[pos:]
    # the values end at the first line that starts with a CIF keyword, an item name, a comment or a text field
    line_starts = np.flatnonzero(rest[:-1] == 10) + 1
    end = len(data)
    for k in line_starts[_STARTS_KEYWORD[rest[line_starts]]].tolist():
        if data.startswith((b"#", b"_", b";", b"loop_", b"data_", b"global_", b"save_", b"stop_"), pos + k):
            end = pos + k
            break
    if data.find(b"\n_atom_site.", end - 1) >= 0:  # _atom_site items in a second place
        raise Declined
    body = rest[: end - pos]
    if body.size == 0 or _has_bad_byte(body, data[pos:end]):
        raise Declined
    # token boundaries: starts where a blank is followed by a non-blank, ends where the reverse (with no
    # control characters left, the blanks are the bytes up to the space)
    solid = body > 32
    starts = np.flatnonzero(solid[1:] & ~solid[:-1]) + 1
    ends = np.flatnonzero(~solid[1:] & solid[:-1]) + 1
    if solid[0]:
        starts = np.concatenate(([0], starts))
    if solid[-1]:
        ends = np.append(ends, solid.size)
    ncol = len(names)
    if starts.size == 0 or starts.size % ncol:
        raise Declined
    return body, starts.reshape(-1, ncol), ends.reshape(-1, ncol), {n: i for i, n in enumerate(names)}


@functools.lru_cache(maxsize=1024)
def _element_name(symbol: str) -> str:
    """gemmi's element name of a ``type_symbol`` (a lookup in gemmi's fixed periodic table; bounded cache)."""
    import gemmi

    return gemmi.Element(symbol).name


def _element_names(symbols: np.ndarray) -> np.ndarray:
    """gemmi's upper-case element name of every ``type_symbol`` (unknown symbols -> X, as gemmi)."""
    unique, inverse = np.unique(symbols, return_inverse=True)
    names = [_element_name(s) for s in unique.tolist()]
    return _upper(np.array(names, dtype=str)[inverse])


def _runs(*keys: np.ndarray) -> np.ndarray:
    """Boolean array: row i starts a new run of equal ``keys`` (row 0 always)."""
    new = np.zeros(keys[0].shape[0], dtype=bool)
    new[0] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    return new


def atom_table_from_mmcif(data: bytes, context: ReadContext | None = None) -> AtomTable | None:
    """The :class:`AtomTable` of an mmCIF text in the simple form (module docstring), else None; ``context``
    keeps the layout for the next model of the run."""
    try:
        return _atom_table(data, context_or_new(context))
    except Declined:
        return None


#: Columns that differ between the models of one run; everything else of ``_atom_site`` is the layout.
_PER_MODEL = ("Cartn_x", "Cartn_y", "Cartn_z", "B_iso_or_equiv")


@dataclass(frozen=True)
class _Layout:
    """What the text of a model's ``_atom_site`` loop outside :data:`_PER_MODEL` (and its entity types)
    determines: every field of the :class:`AtomTable` but ``xyz`` and ``b_iso`` (arrays read-only, shared by
    the models of a run), and the rows of the atoms kept."""

    fields: dict
    kept_rows: np.ndarray
    chain_names: tuple


def _layout_key(body: np.ndarray, starts: np.ndarray, ends: np.ndarray, per_model: list[int]) -> bytes:
    """The bytes of the loop without the tokens of the per-model columns (which alone differ between models):
    a mask of alternating kept and dropped runs (the tokens, row by row in file order, and what lies between)."""
    per_model = sorted(per_model)
    bounds = np.empty(2 * starts.shape[0] * len(per_model) + 2, dtype=np.int64)
    bounds[0], bounds[-1] = 0, body.size
    bounds[1:-1:2] = starts[:, per_model].ravel()
    bounds[2:-1:2] = ends[:, per_model].ravel()
    runs = np.zeros(bounds.size - 1, dtype=bool)
    runs[0::2] = True  # kept, dropped, kept, ...
    return body[np.repeat(runs, np.diff(bounds))].tobytes()


def _atom_table(data: bytes, context: ReadContext) -> AtomTable | None:
    if data.count(b"\ndata_") + data.startswith(b"data_") != 1 or b"_atom_site." not in data:
        return None
    body, starts, ends, col = _columns(data)
    if any(name not in col for name in _REQUIRED):
        return None
    per_model = [col[name] for name in _PER_MODEL]
    entities = _entity_types(data)
    # the models of one run share it: the second and third model skip the residue logic (module docstring)
    key = (_layout_key(body, starts, ends, per_model), tuple(col.items()), tuple(entities.items()))
    layout = context.layout_for("mmcif_atoms", key, lambda: _layout(body, starts, ends, col, entities))
    if layout is None:
        return None
    # the four per-model columns, parsed in one pass (every row: a malformed number anywhere declines the file)
    values = decimals(tokens(body, starts[:, per_model].T.ravel(), ends[:, per_model].T.ravel()))
    values = values.reshape(len(per_model), -1)[:, layout.kept_rows]
    b_iso = values[3].astype(np.float32).astype(np.float64)  # gemmi keeps B-factors as float32
    return AtomTable(xyz=np.ascontiguousarray(values[:3].T), b_iso=b_iso,
                     model_chain_names=list(layout.chain_names), **layout.fields)


def _layout(body, starts, ends, col, entities) -> _Layout | None:
    n = starts.shape[0]
    columns: dict[str, np.ndarray] = {}

    def token_matrix(name):  # (n, width of this column) bytes of one column, zero-padded
        if name not in columns:
            columns[name] = tokens(body, starts[:, col[name]], ends[:, col[name]])
        return columns[name]

    def text(name):
        tok = token_matrix(name)
        return tok.view(f"S{tok.shape[1]}")[:, 0]

    def numbers(name, rows=slice(None), integer=False):
        return decimals(token_matrix(name)[rows], integer)

    def missing_or_one(name) -> bool:
        if name not in col:
            return True
        values = text(name)
        return bool((values == values[0]).all())

    for name in ("label_alt_id", "pdbx_PDB_ins_code"):
        if name in col and not np.isin(text(name), _MISSING).all():
            return None
    if not missing_or_one("pdbx_PDB_model_num"):
        return None
    atom_name, comp = text("label_atom_id"), text("label_comp_id")
    if "auth_atom_id" in col and (text("auth_atom_id") != atom_name).any():
        return None
    if "auth_comp_id" in col and (text("auth_comp_id") != comp).any():
        return None
    group = text("group_PDB")
    is_atom = group == b"ATOM"
    if not (is_atom | (group == b"HETATM")).all():
        return None
    chain, subchain, entity = text("auth_asym_id"), text("label_asym_id"), text("label_entity_id")
    auth_seq = numbers("auth_seq_id", integer=True)
    label_raw = text("label_seq_id")
    label_none = np.isin(label_raw, _MISSING)
    label_seq = auth_seq.copy()
    if (~label_none).any():
        label_seq[~label_none] = numbers("label_seq_id", ~label_none, integer=True)

    # chains: runs of auth_asym_id; a name that comes back after another chain is left to gemmi
    chain_start = _runs(chain)
    chain_names = chain[chain_start]
    if np.unique(chain_names).size != chain_names.size:
        return None
    # residues: runs of (chain, number, name); one subchain, entity, label number, ATOM/HETATM each
    res_start = _runs(chain, auth_seq, comp)
    res_of_row = np.cumsum(res_start) - 1
    if (_runs(chain, auth_seq, comp, subchain, entity, label_seq, is_atom) != res_start).any():
        return None
    first = np.flatnonzero(res_start)
    r_chain, r_num, r_comp = chain[first], auth_seq[first], comp[first]
    key = np.rec.fromarrays([r_chain, r_num, r_comp])
    if np.unique(key).size != key.size:  # a residue that starts again later in its chain
        return None
    r_entity = entity[first]
    if not np.isin(r_entity, np.array(list(entities), dtype=r_entity.dtype)).all():
        return None
    r_type = np.array([entities[e] for e in r_entity.tolist()])
    r_comp_str = r_comp.astype(str)
    info = {name: _residue_info(name) for name in np.unique(r_comp_str).tolist()}
    tabulated = np.array([info[c][0] for c in r_comp_str.tolist()], dtype=bool)
    is_aa = np.array([info[c][1] for c in r_comp_str.tolist()], dtype=bool)
    letters = np.array([info[c][2] for c in r_comp_str.tolist()], dtype=str)
    atom_name_str = atom_name.astype(str)
    has_ca = np.zeros(first.size, dtype=bool)
    has_ca[np.unique(res_of_row[atom_name_str == "CA"])] = True
    candidate = np.where(tabulated, is_aa, has_ca)
    # gemmi rules of atom_table(): entity type polymer (the entity types are known ones here: an Unknown type,
    # where gemmi would look at the het flag, was declined above); the residue table and the interface keep
    # the same residues
    keep = candidate & (r_type == "polymer")
    # chain index of each residue (runs of chain names), offsets in the model's atom order
    chain_index_of_row = np.cumsum(chain_start) - 1
    n_atoms_res = np.diff(np.append(first, n))
    kept = np.flatnonzero(keep)
    atom_keep = keep[res_of_row]
    kept_rows = np.flatnonzero(atom_keep)
    new_res_index = np.full(first.size, -1)
    new_res_index[kept] = np.arange(kept.size)
    starts_new = np.concatenate([[0], np.cumsum(n_atoms_res[kept])[:-1]]).astype(int) if kept.size else np.zeros(0, int)
    chain_counts = np.diff(np.append(np.flatnonzero(chain_start), n))
    fields = dict(
        res_chain=r_chain[kept].astype(str),
        res_chain_index=chain_index_of_row[first[kept]].astype(int),
        res_name=r_comp_str[kept],
        res_num=r_num[kept].astype(int),
        res_label_seq=label_seq[first[kept]].astype(int),
        res_letter=letters[kept],
        res_in_table=keep[kept],
        res_in_interface=keep[kept],
        res_start=starts_new,
        res_model_offset=first[kept].astype(int),
        atom_residue=new_res_index[res_of_row[kept_rows]].astype(int),
        atom_name=atom_name_str[kept_rows],
        atom_element=_element_names(text("type_symbol").astype(str)[kept_rows]),
        model_atom_chains=np.repeat(chain_names.astype(str), chain_counts),
    )
    for value in fields.values():
        value.flags.writeable = False  # shared by the models of a run
    return _Layout(fields, kept_rows, tuple(chain_names.astype(str).tolist()))
