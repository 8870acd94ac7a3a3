"""The first hour with one's own data (issue 21): the user config template (config/screen.yaml), demo keys
outside the demo, and config errors short enough to read, each through a real ``snakemake -n``."""

import re
import shutil

import pytest
import yaml

from helpers import DEMO, FIXTURES, REPO, planned_jobs, run_snakemake, shared_fixtures, write_demo_config
from tfbind.errors import InputError
from tfbind.plan.config import PATH_KEYS
from tfbind.plan.demo_inputs import check_demo_inputs
from tfbind.plan.schema import check_config

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
TEMPLATE = REPO / "config" / "screen.yaml"
CF = "colabfold_5b8c"  # a real ColabFold run: chains A (139), B (120), C (111)


def _leaves(node, prefix=""):
    """{dotted key: value} of every leaf of a config."""
    out = {}
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else key
        out.update(_leaves(value, dotted) if isinstance(value, dict) else {dotted: value})
    return out


def _schema_default(schema, dotted):
    node = schema
    for part in dotted.split("."):
        node = node["properties"][part]
    return node.get("default", "(no default)")


def test_template_validates_has_no_demo_key_and_every_key_is_commented():
    text = TEMPLATE.read_text()
    config = yaml.safe_load(text)
    check_config(dict(config), SCHEMA)  # the start-up check of the Snakefile
    assert "demo" not in config and "resources/demo" not in text
    # every key line has its comment right above it
    lines = [line for line in text.splitlines() if line.strip()]
    for before, line in zip(lines, lines[1:]):
        if re.match(r"^\s*[a-z_]+:", line):
            assert before.lstrip().startswith("#"), f"key without a comment: {line!r}"
    # "every key below is at its default unless it is a file name": each non-path value is the schema's default
    schema = yaml.safe_load(SCHEMA.read_text())
    for dotted, value in _leaves(config).items():
        if dotted not in PATH_KEYS:
            assert value == _schema_default(schema, dotted), dotted
    assert config["tf_fasta"] == "tf.fasta" and config["domain_fasta"] == "domains.fasta"


def _own_screen(work):
    """A small screen of one's own: the real ColabFold fixture's chains as one TF tile (C) and one KIX domain
    (B), its run copied into predictions/ and named in a pairs table (the template's placeholder names)."""
    from tfbind.readers import read_run

    seqs = next(read_run(FIXTURES / CF)).sequences
    (work / "tf.fasta").write_text(f">MYB_25\n{seqs['C']}\n")
    (work / "domains.fasta").write_text(f">EP300_KIX category=KIX\n{seqs['B']}\n")
    shutil.copytree(FIXTURES / CF, work / "predictions" / "KIX_and_MYB_25")
    (work / "pairs.tsv").write_text("pair_id\ttf_id\tdomain_id\tprediction\n"
                                    "KIX_and_MYB_25\tMYB_25\tEP300_KIX\tKIX_and_MYB_25\n")


@pytest.mark.slow
def test_template_with_its_files_filled_plans_a_run(tmp_path):
    shared_fixtures()
    _own_screen(tmp_path)
    shutil.copyfile(TEMPLATE, tmp_path / "screen.yaml")
    jobs = planned_jobs(workdir=tmp_path, configfile=tmp_path / "screen.yaml")
    # one pair: one extraction shard, no demo runs, no training (no labels), the ranking
    assert jobs.get("extract_shard") == 1 and "demo_predictions" not in jobs and "train_model" not in jobs, jobs
    assert jobs.get("rank_candidates") == 1, jobs


@pytest.mark.slow
def test_demo_config_pointed_at_own_data_is_refused_at_start(tmp_path):
    """config/config.yaml copied as is (demo.generate: true) and pointed at one's own files: before, the dry run
    passed and the first job failed with "unknown demo pair ids: ['predictions']"."""
    shared_fixtures()
    _own_screen(tmp_path)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(tf_fasta="tf.fasta", domain_fasta="domains.fasta", pairs="pairs.tsv",
                  predictions_dir="predictions", labels="")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = run_snakemake("-n", workdir=tmp_path, configfile=tmp_path / "config.yaml")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert ("config error: demo.generate is true, but tf_fasta tf.fasta record 'MYB_25' is not a tile of the "
            "demo; set demo.generate: false (it generates the synthetic demo's runs), or start from "
            "config/screen.yaml with -d <your workdir> (in the checkout, config/config.yaml's demo keys are read "
            "first)") in out.splitlines(), out[-2000:]
    assert len(out.splitlines()) < 15, out


def test_demo_check_compares_with_the_generator():
    """The generator's own pair list (make_pairs, the reference) is what the check accepts; a pairs table
    whose prediction is not a demo run, a domain not the demo's, or another seed's tiles are refused."""
    from tfbind.demo import pair_ids_of

    base = {"tf_fasta": str(DEMO / "tf.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
            "pairs": str(DEMO / "pairs.tsv"), "demo": {"generate": True, "seed": 7}}
    check_demo_inputs(base)  # the embedded demo passes
    check_demo_inputs({**base, "demo": {"generate": False, "seed": 7}, "tf_fasta": "elsewhere.fasta"})
    demo_pairs = (DEMO / "pairs.tsv").read_text().splitlines()
    assert sorted(line.split("\t")[3] for line in demo_pairs[1:]) == sorted(pair_ids_of(7))
    with pytest.raises(InputError, match="'SYNTF01_01' is not the demo's sequence of SYNTF01_01 "
                                         r"\(demo.seed 8\)"):
        check_demo_inputs({**base, "demo": {"generate": True, "seed": 8}})
    with pytest.raises(InputError, match="pairs is not set"):
        check_demo_inputs({**base, "pairs": ""})


def test_demo_check_names_the_pairs_line(tmp_path):
    table = tmp_path / "pairs.tsv"
    table.write_text("pair_id\ttf_id\tdomain_id\tprediction\n"
                     "KIX_and_SYNTF01_01\tSYNTF01_01\tKIX\truns/KIX_and_SYNTF01_01\n"
                     "p2\tSYNTF01_02\tKIX\tpredictions\n")
    config = {"tf_fasta": str(DEMO / "tf.fasta"), "domain_fasta": str(DEMO / "domains.fasta"),
              "pairs": str(table), "demo": {"generate": True}}
    with pytest.raises(InputError, match=rf"pairs {re.escape(str(table))} line 3: prediction 'predictions' is "
                                         "not a run of the demo"):
        check_demo_inputs(config)
    domains = tmp_path / "domains.fasta"
    domains.write_text(">KIX\nGVRKGWHEHVTQDLRSHLVHKLVQAIFPTPDPAALKDRRMENLVAYAKKVEGDMYESANSRDEYYHLLAEKIYKIQKELEEKRRSRL\n")
    with pytest.raises(InputError, match="record 'KIX' is not the demo's sequence of KIX"):
        check_demo_inputs({**config, "pairs": str(DEMO / "pairs.tsv"), "domain_fasta": str(domains)})


@pytest.mark.slow
@pytest.mark.parametrize("edit, line", [
    (lambda c: c.update(lables=c.pop("labels")), "lables: unknown key; did you mean labels?"),
    (lambda c: c["features"].update(shard_sise=c["features"].pop("shard_size")),
     "features.shard_sise: unknown key; did you mean features.shard_size?"),
    (lambda c: c.update(on_error="skipp"), "on_error: 'skipp' is not allowed; allowed: skip, fail; did you mean skip?"),
    (lambda c: c["features"].update(shard_size="big"),
     "features.shard_size: 'big' is not allowed; expected a whole number"),
], ids=["lables", "shard_sise", "enum", "type"])
def test_config_error_is_a_few_lines_with_the_closest_key(tmp_path, edit, line):
    write_demo_config(tmp_path, pairs_per_domain=1)
    config = yaml.safe_load((tmp_path / "config.yaml").read_text())
    edit(config)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = run_snakemake("-n", workdir=tmp_path, configfile=tmp_path / "config.yaml")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"config error: {line} (every key: config/README.md)" in out.splitlines(), out[-3000:]
    assert len(out.splitlines()) < 15 and "properties" not in out and "$schema" not in out, out[-3000:]


def test_readme_and_catalog_point_to_the_template():
    readme = (REPO / "config" / "README.md").read_text().splitlines()
    assert "start from [`config/screen.yaml`](screen.yaml)" in " ".join(readme[:4])
    catalog = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    usage = catalog["usage"]["mandatory-flags"]
    assert "config/screen.yaml" in usage["desc"] and "--configfile config/screen.yaml" in usage["flags"]
