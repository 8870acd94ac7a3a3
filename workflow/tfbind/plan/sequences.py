"""TF and domain FASTA files.

TF fragments (candidates) are plain FASTA records; a ``group=`` key names the tile's group for grouped
cross-validation (``>MYB_24 group=MYB``: overlapping tiles of one gene share sequence and must not straddle
train and test; the tiles written by ``prepare`` carry it). Domain (bait) headers carry the category the
model uses: ``>KIX_human category=KIX``; without ``category=`` the category is the ID.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, InputWarning
from .ids import check_id, check_unique
from .uniprot import uniprot_id

# The 20 standard amino acids plus X (unknown); anything else (B, Z, U, O, gaps, digits) is refused so
# that sequence descriptors and chain matching never see letters they cannot interpret.
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
ALLOWED_LETTERS = frozenset(AMINO_ACIDS + "X")
_CATEGORY = re.compile(r"(?:^|\s)category=(\S+)")
_GROUP = re.compile(r"(?:^|\s)group=(\S+)")
# gene= names the TF gene of a tile for the ranking's score tracks (tfbind.ranking.coordinates): it becomes a
# file name (tracks/<gene>.png) and a cell of tracks/index.tsv, so it is an identifier like group=.
_GENE = re.compile(r"(?:^|\s)gene=(\S+)")


@dataclass(frozen=True)
class SequenceRecord:
    id: str
    sequence: str
    category: str
    group: str = ""  # TF records: the header's group= key ("" when absent)


class _Where:
    """``<file> record <n> (><description>)``, formatted when a message needs it."""

    __slots__ = ("path", "n", "rec")

    def __init__(self, path, n, rec):
        self.path, self.n, self.rec = path, n, rec

    def __str__(self) -> str:
        return f"{self.path} record {self.n} (>{self.rec.description})"


def read_fasta(path: str | Path, kind: str) -> dict[str, SequenceRecord]:
    """Read a TF (``kind="tf"``) or domain (``kind="domain"``) FASTA file into {id: record}.

    Raises ``InputError`` naming the file and record for: unreadable or empty files, invalid or
    duplicate IDs, empty sequences, letters outside the 20 amino acids plus X, invalid categories, groups or
    genes (``gene=``, read by the ranking's score tracks).
    A trailing stop ``*`` is removed; lower case is accepted and upper-cased. A UniProt header
    (``>sp|P04637|P53_HUMAN ... GN=TP53``) gets the ID of ``tfbind.plan.uniprot`` (``TP53``; ``TP53_1-80`` for
    ``.../1-80``, whose group is then ``TP53``), with an ``InputWarning`` naming the file and the IDs read.
    """
    from Bio import SeqIO  # here, not at module level: extraction jobs import this module for SequenceRecord only

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {kind} FASTA file not found")
    records: dict[str, SequenceRecord] = {}
    ids: list[str] = []
    uniprot: dict[str, str] = {}  # ID read from a UniProt header -> the header's first word
    rules: set[str] = set()
    try:
        with path.open() as handle:  # closed here: SeqIO.parse(path) leaves its file to the garbage collector
            parsed = list(SeqIO.parse(handle, "fasta"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable FASTA file: {str(exc).splitlines()[0]}") from exc
    for n, rec in enumerate(parsed, start=1):
        # the record's name for messages, built only when one is raised (25,000 tiles are parsed at every
        # Snakemake start)
        where = _Where(path, n, rec)
        uni = uniprot_id(rec.id, rec.description[len(rec.id):], where)
        rid = check_id(uni.id if uni else rec.id, "ID", where)
        if uni is not None:
            if rid in uniprot:
                raise InputError(f"{where}: reads as ID {rid!r} ({uni.rule}), as does >{uniprot[rid]}: give "
                                 "them residue ranges (>sp|ACC|NAME/START-END) or IDs of their own")
            uniprot[rid] = rec.id
            rules.add(uni.rule)
        seq = str(rec.seq).upper().rstrip("*")
        if not seq:
            raise InputError(f"{where}: empty sequence")
        if not ALLOWED_LETTERS.issuperset(seq):
            bad = sorted(set(seq) - ALLOWED_LETTERS)
            raise InputError(
                f"{where}: sequence has letters outside the 20 amino acids plus X: {''.join(bad)}"
            )
        category, group = rid, ""
        if kind == "domain":
            m = _CATEGORY.search(rec.description[len(rec.id):])
            if m:
                category = check_id(m.group(1), "category", where)
        else:
            m = _GROUP.search(rec.description[len(rec.id):])
            if m:
                group = check_id(m.group(1), "group", where)
            elif uni is not None and uni.start is not None:
                group = uni.group  # stretches of one protein share sequence: one group for grouped folds
            for m in _GENE.finditer(rec.description[len(rec.id):]):  # each one: the ranking reads the last
                check_id(m.group(1), "gene", where)
        ids.append(rid)
        records[rid] = SequenceRecord(rid, seq, category, group)
    if not ids:
        raise InputError(f"{path}: no FASTA records found (is this a FASTA file?)")
    check_unique(ids, f"{kind} IDs", str(path), fold_case=True)
    if uniprot:
        shown = ", ".join(f"{first} -> {rid}" for rid, first in list(uniprot.items())[:3])
        more = f" and {len(uniprot) - 3} more" if len(uniprot) > 3 else ""
        rule = " / ".join(sorted(rules))
        warnings.warn(f"{path}: {len(uniprot)} UniProt header(s) read with the ID rule {rule} "
                      f"(config/README.md 'UniProt headers'): {shown}{more}", InputWarning, stacklevel=2)
    return records


def sequence_aligner():
    """The global pairwise aligner of chain matching (tfbind.features.chains) and of mapping a model's chain onto
    its tile (tfbind.metrics.interface_residues): match 1, mismatch 0, gap open -1, extend -0.1."""
    from Bio import Align  # imported on the first inexact match only: an extraction job need not pay for it

    aligner = Align.PairwiseAligner()
    aligner.mode = "global"
    aligner.match_score = 1.0
    aligner.mismatch_score = 0.0
    aligner.open_gap_score = -1.0
    aligner.extend_gap_score = -0.1
    return aligner
