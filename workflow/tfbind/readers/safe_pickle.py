"""Restricted unpickler for AlphaFold ``result_<model>.pkl`` / ``.pkl.gz`` / ``.pkl.xz`` files.

A pickle can name any importable callable and have it called while loading (``os.system``,
``builtins.eval``, ``subprocess.Popen``...). This loader resolves only the globals that plain numpy
arrays, dtypes and scalars need (under both the numpy 1 ``numpy.core`` and numpy 2 ``numpy._core``
module names) plus plain Python containers; every other global raises ``PredictionError`` *before*
anything is called. Compression is detected from the file's magic bytes (gzip, xz), not its name.
"""

from __future__ import annotations

import collections
import functools
import gzip
import importlib
import io
import lzma
import pickle
from pathlib import Path

from tfbind.errors import PredictionError

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"


def _numpy_attr(submodule: str, name: str):
    """``numpy._core.<submodule>.<name>`` (numpy 2), else ``numpy.core.<submodule>.<name>``."""
    for base in ("numpy._core", "numpy.core"):
        try:
            return getattr(importlib.import_module(f"{base}.{submodule}"), name)
        except (ImportError, AttributeError):
            continue
    raise PredictionError(f"numpy has no {submodule}.{name}")


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` restricted to the latin1 text -> bytes use of protocol 0-2 pickles."""
    if not isinstance(text, str) or encoding.replace("-", "").lower() not in ("latin1", "iso88591"):
        raise PredictionError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


@functools.cache
def _allowed() -> dict[tuple[str, str], object]:
    import numpy as np

    table: dict[tuple[str, str], object] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): _latin1_encode,  # protocol <= 2 stores array bytes as latin1 text
        ("collections", "OrderedDict"): collections.OrderedDict,
    }
    for name in ("set", "frozenset", "bytearray", "complex", "bytes", "list", "tuple", "dict"):
        table[("builtins", name)] = getattr(__import__("builtins"), name)
        table[("__builtin__", name)] = table[("builtins", name)]
    for base in ("numpy.core", "numpy._core"):
        table[(f"{base}.multiarray", "_reconstruct")] = _numpy_attr("multiarray", "_reconstruct")
        table[(f"{base}.multiarray", "scalar")] = _numpy_attr("multiarray", "scalar")
        table[(f"{base}.numeric", "_frombuffer")] = _numpy_attr("numeric", "_frombuffer")
    # dtype classes (numpy >= 1.25 may pickle e.g. numpy.dtypes.Float32DType) and scalar types.
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        for name in dir(dtypes):
            if name.endswith("DType"):
                table[("numpy.dtypes", name)] = getattr(dtypes, name)
    for name, obj in vars(np).items():
        if isinstance(obj, type) and issubclass(obj, np.generic):
            table[("numpy", name)] = obj
    return table


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, fh, source: str):
        super().__init__(fh)
        self._source = source
        self._table = _allowed()

    def find_class(self, module: str, name: str):
        try:
            return self._table[(module, name)]
        except KeyError:
            raise PredictionError(
                f"{self._source}: refusing to unpickle {module}.{name} (only numpy arrays and "
                "plain Python data are allowed)"
            ) from None

    def persistent_load(self, pid):
        raise PredictionError(f"{self._source}: refusing persistent id in pickle")


def _decompress(data: bytes, source: str) -> bytes:
    try:
        if data.startswith(_GZIP_MAGIC):
            return gzip.decompress(data)
        if data.startswith(_XZ_MAGIC):
            return lzma.decompress(data)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise PredictionError(f"{source}: corrupt compressed pickle ({exc})") from exc
    return data


def loads(data: bytes, source: str = "<bytes>"):
    """Unpickle ``data`` (optionally gzip/xz-compressed) with the restricted loader."""
    data = _decompress(bytes(data), source)
    try:
        return _RestrictedUnpickler(io.BytesIO(data), source).load()
    except PredictionError:
        raise
    except Exception as exc:  # truncated or malformed pickles raise many different types
        raise PredictionError(f"{source}: cannot unpickle ({type(exc).__name__}: {exc})") from exc


def load(path: Path):
    """Unpickle the file at ``path`` (``.pkl``, ``.pkl.gz``, ``.pkl.xz``) with the restricted loader."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PredictionError(f"{path}: cannot read pickle ({exc})") from exc
    return loads(data, source=str(path))
