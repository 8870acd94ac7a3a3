"""Local Interaction Score family: LIS, LIA, cLIS, cLIA, iLIS.

Reference
---------
Kim A-R, Hu Y, Comjean A, Rodiger J, Mohr SE, Perrimon N (2024). "Enhanced protein-protein
interaction discovery via AlphaFold-Multimer" (AFM-LIS). bioRxiv 2024.02.19.580970.

* LIS: over the inter-chain PAE block of one direction, keep entries with PAE < 12 A (strict, as
  published) and average ``(12 - PAE) / 12``; 0 when no entry qualifies. The chain-pair LIS is the
  mean of the two directions (A rows/B columns and B rows/A columns).
* LIA: number of inter-chain residue pairs with PAE < 12 A, counted over both blocks (the scale of
  the published thresholds, e.g. LIA >= 3432 with LIS >= 0.203 for AF-M v2.3).
* cLIS / cLIA: the same restricted to contact pairs, CB-CB distance < 8 A (strict).
* iLIS = sqrt(LIS * cLIS).

Note: ipsae.py (Dunbrack 2025) reports LIS with ``PAE <= 12``; values differ only where the PAE is
exactly 12.
"""

from __future__ import annotations

import numpy as np

#: PAE cutoff (Angstrom) of LIS/LIA, strict (Kim et al. 2024).
LIS_PAE_CUTOFF = 12.0
#: CB-CB contact distance (Angstrom) of cLIS/cLIA, strict (Kim et al. 2024).
LIS_CONTACT_CUTOFF = 8.0


def lis_direction(pae_block, mask=None) -> tuple[float, int]:
    """(LIS, LIA) of one PAE block (rows aligned, columns scored).

    Valid entries: ``PAE < 12`` (and ``mask`` where given, e.g. a contact map). LIS = mean of
    ``(12 - PAE) / 12`` over the valid entries (0.0 if none); LIA = their number.
    """
    block = np.asarray(pae_block, dtype=float)
    valid = block < LIS_PAE_CUTOFF
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != block.shape:
            raise ValueError(f"mask shape {mask.shape} does not match PAE block {block.shape}")
        valid &= mask
    count = int(valid.sum())
    if count == 0:
        return 0.0, 0
    return float(((LIS_PAE_CUTOFF - block[valid]) / LIS_PAE_CUTOFF).mean()), count


def _check_blocks(pae_ab, pae_ba) -> tuple[np.ndarray, np.ndarray]:
    pae_ab = np.asarray(pae_ab, dtype=float)
    pae_ba = np.asarray(pae_ba, dtype=float)
    if pae_ab.ndim != 2 or pae_ba.shape != pae_ab.shape[::-1]:
        raise ValueError(f"PAE blocks must be (n_a, n_b) and (n_b, n_a), got {pae_ab.shape}, {pae_ba.shape}")
    return pae_ab, pae_ba


def _contacts(dist_ab, shape) -> np.ndarray:
    dist_ab = np.asarray(dist_ab, dtype=float)
    if dist_ab.shape != shape:
        raise ValueError(f"distance matrix shape {dist_ab.shape} does not match PAE block {shape}")
    return dist_ab < LIS_CONTACT_CUTOFF


def lis(pae_ab, pae_ba) -> float:
    """Chain-pair LIS (Kim et al. 2024): mean of the two directions' LIS (PAE < 12, strict)."""
    pae_ab, pae_ba = _check_blocks(pae_ab, pae_ba)
    return 0.5 * (lis_direction(pae_ab)[0] + lis_direction(pae_ba)[0])


def lia(pae_ab, pae_ba) -> int:
    """Chain-pair LIA (Kim et al. 2024): number of PAE < 12 entries summed over both blocks."""
    pae_ab, pae_ba = _check_blocks(pae_ab, pae_ba)
    return lis_direction(pae_ab)[1] + lis_direction(pae_ba)[1]


def clis(pae_ab, pae_ba, dist_ab) -> float:
    """Contact LIS (Kim et al. 2024): LIS restricted to CB-CB < 8 A pairs, mean of both directions.

    ``dist_ab`` is the (n_a, n_b) CB-CB distance matrix (its transpose serves the B->A block).
    """
    pae_ab, pae_ba = _check_blocks(pae_ab, pae_ba)
    contacts = _contacts(dist_ab, pae_ab.shape)
    return 0.5 * (lis_direction(pae_ab, contacts)[0] + lis_direction(pae_ba, contacts.T)[0])


def clia(pae_ab, pae_ba, dist_ab) -> int:
    """Contact LIA (Kim et al. 2024): PAE < 12 and CB-CB < 8 A pairs counted over both blocks."""
    pae_ab, pae_ba = _check_blocks(pae_ab, pae_ba)
    contacts = _contacts(dist_ab, pae_ab.shape)
    return lis_direction(pae_ab, contacts)[1] + lis_direction(pae_ba, contacts.T)[1]


def ilis(lis_value: float, clis_value: float) -> float:
    """Integrated LIS (Kim et al. 2024): sqrt(LIS * cLIS)."""
    return float(np.sqrt(lis_value * clis_value))


def lis_family(pae_ab, pae_ba, dist_ab) -> dict[str, float]:
    """All LIS-family values of a chain pair: ``lis, lia, clis, clia, ilis`` (see module docstring)."""
    pae_ab, pae_ba = _check_blocks(pae_ab, pae_ba)
    contacts = _contacts(dist_ab, pae_ab.shape)
    lis_ab, lia_ab = lis_direction(pae_ab)
    lis_ba, lia_ba = lis_direction(pae_ba)
    clis_ab, clia_ab = lis_direction(pae_ab, contacts)
    clis_ba, clia_ba = lis_direction(pae_ba, contacts.T)
    lis_value = 0.5 * (lis_ab + lis_ba)
    clis_value = 0.5 * (clis_ab + clis_ba)
    return {
        "lis": lis_value,
        "lia": float(lia_ab + lia_ba),
        "clis": clis_value,
        "clia": float(clia_ab + clia_ba),
        "ilis": ilis(lis_value, clis_value),
    }
