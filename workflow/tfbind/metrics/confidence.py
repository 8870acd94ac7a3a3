"""All AlphaFold confidence metrics of one TF chain against one domain chain of a prediction.

:func:`confidence_metrics` is the entry point used by the pipeline; it slices the TF and domain
residues out of a :class:`~tfbind.readers.prediction.ModelPrediction` (other chains are ignored) and calls
the array-level functions of :mod:`.ipsae_scores`, :mod:`.dockq` and :mod:`.lis_scores`, where
each metric's definition, reference and constants are documented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..readers.prediction import ModelPrediction
from .dockq import (
    CONTACT_CUTOFF,
    cb_distances,
    interface_plddt,
    pdockq2_from_contacts,
    pdockq_from_contacts,
)
from .ipsae_scores import ipsae_of_block, iptm_pae_of_block
from .lis_scores import lis_family

#: Keys of :func:`confidence_metrics`, in output order (other stages read these names).
METRIC_KEYS: tuple[str, ...] = (
    "iptm", "ptm", "ranking_confidence", "ranking_score",
    "plddt_mean", "plddt_tf", "plddt_domain", "plddt_interface",
    "pae_mean", "pae_inter_mean", "pae_inter_min",
    "pdockq", "pdockq2_tf", "pdockq2_domain",
    "lis", "lia", "clis", "clia", "ilis",
    "ipsae_tf_to_domain", "ipsae_domain_to_tf", "ipsae_min", "ipsae_max",
    "iptm_pae",
)


def _chain_index(pred: ModelPrediction, chain: str, role: str) -> np.ndarray:
    idx = np.flatnonzero(np.asarray(pred.chain_ids) == chain)
    if idx.size == 0:
        present = sorted({str(c) for c in np.asarray(pred.chain_ids)})
        raise ValueError(
            f"{role} chain {chain!r} has no residues in model {pred.model_name!r} "
            f"(chains present: {', '.join(present) or 'none'})"
        )
    return idx


def _runs(idx: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(first value, last value + 1, first position, last position + 1) of each run of consecutive numbers."""
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(idx) != 1) + 1, [idx.size]))
    return [(int(idx[b]), int(idx[e - 1]) + 1, int(b), int(e)) for b, e in zip(bounds[:-1], bounds[1:])]


def _submatrix(m: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``m[np.ix_(rows, cols)]`` (the same C-ordered copy), copied block by block when the indices are a few
    runs of consecutive numbers (a chain's residues): a slice copy instead of a gather per element."""
    if rows.size == 0 or cols.size == 0:
        return m[np.ix_(rows, cols)]
    row_runs, col_runs = _runs(rows), _runs(cols)
    if len(row_runs) * len(col_runs) > 4:
        return m[np.ix_(rows, cols)]
    out = np.empty((rows.size, cols.size), dtype=m.dtype)
    for r0, r1, i0, i1 in row_runs:
        for c0, c1, j0, j1 in col_runs:
            out[i0:i1, j0:j1] = m[r0:r1, c0:c1]
    return out


def _check_shapes(pred: ModelPrediction) -> None:
    n = int(np.asarray(pred.chain_ids).shape[0])
    checks = {
        "cb_coords": (np.shape(pred.cb_coords), (n, 3)),
        "plddt": (np.shape(pred.plddt), (n,)),
        "pae": (np.shape(pred.pae), (n, n)),
    }
    for name, (got, want) in checks.items():
        if tuple(got) != want:
            raise ValueError(f"model {pred.model_name!r}: {name} has shape {tuple(got)}, expected {want} "
                             f"for {n} residues")


@dataclass(frozen=True)
class PairBlocks:
    """The arrays of one TF chain and one domain chain that the confidence metrics share: residue indices
    (``ia`` TF, ``ib`` domain), the two inter-chain PAE blocks (``pae_ab``: TF rows aligned), the CB-CB
    distances (``dist_ab``, TF x domain) and the 8 A contact map. Built once per model by
    :func:`pair_blocks`; the interface residues (:mod:`.interface_residues`) reuse them."""

    ia: np.ndarray
    ib: np.ndarray
    pae: np.ndarray
    pae_ab: np.ndarray
    pae_ba: np.ndarray
    dist_ab: np.ndarray
    contacts: np.ndarray


def pair_blocks(pred: ModelPrediction, tf_chain: str, domain_chain: str) -> PairBlocks:
    """:class:`PairBlocks` of ``tf_chain`` vs ``domain_chain``; ValueError as :func:`confidence_metrics`."""
    if tf_chain == domain_chain:
        raise ValueError(f"TF chain and domain chain are both {tf_chain!r}; need two different chains")
    _check_shapes(pred)
    ia = _chain_index(pred, tf_chain, "TF")
    ib = _chain_index(pred, domain_chain, "domain")
    pae = np.asarray(pred.pae, dtype=float)
    cb = np.asarray(pred.cb_coords, dtype=float)
    dist_ab = cb_distances(cb[ia], cb[ib])
    return PairBlocks(ia, ib, pae, _submatrix(pae, ia, ib), _submatrix(pae, ib, ia), dist_ab,
                      dist_ab <= CONTACT_CUTOFF)


def confidence_metrics(pred: ModelPrediction, tf_chain: str, domain_chain: str,
                       ipsae_pae_cutoff: float, blocks: PairBlocks | None = None) -> dict[str, float]:
    """Confidence metrics of ``tf_chain`` vs ``domain_chain`` in one predicted model.

    Returns a dict with exactly the keys of :data:`METRIC_KEYS` (floats; NaN where undefined):

    * ``iptm, ptm, ranking_confidence, ranking_score``: copied from the prediction
      (``ranking_confidence`` = 0.8 ipTM + 0.2 pTM for every format; ``ranking_score`` = AlphaFold3's own,
      NaN otherwise; see ``tfbind.readers.model_scores``).
    * ``plddt_mean``: mean pLDDT over the residues of both chains; ``plddt_tf``/``plddt_domain``
      per chain; ``plddt_interface``: residues of either chain with a partner-chain CB within
      8 A (CB-CB <= 8, CA for Gly); NaN without contacts.
    * ``pae_mean``: mean of the PAE submatrix of the two chains (rows and columns of both);
      ``pae_inter_mean``/``pae_inter_min``: mean/min over both inter-chain blocks.
    * ``pdockq`` (Bryant 2022), ``pdockq2_tf``/``pdockq2_domain`` (Zhu 2023, TF rows / domain rows),
      see :mod:`.dockq`.
    * ``lis, lia, clis, clia, ilis`` (Kim 2024), see :mod:`.lis_scores`.
    * ``ipsae_tf_to_domain`` (TF rows aligned), ``ipsae_domain_to_tf``, ``ipsae_min``,
      ``ipsae_max`` (Dunbrack 2025, PAE cutoff ``ipsae_pae_cutoff``: 15 for AF2/ColabFold,
      10 for AF3) and ``iptm_pae`` (ipTM from PAE with d0(n_TF + n_domain)),
      see :mod:`.ipsae_scores`.

    ``blocks``: :func:`pair_blocks` of the same model and chains, when the caller already built them.

    Raises ValueError when a chain has no residues, the two chains are the same, or the arrays of
    the prediction do not agree in size.
    """
    if blocks is None:
        blocks = pair_blocks(pred, tf_chain, domain_chain)
    ia, ib, pae = blocks.ia, blocks.ib, blocks.pae
    pae_ab, pae_ba, dist_ab, contacts = blocks.pae_ab, blocks.pae_ba, blocks.dist_ab, blocks.contacts
    plddt = np.asarray(pred.plddt, dtype=float)
    both = np.concatenate([ia, ib])
    plddt_a, plddt_b = plddt[ia], plddt[ib]

    inter = np.concatenate([pae_ab.ravel(), pae_ba.ravel()])
    # ipSAE and ipTM from the two inter-chain blocks already cut (ipsae_scores.ipsae and iptm_pae on the blocks)
    ipsae_ab = ipsae_of_block(pae_ab, ipsae_pae_cutoff)
    ipsae_ba = ipsae_of_block(pae_ba, ipsae_pae_cutoff)

    out = {
        "iptm": float(pred.iptm),
        "ptm": float(pred.ptm),
        "ranking_confidence": float(pred.ranking_confidence),
        "ranking_score": float(pred.ranking_score),
        "plddt_mean": float(plddt[both].mean()),
        "plddt_tf": float(plddt_a.mean()),
        "plddt_domain": float(plddt_b.mean()),
        "plddt_interface": interface_plddt(contacts, plddt_a, plddt_b),
        "pae_mean": float(_submatrix(pae, both, both).mean()),
        "pae_inter_mean": float(inter.mean()),
        "pae_inter_min": float(inter.min()),
        "pdockq": pdockq_from_contacts(contacts, plddt_a, plddt_b),
        "pdockq2_tf": pdockq2_from_contacts(pae_ab, contacts, plddt_a, plddt_b),
        "pdockq2_domain": pdockq2_from_contacts(pae_ba, contacts.T, plddt_b, plddt_a),
        **lis_family(pae_ab, pae_ba, dist_ab),
        "ipsae_tf_to_domain": ipsae_ab,
        "ipsae_domain_to_tf": ipsae_ba,
        "ipsae_min": min(ipsae_ab, ipsae_ba),
        "ipsae_max": max(ipsae_ab, ipsae_ba),
        "iptm_pae": max(iptm_pae_of_block(pae_ab), iptm_pae_of_block(pae_ba)),
    }
    return {key: float(out[key]) for key in METRIC_KEYS}
