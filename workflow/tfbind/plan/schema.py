"""The config checked against workflow/schemas/config.schema.yaml, with an error message of bounded size.

Snakemake's ``validate`` reports a schema error with the whole schema and the offending value (``On
instance: ...``): a YAML alias bomb (10^6 items in a few lines of anchors and aliases) under an unknown or
invalid key made it print 5.4 MB. :func:`check_config` runs the same validation first, the same way
(JSON Schema draft 2020-12, defaults filled in as Snakemake fills them), and on error raises ``InputError``
listing at most :data:`MAX_ERRORS` problems of at most :data:`MAX_LINE` characters, each with its dotted key
(``features.shard_size``): an unknown key with the closest valid one (difflib), a wrong type or value with the
value shortened and what is allowed. Snakemake's ``validate`` still runs after it, on a config that is then
valid.
"""

from __future__ import annotations

import difflib
import reprlib
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
    """The key as a user writes it in the YAML file: ``features.shard_size``, ``models[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "config"


def _key(where: str, key: str) -> str:
    return key if where == "config" else f"{where}.{key}"


def _short(text: str) -> str:
    """``text`` on one line, cut in the middle to MAX_LINE characters: jsonschema quotes the value first and
    says what is wrong with it last ("[...] is not of type 'number'"), so both ends are kept."""
    text = " ".join(str(text).split())  # a quoted value may hold newlines
    if len(text) <= MAX_LINE:
        return text
    cut = f" ...({len(text)} characters)... "
    head = (MAX_LINE - len(cut)) * 2 // 3
    return text[:head] + cut + text[len(text) - (MAX_LINE - len(cut) - head):]


def _value(value) -> str:
    """A config value for a message: a repr of at most a few items per level, cut to 80 characters (an alias
    bomb's 10^6 items are never formatted whole)."""
    short = reprlib.Repr()  # Python 3.11: no keyword arguments yet
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 6, 4, 4, 40, 40
    text = short.repr(value)
    return text if len(text) <= 80 else text[:70] + " ...]"


def _closest(word: str, choices) -> str | None:
    """The choice closest to ``word`` (difflib ratio >= 0.6, case ignored), or None."""
    choices = [str(c) for c in choices]
    lower = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(str(word).lower(), list(lower), n=1, cutoff=0.6)
    return lower[match[0]] if match else None


def _key_paths(schema: dict, prefix: str = "") -> dict[str, list[str]]:
    """{key name: [dotted paths where the schema has it]}, for a known key written at the wrong level."""
    paths: dict[str, list[str]] = {}
    for name, spec in (schema.get("properties") or {}).items():
        dotted = f"{prefix}.{name}" if prefix else name
        paths.setdefault(name, []).append(dotted)
        if isinstance(spec, dict):
            for key, more in _key_paths(spec, dotted).items():
                paths.setdefault(key, []).extend(more)
    return paths


def _unknown_keys(error, schema: dict) -> list[str]:
    """One line per unexpected key of an ``additionalProperties`` error: where it sits and the closest valid
    key (a misspelling at the same level, or the same name at another level)."""
    where = _where(error.absolute_path)
    known = list((error.schema.get("properties") or {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    lines = []
    for key in [k for k in instance if k not in known]:
        line = f"{_short(_key(where, str(key)))}: unknown key"
        close = _closest(key, known)
        elsewhere = [p for p in _key_paths(schema).get(str(key), []) if p != _key(where, str(key))]
        if close is not None:
            line += f"; did you mean {_key(where, close)}?"
        elif elsewhere:
            line += f"; did you mean {' or '.join(elsewhere[:3])}? (it belongs there)"
        else:
            line += f" (valid keys here: {', '.join(known)})"
        lines.append(_short(line))
    return lines


_TYPE_NAMES = {"integer": "a whole number", "number": "a number", "string": "a text (string)",
               "boolean": "true or false", "array": "a list", "object": "a section of keys", "null": "empty"}


def _describe(error) -> str:
    """One problem in at most MAX_LINE characters: the key, its value (shortened) and what is allowed.
    anyOf/oneOf errors quote the whole instance (for the top-level alternatives, the whole config) and say
    nothing about why: their alternatives' own messages ("'tf_fasta' is a required property") say what is
    missing."""
    where = _where(error.absolute_path)
    if error.validator in ("anyOf", "oneOf") and error.context:
        reasons = " | ".join(c.message for c in error.context)
        return _short(f"{where}: none of the alternatives holds: {reasons}")
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        return _short(f"{where}: {_value(error.instance)} is not allowed; expected {wanted}")
    if error.validator == "enum":
        allowed = [str(v).lower() if isinstance(v, bool) else str(v) for v in error.validator_value]
        line = f"{where}: {_value(error.instance)} is not allowed; allowed: {', '.join(allowed)}"
        close = _closest(error.instance, allowed) if isinstance(error.instance, str) else None
        return _short(line + (f"; did you mean {close}?" if close else ""))
    return _short(f"{where}: {error.message}")


def check_config(config: dict, schema_path: str | Path) -> None:
    """Validate ``config`` (filling in defaults) against the YAML schema at ``schema_path``; ``InputError`` of
    at most MAX_ERRORS lines of at most MAX_LINE characters (plus the key path) when it is not valid."""
    import yaml
    from jsonschema.exceptions import relevance

    schema = yaml.safe_load(Path(schema_path).read_text())
    errors = sorted(_validator(schema).iter_errors(config), key=relevance, reverse=True)
    problems = []
    for error in errors:
        # an unknown key is one problem per key, with the closest valid key
        unknown = _unknown_keys(error, schema) if error.validator == "additionalProperties" else []
        problems.extend(unknown or [_describe(error)])
    if not problems:
        return
    if len(problems) == 1:
        raise InputError(f"{problems[0]} (every key: config/README.md)")
    more = f" (and {len(problems) - MAX_ERRORS} more)" if len(problems) > MAX_ERRORS else ""
    raise InputError(f"{len(problems)} problems with the config{more}; every key: config/README.md\n  "
                     + "\n  ".join(problems[:MAX_ERRORS]))


__all__ = ["MAX_ERRORS", "MAX_LINE", "check_config"]
