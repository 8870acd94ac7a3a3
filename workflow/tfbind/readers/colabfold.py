"""Reader for ColabFold output folders.

Files read: every ``<job>_scores_<tag>.json`` (keys ``pae``, ``ptm``, ``iptm``, ``plddt``) with the
coordinate file of the same tag: ``<job>_relaxed_<tag>.pdb`` if present, else
``<job>_unrelaxed_<tag>.pdb`` (``.cif`` accepted too). ``<tag>`` is e.g.
``rank_001_alphafold2_multimer_v3_model_4_seed_000``; model_name is the tag without ``rank_NNN_``.
Everything else (``*_predicted_aligned_error_v1.json``, ``config.json``, images) is ignored.

Ranking: by ``rank_NNN`` in the tags; when the tags carry no rank, by ColabFold's multimer score
0.8*iptm + 0.2*ptm (mean pLDDT for monomers, as ColabFold does), highest first. ranking_confidence is that
multimer score, 0.8 ipTM + 0.2 pTM from the scores file (ColabFold ranks by it but does not write it; its
``ptm``/``iptm`` are rounded to 2 decimals, so the value is within 0.005 of ColabFold's own; NaN without
ipTM, never the monomer's mean pLDDT). Source of the formula: ``tfbind.readers.model_scores``. pLDDT is the
B-factor of the CB atom (CA for Gly).

A folder holding several jobs (a ColabFold batch folder) must be given as one of its scores files to
select the job; discovery (``tfbind.plan.discovery``) plans one run per job prefix that way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tfbind.errors import PredictionError
from tfbind.ranges import parse_number
from tfbind.readers.atoms import read_atoms
from tfbind.readers.confined import run_file
from tfbind.readers.context import ReadContext, context_or_new
from tfbind.readers.json_arrays import load_json_arrays
from tfbind.readers.model_scores import ranking_confidence
from tfbind.readers.prediction import ModelPlan, ModelPrediction, from_structure
from tfbind.readers.structure import (
    as_matrix,
    check_pae,
    load_json,
    require,
    residue_table,
    to_float,
)

FORMAT = "colabfold"
_RANK = re.compile(r"(?:^|_)rank_(\d+)(?:_|$)")
_TAIL_SCALARS = re.compile(rb'"(iptm|ptm)"\s*:\s*(-?[0-9.eE+-]+|NaN|null)')


@dataclass(frozen=True)
class ColabFoldPlan(ModelPlan):
    """A ranked model's scores file (PAE, pLDDT, ipTM, pTM) beside its coordinate file."""

    scores: Path


def scores_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*_scores_*.json") if p.is_file())


def _number(text: bytes) -> float:
    """A finite number under the shared grammar (``ranges.parse_number``), else NaN (ranked last)."""
    value = parse_number(text.decode("ascii", "replace"))
    return float("nan") if value is None else value


def _peek_scores(path: Path, context: ReadContext) -> dict[str, float]:
    """``ptm``/``iptm`` read from the end of a scores JSON (ColabFold writes them after ``pae``), so
    that ranking does not parse every large file twice; falls back to a full parse."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - 4096))
        found = {k.decode(): _number(v) for k, v in _TAIL_SCALARS.findall(fh.read())}
    if "iptm" not in found:  # not at the end, or a monomer (ranked by mean pLDDT): parse it all
        data = load_json(path, context.max_bytes)
        if not isinstance(data, dict):
            return {}
        found = {k: to_float(data.get(k), f"{path}: {k}") for k in ("ptm", "iptm")}
        plddt = data.get("plddt")
        try:
            found["plddt"] = float(np.mean(np.asarray(plddt, dtype=float))) if plddt else float("nan")
        except (TypeError, ValueError):
            found["plddt"] = float("nan")  # refused with the file named when the model is read
    return found


def _structure_for(scores: Path, job: str, tag: str) -> Path:
    folder = scores.parent
    for kind in ("relaxed", "unrelaxed"):
        for ext in (".pdb", ".cif"):
            # named from the scores file's name: kept inside the run folder (readers.confined)
            candidate = run_file(folder, f"{job}_{kind}_{tag}{ext}", scores, "model tag", tag)
            if candidate.is_file():
                return candidate
    raise PredictionError(f"{scores}: no matching {job}_relaxed_{tag}.pdb or {job}_unrelaxed_{tag}.pdb")


def _plan(path: Path, context: ReadContext) -> list[ColabFoldPlan]:
    folder = path if path.is_dir() else path.parent
    files = scores_files(folder)
    if path.is_file() and "_scores_" not in path.name:  # a model file selects the job (kept without scores)
        m = re.match(r"^(?P<job>.+?)_(un)?relaxed_", path.name)
        job = m["job"] if m else path.stem
        if not any(f.name.rpartition("_scores_")[0] == job for f in files):
            raise PredictionError(f"{path}: no {job}_scores_*.json beside it (ColabFold's PAE and pLDDT): "
                                  "the run cannot be scored")
        path = next(f for f in files if f.name.rpartition("_scores_")[0] == job)
    if path.is_file():
        job = path.name.rpartition("_scores_")[0]
        files = [f for f in files if f.name.rpartition("_scores_")[0] == job]
    if not files:
        raise PredictionError(f"{path}: no ColabFold *_scores_*.json files found")
    jobs = {f.name.rpartition("_scores_")[0] for f in files}
    if len(jobs) > 1:
        raise PredictionError(
            f"{folder}: holds several ColabFold jobs ({', '.join(sorted(jobs))}); pass one scores file"
        )
    items = []
    for f in files:
        job, _, tag = f.name.rpartition("_scores_")
        tag = tag[: -len(".json")]
        m = _RANK.search(tag)
        items.append(
            dict(
                scores=f,
                structure=_structure_for(f, job, tag),
                model=_RANK.sub("_", tag).strip("_") if m else tag,
                rank_in_name=int(m.group(1)) if m else None,
            )
        )
    if all(i["rank_in_name"] is not None for i in items):
        items.sort(key=lambda i: i["rank_in_name"])
    else:
        def score(item):
            s = _peek_scores(item["scores"], context)
            iptm, ptm = s.get("iptm", np.nan), s.get("ptm", np.nan)
            value = ranking_confidence(iptm, ptm) if not np.isnan(iptm) else s.get("plddt", np.nan)
            return -value if not np.isnan(value) else np.inf

        items.sort(key=lambda i: (score(i), i["scores"].name))
    return [ColabFoldPlan(model=i["model"], rank=rank, structure=i["structure"], scores=i["scores"])
            for rank, i in enumerate(items)]


def _load_model(item: ColabFoldPlan, context: ReadContext) -> ModelPrediction:
    scores_path, structure_path = item.scores, item.structure
    scores = load_json_arrays(scores_path, context.max_bytes)  # pae as an array, see json_arrays
    if not isinstance(scores, dict):
        raise PredictionError(f"{scores_path}: expected a JSON object, got {type(scores).__name__}")
    st, atoms = read_atoms(structure_path, context)  # gemmi, or the run's layout and numpy coordinates
    table = residue_table(st, structure_path, atoms, context)
    pae = check_pae(as_matrix(require(scores, "pae", scores_path), scores_path, size=table.n_residues,
                              size_of=str(structure_path), model=item.model),
                    table.n_residues, scores_path, structure_path)
    plddt = scores.get("plddt")
    if plddt is not None and (not isinstance(plddt, list) or len(plddt) != table.n_residues):
        n = len(plddt) if isinstance(plddt, list) else type(plddt).__name__
        raise PredictionError(
            f"{scores_path}: {n} pLDDT values but {structure_path} has {table.n_residues} residues"
        )
    iptm = to_float(scores.get("iptm"), f"{scores_path}: iptm")
    ptm = to_float(scores.get("ptm"), f"{scores_path}: ptm")
    return from_structure(item, FORMAT, table, st, atoms, plddt=table.cb_bfactor, pae=pae, iptm=iptm, ptm=ptm,
                          ranking_confidence=ranking_confidence(iptm, ptm), structure_path=structure_path,
                          sources={"pae": scores_path, "iptm": scores_path, "ptm": scores_path,
                                   "ranking_confidence": scores_path})


def read_run(path: Path, context: ReadContext | None = None) -> Iterator[ModelPrediction]:
    """Yield the models of a ColabFold job (folder, or one of its scores files), top-ranked first.
    ``context``: the byte limit and the layouts kept between models (None: a fresh one)."""
    context = context_or_new(context)
    plan = _plan(Path(path), context)
    return (_load_model(item, context) for item in plan)
