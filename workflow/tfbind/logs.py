"""Logging for rule scripts: every job writes its progress to the rule's ``log:`` file."""

from __future__ import annotations

import logging
import sys


def setup(log_file: str | None, echo: bool = False) -> None:
    """Send the package's log records to ``log_file`` (and to stderr when ``echo``)."""
    handlers: list[logging.Handler] = []
    if log_file:
        handlers.append(logging.FileHandler(log_file, mode="w"))
    if echo or not log_file:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
