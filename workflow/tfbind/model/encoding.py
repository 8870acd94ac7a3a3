"""Residue encodings of the TF tile and domain sequences.

``index`` (the original design): the first ``max_len`` residues, each as its 1-based position in
``ACDEFGHIKLMNPQRSTVWY`` (A = 1 ... Y = 20); padding, ``X`` and any other letter are 0. The float vector of
length ``max_len`` goes straight into the sequence processor (an MLP), so the numbers are used as magnitudes.

``tokens``: the same residues as token ids for a learned embedding: 0 = padding, 1..20 = the amino acids
in the order above, 21 = ``X`` / unknown, 22 = the mask token used by augmentation (:data:`MASK_TOKEN`).

Both are vectorised over the whole column (one byte-table lookup), so 100,000 sequences take well under
a second.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
PAD_TOKEN = 0
UNKNOWN_TOKEN = 21
MASK_TOKEN = 22
VOCAB_SIZE = 23  # pad + 20 amino acids + X + mask

_PAD_BYTE = b"\0"


def _table(unknown: int) -> np.ndarray:
    """Byte value -> code; lower case like upper case, the pad byte 0, any other byte ``unknown``."""
    table = np.full(256, unknown, dtype=np.int64)
    for i, aa in enumerate(AMINO_ACIDS, start=1):
        table[ord(aa)] = i
        table[ord(aa.lower())] = i
    table[0] = PAD_TOKEN
    return table


_INDEX_TABLE = _table(unknown=0)
_TOKEN_TABLE = _table(unknown=UNKNOWN_TOKEN)


def _byte_matrix(sequences: Iterable, max_len: int) -> np.ndarray:
    """(n, max_len) uint8 matrix of the first ``max_len`` letters, right-padded with zero bytes."""
    cells = []
    for seq in sequences:
        s = seq if isinstance(seq, str) else ""  # None / NaN -> empty sequence (all padding)
        cells.append(s[:max_len].encode("ascii", "replace").ljust(max_len, _PAD_BYTE))
    if not cells:
        return np.zeros((0, max_len), dtype=np.uint8)
    return np.frombuffer(b"".join(cells), dtype=np.uint8).reshape(len(cells), max_len)


def encode_index(sequences: Iterable, max_len: int) -> np.ndarray:
    """(n, max_len) float32: residue index 1..20, 0 for padding and ``X``/unknown letters."""
    return _INDEX_TABLE[_byte_matrix(sequences, max_len)].astype(np.float32)


def encode_tokens(sequences: Iterable, max_len: int) -> np.ndarray:
    """(n, max_len) int64 token ids: 0 padding, 1..20 amino acids, 21 ``X``/unknown."""
    return _TOKEN_TABLE[_byte_matrix(sequences, max_len)]


def encode(sequences: Iterable, max_len: int, encoding: str) -> np.ndarray:
    """Dispatch on the config's ``encoding`` (``index`` or ``tokens``)."""
    if encoding == "index":
        return encode_index(sequences, max_len)
    if encoding == "tokens":
        return encode_tokens(sequences, max_len)
    raise ValueError(f"unknown encoding {encoding!r}")
