"""The predictors' scalar model scores, made the same quantity whatever wrote them.

``ranking_confidence`` is AlphaFold-Multimer's model confidence, ``0.8 ipTM + 0.2 pTM``, for every format:

* AlphaFold2-multimer (and AlphaPulldown, which runs it): ``get_confidence_metrics`` in
  google-deepmind/alphafold ``alphafold/model/model.py`` sets ``ranking_confidence = 0.8 * iptm + 0.2 * ptm``
  in multimer mode (mean pLDDT for monomers), and ``run_alphafold.py`` writes it to ``ranking_debug.json``
  under ``iptm+ptm`` (monomers: under ``plddts``); AlphaPulldown's ``ranking_debug.json`` holds an ``iptm``
  map beside it.
* ColabFold writes only ``iptm`` and ``ptm`` (scores JSON, rounded to 2 decimals) but ranks multimer models by
  the same formula: sokrypton/ColabFold ``colabfold/batch.py`` ``run()`` turns ``rank_by="auto"`` into
  ``"multimer"`` for complexes, and ColabFold's AlphaFold fork (steineggerlab/alphafold
  ``alphafold/common/confidence.py`` ``get_confidence_metrics``) scores ``rank_by == "multimer"`` as
  ``80 * iptm + 20 * ptm`` (the same weights on a 0-100 scale).
* AlphaFold3's ``ranking_score`` (summary confidences) is a different quantity: google-deepmind/alphafold3
  ``src/alphafold3/model/confidences.py`` ``get_ranking_score`` = ``0.8 ipTM + 0.2 pTM + 0.5
  fraction_disordered - 100 has_clash`` (pTM alone for one chain). It is kept as ``ranking_score``, and
  AlphaFold3's ``ranking_confidence`` is its first term, computed here from the summary's ``iptm`` and ``ptm``.

Where ipTM or pTM is unknown the ranking confidence is NaN, never another score under its name (a monomer's
mean pLDDT, AlphaFold3's ranking_score); the one exception is AlphaFold2's reported ``iptm+ptm``, which is
this very quantity even when ``ranking_debug.json`` lacks the ``iptm`` map (plain AlphaFold writes none).

:func:`ptm_from_ranking_confidence` inverts the definition for AlphaFold2 runs kept without result pickles
(the only other place AlphaFold2 writes pTM).
"""

from __future__ import annotations

import math

#: ipTM's weight in AlphaFold-Multimer's model confidence (pTM gets 1 - IPTM_WEIGHT); the constant of all three
#: sources cited in the module docstring.
IPTM_WEIGHT = 0.8

#: How far outside 0..1 a pTM derived from ``iptm+ptm`` may fall and still be clipped to the range. The inputs are
#: float32 scores written as float64 (relative error about 6e-8); dividing by 0.2 multiplies the error of
#: ``iptm+ptm - 0.8 ipTM`` by 5, so rounding alone moves a derived pTM by at most a few 1e-7. Anything further
#: out means ``iptm+ptm`` and ``iptm`` do not belong together.
PTM_TOLERANCE = 1e-6


def ranking_confidence(iptm: float, ptm: float) -> float:
    """``0.8 ipTM + 0.2 pTM`` (AlphaFold-Multimer's model confidence; sources in the module docstring);
    NaN when either is NaN."""
    iptm, ptm = float(iptm), float(ptm)
    if math.isnan(iptm) or math.isnan(ptm):
        return math.nan
    return IPTM_WEIGHT * iptm + (1.0 - IPTM_WEIGHT) * ptm


def ptm_from_ranking_confidence(iptm_ptm: float, iptm: float, where: str) -> tuple[float, str | None]:
    """pTM from AlphaFold's ``iptm+ptm`` and ``iptm``: ``(iptm+ptm - 0.8 ipTM) / 0.2`` (the inverse of
    :func:`ranking_confidence`).

    Returns ``(ptm, note)``: NaN and no note when either input is NaN; a value within :data:`PTM_TOLERANCE`
    of 0..1 is clipped into it (float rounding); one further out is NaN with a note naming ``where`` and the
    numbers (the two scores do not belong together), for the caller to pass on as a ``RunWarning``.
    """
    iptm_ptm, iptm = float(iptm_ptm), float(iptm)
    if math.isnan(iptm_ptm) or math.isnan(iptm):
        return math.nan, None
    ptm = (iptm_ptm - IPTM_WEIGHT * iptm) / (1.0 - IPTM_WEIGHT)
    if -PTM_TOLERANCE <= ptm <= 1.0 + PTM_TOLERANCE:
        return min(max(ptm, 0.0), 1.0), None
    return math.nan, (
        f"{where}: pTM derived from iptm+ptm {iptm_ptm!r} and iptm {iptm!r} is {ptm!r}, outside 0..1: "
        "the two scores do not belong to one model; pTM left NaN"
    )
