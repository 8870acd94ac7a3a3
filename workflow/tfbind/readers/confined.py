"""Files a reader derives from a run's own content stay inside that run's folder.

Readers build file names from what a run says about itself: AlphaFold2's ``ranked_<i>.pdb``,
``pae_<model>.json``, ``result_<model>.pkl*``, ``relaxed_<model>.pdb``, ``unrelaxed_<model>.pdb`` from the model
names of ``ranking_debug.json`` (and ``confidence_<model>.json`` from the name of a PAE file); a ColabFold
model's coordinate file from its scores file's name; an AlphaFold Server model's ``full_data`` and
``summary_confidences`` from its structure file's name. A run is input from elsewhere (a zip that passed
every archive check, a folder copied from a collaborator), so such a name could point anywhere:
``../elsewhere/model`` or an absolute path in ``order`` would have the run scored with files that are not
its own, with no warning. :func:`run_file` is the one check every such name goes through: it is one plain
path component, and the file (followed through a symbolic link) lies in the run's folder. AlphaFold3's
``ranking_scores.csv`` names samples by two integers (``seed``, ``sample``) that are matched against the
sample folders found in the run, never turned into a path.
"""

from __future__ import annotations

import os
from pathlib import Path

from tfbind.errors import PredictionError


def run_file(folder: Path, name: str, source: object, field: str, value: object) -> Path:
    """``folder / name`` for a file name a reader built from ``value`` (``source``'s ``field``), checked to
    lie inside ``folder``: ``name`` must be one path component (no ``/`` or NUL, not ``.`` or ``..``; a
    path in ``value``, absolute or with ``..``, gives a ``/``), and when the file is a symbolic link, its
    resolved target must lie in the resolved ``folder``. ``PredictionError`` names the file, the field and
    the value otherwise.

    Cheap enough for every file of every model: string checks, and one ``lstat`` (``os.path.islink``) unless
    the name is a link.
    """
    if "/" in name or "\x00" in name or name in {"", ".", ".."}:
        raise PredictionError(
            f"{source}: {field} {value!r} gives the file name {name!r}, which is not a plain name in "
            f"{folder}: not read"
        )
    path = Path(folder) / name
    if os.path.islink(path):
        root = Path(folder).resolve()
        target = path.resolve()
        if root not in target.parents:
            raise PredictionError(
                f"{path}: a symbolic link to {target}, outside the run folder {root} (the file named by "
                f"{source}: {field} {value!r}): not read"
            )
    return path
