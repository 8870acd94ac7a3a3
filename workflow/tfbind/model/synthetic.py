"""Synthetic pairs + labels tables with a planted signal, for the model's tests and benchmark only.

Every TF is paired with every domain; the domains come in the four EP300 categories. Feature columns are
random except ``signal_feature`` (default ``iptm``), which sets the Kd within each category:

    log10(Kd / nM) = offset[category] - 2 * signal_feature + N(0, noise)

so that within a category the Kd rank follows the feature exactly when ``noise`` is 0. The sequence
descriptors (``tf_*``, ``domain_*``) are computed from the random sequences; ``ranking_confidence`` is
0.8 ipTM + 0.2 pTM; ``shape_complementarity`` is absent (as in AlphaFold runs extracted with
``features.shape_complementarity: off``), so that the tests see a listed column dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..features.descriptors import pair_descriptors
from .encoding import AMINO_ACIDS

CATEGORIES = ("KIX", "NCBD", "TAZ1", "TAZ2")
CATEGORY_OFFSET = {"KIX": 3.0, "NCBD": 3.5, "TAZ1": 2.5, "TAZ2": 4.0}
NUMERIC = {
    "iptm": (0.1, 0.9),
    "ptm": (0.2, 0.9),
    "pae_mean": (5.0, 25.0),
    "pdockq": (0.02, 0.6),
    "ipsae_min": (0.0, 0.7),
    "lis": (0.0, 0.6),
    "pdockq2_tf": (0.0, 0.5),
    "solvation_energy": (-20.0, 0.0),
    "frac_charged": (0.1, 0.5),
    "frac_hydrophobic": (0.2, 0.6),
    "n_contact_pairs": (0.0, 120.0),
    "interface_area": (100.0, 1500.0),
    "tf_frac_acidic": (0.0, 0.3),
}


def _sequences(rng: np.random.Generator, n: int, lo: int, hi: int) -> list[str]:
    letters = np.array(list(AMINO_ACIDS))
    return ["".join(rng.choice(letters, size=int(rng.integers(lo, hi + 1)))) for _ in range(n)]


def synthetic_tables(
    n_tfs: int = 50, domains_per_category: int = 1, seed: int = 0, signal_feature: str = "iptm",
    noise: float = 0.1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, labels): ``n_tfs * 4 * domains_per_category`` pairs and one Kd label per pair."""
    rng = np.random.default_rng(seed)
    tf_ids = [f"TF{i:05d}" for i in range(n_tfs)]
    tf_seq = dict(zip(tf_ids, _sequences(rng, n_tfs, 40, 80)))
    domains = [(f"{c}_{j}", c) for c in CATEGORIES for j in range(domains_per_category)]
    dom_seq = dict(zip([d for d, _ in domains], _sequences(rng, len(domains), 50, 100)))
    rows = [(t, d, c) for t in tf_ids for d, c in domains]
    pairs = pd.DataFrame(rows, columns=["tf_id", "domain_id", "domain_category"])
    pairs.insert(0, "pair_id", pairs["domain_id"] + "_and_" + pairs["tf_id"])
    pairs["tf_sequence"] = pairs["tf_id"].map(tf_seq)
    pairs["domain_sequence"] = pairs["domain_id"].map(dom_seq)
    for col, (lo, hi) in NUMERIC.items():
        pairs[col] = rng.uniform(lo, hi, len(pairs))
    pairs["ranking_confidence"] = 0.8 * pairs["iptm"] + 0.2 * pairs["ptm"]
    desc = pd.DataFrame([pair_descriptors(t, d) for t, d in zip(pairs["tf_sequence"], pairs["domain_sequence"])])
    pairs = pd.concat([pairs, desc.drop(columns=[c for c in desc.columns if c in pairs.columns])], axis=1)
    log_kd = (pairs["domain_category"].map(CATEGORY_OFFSET) - 2.0 * pairs[signal_feature]
              + rng.normal(0.0, noise, len(pairs)))
    labels = pd.DataFrame({"tf_id": pairs["tf_id"], "domain_id": pairs["domain_id"], "kd_nm": 10.0 ** log_kd})
    return pairs, labels
