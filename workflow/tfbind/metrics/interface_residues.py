"""Which residues of the TF tile bind: the interface residues of the top-ranked model, as a mutagenesis list.

Definition
----------
A TF residue ``i`` is an interface residue when at least one domain residue ``j``

* is in contact with it: representative atoms (CB, CA for Gly) within :data:`CONTACT_CUTOFF` = 8 A,
  inclusive: the contact of pDockQ (Bryant et al. 2022; :mod:`.dockq`), the same contact map that
  ``n_contact_pairs``, ``plddt_interface`` and pDockQ/pDockQ2 count, and
* has a PAE below the cutoff in both directions: ``PAE[i, j] < c`` (aligned on the TF residue, the
  domain residue scored) and ``PAE[j, i] < c`` (the other way round), strict.

This is the residue selection of ipsae.py (DunbrackLab/IPSAE, Dunbrack 2025: its ``dist1``/``dist2``
residue counts and PyMOL interface selection take residues with ``PAE < pae_cutoff`` and a CB-CB distance
``< dist_cutoff`` to the partner, aligned on the residue's own chain), here with the 8 A contact of pDockQ
instead of a second distance cutoff, and asking for a confident relative position whichever chain is
aligned. The PAE cutoff is ``features.interface_pae_cutoff`` per input format, by default ipSAE's
(15 A for AlphaFold2/ColabFold, 10 A for AlphaFold3, whose PAE runs lower).

Numbering
---------
Positions in the TF tile's sequence (the TF FASTA record), 1 = its first residue: the model's TF chain is
mapped onto the tile by :func:`tile_positions` (the identity when the chain's sequence is the tile's, as
usual; a global alignment when the chain matched with ``features.chain_min_identity`` < 1). The ranking
renumbers them into the protein (:func:`renumber`, with the tile's start: ``tfbind.ranking.coordinates``).

Text: one-letter code and number per residue, in sequence order, separated by spaces: ``"L12 F15 W20"``;
empty when the tile has no interface residue.
"""

from __future__ import annotations

import re

import numpy as np

from .dockq import CONTACT_CUTOFF

_TOKEN = re.compile(r"^([A-Z])(-?\d+)$")


def interface_mask(contacts, pae_ab, pae_ba, pae_cutoff: float) -> np.ndarray:
    """(n_a,) bool: residues of chain A (rows of ``contacts``, (n_a, n_b)) with a contact to a residue of
    B whose PAE is below ``pae_cutoff`` both ways (``pae_ab`` (n_a, n_b): A aligned; ``pae_ba`` (n_b, n_a))."""
    contacts = np.asarray(contacts, dtype=bool)
    pae_ab, pae_ba = np.asarray(pae_ab), np.asarray(pae_ba)
    if pae_ab.shape != contacts.shape or pae_ba.shape != contacts.shape[::-1]:
        raise ValueError(f"contact map {contacts.shape} and PAE blocks {pae_ab.shape}, {pae_ba.shape} do not "
                         "match: need (n_a, n_b), (n_a, n_b) and (n_b, n_a)")
    return (contacts & (pae_ab < pae_cutoff) & (pae_ba.T < pae_cutoff)).any(axis=1)


def tile_positions(chain_sequence: str, tile_sequence: str) -> np.ndarray:
    """1-based position in ``tile_sequence`` of every residue of ``chain_sequence``; 0 for a chain residue
    that the global alignment leaves opposite a gap (not in the tile). The identity for equal sequences."""
    n = len(chain_sequence)
    if chain_sequence == tile_sequence:
        return np.arange(1, n + 1)
    from ..plan.sequences import sequence_aligner  # the chain matching's aligner (same scores)

    out = np.zeros(n, dtype=int)
    if not n or not tile_sequence:
        return out
    alignment = sequence_aligner().align(chain_sequence, tile_sequence)[0]
    for (c0, c1), (t0, _) in zip(*alignment.aligned):
        out[c0:c1] = np.arange(t0 + 1, t0 + 1 + c1 - c0)
    return out


def residue_text(mask, positions, tile_sequence: str) -> str:
    """``"L12 F15"``: the tile's letter and position of every selected chain residue that lies in the tile."""
    mask, positions = np.asarray(mask, dtype=bool), np.asarray(positions)
    if mask.shape != positions.shape:
        raise ValueError(f"interface residues: {mask.size} residues in the TF chain's PAE and coordinates, "
                         f"{positions.size} in its sequence")
    chosen = positions[mask]
    chosen = chosen[chosen > 0]
    return " ".join(f"{tile_sequence[p - 1]}{p}" for p in chosen.tolist())


def parse(text: str) -> list[tuple[str, int]]:
    """(letter, number) of each residue of a :func:`residue_text` string (empty or missing: none)."""
    if not isinstance(text, str) or not text.strip():
        return []
    out = []
    for token in text.split():
        m = _TOKEN.match(token)
        if m is None:
            raise ValueError(f"interface residues {text!r}: {token!r} is not a one-letter code and a number")
        out.append((m.group(1), int(m.group(2))))
    return out


def renumber(text: str, offset: int) -> str:
    """The residues of ``text`` with ``offset`` added to each number (tile position -> protein residue:
    offset = tile start - 1)."""
    return " ".join(f"{letter}{number + offset}" for letter, number in parse(text))


__all__ = ["CONTACT_CUTOFF", "interface_mask", "parse", "renumber", "residue_text", "tile_positions"]
