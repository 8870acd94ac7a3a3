"""tfbind.readers.context: the readers and metrics keep no state of their own between calls.

What the models of a run share (atom, residue, token and interface layouts) is kept in a ReadContext the
caller hands down, keyed by the contents it was derived from; no module of ``readers/`` or ``metrics/``
holds a memo at module level (checked on the source, ast).
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from helpers import FIXTURES
from tfbind.readers import read_run
from tfbind.readers.atoms import read_atoms
from tfbind.readers.context import ReadContext, content_key
from tfbind.readers.structure import residue_table

PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "tfbind"
AF3 = FIXTURES / "af3_server_5b8c"
AP = FIXTURES / "alphapulldown_TEST_and_A0A075B6L2"

#: Calls that build a mutable container, and the methods that change one in place.
_CONTAINER_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque", "bytearray"}
_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "clear", "add", "discard",
             "remove", "__setitem__", "__delitem__", "appendleft", "extendleft", "sort", "reverse"}


def module_memos(source: str, name: str = "<source>") -> list[str]:
    """Every ``global`` statement, and every module-level dict/list/set that a function changes in place
    (item assignment or deletion, augmented item assignment, a mutating method), as "name:line: what"."""
    tree = ast.parse(source)
    found = [f"{name}:{node.lineno}: global {', '.join(node.names)}"
             for node in ast.walk(tree) if isinstance(node, ast.Global)]
    containers = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign) and node.value is not None else []
        value = getattr(node, "value", None)
        mutable = isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) or (
            isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", None))
            in _CONTAINER_CALLS)
        if mutable:
            containers |= {t.id for t in targets if isinstance(t, ast.Name)}
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        local = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)} | {
            t.id for t in ast.walk(func) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
        for node in ast.walk(func):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
                target = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
                target = node.func.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in containers and target.id not in local:
                found.append(f"{name}:{node.lineno}: {func.name if hasattr(func, 'name') else 'lambda'} changes "
                             f"the module-level {target.id}")
    return found


def test_the_scan_finds_the_memo_patterns_it_forbids():
    """The check below would see the one-slot memos the readers used to keep, and nothing in pure code."""
    memo = ("_last: list = [None, None]\n\ndef read(x):\n    if _last[0] != x:\n        _last[:] = x, x * 2\n"
            "    return _last[1]\n")
    cache = "_SEEN = {}\n\ndef info(x):\n    return _SEEN.setdefault(x, len(x))\n"
    placeholder = "_state = None\n\ndef keep(x):\n    global _state\n    _state = x\n"
    assert len(module_memos(memo)) == 1 and len(module_memos(cache)) == 1
    assert module_memos(placeholder) == ["<source>:4: global _state"]
    pure = "TABLE = {'a': 1}\n\ndef f(x):\n    out = {}\n    out[x] = TABLE.get(x)\n    return out\n"
    assert module_memos(pure) == []


def test_readers_and_metrics_keep_no_module_level_memo():
    files = sorted((PACKAGE / "readers").glob("*.py")) + sorted((PACKAGE / "metrics").glob("*.py"))
    assert len(files) > 15
    found = [hit for path in files for hit in module_memos(path.read_text(), path.relative_to(PACKAGE).as_posix())]
    assert found == []


def test_layout_for_keeps_one_value_per_kind_by_key_value():
    context, built = ReadContext(123), []

    def build(value):
        built.append(value)
        return value

    assert context.max_bytes == 123
    assert context.layout_for("a", (b"x", 1), lambda: build("first")) == "first"
    assert context.layout_for("a", (b"x", 1), lambda: build("again")) == "first"  # an equal key, not the same
    assert context.layout_for("b", (b"x", 1), lambda: build("other kind")) == "other kind"
    assert context.layout_for("a", (b"y", 1), lambda: build("second")) == "second"
    assert context.layout_for("a", (b"x", 1), lambda: build("third")) == "third"  # one slot per kind
    assert built == ["first", "other kind", "second", "third"]
    with pytest.raises(ZeroDivisionError):
        context.layout_for("a", "z", lambda: 1 / 0)
    assert context.latest("a") == ((b"x", 1), "third")  # a failed build keeps nothing


def test_content_key_follows_contents_not_identity():
    a = np.array(["CA", "CB"])
    assert content_key(a) == content_key(a.copy()) == content_key(np.array(["CA", "CB"]))
    b = a.copy()
    b[1] = "CG"
    assert content_key(b) != content_key(a)
    # same bytes, other dtype or shape: other contents
    assert content_key(np.arange(4, dtype=np.int64)) != content_key(np.arange(4, dtype=np.int64).reshape(2, 2))
    assert content_key(np.zeros(2, dtype=np.int64)) != content_key(np.zeros(2, dtype=np.float64))
    assert content_key("ab", "c") != content_key("a", "bc")
    with pytest.raises(TypeError):
        content_key(object())


@pytest.mark.skipif(not AF3.is_dir(), reason="../shared/fixtures is absent")
def test_a_changed_atom_table_gets_its_own_residue_layout():
    """A caller that hands in a different table with the same context gets the residues of that table: the
    key is the contents, not the arrays' identity or flags."""
    cif = AF3 / "fold_5b8c_model_0.cif"
    context = ReadContext()
    st, atoms = read_atoms(cif, context)
    first = residue_table(st, cif, atoms, context)
    # the first non-glycine residue k: its representative atom is its CB ...
    k = int(np.flatnonzero(atoms.res_name != "GLY")[0])
    rows = np.flatnonzero(atoms.atom_residue == k)
    names = atoms.atom_name[rows].tolist()
    cb, ca = int(rows[names.index("CB")]), int(rows[names.index("CA")])
    assert first.cb_coords[k].tolist() == atoms.xyz[cb].tolist()
    # ... and with its CB renamed, CA (the rule for a residue without CB), whatever the context saw before
    renamed = atoms.atom_name.copy()
    renamed[cb] = "CX"
    changed = residue_table(st, cif, replace(atoms, atom_name=renamed), context)
    assert changed.cb_coords[k].tolist() == atoms.xyz[ca].tolist()
    assert changed.cb_atom_index[k] == first.cb_atom_index[k] - (cb - ca)
    assert np.array_equal(np.delete(changed.cb_coords, k, 0), np.delete(first.cb_coords, k, 0))
    # the cached arrays are read-only: a caller cannot change what the next model gets
    with pytest.raises(ValueError):
        first.chain_ids[0] = "Z"


@pytest.mark.skipif(not AP.is_dir(), reason="../shared/fixtures is absent")
def test_models_of_a_run_share_their_layout_within_one_context_only(tmp_path):
    context = ReadContext()
    models = list(read_run(AP, context=context))
    assert len(models) == 5
    # the first model is read by gemmi, the others take its atom layout (the same read-only arrays)
    assert models[0].structure is not None and all(m.structure is None for m in models[1:])
    assert all(m.atoms.atom_name is models[1].atoms.atom_name for m in models[1:])
    assert not models[1].atoms.atom_name.flags.writeable
    # a run read again without the context (library use) shares nothing with it, and gives the same values
    again = list(read_run(AP))
    assert again[1].atoms.atom_name is not models[1].atoms.atom_name
    for a, b in zip(models, again):
        assert np.array_equal(a.cb_coords, b.cb_coords) and np.array_equal(a.plddt, b.plddt)
        assert np.array_equal(a.pae, b.pae) and a.sequences == b.sequences
    # a context carries its byte limit to every file read
    small = tmp_path / "run"
    shutil.copytree(AP, small)
    with pytest.raises(Exception, match="larger than"):
        list(read_run(small, context=ReadContext(1000)))
    with pytest.raises(ValueError, match="max_bytes"):
        read_run(small, max_bytes=1000, context=context)
