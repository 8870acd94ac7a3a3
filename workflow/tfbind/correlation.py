"""Rank and linear correlation of a score with a target, NaN where undefined (fewer than 3 rows, or a
constant side): the statistics the training summary and the evaluation both report."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def constant(x: np.ndarray) -> bool:
    """True for an empty array or one whose values are all equal."""
    return len(x) == 0 or bool(np.all(x == x[0]))


def spearman(score, target) -> float:
    s, t = np.asarray(score, dtype=float), np.asarray(target, dtype=float)
    if len(s) < 3 or constant(s) or constant(t):
        return math.nan
    return float(stats.spearmanr(s, t).statistic)


def pearson(score, target) -> float:
    s, t = np.asarray(score, dtype=float), np.asarray(target, dtype=float)
    if len(s) < 3 or constant(s) or constant(t):
        return math.nan
    return float(stats.pearsonr(s, t).statistic)


__all__ = ["constant", "pearson", "spearman"]
