"""ColabFold batch input: one CSV for ``colabfold_batch``.

Format (ColabFold README, "Running locally": ``colabfold_batch input outdir`` where the input is a folder of
FASTA/A3M files or a CSV/TSV file; https://github.com/sokrypton/ColabFold#running-locally). The parser,
``get_queries`` in ``colabfold/input.py`` (``colabfold/batch.py`` in older releases), reads a file ending in
``.csv`` with pandas, requires the columns ``id`` and ``sequence`` and splits the upper-cased sequence at
``:`` into chains: one job per row, the chains of a complex joined by ``:``. ColabFold names the job's output
files after the ``id`` (``{id}_scores_rank_001_...json``, ``{id}_unrelaxed_rank_001_...pdb``), here
``{domain_id}_and_{tf_id}``, domain first (chain A), tile second (chain B).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..io import atomic_path
from .jobs import Job

HEADER = ("id", "sequence")
CHAIN_SEPARATOR = ":"


def write_csv(jobs: list[Job], path: str | Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for job in jobs:
            writer.writerow((job.name, CHAIN_SEPARATOR.join(job.chains)))
