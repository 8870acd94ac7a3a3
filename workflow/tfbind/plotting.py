"""The base of every figure the package draws (evaluation, ranking, calibration): one style, one way to write
a PNG, one ROC curve.

* :func:`pyplot`  matplotlib's pyplot on the Agg backend (files only: cluster nodes and CI have no display)
  with :data:`STYLE` applied;
* :func:`save`  a figure written atomically (``tfbind.io.atomic_path``: a killed job leaves no half PNG that
  Snakemake would take as done) at :data:`DPI`, trimmed to its drawn content, then closed;
* :func:`message`  a one-line figure in place of a plot that has nothing to draw (the rule's output exists
  and says why);
* :func:`roc_curve`  (false positive rates, true positive rates, AUC) with tied scores as one step: the one
  ROC of the evaluation's and the ranking's figures.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .io import atomic_path

log = logging.getLogger("tfbind.plotting")

#: Pixels per inch of every PNG.
DPI = 130
#: rcParams of every figure: a white background (the report and image viewers with a dark theme show a
#: transparent PNG's text on black) and matplotlib's bundled font, named so that no system font changes a
#: figure's layout from one machine to the next.
STYLE = {
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
}


def pyplot():
    """``matplotlib.pyplot`` on Agg with :data:`STYLE` (imported on first use: import-light callers)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)
    return plt


def save(fig, path: str | Path) -> None:
    """Write ``fig`` to ``path`` as PNG (atomically, :data:`DPI`, tight bounding box) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight")
    pyplot().close(fig)
    log.info("wrote %s", path)


def message(path: str | Path, text: str) -> None:
    """A small figure holding only ``text`` (a plot with nothing to draw)."""
    fig, ax = pyplot().subplots(figsize=(6, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    save(fig, path)


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray, float]:
    """(false positive rates, true positive rates, AUC) of ``scores`` (higher = positive) for 0/1 ``labels``.

    One point per distinct score, from the highest down, after (0, 0): tied scores form one step (their
    diagonal segment counts half, as in the Mann-Whitney AUC). The points of ``sklearn.metrics.roc_curve``
    with ``drop_intermediate=False``. Raises ValueError when only one class is present.
    """
    y = np.asarray(labels, dtype=float)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC needs both classes")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y == 1)[last_of_tie]
    fps = np.cumsum(y == 0)[last_of_tie]
    tpr = np.r_[0.0, tps / n_pos]
    fpr = np.r_[0.0, fps / n_neg]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    return fpr, tpr, auc


__all__ = ["DPI", "STYLE", "message", "pyplot", "roc_curve", "save"]
