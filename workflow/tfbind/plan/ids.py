"""Identifiers that end up in file names and logs.

AlphaPulldown tile names such as ``MYB_24`` or ``KLF15_10`` must pass; anything that could break a
path or a wildcard (spaces, slashes, colons, wildcards) is refused with the record named.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..errors import InputError

ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
ALLOWED = "letters, digits and . _ -"


def check_id(value: object, what: str, where: str) -> str:
    """Return ``value`` as a str if it is a valid identifier, else raise ``InputError``.

    ``what`` names the field (e.g. "tf_id"), ``where`` the file and record (e.g. "pairs.tsv line 4").
    """
    text = "" if value is None else str(value)
    if not ID_PATTERN.match(text) or text in {".", ".."}:
        raise InputError(f"{where}: {what} {text!r} is not a valid identifier (allowed: {ALLOWED})")
    return text


def check_unique(values: Iterable[str], what: str, where: str) -> None:
    """Raise ``InputError`` listing every identifier that occurs more than once."""
    dupes = sorted(v for v, n in Counter(values).items() if n > 1)
    if dupes:
        shown = ", ".join(dupes[:10]) + (" ..." if len(dupes) > 10 else "")
        raise InputError(f"{where}: duplicate {what} ({len(dupes)}): {shown}")
