"""Merging, ranking and the ranking plots of a 10^6-pair screen: wall time and peak memory (issue 13, goal 4).

Usage (from the checkout):

    .venv/bin/python workflow/benchmarks/bench_merge.py --pairs 1000000 [--shard-size 100]
        [--workdir /tmp/tfbind_merge] [--baseline] [--keep] [--reuse] [--steps merge rank plots]

Synthetic shards with the real schema (``tfbind.features.schema``: MODEL_SCHEMA, 3 model rows per pair, and
PAIR_SCHEMA, one row per pair with an 80-residue tile sequence), N/4 tiles x the four EP300 domains, written as
the extraction jobs write them (``tfbind.io.write_parquet``) plus one failure table per shard (one failed pair
in every tenth shard). Tiles belong to genes of TILES_PER_GENE consecutive tiles, 10 residues apart (the TF
FASTA written for the plots says so with ``gene= start= end=``; ``tf_group`` = the gene). Metric values are
uniform random in their valid ranges (``tfbind.ranges``-like: ipTM
0-1, PAE 0-32, LIA a count ...), which is all the merge and the ranking look at. Each step runs in a fresh
Python process (so imports and memory are the step's own), through the package code the rules call:

* ``merge``: ``tfbind.features.merge.merge_features`` (rule ``merge_features``);
* ``merge (in-memory, before)`` with ``--baseline``: every shard read and concatenated in memory before writing,
  as ``tfbind.io.concat_parquet`` did before it streamed;
* ``rank``: ``tfbind.ranking.outputs.rank_candidates`` (rule ``rank_candidates``: consensus, calls, per-domain
  TSV, workbook, Parquet, summary, report page; no model scores);
* ``plots``: what rule ``rank_plots`` runs (``tfbind.ranking.plots.heatmap`` and ``tracks`` with the default
  ``rank.heatmap_tiles`` and ``rank.track_genes``, the TF FASTA read by ``tile_coordinates``).

``--reuse --steps plots`` redraws the plots of a ``--keep`` run without merging and ranking again.

Peak memory = the process's maximum resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, read
by the process itself at its end); wall time includes the step's imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

WORKFLOW = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(WORKFLOW))

from tfbind.features.schema import MODEL_SCHEMA, PAIR_SCHEMA  # noqa: E402
from tfbind.io import write_parquet  # noqa: E402

DOMAINS = {"KIX": "KIX", "NCBD": "NCBD", "TAZ1": "TAZ1", "TAZ2": "TAZ2"}
TILES_PER_GENE = 100  # 250,000 tiles = 2,500 genes at 10^6 pairs
HEATMAP_TILES, TRACK_GENES = 200, 50  # the config defaults (workflow/schemas/config.schema.yaml)
AMINO = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", dtype=np.uint8)
#: (low, high) of the uniform draw per column (prefix match); others 0-1.
RANGES = {"plddt": (30, 95), "pae": (1, 31), "lia": (0, 6000), "clia": (0, 3000), "n_contact": (0, 120),
          "n_interface": (0, 60), "bsa": (0, 3000), "interface_area": (0, 1500), "solvation_energy": (-20, 5),
          "n_hbonds": (0, 20), "n_salt": (0, 8), "tf_kd_mean": (-2, 1), "tf_ncpr": (-0.3, 0.2),
          "domain_ncpr": (-0.1, 0.1), "tf_kappa": (0, 1)}


def _range(name: str) -> tuple[float, float]:
    for prefix, lohi in RANGES.items():
        if name.startswith(prefix):
            return lohi
    return (0.0, 1.0)


def shard_tables(first: int, n: int, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """(models, pairs) tables of pairs ``first .. first + n - 1`` (pair i: tile i // 4, domain i % 4)."""
    idx = np.arange(first, first + n)
    doms = np.array(list(DOMAINS))[idx % 4]
    tiles = np.char.add("TILE", np.char.zfill((idx // 4).astype(str), 7))
    pair_id = np.char.add(np.char.add(doms, "_and_"), tiles)
    seq = AMINO[rng.integers(0, 20, size=(n, 80))].view("S80").ravel().astype(str)

    def table(schema: pa.Schema, reps: int) -> pa.Table:
        cols = {}
        for fld in schema:
            name = fld.name
            if name in ("pair_id", "prediction"):
                v = np.repeat(pair_id, reps)
                cols[name] = v if name == "pair_id" else np.char.add("/screen/runs/", v)
            elif name == "tf_id":
                cols[name] = np.repeat(tiles, reps)
            elif name == "tf_group":
                genes = np.char.zfill((idx // 4 // TILES_PER_GENE).astype(str), 5)
                cols[name] = np.repeat(np.char.add("GENE", genes), reps)
            elif name in ("domain_id", "domain_category"):
                cols[name] = np.repeat(doms, reps)
            elif name == "source_format":
                cols[name] = np.full(n * reps, "alphafold2")
            elif name == "model_name":
                cols[name] = np.tile(np.array([f"model_{k + 1}_multimer_v3_pred_0" for k in range(reps)]), n)
            elif name in ("tf_chain", "domain_chain"):
                cols[name] = np.full(n * reps, "B" if name == "tf_chain" else "A")
            elif name == "tf_sequence":
                cols[name] = seq
            elif name == "domain_sequence":
                cols[name] = np.char.add("DOMAINSEQUENCE", doms)
            elif name == "score_table_interface":
                cols[name] = pa.nulls(n * reps, pa.string())
            elif name == "model_rank":
                cols[name] = np.tile(np.arange(reps), n)
            elif name in ("n_models", "n_chains"):
                cols[name] = np.full(n * reps, 3 if name == "n_models" else 2)
            elif name in ("tf_length", "domain_length"):
                cols[name] = np.full(n * reps, 80)
            elif name in ("shape_complementarity", "pi_score", "iptm_chain_pair"):
                cols[name] = np.full(n * reps, np.nan)
            else:
                lo, hi = _range(name)
                v = rng.uniform(lo, hi, n * reps)
                cols[name] = np.round(v) if name.startswith(("lia", "clia", "n_")) else v
        return pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in schema}, schema=schema)

    return table(MODEL_SCHEMA, 3), table(PAIR_SCHEMA, 1)


def write_shards(work: Path, n_pairs: int, shard_size: int, seed: int = 0) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    parts = {"models": [], "pairs": [], "failed": []}
    shards = work / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    for k, first in enumerate(range(0, n_pairs, shard_size)):
        n = min(shard_size, n_pairs - first)
        models, pairs = shard_tables(first, n, rng)
        stem = shards / f"shard_{k:05d}"
        write_parquet(models, f"{stem}.models.parquet")
        write_parquet(pairs, f"{stem}.pairs.parquet")
        failed = "pair_id\tstage\treason\n" + (f"FAILED_{k}\tread\tno PAE file in /screen/runs/FAILED_{k}\n"
                                               if k % 10 == 0 else "")
        Path(f"{stem}.failed.tsv").write_text(failed)
        for kind in parts:
            parts[kind].append(f"{stem}.{kind}.{'tsv' if kind == 'failed' else 'parquet'}")
    (work / "unmatched.tsv").write_text("name\treason\n")
    return parts


def write_tf_fasta(path: Path, n_pairs: int) -> None:
    """The screen's TF FASTA: tile i is ``TILE<i>``, gene ``GENE<i // TILES_PER_GENE>``, 80 residues from
    ``(i % TILES_PER_GENE) * 10 + 1`` (the plots read only the headers and lengths)."""
    n_tiles = (n_pairs + 3) // 4
    seq = "A" * 80
    with open(path, "w") as fh:
        for i in range(n_tiles):
            start = (i % TILES_PER_GENE) * 10 + 1
            gene = f"GENE{i // TILES_PER_GENE:05d}"
            fh.write(f">TILE{i:07d} gene={gene} start={start} end={start + 79}\n{seq}\n")


STEP_CODE = {
    "merge": """
from tfbind.features.merge import merge_features
merge_features(P["models"], P["pairs"], P["failed"], W / "unmatched.tsv", W / "models.parquet",
               W / "pairs.parquet", W / "failed.tsv")
""",
    "merge (in-memory, before)": """
import pyarrow as pa, pyarrow.parquet as pq
from tfbind.features.schema import MODEL_SCHEMA, PAIR_SCHEMA
for kind, schema in (("models", MODEL_SCHEMA), ("pairs", PAIR_SCHEMA)):
    t = pa.concat_tables([pq.read_table(p, schema=schema) for p in P[kind]])
    pq.write_table(t, W / f"before_{kind}.parquet", compression="zstd")
    del t
""",
    "rank": """
from tfbind.ranking.outputs import RankOutputs, rank_candidates
R = W / "ranking"; R.mkdir(exist_ok=True)
doms = ["KIX", "NCBD", "TAZ1", "TAZ2"]
rank_candidates(W / "pairs.parquet", W / "failed.tsv", None, doms, "none (benchmark)",
                RankOutputs({d: R / f"{d}.tsv" for d in doms}, R / "ranking.xlsx", R / "ranking.parquet",
                            R / "summary.txt", R / "ranked_candidates.html"))
""",
    "plots": f"""
import pandas as pd
from tfbind.ranking import plots
from tfbind.ranking.coordinates import tile_coordinates
R = W / "ranking" / "plots"; R.mkdir(parents=True, exist_ok=True)
table = pd.read_parquet(W / "ranking" / "ranking.parquet", columns=["tf_id", "domain_id", "consensus"])
coords = tile_coordinates(W / "tf.fasta")
shown, total = plots.heatmap(table, coords, R / "heatmap.png", max_tiles={HEATMAP_TILES})
index = plots.tracks(table, coords, R / "tracks", max_genes={TRACK_GENES})
drawn = (index["drawn"] == "yes").sum()
print(f"heatmap {{shown}} of {{total}} tiles; tracks {{drawn}} of {{len(index)}} genes", file=sys.stderr)
""",
}

RUNNER = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
sys.path.insert(0, {workflow!r})
W = Path({work!r}); P = json.loads((W / "parts.json").read_text())
{code}
print(json.dumps({{"wall_s": time.perf_counter() - t0,
                  "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_step(work: Path, name: str) -> dict:
    code = RUNNER.format(workflow=str(WORKFLOW), work=str(work), code=STEP_CODE[name])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"step {name} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    note = proc.stderr.strip().splitlines()[-1:] if name == "plots" else []
    return result | {"note": f" {note[0]}" if note else ""}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--shard-size", type=int, default=100)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/tfbind_merge"))
    ap.add_argument("--baseline", action="store_true", help="also the in-memory merge (before streaming)")
    ap.add_argument("--keep", action="store_true", help="keep the shards and outputs")
    ap.add_argument("--reuse", action="store_true", help="reuse the shards a --keep run left in --workdir")
    ap.add_argument("--steps", nargs="+", choices=["merge", "rank", "plots"],
                    default=["merge", "rank", "plots"],
                    help="steps to time (plots needs rank's ranking.parquet, rank merge's pairs.parquet)")
    args = ap.parse_args(argv)
    work = args.workdir / f"n{args.pairs}"
    t0 = time.perf_counter()
    if args.reuse and (work / "parts.json").is_file():
        parts = json.loads((work / "parts.json").read_text())
    else:
        if work.exists():
            shutil.rmtree(work)
        parts = write_shards(work, args.pairs, args.shard_size)
        (work / "parts.json").write_text(json.dumps(parts))
    gen = time.perf_counter() - t0
    sizes = {k: sum(os.path.getsize(p) for p in v) / 2**20 for k, v in parts.items()}
    print(f"bench_merge.py: {args.pairs} pairs, {len(parts['pairs'])} shards of {args.shard_size} "
          f"({sizes['models']:.0f} MiB model shards, {sizes['pairs']:.0f} MiB pair shards, "
          f"{'reused' if args.reuse else 'written'} in {gen:.0f} s); "
          f"{platform.machine()}, {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d')}")
    if not (work / "tf.fasta").is_file():
        write_tf_fasta(work / "tf.fasta", args.pairs)
    steps = [s for s in ("merge", "rank", "plots") if s in args.steps]
    if args.baseline:
        steps.insert(1, "merge (in-memory, before)")
    print("\n| step | wall s | peak memory (max RSS) MiB |\n|---|---|---|")
    for name in steps:
        r = run_step(work, name)
        print(f"| {name} | {r['wall_s']:.1f} | {r['max_rss_mib']:.0f} |{r['note']}", flush=True)
    out = {p.name: p.stat().st_size / 2**20 for p in [work / "models.parquet", work / "pairs.parquet"]}
    ranking = work / "ranking"
    out |= {p.name: p.stat().st_size / 2**20 for p in sorted(ranking.iterdir()) if p.is_file()}
    if (ranking / "plots").is_dir():
        pngs = list((ranking / "plots").rglob("*.png"))
        out[f"{len(pngs)} plot PNGs"] = sum(p.stat().st_size for p in pngs) / 2**20
    print("\noutput sizes (MiB): " + ", ".join(f"{k} {v:.1f}" for k, v in out.items()))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
