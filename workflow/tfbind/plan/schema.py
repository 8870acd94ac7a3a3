"""The config checked against workflow/schemas/config.schema.yaml, with an error message of bounded size.

Snakemake's ``validate`` reports a schema error with the whole schema and the offending value (``On
instance: ...``): a YAML alias bomb (10^6 items in a few lines of anchors and aliases) under an unknown or
invalid key made it print 5.4 MB. :func:`check_config` runs the same validation first, the same way
(JSON Schema draft 2020-12, defaults filled in as Snakemake fills them), and on error raises ``InputError``
listing at most :data:`MAX_ERRORS` problems, each with its key path and at most :data:`MAX_LINE` characters
of jsonschema's description. Snakemake's ``validate`` still runs after it, on a config that is then valid.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

MAX_ERRORS = 3
MAX_LINE = 240  # characters of one problem's description (the value it quotes is cut, never printed whole)


def _validator(schema: dict):
    """A draft 2020-12 validator that fills in the schema's defaults while validating (Snakemake's
    ``validate(config, schema)`` with ``set_default=True`` does the same, so both see the same config)."""
    from jsonschema import Draft202012Validator, validators

    validate_properties = Draft202012Validator.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for name, spec in properties.items():
                if isinstance(spec, dict) and "default" in spec:
                    instance.setdefault(name, spec["default"])
        yield from validate_properties(validator, properties, instance, subschema)

    return validators.extend(Draft202012Validator, {"properties": set_defaults})(schema)


def _where(path) -> str:
    return "".join(f"[{p!r}]" for p in path) if path else "config"


def _short(text: str) -> str:
    """``text`` on one line, cut in the middle to MAX_LINE characters: jsonschema quotes the value first and
    says what is wrong with it last ("[...] is not of type 'number'"), so both ends are kept."""
    text = " ".join(str(text).split())  # a quoted value may hold newlines
    if len(text) <= MAX_LINE:
        return text
    cut = f" ...({len(text)} characters)... "
    head = (MAX_LINE - len(cut)) * 2 // 3
    return text[:head] + cut + text[len(text) - (MAX_LINE - len(cut) - head):]


def _describe(error) -> str:
    """One problem in at most MAX_LINE characters. anyOf/oneOf errors quote the whole instance (for the
    top-level alternatives, the whole config) and say nothing about why: their alternatives' own messages
    ("'tf_fasta' is a required property") say what is missing."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        return _short("none of the alternatives holds: " + " | ".join(c.message for c in error.context))
    return _short(error.message)


def check_config(config: dict, schema_path: str | Path) -> None:
    """Validate ``config`` (filling in defaults) against the YAML schema at ``schema_path``; ``InputError`` of
    at most MAX_ERRORS lines of at most MAX_LINE characters (plus the key path) when it is not valid."""
    import yaml
    from jsonschema.exceptions import relevance

    schema = yaml.safe_load(Path(schema_path).read_text())
    errors = sorted(_validator(schema).iter_errors(config), key=relevance, reverse=True)
    if not errors:
        return
    lines = [f"{_where(e.absolute_path)}: {_describe(e)}" for e in errors[:MAX_ERRORS]]
    more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
    raise InputError(f"{len(errors)} problem(s) with the config{more}; see config/README.md:\n  "
                     + "\n  ".join(lines))


__all__ = ["MAX_ERRORS", "MAX_LINE", "check_config"]
