"""Numbers and tokens cut out of the text of coordinate files with array operations (no Python per value).

Shared by the two numpy atom readers, :mod:`tfbind.readers.mmcif_atoms` (the ``_atom_site`` loop of an mmCIF
file: whitespace-separated tokens) and :mod:`tfbind.readers.pdb_atoms` (the fixed columns of PDB ATOM/HETATM
records). Neither reader imports the other; :mod:`tfbind.readers.atoms` picks one by file type.

Numbers: a decimal ``[+-]digits[.digits]`` of at most 15 digits is an exact integer m divided by an exact
power of ten 10^k; IEEE 754 division rounds that once, correctly, which is the double closest to the
decimal, i.e. what a correctly rounded parser (gemmi's fast_float, Python's float) returns (Clinger 1990,
"How to read floating point numbers accurately", PLDI). Anything else is :class:`Declined`: the caller
then reads the file with gemmi, so the fast paths never decide a case differently, they only decline it.
"""

from __future__ import annotations

import numpy as np


class Declined(Exception):
    """Not the simple form a numpy reader takes: read the file with gemmi."""


def tokens(body: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(n, width) uint8 matrix of the tokens, right-padded with zeros (NUL ends a numpy bytes string)."""
    width = int((ends - starts).max())
    padded = np.concatenate([body, np.zeros(width, dtype=np.uint8)])
    idx = starts.astype(np.int32)[:, None] + np.arange(width, dtype=np.int32)
    tok = padded[idx]
    tok *= idx < ends.astype(np.int32)[:, None]
    return tok


_POW10 = 10 ** np.arange(19, dtype=np.int64)


_CLASS = np.full(256, 4, dtype=np.uint8)  # 0 padding (NUL, blank), 1 digit, 2 dot, 3 sign, 4 anything else
_CLASS[[0, 32]] = 0
_CLASS[48:58] = 1
_CLASS[ord(".")] = 2
_CLASS[[ord("-"), ord("+")]] = 3


def decimals(tok: np.ndarray, integer: bool = False) -> np.ndarray:
    """Values of ``[+-]digits[.digits]`` tokens (``integer``: ``[+-]digits``) given as a (n, width) uint8
    matrix padded with NUL or blanks on either side (mmCIF tokens: on the right; PDB's right-aligned columns:
    on the left), see the module docstring; :class:`Declined` for any other form (padding inside a value, a sign
    after its first character)."""
    tok = np.ascontiguousarray(tok.T)  # (width, n): each step below works on one contiguous row
    width, n = tok.shape
    cls = _CLASS[tok]
    filled = cls != 0
    if (cls == 4).any() or ((cls[1:] == 3) & filled[:-1]).any() or (
            (filled[1:] & ~filled[:-1]).sum(axis=0) + filled[0] > 1).any():
        raise Declined
    mantissa = np.zeros(n, dtype=np.int64)
    n_digits = np.zeros(n, dtype=np.int64)
    frac = np.zeros(n, dtype=np.int64)
    n_dots = np.zeros(n, dtype=np.int64)
    for j in range(width):  # Horner's rule, one character position at a time
        digit = cls[j] == 1
        mantissa = np.where(digit, mantissa * 10 + tok[j].astype(np.int64) - 48, mantissa)
        n_digits += digit
        frac += digit & (n_dots > 0)
        n_dots += cls[j] == 2
    if n and (n_dots.max() > (0 if integer else 1) or n_digits.min() == 0 or n_digits.max() > 15):
        raise Declined
    negative = (tok == ord("-")).any(axis=0)  # one sign at most, before the digits
    if integer:
        return np.where(negative, -mantissa, mantissa)
    value = mantissa.astype(np.float64) / _POW10[frac].astype(np.float64)
    return np.where(negative, -value, value)
