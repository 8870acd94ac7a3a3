"""Text that ends up in TSV files, spreadsheets and logs (light: imported at parse time).

Two rules for every text cell the pipeline writes to a TSV file or the xlsx workbook (``tfbind.io.escape_frame``):

* control characters are written as visible escapes (:func:`escape_control`), so a name can never split a
  row or a field;
* a cell that a spreadsheet program would evaluate as a formula gets a leading apostrophe
  (:func:`guard_formula`): the convention of the OWASP "CSV Injection" page
  (https://owasp.org/www-community/attacks/CSV_Injection) and of Excel, LibreOffice and Google Sheets,
  where a leading ``'`` marks a cell as text. Run paths, folder names and failure reasons come from the
  user's disk, and a folder named ``=HYPERLINK("...","click")`` must stay text in ``ranking.xlsx`` and
  in a TSV file opened in a spreadsheet program.
"""

from __future__ import annotations

import re

# C0 controls, DEL, and the other characters that str.splitlines breaks at (NEL, line/paragraph separator).
CONTROL_PATTERN = "[\x00-\x1f\x7f\x85\u2028\u2029]"
CONTROL_RE = _CONTROL = re.compile(CONTROL_PATTERN)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

#: First characters that make a spreadsheet program read a cell as a formula (OWASP: = + - @, tab and
#: carriage return; a tab or carriage return is also escaped by :func:`escape_control` after the guard).
FORMULA_START = "=+-@\t\r"
#: A pattern that finds the cells needing either rule (one vectorised search per column).
NEEDS_ESCAPE_PATTERN = f"^[=+\\-@]|{CONTROL_PATTERN}"
# A plain decimal number ("-0.5", "+3", "-1e-3"): a spreadsheet reads it as that number, never as a formula,
# so it keeps its sign (a numeric text such as a negative score stays a number when the file is opened).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _escape_one(match: re.Match) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape_control(text: str) -> str:
    """``text`` with every control character written as a visible escape (tab -> ``\\t``, newline ->
    ``\\n``, others ``\\xNN`` / ``\\uNNNN``), so that a name can never split a TSV row or field."""
    return _CONTROL.sub(_escape_one, text) if _CONTROL.search(text) else text


def guard_formula(text: str) -> str:
    """``text`` with a leading apostrophe when its first character is one of :data:`FORMULA_START` (a
    spreadsheet program would evaluate it: ``=2+3``, ``@SUM(A1)``, ``-1+2``), else unchanged. A plain
    decimal number (``-0.5``) is left as it is: it is read as that number, not as a formula. The guard is
    idempotent (a guarded text starts with the apostrophe)."""
    if text and text[0] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def escape_cell(text: str) -> str:
    """Both rules for one text cell: the formula guard (on the text as given, so that a leading tab is
    seen), then the control-character escapes."""
    return escape_control(guard_formula(text))
