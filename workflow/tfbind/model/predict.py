"""Score a pairs table with a trained ``model.pt``: PREDICTION_COLUMNS.

From the members' ranking scores z_m of a pair of domain category d (``architecture``), each averaged with the
prior-shrunk ridge's z_r when the model was trained with ``ridge_blend`` (z_m <- (z_m + z_r) / 2,
``tfbind.model.prior_ridge``; a category without ridge weights uses the prior weights):

* ``kd_pred_nm``: the ensemble mean z mapped back, pKd = mu_d + sd_d * mean_m(z_m) (``TargetTransform``:
  mean and SD of the training pKd of d), Kd = 10^-pKd M, in nM;
* ``kd_pred_low_nm`` / ``kd_pred_high_nm``: the Kd of the 90th / 10th percentile (numpy linear) of the
  members' pKd: the spread of the ensemble, NOT a calibrated confidence interval (members differ by
  initialisation and early-stopping validation genes only);
* ``score``: the predicted pKd on the training target scale, (pKd - lo) / (hi - lo), lo/hi = min/max
  training pKd, clipped to [0, 1] (1 = strongest binding), so it compares with the observed ``target``;
  within a domain it is monotone in z;
* ``imputed``: some input was missing and replaced by the training median; ``imputed_inputs`` which
  (comma-separated column names, "" for none);
* ``category_seen``: False for a domain category the model was not trained on: such pairs are scored with
  the shared weights only and pooled standardisation (logged as a warning).

:func:`named_predictions` gives the same quantities under the names every output file uses for them
(:data:`PREDICTION_NAMES`): the ranking's model scores, the evaluation's score table and the ``predict``
target's table are all made from it.

An input missing for every pair (e.g. ``shape_complementarity`` from runs that are not AlphaPulldown score
tables) is imputed for all of them: a WARNING, and the table's ``attrs["missing_for_every_pair"]`` lists
those inputs (the ranking's run summary says it from the ``imputed`` column).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .checkpoint import LoadedModel, load
from .data import Preprocessor, TargetTransform, check_columns, kd_from_pkd, to_tensors
from .outputs import NAMED_COLUMNS, PREDICTION_NAMES
from .prior_ridge import blend
from .training import member_scores

#: Rows scored per forward pass: bounds memory at any table size (the ``tokens`` encoder's attention holds
#: rows x max_len^2 floats: 4,096 x 128^2 x 4 B = 256 MiB) while keeping per-call overhead negligible.
SCORE_BATCH_ROWS = 4096

log = logging.getLogger("tfbind.model")

PREDICTION_COLUMNS = ["pair_id", "score", "kd_pred_nm", "kd_pred_low_nm", "kd_pred_high_nm", "imputed",
                      "imputed_inputs", "category_seen"]
INTERVAL_PERCENTILES = (10, 90)


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """torch's intra-op thread count set to the job's ``threads`` (None: left as it is), restored after."""
    import torch

    previous = torch.get_num_threads()
    try:
        if threads:
            torch.set_num_threads(int(threads))
        yield
    finally:
        torch.set_num_threads(previous)


def batched_member_scores(model, arrays: dict[str, np.ndarray], device="cpu",
                          batch_rows: int | None = None) -> np.ndarray:
    """(members, rows) ranking scores z, ``batch_rows`` rows per forward pass (eval mode, inference_mode;
    None: SCORE_BATCH_ROWS, read when called)."""
    batch_rows = batch_rows or SCORE_BATCH_ROWS
    n = len(arrays["x"])
    parts = [member_scores(model, to_tensors({k: v[i:i + batch_rows] for k, v in arrays.items()}, device))
             for i in range(0, max(n, 1), batch_rows)]
    return np.concatenate(parts, axis=1)


def _warn_unrepresentable(pair_ids: pd.Series, pkd: np.ndarray, kd: np.ndarray, transform) -> None:
    """A WARNING naming the pairs whose predicted Kd is 0, inf or NaN: a pKd hundreds of units from the
    training range lo..hi (inputs far outside the training data) leaves the float range of a Kd in nM."""
    bad = ~(np.isfinite(kd) & (kd > 0))
    if bad.any():
        shown = ", ".join(f"{p} (pKd {v:.3g})" for p, v in zip(pair_ids[bad].iloc[:5], pkd[bad][:5]))
        log.warning("%d pair(s) with a predicted Kd of 0, inf or NaN (training pKd %.2f..%.2f): their inputs "
                    "lie far outside the training data: %s", int(bad.sum()), transform.lo, transform.hi,
                    shown)


def predict(model: str | Path | LoadedModel, pairs: pd.DataFrame, device=None,
            threads: int | None = None) -> pd.DataFrame:
    """One row per row of ``pairs`` (same order), PREDICTION_COLUMNS (module doc).

    ``model``: a :class:`~tfbind.model.checkpoint.LoadedModel` (used as it is: a job loads its model once) or
    a ``model.pt`` path (loaded here). ``device``: where to score (None: the loaded model's device, CPU for a
    path). ``threads``: torch threads for the scoring (the job's Snakemake ``threads``; None = torch's
    default). Raises InputError naming the feature columns the model uses that ``pairs`` lacks.
    """
    loaded = load(model, device)
    model, meta, device = loaded.network, loaded.meta, loaded.device
    prep = Preprocessor.from_meta(meta["preprocess"])
    encoder = model.config["residue_encoder"]
    check_columns(pairs, prep.features, what=f"pairs table scored with {loaded.source}",
                  sequences=encoder != "none")
    arrays, imputed = prep.transform(pairs, encoder)
    seen = arrays["category"] >= 0
    if not seen.all():
        unseen = sorted(set(pairs.loc[~seen, "domain_category"].astype(str)))
        log.warning("%d pair(s) of domain categories the model was not trained on (%s): scored with the "
                    "shared weights only (category_seen False)", int((~seen).sum()), ", ".join(unseen))
    with torch_threads(threads):
        z = batched_member_scores(model, arrays, device)
    transform = TargetTransform.from_meta(meta["target"])
    cats = pairs["domain_category"].astype(str).to_numpy()
    if meta.get("ridge"):
        z = blend(z, arrays["x"].astype(float), cats, meta["ridge"], meta["prior"])
    member_pkd = np.stack([transform.pkd_of(zm, cats) for zm in z]) if len(pairs) else np.zeros((1, 0))
    pkd = transform.pkd_of(z.mean(axis=0), cats)
    lo, hi = np.percentile(member_pkd, INTERVAL_PERCENTILES, axis=0)
    with np.errstate(over="ignore", under="ignore"):  # said once below, per pair, instead of numpy's warning
        kd = {"mid": kd_from_pkd(pkd), "low": kd_from_pkd(hi), "high": kd_from_pkd(lo)}
    _warn_unrepresentable(pairs["pair_id"], pkd, kd["mid"], transform)
    log.info("scored %d pairs with %s (%d with imputed inputs)", len(pairs), loaded.source, int(imputed.sum()))
    out = pd.DataFrame(
        {"pair_id": pairs["pair_id"].to_numpy(), "score": transform.score(pkd), "kd_pred_nm": kd["mid"],
         "kd_pred_low_nm": kd["low"], "kd_pred_high_nm": kd["high"], "imputed": imputed,
         "imputed_inputs": prep.imputed_inputs(pairs) if imputed.any() else "", "category_seen": seen},
        columns=PREDICTION_COLUMNS,
    )
    out.attrs["missing_for_every_pair"] = prep.missing_everywhere(pairs)
    return out


def named_predictions(model: str | Path | LoadedModel, pairs: pd.DataFrame, device=None,
                      threads: int | None = None) -> pd.DataFrame:
    """:func:`predict` under the output files' names: NAMED_COLUMNS, one row per row of ``pairs`` (same
    order); ``attrs`` as predict's."""
    predicted = predict(model, pairs, device, threads)
    out = predicted[["pair_id", *PREDICTION_NAMES]].rename(columns=PREDICTION_NAMES)
    with np.errstate(divide="ignore"):  # a Kd of 0 (said by predict) is a pKd of inf
        out["model_pkd"] = -np.log10(predicted["kd_pred_nm"].to_numpy(dtype=float) * 1e-9)
    out.attrs = dict(predicted.attrs)
    return out[NAMED_COLUMNS]


def rank_in_domain(table: pd.DataFrame) -> pd.Series:
    """Rank of ``model_score`` within ``domain_category`` (1 = highest; ties share the lowest rank)."""
    return table.groupby("domain_category")["model_score"].rank(method="min", ascending=False).astype(int)


__all__ = ["INTERVAL_PERCENTILES", "NAMED_COLUMNS", "PREDICTION_COLUMNS", "PREDICTION_NAMES", "named_predictions",
           "predict", "rank_in_domain"]
