"""Rule-level conda environments (envs/*.yaml): bounded version ranges, from conda-forge/bioconda only (plus exact
pip pins of the few PyPI-only packages, PIP_ONLY), named by every rule that runs code, and providing every
third-party package that the rule's Python code imports.

No conda is needed: the env files are read as YAML, the rules are read from workflow/rules/*.smk (every
rule, including those behind a config switch, e.g. import_score_table), and the imports of a rule's
script and of every tfbind module it reaches are collected with `ast`. Snakemake's own view of the rules
(`--list-rules`) and `snakemake --lint` are checked too.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from helpers import REPO

WORKFLOW = REPO / "workflow"
RULES_DIR = WORKFLOW / "rules"
PACKAGE = "tfbind"  # the in-workflow package; its modules are followed, not looked up in an env
ENV_FILES = sorted((REPO / "envs").glob("*.yaml"))

ALLOWED_CHANNELS = {"conda-forge", "bioconda", "nodefaults"}
# name>=LOW,<HIGH: a minimum release and the next major version as the bound (0.x packages: the next minor;
# python: a minor release). Exact pins are refused: no solver runs here, and an exact pin of a PyPI version
# may not exist on conda-forge (torch 2.13 and pandas 3.1 did not when this was written), so the envs give
# the solver a range that contains the versions CI tests.
PIN = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9._-]*)>=(?P<version>\d+\.\d+(?:\.\d+)?),<(?P<high>\d+(?:\.\d+)?)$"
)


# Packages whose major version is a release counter (a new major every few months or a year, no promise of
# breakage): their bound may be any later major, so that the range reaches both conda-forge's builds and CI's.
RELEASE_NUMBERED = {"pyarrow", "pip"}

# PyPI packages that no conda channel allowed here carries: an env may install them with a `pip:` section (exact
# pins, equal to pyproject.toml's, since a PyPI version either exists or not), next to the conda package `pip`.
PIP_ONLY = {"shape-complementarity"}  # PyO3 wheels published to PyPI only (tfbind/metrics/shape_complementarity.py)
PIP_PIN = re.compile(r"^(?P<name>[a-z0-9][a-z0-9._-]*)==(?P<version>\d+(?:\.\d+)*)$")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def in_range(version: str, low: str, high: str) -> bool:
    return _version(low) <= _version(version) < _version(high)

# Import name -> the conda package(s) that provide it (the first is the one to add).
IMPORT_TO_CONDA: dict[str, tuple[str, ...]] = {
    "Bio": ("biopython",),
    "yaml": ("pyyaml",),
    "sklearn": ("scikit-learn",),
    "torch": ("pytorch", "pytorch-gpu", "pytorch-cpu"),
    "matplotlib": ("matplotlib-base", "matplotlib"),
    "mpl_toolkits": ("matplotlib-base", "matplotlib"),
    "PIL": ("pillow",),
    "skimage": ("scikit-image",),
    "gemmi": ("gemmi",),
    "freesasa": ("freesasa",),
    "orjson": ("orjson",),
    "simdjson": ("pysimdjson",),
    "shape_complementarity": ("shape-complementarity",),
    "numpy": ("numpy",),
    "scipy": ("scipy",),
    "pandas": ("pandas",),
    "pyarrow": ("pyarrow",),
    "jsonschema": ("jsonschema",),
    "seaborn": ("seaborn", "seaborn-base"),
    "threadpoolctl": ("threadpoolctl", "scikit-learn"),  # a dependency of conda-forge's scikit-learn
}
# Conda package name -> the PyPI name pinned in pyproject.toml's `pipeline` group (when they differ).
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-gpu": "torch",
    "pytorch-cpu": "torch",
    "matplotlib-base": "matplotlib",
}
# Rule scripts get the `snakemake` object (and the snakemake package on sys.path) from the runner.
RUNNER_PROVIDED = {"snakemake"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


# --- env files ------------------------------------------------------------------------------------


def read_env(path: Path) -> dict:
    env = yaml.safe_load(path.read_text())
    assert isinstance(env, dict), f"{path.name}: not a YAML mapping"
    return env


def env_packages(path: Path) -> dict[str, tuple[str, str]]:
    """{conda package name: (minimum, bound)} of an env file (malformed entries are skipped)."""
    out = {}
    for dep in read_env(path).get("dependencies") or []:
        if isinstance(dep, str) and (m := PIN.match(dep.split("#")[0].strip())):
            out[m["name"]] = (m["version"], m["high"])
    return out


def pip_section(path: Path) -> list:
    """The entries of an env file's `pip:` section ([] without one)."""
    entries = []
    for dep in read_env(path).get("dependencies") or []:
        if isinstance(dep, dict) and "pip" in dep:
            entries += dep["pip"] or []
    return entries


def pip_packages(path: Path) -> dict[str, str]:
    """{PyPI name: exact version} of an env file's `pip:` section (malformed entries are skipped)."""
    return {m["name"]: m["version"] for e in pip_section(path)
            if isinstance(e, str) and (m := PIP_PIN.match(e.split("#")[0].strip()))}


def pyproject_pins() -> dict[str, str]:
    """{pypi name (lowercase): version} of the `pipeline` dependency group, the versions CI tests."""
    groups = tomllib.loads((REPO / "pyproject.toml").read_text())["dependency-groups"]
    pins = {}
    for req in groups.get("pipeline", []):
        if isinstance(req, str) and (m := re.match(r"^\s*([A-Za-z0-9._-]+)\s*==\s*([0-9][0-9.]*)\s*$", req)):
            pins[m[1].lower().replace("_", "-")] = m[2]
    return pins


def test_there_are_env_files():
    assert ENV_FILES, "no envs/*.yaml found"


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_channels(env_file):
    channels = read_env(env_file).get("channels")
    assert channels, f"{env_file.name}: no channels (conda would fall back to the user's defaults)"
    bad = [c for c in channels if c not in ALLOWED_CHANNELS]
    assert not bad, f"{env_file.name}: channel(s) {bad} not allowed; use only {sorted(ALLOWED_CHANNELS)}"
    assert channels[0] == "conda-forge", f"{env_file.name}: conda-forge must be the first channel"
    assert "nodefaults" in channels, (
        f"{env_file.name}: add 'nodefaults' so that the defaults channel is never used"
    )


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_dependencies_are_pinned(env_file):
    deps = read_env(env_file).get("dependencies")
    assert deps, f"{env_file.name}: no dependencies"
    problems, names = [], []
    for dep in deps:
        if isinstance(dep, dict) and set(dep) == {"pip"}:
            continue  # checked by test_env_pip_section
        if not isinstance(dep, str):
            problems.append(f"{dep!r} (only conda packages and one `pip:` section are allowed)")
        elif not (m := PIN.match(dep.split("#")[0].strip())):
            problems.append(f"{dep!r} (expected name>=X.Y,<N: a minimum and the next major version)")
        else:
            low, high = _version(m["version"]), _version(m["high"])
            if m["name"] == "python":
                ok = high[0] == low[0] and len(high) == 2 and high > low[:2]
            elif m["name"] in RELEASE_NUMBERED:
                ok = high[0] > low[0] and len(high) == 1
            elif low[0] == 0:
                ok = high == (0, low[1] + 1)
            else:
                ok = high == (low[0] + 1,)
            if not ok:
                problems.append(f"{dep!r} (the bound must be the next major version after {m['version']})")
            names.append(m["name"])
    assert not problems, f"{env_file.name}: unpinned or malformed dependencies: " + "; ".join(problems)
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"{env_file.name}: listed more than once: {dupes}"
    assert "python" in names, f"{env_file.name}: pin python (the rule scripts are Python)"


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_pip_section(env_file):
    """A `pip:` section holds only PIP_ONLY packages, each pinned exactly to pyproject.toml's version, and the env
    lists the conda package `pip` that installs them."""
    entries = pip_section(env_file)
    if not entries:
        return
    tested = pyproject_pins()
    problems = []
    for entry in entries:
        m = PIP_PIN.match(entry.split("#")[0].strip()) if isinstance(entry, str) else None
        if m is None:
            problems.append(f"{entry!r} (expected name==X.Y.Z, the version pyproject.toml pins)")
        elif m["name"] not in PIP_ONLY:
            problems.append(f"{m['name']} (install it from conda-forge; a pip entry is for PIP_ONLY packages)")
        elif tested.get(m["name"]) != m["version"]:
            problems.append(f"{entry!r} (pyproject.toml pins {m['name']}=={tested.get(m['name'])})")
    assert not problems, f"{env_file.name}: pip section: " + "; ".join(problems)
    assert "pip" in env_packages(env_file), f"{env_file.name}: a pip section needs the conda package pip"


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_match_the_tested_versions(env_file):
    """A package pinned in pyproject.toml (the versions the test suite runs with) must lie in the env's
    range, so that a rule's conda env can run what CI tested."""
    tested = pyproject_pins()
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    problems = []
    for name, (low, high) in env_packages(env_file).items():
        if name == "python":
            floor = re.search(r">=\s*(\d+\.\d+)", requires)
            if floor and _version(low)[:2] < _version(floor[1]):
                problems.append(f"python>={low} admits versions older than requires-python {requires}")
            continue
        pypi = CONDA_TO_PYPI.get(name, name)
        if pypi not in tested:
            continue
        if not in_range(tested[pypi], low, high):
            problems.append(f"{name}>={low},<{high} excludes {pypi}=={tested[pypi]} that pyproject.toml tests")
    assert not problems, f"{env_file.name}: " + "; ".join(problems)


# --- rules ----------------------------------------------------------------------------------------

ACTIONS = ("script", "shell", "run", "notebook", "wrapper", "cwl")
RULE_START = re.compile(r"^(?P<indent>[ \t]*)(?:rule|checkpoint)\s+(?P<name>\w+)\s*:")
DIRECTIVE = re.compile(r"^(?P<indent>[ \t]+)(?P<key>\w+)\s*:(?P<rest>.*)$")


@dataclass
class Rule:
    name: str
    smk: Path
    line: int
    directives: dict[str, str] = field(default_factory=dict)  # directive -> raw value text
    text: str = ""  # the whole rule block

    def path_of(self, key: str) -> Path | None:
        raw = self.directives.get(key)
        if raw is None:
            return None
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            pytest.fail(
                f"rule {self.name} ({self.smk.name}:{self.line}): {key}: {raw.strip()!r} is not a "
                "string literal; this test cannot follow it"
            )
        return (self.smk.parent / value).resolve()

    @property
    def conda(self) -> Path | None:
        return self.path_of("conda")

    @property
    def script(self) -> Path | None:
        return self.path_of("script")

    @property
    def action(self) -> str | None:
        return next((a for a in ACTIONS if a in self.directives), None)


def parse_rules(smk_files) -> dict[str, Rule]:
    """Every rule of the .smk files with its directives' raw values, whatever the config switches."""
    rules: dict[str, Rule] = {}
    for smk in smk_files:
        lines = smk.read_text().splitlines()
        i = 0
        while i < len(lines):
            m = RULE_START.match(lines[i])
            if not m:
                i += 1
                continue
            rule = Rule(m["name"], smk, i + 1)
            assert rule.name not in rules, (
                f"rule {rule.name} defined twice ({smk.name}, {rules[rule.name].smk.name})"
            )
            rules[rule.name] = rule
            base = len(m["indent"].expandtabs())
            key_indent = None
            key = None
            i += 1
            while i < len(lines):
                text = lines[i]
                if text.strip() and not text.lstrip().startswith("#"):
                    indent = len(text) - len(text.lstrip())
                    if indent <= base:
                        break  # end of the rule block
                    d = DIRECTIVE.match(text)
                    if d and (key_indent is None or indent == key_indent):
                        key_indent = indent
                        key = d["key"]
                        rule.directives[key] = d["rest"].strip()
                    elif key is not None and not rule.directives[key]:
                        rule.directives[key] = text.strip()  # value on the line after `key:`
                i += 1
            rule.text = "\n".join(lines[rule.line - 1 : i])
    return rules


RULES = parse_rules(sorted(RULES_DIR.glob("*.smk")) + [REPO / "Snakefile"])
ACTION_RULES = sorted(name for name, r in RULES.items() if r.action)


def snakemake_cli(*args, cwd=REPO):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


def test_rule_parser_sees_every_rule_snakemake_sees(tmp_path):
    """The .smk reading above against Snakemake's own parse, for both input modes (AlphaFold runs, and a
    score table), so that a rule the text parse missed cannot escape the checks below."""
    listed = set()
    for extra in ([], ["--config", f"score_table={tmp_path / 'scores.csv'}"]):
        proc = snakemake_cli("--list-rules", *extra)
        assert proc.returncode == 0, proc.stderr[-2000:]
        listed |= {line.strip() for line in proc.stdout.splitlines() if re.fullmatch(r"\s*\w+\s*", line)}
    assert listed, "snakemake --list-rules listed no rule"
    missed = sorted(listed - set(RULES))
    assert not missed, f"rules Snakemake lists but {__name__} did not parse: {missed}"
    assert "extract_shard" in RULES and RULES["extract_shard"].conda is not None


@pytest.mark.parametrize("name", ACTION_RULES)
def test_rule_names_an_existing_env(name):
    rule = RULES[name]
    where = f"rule {name} ({rule.smk.relative_to(REPO)}:{rule.line})"
    assert rule.action != "run", f"{where}: a run: block cannot use a conda env; use script:"
    assert rule.conda is not None, f"{where} runs code ({rule.action}:) but names no conda: env"
    assert rule.conda.is_file(), f"{where}: conda env {rule.conda} does not exist"
    assert rule.conda.parent == REPO / "envs", f"{where}: conda env {rule.conda} is not in envs/"
    if rule.script is not None:
        assert rule.script.is_file(), f"{where}: script {rule.script} does not exist"


# --- imports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSite:
    module: str  # top-level import name, e.g. "sklearn"
    file: Path
    line: int


def module_file(dotted: str, root: Path = WORKFLOW) -> Path | None:
    """The file of an in-workflow module (tfbind.x.y), or None if it is not one."""
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path, root: Path = WORKFLOW) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _optional(node: ast.AST, parents: dict) -> bool:
    """An import inside `try: ... except ImportError` (an optional dependency)."""
    while node in parents:
        child, node = node, parents[node]
        if isinstance(node, ast.Try) and child in node.body:
            for h in node.handlers:
                names = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
                if any(
                    isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError"} for n in names
                ):
                    return True
    return False


def collect_imports(entry: Path, root: Path = WORKFLOW, package: str = PACKAGE):
    """(third-party import sites, runner-provided import sites in package modules, files visited) of a
    script and every in-workflow module it imports, transitively (parent packages' __init__ included)."""
    third, runner = set(), set()
    seen: dict[Path, Path | None] = {}  # file -> the file whose import brought it in
    todo: list[tuple[Path, Path | None]] = [(entry, None)]
    while todo:
        path, importer = todo.pop(0)
        if path in seen:
            continue
        seen[path] = importer
        in_package = path.is_relative_to(root / package)
        if in_package:  # importing a.b.c runs a/__init__ and a/b/__init__ first
            parent = path.parent if path.name != "__init__.py" else path.parent.parent
            while parent.is_relative_to(root / package):
                todo.append((parent / "__init__.py", path))
                parent = parent.parent
        this = module_name(path, root) if in_package else None
        tree = ast.parse(path.read_text(), filename=str(path))
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [(a.name, []) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    pkg = this.split(".") if path.name == "__init__.py" else this.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join(pkg + ([node.module] if node.module else []))
                else:
                    base = node.module
                targets = [(base, [a.name for a in node.names])]
            else:
                continue
            for dotted, names in targets:
                top = dotted.split(".")[0]
                if top == package:
                    parts = dotted.split(".")
                    for k in range(1, len(parts) + 1):
                        if f := module_file(".".join(parts[:k]), root):
                            todo.append((f, path))
                    for name in names:  # `from tfbind import config`: config is a module
                        if f := module_file(f"{dotted}.{name}", root):
                            todo.append((f, path))
                elif top in STDLIB or _optional(node, parents):
                    continue
                elif top in RUNNER_PROVIDED:
                    if in_package:
                        runner.add(ImportSite(top, path, node.lineno))
                else:
                    third.add(ImportSite(top, path, node.lineno))
    return third, runner, seen


def import_chain(file: Path, seen: dict[Path, Path | None], root: Path = WORKFLOW) -> str:
    """How the rule's script reaches `file`: "scripts/x.py -> tfbind.a -> tfbind.b"."""
    names = []
    while file is not None:
        rel = file.relative_to(root)
        names.append(module_name(file, root) if rel.parts[0] == PACKAGE else str(rel))
        file = seen[file]
    return " -> ".join(reversed(names))


def missing_packages(rule_name: str, entry: Path, env_file: Path, root: Path = WORKFLOW) -> list[str]:
    """One message per third-party import of the rule's code that its env does not provide."""
    env = set(env_packages(env_file)) | set(pip_packages(env_file))
    third, runner, seen = collect_imports(entry, root)
    repo = root.parent
    msgs = []
    for site in sorted(third, key=lambda s: (str(s.file), s.line)):
        providers = IMPORT_TO_CONDA.get(site.module, (site.module.lower().replace("_", "-"),))
        if not env & set(providers):
            msgs.append(
                f"rule {rule_name}: {site.file.relative_to(repo)}:{site.line} imports '{site.module}', "
                f"but {env_file.relative_to(repo)} lacks the conda package '{providers[0]}'"
                + ("" if site.module in IMPORT_TO_CONDA else " (unknown import: add it to IMPORT_TO_CONDA)")
                + f" [via {import_chain(site.file, seen, root)}]"
            )
    for site in sorted(runner, key=lambda s: (str(s.file), s.line)):
        msgs.append(
            f"rule {rule_name}: {site.file.relative_to(repo)}:{site.line} imports '{site.module}', which "
            "rule envs do not have (only rule scripts get it from the runner): move the import out of the "
            f"code the rule runs [via {import_chain(site.file, seen, root)}]"
        )
    return msgs


SCRIPT_RULES = sorted(name for name, r in RULES.items() if "script" in r.directives)


@pytest.mark.parametrize("name", SCRIPT_RULES)
def test_rule_env_provides_every_import(name):
    rule = RULES[name]
    if rule.conda is None or not rule.conda.is_file() or not rule.script.is_file():
        pytest.fail(f"rule {name}: env or script missing (see test_rule_names_an_existing_env)")
    assert rule.script.suffix == ".py", f"rule {name}: only Python scripts are checked ({rule.script})"
    msgs = missing_packages(name, rule.script, rule.conda)
    assert not msgs, "\n".join(msgs)


def test_import_check_names_rule_module_and_package(tmp_path):
    """The check itself, on a made-up workflow: a transitive, relative import of sklearn two modules
    away from the script, against an env without scikit-learn."""
    root = tmp_path / "workflow"
    (root / "scripts").mkdir(parents=True)
    (root / PACKAGE / "sub").mkdir(parents=True)
    (root / PACKAGE / "__init__.py").write_text("")
    (root / PACKAGE / "sub" / "__init__.py").write_text("from .inner import f\n")
    (root / PACKAGE / "sub" / "inner.py").write_text(
        "import json\n\ndef f():\n    from sklearn.metrics import r2_score\n"
    )
    (root / PACKAGE / "top.py").write_text(
        "import numpy as np\ntry:\n    import seaborn\nexcept ImportError:\n    seaborn = None\n"
    )
    (root / "scripts" / "run.py").write_text(
        f"import yaml\nfrom {PACKAGE} import top\nfrom {PACKAGE}.sub import f\nsmk = snakemake\n"
    )
    env = tmp_path / "envs" / "x.yaml"
    env.parent.mkdir()
    env.write_text(
        "channels: [conda-forge, nodefaults]\n"
        "dependencies: ['python>=3.11,<3.14', 'numpy>=2.0,<3', 'pyyaml>=6.0,<7']\n"
    )
    msgs = missing_packages("my_rule", root / "scripts" / "run.py", env, root)
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith(f"rule my_rule: workflow/{PACKAGE}/sub/inner.py:4 imports 'sklearn'")
    assert "envs/x.yaml lacks the conda package 'scikit-learn'" in msgs[0]
    env.write_text(env.read_text().replace("]\n", ", 'scikit-learn>=1.5,<2']\n"))
    assert missing_packages("my_rule", root / "scripts" / "run.py", env, root) == []
    # snakemake imported inside the package (not the script) is reported too
    (root / PACKAGE / "top.py").write_text("import snakemake\n")
    msgs = missing_packages("my_rule", root / "scripts" / "run.py", env, root)
    assert len(msgs) == 1 and "top.py:1 imports 'snakemake'" in msgs[0], msgs


# --- lint -----------------------------------------------------------------------------------------


def test_snakemake_lint_is_clean():
    proc = snakemake_cli("--lint")
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, f"snakemake --lint failed (exit {proc.returncode}):\n{out[-4000:]}"
    assert "Congratulations" in out or not out, f"snakemake --lint reports problems:\n{out[-4000:]}"
