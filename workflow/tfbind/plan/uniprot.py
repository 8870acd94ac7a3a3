"""UniProt FASTA headers: the record ID read from ``>sp|P04637|P53_HUMAN ... GN=TP53 ...``.

UniProtKB writes ``>db|Accession|EntryName ProteinName OS=... OX=... GN=GeneName PE=... SV=...``
(https://www.uniprot.org/help/fasta-headers; ``db`` is ``sp`` for Swiss-Prot, ``tr`` for TrEMBL; an isoform's
accession ends in ``-N``). Its first word holds ``|``, which no file or job name may hold, so it cannot be an
ID here. The ID used instead, the simplest one the field's screens name tiles by (``GENE_N``, ``MYB_24``):

* the gene name ``GN=`` (``TP53``), or the accession (``P04637``, ``P04637-2``) where there is no ``GN=`` or
  it is not a valid identifier;
* plus ``_START-END`` where the first word ends in a residue range ``/START-END`` (1-based, inclusive: the
  ``name/start-end`` of Pfam, HMMER and Jalview for a stretch of a sequence), e.g.
  ``>sp|P04637|P53_HUMAN/1-80 ... GN=TP53`` -> ``TP53_1-80``, with gene ``TP53`` and start/end 1 and 80 for
  the ranking's score tracks and ``TP53`` as the record's group for grouped cross-validation.

Two records that read as the same ID (isoforms of one gene, the same range twice) are refused by the FASTA
reader, naming both: give them ranges or IDs of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from .ids import check_id

_HEADER = re.compile(r"^(?P<db>sp|tr)\|(?P<accession>[A-Za-z0-9]+(?:-\d+)?)\|(?P<entry>[A-Za-z0-9_]+)"
                     r"(?:/(?P<start>\d+)-(?P<end>\d+))?$")
_GN = re.compile(r"(?:^|\s)GN=(\S+)")


@dataclass(frozen=True)
class UniProtId:
    id: str
    gene: str  # the ID without the range: GN= or the accession
    start: int | None  # 1-based, inclusive; None: the whole record
    end: int | None
    rule: str  # which rule gave the ID, for the log

    @property
    def group(self) -> str:
        return self.gene


def uniprot_id(first_word: str, description: str, where: object = "FASTA record") -> UniProtId | None:
    """The ID of a UniProt header (``first_word`` = the header's first word, ``description`` = the rest), or
    None when the header is not UniProt's. ``InputError`` for a range that is not ``1 <= START <= END``."""
    m = _HEADER.match(first_word)
    if m is None:
        return None
    gn = _GN.search(description)
    gene, rule = m["accession"], "accession"
    if gn is not None:
        try:
            gene, rule = check_id(gn.group(1), "GN= gene name", where), "GN= gene name"
        except InputError:
            rule = "accession (GN= is not a valid identifier)"
    start = end = None
    if m["start"] is not None:
        start, end = int(m["start"]), int(m["end"])
        if not 1 <= start <= end:
            raise InputError(f"{where}: residue range {start}-{end} must have 1 <= start <= end")
        rule += " + residue range"
    rid = gene if start is None else f"{gene}_{start}-{end}"
    return UniProtId(rid, gene, start, end, rule)


__all__ = ["UniProtId", "uniprot_id"]
