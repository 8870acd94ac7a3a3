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

Activation-domain descriptors (TF tile only, :func:`activation_descriptors`; n = length, counts of residues):

* ``frac_W``, ``frac_F``, ``frac_Y``, ``frac_L``: each letter / n; ``frac_WFYL``: (W + F + Y + L) / n;
* ``frac_his`` H / n, ``frac_gly`` G / n, ``frac_ala`` A / n, ``frac_aliph`` (I + V + M) / n;
* ``fcr``: fraction of charged residues, (D + E + K + R) / n;
* ``kd_mean``: mean Kyte-Doolittle hydropathy (Kyte & Doolittle 1982, J Mol Biol 157:105; X and other
  letters 0);
* ``kappa``: charge patterning after Das & Pappu 2013 (PNAS 110:13392): charges q = +1 (K, R), -1 (D, E),
  0 else; asymmetry of a segment sigma = (f+ - f-)^2 / (f+ + f-) (0 without a charged residue);
  delta = mean over the n - 4 windows of 5 residues of (sigma_window - sigma_sequence)^2; kappa =
  delta / delta_max, delta_max = delta of the same charges most segregated (all positives, then the
  neutrals, then all negatives). 0 without a positive or a negative residue, or with n < 5. (Das & Pappu
  average over blobs of 5 and 6; one blob of 5 is used here.)
* ``wfyl_acid_adj3`` / ``wfyl_acid_adj4``: (number of W/F/Y/L positions with a D/E within 3 / 4 positions)
  / n: hydrophobic residues in an acidic neighbourhood, the "acidic exposure" model of Staller et al. 2022;
* ``wfyl_x_acidic``: frac_WFYL * (D + E) / n;
* ``max_wfyl_15``: the largest number of W/F/Y/L in any 15 consecutive residues (a count);
* ``max_motif_15``: the largest min(#W/F/Y/L, #D/E) in any 15 consecutive residues;
* ``max_acid_ncpr_15``: the largest (#D/E - #K/R) / 15 in any 15 consecutive residues.

Window descriptors of a sequence shorter than 15 use the whole sequence as the one window (the ncpr divisor
is then its length). The set and its value on real measurements (+0.04 within-domain AUROC for a
per-domain ridge on the EP300 development set) are from the model study summarised in the README.
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
#: Activation-domain descriptors of the TF tile (without the ``tf_`` prefix), see the module doc.
ACTIVATION_NAMES = [
    "frac_W", "frac_F", "frac_Y", "frac_L", "frac_WFYL", "frac_his", "frac_gly", "frac_ala", "frac_aliph",
    "fcr", "kd_mean", "kappa", "wfyl_acid_adj3", "wfyl_acid_adj4", "wfyl_x_acidic", "max_wfyl_15",
    "max_motif_15", "max_acid_ncpr_15",
]
#: The TF tile's descriptors: composition then activation-domain descriptors.
TF_DESCRIPTOR_COLUMNS = [f"tf_{n}" for n in (*DESCRIPTOR_NAMES, *ACTIVATION_NAMES)]
#: Every key of ``pair_descriptors``, in order.
DESCRIPTOR_COLUMNS = [*TF_DESCRIPTOR_COLUMNS, *(f"domain_{n}" for n in DESCRIPTOR_NAMES)]

#: Kyte & Doolittle (1982) hydropathy.
KYTE_DOOLITTLE = {
    "A": 1.8, "R": -4.5, "N": -3.5, "D": -3.5, "C": 2.5, "Q": -3.5, "E": -3.5, "G": -0.4, "H": -3.2,
    "I": 4.5, "L": 3.8, "K": -3.9, "M": 1.9, "F": 2.8, "P": -1.6, "S": -0.8, "T": -0.7, "W": -0.9,
    "Y": -1.3, "V": 4.2,
}
WINDOW = 15
KAPPA_BLOB = 5


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


def _clean(sequence: str, what: str) -> str:
    seq = str(sequence).strip().upper().rstrip("*")
    if not seq:
        raise ValueError(f"{what}: empty sequence, cannot compute descriptors")
    return seq


def _sigma(charges: list[int]) -> float:
    pos = sum(1 for q in charges if q > 0)
    neg = sum(1 for q in charges if q < 0)
    return 0.0 if pos + neg == 0 else ((pos - neg) / len(charges)) ** 2 / ((pos + neg) / len(charges))


def _delta(charges: list[int], blob: int) -> float:
    whole = _sigma(charges)
    windows = [charges[i:i + blob] for i in range(len(charges) - blob + 1)]
    return sum((_sigma(w) - whole) ** 2 for w in windows) / len(windows)


def kappa(sequence: str, blob: int = KAPPA_BLOB) -> float:
    """Charge patterning kappa in [0, 1] (module doc): 0 = well mixed, 1 = fully segregated charges."""
    charges = [1 if a in "KR" else -1 if a in "DE" else 0 for a in sequence]
    pos, neg = charges.count(1), charges.count(-1)
    if pos == 0 or neg == 0 or len(charges) < blob:
        return 0.0
    segregated = [1] * pos + [0] * (len(charges) - pos - neg) + [-1] * neg
    delta_max = _delta(segregated, blob)
    return _delta(charges, blob) / delta_max if delta_max > 0 else 0.0


def _windows(flags: list[bool], width: int) -> list[int]:
    """Counts of True in every window of ``width`` consecutive positions (one window if shorter)."""
    width = min(width, len(flags))
    return [sum(flags[i:i + width]) for i in range(len(flags) - width + 1)]


def activation_descriptors(sequence: str, prefix: str = "tf") -> dict[str, float]:
    """The activation-domain descriptors of one tile (module doc), keys ``{prefix}_{name}`` in
    ACTIVATION_NAMES order. Raises ``ValueError`` for an empty sequence."""
    seq = _clean(sequence, prefix)
    n = len(seq)
    counts = Counter(seq)
    hydro = [a in "WFYL" for a in seq]
    acid = [a in "DE" for a in seq]
    base = [a in "KR" for a in seq]
    out = {f"frac_{a}": counts[a] / n for a in "WFYL"}
    out["frac_WFYL"] = sum(hydro) / n
    out["frac_his"] = counts["H"] / n
    out["frac_gly"] = counts["G"] / n
    out["frac_ala"] = counts["A"] / n
    out["frac_aliph"] = (counts["I"] + counts["V"] + counts["M"]) / n
    out["fcr"] = (sum(acid) + sum(base)) / n
    out["kd_mean"] = sum(KYTE_DOOLITTLE.get(a, 0.0) for a in seq) / n
    out["kappa"] = kappa(seq)
    for reach in (3, 4):
        near = sum(1 for i in range(n) if hydro[i] and any(acid[max(0, i - reach):i + reach + 1]))
        out[f"wfyl_acid_adj{reach}"] = near / n
    out["wfyl_x_acidic"] = out["frac_WFYL"] * sum(acid) / n
    width = min(WINDOW, n)
    h, a, b = _windows(hydro, width), _windows(acid, width), _windows(base, width)
    out["max_wfyl_15"] = float(max(h))
    out["max_motif_15"] = float(max(min(x, y) for x, y in zip(h, a)))
    out["max_acid_ncpr_15"] = max((x - y) / width for x, y in zip(a, b))
    return {f"{prefix}_{k}": float(out[k]) for k in ACTIVATION_NAMES}


def pair_descriptors(tf_seq: str, domain_seq: str) -> dict[str, float]:
    """TF descriptors (composition, then activation-domain; prefix ``tf``) followed by the domain's
    composition descriptors (prefix ``domain``), in DESCRIPTOR_COLUMNS order."""
    return {**sequence_descriptors(tf_seq, "tf"), **activation_descriptors(tf_seq, "tf"),
            **sequence_descriptors(domain_seq, "domain")}
