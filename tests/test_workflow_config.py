"""The train/evaluate config at start-up: schema types and ranges, and the cross-validation job plan."""

import pytest
import yaml

from helpers import REPO, planned_jobs, run_snakemake, write_demo_config
from tfbind.errors import InputError
from tfbind.plan.schema import MAX_LINE, check_config

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


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
    # wrong type/range: the key and its value; unknown key (train.hidden): the closest valid one
    named = f"config error: {section}.{key}: " + ("unknown key; did you mean train.hidden_dim?" if key == "hidden"
                                                  else f"{value!r}")
    assert any(line.startswith(named) for line in message.splitlines()), message[-2000:]


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


def _alias_bomb(levels: int) -> str:
    """YAML anchors under ``bomb:``, each level ten aliases of the one before: 10^levels items in a few
    lines."""
    lines = ["bomb:", "  l0: &l0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("where, named", [
    (None, "bomb: unknown key (valid keys here: tf_fasta, "),
    ("train.dropout", "train.dropout: [[[[['x', "),
    ("rank.extra", "rank.extra: unknown key (valid keys here: order_by, "),
])
def test_alias_bomb_in_the_config_gives_a_short_error(tmp_path, where, named):
    """10^5 items by aliases under an unknown key, as a wrong-typed value and under an unknown nested key:
    Snakemake's own schema error printed the whole expanded value (1.5 MB here, 5.4 MB at 10^6); the
    package's check prints the key path and a cut description, under 2 kB in all."""
    cfg = _config(tmp_path)
    config = yaml.safe_load(cfg.read_text())
    if where:
        section, key = where.split(".")
        config.setdefault(section, {})[key] = "BOMB"
    text = yaml.safe_dump(config).replace("BOMB", "*l4")
    cfg.write_text(_alias_bomb(5) + text)
    assert len(str(yaml.safe_load(cfg.read_text())["bomb"]["l4"])) > 500_000  # the expansion is real
    proc = run_snakemake("-n", workdir=tmp_path, configfile=cfg)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert len(out) < 2000, out[:3000]
    assert any(line.startswith("config error: ") for line in out.splitlines()), out
    assert any(line.strip().removeprefix("config error: ").startswith(named) for line in out.splitlines()), out
    if where == "train.dropout":
        assert "is not allowed; expected a number" in out  # what is wrong is kept after the cut


def test_check_config_bounds_its_message_and_fills_defaults():
    """The package's check, without Snakemake: at most 3 problems, each cut to MAX_LINE characters with both
    ends kept; a valid config gets the schema's defaults, as Snakemake's validate gives them."""
    leaf = ["x"] * 10
    huge = [[leaf] * 1000] * 100  # 10^6 items, shared like a YAML alias expansion
    inputs = {"domain_fasta": "d.fasta", "tf_fasta": "t.fasta", "pairs": "p.tsv"}
    config = {**inputs, "train": {"dropout": huge, "lr": "fast", "epochs": True}, "evaluate": {"cv_folds": 1},
              "bogus": 1}
    with pytest.raises(InputError) as info:
        check_config(config, SCHEMA)
    message = str(info.value)
    # bogus, train.dropout, train.lr, train.epochs, evaluate.cv_folds: 5, of which 3 shown
    assert message.startswith("5 problems with the config (and 2 more); every key: config/README.md")
    lines = message.splitlines()[1:]
    assert len(lines) == 3 and all(len(line) <= MAX_LINE + 40 for line in lines), lines
    assert len(message) < 1000
    # the top-level alternatives (tf_fasta or tf_proteins) say what is missing, not the whole config again
    with pytest.raises(InputError) as info:
        check_config({"domain_fasta": "d.fasta", "pairs": "p.tsv", "train": {"dropout": huge}}, SCHEMA)
    assert ("config: none of the alternatives holds: 'tf_fasta' is a required property | 'tf_proteins' is a "
            "required property") in [line.strip() for line in str(info.value).splitlines()]
    assert len(str(info.value)) < 1000
    good = {**inputs, "tiling": {"step": 5}}
    check_config(good, SCHEMA)
    assert good["tiling"] == {"step": 5, "window": 80, "first_index": 1, "regions": ""}
