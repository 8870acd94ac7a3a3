"""AlphaPulldown inputs: bait and candidate FASTA files and the protein lists of ``run_multimer_jobs.py``.

AlphaPulldown (KosinskiLab, https://github.com/KosinskiLab/AlphaPulldown, README "Run AlphaPulldown Python
command line interface"): ``create_individual_features.py --fasta_paths=baits.fasta,candidates.fasta
--output_dir=features ...`` computes each protein's MSA and template features, then
``run_multimer_jobs.py --mode=pulldown --protein_lists=baits.txt,candidates.txt
--monomer_objects_dir=features --output_path=...`` models every bait with every candidate; a protein list
holds one protein (FASTA record ID) per line. Each job's output folder is ``{bait}_and_{candidate}``, bait
first: here the domains are the baits (chain A) and the tiles the candidates (chain B), so the folders are
``{domain_id}_and_{tf_id}``, the names discovery reads. ``--mode=custom`` takes a list of
``bait;candidate`` lines instead (one per job): ``custom.txt`` holds every job of the screen in that form,
and it is the batch input when ``structure_prediction.format`` is ``alphapulldown``.
"""

from __future__ import annotations

from pathlib import Path

from ..io import atomic_path
from .jobs import Job

FILES = ("baits.fasta", "candidates.fasta", "baits.txt", "candidates.txt", "custom.txt")


def _write(text: str, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def custom_lines(jobs: list[Job]) -> str:
    """``--mode=custom`` protein list: ``bait;candidate`` per job."""
    return "".join(f"{j.domain_id};{j.tf_id}\n" for j in jobs)


def write_inputs(jobs: list[Job], folder: str | Path) -> list[Path]:
    """The five files of ``FILES`` in ``folder``: baits (domains) and candidates (tiles) in job order."""
    folder = Path(folder)
    baits = dict.fromkeys((j.domain_id, j.domain_sequence) for j in jobs)
    candidates = dict.fromkeys((j.tf_id, j.tf_sequence) for j in jobs)
    texts = {
        "baits.fasta": "".join(f">{i}\n{s}\n" for i, s in baits),
        "candidates.fasta": "".join(f">{i}\n{s}\n" for i, s in candidates),
        "baits.txt": "".join(f"{i}\n" for i, _ in baits),
        "candidates.txt": "".join(f"{i}\n" for i, _ in candidates),
        "custom.txt": custom_lines(jobs),
    }
    for name in FILES:
        _write(texts[name], folder / name)
    return [folder / name for name in FILES]
