"""Identifiers that end up in file names and logs.

AlphaPulldown tile names such as ``MYB_24`` or ``KLF15_10`` must pass; anything that could break a
path or a wildcard (spaces, slashes, colons, wildcards) is refused with the record named.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections import Counter
from collections.abc import Iterable

from ..errors import InputError, InputWarning

ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
ALLOWED = "letters, digits and . _ -"


def check_id(value: object, what: str, where: object) -> str:
    """Return ``value`` as a str if it is a valid identifier, else raise ``InputError``.

    ``what`` names the field (e.g. "tf_id"), ``where`` the file and record (e.g. "pairs.tsv line 4"): a str,
    or any object whose ``str()`` is, formatted only when the message is raised (a FASTA reader checks every
    record at each Snakemake start and builds the record's name only for an error).
    """
    text = "" if value is None else str(value)
    if not ID_PATTERN.fullmatch(text) or text in {".", ".."}:  # fullmatch: "$" would accept a final newline
        raise InputError(f"{where}: {what} {text!r} is not a valid identifier (allowed: {ALLOWED})")
    return text


def check_columns(columns: Iterable[str], known: Iterable[str], where: str, what: str = "table",
                  warn=None) -> list[str]:
    """Warn about columns that are not ``known`` (``InputWarning``, naming them); raise ``InputError``
    when one is a close match to a known column that is absent (``tf_chian`` for ``tf_chain``): a
    misspelt optional column would otherwise be ignored and its values lost. Returns the unknown
    columns; ``warn`` (a callable taking the message) replaces ``warnings.warn``.

    Close match: ``difflib`` similarity of at least 0.8 (case-insensitive) between names of 5
    characters or more, or the same name in another case.
    """
    columns, known = list(columns), list(known)
    present = set(columns)
    unknown = [c for c in columns if c not in set(known)]
    absent = [k for k in known if k not in present]
    lower = {k.lower(): k for k in absent}
    for column in unknown:
        match = lower.get(column.lower())
        if match is None and len(column) >= 5:
            close = difflib.get_close_matches(column.lower(), list(lower), n=1, cutoff=0.8)
            match = lower[close[0]] if close else None
        if match is not None:
            raise InputError(
                f"{where}: column {column!r} is not a {what} column; did you mean {match!r}? (rename it, or "
                "its values are not used)"
            )
    if unknown:
        message = (f"{where}: column(s) not used: {', '.join(repr(c) for c in unknown)} "
                   f"({what} columns: {', '.join(known)})")
        if warn is not None:
            warn(message)
        else:
            warnings.warn(message, InputWarning, stacklevel=2)
    return unknown


def check_unique(values: Iterable[str], what: str, where: str) -> None:
    """Raise ``InputError`` listing every identifier that occurs more than once."""
    dupes = sorted(v for v, n in Counter(values).items() if n > 1)
    if dupes:
        shown = ", ".join(dupes[:10]) + (" ..." if len(dupes) > 10 else "")
        raise InputError(f"{where}: duplicate {what} ({len(dupes)}): {shown}")
