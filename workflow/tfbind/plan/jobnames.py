"""AlphaPulldown job names: ``{domain_id}_and_{tf_id}`` (bait first, candidate second).

The split point is found by matching the known domain IDs and TF IDs rather than by splitting on the
first ``_and_``, so IDs that themselves contain ``_and_`` still resolve; a name that fits several
(domain, TF) splits is an error because silently picking one would attach the scores to the wrong pair.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from ..errors import InputError

SEPARATOR = "_and_"


class JobName(NamedTuple):
    domain_id: str
    tf_id: str


def split_job_name(
    name: str,
    tf_ids: Collection[str],
    domain_ids: Collection[str],
    where: str | None = None,
) -> JobName | None:
    """Split ``{domain_id}_and_{tf_id}`` into ``JobName(domain_id, tf_id)`` using the known IDs.

    Returns ``None`` when no (domain, TF) pair of the FASTA files fits (``unmatched_reason`` says why);
    raises ``InputError`` (prefixed with ``where`` or the name) when several splits fit.
    """
    # tf_ids is used for membership only: pass a dict or set (called once per job of a 10^5 screen).
    splits = [
        JobName(d, name[len(d) + len(SEPARATOR):])
        for d in sorted(domain_ids)
        if name.startswith(d + SEPARATOR) and name[len(d) + len(SEPARATOR):] in tf_ids
    ]
    if len(splits) > 1:
        shown = ", ".join(f"(domain {s.domain_id}, TF {s.tf_id})" for s in splits)
        raise InputError(
            f"{where or name}: job name {name!r} splits into several (domain, TF) pairs: {shown}"
        )
    return splits[0] if splits else None


def unmatched_reason(name: str, tf_ids: Collection[str], domain_ids: Collection[str]) -> str:
    """A one-line explanation of why ``name`` is not ``{domain_id}_and_{tf_id}`` of the FASTA records."""
    tf_ids, domain_ids = set(tf_ids), set(domain_ids)
    if not name:
        return "empty job name"
    if SEPARATOR not in name:
        return f"job name {name!r} is not {{domain_id}}{SEPARATOR}{{tf_id}} (no '{SEPARATOR}')"
    for d in sorted(domain_ids):
        if name.startswith(d + SEPARATOR):
            return (
                f"job name {name!r}: domain {d!r} is in the domain FASTA but TF "
                f"{name[len(d) + len(SEPARATOR):]!r} is not in the TF FASTA"
            )
    for t in sorted(tf_ids):
        if name.startswith(t + SEPARATOR) and name[len(t) + len(SEPARATOR):] in domain_ids:
            return (
                f"job name {name!r} reads as {{tf_id}}{SEPARATOR}{{domain_id}} (reversed); "
                f"expected {{domain_id}}{SEPARATOR}{{tf_id}} (bait first)"
            )
    return (
        f"job name {name!r}: no domain ID of the domain FASTA is followed by '{SEPARATOR}' "
        "and a TF ID of the TF FASTA"
    )
