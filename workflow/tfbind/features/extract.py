"""Feature extraction: one AlphaFold run -> one row per model and one row per pair.

``extract_pair`` reads the run's models one at a time (``tfbind.readers.read_run`` yields them
lazily, top-ranked first), assigns the TF and domain chains once, checks that every model has the same
chains, and computes the per-model metrics; shape complementarity only for the models that
``features.shape_complementarity`` selects (``top``: the first model read; ``all``; ``off``: none), NaN for
the others, and a model whose structure the Sc library refuses keeps its other metrics (Sc NaN, a note).
``run_shard`` does this for every pair of a shard manifest, catching each pair's failure so that one bad
run never loses the others' results: failures go to the shard's ``failed`` table with the stage and the
reason.

Two guards keep one hostile run from taking the shard with it:

* a time limit per pair (``features.pair_timeout_s``): :func:`time_limit` arms a real-time interval
  timer (``setitimer(ITIMER_REAL)``) whose SIGALRM handler raises :class:`PairTimeout` in the main
  thread; the pair becomes a failed row with stage ``timeout``. A Snakemake ``script:`` job runs the
  script as the main thread of its own Python process, so the signal reaches it (Linux, macOS).
  Python runs signal handlers between bytecodes and interrupts blocking system calls (a FIFO, a
  hung network file system read), but not a single long call inside a C extension; those are
  bounded by the size cap on every input instead (``features.max_input_mb``), and freesasa's call, whose
  memory grows with the volume of the interface atoms' bounding box rather than the file size, by the box
  limit of ``tfbind.metrics.interface_sasa`` (a ``ValueError``: a failed pair, stage ``metrics``). The longest such call
  is the shape-complementarity library's (about 1-2.5 s per model of a real complex, growing with the
  square of the interface size), which runs in a child process that the limit stops when the molecules are
  larger than a TF tile on a domain (``tfbind.metrics.shape_complementarity``, "Time limit");
* before a pair is read its id and path go to the shard log, so if the job dies anyway (killed by
  the scheduler for memory or time, a crash in a library) the last line of
  ``results/logs/features/<shard>.log`` names the pair to exclude.
"""

from __future__ import annotations

import ctypes
import logging
import math
import signal
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PredictionError, RunWarning
from ..io import rows_to_table, write_parquet
from ..metrics import confidence_metrics, interface_metrics
from ..metrics.confidence import pair_blocks
from ..metrics.interface_residues import interface_mask, residue_text, tile_positions
from ..metrics.shape_complementarity import model_shape_complementarity, no_value
from ..plan.archives import extraction_failure
from ..plan.pairs import records_from_manifest
from ..plan.sequences import SequenceRecord
from ..plan.settings import ExtractSettings
from ..plan.shards import read_manifest
from ..readers import detect_format, read_run
from ..readers.context import ReadContext
from ..readers.prediction import ModelPrediction
from .chains import ChainAssignment, assign_chains
from .descriptors import pair_descriptors
from .failed import write_failed, write_warnings
from .schema import CONFIDENCE_METRICS, MODEL_SCHEMA, PAIR_SCHEMA

log = logging.getLogger(__name__)


class PairTimeout(BaseException):
    """Raised by the SIGALRM handler when a pair passes its time limit. A ``BaseException`` so that no
    ``except Exception`` on the way (readers, libraries) can swallow it."""


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`PairTimeout` in the block after ``seconds`` of wall time (0: no limit). Only in
    the main thread of a process (signals are delivered there); elsewhere it does nothing."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise PairTimeout(f"no result after {seconds:g} s (features.pair_timeout_s)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: glibc ``mallopt`` parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> bool:
    """Let glibc's malloc keep freed memory for the next model instead of handing it back to the kernel.

    Each model allocates and frees buffers of a few hundred KB to a few MB (file bytes, the JSON parser's
    tape, PAE matrices). By default glibc serves blocks above its mmap threshold (128 KiB, raised
    dynamically) with ``mmap`` and trims the heap top above 128 KiB on ``free``, so the next model touches
    fresh pages again: about 400-800 page faults per AlphaFold3 model, 1-2 ms of system time on this
    (virtualised) machine. With the mmap threshold at 32 MiB (glibc's maximum on 64-bit) and the trim
    threshold at 256 MiB the freed blocks are reused (mallopt(3)); a job then holds on to its largest
    model's working set, which it needed anyway. True when set (glibc), False elsewhere (other C
    libraries: nothing changes)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 256 << 20))


@dataclass(frozen=True)
class Note:
    """A note on a scored pair for ``warnings.tsv``: where it arose (``read``, ``shape_complementarity``)
    and what it says."""

    stage: str
    text: str

    def __str__(self) -> str:
        return self.text


def _model_row(
    pair: dict,
    domain: SequenceRecord,
    pred: ModelPrediction,
    chains: ChainAssignment,
    settings: ExtractSettings,
    top: bool,
    tf_sequence: str = "",
    context: ReadContext | None = None,
) -> dict:
    """One models.parquet row; ``top``: the run's top-ranked model (Sc with ``features.shape_complementarity``
    top; the interface residues ``interface_residues_tile``, a pairs.parquet column, in positions of
    ``tf_sequence``)."""
    cutoff = settings.ipsae_pae_cutoff[pred.source_format]
    blocks = pair_blocks(pred, chains.tf_chain, chains.domain_chain)
    row = {
        "pair_id": pair["pair_id"],
        "tf_id": pair["tf_id"],
        "domain_id": pair["domain_id"],
        "domain_category": domain.category,
        "source_format": pred.source_format,
        "model_name": pred.model_name,
        "model_rank": pred.model_rank,
        "tf_chain": chains.tf_chain,
        "domain_chain": chains.domain_chain,
        "tf_length": int(pred.chain_mask(chains.tf_chain).sum()),
        "domain_length": int(pred.chain_mask(chains.domain_chain).sum()),
        "iptm_chain_pair": pred.chain_pair_iptm.get((chains.tf_chain, chains.domain_chain), math.nan),
        "tf_chain_identity": chains.tf_identity,
        "domain_chain_identity": chains.domain_identity,
        "n_chains": len(pred.sequences),
        "prediction": pair["prediction"],
    }
    row.update(confidence_metrics(pred, chains.tf_chain, chains.domain_chain, cutoff, blocks))
    if top:  # the contact map and PAE blocks of the confidence metrics: a few microseconds more per pair
        mask = interface_mask(blocks.contacts, blocks.pae_ab, blocks.pae_ba,
                              settings.interface_pae_cutoff[pred.source_format])
        chain_sequence = pred.sequences[chains.tf_chain]
        row["interface_residues_tile"] = residue_text(
            mask, tile_positions(chain_sequence, tf_sequence or chain_sequence), tf_sequence or chain_sequence)
    row.update(interface_metrics(pred, chains.tf_chain, chains.domain_chain, sasa=settings.sasa, context=context))
    if settings.computes_sc(top):
        sc = model_shape_complementarity(pred, chains.tf_chain, chains.domain_chain, context)
        if sc.problem:  # a refused model keeps its other metrics: NaN and a note, never a failed pair
            warnings.warn(RunWarning(
                f"pair {pair['pair_id']}: model {pred.model_name} ({pred.structure_path}): shape complementarity "
                f"left NaN ({sc.n_atoms_a} TF + {sc.n_atoms_b} domain atoms): {sc.problem}",
                stage="shape_complementarity"))
        row.update(sc.columns())
    else:
        row.update(no_value())
    return row


def summarise_pair(model_rows: list[dict], tf: SequenceRecord, domain: SequenceRecord) -> dict:
    """The top-ranked model's values, ``<metric>_mean`` over all models (confidence metrics),
    ``n_models``, the sequences and their descriptors."""
    top = min(model_rows, key=lambda r: r["model_rank"])
    row = dict(top)
    # one row per metric (C order: each row's sum is the same pairwise sum as np.nanmean of that row alone)
    values = np.array([[r[metric] for r in model_rows] for metric in CONFIDENCE_METRICS], dtype=float)
    defined = np.isfinite(values).any(axis=1)
    means = np.full(len(CONFIDENCE_METRICS), math.nan)
    means[defined] = np.nanmean(values[defined], axis=1)
    for metric, mean in zip(CONFIDENCE_METRICS, means.tolist()):
        row[f"{metric}_mean"] = mean
    row["n_models"] = len(model_rows)
    row["tf_sequence"] = tf.sequence
    row["domain_sequence"] = domain.sequence
    row["tf_group"] = tf.group or None
    row.update(pair_descriptors(tf.sequence, domain.sequence))
    return row


def extract_pair(
    pair: dict,
    tfs: dict[str, SequenceRecord],
    domains: dict[str, SequenceRecord],
    settings: ExtractSettings,
    notes: list[Note] | None = None,
    context: ReadContext | None = None,
) -> tuple[list[dict], dict]:
    """Score every model of one pair's run; raise ``PredictionError`` on any problem with the run.

    ``context``: the reading state shared with the other pairs of the shard (:class:`~tfbind.readers.context.
    ReadContext`: ``settings.max_input_bytes`` and the layouts its models share); None: a fresh one for this
    pair.

    A run scored from part of its files (no predictor summary, no ``ranking_debug.json``) or read with
    a repair (chain IDs mapped by order) is scored, and so is a model whose Sc the library refused (NaN);
    the readers and metrics say so with a ``RunWarning``, which is appended to ``notes`` as a
    :class:`Note` (its stage and message) when it is given.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunWarning)
        try:
            if context is None:
                context = ReadContext(settings.max_input_bytes)
            elif context.max_bytes != settings.max_input_bytes:
                raise ValueError(f"extract_pair: the context's max_bytes {context.max_bytes} is not the settings' "
                                 f"max_input_bytes {settings.max_input_bytes}")
            return _extract_pair(pair, tfs, domains, settings, context)
        finally:
            for w in caught:
                if issubclass(w.category, RunWarning):
                    if notes is not None:
                        notes.append(Note(getattr(w.message, "stage", "read"), str(w.message)))
                else:
                    log.warning("pair %s: %s: %s", pair["pair_id"], w.category.__name__, w.message)


def _extract_pair(pair, tfs, domains, settings, context: ReadContext) -> tuple[list[dict], dict]:
    tf, domain = tfs[pair["tf_id"]], domains[pair["domain_id"]]
    path = Path(pair["prediction"])
    where = f"pair {pair['pair_id']} ({path})"
    if not path.exists():
        failure = extraction_failure(path)  # a zip of predictions_dir that could not be extracted
        if failure:
            raise PredictionError(f"{where}: {failure}", "archive")
    fmt = pair.get("format") or detect_format(path)
    chains: ChainAssignment | None = None
    reference_sequences: dict[str, str] | None = None
    rows = []
    for pred in read_run(path, fmt, context=context):
        if chains is None:
            chains = assign_chains(
                pred.sequences,
                tf.sequence,
                domain.sequence,
                pair.get("tf_chain", ""),
                pair.get("domain_chain", ""),
                settings.min_identity,
                where,
            )
            reference_sequences = pred.sequences
        elif pred.sequences != reference_sequences:
            raise PredictionError(
                f"{where}: model {pred.model_name} has different chains/sequences from the top model", "read"
            )
        try:
            # read_run yields the top-ranked model first
            rows.append(_model_row(pair, domain, pred, chains, settings, top=not rows, tf_sequence=tf.sequence,
                                   context=context))
        except (ValueError, IndexError) as exc:
            raise PredictionError(f"{where}: model {pred.model_name}: {exc}", "metrics") from exc
    if not rows:
        raise PredictionError(f"{where}: the run holds no models", "read")
    return rows, summarise_pair(rows, tf, domain)


def run_shard(
    manifest: str | Path,
    out_models: str | Path,
    out_pairs: str | Path,
    out_failed: str | Path,
    settings: ExtractSettings,
    out_warnings: str | Path | None = None,
) -> tuple[int, int]:
    """Extract every pair of a shard manifest (pairs with their sequences); return (scored, failed).

    Pairs scored with a warning (``extract_pair``) are scored; each note is logged and, with
    ``out_warnings``, written there (``pair_id, stage, note``)."""
    keep_freed_memory()
    # one reading context for the shard: its byte limit, and the layouts consecutive models share
    context = ReadContext(settings.max_input_bytes)
    table = read_manifest(manifest)
    tfs, domains = records_from_manifest(table)
    pairs = table.to_dict("records")
    name = Path(manifest).stem
    log.info("%s: %d pairs to extract", name, len(pairs))
    model_rows, pair_rows, failed, noted = [], [], [], []
    start, cpu_start = time.perf_counter(), time.process_time()
    for i, pair in enumerate(pairs, start=1):
        # Written (and flushed) before the pair is read: a job that dies names its pair in its log.
        log.info("%s: pair %d/%d %s: reading %s", name, i, len(pairs), pair["pair_id"], pair["prediction"])
        notes: list[Note] = []
        try:
            try:
                with time_limit(settings.pair_timeout_s):
                    rows, summary = extract_pair(pair, tfs, domains, settings, notes, context)
            except PairTimeout as exc:
                raise PredictionError(f"pair {pair['pair_id']} ({pair['prediction']}): {exc}", "timeout") from None
        except Exception as exc:  # noqa: BLE001 - any failure of one pair is recorded, not fatal
            if settings.on_error == "fail":
                raise
            stage = getattr(exc, "stage", "extract")
            reason = str(exc) if isinstance(exc, PredictionError) else f"{type(exc).__name__}: {exc}"
            failed.append({"pair_id": pair["pair_id"], "stage": stage, "reason": reason})
            log.warning("%s: pair %s skipped (%s): %s", name, pair["pair_id"], stage, reason)
            continue
        for note in notes:
            log.warning("%s: pair %s scored with a warning: %s", name, pair["pair_id"], note)
            noted.append({"pair_id": pair["pair_id"], "stage": note.stage, "note": note.text})
        model_rows.extend(rows)
        pair_rows.append(summary)
        if i % 25 == 0 or i == len(pairs):
            log.info("%s: %d/%d pairs done (%.1f s)", name, i, len(pairs), time.perf_counter() - start)
    write_parquet(rows_to_table(model_rows, MODEL_SCHEMA), out_models)
    write_parquet(rows_to_table(pair_rows, PAIR_SCHEMA), out_pairs)
    write_failed(failed, out_failed)
    if out_warnings is not None:
        write_warnings(noted, out_warnings)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rate = len(pairs) / elapsed if elapsed > 0 else math.inf
    log.info(
        "%s: %d pairs scored (%d notes in warnings.tsv), %d skipped, %d model rows in %.1f s "
        "(%.1f pairs/s; %.2f s CPU)",
        name, len(pair_rows), len(noted), len(failed), len(model_rows), elapsed, rate, cpu,
    )  # fmt: skip
    return len(pair_rows), len(failed)
