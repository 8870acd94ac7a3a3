"""AlphaFold jobs of a screen: every (domain, tile) pair, named ``{domain_id}_and_{tf_id}``, cut into batches.

The name is AlphaPulldown's job naming (bait first), which the discovery of ``predictions_dir`` reads back
(``tfbind.plan.jobnames``), so the outputs need no pairs table. In every job the domain is the first chain
(chain A) and the tile the second (chain B).

Jobs are ordered tile by tile (tiles in FASTA order, then the domains in their FASTA order) and batches
are consecutive runs of ``batch_size`` jobs: appending proteins to ``tf_proteins`` changes only the last
batch and adds new ones. Each batch's job list (``batches/batch_NNNNN.tsv``) is written when the workflow
is parsed and rewritten only when its content changes, so finished batches stay up to date (the same
scheme as the extraction shards, ``tfbind.plan.shards``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..plan.jobnames import SEPARATOR, split_job_name
from ..plan.sequences import SequenceRecord
from ..plan.shards import write_if_changed
from .tiling import Tile

JOB_COLUMNS = ["job_name", "domain_id", "tf_id", "batch", "domain_sequence", "tf_sequence"]
BATCH_GLOB = "batch_*.tsv"


@dataclass(frozen=True)
class Job:
    name: str
    domain_id: str
    tf_id: str
    domain_sequence: str  # chain A
    tf_sequence: str  # chain B
    batch: str = ""

    @property
    def chains(self) -> tuple[str, str]:
        return self.domain_sequence, self.tf_sequence


def job_name(domain_id: str, tf_id: str) -> str:
    return f"{domain_id}{SEPARATOR}{tf_id}"


def batch_name(index: int) -> str:
    return f"batch_{index:05d}"


def plan_jobs(tiles: list[Tile], domains: dict[str, SequenceRecord], batch_size: int) -> list[Job]:
    """Every (domain, tile) job with its batch; ``InputError`` when a job name would not read back as its
    own pair (an ID containing ``_and_`` that makes the name fit two pairs)."""
    if batch_size < 1:
        raise ValueError("structure_prediction.batch_size must be at least 1")
    tf_ids = {t.tf_id for t in tiles}
    # Without "_and_" inside an ID every name has one split; only then can a name be ambiguous, so the
    # read-back check (2 s for 3 x 10^5 jobs at parse time) runs only when some ID contains it.
    check = any(SEPARATOR in i for i in [*tf_ids, *domains])
    jobs = []
    for tile in tiles:
        for domain in domains.values():
            name = job_name(domain.id, tile.tf_id)
            split = split_job_name(name, tf_ids, domains, where=f"job {name}") if check else None
            if check and split != (domain.id, tile.tf_id):
                raise InputError(f"job {name}: does not read back as domain {domain.id}, tile {tile.tf_id}")
            jobs.append(Job(name, domain.id, tile.tf_id, domain.sequence, tile.sequence,
                            batch_name(len(jobs) // batch_size + 1)))
    return jobs


def job_rows(jobs: list[Job]) -> list[dict]:
    return [{"job_name": j.name, "domain_id": j.domain_id, "tf_id": j.tf_id, "batch": j.batch,
             "domain_sequence": j.domain_sequence, "tf_sequence": j.tf_sequence} for j in jobs]


def _tsv(rows: list[dict]) -> str:
    # IDs are validated identifiers and sequences amino-acid letters: no tabs, newlines or quoting.
    lines = ("\t".join(str(r[c]) for c in JOB_COLUMNS) + "\n" for r in rows)
    return "\t".join(JOB_COLUMNS) + "\n" + "".join(lines)


def write_batches(jobs: list[Job], batch_dir: str | Path) -> list[str]:
    """One job list per batch (rewritten only when changed); stale batch files are removed. Returns the
    batch names in order."""
    batch_dir = Path(batch_dir)
    batches: dict[str, list[dict]] = {}
    for row in job_rows(jobs):
        batches.setdefault(row["batch"], []).append(row)
    for name, rows in batches.items():
        write_if_changed(batch_dir / f"{name}.tsv", _tsv(rows))
    for stale in batch_dir.glob(BATCH_GLOB):
        if stale.stem not in batches:
            stale.unlink()
    return list(batches)


def read_batch(path: str | Path) -> list[Job]:
    """The jobs of a batch file written by ``write_batches``."""
    lines = Path(path).read_text().splitlines()
    header = lines[0].split("\t")
    if header != JOB_COLUMNS:
        raise InputError(f"{path}: not a batch job list (header {header}, expected {JOB_COLUMNS})")
    jobs = []
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(JOB_COLUMNS):
            raise InputError(f"{path} line {n}: {len(cells)} fields, expected {len(JOB_COLUMNS)}")
        row = dict(zip(JOB_COLUMNS, cells))
        jobs.append(Job(row["job_name"], row["domain_id"], row["tf_id"], row["domain_sequence"],
                        row["tf_sequence"], row["batch"]))
    return jobs
