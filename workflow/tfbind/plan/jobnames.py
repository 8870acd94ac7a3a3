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


# --- Job names as the predictors rewrite them -------------------------------------------------------
#
# AlphaFold Server lower-cases the job name, replaces characters outside [a-z0-9_] and prefixes ``fold_``
# to the download and every file in it (job "5B8C" -> ``fold_5b8c.zip`` holding ``fold_5b8c_model_0.cif``,
# ``fold_5b8c_full_data_0.json``, ..., ``fold_5b8c_job_request.json``: the fixture ``af3_server_5b8c``; the
# server's README, https://github.com/google-deepmind/alphafold/blob/main/server/README.md, names the
# ``<job_name>_job_request.json`` file but documents no rule). Local AlphaFold3 writes its output under
# ``sanitised_name()`` of the input (alphafold3 ``folding_input.Input.sanitised_name``: lower case, spaces
# -> ``_``, characters outside [a-z0-9_.-] dropped); ColabFold keeps the case and replaces characters
# outside [A-Za-z0-9_.-] with ``_`` (``colabfold.utils.safe_filename``).
#
# Rule implemented (``name_key``): lower-case, then every character outside [a-z0-9] becomes ``_``. A job
# name matches ``{domain_id}_and_{tf_id}`` when its key, with a leading ``fold_`` removed or not, equals
# ``key(domain_id) + "_and_" + key(tf_id)``. So ``fold_kix_and_myb_25`` matches domain ``KIX`` and TF
# ``MYB_25``, and ``fold_kix_and_myb_25`` also matches TF ``MYB-25`` (the server's ``-`` -> ``_``). Two IDs
# with one key (``MYB-25`` and ``MYB_25``) cannot be told apart this way: such a name is reported, not
# guessed. An exact match (``split_job_name``) is always tried first.

SERVER_PREFIX = "fold_"

def name_key(name: str) -> str:
    """The case- and punctuation-insensitive form of a job name or ID (see the rule above)."""
    return "".join(ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else "_" for ch in name.lower())


class JobMatcher:
    """Match job names to (domain, TF) pairs of the FASTA records: exactly, else by ``name_key`` with the
    server's ``fold_`` prefix removed. Built once per discovery (10^5 names are matched at parse time)."""

    def __init__(self, tf_ids: Collection[str], domain_ids: Collection[str]):
        self.tf_ids, self.domain_ids = tf_ids, domain_ids
        self._tf_keys: dict[str, list[str]] = {}
        for t in tf_ids:
            self._tf_keys.setdefault(name_key(t), []).append(t)
        self._domain_keys: dict[str, list[str]] = {}
        for d in domain_ids:
            self._domain_keys.setdefault(name_key(d), []).append(d)
        self._sep = name_key(SEPARATOR)

    def match(self, name: str, where: str | None = None) -> tuple[JobName | None, str]:
        """``(JobName, "")`` for a name that fits one pair; ``(None, reason)`` otherwise. Several exact
        splits raise ``InputError`` as ``split_job_name`` does; several relaxed ones are a reason."""
        exact = split_job_name(name, self.tf_ids, self.domain_ids, where)
        if exact is not None:
            return exact, ""
        key = name_key(name)
        keys = [key] + ([key[len(SERVER_PREFIX):]] if key.startswith(SERVER_PREFIX) else [])
        found: list[JobName] = []
        for k in keys:
            for dk, domains in self._domain_keys.items():
                if k.startswith(dk + self._sep):
                    for d in domains:
                        for t in self._tf_keys.get(k[len(dk) + len(self._sep):], []):
                            if JobName(d, t) not in found:
                                found.append(JobName(d, t))
        if len(found) == 1:
            return found[0], ""
        if found:
            shown = ", ".join(f"(domain {f.domain_id}, TF {f.tf_id})" for f in found)
            return None, (
                f"job name {name!r} fits several (domain, TF) pairs once case and the server's character "
                f"substitutions are ignored: {shown}; rename the job or the IDs"
            )
        exact_domain = any(name.startswith(d + SEPARATOR) for d in self.domain_ids)
        for k in keys:
            for dk, domains in self._domain_keys.items():
                if not exact_domain and k.startswith(dk + self._sep):
                    return None, (
                        f"job name {name!r} reads as domain {domains[0]!r} once case and the server's "
                        "'fold_' prefix and character substitutions are ignored, but no TF ID of the TF "
                        f"FASTA reads as {k[len(dk) + len(self._sep):]!r}"
                    )
        return None, unmatched_reason(name, self.tf_ids, self.domain_ids)
