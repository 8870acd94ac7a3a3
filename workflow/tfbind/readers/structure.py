"""Shared helpers of the readers: one coordinate file -> per-residue arrays, plus JSON/array loading.

``residue_table`` is the single place where a ``gemmi.Structure`` becomes residue arrays. It keeps
polymer amino-acid residues only (waters, hydrogens, ligands, nucleic acids and chains without any
amino acid are skipped), in file order, which is the order of the predictor's PAE matrix.

Per residue it records:

- chain id, author residue number, one-letter code (modified residues map to the parent amino acid
  through gemmi's tabulated residue info, e.g. SEP -> S; unknown -> X);
- the "representative" atom: CB, or CA for glycine and when CB is missing. Its coordinates become
  ``cb_coords`` and its B-factor the pLDDT of AF2/ColabFold files;
- indices into the file's atom order (first model, all atoms counted, ligands included) of that
  atom and of CA, and the position of CA among the residue's heavy atoms: AlphaFold3 uses these to
  pick per-atom pLDDT and to reduce per-atom tokens of modified residues.

PDB files whose chain numbering restarts (AlphaPulldown fragments) get insertion codes on the
repeated segments before parsing, so that gemmi does not merge them (see
``_separate_repeated_residues``); author numbers are kept.
"""

from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import gemmi
import numpy as np
import orjson

from tfbind.errors import PredictionError
from tfbind.readers.bounded import DEFAULT_MAX_BYTES, read_input
from tfbind.readers.context import ReadContext, content_key, context_or_new

_HYDROGENS = {"H", "D"}
_NUMBER_TYPES = {int, float}
_NUMBERS = (int, float, np.integer, np.floating)


@dataclass
class ResidueTable:
    """Per-residue arrays of the polymer amino-acid residues of one structure (first model)."""

    chain_ids: np.ndarray  # (n,) str
    residue_numbers: np.ndarray  # (n,) int, author seq numbers
    label_seq: np.ndarray  # (n,) int, label_seq_id (author number when the file has none)
    sequences: dict[str, str]
    cb_coords: np.ndarray  # (n, 3) float
    cb_bfactor: np.ndarray  # (n,) float, B-factor of the representative atom
    cb_atom_index: np.ndarray  # (n,) int, index of the representative atom in file atom order
    ca_heavy_index: np.ndarray  # (n,) int, position of CA among the residue's heavy atoms
    n_heavy_atoms: np.ndarray  # (n,) int
    atom_chain_ids: np.ndarray  # (n_atoms,) str, chain id of every atom of the first model, file order

    @property
    def n_residues(self) -> int:
        return int(self.chain_ids.shape[0])


@dataclass
class AtomTable:
    """Every atom of the amino-acid residues of the first model, read from gemmi in one pass.

    Residues kept: those that :func:`residue_table` keeps (``in_table``) and those that the interface
    metrics keep (``in_interface``, see :mod:`tfbind.metrics.interface`); both rules are recorded so
    that either consumer selects its own residues. Atoms are all atoms of those residues (hydrogens
    and alternative conformations included), in gemmi's order.
    """

    # per residue
    res_chain: np.ndarray  # (r,) str, chain name
    res_chain_index: np.ndarray  # (r,) int, index of the gemmi chain object in the model
    res_name: np.ndarray  # (r,) str, residue name
    res_num: np.ndarray  # (r,) int, author seq number
    res_label_seq: np.ndarray  # (r,) int, label_seq_id (author number when none)
    res_letter: np.ndarray  # (r,) str, one-letter (parent) code, X for unknown
    res_in_table: np.ndarray  # (r,) bool
    res_in_interface: np.ndarray  # (r,) bool
    res_start: np.ndarray  # (r,) int, index of the residue's first atom in these atom arrays
    res_model_offset: np.ndarray  # (r,) int, index of that atom in the model's atom order
    # per atom
    atom_residue: np.ndarray  # (a,) int, index into the residue arrays
    atom_name: np.ndarray  # (a,) str
    atom_element: np.ndarray  # (a,) str, upper-case element symbol
    xyz: np.ndarray  # (a, 3) float
    b_iso: np.ndarray  # (a,) float (gemmi's float32 value)
    # whole model
    model_atom_chains: np.ndarray  # (every atom of the model,) str, chain name, file order
    model_chain_names: list  # name of every gemmi chain of the model, in order

    @property
    def is_hydrogen(self) -> np.ndarray:
        return (self.atom_element == "H") | (self.atom_element == "D")

    @property
    def first_conformer(self) -> np.ndarray:
        """Atoms that gemmi's ``Residue.first_conformer()`` yields: not a repeat of the previous
        atom's name within the residue (alternative locations follow each other)."""
        names, res = self.atom_name, self.atom_residue
        keep = np.ones(names.shape[0], dtype=bool)
        if names.shape[0] > 1:
            keep[1:] = (names[1:] != names[:-1]) | (res[1:] != res[:-1])
        return keep


@functools.lru_cache(maxsize=4096)
def _residue_info(name: str) -> tuple[bool, bool, str]:
    """(tabulated, is amino acid, one-letter code or X) of a residue name: a lookup in gemmi's fixed residue
    table, cached (bounded) because atom_table asks once per residue."""
    tab = gemmi.find_tabulated_residue(name)
    return tab is not None, tab is not None and tab.is_amino_acid(), _one_letter(name)


_POLYMER_OR_UNKNOWN = (gemmi.EntityType.Polymer, gemmi.EntityType.Unknown)
_NOT_INTERFACE = (gemmi.EntityType.NonPolymer, gemmi.EntityType.Branched, gemmi.EntityType.Water)


def _upper(values: np.ndarray) -> np.ndarray:
    """Upper-case copy of a str array (gemmi writes two-letter elements as e.g. "Se")."""
    if values.size == 0:
        return values
    unique, inverse = np.unique(values, return_inverse=True)
    if all(u == u.upper() for u in unique.tolist()):
        return values
    return np.char.upper(unique)[inverse]


def atom_table(st: gemmi.Structure) -> AtomTable:
    """One pass over the first model of ``st``: the :class:`AtomTable` of its amino-acid residues."""
    unknown = gemmi.EntityType.Unknown
    chains, chain_idx, names, nums, label, letters, in_table, in_iface = [], [], [], [], [], [], [], []
    starts, offsets, n_atoms = [], [], []
    atom_names: list = []
    elements: list = []
    xyz: list = []
    b_iso: list = []
    chain_names, chain_counts = [], []
    offset = 0
    for ci, chain in enumerate(st[0]):
        cname = chain.name
        chain_start = offset
        for res in chain:
            n = len(res)
            start, offset = offset, offset + n
            et = res.entity_type
            tabulated, is_aa, letter = _residue_info(res.name)
            if tabulated:
                if not is_aa:
                    continue
            elif res.find_atom("CA", "*") is None:
                continue
            t = et in _POLYMER_OR_UNKNOWN and not (et == unknown and res.het_flag != "A")
            f = et not in _NOT_INTERFACE and not res.is_water()
            if not (t or f):
                continue
            chains.append(cname)
            chain_idx.append(ci)
            names.append(res.name)
            num = res.seqid.num
            nums.append(num)
            ls = res.label_seq
            label.append(ls if ls is not None else num)
            letters.append(letter)
            in_table.append(t)
            in_iface.append(f)
            starts.append(len(atom_names))
            offsets.append(start)
            n_atoms.append(n)
            for a in res:
                atom_names.append(a.name)
                elements.append(a.element.name)
                p = a.pos
                xyz += (p.x, p.y, p.z)
                b_iso.append(a.b_iso)
        chain_names.append(cname)
        chain_counts.append(offset - chain_start)
    n_res = len(chains)
    atom_residue = np.repeat(np.arange(n_res), np.array(n_atoms, dtype=int)) if n_res else np.zeros(0, dtype=int)
    return AtomTable(
        res_chain=np.array(chains, dtype=str),
        res_chain_index=np.array(chain_idx, dtype=int),
        res_name=np.array(names, dtype=str),
        res_num=np.array(nums, dtype=int),
        res_label_seq=np.array(label, dtype=int),
        res_letter=np.array(letters, dtype=str),
        res_in_table=np.array(in_table, dtype=bool),
        res_in_interface=np.array(in_iface, dtype=bool),
        res_start=np.array(starts, dtype=int),
        res_model_offset=np.array(offsets, dtype=int),
        atom_residue=atom_residue,
        atom_name=np.array(atom_names, dtype=str),
        atom_element=_upper(np.array(elements, dtype=str)),
        xyz=np.array(xyz, dtype=float).reshape(-1, 3),
        b_iso=np.array(b_iso, dtype=float),
        model_atom_chains=np.repeat(np.array(chain_names, dtype=str), np.array(chain_counts, dtype=int)),
        model_chain_names=chain_names,
    )


# The per-atom numbers of a PDB ATOM/HETATM record that the metrics read, in their fixed columns (wwPDB format
# 3.3, 0-based slices): x 31-38, y 39-46, z 47-54, B-factor 61-66 (AlphaFold's pLDDT).
_PDB_NUMBER_FIELDS = (("x", 30, 38), ("y", 38, 46), ("z", 46, 54), ("B-factor (pLDDT)", 60, 66))


def check_pdb_numbers(data: bytes, path: Path | str) -> None:
    """``PredictionError`` naming the file, line, atom and field when an ATOM/HETATM record holds ``*`` in a
    coordinate or B-factor column. Fortran-style writers fill a fixed-width field with asterisks when the
    number does not fit (``********`` for a coordinate of 10^4 A or more), and gemmi reads such a field as
    0.0 without a word: contacts and pDockQ would then change silently. One search of the bytes for ``*``;
    the records are scanned only in a file that has one."""
    if b"*" not in data:
        return
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.startswith((b"ATOM  ", b"HETATM")) or b"*" not in line[30:66]:
            continue
        for field, start, end in _PDB_NUMBER_FIELDS:
            raw = line[start:end]
            if b"*" in raw:
                text = line.decode("ascii", "replace")
                raise PredictionError(
                    f"{path} line {n}: atom {text[12:16].strip()} of residue {text[17:20].strip()} "
                    f"{text[22:27].strip()} chain {text[21:22]!r}: {field} {text[start:end]!r} is an overflowed "
                    "field (asterisks), not a number; refused (it would be read as 0.0)"
                )


def read_structure(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, data: bytes | None = None) -> gemmi.Structure:
    """Parse a PDB or mmCIF file with gemmi (entities set up); ``PredictionError`` when unreadable.

    The file is read through :func:`tfbind.readers.bounded.read_input` (size cap ``max_bytes``,
    gzip/xz content decompressed) and parsed from memory; ``data``: its content, already read so.
    """
    path = Path(path)
    if data is None:
        if not path.exists():
            raise PredictionError(f"{path}: structure file not found")
        data = read_input(path, max_bytes)
    try:
        if path.suffix.lower() in (".pdb", ".ent"):
            check_pdb_numbers(data, path)
            text = data.decode("utf-8", errors="replace")
            del data
            fixed = _separate_repeated_residues(text, path) if _may_repeat_residues(text) else None
            st = gemmi.read_pdb_string(fixed if fixed is not None else text)
        else:
            st = gemmi.read_structure_string(data, format=gemmi.CoorFormat.Detect)
    except PredictionError:
        raise
    except Exception as exc:  # gemmi raises RuntimeError/ValueError/IOError with little context
        raise PredictionError(f"{path}: cannot parse structure ({exc})") from exc
    if len(st) == 0:
        raise PredictionError(f"{path}: structure has no model")
    st.setup_entities()
    return st


def _separate_repeated_residues(text: str, path: Path | str = "<text>") -> str | None:
    """Give repeated residue numbers of a chain distinct insertion codes, or None if none repeat.

    AlphaPulldown writes fragments of one protein as one chain whose numbering restarts (C1..C10,
    C2..C5, ...). gemmi's PDB reader would merge atoms of equal (chain, number, name) into one
    residue, so each restart gets the next insertion code (A, B, ...) and residues stay separate
    and in file order. Author numbers are unchanged.

    One pass over the records, constant work per residue (no search loop): a residue whose
    (number, insertion code) was already seen at the chain's current level starts the next level
    (a blank insertion code becomes ``A`` at level 1, ``B`` at level 2, ...; a residue's own insertion
    code is kept). A repeat that cannot be told apart this way (the same number and insertion code
    written twice, or more than 26 restarts) raises ``PredictionError`` naming the chain, residue and line.
    """
    lines = text.splitlines(keepends=True)
    seen: dict[str, set] = {}  # chain -> (number, icode) seen at the chain's current level
    assigned: dict[str, set] = {}  # chain -> (number, icode written), all levels
    level: dict[str, int] = {}
    last_raw = None
    code = " "
    changed = False
    for i, line in enumerate(lines):
        if line.startswith("MODEL"):
            seen, assigned, level, last_raw = {}, {}, {}, None
            continue
        if not line.startswith(("ATOM  ", "HETATM")) or len(line) < 27:
            continue
        chain, resseq, icode = line[21], line[22:26], line[26]
        raw = (chain, resseq, icode, line[17:20])
        if raw != last_raw:
            last_raw = raw
            chain_seen = seen.setdefault(chain, set())
            lvl = level.get(chain, 0)
            if (resseq, icode) in chain_seen:
                lvl = level[chain] = lvl + 1
                chain_seen = seen[chain] = set()
            chain_seen.add((resseq, icode))
            code = icode
            if lvl and icode == " ":
                if lvl > 26:
                    raise PredictionError(
                        f"{path} line {i + 1}: chain {chain!r} residue {resseq.strip()}: the chain's numbering "
                        "restarts more than 26 times (one insertion code per restart); renumber the chain"
                    )
                code = chr(ord("A") + lvl - 1)
            key = (resseq, code)
            chain_assigned = assigned.setdefault(chain, set())
            if key in chain_assigned:
                raise PredictionError(
                    f"{path} line {i + 1}: chain {chain!r} residue {resseq.strip()}{code.strip()} occurs twice "
                    "and cannot be told apart; renumber the chain"
                )
            chain_assigned.add(key)
        if code != icode:
            lines[i] = line[:26] + code + line[27:]
            changed = True
    return "".join(lines) if changed else None


_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e"  # besides \n, ASCII characters that str.splitlines breaks at
_ATOM, _HETATM, _MODEL = (np.frombuffer(t, dtype=np.uint8) for t in (b"ATOM  ", b"HETATM", b"MODEL"))


def _may_repeat_residues(text: str) -> bool:
    """False only when :func:`_separate_repeated_residues` would return None (numpy scan, no loop).

    Takes columns 18-27 (residue name, chain, number, insertion code) of every ATOM/HETATM record,
    collapses consecutive equal records into residues and looks for a (chain, number, insertion
    code) that starts twice within one model (MODEL records start the numbering again). Anything
    unusual (non-ASCII text, other line breaks, records shorter than 27 characters) answers True,
    i.e. takes the exact path.
    """
    if not text.isascii() or any(c in text for c in _OTHER_LINE_BREAKS):
        return True
    data = np.frombuffer(text.encode("ascii") + b"\n" * 32, dtype=np.uint8)
    size = len(text)
    newlines = np.flatnonzero(data[:size] == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.append(newlines, size)
    keep = starts < size
    starts, ends = starts[keep], ends[keep]
    head = data[starts[:, None] + np.arange(6)]
    is_model = (head[:, :5] == _MODEL).all(axis=1)
    is_atom = (head == _ATOM).all(axis=1) | (head == _HETATM).all(axis=1)
    if not is_atom.any():
        return False
    if (ends[is_atom] - starts[is_atom] < 27).any():
        return True
    model = np.cumsum(is_model)[is_atom]
    keys = data[starts[is_atom][:, None] + np.arange(17, 27)]
    new_run = np.ones(keys.shape[0], dtype=bool)
    new_run[1:] = (keys[1:] != keys[:-1]).any(axis=1) | (model[1:] != model[:-1])
    rid = keys[new_run, 4:].astype(np.int64)  # chain, number, insertion code: 6 bytes
    code = (rid << (8 * np.arange(6, dtype=np.int64))).sum(axis=1) | (model[new_run].astype(np.int64) << 48)
    return np.unique(code).size != code.size


def _one_letter(name: str) -> str:
    info = gemmi.find_tabulated_residue(name)
    code = info.one_letter_code.strip().upper() if info is not None else ""
    return code if len(code) == 1 and code.isalpha() else "X"


#: The AtomTable fields :func:`_residue_layout` reads (everything but the coordinates and B-factors).
_RESIDUE_LAYOUT_FIELDS = ("res_in_table", "res_chain", "res_name", "res_num", "res_label_seq", "res_letter",
                          "res_start", "res_model_offset", "atom_residue", "atom_name", "atom_element",
                          "model_atom_chains")


def residue_table(st: gemmi.Structure, path: Path, atoms: AtomTable | None = None,
                  context: ReadContext | None = None) -> ResidueTable:
    """Per-residue arrays of the first model of ``st`` (see the module docstring for the rules).

    ``atoms``: the :func:`atom_table` of ``st`` when already built (it is built here otherwise).
    ``context``: where the residue layout (everything but the coordinates and B-factors) is kept for the next
    model of the run, keyed by the contents of the atom table fields it is derived from (read-only arrays).
    """
    if atoms is None:
        atoms = atom_table(st)
    context = context_or_new(context)
    key = content_key(*(getattr(atoms, name) for name in _RESIDUE_LAYOUT_FIELDS))
    rep, fields = context.layout_for("residues", key, lambda: _read_only(_residue_layout(atoms, path)))
    return ResidueTable(
        cb_coords=atoms.xyz[rep],
        cb_bfactor=np.round(atoms.b_iso[rep], 2),  # gemmi keeps float32; files have 2 decimals
        **{**fields, "sequences": dict(fields["sequences"])},
    )


def _read_only(layout: tuple[np.ndarray, dict]) -> tuple[np.ndarray, dict]:
    """The layout with its arrays read-only (shared by the models of a run)."""
    rep, fields = layout
    for value in (rep, *fields.values()):
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return layout


def _residue_layout(atoms: AtomTable, path: Path) -> tuple[np.ndarray, dict]:
    """(representative atom of each residue, every ResidueTable field but the per-model ones)."""
    sel = np.flatnonzero(atoms.res_in_table)
    if sel.size == 0:
        raise PredictionError(f"{path}: no amino-acid residues found")
    n_res_all = atoms.res_chain.shape[0]
    names, res_of = atoms.atom_name, atoms.atom_residue
    heavy = ~atoms.is_hydrogen
    # first CA / CB atom of every residue (np.unique on the sorted residue index: first occurrence)
    first_ca = np.full(n_res_all, -1)
    idx = np.flatnonzero(names == "CA")
    r, i = np.unique(res_of[idx], return_index=True)
    first_ca[r] = idx[i]
    missing = sel[first_ca[sel] < 0]
    if missing.size:
        k = missing[0]
        raise PredictionError(
            f"{path}: residue {atoms.res_chain[k]} {atoms.res_name[k]} {atoms.res_num[k]} has no CA atom"
        )
    first_cb = np.full(n_res_all, -1)
    idx = np.flatnonzero(names == "CB")
    r, i = np.unique(res_of[idx], return_index=True)
    first_cb[r] = idx[i]
    use_cb = (first_cb >= 0) & (atoms.res_name != "GLY")
    rep = np.where(use_cb, first_cb, first_ca)[sel]
    # heavy atoms: count per residue, and position of the first heavy CA among them
    heavy_before = np.concatenate([[0], np.cumsum(heavy)])  # heavy atoms before atom i
    ends = np.append(atoms.res_start[1:], names.shape[0])
    n_heavy = heavy_before[ends] - heavy_before[atoms.res_start]
    first_heavy_ca = np.full(n_res_all, -1)
    idx = np.flatnonzero((names == "CA") & heavy)
    r, i = np.unique(res_of[idx], return_index=True)
    first_heavy_ca[r] = idx[i]
    hca = first_heavy_ca[sel]
    if (hca < 0).any():  # CA present only as hydrogen: list.index would raise ValueError
        raise ValueError("'CA' is not in list")
    ca_heavy = heavy_before[hca] - heavy_before[atoms.res_start[sel]]
    chain_arr = atoms.res_chain[sel]
    letters = atoms.res_letter[sel]
    sequences: dict[str, str] = {}
    for c in dict.fromkeys(chain_arr.tolist()):
        sequences[c] = "".join(letters[chain_arr == c].tolist())
    return rep, dict(
        chain_ids=chain_arr,
        residue_numbers=atoms.res_num[sel],
        label_seq=atoms.res_label_seq[sel],
        sequences=sequences,
        cb_atom_index=atoms.res_model_offset[sel] + (rep - atoms.res_start[sel]),
        ca_heavy_index=ca_heavy,
        n_heavy_atoms=n_heavy[sel],
        atom_chain_ids=atoms.model_atom_chains.copy(),  # made read-only with the layout: not the caller's
    )


def load_json(path: Path, max_bytes: int = DEFAULT_MAX_BYTES):
    """Parse a JSON file; ``PredictionError`` naming the file when it is missing, invalid/truncated or
    larger than ``max_bytes`` (read through :func:`tfbind.readers.bounded.read_input`).

    Parsed with orjson; what orjson refuses but Python's json accepts (NaN/Infinity literals,
    integers beyond 64 bits, UTF-16/32 text) is parsed again with json, so results do not depend
    on the parser (the range checks then refuse NaN and infinity where a number is required).
    """
    path = Path(path)
    data = read_input(path, max_bytes)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise PredictionError(f"{path}: invalid or truncated JSON ({type(exc).__name__}: {exc})") from exc


def require(mapping, key: str, path: Path):
    """``mapping[key]``, or ``PredictionError`` naming the file and the missing key."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise PredictionError(f"{path}: missing key {key!r}")
    return mapping[key]


def as_matrix(values, path: Path, what: str = "PAE", size: int | None = None, size_of: str = "",
              model: str = "") -> np.ndarray:
    """Square float matrix from nested lists or an array, checked before it is materialised.

    ``size``: the expected number of rows and columns (the structure's residues or the run's tokens,
    named by ``size_of``); the declared shape (``len`` of the lists, or the array's shape) is compared
    first, so a 16,000 x 16,000 matrix in a small file (rows repeated by reference) is refused without
    being built. Booleans, text and nulls among the values are refused (``true`` is not 1.0 A).
    The values' range is checked where the prediction is built (``prediction.from_structure``).
    ``model`` (the model's name) is added to the messages.
    """
    where = f"{path}: model {model}" if model else f"{path}"
    if isinstance(values, np.ndarray):
        shape = values.shape
        if values.dtype.kind not in "iuf":
            raise PredictionError(f"{where}: {what} has {values.dtype} values, expected numbers")
    elif isinstance(values, list):
        rows = [len(r) if isinstance(r, (list, np.ndarray)) else -1 for r in values]
        if -1 in rows:
            raise PredictionError(f"{where}: {what} is not a matrix (row {rows.index(-1)} is not a list)")
        ncols = set(rows)
        if len(ncols) > 1:
            raise PredictionError(f"{where}: {what} rows have different lengths ({min(ncols)}..{max(ncols)})")
        shape = (len(values), rows[0] if rows else 0)
    else:
        raise PredictionError(f"{where}: {what} is {type(values).__name__}, not a matrix")
    if len(shape) != 2 or shape[0] != shape[1]:
        raise PredictionError(f"{where}: {what} has shape {shape}, expected a square matrix")
    if size is not None and shape[0] != size:
        raise PredictionError(f"{where}: {what} is {shape[0]}x{shape[1]} but {size_of or 'the structure'} has {size}")
    if isinstance(values, list):
        kinds = set(map(type, itertools.chain.from_iterable(values))) - _NUMBER_TYPES
        odd = sorted(k.__name__ for k in kinds if issubclass(k, (bool, np.bool_)) or not issubclass(k, _NUMBERS))
        if odd:
            raise PredictionError(f"{where}: {what} holds {', '.join(odd)} values, expected numbers")
    try:
        return np.asarray(values, dtype=float)
    except (ValueError, TypeError, OverflowError) as exc:
        raise PredictionError(f"{where}: {what} is not a numeric matrix ({exc})") from exc


def check_pae(pae: np.ndarray, n_res: int, pae_path: Path, structure_path: Path) -> np.ndarray:
    """Raise unless ``pae`` is n_res x n_res (n_res = polymer residues of the structure)."""
    if pae.shape != (n_res, n_res):
        raise PredictionError(
            f"{pae_path}: PAE is {pae.shape[0]}x{pae.shape[1]} but {structure_path} has "
            f"{n_res} polymer residues"
        )
    return pae


def to_float(value, where: str = "") -> float:
    """Float of a number or a 1-element numeric array; NaN for None (absent). A boolean (JSON
    ``true`` is not a score of 1.0), text or a non-numeric array raises ``PredictionError`` naming
    ``where``; other unusable values (a list of several numbers) give NaN."""
    if value is None:
        return float("nan")
    if isinstance(value, (bool, np.bool_, str, bytes)) or (
        isinstance(value, np.ndarray) and value.dtype.kind not in "iuf"
    ):
        raise PredictionError(f"{where or 'value'}: {value!r} is not a number")
    try:
        arr = np.asarray(value, dtype=float)
        return float(arr.reshape(-1)[0]) if arr.size == 1 else float("nan")
    except (TypeError, ValueError, OverflowError):
        return float("nan")
