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


HEADER = b"tf_id\tdomain_id\tkd_nm\n"


@pytest.mark.parametrize("content, line", [
    (HEADER + b"A\tKIX\t25\xff0\n", "labels.tsv line 2: not UTF-8 text (byte 0xff); save the table as UTF-8"),
    (b"", "labels.tsv: empty labels table (expected a tab-separated header tf_id, domain_id, kd_nm and one row "
          "per labelled pair)"),
    (HEADER, "labels.tsv: the labels table has a header but no rows"),
    (b"tf_id\tdomain_id\tkd\nA\tKIX\t25\n", "labels.tsv: missing column(s) kd_nm"),
    (HEADER + b"A\tKIX\t25\nB\tKIX\tabc\n",
     "labels.tsv line 3: kd_nm 'abc' is not a finite positive number (tf_id 'B', domain_id 'KIX')"),
    (HEADER + b"A\tKIX\t-3\n", "labels.tsv line 2: kd_nm '-3' is not a finite positive number (tf_id 'A', "
                               "domain_id 'KIX')"),
    (HEADER + b"A\tKIX\t25\nB\tKIX\t30\nA\tKIX\t40\n",
     "labels.tsv line 4: tf_id 'A', domain_id 'KIX' is labelled again (first on line 2): one label per pair"),
], ids=["not-utf8", "empty", "no-rows", "no-kd-column", "kd-text", "kd-negative", "duplicate"])
def test_bad_labels_stop_the_start_with_one_line(tmp_path, content, line):
    """The labels table is read when the workflow is parsed (a dry run shows it), not first by the training
    job after feature extraction: one line naming the file and the line, no traceback into the package."""
    cfg = _config(tmp_path)
    (tmp_path / "labels.tsv").write_bytes(content)
    config = yaml.safe_load(cfg.read_text())
    config["labels"] = "labels.tsv"
    cfg.write_text(yaml.safe_dump(config))
    proc = run_snakemake("-n", workdir=tmp_path, configfile=cfg)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"input error: {line}" in out.splitlines(), out[-2000:]
    assert "Traceback" not in out and "InputError" not in out and "pairs.py" not in out, out[-2000:]
