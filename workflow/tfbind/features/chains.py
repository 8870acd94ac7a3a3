"""Which chain of a prediction is the TF and which is the domain.

Chains are matched to the FASTA sequences: an exact match wins; otherwise the chain with the best
global-alignment identity (identical aligned positions / length of the longer sequence) is taken if it
reaches ``min_identity``. ``tf_chain`` / ``domain_chain`` from the pairs table override the matching.
A homodimer, or any run where the TF and the domain would match each other's chain just as well (both
chains match both records), cannot be assigned from sequence: it needs ``tf_chain``/``domain_chain``
in the pairs table, and without them the pair fails with a message saying so.
Extra chains (a third partner, a ligand chain) are allowed; only the two assigned chains are scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..errors import PredictionError
from ..plan.sequences import sequence_aligner


@dataclass(frozen=True)
class ChainAssignment:
    tf_chain: str
    domain_chain: str
    tf_identity: float
    domain_identity: float


@lru_cache(maxsize=1)
def identity(a: str, b: str) -> float:
    """Identical aligned positions over the length of the longer sequence (1.0 only for equal strings)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    alignment = sequence_aligner().align(a, b)[0]
    matches = alignment.counts().identities
    return matches / max(len(a), len(b))


def assign_chains(
    chain_sequences: dict[str, str],
    tf_sequence: str,
    domain_sequence: str,
    tf_chain: str = "",
    domain_chain: str = "",
    min_identity: float = 0.9,
    where: str = "",
) -> ChainAssignment:
    """Assign the TF and the domain to two different chains of ``chain_sequences``.

    Raises ``PredictionError`` (stage ``chains``) naming the run when a named chain is absent, when no
    chain reaches ``min_identity`` or when both would land on the same chain.
    """
    chains = list(chain_sequences)
    for name, value in (("tf_chain", tf_chain), ("domain_chain", domain_chain)):
        if value and value not in chain_sequences:
            raise PredictionError(f"{where}: {name} {value!r} is not a chain of the prediction "
                                  f"(chains: {', '.join(chains)})", "chains")

    def best(target: str, exclude: str) -> tuple[str, float]:
        exact = [c for c in chains if c != exclude and chain_sequences[c] == target]
        if exact:
            return exact[0], 1.0
        scored = [(identity(chain_sequences[c], target), c) for c in chains if c != exclude]
        if not scored:
            return "", 0.0
        score, chain = max(scored, key=lambda t: (t[0], -chains.index(t[1])))
        return chain, score

    def pick(fixed: str, target: str, exclude: str, label: str) -> tuple[str, float]:
        if fixed:
            return fixed, identity(chain_sequences[fixed], target)
        chain, score = best(target, exclude)
        if score < min_identity:
            raise PredictionError(
                f"{where}: no chain matches the {label} sequence (best: chain {chain or '-'} at identity "
                f"{score:.2f} < min_identity {min_identity}; chains: {', '.join(chains)})",
                "chains",
            )
        return chain, score

    # The exact/overridden side is fixed first so that it cannot be taken by the other side's search.
    if tf_chain or (not domain_chain and tf_sequence in chain_sequences.values()
                    and domain_sequence not in chain_sequences.values()):
        tf, tf_id = pick(tf_chain, tf_sequence, domain_chain, "TF")
        dom, dom_id = pick(domain_chain, domain_sequence, tf, "domain")
    else:
        dom, dom_id = pick(domain_chain, domain_sequence, tf_chain, "domain")
        tf, tf_id = pick(tf_chain, tf_sequence, dom, "TF")
    if tf == dom:
        raise PredictionError(f"{where}: TF and domain both assigned to chain {tf!r}", "chains")
    if not tf_chain and not domain_chain:
        def reaches(chain_sequence: str, target: str, bound: float) -> bool:
            # identity() is 1.0 for equal strings only, so a bound of 1.0 (an exact match on the other
            # side) is a string comparison: no alignment for the usual exactly matching chains
            return chain_sequence == target if bound >= 1.0 else identity(chain_sequence, target) >= bound

        if reaches(chain_sequences[dom], tf_sequence, max(tf_id, min_identity)) and reaches(
            chain_sequences[tf], domain_sequence, max(dom_id, min_identity)
        ):
            raise PredictionError(
                f"{where}: chains {min(tf, dom)!r} and {max(tf, dom)!r} both match both the TF and the domain sequence "
                f"(identities {tf_id:.2f}/{dom_id:.2f} either way; a homodimer?): set tf_chain and domain_chain "
                "for this pair in the pairs table",
                "chains",
            )
    return ChainAssignment(tf, dom, tf_id, dom_id)
