"""Zip archives of AlphaFold runs (AlphaFold Server downloads) in ``predictions_dir``.

Two steps, kept apart so that the workflow's parse time stays light:

* at parse time, :func:`list_archive` reads only the zip's central directory (stdlib ``zipfile``; no
  member is decompressed) and refuses the whole archive when an entry is unsafe or the archive is too
  large: an absolute path, a ``..`` component or a drive letter (a path that would land outside the
  extraction folder, "zip slip"), a symbolic link (Unix mode S_IFLNK in the entry's external attributes,
  as Info-ZIP stores it), an encrypted entry, a file stored with a compression method Python's ``zipfile``
  cannot decompress (APPNOTE 4.4.5: only 0 stored, 8 deflate, 12 bzip2 and 14 LZMA are read; Windows
  Explorer writes 9, Deflate64, for large files, and 7-Zip can write 98, PPMd), a name given twice, or a
  declared uncompressed total above ``features.max_archive_mb``. The jobs it holds (:func:`archive_jobs`) are
  then planned like folders;
* the rule ``extract_archive`` extracts it once into ``results/archives/<name>/``
  (:func:`extract_archive`) with the same checks, counting the bytes actually written so that an archive
  whose headers understate its sizes is stopped at the same limit.

Format: PKWARE APPNOTE.TXT (https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT), sections 4.3.12
(central directory header: external file attributes) and 4.4.17 (file name: relative, forward slashes,
no drive letter). An archive that cannot be used is reported by discovery (failed.tsv, stage
``discover``) or, when extraction finds the problem, its pairs fail with the reason (stage ``archive``);
the other archives and runs are read.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..defaults import defaults

DEFAULT_MAX_ARCHIVE_MB = defaults("features.max_archive_mb")  # the config schema's, for library use
ARCHIVE_DIR = "results/archives"
# Written into an archive's extraction folder when extraction failed; readers of its runs report it.
ERROR_FILE = ".tfbind_extraction_failed"
_MIB = 1 << 20
_CHUNK = _MIB


def archive_limit_bytes(max_archive_mb: float | str | None = None) -> int:
    """``features.max_archive_mb`` (MiB; None: the default) in bytes, the limit :func:`list_archive` and
    :func:`extract_archive` take."""
    return int(float(DEFAULT_MAX_ARCHIVE_MB if max_archive_mb is None else max_archive_mb) * _MIB)


def _limit(max_bytes: int) -> str:
    """The limit as the config states it, for messages."""
    return f"{max_bytes / _MIB:g} MiB (features.max_archive_mb)"


class ArchiveError(ValueError):
    """An archive that is refused (unsafe entry, too large, damaged); the message names it and the entry."""


@dataclass(frozen=True)
class Member:
    name: str  # the entry's name in the zip (a relative POSIX path)
    is_dir: bool
    size: int  # declared uncompressed size


def _check_name(archive: Path, name: str) -> None:
    if "\x00" in name or "\\" in name:
        raise ArchiveError(
            f"{archive}: entry {name!r} has a NUL or backslash in its name: archive not extracted"
        )
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ArchiveError(f"{archive}: entry {name!r} has an absolute path: archive not extracted")
    if ".." in parts:
        raise ArchiveError(f"{archive}: entry {name!r} has a '..' component: archive not extracted")


#: Compression methods (APPNOTE 4.4.5) that Python's zipfile decompresses.
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
                    zipfile.ZIP_LZMA: "LZMA"}
_METHOD_NAMES = {1: "Shrink", 6: "Implode", 9: "Deflate64", 10: "PKWARE DCL Implode", 93: "Zstandard",
                 95: "XZ", 96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES-encrypted"}


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def list_archive(path: str | Path, max_bytes: int) -> list[Member]:
    """The entries of a zip, checked (see the module docstring); ``ArchiveError`` when refused."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"{path}: not a readable zip archive ({exc})") from exc
    members, seen, total = [], set(), 0
    for info in infos:
        name = info.filename
        _check_name(path, name)
        if _is_symlink(info):
            raise ArchiveError(f"{path}: entry {name!r} is a symbolic link: archive not extracted")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{path}: entry {name!r} is encrypted: archive not extracted")
        if not info.is_dir() and info.compress_type not in READABLE_METHODS:
            # zipfile would raise NotImplementedError when the entry is opened, stopping the extraction job
            method = _METHOD_NAMES.get(info.compress_type, "unknown")
            raise ArchiveError(
                f"{path}: entry {name!r} uses compression method {info.compress_type} ({method}), which cannot "
                f"be read (supported: {', '.join(READABLE_METHODS.values())}): archive not extracted; "
                "re-create the zip with deflate"
            )
        key = name.rstrip("/")
        if key in seen:
            raise ArchiveError(f"{path}: entry {name!r} appears twice: archive not extracted")
        seen.add(key)
        total += info.file_size
        if total > max_bytes:
            raise ArchiveError(
                f"{path}: uncompressed size passes {_limit(max_bytes)} at entry {name!r}: archive not extracted"
            )
        members.append(Member(key, info.is_dir(), info.file_size))
    return members


def archive_folder_name(path: Path, taken: set[str]) -> str:
    """A folder name for the archive's extraction under ``results/archives``: the zip's stem with
    characters outside [A-Za-z0-9_.-] replaced by ``_`` (a browser's ``fold_x (1).zip``), made unique."""
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", path.name[: -len(path.suffix)] if path.suffix else path.name)
    base = base.strip(".") or "archive"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def extract_archive(path: str | Path, out_dir: str | Path, max_bytes: int) -> int:
    """Extract the zip at ``path`` into ``out_dir`` (created; emptied first); return the bytes written.

    Every entry is checked again (the archive may have changed since the plan) and every byte counted:
    ``ArchiveError`` when an entry is refused or the bytes written pass ``max_bytes``. Only regular files
    and folders are created, each strictly inside ``out_dir``.
    """
    path, out_dir = Path(path), Path(out_dir)
    members = {m.name: m for m in list_archive(path, max_bytes)}
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    root = out_dir.resolve()
    written = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                member = members[info.filename.rstrip("/")]
                target = (out_dir / member.name).resolve()
                if root not in target.parents:
                    raise ArchiveError(f"{path}: entry {info.filename!r} would land outside {out_dir}")
                if member.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(_CHUNK):
                        # zipfile stops each entry at its declared size (then fails its CRC), and the
                        # declared sizes passed list_archive: this count guards readers that would not
                        written += len(chunk)
                        if written > max_bytes:
                            raise ArchiveError(
                                f"{path}: more than {_limit(max_bytes)} once uncompressed (reached in "
                                f"entry {info.filename!r}, whose header declares {info.file_size} bytes): "
                                "archive not extracted"
                            )
                        dst.write(chunk)
    # CRC errors are BadZipFile; NotImplementedError: a compression method that list_archive let through
    # (it checks each entry's method, so none is expected)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(
            f"{path}: damaged archive ({type(exc).__name__}: {exc}): archive not extracted"
        ) from exc
    return written


def record_failure(out_dir: str | Path, reason: str) -> None:
    """Leave ``out_dir`` holding only :data:`ERROR_FILE` with ``reason``: the pairs planned from the
    archive then fail with this reason instead of 'file not found'."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / ERROR_FILE).write_text(reason + "\n")


def extraction_failure(run_path: str | Path) -> str | None:
    """The recorded extraction failure of the archive folder holding ``run_path``, if there is one."""
    for folder in [Path(run_path), *Path(run_path).parents]:
        marker = folder / ERROR_FILE
        if marker.is_file():
            return marker.read_text().strip()
        if folder.parent.name == Path(ARCHIVE_DIR).name:
            break
    return None

