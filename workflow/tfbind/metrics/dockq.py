"""Interface-contact scores: pDockQ and pDockQ2.

References
----------
* pDockQ: Bryant P, Pozzati G, Elofsson A (2022). "Improved prediction of protein-protein
  interactions using AlphaFold2." Nat Commun 13:1265, doi:10.1038/s41467-022-28865-w (the
  constants below; the multimer follow-up, Bryant et al. 2022 Nat Commun 13:6028, fits mpDockQ).
* pDockQ2: Zhu W, Shenoy A, Kundrotas P, Elofsson A (2023). "Evaluation of AlphaFold-Multimer
  prediction on multi-chain protein complexes." Bioinformatics 39(7):btad424.
* Per-chain-pair reading of both: DunbrackLab/IPSAE ``ipsae.py`` (Dunbrack 2025).

Contacts are CB-CB distances <= 8 A (CA for glycine; the coordinates passed in are already the
representative atoms).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from .ipsae_scores import ptm_term

#: Contact distance between representative (CB, CA for Gly) atoms, inclusive (Bryant et al. 2022).
CONTACT_CUTOFF = 8.0

#: pDockQ sigmoid (Bryant et al. 2022): L / (1 + exp(-k (x - x0))) + b.
PDOCKQ_L, PDOCKQ_K, PDOCKQ_X0, PDOCKQ_B = 0.724, 0.052, 152.611, 0.018
#: pDockQ2 sigmoid (Zhu et al. 2023) and the d0 of its PAE -> TM term.
PDOCKQ2_L, PDOCKQ2_K, PDOCKQ2_X0, PDOCKQ2_B = 1.31, 0.075, 84.733, 0.005
PDOCKQ2_D0 = 10.0


def _coords(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"{name} must have shape (n, 3), got {arr.shape}")
    return arr


def cb_distances(cb_coords_a, cb_coords_b) -> np.ndarray:
    """(n_a, n_b) matrix of Euclidean distances between the representative atoms of two chains."""
    a = _coords(cb_coords_a, "cb_coords_a")
    b = _coords(cb_coords_b, "cb_coords_b")
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]))
    return cdist(a, b)


def contact_matrix(cb_coords_a, cb_coords_b, cutoff: float = CONTACT_CUTOFF) -> np.ndarray:
    """Boolean (n_a, n_b) contact map: CB-CB distance <= ``cutoff`` (8 A, Bryant et al. 2022)."""
    return cb_distances(cb_coords_a, cb_coords_b) <= cutoff


def interface_masks(contacts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residues of A and of B that take part in at least one contact of ``contacts`` (n_a, n_b)."""
    contacts = np.asarray(contacts, dtype=bool)
    return contacts.any(axis=1), contacts.any(axis=0)


def interface_plddt(contacts: np.ndarray, plddt_a, plddt_b) -> float:
    """Mean pLDDT over the unique interface residues of both chains; NaN when there is no contact."""
    in_a, in_b = interface_masks(contacts)
    values = np.concatenate([np.asarray(plddt_a, float)[in_a], np.asarray(plddt_b, float)[in_b]])
    return float(values.mean()) if values.size else float("nan")


def _sigmoid(x: float, top: float, k: float, x0: float, base: float) -> float:
    return float(top / (1.0 + np.exp(-k * (x - x0))) + base)


def pdockq_from_contacts(contacts: np.ndarray, plddt_a, plddt_b) -> float:
    """pDockQ from a precomputed contact map; see :func:`pdockq`."""
    contacts = np.asarray(contacts, dtype=bool)
    n_pairs = int(contacts.sum())
    if n_pairs == 0:
        return 0.0
    x = interface_plddt(contacts, plddt_a, plddt_b) * np.log10(n_pairs)
    return _sigmoid(x, PDOCKQ_L, PDOCKQ_K, PDOCKQ_X0, PDOCKQ_B)


def pdockq(cb_coords_a, cb_coords_b, plddt_a, plddt_b, cutoff: float = CONTACT_CUTOFF) -> float:
    """pDockQ of a chain pair (Bryant, Pozzati & Elofsson 2022, Nat Commun).

    Contacts: CB-CB <= 8 A between the chains (CA for Gly); ``n`` = number of contact pairs;
    ``x = mean pLDDT of the unique interface residues of both chains * log10(n)``;
    ``pDockQ = 0.724 / (1 + exp(-0.052 * (x - 152.611))) + 0.018``. Returns 0.0 without contacts
    (as ipsae.py). pLDDT on the 0-100 scale, taken at the CB atom (CA for Gly), as ipsae.py does.
    Symmetric in A and B.
    """
    contacts = contact_matrix(cb_coords_a, cb_coords_b, cutoff)
    return pdockq_from_contacts(contacts, plddt_a, plddt_b)


def pdockq2_from_contacts(pae_ab, contacts: np.ndarray, plddt_a, plddt_b) -> float:
    """pDockQ2 from a precomputed contact map; see :func:`pdockq2`."""
    contacts = np.asarray(contacts, dtype=bool)
    pae_ab = np.asarray(pae_ab, dtype=float)
    if pae_ab.shape != contacts.shape:
        raise ValueError(f"PAE block shape {pae_ab.shape} does not match contact map {contacts.shape}")
    n_pairs = int(contacts.sum())
    if n_pairs == 0:
        return 0.0
    mean_ptm = float(ptm_term(pae_ab[contacts], PDOCKQ2_D0).mean())
    x = interface_plddt(contacts, plddt_a, plddt_b) * mean_ptm
    return _sigmoid(x, PDOCKQ2_L, PDOCKQ2_K, PDOCKQ2_X0, PDOCKQ2_B)


def pdockq2(pae_ab, cb_coords_a, cb_coords_b, plddt_a, plddt_b,
            cutoff: float = CONTACT_CUTOFF) -> float:
    """pDockQ2 of chain A (aligned rows) -> chain B (Zhu, Shenoy, Kundrotas & Elofsson 2023).

    ``pae_ab`` is the (n_a, n_b) PAE block with rows = residues of A (aligned) and columns = B.
    Contact pairs (i in A, j in B) have CB-CB <= 8 A; ``mean_ptm`` = mean over the contact pairs
    of ``1 / (1 + (PAE[i, j] / 10)^2)``; ``mean_plddt`` = mean pLDDT over the unique interface
    residues of both chains; ``x = mean_plddt * mean_ptm``;
    ``pDockQ2 = 1.31 / (1 + exp(-0.075 * (x - 84.733))) + 0.005``; 0.0 without contacts.

    The paper defines pDockQ2 per chain of a complex (PAE of the chain's interface residues against
    all partners); this is ipsae.py's per-direction chain-pair reading of that formula (rows of A
    against B only), so pDockQ2(A->B) and pDockQ2(B->A) differ through the PAE asymmetry.
    """
    contacts = contact_matrix(cb_coords_a, cb_coords_b, cutoff)
    return pdockq2_from_contacts(pae_ab, contacts, plddt_a, plddt_b)
