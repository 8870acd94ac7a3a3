"""Reading input files with a cap on their (decompressed) size.

Every file of a run is read through :func:`open_input` / :func:`read_input`: gzip and xz content is
recognised by its magic bytes (not the file name) and decompressed as a stream, and reading stops
with ``PredictionError`` as soon as more than ``max_bytes`` would be produced. A 300 KB ``.xz``
that expands to 2 GB therefore costs at most ``max_bytes`` of memory before it is refused, and a
pickle that *declares* a larger object (a FRAME or BINBYTES8 length) is refused before anything is
read.

The default cap (``features.max_input_mb``, 1024 MiB) is set by the largest file of a realistic run
in a TF-tile x co-activator screen: an AlphaFold2 ``result_<model>.pkl`` holds the distogram and
aligned-confidence logits, 2 x n^2 x 64 float32 values, about 530 B x n^2 in all: 370 MB for a
complex of 800 residues (a 200-residue tile with a 600-residue co-activator region), 1 GiB at about
1,350 residues. JSON files (AlphaFold3 ``full_data``, ColabFold scores) are far smaller: about
12 B x n^2 (PAE plus contact probabilities), 8 MB at 800 tokens.
"""

from __future__ import annotations

import gzip
import lzma
import os
from contextlib import contextmanager
from pathlib import Path

from tfbind.defaults import defaults
from tfbind.errors import PredictionError

MIB = 1 << 20
DEFAULT_MAX_INPUT_MB = defaults("features.max_input_mb")  # the config schema's, for library use
DEFAULT_MAX_BYTES = DEFAULT_MAX_INPUT_MB * MIB
_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_CHUNK = 1 << 20


class CappedReader:
    """A binary reader (``read``, ``readinto``, ``readline``) over ``raw`` that refuses to produce more
    than ``max_bytes`` in all. A request larger than what is left is refused before reading, so a
    declared length (pickle frames and byte strings) never allocates past the cap."""

    def __init__(self, raw, max_bytes: int, source: str):
        self._raw = raw
        self.left = int(max_bytes)
        self.max_bytes = int(max_bytes)
        self.source = source

    def _too_large(self, wanted: int | None = None) -> PredictionError:
        what = f" (a {wanted:,}-byte object is declared)" if wanted is not None else ""
        return PredictionError(
            f"{self.source}: larger than {self.max_bytes / MIB:g} MiB once decompressed{what}; refused "
            "(raise features.max_input_mb if the file is genuine)"
        )

    def _take(self, data: bytes) -> bytes:
        self.left -= len(data)
        if self.left < 0:
            raise self._too_large()
        return data

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            chunks = []
            while True:
                chunk = self._take(self._raw.read(min(_CHUNK, self.left + 1)))
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        if n > self.left:
            raise self._too_large(n)
        return self._take(self._raw.read(n))

    def readinto(self, buf) -> int:
        n = len(memoryview(buf))
        if n > self.left:
            raise self._too_large(n)
        got = self._raw.readinto(buf)
        self.left -= got
        return got

    def readline(self, size: int = -1) -> bytes:
        limit = self.left + 1 if size is None or size < 0 else min(size, self.left + 1)
        return self._take(self._raw.readline(limit))


def decompressor(fh):
    """A gzip or xz reader over the seekable binary file ``fh`` when its content starts with that format's
    magic bytes, else None (``fh`` is left at its start)."""
    head = fh.read(6)
    fh.seek(0)
    if head.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=fh, mode="rb")
    if head.startswith(_XZ_MAGIC):
        return lzma.LZMAFile(fh, mode="rb")
    return None


@contextmanager
def open_input(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
    """A :class:`CappedReader` over the (decompressed) content of ``path``; ``PredictionError`` when
    the file is missing or unreadable, and while reading when the content passes ``max_bytes`` or the
    compressed stream is corrupt."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
        raise PredictionError(f"{path}: not a regular file (a folder, named pipe or device); not read")
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise PredictionError(f"{path}: file not found") from None
    except OSError as exc:
        raise PredictionError(f"{path}: cannot read ({exc})") from exc
    with fh:
        try:
            dec = decompressor(fh)
        except OSError as exc:
            raise PredictionError(f"{path}: cannot read ({exc})") from exc
        if dec is None and os.fstat(fh.fileno()).st_size > max_bytes:
            raise CappedReader(fh, max_bytes, str(path))._too_large()
        try:
            yield CappedReader(dec if dec is not None else fh, max_bytes, str(path))
        except (OSError, EOFError, lzma.LZMAError) as exc:
            kind = "compressed " if dec is not None else ""
            raise PredictionError(f"{path}: corrupt or truncated {kind}file ({type(exc).__name__}: {exc})") from exc
        finally:
            if dec is not None:
                dec.close()


def read_input(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The whole (decompressed) content of ``path``, refused past ``max_bytes`` (see :func:`open_input`)."""
    with open_input(path, max_bytes) as reader:
        return reader.read()
