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

import json
from dataclasses import dataclass
from pathlib import Path

import gemmi
import numpy as np

from tfbind.errors import PredictionError

_HYDROGENS = {"H", "D"}


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
    atom_chain_ids: list[str]  # chain id of every atom of the first model, file order

    @property
    def n_residues(self) -> int:
        return int(self.chain_ids.shape[0])


def read_structure(path: Path) -> gemmi.Structure:
    """Parse a PDB or mmCIF file with gemmi (entities set up); ``PredictionError`` when unreadable."""
    path = Path(path)
    if not path.is_file():
        raise PredictionError(f"{path}: structure file not found")
    try:
        if path.suffix.lower() in (".pdb", ".ent"):
            text = path.read_text(errors="replace")
            fixed = _separate_repeated_residues(text)
            st = gemmi.read_pdb_string(fixed if fixed is not None else text)
        else:
            st = gemmi.read_structure(str(path))
    except Exception as exc:  # gemmi raises RuntimeError/ValueError/IOError with little context
        raise PredictionError(f"{path}: cannot parse structure ({exc})") from exc
    if len(st) == 0:
        raise PredictionError(f"{path}: structure has no model")
    st.setup_entities()
    return st


def _separate_repeated_residues(text: str) -> str | None:
    """Give repeated residue numbers of a chain distinct insertion codes, or None if none repeat.

    AlphaPulldown writes fragments of one protein as one chain whose numbering restarts (C1..C10,
    C2..C5, ...). gemmi's PDB reader would merge atoms of equal (chain, number, name) into one
    residue, so each restart gets the next insertion code (A, B, ...) and residues stay separate
    and in file order. Author numbers are unchanged.
    """
    lines = text.splitlines(keepends=True)
    seen: dict[str, set] = {}
    level: dict[str, int] = {}
    last_raw = None
    changed = False
    for i, line in enumerate(lines):
        if line.startswith("MODEL"):
            seen, level, last_raw = {}, {}, None
            continue
        if not line.startswith(("ATOM  ", "HETATM")) or len(line) < 27:
            continue
        chain, resseq, icode = line[21], line[22:26], line[26]
        raw = (chain, resseq, icode, line[17:20])
        if raw != last_raw:
            chain_seen = seen.setdefault(chain, set())
            while (resseq, _icode(icode, level.get(chain, 0))) in chain_seen:
                level[chain] = level.get(chain, 0) + 1
            chain_seen.add((resseq, _icode(icode, level.get(chain, 0))))
            last_raw = raw
        if level.get(chain, 0) and icode == " ":
            lines[i] = line[:26] + _icode(icode, level[chain]) + line[27:]
            changed = True
    return "".join(lines) if changed else None


def _icode(icode: str, level: int) -> str:
    return icode if level == 0 or icode != " " else chr(ord("A") + (level - 1) % 26)


def _is_amino_acid_residue(res: gemmi.Residue) -> bool:
    if res.entity_type not in (gemmi.EntityType.Polymer, gemmi.EntityType.Unknown):
        return False
    if res.entity_type == gemmi.EntityType.Unknown and res.het_flag != "A":
        return False
    info = gemmi.find_tabulated_residue(res.name)
    if info is not None:
        return info.is_amino_acid()
    return res.find_atom("CA", "*") is not None  # untabulated polymer residue with a backbone


def _one_letter(name: str) -> str:
    info = gemmi.find_tabulated_residue(name)
    code = info.one_letter_code.strip().upper() if info is not None else ""
    return code if len(code) == 1 and code.isalpha() else "X"


def residue_table(st: gemmi.Structure, path: Path) -> ResidueTable:
    """Per-residue arrays of the first model of ``st`` (see the module docstring for the rules)."""
    chain_ids, numbers, label_seq, letters = [], [], [], []
    coords, bfac, rep_idx, ca_heavy, n_heavy = [], [], [], [], []
    atom_chain_ids: list[str] = []
    offset = 0
    for chain in st[0]:
        for res in chain:
            n_atoms = len(res)
            atom_chain_ids.extend([chain.name] * n_atoms)
            start, offset = offset, offset + n_atoms
            if not _is_amino_acid_residue(res):
                continue
            names = [a.name for a in res]
            heavy = [a.name for a in res if a.element.name.upper() not in _HYDROGENS]
            if "CA" not in names:
                raise PredictionError(
                    f"{path}: residue {chain.name} {res.name} {res.seqid.num} has no CA atom"
                )
            rep = "CB" if ("CB" in names and res.name != "GLY") else "CA"
            i_rep = names.index(rep)
            atom = res[i_rep]
            chain_ids.append(chain.name)
            numbers.append(res.seqid.num)
            label_seq.append(res.label_seq if res.label_seq is not None else res.seqid.num)
            letters.append(_one_letter(res.name))
            coords.append((atom.pos.x, atom.pos.y, atom.pos.z))
            bfac.append(atom.b_iso)
            rep_idx.append(start + i_rep)
            ca_heavy.append(heavy.index("CA"))
            n_heavy.append(len(heavy))
    if not chain_ids:
        raise PredictionError(f"{path}: no amino-acid residues found")
    chain_arr = np.array(chain_ids, dtype=str)
    sequences: dict[str, str] = {}
    for c, letter in zip(chain_ids, letters):
        sequences[c] = sequences.get(c, "") + letter
    return ResidueTable(
        chain_ids=chain_arr,
        residue_numbers=np.array(numbers, dtype=int),
        label_seq=np.array(label_seq, dtype=int),
        sequences=sequences,
        cb_coords=np.array(coords, dtype=float).reshape(-1, 3),
        cb_bfactor=np.round(np.array(bfac, dtype=float), 2),  # gemmi keeps float32; files have 2 decimals
        cb_atom_index=np.array(rep_idx, dtype=int),
        ca_heavy_index=np.array(ca_heavy, dtype=int),
        n_heavy_atoms=np.array(n_heavy, dtype=int),
        atom_chain_ids=atom_chain_ids,
    )


def load_json(path: Path):
    """Parse a JSON file; ``PredictionError`` naming the file when it is missing or invalid/truncated."""
    path = Path(path)
    if not path.is_file():
        raise PredictionError(f"{path}: file not found")
    try:
        with open(path, "rb") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PredictionError(f"{path}: invalid or truncated JSON ({exc})") from exc
    except OSError as exc:
        raise PredictionError(f"{path}: cannot read ({exc})") from exc


def require(mapping, key: str, path: Path):
    """``mapping[key]``, or ``PredictionError`` naming the file and the missing key."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise PredictionError(f"{path}: missing key {key!r}")
    return mapping[key]


def as_matrix(values, path: Path, what: str = "PAE") -> np.ndarray:
    """Square float matrix from nested lists/arrays; ``PredictionError`` when ragged or not square."""
    try:
        arr = np.asarray(values, dtype=float)
    except (ValueError, TypeError) as exc:
        raise PredictionError(f"{path}: {what} is not a numeric matrix ({exc})") from exc
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise PredictionError(f"{path}: {what} has shape {arr.shape}, expected a square matrix")
    return arr


def check_pae(pae: np.ndarray, n_res: int, pae_path: Path, structure_path: Path) -> np.ndarray:
    """Raise unless ``pae`` is n_res x n_res (n_res = polymer residues of the structure)."""
    if pae.shape != (n_res, n_res):
        raise PredictionError(
            f"{pae_path}: PAE is {pae.shape[0]}x{pae.shape[1]} but {structure_path} has "
            f"{n_res} polymer residues"
        )
    return pae


def to_float(value) -> float:
    """Float of a scalar/0-d/1-element array; NaN for None or anything unusable."""
    if value is None:
        return float("nan")
    try:
        arr = np.asarray(value, dtype=float)
        return float(arr.reshape(-1)[0]) if arr.size == 1 else float("nan")
    except (TypeError, ValueError):
        return float("nan")
