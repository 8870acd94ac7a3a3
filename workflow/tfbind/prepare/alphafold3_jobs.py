"""AlphaFold 3 inputs: local ``alphafold3`` JSON (one file per job) and AlphaFold Server batch JSON.

Local runs (``run_alphafold.py --json_path=... | --input_dir=...``), format of the AlphaFold 3 repository's
docs/input.md (https://github.com/google-deepmind/alphafold3/blob/main/docs/input.md): one job per file, an
object with ``name``, ``modelSeeds`` (list of int, at least one), ``sequences`` (``{"protein": {"id": "A",
"sequence": ...}}`` per chain, unique uppercase chain IDs), ``dialect: "alphafold3"`` and ``version``.
Version 1 (the initial format) is written: these jobs use no field of a later version, so every AlphaFold 3
release reads them. AlphaFold 3 names the output folder after the job name lower-cased
(``kix_and_myb_1/``): discovery of ``predictions_dir`` matches names case-insensitively.

AlphaFold Server (upload JSON on alphafoldserver.com), format of the AlphaFold repository's server/README.md
(https://github.com/google-deepmind/alphafold/blob/main/server/README.md): a *list* of jobs, each with
``name``, ``modelSeeds`` (a list of uint32 seeds written as strings; empty = one random seed),
``sequences`` (``{"proteinChain": {"sequence": ..., "count": 1}}`` per chain; the server assigns chain IDs
A, B, ... in list order), ``dialect: "alphafoldserver"``, ``version: 1``. The server imports "JSON files with
up to 100 jobs per file" (AlphaFold Server FAQ, "Can I import job files into AlphaFold Server?", quoted in
https://github.com/KosinskiLab/AlphaPulldown/issues/336), so jobs are split into files of at most 100.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..io import atomic_path
from .jobs import Job

LOCAL_DIALECT, LOCAL_VERSION = "alphafold3", 1
SERVER_DIALECT, SERVER_VERSION = "alphafoldserver", 1
SERVER_JOBS_PER_FILE = 100  # AlphaFold Server FAQ: up to 100 jobs per uploaded JSON file
CHAIN_IDS = ("A", "B")  # domain, tile


def local_job(job: Job, seeds: list[int]) -> dict:
    return {
        "name": job.name,
        "modelSeeds": [int(s) for s in seeds],
        "sequences": [{"protein": {"id": cid, "sequence": seq}} for cid, seq in zip(CHAIN_IDS, job.chains)],
        "dialect": LOCAL_DIALECT,
        "version": LOCAL_VERSION,
    }


def server_job(job: Job, seeds: list[int]) -> dict:
    return {
        "name": job.name,
        "modelSeeds": [str(int(s)) for s in seeds],
        "sequences": [{"proteinChain": {"sequence": seq, "count": 1}} for seq in job.chains],
        "dialect": SERVER_DIALECT,
        "version": SERVER_VERSION,
    }


def _write_json(obj, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2) + "\n")


def write_local(jobs: list[Job], folder: str | Path, seeds: list[int]) -> list[Path]:
    """``{folder}/{job_name}.json`` per job; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for job in jobs:
        path = folder / f"{job.name}.json"
        _write_json(local_job(job, seeds), path)
        paths.append(path)
    return paths


def write_server(jobs: list[Job], folder: str | Path, seeds: list[int],
                 jobs_per_file: int = SERVER_JOBS_PER_FILE) -> list[Path]:
    """``{folder}/server_jobs_NNN.json``, at most ``jobs_per_file`` jobs each; returns the paths."""
    if not 1 <= jobs_per_file <= SERVER_JOBS_PER_FILE:
        raise ValueError(f"jobs_per_file must be 1..{SERVER_JOBS_PER_FILE} (AlphaFold Server limit)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, i in enumerate(range(0, len(jobs), jobs_per_file), start=1):
        path = folder / f"server_jobs_{n:03d}.json"
        _write_json([server_job(j, seeds) for j in jobs[i : i + jobs_per_file]], path)
        paths.append(path)
    return paths
