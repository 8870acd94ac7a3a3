"""Finding the pairs' runs in ``predictions_dir`` without a pairs table, in the layouts users keep.

Each entry of ``predictions_dir`` (sorted by name) is one of:

* a run folder named after its job: ``{domain_id}_and_{tf_id}`` (AlphaPulldown), or the same name as
  AlphaFold Server / AlphaFold3 / ColabFold rewrite it (``fold_kix_and_myb_25``: case, ``fold_`` prefix and
  character substitutions ignored, ``tfbind.plan.jobnames.JobMatcher``); any layout inside (AlphaFold2,
  ColabFold, AlphaFold3 server or local);
* a folder of several jobs side by side (a ColabFold batch folder: ``<job>_scores_rank_*.json`` and
  ``<job>_*_rank_*.pdb`` of many jobs; AlphaFold Server downloads unpacked into one folder): one run per
  job prefix of its files (``folder_jobs``), each read through one of its files, which selects the job
  in the shared folder (``tfbind.readers.read_run``); a folder of one job whose name is not the job's
  (``download/`` holding ``fold_kix_and_myb_25_*``) is read the same way;
* a zip archive (an AlphaFold Server download, or any zip of the layouts above): its central directory
  is listed and checked here (``tfbind.plan.archives``), its jobs planned at
  ``results/archives/<archive>/<path in the zip>``, and the rule ``extract_archive`` extracts it once
  before extraction reads it. A zip of one job whose files match no pair (``fold_aurka_0_tpx2_0_*``) is matched
  by the zip's own name (``fold_aurka_and_tpx2.zip``; the server names the download after the job as
  submitted), and ``PairPlan.notes`` says so;
* job files directly in ``predictions_dir`` (``predictions_dir`` pointed at a ColabFold batch folder).

Every folder, job and archive entry that matches no (domain, TF) pair of the FASTA files is returned in
``unmatched`` with the reason (failed.tsv, stage ``discover``), and so is a second run of a pair already
found (read once, from the first in name order). When no pair at all is found, the ``InputError`` lists the
entries seen (the first ``SHOWN``, with the job name read from each), the FASTA IDs expected and the two fixes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pandas as pd

from ..errors import InputError
from ..escape import CONTROL_RE, escape_control
from .archives import ARCHIVE_DIR, ArchiveError, archive_folder_name, archive_limit_bytes, list_archive
from .ids import MAX_JOB_LENGTH, check_id
from .jobnames import SEPARATOR, JobMatcher
from .pairs import PAIR_COLUMNS, PairPlan
from .sequences import SequenceRecord

# The file of each layout that names its job (the job is the prefix before the suffix).
_COLABFOLD_SCORES = re.compile(r"^(?P<job>.+)_scores_.+\.json$")  # ColabFold <job>_scores_rank_001_...json
_SERVER_MODEL = re.compile(r"^(?P<job>.+)_model_(?P<n>\d+)\.cif$")  # AlphaFold Server <job>_model_0.cif
_LOCAL_MODEL = re.compile(r"^(?P<job>.+)_model\.cif$")  # AlphaFold3 local top-level <job>_model.cif
# A ColabFold model without its scores file: planned too, so that the job fails naming the missing PAE
# instead of disappearing from the run.
_COLABFOLD_MODEL = re.compile(r"^(?P<job>.+)_(un)?relaxed_rank_\d+_.+\.(pdb|cif)$")


def folder_jobs(file_names: Iterable[str]) -> dict[str, str | None]:
    """Job prefix -> the file that selects the job in a shared folder (None: the folder itself is the run,
    an AlphaFold3 local top level) for the job files among ``file_names``."""
    jobs: dict[str, str | None] = {}
    names = sorted(file_names)
    for name in names:
        for pattern, selects in ((_COLABFOLD_SCORES, True), (_SERVER_MODEL, True), (_LOCAL_MODEL, False)):
            m = pattern.match(name)
            if m:
                jobs.setdefault(m["job"], name if selects else None)
                break
    for name in names:
        m = _COLABFOLD_MODEL.match(name)
        if m and m["job"] not in jobs:
            jobs[m["job"]] = name
    return dict(sorted(jobs.items()))


class _Discovery:
    def __init__(self, root: Path, tfs, domains, max_archive_bytes: int):
        self.root, self.max_archive_bytes = root, max_archive_bytes
        self.matcher = JobMatcher(tfs, domains)
        self.rows: list[dict] = []
        self.unmatched: list[tuple[str, str]] = []
        self.seen: dict[tuple[str, str], str] = {}
        self.archives: dict[str, str] = {}
        # (zip, job name inside, pair) of the zips whose one job was matched by the zip's own name
        self.by_archive_name: list[tuple[str, str, str]] = []
        self._taken: set[str] = set()

    def job(self, name: str, label: str, prediction: str, exact_id: bool = False, matched=None) -> bool:
        """Plan the run ``prediction`` of job ``name`` (reported as ``label``; ``matched``: its match, when
        already known); False when it matches nothing (then it is listed in ``unmatched``)."""
        if CONTROL_RE.search(name):
            self.unmatched.append((label, f"name {escape_control(name)!r} holds a control character"))
            return True
        if CONTROL_RE.search(prediction):
            # a folder of a zip archive or a job file whose name holds a tab or newline: the pairs table
            # cannot hold its path, so it is listed like a folder of that name, and the other runs are read
            self.unmatched.append((label, f"path {escape_control(prediction)!r} holds a control character: "
                                          "not read"))
            return True
        job, reason = matched or self.matcher.match(name, where=str(self.root / label))
        if job is None:
            self.unmatched.append((label, reason))
            return False
        key = (job.domain_id, job.tf_id)
        if key in self.seen:
            first = self.seen[key]
            self.unmatched.append(
                (label, f"same pair (domain {job.domain_id}, TF {job.tf_id}) as {first}: read once, from there")
            )
            return True
        self.seen[key] = label
        pair_id = name if exact_id and name == f"{job.domain_id}{SEPARATOR}{job.tf_id}" else (
            f"{job.domain_id}{SEPARATOR}{job.tf_id}"
        )
        self.rows.append(
            {
                "pair_id": check_id(pair_id, "pair_id", str(self.root / label), MAX_JOB_LENGTH),
                "tf_id": job.tf_id,
                "domain_id": job.domain_id,
                "prediction": prediction,
                "tf_chain": "",
                "domain_chain": "",
                "format": "",
            }
        )
        return True

    def shared_folder(self, label: str, prediction_dir: str, file_names: list[str]) -> list[tuple[str, str, str]]:
        """Plan each job whose files sit in one folder; return (job, label, target) of every job found
        (empty: the folder holds no job files)."""
        found = []
        for job, selector in folder_jobs(file_names).items():
            target = prediction_dir if selector is None else os.path.join(prediction_dir, selector)
            found.append((job, f"{label}/{job}" if label else job, target))
            if self.job(*found[-1]):
                found[-1] = ("", found[-1][1], target)  # planned (or listed for another reason): not unmatched
        return found

    def folder(self, entry: os.DirEntry) -> None:
        name = entry.name
        if CONTROL_RE.search(name):
            self.unmatched.append((name, f"folder name {escape_control(name)!r} holds a control character"))
            return
        matched = self.matcher.match(name, where=str(self.root / name))
        if matched[0] is not None:
            self.job(name, name, str(self.root / name), exact_id=True, matched=matched)
            return
        try:
            files = [e.name for e in os.scandir(entry.path) if e.is_file()]
        except OSError as exc:
            self.unmatched.append((name, f"folder cannot be listed ({exc.strerror})"))
            return
        if not self.shared_folder(name, str(self.root / name), files):
            self.job(name, name, str(self.root / name))  # reported with the reason the name does not match

    def archive(self, entry: os.DirEntry) -> None:
        path = Path(entry.path)
        try:
            members = list_archive(path, self.max_archive_bytes)
        except ArchiveError as exc:
            self.unmatched.append((entry.name, str(exc)))
            return
        folder = archive_folder_name(path, self._taken)
        base = f"{ARCHIVE_DIR}/{folder}"
        files_by_dir: dict[str, list[str]] = {}
        for m in members:
            parent = str(PurePosixPath(m.name).parent) if "/" in m.name else ""
            if m.is_dir:
                files_by_dir.setdefault(m.name, [])
            else:
                files_by_dir.setdefault(parent, []).append(PurePosixPath(m.name).name)
                # a parent folder without its own entry (zip tools may omit folders)
                for p in PurePosixPath(m.name).parents:
                    if str(p) not in (".", ""):
                        files_by_dir.setdefault(str(p), [])
        before, unmatched_before = len(self.rows), len(self.unmatched)
        planned: list[tuple[str, str, str]] = []  # (job name, label, target) of the jobs that matched no pair
        claimed: list[str] = []
        for d in sorted(files_by_dir):
            if any(d == c or d.startswith(c + "/") for c in claimed):
                continue
            label = f"{entry.name}/{d}" if d else entry.name
            target = f"{base}/{d}" if d else base
            if d:
                matched = self.matcher.match(PurePosixPath(d).name, where=label)
                if matched[0] is not None:
                    self.job(PurePosixPath(d).name, label, target, matched=matched)
                    claimed.append(d)
                    continue
            jobs = folder_jobs(files_by_dir[d])
            if jobs:
                planned += self.shared_folder(label, target, files_by_dir[d])
                if any(selector is None for selector in jobs.values()) and d:
                    claimed.append(d)  # an AlphaFold3 local run: its sample folders belong to it
            elif d and not files_by_dir[d] and any(k.startswith(d + "/") for k in files_by_dir):
                continue  # a folder of folders: its sub-folders are seen on their own
            elif d:
                self.job(PurePosixPath(d).name, label, target)  # reported: no job files, name matches nothing
                planned.append(("", label, target))  # not a job: the zip's name cannot stand for it
        if len(self.rows) == before:
            self._match_by_archive_name(entry.name, unmatched_before, planned)
        if len(self.rows) > before:
            self.archives[folder] = str(path)
        elif not any(u[0].startswith(entry.name) for u in self.unmatched):
            self.unmatched.append((entry.name, "zip archive holds no AlphaFold job files: not read"))

    def _match_by_archive_name(self, zip_name: str, unmatched_before: int, planned: list[tuple]) -> None:
        """Plan the one job of a zip whose job files match no pair by the zip's own name: the AlphaFold
        Server names the download after the job as submitted (``fold_aurka_and_tpx2.zip``) while the files
        inside may carry another name (``fold_aurka_0_tpx2_0_*``, e.g. a job renamed or copied on the
        server). Only when every job entry of the zip shares one prefix: a zip of several jobs cannot be
        one pair."""
        names = {name for name, _, _ in planned}
        if len(planned) != 1 or len(names) != 1:
            return
        name, label, target = planned[0]
        stem = re.sub(r" \(\d+\)$", "", zip_name[: -len(".zip")])  # a browser's second download: x (1).zip
        job, _ = self.matcher.match(stem, where=str(self.root / zip_name))
        if job is None:
            return
        # the job's "matches nothing" entry is replaced by the match
        self.unmatched[unmatched_before:] = [u for u in self.unmatched[unmatched_before:] if u[0] != label]
        if self.job(name, label, target, matched=(job, "")):
            self.by_archive_name.append((zip_name, name, f"{job.domain_id}{SEPARATOR}{job.tf_id}"))


def _skipped_entry(entry: os.DirEntry) -> str | None:
    """None for a folder that discovery reads; otherwise why the entry is skipped: a non-empty reason
    for entries named like a job (``*_and_*``: hidden, dangling symlinks, plain files), "" for others
    (unrelated files such as a README are not listed)."""
    name = entry.name
    like_job = SEPARATOR in name
    try:
        is_dir = entry.is_dir()  # follows symlinks
    except OSError:
        is_dir = False
    if name.startswith("."):
        return "hidden entry (name starts with '.'): not read" if like_job else ""
    if is_dir:
        return None
    if not like_job:
        return ""
    if entry.is_symlink():
        target = os.readlink(entry.path)
        if not os.path.exists(entry.path):
            return f"dangling symbolic link (to {escape_control(target)!r}): not read"
        return f"symbolic link to a file ({escape_control(target)!r}), not a run folder: not read"
    return "a file, not a run folder: not read"


def discover_pairs(
    predictions_dir: str | Path,
    tfs: dict[str, SequenceRecord],
    domains: dict[str, SequenceRecord],
    max_archive_bytes: int | None = None,
) -> PairPlan:
    """One pair per job found in ``predictions_dir`` (see the module docstring), in name order.

    Exact ``{domain_id}_and_{tf_id}`` splits use the known IDs, so IDs that themselves contain ``_and_``
    still resolve; a name that fits several exact splits is an error (``InputError``).
    """
    root = Path(predictions_dir)
    if not root.is_dir():
        raise InputError(
            f"{root}: predictions_dir not found (set 'pairs' or point 'predictions_dir' at the runs)"
        )
    limit = archive_limit_bytes() if max_archive_bytes is None else max_archive_bytes
    found = _Discovery(root, tfs, domains, limit)
    root_files = []
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith("."):
                skipped = _skipped_entry(entry)
                if skipped:
                    found.unmatched.append((entry.name, skipped))
            elif entry.is_dir():
                found.folder(entry)
            elif entry.is_file() and entry.name.lower().endswith(".zip"):
                found.archive(entry)
            elif entry.is_file() and folder_jobs([entry.name]):
                root_files.append(entry.name)
            else:
                skipped = _skipped_entry(entry)
                if skipped:
                    found.unmatched.append((entry.name, skipped))
    if root_files:
        found.shared_folder("", str(root), root_files)
    if not found.rows:
        raise InputError(no_pair_message(root, found.unmatched, tfs, domains))
    return PairPlan(pd.DataFrame(found.rows, columns=PAIR_COLUMNS), found.unmatched, found.archives,
                    notes=archive_name_notes(found.by_archive_name))


#: Entries, IDs and zips named in a message: the first few, then a count (a screen has 10^5 entries).
SHOWN = 10


def _first(items: list[str], what: str) -> str:
    shown = ", ".join(items[:SHOWN])
    return f"{len(items)} {what}: {shown}" + (f", ... ({len(items) - SHOWN} more)" if len(items) > SHOWN else "")


def no_pair_message(root: Path, unmatched: list[tuple[str, str]], tfs, domains) -> str:
    """Why discovery found no pair in ``root``: the entries seen (each with the reason, which names the job
    read from it), the IDs expected, and the two ways to fix it; a few lines whatever the number of entries."""
    domain_ids, tf_ids = sorted(domains), sorted(tfs)
    lines = [f"{root}: no run of a {{domain_id}}_and_{{tf_id}} job of the FASTA records found"]
    if unmatched:
        lines.append(f"entries seen ({len(unmatched)}), with the job name read from each:")
        lines += [f"  {escape_control(label)}: {reason}" for label, reason in unmatched[:SHOWN]]
        if len(unmatched) > SHOWN:
            lines.append(f"  ... and {len(unmatched) - SHOWN} more entries")
    else:
        lines.append("no AlphaFold run folder, job file or zip archive was seen there")
    lines.append(f"expected job names {{domain_id}}_and_{{tf_id}} of the FASTA IDs, e.g. "
                 f"{domain_ids[0] if domain_ids else 'KIX'}_and_{tf_ids[0] if tf_ids else 'MYB_25'}:")
    lines.append(f"  {_first(domain_ids, 'domain IDs')}")
    lines.append(f"  {_first(tf_ids, 'TF IDs')}")
    lines.append("to fix, either:")
    lines.append("  - rename each run (its folder, zip or job files) {domain_id}_and_{tf_id} (case, the AlphaFold "
                 "Server's 'fold_' prefix and punctuation such as '-' for '_' are ignored), or")
    lines.append("  - give a pairs table: config 'pairs:', a TSV with columns pair_id, tf_id, domain_id, prediction"
                 "[, tf_chain, domain_chain, format] (prediction: the run's folder or a file in it, relative to "
                 "predictions_dir); see config/README.md")
    return "\n".join(lines)


def archive_name_notes(matched: list[tuple[str, str, str]]) -> list[str]:
    """Lines saying which zips were matched by their own name (the job files inside are named otherwise)."""
    if not matched:
        return []
    shown = "; ".join(f"{z} (files {job}_*) -> {pair}" for z, job, pair in matched[:SHOWN])
    more = f"; ... ({len(matched) - SHOWN} more)" if len(matched) > SHOWN else ""
    return [f"discovery: {len(matched)} zip archive(s) matched by the zip's own name, the job files inside "
            f"matching no pair: {shown}{more}"]
