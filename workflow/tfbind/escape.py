"""Control characters in names that end up in TSV files and logs (light: imported at parse time)."""

from __future__ import annotations

import re

# C0 controls, DEL, and the other characters that str.splitlines breaks at (NEL, line/paragraph separator).
CONTROL_PATTERN = "[\x00-\x1f\x7f\x85\u2028\u2029]"
CONTROL_RE = _CONTROL = re.compile(CONTROL_PATTERN)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape_one(match: re.Match) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape_control(text: str) -> str:
    """``text`` with every control character written as a visible escape (tab -> ``\\t``, newline ->
    ``\\n``, others ``\\xNN`` / ``\\uNNNN``), so that a name can never split a TSV row or field."""
    return _CONTROL.sub(_escape_one, text) if _CONTROL.search(text) else text
