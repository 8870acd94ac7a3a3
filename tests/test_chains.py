"""Chain assignment by sequence, with overrides and extra chains."""

import pytest

from tfbind.errors import PredictionError
from tfbind.features.chains import assign_chains, identity

TF = "DDLLWEFSSPQ"
DOM = "GIRKQWHEDITQDLRNHLVHK"


def test_exact_match_any_chain_names():
    got = assign_chains({"B": DOM, "C": TF}, TF, DOM)
    assert (got.tf_chain, got.domain_chain, got.tf_identity, got.domain_identity) == ("C", "B", 1.0, 1.0)


def test_extra_chain_is_ignored():
    got = assign_chains({"A": "MKT" * 10, "1": TF, "2": DOM}, TF, DOM)
    assert (got.tf_chain, got.domain_chain) == ("1", "2")


def test_near_match_above_threshold():
    mutant = TF[:5] + "A" + TF[6:]  # one substitution in 11 residues: identity 10/11
    got = assign_chains({"A": DOM, "B": mutant}, TF, DOM, min_identity=0.9)
    assert got.tf_chain == "B"
    assert got.tf_identity == pytest.approx(10 / 11)


def test_no_match_is_a_clear_error():
    with pytest.raises(PredictionError, match="no chain matches the TF sequence"):
        assign_chains({"A": DOM, "B": "PPPPPPPPPPP"}, TF, DOM, where="pair x")


def test_override_and_unknown_override():
    got = assign_chains({"A": DOM, "B": "PPPPPPPPPPP"}, TF, DOM, tf_chain="B")
    assert got.tf_chain == "B" and got.domain_chain == "A"
    with pytest.raises(PredictionError, match="tf_chain 'Z' is not a chain"):
        assign_chains({"A": DOM, "B": TF}, TF, DOM, tf_chain="Z")


def test_identity_counts_identical_aligned_positions():
    assert identity("ACDEF", "ACDEF") == 1.0
    assert identity("ACDEF", "ACDEG") == pytest.approx(4 / 5)
    assert identity("ACDEF", "ACDE") == pytest.approx(4 / 5)  # a deletion: 4 identities over 5
