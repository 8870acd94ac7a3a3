"""Restricted unpickler: numpy arrays round-trip, anything that could run code is refused unexecuted."""

import gzip
import lzma
import os
import pickle
import subprocess

import numpy as np
import pytest

from tfbind.errors import PredictionError
from tfbind.readers import safe_pickle


def _result_dict():
    rng = np.random.default_rng(0)
    return {
        "plddt": rng.uniform(0, 100, 20),
        "predicted_aligned_error": rng.uniform(0, 30, (20, 20)).astype(np.float32),
        "ptm": np.array(0.71, dtype=np.float32),
        "iptm": np.float64(0.42),
        "ranking_confidence": 0.47,
        "max_predicted_aligned_error": np.float32(31.75),
        "distogram": {"bin_edges": np.linspace(2, 22, 63), "logits": np.zeros((20, 20, 64), np.float16)},
        "seqs": ["MKV", "GSA"],
        "flags": (True, None, 3, np.int64(7), np.bool_(False)),
        "complex": np.array([1 + 2j], dtype=np.complex64),
        "mask": np.array([[True, False]]),
        "fortran": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        "big_endian": np.arange(3, dtype=">f8"),
    }


def _assert_same(a, b):
    assert type(a) is type(b) or isinstance(a, np.generic)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_loads_round_trips_numpy_dict(protocol):
    data = _result_dict()
    _assert_same(data, safe_pickle.loads(pickle.dumps(data, protocol=protocol)))


def test_large_array_protocol5():
    arr = np.arange(300_000, dtype=np.float64).reshape(600, 500)
    assert np.array_equal(safe_pickle.loads(pickle.dumps({"pae": arr}, protocol=5))["pae"], arr)


@pytest.mark.parametrize(
    "suffix, compress",
    [(".pkl", lambda b: b), (".pkl.gz", gzip.compress), (".pkl.xz", lzma.compress)],
)
def test_load_file_plain_gzip_xz(tmp_path, suffix, compress):
    data = _result_dict()
    path = tmp_path / f"result_model_1_multimer_v3_pred_0{suffix}"
    path.write_bytes(compress(pickle.dumps(data, protocol=4)))
    _assert_same(data, safe_pickle.load(path))


class _SystemCall:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalCall:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w').close()",))


class _PopenCall:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (subprocess.Popen, (["touch", str(self.marker)],))


@pytest.mark.parametrize("payload", [_SystemCall, _EvalCall, _PopenCall])
@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress, lzma.compress])
def test_malicious_pickle_refused_without_running(tmp_path, payload, compress):
    marker = tmp_path / "pwned"
    # The crafted object sits inside an otherwise legitimate result dict.
    blob = pickle.dumps({"plddt": np.ones(3), "evil": payload(marker)}, protocol=2)
    path = tmp_path / "result_model_1.pkl"
    path.write_bytes(compress(blob))
    with pytest.raises(PredictionError) as err:
        safe_pickle.load(path)
    assert str(path) in str(err.value)
    assert "refusing" in str(err.value)
    assert not marker.exists()
    with pytest.raises(PredictionError):
        safe_pickle.loads(blob)
    assert not marker.exists()


def test_truncated_pickle(tmp_path):
    path = tmp_path / "result_model_2.pkl"
    path.write_bytes(pickle.dumps(_result_dict())[:200])
    with pytest.raises(PredictionError, match="result_model_2.pkl"):
        safe_pickle.load(path)


def test_corrupt_gzip_and_missing_file(tmp_path):
    path = tmp_path / "result_model_3.pkl.gz"
    path.write_bytes(gzip.compress(pickle.dumps(_result_dict()))[:50])
    with pytest.raises(PredictionError, match="result_model_3.pkl.gz"):
        safe_pickle.load(path)
    with pytest.raises(PredictionError, match="absent.pkl"):
        safe_pickle.load(tmp_path / "absent.pkl")


def test_numpy1_module_names_accepted():
    """Pickles written with numpy 1 name numpy.core.multiarray; numpy 2 ones numpy._core."""
    data = {"pae": np.arange(6.0).reshape(2, 3), "ptm": np.float32(0.5)}
    blob = pickle.dumps(data, protocol=2)
    for old, new in ((b"numpy._core.multiarray", b"numpy.core.multiarray"),
                     (b"numpy.core.multiarray", b"numpy._core.multiarray")):
        variant = blob.replace(old, new)
        _assert_same(data, safe_pickle.loads(variant))


def test_codecs_encode_only_latin1():
    # _codecs.encode is allowed for protocol-2 array bytes, but not as a general codec gadget.
    blob = b"\x80\x02c_codecs\nencode\nq\x00X\x03\x00\x00\x00abcX\x06\x00\x00\x00base64\x86R."
    with pytest.raises(PredictionError, match="encode"):
        safe_pickle.loads(blob)
    assert safe_pickle.loads(blob.replace(b"X\x06\x00\x00\x00base64", b"X\x06\x00\x00\x00latin1")) == b"abc"
