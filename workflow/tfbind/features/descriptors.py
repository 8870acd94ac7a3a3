"""Sequence composition descriptors of the TF tile and the co-activator domain.

Why: activation domains are intrinsically disordered and their activity is largely set by
composition: acidic residues (D/E) keep the hydrophobic/aromatic motifs (W, F, Y, L) exposed and
soluble, and the balance of the two predicts activation strength (Staller et al. 2022, Cell Systems
13:334, "Directed mutational scanning reveals a balance between acidic and hydrophobic residues in
strong human activation domains"; Sanborn et al. 2021, eLife 10:e68068, "Simple biochemical features
underlie transcriptional activation domain diversity and dynamic, fuzzy binding to Mediator"). Pro-,
Gln- and Ser-rich tiles are classic alternative activation-domain classes. These descriptors let the
model use composition beside the AlphaFold confidence metrics, which are weak for disordered tiles.

Definitions (fractions of the full length; ``X`` counts in the length but in no class):

* ``ncpr``: net charge per residue, ``(K + R - D - E) / length``. His is counted neutral (its side
  chain pKa is about 6, so it is mostly uncharged at pH 7.4);
* ``frac_acidic``: D + E; ``frac_basic``: K + R;
* ``frac_aromatic``: W + F + Y;
* ``frac_hydrophobic``: W F Y L I M V (the aromatic and aliphatic residues of activation-domain motifs);
* ``frac_pro``, ``frac_gln``, ``frac_ser``: P, Q, S.
"""

from __future__ import annotations

from collections import Counter

_CLASSES = {
    "frac_acidic": "DE",
    "frac_basic": "KR",
    "frac_aromatic": "WFY",
    "frac_hydrophobic": "WFYLIMV",
    "frac_pro": "P",
    "frac_gln": "Q",
    "frac_ser": "S",
}
DESCRIPTOR_NAMES = ["ncpr", *_CLASSES]  # without the prefix

PREFIXES = ("tf", "domain")
#: Every key of ``pair_descriptors``, in order.
DESCRIPTOR_COLUMNS = [f"{p}_{n}" for p in PREFIXES for n in DESCRIPTOR_NAMES]


def sequence_descriptors(sequence: str, prefix: str) -> dict[str, float]:
    """Composition descriptors of one protein sequence, keys ``{prefix}_{name}`` (see module doc).

    Lower case is accepted; a trailing stop ``*`` is ignored. Raises ``ValueError`` for an empty
    sequence (a fraction of nothing is undefined, and a silent 0 or NaN would hide a broken input).
    """
    seq = str(sequence).strip().upper().rstrip("*")
    if not seq:
        raise ValueError(f"{prefix}: empty sequence, cannot compute composition descriptors")
    n = len(seq)
    counts = Counter(seq)
    out = {f"{prefix}_ncpr": (counts["K"] + counts["R"] - counts["D"] - counts["E"]) / n}
    for name, letters in _CLASSES.items():
        out[f"{prefix}_{name}"] = sum(counts[a] for a in letters) / n
    return out


def pair_descriptors(tf_seq: str, domain_seq: str) -> dict[str, float]:
    """TF descriptors (prefix ``tf``) followed by domain descriptors (prefix ``domain``)."""
    return {**sequence_descriptors(tf_seq, "tf"), **sequence_descriptors(domain_seq, "domain")}
