"""The run summary: pairs read per input format, pairs failed with the most common reasons, where the answer is.

Written to ``results/ranking/summary.txt`` by the ranking step and shown at the top of the report's "Ranked
candidates" page; printed at the end of a successful ``snakemake`` run (``onsuccess``), followed by the
command that writes the report, built from that run (:func:`report_command`: the Snakefile, working directory
and config files it used), so that it runs as printed from wherever the user is.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..features.summary import read_lines


def run_summary(pairs: pd.DataFrame, failed: pd.DataFrame, domains: list[str], model: str,
                ranking_dir: str, report_hint: str | None = None, scorer_notes: dict[str, str] | None = None,
                imputed: pd.DataFrame | None = None) -> list[str]:
    """Lines of text (plain, no markup). ``scorer_notes``: domain -> which scorer ranked it
    (:func:`tfbind.ranking.table.scorer_note`); ``imputed``: the model scores (``imputed`` column), whose
    rows with imputed inputs are counted per input."""
    read, failed_lines = read_lines(pairs, failed)
    lines = ["tfbind run summary", read, f"domains: {', '.join(domains)}", *failed_lines]
    lines.append(f"model: {model}")
    for d, note in (scorer_notes or {}).items():
        lines.append(f"  {d} ranked by {note}")
    if imputed is not None:
        names = imputed["imputed"].fillna("").astype(str)
        n = int((names != "").sum())
        lines.append(f"pairs scored with imputed inputs: {n} of {len(imputed)}")
        counts = names[names != ""].str.split(", ").explode().value_counts()
        if len(counts):
            lines.append("  " + ", ".join(f"{c} {k}" for c, k in counts.items()))
        # An input imputed for every pair does not tell the pairs apart: the model ranks without it.
        for column, k in counts.items():
            if k == len(imputed):
                lines.append(f"warning: input {column} missing for every pair: imputed with the training "
                             "median")
    lines.append(f"ranking: {ranking_dir}/<domain>.tsv and {ranking_dir}/ranking.xlsx (a sheet per domain, "
                 "all_metrics, about)")
    if report_hint:
        lines.append(f"report: {report_hint} (first section: ranked candidates)")
    return lines


def snakemake_program(argv0: str, executable: str) -> list[str]:
    """How this Snakemake was started, as words of a command: ``snakemake`` when that name on PATH is the program
    that runs (an activated environment), else its absolute path (``.venv/bin/snakemake`` without activating),
    or ``<python> -m snakemake``. A printed command must run in the user's shell, where a bare ``snakemake`` may
    not exist."""
    program = Path(argv0)
    if program.name.startswith("snakemake") and program.suffix != ".py":
        on_path = shutil.which(program.name)
        if on_path and Path(on_path).resolve() == program.resolve():
            return [program.name]
        return [str(program.absolute())]
    return [executable, "-m", "snakemake"]


def report_command(snakefile: str | Path, workdir: str | Path, configfiles: Sequence[str | Path] = (),
                   config_args: Sequence[str] = (), program: Sequence[str] = ("snakemake",)) -> str:
    """The ``snakemake --report`` command of the run that used ``snakefile`` in ``workdir`` with the
    ``--configfile`` files and ``--config`` items given on its command line: absolute paths, shell-quoted,
    so that it runs as printed from any folder. A run in the checkout itself with its Snakefile and no
    config options gets the short form (its user is in the checkout). No ``--use-conda``: the report needs no
    environments."""
    snakefile, workdir = Path(snakefile).absolute(), Path(workdir).absolute()
    words = list(program)
    n_program = len(words)
    if snakefile != workdir / "Snakefile":
        words += ["-s", str(snakefile)]
        words += ["-d", str(workdir)]
    if configfiles:
        words += ["--configfile", *(str(Path(f).absolute()) for f in configfiles)]
    if config_args:
        words += ["--config", *config_args]
    # after the options that take several values, so that the report is not read as one of them; by its
    # absolute path when the run was elsewhere (Snakemake writes a relative one into the working directory)
    words += ["--report", "report.html" if len(words) == n_program else str(workdir / "report.html")]
    return shlex.join(words)


def read_failed(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=["pair_id", "stage", "reason"])
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


__all__ = ["read_failed", "report_command", "run_summary", "snakemake_program"]
