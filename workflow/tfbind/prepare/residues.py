"""Residues the predictors read differently: ``X`` (unknown), the one letter beyond the 20 amino acids that
the FASTA reader admits (B, Z, U, O are refused there).

* AlphaFold Server does not accept ``X`` in a protein chain (users report the import refusing it,
  google-deepmind/alphafold3#400): a job with ``X`` is left out of the server JSON and listed here.
* ColabFold, AlphaFold 3 (local) and AlphaPulldown (AlphaFold 2) read ``X`` as an unknown residue: a backbone
  with no side chain, and AlphaFold 2's Amber relaxation refuses it (google-deepmind/alphafold#103, #150).
  Their inputs keep it, with a warning in the rule's log and the same table.

``nonstandard_residues.tsv``: ``file, record, letter, positions`` (1-based, comma-separated, in the record),
``jobs`` (the jobs whose chains hold it) and ``alphafold_server`` (``left out``).
"""

from __future__ import annotations

from collections import defaultdict

from ..plan.sequences import AMINO_ACIDS, SequenceRecord
from .jobs import Job

STANDARD = frozenset(AMINO_ACIDS)
COLUMNS = ["file", "record", "letter", "positions", "jobs", "alphafold_server"]


def has_nonstandard(job: Job) -> bool:
    return not STANDARD.issuperset(job.domain_sequence) or not STANDARD.issuperset(job.tf_sequence)


def nonstandard_rows(sources: list[tuple[str, dict[str, SequenceRecord]]], jobs: list[Job],
                     tile_gene: dict[str, str]) -> list[dict]:
    """One row per (file, record, letter). ``sources``: (file, records) of the proteins and the domains;
    ``tile_gene``: tile ID -> its protein's record ID, to count the jobs of a protein's tiles that hold it."""
    affected = defaultdict(int)  # record -> jobs with a non-standard letter in that record's chain
    for job in jobs:
        if not STANDARD.issuperset(job.domain_sequence):
            affected[job.domain_id] += 1
        if not STANDARD.issuperset(job.tf_sequence):
            affected[tile_gene.get(job.tf_id, job.tf_id)] += 1
    rows = []
    for path, records in sources:
        for rid, record in records.items():
            letters = defaultdict(list)
            for i, aa in enumerate(record.sequence, start=1):
                if aa not in STANDARD:
                    letters[aa].append(i)
            for aa, positions in letters.items():
                rows.append({"file": str(path), "record": rid, "letter": aa,
                             "positions": ",".join(map(str, positions)), "jobs": affected.get(rid, 0),
                             "alphafold_server": "left out" if affected.get(rid, 0) else ""})
    return rows


__all__ = ["COLUMNS", "STANDARD", "has_nonstandard", "nonstandard_rows"]
