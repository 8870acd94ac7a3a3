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

# Not starting with "-": a spreadsheet program reads such a cell as a formula (tfbind.escape would guard it
# with an apostrophe, so an ID would not read back the same from the pipeline's own TSV files), and a
# command-line tool reads such a file name as an option.
ID_PATTERN = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]*$")
ALLOWED = "letters, digits and . _ -, not starting with -"

#: The longest file name most file systems take (NAME_MAX, bytes; IDs are ASCII, one byte per character).
NAME_MAX = 255
#: The longest text a structure predictor appends to a job name in the names of its files: ColabFold's
#: ``_unrelaxed_rank_001_alphafold2_multimer_v3_model_1_seed_000.pdb`` is 63 characters; 70 leaves room for
#: a longer seed or model version (AlphaFold3's ``_seed-<S>_sample-<K>_summary_confidences.json`` is 50 with a
#: ten-digit seed; this pipeline's own additions are shorter: ``.<name>.XXXXXXXX.tmp`` temporaries add 14 to a
#: ``<domain>.tsv`` or ``<domain>_rank<N>.png``, tiles ``<gene>_<N>`` add the index).
PREDICTOR_SUFFIX_MAX = 70
#: The longest job or pair name: ``{domain_id}_and_{tf_id}`` plus a predictor's suffix fits in NAME_MAX.
MAX_JOB_LENGTH = NAME_MAX - PREDICTOR_SUFFIX_MAX  # 185
#: The longest ID (TF, domain, category, group, gene): two of them joined by ``_and_`` fit in MAX_JOB_LENGTH.
MAX_ID_LENGTH = (MAX_JOB_LENGTH - len("_and_")) // 2  # 90


def check_id(value: object, what: str, where: object, max_length: int = MAX_ID_LENGTH) -> str:
    """Return ``value`` as a str if it is a valid identifier, else raise ``InputError``.

    ``what`` names the field (e.g. "tf_id"), ``where`` the file and record (e.g. "pairs.tsv line 4"): a str,
    or any object whose ``str()`` is, formatted only when the message is raised (a FASTA reader checks every
    record at each Snakemake start and builds the record's name only for an error). ``max_length``: the
    longest value accepted (:data:`MAX_ID_LENGTH`; :data:`MAX_JOB_LENGTH` for a pair_id, which may be a job
    name ``{domain_id}_and_{tf_id}``), so that every file name built from it fits in :data:`NAME_MAX`.
    """
    text = "" if value is None else str(value)
    if not ID_PATTERN.fullmatch(text) or text in {".", ".."}:  # fullmatch: "$" would accept a final newline
        raise InputError(f"{where}: {what} {text!r} is not a valid identifier (allowed: {ALLOWED})")
    if len(text) > max_length:
        raise InputError(
            f"{where}: {what} {text[:40]!r}... is {len(text)} characters long; at most {max_length} are "
            f"allowed (file names built from it, with the suffixes structure predictors and this pipeline "
            f"add, must fit in {NAME_MAX} bytes)"
        )
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


def check_unique(values: Iterable[str], what: str, where: str, fold_case: bool = False) -> None:
    """Raise ``InputError`` listing every identifier that occurs more than once; with ``fold_case``, also those
    that differ only in case (``KIX`` and ``kix``): identifiers that name files (``results/ranking/<domain>.tsv``,
    a pair's folder) would share one file on a case-insensitive file system (macOS, Windows), one result
    overwriting the other, and one Excel sheet."""
    values = list(values)
    dupes = sorted(v for v, n in Counter(values).items() if n > 1)
    if dupes:
        shown = ", ".join(dupes[:10]) + (" ..." if len(dupes) > 10 else "")
        raise InputError(f"{where}: duplicate {what} ({len(dupes)}): {shown}")
    if fold_case:
        spellings: dict[str, list[str]] = {}
        for v in values:
            spellings.setdefault(v.casefold(), []).append(v)
        clashes = sorted(" / ".join(group) for group in spellings.values() if len(group) > 1)
        if clashes:
            shown = "; ".join(clashes[:10]) + (" ..." if len(clashes) > 10 else "")
            raise InputError(
                f"{where}: {what} that differ only in case ({len(clashes)}): {shown}; they name files, which a "
                "case-insensitive file system (macOS, Windows) would merge into one: rename one of each"
            )


def distinct_names(stems: dict, taken: Iterable[str] = (), max_length: int | None = None) -> dict:
    """key -> a name for it, each different: its stem, or ``stem_2``, ``stem_3``, ... when that name is taken
    (by ``taken`` or an earlier key, in the order of ``stems``). Names are compared without case: names of files
    (macOS, Windows) and of Excel sheets are. With ``max_length`` the stem is cut so that stem and suffix fit."""
    used = {name.casefold() for name in taken}
    names = {}
    for key, stem in stems.items():
        name, k = stem, 2
        while name.casefold() in used:
            suffix = f"_{k}"
            name, k = (stem[:max_length - len(suffix)] if max_length else stem) + suffix, k + 1
        used.add(name.casefold())
        names[key] = name
    return names

