"""AlphaFold confidence metrics of one TF chain against one domain chain.

``confidence_metrics(pred, tf_chain, domain_chain, ipsae_pae_cutoff)`` gives the per-model dict read
by the later stages; every metric is also available as a function on plain numpy arrays:

* :mod:`.ipsae_scores`: ``calc_d0``, ``ptm_term``, ``ipsae``, ``ipsae_by_residue``, ``iptm_pae``,
  ``iptm_pae_direction`` (Dunbrack 2025).
* :mod:`.dockq`: ``pdockq`` (Bryant 2022), ``pdockq2`` (Zhu 2023), contact helpers.
* :mod:`.lis_scores`: ``lis``, ``lia``, ``clis``, ``clia``, ``ilis``, ``lis_family`` (Kim 2024).

``interface_metrics(pred, tf_chain, domain_chain, sasa=True)`` (:mod:`.interface`,
:mod:`.interface_sasa`) gives the interface structure metrics: contacts, interface residues and their
classes, buried surface area, solvation energy, hydrogen bonds and salt bridges.
"""

from .confidence import METRIC_KEYS, confidence_metrics
from .dockq import (
    CONTACT_CUTOFF,
    cb_distances,
    contact_matrix,
    interface_masks,
    interface_plddt,
    pdockq,
    pdockq2,
    pdockq2_from_contacts,
    pdockq_from_contacts,
)
from .interface import INTERFACE_KEYS, interface_metrics
from .ipsae_scores import calc_d0, ipsae, ipsae_by_residue, iptm_pae, iptm_pae_direction, ptm_term
from .lis_scores import clia, clis, ilis, lia, lis, lis_direction, lis_family

__all__ = [
    "CONTACT_CUTOFF",
    "INTERFACE_KEYS",
    "METRIC_KEYS",
    "calc_d0",
    "cb_distances",
    "clia",
    "clis",
    "confidence_metrics",
    "contact_matrix",
    "ilis",
    "interface_masks",
    "interface_metrics",
    "interface_plddt",
    "ipsae",
    "ipsae_by_residue",
    "iptm_pae",
    "iptm_pae_direction",
    "lia",
    "lis",
    "lis_direction",
    "lis_family",
    "pdockq",
    "pdockq2",
    "pdockq2_from_contacts",
    "pdockq_from_contacts",
    "ptm_term",
]
