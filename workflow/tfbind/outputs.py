"""Named output files of a step: what a rule declares, passed to the package as one object.

A step's outputs are a frozen dataclass of paths (or of other such sets, for a step that runs another
step). Scripts build them from ``snakemake.output``, so the rule owns every file name; tests and
benchmarks pass a folder instead, and ``of`` fills in the conventional names of ``NAMES`` inside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class OutputFiles:
    """Base of the output sets: subclasses are dataclasses with a ``NAMES`` mapping field -> file name
    (or -> another ``OutputFiles`` class, whose files then go into the same folder)."""

    NAMES: ClassVar[dict[str, str | type]] = {}

    @classmethod
    def of(cls, out):
        """``out`` itself when it is a ``cls`` already, else the ``NAMES`` files inside the folder ``out``."""
        if isinstance(out, cls):
            return out
        folder = Path(out)
        return cls(**{
            field: folder / name if isinstance(name, str) else name.of(folder)
            for field, name in cls.NAMES.items()
        })


__all__ = ["OutputFiles"]
