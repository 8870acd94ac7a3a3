"""The ``prepare_jobs`` rule's work: tiles (FASTA + table), the job table and every predictor's inputs."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .. import io
from ..plan.sequences import read_fasta
from . import alphafold3_jobs, alphapulldown_jobs, colabfold_jobs, residues
from .jobs import JOB_COLUMNS, job_rows, plan_jobs
from .tiling import TILE_COLUMNS, plan_from_tiling, tile_rows, tiles_fasta

log = logging.getLogger(__name__)


def write_all(proteins, domains, regions, tiling: dict, seeds: list[int], batch_size: int, out: dict) -> None:
    """``tiling``: the config's ``tiling`` section, ``regions`` its file (the rule's input). ``out`` keys:
    tiles_fasta, tiles, jobs, colabfold, alphafold3, alphafold_server, alphapulldown, nonstandard."""
    plan = plan_from_tiling(proteins, {**tiling, "regions": regions})
    for note in plan.notes:
        log.info("%s", note)
    genes = len(dict.fromkeys(t.gene for t in plan.tiles))
    log.info("%s: %d tiles of %d proteins (window %d, step %d%s)", proteins, len(plan.tiles), genes,
             plan.window, plan.step, f", regions {regions}" if regions else "")
    with io.atomic_path(out["tiles_fasta"]) as tmp:
        tmp.write_text(tiles_fasta(plan.tiles))
    io.write_tsv(pd.DataFrame(tile_rows(plan.tiles), columns=TILE_COLUMNS), out["tiles"])

    domain_records = read_fasta(domains, "domain")
    jobs = plan_jobs(plan.tiles, domain_records, batch_size)
    io.write_tsv(pd.DataFrame(job_rows(jobs), columns=JOB_COLUMNS), out["jobs"])
    log.info("%d jobs = %d tiles x %d domains ({domain_id}_and_{tf_id}; domain = chain A, tile = chain B)",
             len(jobs), len(plan.tiles), len(domain_records))

    colabfold_jobs.write_csv(jobs, out["colabfold"])
    log.info("ColabFold: %s (%d rows)", out["colabfold"], len(jobs))
    local = alphafold3_jobs.write_local(jobs, out["alphafold3"], seeds)
    log.info("AlphaFold 3 (local): %d JSON files in %s", len(local), out["alphafold3"])
    # X (unknown residue): AlphaFold Server refuses it, the others model it without a side chain (residues.py)
    sources = [(proteins, read_fasta(proteins, "tf_proteins")), (domains, domain_records)]
    rows = residues.nonstandard_rows(sources, jobs, {t.tf_id: t.gene for t in plan.tiles})
    io.write_tsv(pd.DataFrame(rows, columns=residues.COLUMNS), out["nonstandard"])
    for row in rows:
        log.warning("%s record %s: %s at %s (%d jobs): left out of the AlphaFold Server JSON (the server "
                    "does not accept it); ColabFold, AlphaFold 3 and AlphaPulldown model it as an unknown "
                    "residue without a side chain (Amber relaxation refuses it)", row["file"], row["record"],
                    row["letter"], row["positions"], row["jobs"])
    server_jobs = [j for j in jobs if not residues.has_nonstandard(j)]
    if len(server_jobs) < len(jobs):
        log.warning("AlphaFold Server: %d of %d jobs left out (non-standard residues, listed in %s)",
                    len(jobs) - len(server_jobs), len(jobs), out["nonstandard"])
    server = alphafold3_jobs.write_server(server_jobs, out["alphafold_server"], seeds)
    log.info("AlphaFold Server: %d JSON file(s) of at most %d jobs in %s", len(server),
             alphafold3_jobs.SERVER_JOBS_PER_FILE, out["alphafold_server"])
    alphapulldown_jobs.write_inputs(jobs, Path(out["alphapulldown"]))
    log.info("AlphaPulldown: baits/candidates FASTA and lists in %s", out["alphapulldown"])
