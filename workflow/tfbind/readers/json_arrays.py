"""JSON files holding large numeric matrices (PAE, AlphaFold3 ``contact_probs``), parsed without a Python
float per number.

AlphaFold's confidence files are mostly numbers: an AlphaFold3 ``*_full_data_*.json`` of a 280-token complex
holds 2 x 280^2 of them (``pae``, ``contact_probs``). ``orjson`` builds one Python float per number and
``numpy.asarray`` then walks those lists again: about 9 ms per model, more than the rest of the extraction.
Here the file is parsed by simdjson (Langdale & Lemire 2019, "Parsing gigabytes of JSON per second", VLDB
Journal 28:941; the ``pysimdjson`` binding), and every top-level value that is a list of lists of numbers is
copied straight from simdjson's parsed form into a float64 array (``Array.as_buffer``); the other values
become the usual Python objects.

Same result as :func:`tfbind.readers.structure.load_json` or the old path falls back to it: a matrix is taken
only when every row is a list of the same length and the file holds no other list than those accounted for
(the count of ``[`` in the file equals the lists seen: ``as_buffer`` would flatten deeper nesting, which
must keep its error); anything else (text, booleans or nulls among the numbers, ragged rows, deeper
nesting, duplicate keys, numbers simdjson refuses such as ``1e400`` or ``NaN``, non-UTF-8 text) is parsed
again by :func:`load_json`, so the readers' checks and messages see exactly what they saw before.

Values no reader uses can be left out before parsing (``skip``): AlphaFold3's ``contact_probs``, an N_token x
N_token matrix of numbers, is half of a ``*_full_data_*.json`` (AlphaFold3 repository, docs/output.md) and
no metric reads it. Its end is found without parsing it, since it holds no string: the last ``]`` before the
next ``"`` (the next key). The first occurrence of the key is cut when it is not after a backslash, is followed by
``:`` and ``[``, and the cut holds no ``{`` or ``}``; the rest is parsed, and the key must then be a key of
the top-level object holding ``[]`` (else the whole file is parsed: a first occurrence in a nested object
leaves the top-level one a matrix, a repeated key fails the duplicate check). A cut that
ends inside the value (it held a string) leaves unmatched brackets, which the parser refuses. The numbers of
a skipped value are not parsed, so a malformed number inside it (``1..2``) is not reported: the value is not
read. Any other damage (truncation, a broken structure elsewhere) still fails the parse of the rest, and the
whole file then goes to :func:`load_json`, which names the file and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tfbind.readers.bounded import DEFAULT_MAX_BYTES, read_input


class _NotPlain(Exception):
    """The fast path does not apply; parse the file the ordinary way."""


_CONTAINERS = (list, dict)


def _lists_in(value) -> int:
    """Number of lists (JSON arrays) in a converted Python value, itself included."""
    if isinstance(value, list):
        # a list comprehension over the classes: AlphaFold3's atom_chain_ids are thousands of strings
        return 1 + sum(_lists_in(v) for v in [v for v in value if v.__class__ in _CONTAINERS])
    if isinstance(value, dict):
        return sum(_lists_in(v) for v in value.values() if v.__class__ in _CONTAINERS)
    return 0


def _matrix(value, simdjson) -> tuple[np.ndarray, int]:
    """(float64 matrix, lists used) of a simdjson Array of equally long Arrays of numbers."""
    rows = len(value)
    widths = {len(r) if isinstance(r, simdjson.Array) else -1 for r in value}
    if len(widths) != 1 or -1 in widths:
        raise _NotPlain
    cols = widths.pop()
    try:
        flat = np.frombuffer(value.as_buffer(of_type="d"), dtype=np.float64)
    except (TypeError, ValueError) as exc:  # text, bool, null, object among the values
        raise _NotPlain from exc
    if flat.size != rows * cols:
        raise _NotPlain
    return flat.reshape(rows, cols), rows + 1


def _convert_object(obj, simdjson, vectors: frozenset) -> tuple[dict, int]:
    keys = list(obj.keys())
    if len(set(keys)) != len(keys):  # Python's json keeps the last value, simdjson the first
        raise _NotPlain
    out, lists = {}, 0
    for key in keys:
        value = obj[key]
        if isinstance(value, simdjson.Array):
            if len(value) and isinstance(value[0], simdjson.Array):
                out[key], n = _matrix(value, simdjson)
                lists += n
                continue
            if key in vectors:
                try:
                    flat = np.frombuffer(value.as_buffer(of_type="d"), dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise _NotPlain from exc
                if flat.size != len(value):
                    raise _NotPlain
                out[key] = flat
                lists += 1
                continue
            value = value.as_list()
        elif isinstance(value, simdjson.Object):
            value = value.as_dict()
        out[key] = value
        lists += _lists_in(value)
    return out, lists


_VALUE_START = re.compile(rb"[ \t\r\n]*:[ \t\r\n]*\[")


def _without(data: bytes, keys: tuple[str, ...]) -> bytes | None:
    """``data`` with the value of every key of ``keys`` replaced by ``[]`` (module docstring), or None when a
    key is not in the plain form. Only single-byte searches (memchr speed) run over the value."""
    for key in keys:
        name = b'"' + key.encode() + b'"'
        at = data.find(name)
        if at <= 0 or data[at - 1] == 0x5C:  # absent or escaped (a repeat: see load_json_arrays)
            return None
        value = _VALUE_START.match(data, at + len(name))
        if value is None:
            return None
        start = value.end() - 1
        # the value ends at the last "]" before the next string (the next key): it holds no string itself
        after = data.find(b'"', start)
        end = data.rfind(b"]", start, after) if after > 0 else -1
        if end < 0 or data.find(b"{", start, end) >= 0 or data.find(b"}", start, end) >= 0:
            return None
        data = data[:start] + b"[]" + data[end + 1:]
    return data


def load_json_arrays(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, vectors: tuple[str, ...] = (),
                     skip: tuple[str, ...] = ()):
    """Parse a JSON file like :func:`tfbind.readers.structure.load_json`, with matrices as arrays.

    In the top-level object (or in each object of a top-level list, as in AlphaFold2's ``pae_*.json``),
    every value that is a list of equally long lists of numbers is returned as a float64 ``ndarray``
    (``pae``, ``contact_probs``), and so is every list of numbers named in ``vectors`` (e.g.
    ``atom_plddts``); everything else is as ``load_json`` returns it. Files the fast path cannot take
    exactly (see the module docstring) are returned by ``load_json`` itself.

    ``skip``: top-level keys whose values (matrices of numbers) are not read; they are absent from the
    result, cut out of the bytes before parsing when they have the plain form (module docstring).
    """
    import simdjson  # only the extraction jobs need it

    from tfbind.readers.structure import load_json

    path = Path(path)
    original = read_input(path, max_bytes)
    data = _without(original, skip) if skip else original
    cut = skip if data is not None else ()
    data = data if data is not None else original  # a skipped value not in the plain form: parse everything
    try:
        doc = simdjson.Parser().parse(data)
        if isinstance(doc, simdjson.Object):
            result, lists = _convert_object(doc, simdjson, frozenset(vectors))
        elif isinstance(doc, simdjson.Array):
            result, lists = [], 1
            for item in doc:
                if isinstance(item, simdjson.Object):
                    value, n = _convert_object(item, simdjson, frozenset(vectors))
                elif isinstance(item, simdjson.Array):
                    value = item.as_list()
                    n = _lists_in(value)
                else:
                    value, n = item, 0
                result.append(value)
                lists += n
        else:
            result, lists = doc, 0
        # a "[" inside a string, or nesting that as_buffer flattened (numpy counts 3x faster than bytes.count)
        if np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 0x5B) != lists:
            raise _NotPlain
        for key in cut:  # the value cut must be the top-level key's, else parse it all
            value = result.pop(key, None) if isinstance(result, dict) else None
            if not isinstance(value, list) or value:
                raise _NotPlain
        for key in skip if isinstance(result, dict) else ():
            result.pop(key, None)
        return result
    except (_NotPlain, ValueError, TypeError, RuntimeError, UnicodeDecodeError):
        pass
    result = load_json(path, max_bytes)
    if isinstance(result, dict):
        for key in skip:
            result.pop(key, None)
    return result
