"""PAE-derived TM-style scores: ipSAE and ipTM recomputed from the PAE matrix.

References
----------
* Dunbrack RL (2025). "Rēs ipSAE loquunt: What's wrong with AlphaFold's ipTM score and how to fix it."
  bioRxiv 2025.02.10.637595. Reference implementation: DunbrackLab/IPSAE ``ipsae.py``.
* Yang Y, Skolnick J (2004). Proteins 57:702-710 (TM-score d0); Zhang Y, Skolnick J (2004) for the
  ``1 / (1 + (x/d0)^2)`` TM-score term used by AlphaFold's pTM/ipTM.

All functions work on plain numpy arrays so that they can be checked on hand-built matrices. A PAE
matrix is indexed ``pae[i, j]`` = expected error of residue ``j`` when the prediction is aligned on
residue ``i`` (row = aligned residue), as AlphaFold writes it.
"""

from __future__ import annotations

import numpy as np

#: TM-score d0 constants (Yang & Skolnick 2004): d0(L) = 1.24 * (L - 15)^(1/3) - 1.8.
D0_SCALE = 1.24
D0_OFFSET = 15.0
D0_SHIFT = 1.8
#: Smallest length used in d0 (ipsae.py clips L at 27 so that d0 stays above 1 Angstrom).
D0_MIN_LENGTH = 27.0
#: Floor of d0 for proteins (ipsae.py; 2.0 would be used for nucleic acids, not needed here).
D0_MIN = 1.0


def calc_d0(length) -> np.ndarray | float:
    """TM-score normalisation distance d0 for ``length`` residues (scalar or array).

    ``d0(L) = max(1.0, 1.24 * (max(L, 27) - 15)^(1/3) - 1.8)`` -- Yang & Skolnick (2004) with the
    length clipped at 27 and the 1.0 Angstrom floor exactly as in ipsae.py's ``calc_d0``
    (Dunbrack 2025). Returns a float for scalar input, an array otherwise.
    """
    arr = np.maximum(np.asarray(length, dtype=float), D0_MIN_LENGTH)
    d0 = np.maximum(D0_MIN, D0_SCALE * np.cbrt(arr - D0_OFFSET) - D0_SHIFT)
    return float(d0) if d0.ndim == 0 else d0


def ptm_term(x, d0) -> np.ndarray | float:
    """TM-score term ``1 / (1 + (x / d0)^2)`` (as in AlphaFold pTM and ipsae.py ``ptm_func``)."""
    x = np.asarray(x, dtype=float)
    out = 1.0 / (1.0 + np.square(x / np.asarray(d0, dtype=float)))
    return float(out) if out.ndim == 0 else out


def _as_index(mask, n: int, name: str) -> np.ndarray:
    """Boolean mask (length n) or integer index array -> integer index array."""
    arr = np.asarray(mask)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"{name} has shape {arr.shape}, expected ({n},) to match the PAE matrix")
        return np.flatnonzero(arr)
    arr = arr.astype(int, copy=False).ravel()
    if arr.size and (arr.min() < -n or arr.max() >= n):
        raise ValueError(f"{name} indexes outside the {n}x{n} PAE matrix")
    return arr


def _block(pae, rows_mask, cols_mask) -> np.ndarray:
    pae = np.asarray(pae, dtype=float)
    if pae.ndim != 2 or pae.shape[0] != pae.shape[1]:
        raise ValueError(f"PAE matrix must be square, got shape {pae.shape}")
    n = pae.shape[0]
    rows = _as_index(rows_mask, n, "rows_mask")
    cols = _as_index(cols_mask, n, "cols_mask")
    return pae[np.ix_(rows, cols)]


def ipsae_by_residue(pae, rows_mask, cols_mask, cutoff: float) -> np.ndarray:
    """Per-residue ipSAE of every aligned (row) residue of chain A against chain B.

    Dunbrack (2025), ipsae.py's ``ipsae_d0res_byres``: for residue ``i`` of A, the scored residues
    are ``j`` in B with ``PAE[i, j] < cutoff`` (strict); ``n0(i)`` is their number,
    ``d0(i) = calc_d0(n0(i))`` and ``score(i) = mean_j 1 / (1 + (PAE[i, j] / d0(i))^2)``;
    0 when no ``j`` passes the cutoff. Recommended cutoffs: 15 A for AF2/ColabFold, 10 A for AF3.

    ``rows_mask``/``cols_mask``: boolean masks over the PAE residues (or integer indices) of chain A
    (aligned, rows) and chain B (scored, columns). Returns an array with one value per row residue.
    """
    return ipsae_by_residue_of_block(_block(pae, rows_mask, cols_mask), cutoff)


def ipsae_by_residue_of_block(block: np.ndarray, cutoff: float) -> np.ndarray:
    """:func:`ipsae_by_residue` of the PAE block ``pae[rows of A][:, columns of B]`` itself."""
    if block.size == 0:
        return np.zeros(block.shape[0])
    valid = block < cutoff
    n0 = valid.sum(axis=1)
    d0 = np.asarray(calc_d0(n0), dtype=float).reshape(-1, 1)
    terms = np.where(valid, 1.0 / (1.0 + np.square(block / d0)), 0.0)
    return np.where(n0 > 0, terms.sum(axis=1) / np.maximum(n0, 1), 0.0)


def ipsae(pae, rows_mask, cols_mask, cutoff: float) -> float:
    """ipSAE of chain A (rows, aligned) -> chain B (columns, scored).

    Dunbrack (2025) bioRxiv 2025.02.10.637595: ``ipSAE(A->B) = max_i score(i)`` over residues ``i``
    of A, with ``score(i)`` from :func:`ipsae_by_residue` (PAE < cutoff; d0 from the number of
    residues of B passing the cutoff for that row, L clipped at 27). This is ipsae.py's ``ipSAE``
    ``asym`` value; the symmetric score is the max over both directions. 0.0 when no PAE passes.
    """
    return ipsae_of_block(_block(pae, rows_mask, cols_mask), cutoff)


def ipsae_of_block(block: np.ndarray, cutoff: float) -> float:
    """:func:`ipsae` of the PAE block ``pae[rows of A][:, columns of B]`` itself."""
    scores = ipsae_by_residue_of_block(block, cutoff)
    return float(scores.max()) if scores.size else 0.0


def iptm_pae_direction(pae, rows_mask, cols_mask, d0_length: float | None = None) -> float:
    """ipTM of chain A -> chain B recomputed from the PAE matrix (no PAE cutoff).

    ipsae.py's ``ipTM_d0chn`` (Dunbrack 2025): ``max_i mean_j 1 / (1 + (PAE[i, j] / d0)^2)`` over
    ``i`` in A (rows) and all ``j`` in B, with ``d0 = calc_d0(n_A + n_B)`` (the two chain lengths;
    override with ``d0_length``). This mirrors AlphaFold's ipTM (max over aligned residues of the
    expected TM term, Evans et al. 2021 AF-Multimer) computed from the expected PAE instead of the
    PAE distribution. 0.0 for an empty chain.
    """
    return iptm_pae_of_block(_block(pae, rows_mask, cols_mask), d0_length)


def iptm_pae_of_block(block: np.ndarray, d0_length: float | None = None) -> float:
    """:func:`iptm_pae_direction` of the PAE block ``pae[rows of A][:, columns of B]`` itself."""
    if block.size == 0:
        return 0.0
    if d0_length is None:
        d0_length = block.shape[0] + block.shape[1]
    d0 = calc_d0(d0_length)
    return float(ptm_term(block, d0).mean(axis=1).max())


def iptm_pae(pae, mask_a, mask_b) -> float:
    """Symmetric PAE-derived ipTM: max of :func:`iptm_pae_direction` over A->B and B->A.

    Equals ipsae.py's ``ipTM_d0chn`` on the ``max`` row (Dunbrack 2025), d0 = d0(n_A + n_B).
    """
    return max(iptm_pae_direction(pae, mask_a, mask_b), iptm_pae_direction(pae, mask_b, mask_a))
