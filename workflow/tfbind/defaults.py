"""The config's defaults, read from the one table that holds them: workflow/schemas/config.schema.yaml.

The workflow fills a config's defaults when it validates it (tfbind.plan.schema.check_config, then
Snakemake's ``validate``); library use (tests, benchmarks, a notebook calling ``train_scope``) reads the same
values here, so that no default of a config key is written a second time in the code
(tests/test_settings.py fails when one is). Import-light: PyYAML and the standard library only.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

#: The schema, beside the package (workflow/schemas; it travels with the workflow, module imports included).
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"


@lru_cache(maxsize=1)
def load_schema() -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SCHEMA_PATH.read_text(), Loader=loader)


def _defaults(spec: dict) -> Any:
    """The default of one schema node: its ``default``, with the defaults of its properties filled in (what
    the validator fills into a section left out of the config)."""
    value = copy.deepcopy(spec.get("default"))
    if isinstance(value, dict) and isinstance(spec.get("properties"), dict):
        for name, sub in spec["properties"].items():
            if isinstance(sub, dict) and "default" in sub:
                value.setdefault(name, _defaults(sub))
    return value


@lru_cache(maxsize=1)
def _all_defaults() -> dict:
    return _defaults({"default": {}, "properties": load_schema()["properties"]})


def defaults(section: str | None = None) -> Any:
    """A fresh copy of the schema's defaults: of the whole config, of one section (``"features"``), or of one
    key (``"evaluate.group_by"``)."""
    value = _all_defaults()
    for part in section.split(".") if section else ():
        value = value[part]
    return copy.deepcopy(value)


def allowed(key: str) -> tuple:
    """The values the schema allows a key (``"evaluate.group_by"``): its ``enum``."""
    spec = load_schema()
    for part in key.split("."):
        spec = spec["properties"][part]
    return tuple(spec["enum"])


def filled(section: str, user: dict | None) -> dict:
    """``user`` (a section of a config, e.g. ``config["features"]``, possibly partial) with the schema's
    defaults of that section under it; nested sections (``ipsae_pae_cutoff``) key by key."""
    out = defaults(section)
    for key, value in (user or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)
    return out


__all__ = ["SCHEMA_PATH", "allowed", "defaults", "filled", "load_schema"]
