"""The config schema is the only table of defaults: the settings' defaults are the schema's, and no default of a
config key is written a second time as a literal in a rule file, a script or the package."""

import ast
import re

import pytest
import yaml

from helpers import REPO
from tfbind.errors import InputError
from tfbind.evaluation.evaluate import DEFAULT_EVAL_CONFIG
from tfbind.model import DEFAULT_TRAIN_CONFIG, merge_config
from tfbind.plan.settings import EvaluateSettings, ExtractSettings
from tfbind.settings import WorkflowSettings

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
PROPS = SCHEMA["properties"]


def prop(dotted: str) -> dict:
    spec = SCHEMA
    for part in dotted.split("."):
        spec = spec["properties"][part]
    return spec


def test_extract_settings_defaults_are_the_schemas():
    s = ExtractSettings()
    assert s.max_input_mb == prop("features.max_input_mb")["default"] == 1024
    assert s.pair_timeout_s == prop("features.pair_timeout_s")["default"] == 120
    assert s.min_identity == prop("features.chain_min_identity")["default"] == 0.9
    assert s.sasa is prop("features.sasa")["default"] is True
    assert s.shape_complementarity == prop("features.shape_complementarity")["default"] == "top"
    assert s.on_error == PROPS["on_error"]["default"] == "skip"
    # the reference ipSAE tool's cutoffs (Dunbrack 2025): 15 A for AF2-type PAE, 10 A for AF3
    af = {"alphafold2": 15.0, "colabfold": 15.0, "alphafold3": 10.0}
    assert s.ipsae_pae_cutoff == af and s.interface_pae_cutoff == af
    assert {k: v["default"] for k, v in prop("features.ipsae_pae_cutoff")["properties"].items()} == af
    # a config without a features section is the defaults; a partial one keeps the others
    assert ExtractSettings.from_config({}) == s
    partial = ExtractSettings.from_config({"features": {"ipsae_pae_cutoff": {"alphafold3": 8}}, "on_error": "fail"})
    assert partial.ipsae_pae_cutoff == {**af, "alphafold3": 8.0} and partial.on_error == "fail"


def test_evaluate_and_train_defaults_are_the_schemas():
    evaluate = {name: spec["default"] for name, spec in prop("evaluate")["properties"].items()}
    assert evaluate == {"cv_folds": 5, "cv_repeats": 5, "group_by": "tf_group", "bootstrap": 1000, "seed": 0}
    assert EvaluateSettings().as_dict() == evaluate == EvaluateSettings.from_config({}).as_dict()
    assert {k: DEFAULT_EVAL_CONFIG[k] for k in evaluate} == evaluate
    train = prop("train")["properties"]
    scalars = {k: v["default"] for k, v in train.items() if "default" in v and k != "features"}
    assert {k: DEFAULT_TRAIN_CONFIG[k] for k in scalars} == scalars
    assert set(DEFAULT_TRAIN_CONFIG) == set(train)  # every train key has its default in the schema
    assert DEFAULT_TRAIN_CONFIG["features"] == {g: s["default"] for g, s in train["features"]["properties"].items()}
    assert DEFAULT_TRAIN_CONFIG["epochs"] == 400 and DEFAULT_TRAIN_CONFIG["features"]["alphafold"][0] == "iptm"


def test_default_sequence_features_are_the_descriptors_the_features_stage_writes():
    from tfbind.features.descriptors import TF_DESCRIPTOR_COLUMNS

    assert prop("train.features.sequence")["default"] == list(TF_DESCRIPTOR_COLUMNS)


def test_workflow_settings_from_a_config():
    settings = WorkflowSettings.from_config({"features": {"max_input_mb": 7}, "train": {"epochs": 3},
                                             "evaluate": {"group_by": "tf_id"}})
    assert settings.extract.max_input_mb == 7 and settings.extract.pair_timeout_s == 120
    assert settings.train["epochs"] == 3 and settings.train["lr"] == 0.01
    assert settings.evaluate.group_by == "tf_id" and settings.evaluate.cv_folds == 5
    # params are plain data: Snakemake stores (and compares) the repr of builtin values only
    params = settings.extract.as_dict()
    assert type(params) is dict and eval(repr(params)) == params  # noqa: S307 - our own repr
    assert ExtractSettings.from_dict(params) == settings.extract
    with pytest.raises(ValueError, match="evaluate.group_by: 'gene' is not one of tf_group, tf_id"):
        EvaluateSettings(group_by="gene")
    with pytest.raises(InputError, match="shared_encoder: needs residue_encoder: tokens"):  # a cross-key rule
        WorkflowSettings.from_config({"train": {"shared_encoder": True}})
    assert merge_config(settings.train) == settings.train  # merged once; merging again changes nothing


# ------------------------------------------------------------------------------------------------
# no default written twice
# ------------------------------------------------------------------------------------------------
def leaf_defaults(spec: dict, prefix: str = "") -> dict[str, object]:
    """dotted key -> default, for every key whose schema default is a number or a non-empty text."""
    out = {}
    for name, sub in (spec.get("properties") or {}).items():
        dotted = f"{prefix}.{name}" if prefix else name
        default = sub.get("default")
        if isinstance(default, (int, float, str)) and not isinstance(default, bool) and default != "":
            out[dotted] = default
        out.update(leaf_defaults(sub, dotted))
    return out


LEAVES = leaf_defaults(SCHEMA)
#: key name -> its defaults (a name such as ``seed`` is a key of several sections)
BY_NAME: dict[str, set] = {}
for _key, _default in LEAVES.items():
    BY_NAME.setdefault(_key.rsplit(".", 1)[-1], set()).add(_default)
#: Names of config keys that are also ordinary parameter names of the package with their own meaning (a
#: function's ``seed=0`` is not evaluate.seed's default); their section-qualified uses are still checked in the
#: rule files.
GENERIC = {"seed", "threads", "model", "format", "command", "pairs", "outdir", "target", "split", "device"}


def literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def same(a, b) -> bool:
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                             and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def literal_defaults(path, root=REPO) -> list[str]:
    """Where a Python file writes a config key's schema default as a literal: a parameter named after the key
    with that default, a ``"key": default`` dict entry, ``.get("key", default)`` or ``DEFAULT_KEY = default``."""
    tree = ast.parse(path.read_text())
    found = []

    def check(name: str, node, what: str):
        if name in BY_NAME and name not in GENERIC:
            value = literal(node)
            if value is not None and any(same(value, d) for d in BY_NAME[name]):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {what} {name} = {value!r}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            positional = args.posonlyargs + args.args
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                check(arg.arg, default, "parameter")
            for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                if default is not None:
                    check(arg.arg, default, "parameter")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    check(key.value, value, "dict entry")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if len(node.args) == 2 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                check(node.args[0].value, node.args[1], ".get default")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target.isupper():  # DEFAULT_PAGE_ROWS = 1000 or PAGE_ROWS = 1000
                check(target.removeprefix("DEFAULT_").lower(), node.value, "constant")
    return found


PYTHON = sorted([*(REPO / "workflow" / "tfbind").rglob("*.py"), *(REPO / "workflow" / "scripts").glob("*.py")])
#: ``config[...].get("key", default)`` in a rule file
RULE_GET = re.compile(r"""config(?:\[["']\w+["']\])*\.get\(\s*["'](\w+)["']\s*,""")
RULES = sorted([REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")])


def test_no_config_default_is_written_in_the_package_or_the_scripts():
    found = [hit for path in PYTHON for hit in literal_defaults(path)]
    assert not found, "defaults of config keys written again (read them from tfbind.defaults):\n" + "\n".join(found)


def test_no_config_default_is_written_in_a_rule_file():
    """A rule file reads the validated config (the schema filled every default) or the settings built from it:
    ``config["evaluate"].get("group_by", "tf_group")`` would be a second table."""
    found = [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
             for path in RULES for n, line in enumerate(path.read_text().splitlines(), 1)
             if (m := RULE_GET.search(line)) and m.group(1) in {k.rsplit(".", 1)[-1] for k in LEAVES}]
    assert not found, "defaults of config keys in rule files:\n" + "\n".join(found)


def test_the_checks_see_a_second_default(tmp_path):
    """The checks above can fail: a literal default of a config key is reported, another value is not."""
    source = tmp_path / "x.py"
    source.write_text('def f(group_by="tf_group", max_input_mb=1024, bootstrap=7):\n'
                      '    return {"cv_folds": 5}.get("epochs", 400)\n'
                      'DEFAULT_PAIR_TIMEOUT_S = 120\nPAGE_ROWS = 1000\n')
    hits = sorted(h.split(": ", 1)[1] for h in literal_defaults(source, tmp_path))
    assert hits == sorted(["parameter group_by = 'tf_group'", "parameter max_input_mb = 1024",
                           "dict entry cv_folds = 5", ".get default epochs = 400", "constant pair_timeout_s = 120",
                           "constant page_rows = 1000"])
    assert RULE_GET.search('GROUP_BY = config["evaluate"].get("group_by", "tf_group")').group(1) == "group_by"
