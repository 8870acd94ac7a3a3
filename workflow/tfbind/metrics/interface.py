"""Interface structure metrics of one TF chain against one domain chain of a predicted model.

:func:`interface_metrics` is the entry point (keys in :data:`INTERFACE_KEYS`); the buried surface
area and solvation energy are computed in :mod:`.interface_sasa`.

Which atoms take part
---------------------
* First model of ``pred.structure`` only (``pred.structure_path`` is parsed when the structure is
  not kept); only the TF chain and the domain chain (every gemmi chain of those names); other chains,
  waters, ligands and hydrogens/deuterium are ignored; of alternative conformations the first.
* Residues kept: polymer residues that gemmi tabulates as amino acids (residues of non-polymer,
  branched or water entities are dropped; an untabulated residue is kept when it has a CA atom).
  **Modified residues** (SEP, TPO, MSE, MLY, ...) are kept with all their heavy atoms, which take
  part in contacts, SASA and solvation energy; they are classified by their parent amino acid
  (gemmi's one-letter code, SEP -> S, MSE -> M) for ``frac_*``, and the per-atom H-bond / charge
  tables below apply by the parent residue's name and the atom's name (an approximation: e.g. the
  phosphate oxygens of SEP are neutral O, its OG still counts as a Ser OG). Unknown residues (X)
  are unclassed. Atom-level typing of elements other than C, N, O, S/Se contributes nothing.

Definitions
-----------
* ``n_contact_pairs``: TF-domain residue pairs with representative atoms (CB, CA for Gly:
  ``pred.cb_coords``) within 8 A (inclusive), as pDockQ counts them.
* ``n_interface_res_tf`` / ``n_interface_res_domain``: residues with any heavy atom within 5 A
  (inclusive) of any heavy atom of the partner chain; ``n_interface_res`` their sum.
* ``frac_polar`` / ``frac_hydrophobic`` / ``frac_charged``: fractions of those interface residues
  (both chains together) in the classes polar S T N Q Y C; hydrophobic A V L I M F W; charged
  R K D E H. G, P and X are unclassed (so the three need not sum to 1). NaN without interface.
* ``bsa``: SASA(TF alone) + SASA(domain alone) - SASA(complex), A^2, probe 1.4 A (Shrake-Rupley,
  element radii, see :mod:`.interface_sasa`); ``interface_area`` = bsa / 2 (PISA convention).
* ``solvation_energy`` (kcal/mol): open estimate of PISA's interface solvation energy (Krissinel &
  Henrick 2007, J Mol Biol 372:774) with the atomic solvation parameters of Eisenberg & McLachlan
  1986 (Nature 319:199), cal/mol/A^2:

  ======================================================================  =======
  atom class                                                              sigma
  ======================================================================  =======
  C                                                                        16
  N, O (neutral)                                                           -6
  O-: Asp OD1/OD2, Glu OE1/OE2, C-terminal OXT                             -24
  N+: Lys NZ, Arg NE/NH1/NH2, N-terminal N (first residue of the chain)    -50
  S (Cys SG, Met SD; Se of MSE treated as S)                               21
  ======================================================================  =======

  dG = sum_i sigma_i (ASA_complex,i - ASA_alone,i) / 1000 = -sum_i sigma_i buried_i / 1000.
  **Negative = favourable** (hydrophobic interface); burying charged groups makes it positive.
* ``n_hbonds``: donor-acceptor heavy-atom pairs, one atom in each chain, within 3.5 A (inclusive),
  each atom pair counted once (also when both atoms are donor and acceptor, e.g. Ser OG-Ser OG):

  =========  =================================================================================
  donors     backbone N (not Pro, except an N-terminal Pro), Arg NE/NH1/NH2, Lys NZ, Asn ND2,
             Gln NE2, His ND1/NE2, Trp NE1, Ser OG, Thr OG1, Tyr OH (Cys SG is not counted)
  acceptors  backbone O and OXT, Asp OD1/OD2, Glu OE1/OE2, Asn OD1, Gln OE1, His ND1/NE2,
             Ser OG, Thr OG1, Tyr OH, Met SD
  =========  =================================================================================

  No angle criterion (hydrogens are not modelled), so this is an upper estimate.
* ``n_salt_bridges``: distinct residue pairs, a K/R/H on one chain and a D/E on the other, with any
  N+ (Lys NZ, Arg NE/NH1/NH2, His ND1/NE2) to O- (Asp OD1/OD2, Glu OE1/OE2) distance <= 4.0 A.

When the two chains do not touch, counts and areas are 0 and fractions NaN; with ``sasa=False``
``bsa``, ``interface_area`` and ``solvation_energy`` are NaN (fast mode).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

import gemmi
import numpy as np
from scipy.spatial import cKDTree

from ..readers.context import ReadContext, content_key, context_or_new
from ..readers.prediction import ModelPrediction
from .dockq import CONTACT_CUTOFF
from .interface_sasa import (
    SOLVATION_PARAMETERS,
    buried_area_per_atom,
    element_radius,
    solvation_energy,
)

#: Keys of :func:`interface_metrics`, in output order.
INTERFACE_KEYS: tuple[str, ...] = (
    "n_contact_pairs", "n_interface_res_tf", "n_interface_res_domain", "n_interface_res",
    "frac_polar", "frac_hydrophobic", "frac_charged",
    "bsa", "interface_area", "solvation_energy",
    "n_hbonds", "n_salt_bridges",
)

#: Heavy-atom distance (A, inclusive) for an interface residue.
INTERFACE_ATOM_CUTOFF = 5.0
#: Donor-acceptor distance (A, inclusive) for an H-bond.
HBOND_CUTOFF = 3.5
#: N+ to O- distance (A, inclusive) for a salt bridge.
SALT_BRIDGE_CUTOFF = 4.0

POLAR = frozenset("STNQYC")
HYDROPHOBIC = frozenset("AVLIMFW")
CHARGED = frozenset("RKDEH")

_THREE = {
    "A": "ALA", "R": "ARG", "N": "ASN", "D": "ASP", "C": "CYS", "Q": "GLN", "E": "GLU", "G": "GLY",
    "H": "HIS", "I": "ILE", "L": "LEU", "K": "LYS", "M": "MET", "F": "PHE", "P": "PRO", "S": "SER",
    "T": "THR", "W": "TRP", "Y": "TYR", "V": "VAL",
}

# Per-atom flags.
_DONOR, _ACCEPTOR, _SB_CATION, _SB_ANION, _N_PLUS, _O_MINUS = 1, 2, 4, 8, 16, 32

#: Side-chain flags: (residue, atom names, flags); several rows of one atom add up.
_SIDE_CHAIN_ROWS = (
    ("ARG", "NE NH1 NH2", _DONOR | _SB_CATION | _N_PLUS),
    ("LYS", "NZ", _DONOR | _SB_CATION | _N_PLUS),
    ("HIS", "ND1 NE2", _DONOR | _ACCEPTOR | _SB_CATION),
    ("ASN", "ND2", _DONOR),
    ("ASN", "OD1", _ACCEPTOR),
    ("GLN", "NE2", _DONOR),
    ("GLN", "OE1", _ACCEPTOR),
    ("TRP", "NE1", _DONOR),
    ("SER", "OG", _DONOR | _ACCEPTOR),
    ("THR", "OG1", _DONOR | _ACCEPTOR),
    ("TYR", "OH", _DONOR | _ACCEPTOR),
    ("ASP", "OD1 OD2", _ACCEPTOR | _SB_ANION | _O_MINUS),
    ("GLU", "OE1 OE2", _ACCEPTOR | _SB_ANION | _O_MINUS),
    ("MET", "SD", _ACCEPTOR),
)


def _side_chain_flags(rows) -> dict[tuple[str, str], int]:
    flags: dict[tuple[str, str], int] = {}
    for res, atoms, bits in rows:
        for atom in atoms.split():
            flags[(res, atom)] = flags.get((res, atom), 0) | bits
    return flags


_SIDE_CHAIN_FLAGS = MappingProxyType(_side_chain_flags(_SIDE_CHAIN_ROWS))  # read-only after import

_STANDARD = frozenset(_THREE.values())
_EXCLUDED_ENTITIES = (gemmi.EntityType.NonPolymer, gemmi.EntityType.Branched, gemmi.EntityType.Water)


@dataclass
class InterfaceAtoms:
    """Heavy atoms of the two chains (TF first, then domain), as every interface metric selects them."""

    xyz: np.ndarray  # (n, 3)
    is_tf: np.ndarray  # (n,) bool
    residue: np.ndarray  # (n,) int, index into letters (TF residues first)
    element: np.ndarray  # (n,) str, upper-case symbol
    flags: np.ndarray  # (n,) int, _DONOR | _ACCEPTOR | ...
    letters: list  # one-letter parent code per residue
    n_res_tf: int
    name: np.ndarray  # (n,) str, atom name as in the file (e.g. "OH")
    res_name: np.ndarray  # (n,) str, residue name as in the file (e.g. "TYR", "SEP")
    res_num: np.ndarray  # (n,) int, author residue number


def _flag_table(atoms, res_parent: np.ndarray, atom_sel: np.ndarray) -> np.ndarray:
    """Side-chain flags of the selected atoms by (parent residue name, atom name)."""
    parents = res_parent[atoms.atom_residue[atom_sel]].tolist()
    names = atoms.atom_name[atom_sel].tolist()
    get = _SIDE_CHAIN_FLAGS.get
    return np.fromiter((get(key, 0) for key in zip(parents, names)), dtype=int, count=len(names))


#: The AtomTable fields that :func:`_layout_atoms` reads (everything but the coordinates).
_LAYOUT_FIELDS = ("res_in_interface", "res_chain", "res_chain_index", "res_name", "res_num", "res_letter",
                  "atom_residue", "atom_name", "atom_element")


def chain_atoms(structure, tf_chain: str, domain_chain: str, model_name: str = "",
                context: ReadContext | None = None) -> InterfaceAtoms:
    """Heavy atoms of the two chains from ``structure`` (a ``gemmi.Structure`` or the
    :class:`~tfbind.readers.structure.AtomTable` of one). What depends on the residues and atoms alone
    (selection, flags, residue numbering) is derived once for the models of a run that share them: kept in
    ``context`` (:class:`~tfbind.readers.context.ReadContext`; None: a fresh one), keyed by the two chains and
    the contents of the table fields it is derived from (:data:`_LAYOUT_FIELDS`)."""
    from ..readers.structure import AtomTable, atom_table

    atoms = structure if isinstance(structure, AtomTable) else atom_table(structure)
    key = (tf_chain, domain_chain, content_key(*(getattr(atoms, name) for name in _LAYOUT_FIELDS)))
    template, sel = context_or_new(context).layout_for(
        "interface_atoms", key, lambda: _layout_atoms(atoms, tf_chain, domain_chain, model_name))
    return replace(template, xyz=atoms.xyz[sel])


def _layout_atoms(atoms, tf_chain: str, domain_chain: str, model_name: str) -> tuple[InterfaceAtoms, np.ndarray]:
    """(the interface atoms without coordinates, their rows in ``atoms``)."""
    kept = atoms.res_in_interface
    res_tf = np.flatnonzero(kept & (atoms.res_chain == tf_chain))
    res_dom = np.flatnonzero(kept & (atoms.res_chain == domain_chain))
    for chain, n, role in ((tf_chain, res_tf.size, "TF"), (domain_chain, res_dom.size, "domain")):
        if n == 0:
            present = sorted(set(atoms.model_chain_names))
            raise ValueError(f"{role} chain {chain!r} has no amino-acid residues in the structure of model "
                             f"{model_name!r} (chains present: {', '.join(present) or 'none'})")
    # interface residue numbering: TF residues first, then domain residues
    order = np.concatenate([res_tf, res_dom])
    new_index = np.full(atoms.res_chain.shape[0], -1)
    new_index[order] = np.arange(order.size)
    # N-terminal residue: the first kept residue of every gemmi chain
    kept_idx = np.flatnonzero(kept)
    chain_of = atoms.res_chain_index[kept_idx]
    n_term_res = np.zeros(atoms.res_chain.shape[0], dtype=bool)
    n_term_res[kept_idx[np.concatenate([[True], chain_of[1:] != chain_of[:-1]])]] = True
    letters = atoms.res_letter
    res_parent = np.array(
        [name if name in _STANDARD else _THREE.get(letter, name)
         for name, letter in zip(atoms.res_name.tolist(), letters.tolist())], dtype=object)
    usable = ~atoms.is_hydrogen & atoms.first_conformer
    atom_new_res = new_index[atoms.atom_residue]
    sel_tf = np.flatnonzero(usable & kept[atoms.atom_residue] & (atom_new_res >= 0) & (atom_new_res < res_tf.size))
    sel_dom = np.flatnonzero(usable & kept[atoms.atom_residue] & (atom_new_res >= res_tf.size))
    sel = np.concatenate([sel_tf, sel_dom])
    names = atoms.atom_name[sel]
    parent = res_parent[atoms.atom_residue[sel]]
    n_term = n_term_res[atoms.atom_residue[sel]]
    flags = _flag_table(atoms, res_parent, sel)
    is_n = names == "N"
    flags |= np.where(is_n & n_term, _N_PLUS, 0)
    flags |= np.where(is_n & ((parent != "PRO") | n_term), _DONOR, 0)
    flags |= np.where(names == "O", _ACCEPTOR, 0)
    flags |= np.where(names == "OXT", _ACCEPTOR | _O_MINUS, 0)
    is_tf = np.zeros(sel.size, dtype=bool)
    is_tf[: sel_tf.size] = True
    template = InterfaceAtoms(
        xyz=np.empty((0, 3)),
        is_tf=is_tf,
        residue=atom_new_res[sel],
        element=atoms.atom_element[sel],
        flags=flags,
        letters=letters[order].tolist(),
        n_res_tf=res_tf.size,
        name=names,
        res_name=atoms.res_name[atoms.atom_residue[sel]],
        res_num=atoms.res_num[atoms.atom_residue[sel]],
    )
    for value in (template.is_tf, template.residue, template.element, template.flags, template.name,
                  template.res_name, template.res_num, sel):
        value.flags.writeable = False  # shared by the models of a run
    return template, sel


def _sigma(atoms: InterfaceAtoms) -> np.ndarray:
    """Eisenberg-McLachlan solvation parameter (cal/mol/A^2) of every atom."""
    el, flags = atoms.element, atoms.flags
    sigma = np.full(el.shape, SOLVATION_PARAMETERS["other"])
    sigma[el == "C"] = SOLVATION_PARAMETERS["C"]
    sigma[(el == "S") | (el == "SE")] = SOLVATION_PARAMETERS["S"]
    sigma[(el == "N") | (el == "O")] = SOLVATION_PARAMETERS["N/O"]
    sigma[(el == "N") & (flags & _N_PLUS > 0)] = SOLVATION_PARAMETERS["N+"]
    sigma[(el == "O") & (flags & _O_MINUS > 0)] = SOLVATION_PARAMETERS["O-"]
    return sigma


def _structure_of(pred: ModelPrediction, context: ReadContext | None = None) -> gemmi.Structure:
    if pred.structure is not None:
        return pred.structure
    if pred.structure_path is not None:
        from ..readers.structure import read_structure

        return read_structure(pred.structure_path, context_or_new(context).max_bytes)
    raise ValueError(f"model {pred.model_name!r} has neither a structure nor a structure_path")


def prediction_atoms(pred: ModelPrediction, tf_chain: str, domain_chain: str,
                     context: ReadContext | None = None) -> InterfaceAtoms:
    """The heavy atoms of ``tf_chain`` and ``domain_chain`` of one model (:func:`chain_atoms` of the
    readers' atom table when the prediction carries one, else of its structure); ``context`` as there."""
    table = getattr(pred, "atoms", None)
    source = table if table is not None else _structure_of(pred, context)
    return chain_atoms(source, tf_chain, domain_chain, pred.model_name, context)


def count_contact_pairs(pred: ModelPrediction, tf_chain: str, domain_chain: str) -> int:
    """TF-domain residue pairs with CB-CB (CA for Gly) <= 8 A, from ``pred.cb_coords``."""
    chain_ids = np.asarray(pred.chain_ids)
    cb = np.asarray(pred.cb_coords, dtype=float).reshape(-1, 3)
    a, b = cb[chain_ids == tf_chain], cb[chain_ids == domain_chain]
    if a.shape[0] == 0 or b.shape[0] == 0:
        return 0
    return int(cKDTree(a).count_neighbors(cKDTree(b), CONTACT_CUTOFF))


def _cross_chain_atom_pairs(atoms):
    """(TF atom index, domain atom index, distance) of every cross-chain heavy-atom pair within the
    largest cut-off any interface metric uses."""
    idx_t, idx_d = np.flatnonzero(atoms.is_tf), np.flatnonzero(~atoms.is_tf)
    reach = max(INTERFACE_ATOM_CUTOFF, HBOND_CUTOFF, SALT_BRIDGE_CUTOFF)
    pairs = cKDTree(atoms.xyz[idx_t]).sparse_distance_matrix(
        cKDTree(atoms.xyz[idx_d]), reach, output_type="ndarray")
    return idx_t[pairs["i"]], idx_d[pairs["j"]], pairs["v"]


def _interface_residues(atoms, pi, pj, dist):
    """(TF interface residues, domain interface residues, polar/hydrophobic/charged fractions): residues
    with any heavy atom within 5 A of the partner chain; fractions over both chains (NaN without any)."""
    near = dist <= INTERFACE_ATOM_CUTOFF
    res_tf = np.unique(atoms.residue[pi[near]])
    res_dom = np.unique(atoms.residue[pj[near]])
    n_if = res_tf.size + res_dom.size
    if not n_if:
        return res_tf, res_dom, dict.fromkeys(("frac_polar", "frac_hydrophobic", "frac_charged"), float("nan"))
    classes = [atoms.letters[r] for r in np.concatenate([res_tf, res_dom])]
    return res_tf, res_dom, {
        "frac_polar": sum(c in POLAR for c in classes) / n_if,
        "frac_hydrophobic": sum(c in HYDROPHOBIC for c in classes) / n_if,
        "frac_charged": sum(c in CHARGED for c in classes) / n_if,
    }


def _polar_contacts(atoms, pi, pj, dist) -> tuple[int, int]:
    """(H-bonds, salt bridges) across the interface: donor-acceptor atom pairs within 3.5 A (each atom
    pair once), and distinct residue pairs with an N+ - O- atom pair within 4 A."""
    fi, fj = atoms.flags[pi], atoms.flags[pj]

    def has(flags, bit):
        return (flags & bit) > 0

    is_hb = (has(fi, _DONOR) & has(fj, _ACCEPTOR)) | (has(fi, _ACCEPTOR) & has(fj, _DONOR))
    n_hbonds = int(np.count_nonzero(is_hb & (dist <= HBOND_CUTOFF)))
    is_sb = (has(fi, _SB_CATION) & has(fj, _SB_ANION)) | (has(fi, _SB_ANION) & has(fj, _SB_CATION))
    is_sb &= dist <= SALT_BRIDGE_CUTOFF
    sb_pairs = {(int(a), int(b)) for a, b in zip(atoms.residue[pi[is_sb]], atoms.residue[pj[is_sb]])}
    return n_hbonds, len(sb_pairs)


def interface_metrics(pred: ModelPrediction, tf_chain: str, domain_chain: str,
                      sasa: bool = True, context: ReadContext | None = None) -> dict[str, float]:
    """Interface structure metrics of ``tf_chain`` vs ``domain_chain`` in one predicted model.

    Returns floats under exactly the keys of :data:`INTERFACE_KEYS`:

    ``n_contact_pairs`` (CB-CB, CA for Gly, <= 8 A), ``n_interface_res_tf``,
    ``n_interface_res_domain``, ``n_interface_res`` (any heavy atom within 5 A of the partner chain),
    ``frac_polar`` (S T N Q Y C), ``frac_hydrophobic`` (A V L I M F W), ``frac_charged`` (R K D E H)
    over all interface residues of both chains (G, P, X unclassed; NaN without interface),
    ``bsa`` (A^2, SASA(TF) + SASA(domain) - SASA(complex), probe 1.4 A), ``interface_area``
    (bsa / 2, PISA convention), ``solvation_energy`` (kcal/mol, Eisenberg-McLachlan parameters on
    the buried area per atom; negative = favourable), ``n_hbonds`` (donor-acceptor pairs <= 3.5 A),
    ``n_salt_bridges`` (K/R/H - D/E residue pairs with N+ to O- <= 4.0 A).

    Only the two chains' heavy atoms of the first model count; modified amino acids are kept and
    classified by their parent residue. The full rules, atom tables and the sign convention are in
    the module docstring of :mod:`tfbind.metrics.interface`. With ``sasa=False`` the three area
    metrics are NaN. Chains that do not touch give zeros (fractions NaN), never an error.

    Raises ValueError when the two chains are the same, a chain has no amino-acid residue in the
    structure, or the prediction carries no structure. ``context``: where the atom selection of the run's
    layout is kept for its next model (:func:`chain_atoms`; None: nothing kept).
    """
    if tf_chain == domain_chain:
        raise ValueError(f"TF chain and domain chain are both {tf_chain!r}; need two different chains")
    atoms = prediction_atoms(pred, tf_chain, domain_chain, context)

    pi, pj, dist = _cross_chain_atom_pairs(atoms)
    res_tf, res_dom, fractions = _interface_residues(atoms, pi, pj, dist)
    n_hbonds, n_salt_bridges = _polar_contacts(atoms, pi, pj, dist)
    if sasa:
        unique, inverse = np.unique(atoms.element, return_inverse=True)
        radii = np.array([element_radius(e) for e in unique.tolist()], dtype=float)[inverse]
        buried = buried_area_per_atom(atoms.xyz, radii, atoms.is_tf)
        bsa, dg = float(buried.sum()), solvation_energy(buried, _sigma(atoms))
    else:
        bsa = dg = float("nan")
    out = {
        "n_contact_pairs": count_contact_pairs(pred, tf_chain, domain_chain),
        "n_interface_res_tf": res_tf.size,
        "n_interface_res_domain": res_dom.size,
        "n_interface_res": res_tf.size + res_dom.size,
        **fractions,
        "bsa": bsa,
        "interface_area": bsa / 2.0,  # PISA convention
        "solvation_energy": dg,
        "n_hbonds": n_hbonds,
        "n_salt_bridges": n_salt_bridges,
    }
    return {key: float(out[key]) for key in INTERFACE_KEYS}
