"""The top-weighted MSE of the original design (this project's reading of it).

With predictions p and targets y in [0, 1] (1 = strongest binding) over a batch:

    w_i  = 1 + alpha * [y_i > tau] * (1 + gamma * (y_i - tau))
    loss = balance * mean(w * (p - y)^2) / mean(w) + (1 - balance) * mean((p - y)^2)
           + l2 * sum over weight matrices W of sum(W^2)

Defaults tau = 0.75, alpha = 2.0, gamma = 4.0, balance = 0.7, l2 = 0.001.

Choices:

* ``tau`` is a FIXED threshold on the target scale (0.75 of [0, 1]), not the 75th percentile of each batch:
  the weight of a pair then does not depend on which pairs share its batch, and training and validation
  losses are on the same footing. A pair at y = 1 weighs 1 + 2 * (1 + 4 * 0.25) = 5, one at y <= 0.75
  weighs 1.
* The first term is normalised by mean(w), so it stays on the MSE scale whatever the share of strong binders.
* The L2 term covers the weight matrices (parameters with 2+ dimensions: Linear, Embedding, attention
  projections, feature-token weights); biases, LayerNorm scales and the per-category bias are excluded.
  Training applies it through Adam's (coupled, L2-style) ``weight_decay`` on those parameters,
  ``2 * l2`` added to the configured ``weight_decay``: the gradient of l2 * sum(W^2) is exactly 2 * l2 * W,
  so the optimisation is the same as adding the term to the loss, without summing every weight each step.
  :func:`l2_penalty` gives the term's value for the history.
"""

from __future__ import annotations

import torch
from torch import nn


def top_weights(
    target: torch.Tensor, tau: float = 0.75, alpha: float = 2.0, gamma: float = 4.0
) -> torch.Tensor:
    """w = 1 + alpha * [y > tau] * (1 + gamma * (y - tau))."""
    above = (target > tau).to(target.dtype)
    return 1.0 + alpha * above * (1.0 + gamma * (target - tau))


def top_weighted_mse(
    pred: torch.Tensor,
    target: torch.Tensor,
    tau: float = 0.75,
    alpha: float = 2.0,
    gamma: float = 4.0,
    balance: float = 0.7,
) -> torch.Tensor:
    """balance * mean(w (p - y)^2) / mean(w) + (1 - balance) * mean((p - y)^2); no L2 term (module doc)."""
    sq = (pred - target) ** 2
    w = top_weights(target, tau, alpha, gamma)
    return balance * (w * sq).mean() / w.mean() + (1.0 - balance) * sq.mean()


def is_decayed(name: str, param: nn.Parameter) -> bool:
    """Parameters under the L2 term: weight matrices (2+ dims); biases, LayerNorm, category_bias are 1-D."""
    return param.dim() >= 2


def l2_penalty(model: nn.Module, l2: float) -> float:
    """l2 * sum of squared entries of the weight matrices (the value of the loss's L2 term)."""
    with torch.no_grad():
        total = sum(
            float(p.detach().float().pow(2).sum()) for n, p in model.named_parameters() if is_decayed(n, p)
        )
    return l2 * total


def parameter_groups(model: nn.Module, l2: float, weight_decay: float) -> list[dict]:
    """Adam parameter groups: weight matrices get weight_decay + 2 * l2, the rest weight_decay."""
    decayed = [p for n, p in model.named_parameters() if is_decayed(n, p)]
    other = [p for n, p in model.named_parameters() if not is_decayed(n, p)]
    return [
        {"params": decayed, "weight_decay": weight_decay + 2.0 * l2},
        {"params": other, "weight_decay": weight_decay},
    ]
