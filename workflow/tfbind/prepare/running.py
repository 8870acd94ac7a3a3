"""Running one batch of AlphaFold jobs through a user's command template (``structure_prediction.*``).

The template is a shell command with the placeholders ``{input}`` (this batch's input, in the predictor's
format), ``{outdir}`` (the shared predictions folder), ``{batch}`` (the batch name) and ``{threads}``, e.g.
``colabfold_batch {input} {outdir}`` or ``run_alphafold.py --input_dir={input} --output_dir={outdir} ...``.
Values are shell-quoted. What ``{input}`` is, and where each job's output is then expected (where discovery
of ``predictions_dir`` looks for it), per ``structure_prediction.format``:

* ``colabfold``: ``{input}`` is the batch's CSV ``id,sequence`` (``colabfold_jobs``); a job's output is
  its files ``{job}_scores*.json`` in ``{outdir}`` (ColabFold names its files after the job, side by side);
* ``alphafold3``: ``{input}`` is a folder of the batch's ``{job}.json`` (``alphafold3_jobs``, for
  ``run_alphafold.py --input_dir``); the output is the folder ``{job}`` lower-cased (AlphaFold 3's sanitised
  name) holding ``*model*.cif``;
* ``alphapulldown``: ``{input}`` is a ``--mode=custom`` list of ``bait;candidate`` lines; the output is the
  folder ``{job}`` holding ``ranked_0.pdb`` (or ``.cif``).

A job whose output is not found after the command succeeded is listed as ``missing`` in the batch's
manifest and logged; the others are kept. A command that fails fails the batch (Snakemake's error), with
its output in the rule's log.
"""

from __future__ import annotations

import logging
import shlex
import string
import subprocess
from pathlib import Path

from ..errors import InputError

FORMATS = ("colabfold", "alphafold3", "alphapulldown")
PLACEHOLDERS = ("input", "outdir", "batch", "threads")
MANIFEST_COLUMNS = ["job_name", "domain_id", "tf_id", "status", "output"]
log = logging.getLogger(__name__)


def check_template(template: str) -> str:
    """``template`` if its placeholders are known and plain (no format spec); else ``InputError``."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError(
            f"config structure_prediction.command {template!r}: {exc} (write {{{{ for a literal {{)"
        ) from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise InputError(
                f"config structure_prediction.command {template!r}: unknown placeholder {{{name}}} "
                f"(known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}; write {{{{ for a literal {{)"
            )
    if "{input}" not in template or "{outdir}" not in template:
        raise InputError(f"config structure_prediction.command {template!r}: needs {{input}} and {{outdir}}")
    return template


def build_command(template: str, input_path: str | Path, outdir: str | Path, batch: str, threads: int) -> str:
    """The shell command of one batch: the template with its placeholders filled in, shell-quoted."""
    check_template(template)
    return template.format(input=shlex.quote(str(input_path)), outdir=shlex.quote(str(outdir)),
                           batch=shlex.quote(batch), threads=int(threads))


def write_batch_input(jobs, fmt: str, workdir: str | Path, batch: str, seeds: list[int]) -> Path:
    """Write this batch's input in ``fmt`` under ``workdir``; return the path ``{input}`` stands for."""
    workdir = Path(workdir)
    if fmt == "colabfold":
        from .colabfold_jobs import write_csv

        path = workdir / f"{batch}.csv"
        write_csv(jobs, path)
    elif fmt == "alphafold3":
        from .alphafold3_jobs import write_local

        path = workdir / batch
        for stale in path.glob("*.json") if path.is_dir() else []:
            stale.unlink()  # a batch's folder holds exactly its own jobs
        write_local(jobs, path, seeds)
    elif fmt == "alphapulldown":
        from ..io import atomic_path
        from .alphapulldown_jobs import custom_lines

        path = workdir / f"{batch}.txt"
        with atomic_path(path) as tmp:
            tmp.write_text(custom_lines(jobs))
    else:
        raise InputError(f"config structure_prediction.format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return path


def find_output(job_name: str, fmt: str, outdir: str | Path) -> Path | None:
    """Where the job's output is in ``outdir`` (see the module table), or None."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        return None
    if fmt == "colabfold":
        found = sorted(outdir.glob(f"{job_name}_scores*.json"))
        return found[0] if found else None
    folders = [outdir / job_name, outdir / job_name.lower()] if fmt == "alphafold3" else [outdir / job_name]
    for folder in folders:
        if not folder.is_dir():
            continue
        if fmt == "alphafold3" and any(folder.glob("*model*.cif")):
            return folder
        if fmt == "alphapulldown" and any((folder / f"ranked_0.{ext}").is_file() for ext in ("pdb", "cif")):
            return folder
    return None


def run_batch(jobs, fmt: str, template: str, workdir: str | Path, outdir: str | Path, batch: str,
              threads: int, seeds: list[int]) -> list[dict]:
    """Write the batch input, run the command (its output goes to the log), and return one manifest row
    per job (``MANIFEST_COLUMNS``). Raises ``RuntimeError`` when the command fails."""
    input_path = write_batch_input(jobs, fmt, workdir, batch, seeds)
    Path(outdir).mkdir(parents=True, exist_ok=True)
    command = build_command(template, input_path, outdir, batch, threads)
    log.info("%s: %d jobs (%s input %s); running: %s", batch, len(jobs), fmt, input_path, command)
    proc = subprocess.run(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace")
    for line in proc.stdout.splitlines():
        log.info("| %s", line)
    if proc.returncode != 0:
        raise RuntimeError(f"{batch}: command exited with status {proc.returncode}: {command}")
    rows = []
    for job in jobs:
        found = find_output(job.name, fmt, outdir)
        rows.append({"job_name": job.name, "domain_id": job.domain_id, "tf_id": job.tf_id,
                     "status": "found" if found else "missing", "output": str(found) if found else ""})
    missing = [r["job_name"] for r in rows if r["status"] == "missing"]
    log.info("%s: output found for %d of %d jobs in %s", batch, len(rows) - len(missing), len(rows),
             outdir)
    if missing:
        log.warning("%s: no output for %d job(s) (listed as missing in the manifest): %s", batch,
                    len(missing),
                    ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else ""))
    return rows
