"""Reader for AlphaFold3 outputs: AlphaFold Server downloads and local AlphaFold3 runs.

Server folder: ``fold_<job>_model_<N>.cif``, ``fold_<job>_full_data_<N>.json`` (per-token ``pae``,
``token_chain_ids``, ``token_res_ids``; per-atom ``atom_plddts``, ``atom_chain_ids``) and
``fold_<job>_summary_confidences_<N>.json`` (``iptm``, ``ptm``, ``ranking_score``,
``chain_pair_iptm``). N is the rank (0 = top).

Scores: ``iptm``, ``ptm`` and ``ranking_score`` are the summary's; ``ranking_confidence`` is 0.8 ipTM + 0.2 pTM
computed from them, the same quantity as AlphaFold2's ``iptm+ptm`` (``ranking_score`` adds 0.5 x
fraction_disordered and -100 x has_clash to it, so it is kept apart; ``tfbind.readers.model_scores``).

Local folder ``<job>/`` (layout of the AlphaFold3 repository's docs/output.md): the top-level
``<job>_model.cif`` / ``<job>_confidences.json`` / ``<job>_summary_confidences.json`` are AlphaFold3's
own top model (the sample of highest ranking_score), model_rank 0, named after that sample
(``seed-S_sample-K``, from ``*ranking_scores.csv``, columns ``seed,sample,ranking_score``, else the sample
whose summary ranking_score equals the top-level one; of samples tied at that score, the one whose
confidences file (and structure) the top-level files repeat byte for byte). Each ``seed-<S>_sample-<K>/``
folder with ``[<job>_seed-S_sample-K_]model.cif``, ``..confidences.json`` and ``..summary_confidences.json``
is one more model, ranked by ranking_score (the csv, else its summary), highest first; the top sample's folder
is not counted twice, and sample folders named in the csv but deleted are not an error (the log says how
many were read). Without sample folders the top-level files are the single model.

Files that only carry the predictor's own numbers may be missing: without a ``*summary_confidences*``
file a model is scored from the structure and the PAE (``iptm``, ``ptm``, ``ranking_confidence``,
``ranking_score`` and ``chain_pair_iptm`` NaN) with a ``RunWarning``; without the structure or the full data /
confidences (the PAE) the run fails.

Chain IDs: when the confidences name the chains differently from the structure but hold the same
residues chain by chain in order, they are mapped in order (``RunWarning``); when the residues differ
too, ``PredictionError`` shows both residue sequences.

Token -> residue reduction: a standard residue is one token; a modified residue (and every ligand)
has one token per heavy atom, in the residue's atom order in the CIF. For each polymer amino-acid
residue the tokens carrying its (chain id, residue id) are collected; one token is taken as is,
several are matched to the residue's heavy atoms and the CA token is kept. Ligand and nucleic-acid
tokens are dropped. pLDDT per residue is ``atom_plddts`` at the CB atom (CA for Gly) by atom index in
the CIF's atom order. ``chain_pair_iptm`` rows/columns are the chains in structure (token) order.
All sizes are checked; mismatches raise ``PredictionError``.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tfbind.errors import PredictionError, RunWarning
from tfbind.ranges import parse_number
from tfbind.readers.atoms import read_atoms
from tfbind.readers.bounded import read_input
from tfbind.readers.confined import run_file
from tfbind.readers.context import ReadContext, content_key, context_or_new
from tfbind.readers.json_arrays import load_json_arrays
from tfbind.readers.model_scores import ranking_confidence
from tfbind.readers.prediction import ModelPlan, ModelPrediction, from_structure
from tfbind.readers.structure import (
    ResidueTable,
    as_matrix,
    load_json,
    require,
    residue_table,
    to_float,
)

log = logging.getLogger(__name__)

FORMAT = "alphafold3"
_SERVER_CIF = re.compile(r"^(?P<job>.+)_model_(?P<n>\d+)\.cif$")
_SAMPLE_DIR = re.compile(r"^seed-(?P<seed>-?\d+)_sample-(?P<sample>\d+)$")


@dataclass(frozen=True)
class AlphaFold3Plan(ModelPlan):
    """A ranked model's confidences (the PAE, per-atom pLDDT) and summary file; ``summary`` None when it is
    missing, ``summary_expected`` then names it for the warning."""

    confidences: Path
    summary: Path | None
    summary_expected: Path | None = None


def _find_one(folder: Path, suffix: str, exclude: str | None = None) -> Path | None:
    """The file named ``suffix`` or ``*_<suffix>`` in ``folder`` (not ending in ``exclude``)."""
    hits = [
        p for p in sorted(folder.iterdir())
        if p.is_file() and (p.name == suffix or p.name.endswith("_" + suffix))
        and not (exclude and p.name.endswith(exclude))
    ]
    if len(hits) > 1:
        raise PredictionError(f"{folder}: several *{suffix} files ({', '.join(p.name for p in hits)})")
    return hits[0] if hits else None


def _local_files(folder: Path) -> dict | None:
    cif = _find_one(folder, "model.cif")
    if cif is None:
        return None
    conf = _find_one(folder, "confidences.json", exclude="summary_confidences.json")
    summary = _find_one(folder, "summary_confidences.json")
    if conf is None:
        raise PredictionError(f"{folder}: {cif.name} found but no *confidences.json (the PAE)")
    expected = folder / f"{cif.name[: -len('model.cif')]}summary_confidences.json"
    return dict(structure=cif, confidences=conf, summary=summary, summary_expected=expected)


def _no_summary(path: Path, model: str) -> None:
    """A model without its summary file is scored from the structure and the PAE; the values only the
    summary holds are NaN, and the pair gets a note (warnings.tsv)."""
    warnings.warn(RunWarning(
        f"{path}: not found; {model} scored from the structure and the PAE, its ipTM, pTM, ranking_score "
        "and chain_pair_iptm are NaN"
    ), stacklevel=2)


def _ranking_csv(folder: Path, context: ReadContext) -> dict[tuple[int, int], float]:
    path = next(iter(sorted(folder.glob("*ranking_scores.csv"))), None)
    if path is None:
        return {}
    try:
        text = read_input(path, context.max_bytes).decode("utf-8")
        scores = {}
        for r in csv.DictReader(io.StringIO(text, newline="")):
            value = parse_number(r["ranking_score"])
            if value is None:
                raise ValueError(f"ranking_score {r['ranking_score']!r} is not a finite number")
            scores[(int(r["seed"]), int(r["sample"]))] = value
        return scores
    except (KeyError, ValueError, TypeError, AttributeError, UnicodeDecodeError, csv.Error) as exc:
        raise PredictionError(f"{path}: bad ranking scores table ({exc})") from exc


def _plan_server(folder: Path, job: str | None) -> list[dict]:
    items = []
    for cif in sorted(folder.glob("*_model_*.cif")):
        m = _SERVER_CIF.match(cif.name)
        if not m or (job is not None and m["job"] != job):
            continue
        n = int(m["n"])
        # the model's other files, named from its structure file's name: kept inside the run folder
        items.append(dict(
            model=f"model_{n}", rank=n, structure=cif,
            confidences=run_file(folder, f"{m['job']}_full_data_{n}.json", cif, "job", m["job"]),
            summary=run_file(folder, f"{m['job']}_summary_confidences_{n}.json", cif, "job", m["job"]),
            job=m["job"],
        ))
    if len({i["job"] for i in items}) > 1:
        raise PredictionError(f"{folder}: holds several AlphaFold3 server jobs; pass one of its files")
    for item in items:
        if not item["confidences"].is_file():
            raise PredictionError(
                f"{item['confidences']}: file not found (the PAE of {item['structure'].name})"
            )
        if not item["summary"].is_file():
            item["summary_expected"], item["summary"] = item["summary"], None
    return sorted(items, key=lambda i: i["rank"])


def _sample_score(files: dict, scores: dict, key: tuple[int, int], context: ReadContext) -> float:
    """A sample's ranking_score: from ranking_scores.csv, else its summary, else NaN (ranked last)."""
    if key in scores:
        return scores[key]
    summary = files["summary"]
    if summary is None:
        return float("nan")
    value = require(load_json(summary, context.max_bytes), "ranking_score", summary)
    return to_float(value, f"{summary}: ranking_score")


def _plan_local(folder: Path, context: ReadContext) -> list[dict]:
    """Rank 0 is AlphaFold3's own top model (the top-level files, which AlphaFold3 writes for the sample
    of highest ranking_score); the other samples follow by ``ranking_scores.csv`` (else their summaries'
    ranking_score), highest first. The sample folder holding the top model is not counted again; sample
    folders named in ranking_scores.csv but deleted are not an error (how many were read is logged)."""
    top = _local_files(folder)
    samples = [d for d in sorted(folder.iterdir()) if d.is_dir() and _SAMPLE_DIR.match(d.name)]
    if not samples and top is None:
        return []
    scores = _ranking_csv(folder, context)
    items = []
    for d in samples:
        m = _SAMPLE_DIR.match(d.name)
        files = _local_files(d)
        if files is None:
            raise PredictionError(f"{d}: no model.cif in sample folder")
        key = (int(m["seed"]), int(m["sample"]))
        items.append(dict(model=d.name, score=_sample_score(files, scores, key, context), key=key, **files))
    present = {i["key"] for i in items}
    if scores:
        complete = "all read" if set(scores) <= present else "the others were deleted"
        log.info(
            "%s: %d of the %d samples named in ranking_scores.csv have their folder (%s)",
            folder, len(present & set(scores)), len(scores), complete,
        )
    items.sort(key=lambda i: (-i["score"] if not np.isnan(i["score"]) else np.inf, i["key"]))
    if top is not None:
        top_key = _top_sample(folder, top, items, scores, context)
        name = f"seed-{top_key[0]}_sample-{top_key[1]}" if top_key else folder.name
        items = [dict(model=name, key=top_key, **top)] + [
            i for i in items if top_key is None or i["key"] != top_key
        ]
    for rank, item in enumerate(items):
        item["rank"] = rank
    return items


def _top_sample(
    folder: Path, top: dict, items: list[dict], scores: dict, context: ReadContext
) -> tuple[int, int] | None:
    """Which sample the top-level model is: the highest score of ranking_scores.csv (AlphaFold3 copies
    that sample to the top level), else the sample whose summary ranking_score equals the top-level
    summary's. Several samples tied at that score (scores written with two decimals tie often) are told
    apart by their files (:func:`_same_files`). None (with a warning) when nothing tells."""
    if scores:
        best = max(scores.values())
        tied = sorted(k for k, v in scores.items() if v == best)
        return tied[0] if len(tied) == 1 else _match_tied(folder, top, items, tied, context)
    if not items:
        return None  # a single-model run: nothing to count twice
    if top["summary"] is not None:
        data = load_json(top["summary"], context.max_bytes)
        value = to_float(data.get("ranking_score") if isinstance(data, dict) else None,
                         f"{top['summary']}: ranking_score")
        same = sorted(i["key"] for i in items if i["score"] == value)
        if len(same) == 1:
            return same[0]
        if same:
            return _match_tied(folder, top, items, same, context)
    warnings.warn(RunWarning(
        f"{folder}: no ranking_scores.csv and no summary to tell which sample folder holds the top-level "
        "model: it is counted as a model of its own"
    ), stacklevel=2)
    return None


def _same_files(a: Path, b: Path, context: ReadContext) -> bool:
    """Whether two files hold the same (decompressed) content; files of one kind and different sizes are
    told apart without reading them."""
    if a.suffix == b.suffix and a.stat().st_size != b.stat().st_size:
        return False
    return read_input(a, context.max_bytes) == read_input(b, context.max_bytes)


def _match_tied(folder: Path, top: dict, items: list[dict], tied: list[tuple[int, int]],
                context: ReadContext) -> tuple[int, int] | None:
    """The one of ``tied`` (samples at the top ranking score) whose files the top-level ones are.

    AlphaFold3 writes the top sample's files again at the top level: its confidences file (the PAE and
    every atom's pLDDT) is byte-identical to the sample's; the structure is compared too when several
    confidences match. Naming the top model after the first tied sample instead read one sample twice and
    another never, which biased the ``<metric>_mean`` columns. Samples tied in every byte are the same
    model, so either name counts it once. When no sample folder matches, the top model is a tied sample
    whose folder was deleted (its key, with a warning when several were); when none was deleted, the top
    model is counted as a model of its own, with a warning."""
    present = {i["key"]: i for i in items if i["key"] in tied}
    same = [k for k in tied
            if k in present and _same_files(top["confidences"], present[k]["confidences"], context)]
    if len(same) > 1:
        same = [k for k in same if _same_files(top["structure"], present[k]["structure"], context)] or same
    if same:
        return same[0]
    names = ", ".join(f"seed-{s}_sample-{k}" for s, k in tied)
    deleted = [k for k in tied if k not in present]
    if deleted:
        if len(deleted) > 1:
            warnings.warn(RunWarning(
                f"{folder}: the top-level model matches none of the sample folders tied at the top ranking "
                f"score ({names}); it is one of the deleted samples "
                f"{', '.join(f'seed-{s}_sample-{k}' for s, k in deleted)} and named after the first"
            ), stacklevel=3)
        return deleted[0]
    warnings.warn(RunWarning(
        f"{folder}: the top-level model's files match none of the samples tied at the top ranking score "
        f"({names}): it is counted as a model of its own"
    ), stacklevel=3)
    return None


def _plan(path: Path, context: ReadContext) -> list[AlphaFold3Plan]:
    folder = path if path.is_dir() else path.parent
    job = None
    if path.is_file():
        m = re.match(r"^(?P<job>.+?)_(model|full_data|summary_confidences)_\d+\.(cif|json)$", path.name)
        job = m["job"] if m else None
    items = _plan_server(folder, job) or _plan_local(folder, context)
    if not items:
        raise PredictionError(f"{path}: no AlphaFold3 models found (no *_model_N.cif or *model.cif)")
    return [AlphaFold3Plan(model=i["model"], rank=i["rank"], structure=i["structure"], confidences=i["confidences"],
                           summary=i["summary"], summary_expected=i.get("summary_expected")) for i in items]


def _token_index_per_residue(table: ResidueTable, conf: dict, path: Path, context: ReadContext) -> np.ndarray:
    """Index of the one token kept per polymer residue (the CA token of multi-token residues). The models of
    a run have the same tokens and residues: the reduction is kept in ``context`` (read-only), keyed by the
    token lists (as tuples) and the contents of the residue fields it reads (``context.content_key``)."""
    chains, res_ids = conf.get("token_chain_ids"), conf.get("token_res_ids")
    if type(chains) is not list or type(res_ids) is not list:  # refused or converted by _reduce_tokens
        return _reduce_tokens(table, conf, path)
    key = (tuple(chains), tuple(res_ids), content_key(table.chain_ids, table.label_seq, table.n_heavy_atoms,
                                                      table.ca_heavy_index))

    def build() -> np.ndarray:
        keep = _reduce_tokens(table, conf, path)
        keep.flags.writeable = False
        return keep

    return context.layout_for("alphafold3_tokens", key, build)


def _reduce_tokens(table: ResidueTable, conf: dict, path: Path) -> np.ndarray:
    chains = np.array([str(c) for c in require(conf, "token_chain_ids", path)], dtype=str)
    try:
        res_ids = np.asarray(require(conf, "token_res_ids", path), dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PredictionError(f"{path}: token_res_ids are not integers ({exc})") from exc
    if res_ids.ndim != 1:
        raise PredictionError(f"{path}: token_res_ids is not a list of integers")
    if len(chains) != len(res_ids):
        raise PredictionError(f"{path}: {len(chains)} token_chain_ids but {len(res_ids)} token_res_ids")
    n_res = table.n_residues
    res_chains = np.asarray(table.chain_ids, dtype=str)
    res_labels = np.asarray(table.label_seq, dtype=int)
    # one integer key per (chain id, residue id), for the tokens and for the residues
    _, codes = np.unique(np.concatenate([chains, res_chains]), return_inverse=True)
    ids = np.concatenate([res_ids, res_labels])
    low = int(ids.min()) if ids.size else 0
    span = (int(ids.max()) - low + 1) if ids.size else 1
    keys = codes.astype(np.int64) * span + (ids - low)
    tok_keys, res_keys = keys[: chains.size], keys[chains.size:]
    # tokens grouped by key, in token order within a group
    order = np.argsort(tok_keys, kind="stable")
    group_keys, group_start, group_size = np.unique(tok_keys[order], return_index=True, return_counts=True)
    g = np.searchsorted(group_keys, res_keys)
    found = g < group_keys.size
    found[found] = group_keys[g[found]] == res_keys[found]
    g = np.where(found, g, 0)
    n_tok = np.where(found, group_size[g] if group_size.size else 0, 0)
    n_heavy = np.asarray(table.n_heavy_atoms, dtype=int)
    single = found & (n_tok == 1)
    multi = found & ~single & (n_tok == n_heavy)
    bad = np.flatnonzero(~(single | multi))
    if bad.size:
        r = int(bad[0])
        key = (res_chains[r], int(res_labels[r]))
        if not found[r]:
            raise PredictionError(f"{path}: no token for residue {key[0]} {key[1]} of the structure")
        raise PredictionError(
            f"{path}: residue {key[0]} {key[1]} has {int(n_tok[r])} tokens but "
            f"{int(n_heavy[r])} heavy atoms in the structure"
        )
    if n_res == 0:
        return np.empty(0, dtype=int)
    offset = np.where(single, 0, np.asarray(table.ca_heavy_index, dtype=int))
    return order[group_start[g] + offset].astype(int)


def _chain_pair_iptm(summary: dict, token_chains: list[str], path: Path) -> dict[tuple[str, str], float]:
    matrix = summary.get("chain_pair_iptm")
    if matrix is None:
        return {}
    order = list(dict.fromkeys(token_chains))
    arr = as_matrix(matrix, path, "chain_pair_iptm")
    if arr.shape != (len(order), len(order)):
        raise PredictionError(f"{path}: chain_pair_iptm is {arr.shape}, expected {len(order)} chains {order}")
    return {(a, b): float(arr[i, j]) for i, a in enumerate(order) for j, b in enumerate(order)}


def _same_strings(values: list, expected: np.ndarray, context: ReadContext) -> bool:
    """``[str(v) for v in values] == expected.tolist()``, vectorised when every value is a str. The answer is
    kept in ``context`` (the atom_chain_ids of the models of one run are the same list): keyed by the values
    as a tuple and the contents of ``expected``; a tuple equal to a tuple of str holds the same str (only a
    str equals a str), so the answer holds for it."""
    if not isinstance(values, list):
        return [str(v) for v in values] == expected.tolist()
    return context.layout_for("alphafold3_atom_chains", (tuple(values), content_key(expected)),
                              lambda: _compare_strings(values, expected))


def _compare_strings(values: list, expected: np.ndarray) -> bool:
    if len(values) != expected.shape[0]:
        return False
    if not all(type(v) is str for v in values):
        return [str(v) for v in values] == expected.tolist()
    return bool((np.array(values, dtype=str) == expected).all()) if values else True


def _chain_layout(chains, res_ids) -> dict[str, list[int]]:
    """Chain -> its residue numbers in order (consecutive repeats, the atoms/tokens of one residue, once)."""
    layout: dict[str, list[int]] = {}
    for c, r in zip(chains, res_ids):
        numbers = layout.setdefault(str(c), [])
        if not numbers or numbers[-1] != r:
            numbers.append(int(r))
    return layout


def _show_layout(layout: dict[str, list[int]]) -> str:
    def one(numbers: list[int]) -> str:
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
        shown = ",".join(map(str, numbers[:12]))
        return shown + (",..." if len(numbers) > 12 else "")

    return "; ".join(f"{c}: {len(n)} residues {one(n)}" for c, n in layout.items() if n)


def _match_chain_ids(conf: dict, table: ResidueTable, conf_path: Path, cif: Path) -> dict:
    """The confidences with their chain IDs renamed to the structure's when the two files name the
    chains differently but hold the same residues in the same order (chain by chain in file order: the
    same number of chains, each with the same residue numbers); a warning says so. When the residues
    differ too, ``PredictionError`` shows both residue sequences."""
    token_chains = [str(c) for c in conf["token_chain_ids"]]
    structure_chains = set(np.asarray(table.chain_ids, dtype=str).tolist())
    token_order = list(dict.fromkeys(token_chains))
    if structure_chains <= set(token_order):
        return conf
    try:
        res_ids = [int(r) for r in require(conf, "token_res_ids", conf_path)]
    except (TypeError, ValueError) as exc:
        raise PredictionError(f"{conf_path}: token_res_ids are not integers ({exc})") from exc
    polymer = _chain_layout(np.asarray(table.chain_ids, dtype=str), np.asarray(table.label_seq, dtype=int))
    tokens = _chain_layout(token_chains, res_ids)
    atom_order = list(dict.fromkeys(np.asarray(table.atom_chain_ids, dtype=str).tolist()))
    mapping = dict(zip(token_order, atom_order)) if len(atom_order) == len(token_order) else {}
    same = bool(mapping) and all(tokens[t] == polymer[s] for t, s in mapping.items() if s in polymer)
    if not same:
        raise PredictionError(
            f"{conf_path}: chain IDs {', '.join(token_order)} are not those of {cif} "
            f"({', '.join(atom_order)}) and the residues differ, so the chains cannot be matched: "
            f"{conf_path.name}: {_show_layout(tokens)} | {cif.name}: {_show_layout(polymer)}"
        )
    warnings.warn(RunWarning(
        f"{conf_path}: chain IDs {', '.join(token_order)} differ from {cif.name}'s "
        f"({', '.join(atom_order)}); the residues agree chain by chain, so chains were mapped in order "
        + ", ".join(f"{t}->{s}" for t, s in mapping.items())
    ), stacklevel=2)
    conf = dict(conf)
    conf["token_chain_ids"] = [mapping[c] for c in token_chains]
    if conf.get("atom_chain_ids") is not None:
        conf["atom_chain_ids"] = [mapping.get(str(c), str(c)) for c in conf["atom_chain_ids"]]
    return conf


def _load_model(item: AlphaFold3Plan, context: ReadContext) -> ModelPrediction:
    cif, conf_path, summary_path = item.structure, item.confidences, item.summary
    max_bytes = context.max_bytes
    st, atoms = read_atoms(cif, context)  # numpy from the _atom_site loop, gemmi when it declines
    table = residue_table(st, cif, atoms, context)
    # pae as an array; contact_probs, half of the file, is read by no metric: see json_arrays
    conf = load_json_arrays(conf_path, max_bytes, vectors=("atom_plddts",), skip=("contact_probs",))
    if summary_path is None:
        _no_summary(item.summary_expected, cif.name)
    summary = load_json(summary_path, max_bytes) if summary_path is not None else {}
    for path, data in ((conf_path, conf), (summary_path, summary)):
        if not isinstance(data, dict):
            raise PredictionError(f"{path}: expected a JSON object, got {type(data).__name__}")
    tokens = require(conf, "token_chain_ids", conf_path)
    if not isinstance(tokens, list):
        raise PredictionError(f"{conf_path}: token_chain_ids is not a list")
    conf = _match_chain_ids(conf, table, conf_path, cif)
    pae = as_matrix(require(conf, "pae", conf_path), conf_path, size=len(tokens), size_of="token_chain_ids",
                    model=item.model)
    keep = _token_index_per_residue(table, conf, conf_path, context)
    atom_plddts = require(conf, "atom_plddts", conf_path)
    if isinstance(atom_plddts, np.ndarray):  # json_arrays: already checked to be a flat list of numbers
        atom_plddts = atom_plddts.astype(float, copy=False)
    elif not isinstance(atom_plddts, list) or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) for v in atom_plddts
    ):
        raise PredictionError(f"{conf_path}: atom_plddts is not a list of numbers")
    else:
        atom_plddts = np.asarray(atom_plddts, dtype=float)
    n_atoms = table.atom_chain_ids.shape[0]
    if atom_plddts.shape != (n_atoms,):
        raise PredictionError(
            f"{conf_path}: {atom_plddts.size} atom_plddts but {cif} has {n_atoms} atoms"
        )
    atom_chains = conf.get("atom_chain_ids")
    if atom_chains is not None and not _same_strings(atom_chains, table.atom_chain_ids, context):
        raise PredictionError(f"{conf_path}: atom_chain_ids do not follow the atom order of {cif}")
    chain_pair_iptm = _chain_pair_iptm(summary, [str(c) for c in conf["token_chain_ids"]], summary_path)
    # one token per residue, in order (no modified residue, no ligand): the PAE is the residues' already
    one_per_residue = keep.size == pae.shape[0] and bool((keep == np.arange(keep.size)).all())
    iptm = to_float(summary.get("iptm"), f"{summary_path}: iptm")  # null (one chain) -> NaN
    ptm = to_float(summary.get("ptm"), f"{summary_path}: ptm")
    return from_structure(item, FORMAT, table, st, atoms, plddt=atom_plddts[table.cb_atom_index],
                          pae=pae if one_per_residue else pae[np.ix_(keep, keep)], iptm=iptm, ptm=ptm,
                          ranking_confidence=ranking_confidence(iptm, ptm),
                          ranking_score=to_float(summary.get("ranking_score"), f"{summary_path}: ranking_score"),
                          chain_pair_iptm=chain_pair_iptm, structure_path=cif,
                          sources={"pae": conf_path, "plddt": conf_path, "iptm": summary_path, "ptm": summary_path,
                                   "ranking_confidence": summary_path, "ranking_score": summary_path,
                                   "chain_pair_iptm": summary_path})


def read_run(path: Path, context: ReadContext | None = None) -> Iterator[ModelPrediction]:
    """Yield the models of an AlphaFold3 run (server or local folder, or one of its files), best first.
    ``context``: the byte limit and the layouts kept between models (None: a fresh one)."""
    context = context_or_new(context)
    plan = _plan(Path(path), context)
    return (_load_model(item, context) for item in plan)
