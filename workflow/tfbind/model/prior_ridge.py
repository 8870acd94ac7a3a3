"""The prior-shrunk per-domain ridge: the linear half of the deployed model (``train.ridge_blend``) and the
``ridge_prior`` baseline of the evaluation.

Per domain category d, on inputs x standardised within d and the target z = pKd z-scored within d (both
``tfbind.model.data``): minimise |z_d - X_d w|^2 + alpha_d |w - w0|^2, i.e. shrink towards the prior weights
w0 (``prior_weights``: +c on ipTM+pTM, pDockQ, shape complementarity, ipSAE) instead of towards 0; alpha_d from
ALPHAS by grouped inner cross-validation (MSE) on the domain's training rows. The prediction X_d w has no
intercept: a per-domain constant would not change the ranking within d, and fitted per-domain constants
bias rankings pooled over cross-validation folds (docs/evaluation.md).

On the EP300 development set this model alone reached a mean within-domain binder AUROC of 0.686 +- 0.008,
the wide-and-deep ensemble 0.667 +- 0.012 and their blend 0.680 +- 0.005 (5 gene-grouped folds x 5 repeats;
docs/evaluation.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .folds import grouped_folds

#: Ridge penalties searched by the inner cross-validation: 10^-1, 10^-0.5, ..., 10^5.
ALPHAS = tuple(10.0 ** (k / 2) for k in range(-2, 11))
INNER_FOLDS = 4


def ridge_towards(x: np.ndarray, z: np.ndarray, w0: np.ndarray, alpha: float) -> np.ndarray:
    """argmin_w |z - x w|^2 + alpha |w - w0|^2 = w0 + (x'x + alpha I)^-1 x'(z - x w0)."""
    gram = x.T @ x + alpha * np.eye(x.shape[1])
    return w0 + np.linalg.solve(gram, x.T @ (z - x @ w0))


def inner_alpha(x: np.ndarray, z: np.ndarray, w0: np.ndarray, groups: np.ndarray, seed: int = 0,
                alphas=ALPHAS, n_inner: int = INNER_FOLDS) -> float:
    """The alpha of ``alphas`` with the lowest grouped inner-CV MSE (``n_inner`` folds, fewer with fewer
    groups; the largest alpha when there are fewer than 2 groups)."""
    unique = np.unique(groups)
    if len(unique) < 2:
        return float(max(alphas))
    ids = pd.DataFrame({"pair_id": np.arange(len(z)).astype(str), "tf_id": groups})
    fold = grouped_folds(ids, min(n_inner, len(unique)), seed).to_numpy()
    errors = []
    for alpha in alphas:
        sq = 0.0
        for k in np.unique(fold):
            tr, te = fold != k, fold == k
            w = ridge_towards(x[tr], z[tr], w0, alpha)
            sq += float(np.sum((z[te] - x[te] @ w) ** 2))
        errors.append(sq)
    return float(alphas[int(np.argmin(errors))])


def fit_prior_ridge(x: np.ndarray, z: np.ndarray, categories, train_mask, groups, w0: np.ndarray,
                    seed: int = 0) -> tuple[dict[str, list[float]], dict[str, float]]:
    """({category: weights}, {category: alpha}) fitted on the ``train_mask`` rows of each category."""
    cats = np.asarray(categories, dtype=str)
    train_mask = np.asarray(train_mask, dtype=bool)
    groups = np.asarray(groups, dtype=str)
    weights, alphas = {}, {}
    for c in sorted(set(cats[train_mask])):
        rows = train_mask & (cats == c)
        alphas[c] = inner_alpha(x[rows], z[rows], w0, groups[rows], seed)
        weights[c] = [float(v) for v in ridge_towards(x[rows], z[rows], w0, alphas[c])]
    return weights, alphas


def predict_prior_ridge(x: np.ndarray, categories, weights: dict, w0) -> np.ndarray:
    """X w_d per row; rows of a category without fitted weights use the prior w0."""
    cats = np.asarray(categories, dtype=str)
    out = x @ np.asarray(w0, dtype=float)
    for c, w in weights.items():
        rows = cats == c
        out[rows] = x[rows] @ np.asarray(w, dtype=float)
    return out


def blend(z: np.ndarray, x: np.ndarray, categories, weights: dict, w0) -> np.ndarray:
    """The deployed score (``train.ridge_blend``): the mean of the network's within-domain z (one row per
    member, or one vector) and the prior ridge's prediction X w_d."""
    return (z + predict_prior_ridge(x, categories, weights, w0)) / 2.0


__all__ = ["ALPHAS", "blend", "INNER_FOLDS", "fit_prior_ridge", "inner_alpha", "predict_prior_ridge", "ridge_towards"]
