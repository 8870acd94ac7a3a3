"""tfbind.readers.json_arrays: the simdjson path gives what load_json gives (matrices as float64 arrays), and
declines, to load_json itself, every file it cannot take exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import FIXTURES
from tfbind.errors import PredictionError
from tfbind.readers.json_arrays import load_json_arrays
from tfbind.readers.structure import load_json


def same(fast, slow) -> bool:
    """Equal values, where a float64 array stands for a list (of lists) of numbers."""
    if isinstance(fast, np.ndarray):
        return fast.dtype == np.float64 and np.array_equal(fast, np.asarray(slow, dtype=float))
    if isinstance(slow, dict):
        return isinstance(fast, dict) and list(fast) == list(slow) and all(same(fast[k], slow[k]) for k in slow)
    if isinstance(slow, list):
        return isinstance(fast, list) and len(fast) == len(slow) and all(same(a, b) for a, b in zip(fast, slow))
    return type(fast) is type(slow) and (fast == slow or (fast != fast and slow != slow))


REAL_FILES = sorted(FIXTURES.glob("*/*.json"))


@pytest.mark.skipif(not REAL_FILES, reason="../shared/fixtures is absent")
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_files_equal_load_json(path):
    fast, slow = load_json_arrays(path, vectors=("atom_plddts",)), load_json(path)
    assert same(fast, slow)


@pytest.mark.skipif(not (FIXTURES / "af3_server_5b8c").is_dir(), reason="../shared/fixtures is absent")
def test_alphafold3_matrices_become_arrays():
    data = load_json_arrays(FIXTURES / "af3_server_5b8c" / "fold_5b8c_full_data_0.json", vectors=("atom_plddts",))
    n = len(data["token_chain_ids"])
    assert isinstance(data["pae"], np.ndarray) and data["pae"].shape == (n, n)
    assert isinstance(data["contact_probs"], np.ndarray) and data["contact_probs"].shape == (n, n)
    assert isinstance(data["atom_plddts"], np.ndarray) and data["atom_plddts"].shape == (len(data["atom_chain_ids"]),)
    assert isinstance(data["token_res_ids"], list)  # not named: stays a list


@pytest.mark.parametrize("text", [
    '{"pae": [[1, 2], [3, 4]], "x": 1}',
    '[{"predicted_aligned_error": [[0.5, 31.75], [2, 0]], "max_predicted_aligned_error": 31.75}]',
    '{"pae": [[1, 2], [3, 4]], "ids": ["A", "B"], "nested": {"a": [1, [2]]}}',
])
def test_plain_files_equal_load_json(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text)
    fast = load_json_arrays(path)
    assert same(fast, json.loads(text))
    matrix = fast["pae"] if isinstance(fast, dict) else fast[0]["predicted_aligned_error"]
    assert isinstance(matrix, np.ndarray)


@pytest.mark.parametrize("text", [
    '{"pae": [[1, 2], [3, true]]}',  # a boolean is not 1.0
    '{"pae": [[1, 2], [3, null]]}',
    '{"pae": [[1, 2], [3, "4"]]}',
    '{"pae": [[1, 2], [3]]}',  # ragged
    '{"pae": [[[1], [2]], [[3], [4]]]}',  # deeper nesting that a flat buffer would hide
    '{"pae": [[[], [1, 2]], [[3], [4]]]}',
    '{"pae": [[1, 2], [3, 4]], "pae": [[5]]}',  # duplicate key: Python keeps the last
    '{"pae": [[1, 2], [3, 4]], "name": "a[b"}',  # a bracket inside a text
    '{"pae": [[1, 2], [3, NaN]]}',  # not JSON; Python's json reads it (the range check refuses it later)
    '{"pae": [[1, 2], [3, 1e400]]}',  # overflows to inf in Python's json
    '{"pae": [[1, 2], [3, 123456789012345678901234567890]]}',  # beyond 64 bits
])
def test_unusual_files_give_what_load_json_gives(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text)
    fast, slow = load_json_arrays(path), load_json(path)
    assert same(fast, slow)
    assert not isinstance(fast["pae"], np.ndarray)  # declined: the lists of load_json


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "truncated.json"
    path.write_text('{"pae": [[1, 2], [3')
    with pytest.raises(PredictionError, match="truncated.json"):
        load_json_arrays(path)


def without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


@pytest.mark.skipif(not (FIXTURES / "af3_server_5b8c").is_dir(), reason="../shared/fixtures is absent")
def test_skipped_contact_probs_leave_the_rest_as_load_json_reads_it():
    path = FIXTURES / "af3_server_5b8c" / "fold_5b8c_full_data_0.json"
    fast = load_json_arrays(path, vectors=("atom_plddts",), skip=("contact_probs",))
    assert "contact_probs" not in fast
    assert same(fast, without(load_json(path), "contact_probs"))


@pytest.mark.parametrize("text", [
    '{"a": [1], "contact_probs": [[0.5, 1], [0, 0]], "pae": [[1, 2], [3, 4]], "ids": ["A", "B"]}',
    '{"contact_probs": [[0.5, 1],\n   [0, 0]\n  ],\n "pae": [[1, 2], [3, 4]]}',  # blanks between the brackets
    '{"pae": [[1, 2], [3, 4]], "contact_probs": [[1]]}',  # last key: no string after it, all parsed
    '{"contact_probs": [["x", 1]], "pae": [[1, 2], [3, 4]]}',  # a string inside: the cut ends early, all parsed
    '{"n": {"contact_probs": [[1]]}, "contact_probs": [[2]], "pae": [[1]]}',  # first one nested: all parsed
    '{"contact_probs": [[1]], "pae": [[1]], "contact_probs": [[2]]}',  # repeated: Python keeps the last
    '{"x\\"contact_probs": [[1]], "pae": [[1]]}',  # inside another key
    '{"contact_probs": [{"a": 1}], "pae": [[1]]}',  # an object inside
])
def test_skip_gives_load_json_without_the_key(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text)
    assert same(load_json_arrays(path, skip=("contact_probs",)), without(json.loads(text), "contact_probs"))


@pytest.mark.parametrize("text", [
    '{"contact_probs": [[0.5, 1], [0, 0', '{"contact_probs": [[0.5, 1], [0, 0]], "pae": [[1, 2], [3',
    '{"contact_probs": [[0.5, 1], [0, 0]], "pae": [[1, 2], [3, 4]] "x": 1}',
])
def test_skip_keeps_the_errors_of_damaged_files(tmp_path, text):
    path = tmp_path / "damaged.json"
    path.write_text(text)
    with pytest.raises(PredictionError, match="damaged.json.*invalid or truncated JSON"):
        load_json_arrays(path, skip=("contact_probs",))


@pytest.mark.parametrize("value", ["[[1]]]", "[[1..2, 1e400]]", "[[1,, 2], [3]]"])
def test_a_skipped_value_is_not_read(tmp_path, value):
    """Damage inside the skipped value (an extra bracket, malformed numbers, a missing value) is not reported: the
    value is cut out unparsed (module docstring); the rest is read as usual."""
    path = tmp_path / "x.json"
    path.write_text('{"contact_probs": ' + value + ', "pae": [[1, 2], [3, 4]]}')
    assert same(load_json_arrays(path, skip=("contact_probs",)), {"pae": [[1, 2], [3, 4]]})
    with pytest.raises(PredictionError, match="invalid or truncated JSON"):
        load_json_arrays(path)
