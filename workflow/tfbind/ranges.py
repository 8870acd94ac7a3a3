"""The one table of valid ranges for every number read from an input, and the checks that use it.

A value outside its range is never stored: the readers fail the pair (``PredictionError``, a
failed.tsv row), the score-table import fails the job's row, the labels reader stops at start-up
(``InputError``); each message names the file, the model or line, the field and the value. README
"Bad inputs" prints this table.

Bounds, and why:

* PAE (Angstrom): finite, 0..32. AlphaFold2/ColabFold predict PAE as the expectation over 64 bins of
  0.5 A, so the largest value is the last bin centre, ``max_predicted_aligned_error`` = 31.75;
  AlphaFold3 uses the same 64 x 0.5 A bins. 32 is the upper edge of the last bin, which also admits
  values rounded up on output (AF2's ``pae_*.json`` keeps one decimal: 31.8).
* pLDDT: finite, 0..100. A model whose pLDDT values all lie within 0..1 is on a 0-1 scale
  (ESMFold, some converters): it is refused, not rescaled, because a file that mixes scales cannot
  be told apart from a very poor model by its values alone, and a silently rescaled pDockQ is worse
  than a failed.tsv row the user can act on.
* ipTM, pTM, chain_pair_iptm, pDockQ, LIS, fractions: 0..1 (NaN = absent where the format may lack it).
* ranking confidence: 0..1, since it is ``0.8 ipTM + 0.2 pTM`` for every source (AF2 ``iptm+ptm``, score
  tables' ``iptm_ptm``, computed for ColabFold and AlphaFold3; ``tfbind.readers.model_scores``).
* AlphaFold3's ``ranking_score``: finite (``0.8 ipTM + 0.2 pTM + 0.5 fraction_disordered - 100 has_clash``:
  up to 1.5, down to -100 for a clashing model).
* counts (contacts, interface residues, H-bonds, salt bridges, LIA): whole numbers >= 0.
* areas: >= 0; energies and other scores: finite.
* Kd (labels): finite and > 0 (nM).

Numbers written as text (score tables, labels) must match :data:`NUMBER` (an optional sign, digits
with an optional decimal point, an optional exponent): Python's ``float`` also accepts ``0_5``
(= 5.0), ``inf``, ``nan`` and ``infinity``, and ``1e999`` overflows to infinity; all are refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: The strict number grammar of text cells: ``-1``, ``0.5``, ``.5``, ``5.``, ``1e-3``, ``+2E+04``.
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # ASCII digits only


@dataclass(frozen=True)
class Range:
    low: float  # -inf for none
    high: float  # inf for none
    integer: bool = False
    low_open: bool = False  # True: low itself is invalid (Kd > 0)

    def holds(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if value < self.low or value > self.high or (self.low_open and value == self.low):
            return False
        return not self.integer or float(value).is_integer()

    def describe(self) -> str:
        inf = math.inf
        kind = "a whole number" if self.integer else "a finite number"
        if self.low == -inf and self.high == inf:
            return kind
        if self.high == inf:
            return f"{kind} {'>' if self.low_open else '>='} {self.low:g}"
        return f"{kind} in {self.low:g}..{self.high:g}"


_INF = math.inf
PAE = Range(0.0, 32.0)
PLDDT = Range(0.0, 100.0)
UNIT = Range(0.0, 1.0)
FINITE = Range(-_INF, _INF)
COUNT = Range(0.0, _INF, integer=True)
NON_NEGATIVE = Range(0.0, _INF)
KD = Range(0.0, _INF, low_open=True)

#: field -> valid range. Prediction fields (readers) and score-table / label columns share the names
#: of the feature tables.
RANGES: dict[str, Range] = {
    "pae": PAE,
    "plddt": PLDDT,
    "iptm": UNIT,
    "ptm": UNIT,
    "chain_pair_iptm": UNIT,
    "ranking_confidence": UNIT,
    "ranking_score": FINITE,
    "pdockq": UNIT,
    "lis": UNIT,
    "lia": COUNT,
    "pae_mean": PAE,
    "frac_polar": UNIT,
    "frac_hydrophobic": UNIT,
    "frac_charged": UNIT,
    "n_contact_pairs": COUNT,
    "n_interface_res": COUNT,
    "n_hbonds": COUNT,
    "n_salt_bridges": COUNT,
    "interface_area": NON_NEGATIVE,
    "solvation_energy": FINITE,
    "shape_complementarity": FINITE,
    "pi_score": FINITE,
    "kd_nm": KD,
}

#: pLDDT values all within this bound mean a 0-1 scale (refused; see the module docstring).
PLDDT_UNIT_SCALE_MAX = 1.0


def range_table() -> list[tuple[str, str]]:
    """(field, valid range) rows, for the README and error messages."""
    return [(name, r.describe()) for name, r in RANGES.items()]


def check_scalar(value: float, field: str, where: str, exc: type[Exception], *, allow_nan: bool = True) -> float:
    """``value`` if NaN (when allowed: the field is absent) or inside ``RANGES[field]``, else raise
    ``exc`` naming ``where``, the field, the value and the range."""
    value = float(value)
    if allow_nan and math.isnan(value):
        return value
    rng = RANGES[field]
    if not rng.holds(value):
        raise exc(f"{where}: {field} {value!r} is out of range (valid: {rng.describe()})")
    return value


def check_array(values, field: str, where: str, exc: type[Exception]):
    """Raise ``exc`` unless every value of the numpy array ``values`` is inside ``RANGES[field]``
    (NaN is never valid in an array); the message names the first offending value and its index."""
    import numpy as np

    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise exc(f"{where}: {field} has {arr.dtype} values, expected numbers")
    if arr.size == 0:
        return values
    rng = RANGES[field]
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(arr) | (arr < rng.low) | (arr > rng.high)
        if rng.low_open:
            bad |= arr == rng.low
        if rng.integer:
            bad |= np.isfinite(arr) & (arr != np.round(arr))
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where_idx = f"[{', '.join(map(str, idx))}]" if arr.ndim else ""
        raise exc(
            f"{where}: {field}{where_idx} = {arr[idx].item()!r} is out of range (valid: {rng.describe()}; "
            f"{int(bad.sum())} of {arr.size} values bad)"
        )
    if field == "plddt" and float(arr.max()) <= PLDDT_UNIT_SCALE_MAX:
        raise exc(
            f"{where}: pLDDT values all lie in 0..1 (max {float(arr.max())!r}): a 0-1 scale, but "
            "AlphaFold writes 0..100; refused rather than rescaled (multiply by 100 if the file is "
            "known to use a 0-1 scale)"
        )
    return values


def parse_number(text: str) -> float | None:
    """The value of ``text`` under the strict grammar :data:`NUMBER`, finite; None when ``text`` is
    not such a number (``inf``, ``nan``, ``0_5``, ``1e999``, words)."""
    text = text.strip()
    if not NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def looks_numeric(text: str) -> bool:
    """True for text that Python's ``float`` reads but :func:`parse_number` refuses (``inf``,
    ``0_5``, ``1e999``, ``-Infinity``...): a number in a form that must not pass, as opposed to words
    such as AlphaPulldown's ``No interface detected``."""
    try:
        float(text)
    except ValueError:
        return False
    return parse_number(text) is None
