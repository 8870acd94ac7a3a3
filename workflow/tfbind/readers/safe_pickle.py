"""Restricted unpickler for AlphaFold ``result_<model>.pkl`` / ``.pkl.gz`` / ``.pkl.xz`` files.

A pickle can name any importable callable and have it called while loading (``os.system``,
``builtins.eval``, ``subprocess.Popen``...), and even numpy's own constructors are unsafe on hostile
input: ``ndarray.__setstate__`` with an object dtype over raw bytes makes an array of wild pointers
(reading it crashes the interpreter), ``ndarray((16000, 16000))`` allocates 2 GB from a 30-byte
pickle. So no numpy callable is ever called with arguments from the file:

* the only globals resolved are markers for numpy's array, dtype and scalar reconstructors (under
  both the numpy 1 ``numpy.core`` and numpy 2 ``numpy._core`` names), plain Python containers, and
  ``_codecs.encode`` for latin1 text (how protocol 0-2 pickles store bytes); every other global
  raises ``PredictionError`` before anything is called;
* REDUCE, BUILD and NEWOBJ on a marker go to one checked path (:func:`_dtype`, :func:`_array`):
  numeric and boolean dtypes only (``b i u f c`` kinds, no fields, no sub-arrays, no object,
  string, void or datetime dtype), the shape a tuple of ints, and the array made by
  ``np.frombuffer`` over exactly ``prod(shape) * itemsize`` bytes that came from the file (copied,
  so it is writable); nothing is allocated from a declared shape alone;
* ``bytes``/``bytearray`` are made from text or bytes only (``bytes(10**12)`` would allocate);
* the content is read through :class:`tfbind.readers.bounded.CappedReader`, so the decompressed
  stream (gzip and xz detected by magic bytes) and every declared length are capped.

The unpickler is pickle's pure-Python one (the C one calls ``__setstate__`` itself); AlphaFold
result pickles are a few dozen arrays, so its speed does not matter.
"""

from __future__ import annotations

import collections
import io
import lzma
import math
import pickle
from pathlib import Path

import numpy as np

from tfbind.errors import PredictionError
from tfbind.readers.bounded import DEFAULT_MAX_BYTES, CappedReader, decompressor, open_input

#: dtype kinds an array or scalar may have: bool, signed and unsigned integers, floats, complex.
NUMERIC_KINDS = frozenset("biufc")
_MAX_NDIM = 32


class _Refused(Exception):
    """A structural refusal inside the unpickler (becomes ``PredictionError`` with the file named)."""


class _Marker:
    """Stands for one numpy reconstructor in the unpickled graph; calling it is the checked path."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<numpy {self.name}>"


_NDARRAY = _Marker("ndarray")
_DTYPE = _Marker("dtype")
_RECONSTRUCT = _Marker("_reconstruct")
_SCALAR = _Marker("scalar")
_FROMBUFFER = _Marker("_frombuffer")


class _PendingDtype:
    """A dtype named by the pickle (``dtype(spec, align, copy)``), final once BUILD set its byte order."""

    def __init__(self, spec):
        self.dtype = _numeric_dtype(spec)
        self.built = False

    def build(self, state) -> None:
        if self.built:
            raise _Refused("dtype built twice")
        if not isinstance(state, tuple) or len(state) < 5 or state[0] not in (3, 4):
            raise _Refused(f"unexpected dtype state {_short(state)}")
        byteorder, subdescr, names, fields = state[1:5]
        if byteorder not in ("<", ">", "|", "=") or subdescr is not None or names is not None or fields is not None:
            raise _Refused(f"dtype state with byte order {byteorder!r}, fields or sub-arrays refused")
        if byteorder in "<>" and self.dtype.itemsize > 1:
            self.dtype = self.dtype.newbyteorder(byteorder)
        self.built = True


class _PendingArray:
    """``_reconstruct(ndarray, ...)``: an empty array whose BUILD state brings shape, dtype and data."""

    def __init__(self):
        self.array = None

    def build(self, state, budget: "_Budget") -> None:
        if self.array is not None:
            raise _Refused("array built twice")
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refused(f"unexpected array state {_short(state)}")
        if len(state) == 5:
            if state[0] != 1:
                raise _Refused(f"unexpected array state version {_short(state[0])}")
            state = state[1:]
        shape, dtype, fortran, data = state
        if not isinstance(fortran, (bool, int)):
            raise _Refused("array order flag is not a bool")
        self.array = _array(data, dtype, shape, "F" if fortran else "C", budget)


class _Budget:
    """Bytes of array data still allowed (the file's cap): arrays are copies of file bytes."""

    def __init__(self, max_bytes: int):
        self.left = max_bytes

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise _Refused(f"arrays larger than the {math.ceil(n / (1 << 20))} MiB left of the size cap")


def _short(obj) -> str:
    text = repr(obj) if not isinstance(obj, (bytes, bytearray, str)) else f"{type(obj).__name__} of {len(obj)}"
    return text if len(text) <= 80 else text[:77] + "..."


def _numeric_dtype(spec) -> np.dtype:
    if isinstance(spec, _PendingDtype):
        return spec.dtype
    if not isinstance(spec, str) or len(spec) > 8 or not spec.isascii():
        raise _Refused(f"dtype spec {_short(spec)} is not a short type code")
    try:
        dtype = np.dtype(spec)
    except (TypeError, ValueError) as exc:
        raise _Refused(f"dtype {spec!r}: {exc}") from None
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise _Refused(f"dtype {spec!r} (kind {dtype.kind!r}) refused: numeric and boolean dtypes only")
    return dtype


def _shape(shape) -> tuple[int, ...]:
    if not isinstance(shape, tuple) or len(shape) > _MAX_NDIM:
        raise _Refused(f"array shape {_short(shape)} is not a tuple of at most {_MAX_NDIM} ints")
    for n in shape:
        if type(n) is not int or n < 0:
            raise _Refused(f"array shape {_short(shape)} is not a tuple of non-negative ints")
    return shape


def _array(data, dtype, shape, order: str, budget: _Budget) -> np.ndarray:
    """The one way an array is made: checked dtype and shape over exactly the bytes given."""
    dtype = _numeric_dtype(dtype)
    shape = _shape(shape)
    if order not in ("C", "F"):
        raise _Refused(f"array order {_short(order)}")
    if not isinstance(data, (bytes, bytearray)):
        raise _Refused(f"array data is {type(data).__name__}, expected bytes")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data):
        raise _Refused(f"array of shape {shape} and dtype {dtype} needs {count * dtype.itemsize} bytes, "
                       f"got {len(data)}")
    budget.take(len(data))
    return np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order=order).copy(order="K")


def _scalar(dtype, data):
    dtype = _numeric_dtype(dtype)
    if not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
        raise _Refused(f"numpy scalar of dtype {dtype} needs {dtype.itemsize} bytes, got {_short(data)}")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _latin1_encode(text, encoding="latin1") -> bytes:
    """``_codecs.encode`` restricted to the latin1 text -> bytes use of protocol 0-2 pickles."""
    if (not isinstance(text, str) or not isinstance(encoding, str)
            or encoding.replace("-", "").replace("_", "").lower() not in ("latin1", "iso88591")):
        raise _Refused(f"_codecs.encode with encoding {_short(encoding)}")
    return text.encode("latin1")


def _from_text_or_bytes(cls):
    def make(*args):
        if not args:
            return cls()
        if isinstance(args[0], (bytes, bytearray)) and len(args) == 1:
            return cls(args[0])
        if isinstance(args[0], str) and len(args) == 2 and isinstance(args[1], str):
            return cls(_latin1_encode(args[0], args[1]))
        raise _Refused(f"{cls.__name__}{_short(args)}: only from text or bytes")

    make.__name__ = cls.__name__
    return make


def _complex(*args):
    if len(args) > 2 or not all(type(a) in (int, float) for a in args):
        raise _Refused(f"complex{_short(args)}")
    return complex(*args)


_PLAIN = {
    "set": set, "frozenset": frozenset, "list": list, "tuple": tuple, "dict": dict,
    "bytes": _from_text_or_bytes(bytes), "bytearray": _from_text_or_bytes(bytearray), "complex": _complex,
}


def _globals() -> dict[tuple[str, str], object]:
    table: dict[tuple[str, str], object] = {
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): _DTYPE,
        ("_codecs", "encode"): _latin1_encode,
        ("collections", "OrderedDict"): collections.OrderedDict,
    }
    for name, obj in _PLAIN.items():
        table[("builtins", name)] = table[("__builtin__", name)] = obj
    for base in ("numpy.core", "numpy._core"):
        table[(f"{base}.multiarray", "_reconstruct")] = _RECONSTRUCT
        table[(f"{base}.multiarray", "scalar")] = _SCALAR
        table[(f"{base}.numeric", "_frombuffer")] = _FROMBUFFER
    return table


ALLOWED_GLOBALS = _globals()
_CALLABLE = (*_PLAIN.values(), collections.OrderedDict, _latin1_encode)
_CONTAINERS = (set, frozenset, list, tuple, dict, collections.OrderedDict)


class _RestrictedUnpickler(pickle._Unpickler):  # noqa: SLF001 - the pure-Python unpickler, on purpose
    def __init__(self, fh, source: str, max_bytes: int):
        super().__init__(fh)
        self._source = source
        self._budget = _Budget(max_bytes)

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise PredictionError(
                f"{self._source}: refusing to unpickle {module}.{name} (only numpy arrays and "
                "plain Python data are allowed)"
            ) from None

    def persistent_load(self, pid):
        raise _Refused("persistent id")

    def _call(self, func, args):
        if not isinstance(args, tuple):
            raise _Refused(f"call with arguments {_short(args)}")
        if func is _RECONSTRUCT:
            if not args or args[0] is not _NDARRAY:
                raise _Refused(f"_reconstruct of {_short(args[:1])}")
            return _PendingArray()
        if func is _DTYPE:
            return _PendingDtype(args[0] if args else None)
        if func is _SCALAR:
            if len(args) != 2:
                raise _Refused("scalar needs (dtype, bytes)")
            return _scalar(*args)
        if func is _FROMBUFFER:
            if len(args) != 4:
                raise _Refused("_frombuffer needs (buffer, dtype, shape, order)")
            return _array(args[0], args[1], args[2], args[3], self._budget)
        if isinstance(func, _Marker):  # ndarray(...) would allocate from the shape alone
            raise _Refused(f"calling {func!r}")
        if any(func is f for f in _CALLABLE):
            for a in args:  # containers are built from the pickle's own containers only
                if isinstance(a, (_Marker, _PendingArray, _PendingDtype)):
                    raise _Refused(f"{getattr(func, '__name__', func)} of {a!r}")
            return func(*args)
        raise _Refused(f"calling {_short(func)}")

    def load_reduce(self):
        stack = self.stack
        args = stack.pop()
        stack[-1] = self._call(stack[-1], args)

    def load_build(self):
        stack = self.stack
        state = stack.pop()
        inst = stack[-1]
        if isinstance(inst, _PendingArray):
            inst.build(state, self._budget)
        elif isinstance(inst, _PendingDtype):
            inst.build(state)
        else:
            raise _Refused(f"BUILD on {type(inst).__name__}")

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args))

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        if kwargs:
            raise _Refused("NEWOBJ_EX with keyword arguments")
        self.append(self._new(cls, args))

    def _new(self, cls, args):
        if any(cls is c for c in (set, frozenset, list, tuple, dict, collections.OrderedDict)) and args == ():
            return cls()
        if cls is _PLAIN["complex"]:
            return _complex(*args) if isinstance(args, tuple) else _complex(args)
        raise _Refused(f"NEWOBJ of {_short(cls)}")

    def _refuse_opcode(self):
        raise _Refused("INST/OBJ opcodes")

    dispatch = dict(pickle._Unpickler.dispatch)  # noqa: SLF001
    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.INST[0]] = _refuse_opcode
    dispatch[pickle.OBJ[0]] = _refuse_opcode


def _finish(obj):
    """Replace every pending array/dtype in the unpickled graph by its array/dtype (shared objects
    and cycles kept); an array that never got its data, a marker, or a pending object used as a key
    or set member is refused."""
    done: dict[int, object] = {}

    def walk(o):
        key = id(o)
        if key in done:
            return done[key]
        if isinstance(o, _PendingArray):
            if o.array is None:
                raise _Refused("array without data (no BUILD)")
            done[key] = o.array
            return o.array
        if isinstance(o, _PendingDtype):
            done[key] = o.dtype
            return o.dtype
        if isinstance(o, _Marker):
            raise _Refused(f"bare {o!r} in the data")
        if isinstance(o, list):
            done[key] = o
            o[:] = [walk(v) for v in o]
            return o
        if isinstance(o, dict):
            done[key] = o
            for k in list(o):
                if isinstance(k, (_PendingArray, _PendingDtype, _Marker)):
                    raise _Refused("numpy object used as a dict key")
                o[k] = walk(o[k])
            return o
        if isinstance(o, tuple):
            new = tuple(walk(v) for v in o)
            done[key] = new
            return new
        if isinstance(o, (set, frozenset)):
            if any(isinstance(v, (_PendingArray, _PendingDtype, _Marker)) for v in o):
                raise _Refused("numpy object in a set")
            done[key] = o
            return o
        done[key] = o
        return o

    try:
        return walk(obj)
    except RecursionError:
        raise _Refused("data nested too deeply") from None


def _load(reader, source: str, max_bytes: int):
    try:
        result = _RestrictedUnpickler(reader, source, max_bytes).load()
        return _finish(result)
    except PredictionError:
        raise
    except _Refused as exc:
        raise PredictionError(f"{source}: refusing pickle content: {exc}") from None
    except RecursionError:
        raise PredictionError(f"{source}: cannot unpickle (nested too deeply)") from None
    except MemoryError:
        raise PredictionError(f"{source}: cannot unpickle (out of memory)") from None
    except (OSError, lzma.LZMAError) as exc:
        raise PredictionError(f"{source}: corrupt compressed pickle ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # truncated or malformed pickles raise many different types
        raise PredictionError(f"{source}: cannot unpickle ({type(exc).__name__}: {exc})") from exc


def loads(data: bytes, source: str = "<bytes>", max_bytes: int = DEFAULT_MAX_BYTES):
    """Unpickle ``data`` (optionally gzip/xz-compressed) with the restricted loader."""
    raw = io.BytesIO(bytes(data))
    dec = decompressor(raw)  # the same magic-byte detection as files (bounded.open_input)
    return _load(CappedReader(dec if dec is not None else raw, max_bytes, source), source, max_bytes)


def load(path: Path, max_bytes: int = DEFAULT_MAX_BYTES):
    """Unpickle the file at ``path`` (``.pkl``, ``.pkl.gz``, ``.pkl.xz``; compression detected by magic
    bytes) with the restricted loader, streaming, refused past ``max_bytes`` decompressed."""
    path = Path(path)
    with open_input(path, max_bytes) as reader:
        return _load(reader, str(path), max_bytes)
