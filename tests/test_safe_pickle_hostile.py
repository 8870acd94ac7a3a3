"""Hostile pickles: the restricted unpickler never crashes, never makes a non-numeric array and never
allocates from a declared size; the fuzz run and the memory measurements happen in subprocesses."""

import gzip
import itertools
import json
import lzma
import pickle
import random
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from helpers import REPO
from tfbind.errors import PredictionError
from tfbind.readers import safe_pickle

# --- a tiny pickle assembler (protocol 4 opcodes) ---------------------------------------------


def G(module: str, name: str) -> bytes:
    return U(module) + U(name) + pickle.STACK_GLOBAL


def U(text: str) -> bytes:
    raw = text.encode()
    return pickle.SHORT_BINUNICODE + bytes([len(raw)]) + raw


def B(data: bytes) -> bytes:
    return pickle.BINBYTES + struct.pack("<I", len(data)) + data


def Int(n: int) -> bytes:
    return pickle.BININT + struct.pack("<i", n)


def T(*items: bytes) -> bytes:
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def P(body: bytes) -> bytes:
    return pickle.PROTO + b"\x04" + body + pickle.STOP


NONE, FALSE, TRUE = pickle.NONE, pickle.NEWFALSE, pickle.NEWTRUE


def dtype(spec: str, order: str = "|", build: bool = True) -> bytes:
    made = G("numpy", "dtype") + T(U(spec), FALSE, TRUE) + pickle.REDUCE
    if build:
        made += T(Int(3), U(order), NONE, NONE, NONE, Int(-1), Int(-1), Int(0x3F)) + pickle.BUILD
    return made


def shape(*dims: int) -> bytes:
    return T(*(Int(d) for d in dims))


# The stock unpickler turns this into an object array over the bytes 'AAAAAAAA' (a pointer).
OBJECT_ARRAY_EXPLOIT = P(G("numpy", "ndarray") + T(shape(1), dtype("O"), B(b"A" * 8)) + pickle.REDUCE)


def _numeric_only(obj) -> bool:
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind in "biufc"
    if isinstance(obj, np.generic):
        return obj.dtype.kind in "biufc"
    if isinstance(obj, dict):
        return all(_numeric_only(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_numeric_only(v) for v in obj)
    return True


# --- direct refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "blob, reason",
    [
        (OBJECT_ARRAY_EXPLOIT, "numeric and boolean dtypes only"),
        # a 16,000 x 16,000 float64 array (2 GB) from a 60-byte pickle
        (P(G("numpy", "ndarray") + T(shape(16000, 16000)) + pickle.REDUCE), "calling <numpy ndarray>"),
        # _reconstruct + BUILD with object dtype over raw bytes
        (P(G("numpy._core.multiarray", "_reconstruct") + T(G("numpy", "ndarray"), shape(0), B(b"b"))
           + pickle.REDUCE + T(Int(1), shape(1), dtype("O"), FALSE, B(b"A" * 8)) + pickle.BUILD),
         "numeric and boolean dtypes only"),
        # a declared shape larger than the data given
        (P(G("numpy._core.multiarray", "_reconstruct") + T(G("numpy", "ndarray"), shape(0), B(b"b"))
           + pickle.REDUCE + T(Int(1), shape(16000, 16000), dtype("f8", "<"), FALSE, B(b"A" * 8)) + pickle.BUILD),
         "needs 2048000000 bytes, got 8"),
        (P(G("numpy._core.numeric", "_frombuffer") + T(B(b"A" * 8), dtype("V8"), shape(1), U("C")) + pickle.REDUCE),
         "numeric and boolean dtypes only"),
        (P(G("numpy._core.multiarray", "scalar") + T(dtype("O"), B(b"A" * 8)) + pickle.REDUCE),
         "numeric and boolean dtypes only"),
        (P(G("numpy._core.multiarray", "scalar") + T(dtype("U1"), B(b"A" * 4)) + pickle.REDUCE),
         "numeric and boolean dtypes only"),
        (P(G("builtins", "bytearray") + T(Int(10**9)) + pickle.REDUCE), "only from text or bytes"),
        (P(G("builtins", "bytes") + T(Int(10**9)) + pickle.REDUCE), "only from text or bytes"),
        (P(G("builtins", "dict") + T() + pickle.REDUCE + pickle.EMPTY_DICT + pickle.BUILD), "BUILD on dict"),
        # an array that never gets its data
        (P(G("numpy._core.multiarray", "_reconstruct") + T(G("numpy", "ndarray"), shape(0), B(b"b"))
           + pickle.REDUCE), "array without data"),
        (P(G("numpy", "ndarray") + pickle.EMPTY_TUPLE + pickle.NEWOBJ), "NEWOBJ of <numpy ndarray>"),
    ],
    ids=["object-buffer", "ndarray-shape", "reconstruct-object", "shape-vs-data", "frombuffer-void",
         "scalar-object", "scalar-str", "bytearray-size", "bytes-size", "build-dict", "no-data", "newobj"],
)
def test_hostile_constructions_refused(blob, reason):
    with pytest.raises(PredictionError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        safe_pickle.loads(blob)


@pytest.mark.parametrize("value", [np.array(["a", "bc"]), np.zeros(2, dtype=[("x", "f4")]),
                                   np.array([None, 1], dtype=object), np.array(["2020-01-01"], dtype="M8[D]")])
def test_non_numeric_arrays_refused(value):
    with pytest.raises(PredictionError, match="numeric and boolean dtypes only"):
        safe_pickle.loads(pickle.dumps({"x": value}, protocol=4))


def test_shared_and_cyclic_references_survive():
    arr = np.arange(4.0)
    data = {"a": arr, "b": arr, "rows": []}
    data["rows"].append(data["rows"])
    out = safe_pickle.loads(pickle.dumps(data, protocol=4))
    assert out["a"] is out["b"] and np.array_equal(out["a"], arr)
    assert out["rows"][0] is out["rows"]
    assert out["a"].flags.writeable


# --- fuzz: every admitted global with REDUCE/BUILD in every order, in a subprocess ----------------

_ARGS = [
    T(),
    T(shape(1)),
    T(shape(0), B(b"b")),
    T(U("O"), FALSE, TRUE),
    T(U("f8"), FALSE, TRUE),
    T(shape(1), dtype("O"), B(b"A" * 8)),
    T(shape(1), dtype("f8"), B(b"A" * 8)),
    T(shape(2, 2), dtype("f8", "<", build=False), B(b"")),
    T(B(b"A" * 8), dtype("O"), shape(1), U("C")),
    T(B(b"A" * 8), dtype("i8"), shape(1), U("F")),
    T(dtype("O"), B(b"A" * 8)),
    T(dtype("?"), B(b"\x01")),
    T(Int(1), shape(1), dtype("O"), FALSE, B(b"A" * 8)),
    T(Int(1), shape(1), dtype("f4"), FALSE, B(b"A" * 4)),
    T(Int(3), U("|"), NONE, NONE, NONE, Int(-1), Int(-1), Int(0x3F)),
    T(Int(3), U("<"), T(U("O"), shape(1)), NONE, NONE, Int(8), Int(8), Int(0)),
    pickle.EMPTY_LIST + B(b"A" * 8) + pickle.APPEND,
    pickle.EMPTY_DICT + U("a") + Int(1) + pickle.SETITEM,
    T(U("abc"), U("latin1")),
    T(Int(2**31 - 1)),
]


def _fuzz_pickles() -> list[bytes]:
    globals_ = sorted(safe_pickle.ALLOWED_GLOBALS)
    pushes = [G(m, n) for m, n in globals_]
    first_args = _ARGS + [T(p) for p in pushes] + [T(p, shape(0), B(b"b")) for p in pushes]
    ops = (pickle.REDUCE, pickle.BUILD)
    blobs = []
    for push in pushes:
        for op1, a1 in itertools.product(ops, first_args):
            one = push + a1 + op1
            blobs.append(P(one))
            for op2, a2 in itertools.product(ops, _ARGS):
                blobs.append(P(one + a2 + op2))
    rng = random.Random(14)  # three-step chains, sampled
    for _ in range(3000):
        body = rng.choice(pushes)
        for _ in range(3):
            body += rng.choice(first_args) + rng.choice(ops)
        blobs.append(P(body))
    return blobs


_FUZZ_RUNNER = textwrap.dedent(
    """
    import json, pickle, struct, sys
    sys.path.insert(0, sys.argv[2])
    import numpy as np
    from tfbind.errors import PredictionError
    from tfbind.readers import safe_pickle

    def numeric_only(obj):
        if isinstance(obj, (np.ndarray, np.generic)):
            return obj.dtype.kind in "biufc"
        if isinstance(obj, dict):
            return all(numeric_only(k) and numeric_only(v) for k, v in obj.items())
        if isinstance(obj, (list, tuple, set, frozenset)):
            return all(numeric_only(v) for v in obj)
        return not isinstance(obj, np.dtype) or obj.kind in "biufc"

    data = open(sys.argv[1], "rb").read()
    counts = {"refused": 0, "numeric": 0, "bad": []}
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        blob = data[pos + 4 : pos + 4 + n]
        pos += 4 + n
        try:
            out = safe_pickle.loads(blob)
        except PredictionError:
            counts["refused"] += 1
            continue
        repr(out)  # touch every element, as a reader would
        for value in (out.values() if isinstance(out, dict) else [out]):
            if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
                value.sum()
        if numeric_only(out):
            counts["numeric"] += 1
        else:
            counts["bad"].append(blob.hex())
    print(json.dumps(counts))
    """
)


def _run_python(code: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout)


def test_fuzz_admitted_globals_with_reduce_and_build(tmp_path):
    blobs = _fuzz_pickles()
    assert len(blobs) > 20_000
    path = tmp_path / "fuzz.bin"
    path.write_bytes(b"".join(struct.pack("<I", len(b)) + b for b in blobs))
    proc = _run_python(_FUZZ_RUNNER, str(path), str(REPO / "workflow"))
    assert proc.returncode == 0, f"exit {proc.returncode} (negative = killed by a signal): {proc.stderr[-2000:]}"
    counts = json.loads(proc.stdout)
    assert counts["bad"] == []
    assert counts["refused"] + counts["numeric"] == len(blobs)
    assert counts["refused"] > 0 and counts["numeric"] > 0  # both outcomes are exercised


def test_fuzz_harness_sees_a_crash():
    """The oracle: the same harness shape reports a signal exit when the stock unpickler is used."""
    code = "import pickle, sys; a = pickle.loads(bytes.fromhex(sys.argv[1])); print(repr(a[0]))"
    proc = _run_python(code, OBJECT_ARRAY_EXPLOIT.hex(), timeout=60)
    if proc.returncode >= 0:
        pytest.skip(f"this numpy does not crash on the object-array exploit (exit {proc.returncode})")
    assert proc.returncode < 0


# --- size caps and memory -------------------------------------------------------------------------

_RSS_RUNNER = textwrap.dedent(
    """
    import json, resource, sys
    sys.path.insert(0, sys.argv[2])
    from tfbind.errors import PredictionError
    from tfbind.readers import safe_pickle
    from tfbind.readers.structure import load_json
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        if sys.argv[3] == "pickle":
            safe_pickle.load(sys.argv[1], max_bytes=int(sys.argv[4]))
        else:
            load_json(sys.argv[1], max_bytes=int(sys.argv[4]))
        outcome = "read"
    except PredictionError as exc:
        outcome = str(exc)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"outcome": outcome, "rss_before_kib": before, "rss_after_kib": after}))
    """
)


def _stream_compress(kind: str, pieces, path):
    opener = gzip.open if kind == "gz" else lzma.open
    with opener(path, "wb", **({"compresslevel": 1} if kind == "gz" else {"preset": 0})) as fh:
        for piece in pieces:
            fh.write(piece)


def _measure(path, kind: str, cap: int) -> dict:
    proc = _run_python(_RSS_RUNNER, str(path), str(REPO / "workflow"), kind, str(cap), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


MIB = 1 << 20


def _assert_refused_in_bounded_memory(path, kind: str, cap_mib: int, max_growth_mib: float) -> None:
    """Reading ``path`` (``kind``: pickle or json) under a ``cap_mib`` cap is refused as too large once
    decompressed, and the reading process grows by less than ``max_growth_mib``."""
    result = _measure(path, kind, cap_mib * MIB)
    assert f"larger than {cap_mib} MiB once decompressed" in result["outcome"]
    grown_mib = (result["rss_after_kib"] - result["rss_before_kib"]) / 1024
    assert grown_mib < max_growth_mib, f"grew by {grown_mib:.0f} MiB for a {cap_mib} MiB cap"


@pytest.mark.parametrize("kind", ["gz", "xz"])
def test_pickle_bomb_refused_within_cap_memory(tmp_path, kind):
    """A pickle of 512 one-MiB byte strings (512 MiB decompressed, a few MiB on disk), cap 64 MiB:
    refused after reading about 64 MiB, and the process grows by far less than the expanded size."""
    chunk = pickle.BINBYTES + struct.pack("<I", MIB) + b"\0" * MIB
    path = tmp_path / f"result_model_1.pkl.{kind}"
    _stream_compress(kind, [pickle.PROTO + b"\x04" + pickle.EMPTY_LIST + pickle.MARK]
                     + [chunk] * 512 + [pickle.APPENDS + pickle.STOP], path)
    assert path.stat().st_size < 4 * MIB  # over 100:1
    _assert_refused_in_bounded_memory(path, "pickle", 64, max_growth_mib=200)


def test_declared_length_refused_before_reading(tmp_path):
    """FRAME and BINBYTES8 lengths beyond the cap are refused before a byte of them is read."""
    path = tmp_path / "result_model_1.pkl"
    path.write_bytes(pickle.PROTO + b"\x04" + pickle.BINBYTES8 + struct.pack("<Q", 10**12) + b"\0" * 16)
    with pytest.raises(PredictionError, match="1,000,000,000,000-byte object is declared"):
        safe_pickle.load(path, max_bytes=MIB)
    path.write_bytes(pickle.PROTO + b"\x04" + pickle.FRAME + struct.pack("<Q", 10**12) + b"\0" * 16)
    with pytest.raises(PredictionError, match="declared"):
        safe_pickle.load(path, max_bytes=MIB)


def test_json_bomb_refused_within_cap_memory(tmp_path):
    """A gzip PAE JSON expanding to 1 GiB (1 MiB on disk), cap 32 MiB: refused, memory bounded."""
    path = tmp_path / "pae_model_1.json"
    row = b"[" + b"1.0," * 262143 + b"1.0],"
    _stream_compress("gz", [b'[{"predicted_aligned_error": ['] + [row] * 1024, path)
    _assert_refused_in_bounded_memory(path, "json", 32, max_growth_mib=150)


def test_plain_file_over_cap_refused_without_reading(tmp_path):
    path = tmp_path / "pae_model_1.json"
    with open(path, "wb") as fh:
        fh.truncate(3 * MIB)  # sparse: costs no disk
    with pytest.raises(PredictionError, match="larger than 2 MiB"):
        safe_pickle.load(path, max_bytes=2 * MIB)
