"""The train/evaluate config at start-up: schema types and ranges, and the cross-validation job plan."""

import pytest
import yaml

from helpers import planned_jobs, run_snakemake, write_demo_config


def _config(tmp_path, **overrides):
    write_demo_config(tmp_path, pairs_per_domain=6, **overrides)
    return tmp_path / "config.yaml"


def test_cv_repeats_times_folds_jobs(tmp_path):
    cfg = _config(tmp_path, evaluate={"cv_folds": 3, "cv_repeats": 2, "bootstrap": 10, "seed": 0},
                  models=["all", "KIX"])
    jobs = planned_jobs("evaluate", workdir=tmp_path, configfile=cfg)
    assert jobs["cv_fold"] == 3 * 2 * 2  # folds x repeats x model scopes
    assert jobs["evaluate_model"] == 2 and jobs["train_model"] == 2


@pytest.mark.parametrize("section, key, value", [
    ("train", "dropout", "0.1"), ("train", "lr", "fast"), ("train", "epochs", True),
    ("train", "residue_encoder", "cnn"), ("train", "ensemble", 0), ("train", "hidden", 8),
    ("evaluate", "cv_repeats", 0), ("evaluate", "group_by", "gene"),
])
def test_bad_values_refused_at_start_naming_the_key(tmp_path, section, key, value):
    cfg = _config(tmp_path)
    config = yaml.safe_load(cfg.read_text())
    config.setdefault(section, {})[key] = value
    cfg.write_text(yaml.safe_dump(config))
    proc = run_snakemake("-n", workdir=tmp_path, configfile=cfg)
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr  # Snakemake prints the schema error on stdout
    named = (f"[{section!r}][{key!r}]", f"{key!r} was unexpected")  # wrong type/range, unknown key
    assert any(n in message for n in named), message[-2000:]
