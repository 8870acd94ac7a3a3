"""Shape complementarity in the process against in a forked child (the time-limit path of
``tfbind.metrics.shape_complementarity``): wall time per call on real structures, and what the child adds.

Usage (from the checkout; the fixtures folder beside it, as the tests use it):

    .venv/bin/python workflow/benchmarks/bench_sc_isolation.py [--fixtures ../shared/fixtures] [--repeat 7]

For each chain pair of the 5b8c ColabFold model (139/120/111 residues), the two ways are timed alternately in
the same passes (a busy machine slows both alike): ``compute(..., isolate=False)`` and ``isolate=True``. Wall
time, since the child's CPU is not the parent's. Reports the median per way, the difference and the ratio, and
checks that both give the same three numbers.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's workflow/ (tfbind)

from tfbind.metrics.interface import chain_atoms  # noqa: E402
from tfbind.metrics.shape_complementarity import compute  # noqa: E402
from tfbind.readers.structure import read_structure  # noqa: E402

MODEL = "colabfold_5b8c/5b8c_unrelaxed_alphafold2_multimer_v3_model_4_seed_000.pdb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=Path(__file__).resolve().parents[2].parent / "shared" /
                        "fixtures")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    structure = read_structure(args.fixtures / MODEL)
    print(f"# bench_sc_isolation.py: {MODEL}, {args.repeat} alternating passes; {platform.machine()}, "
          f"Python {platform.python_version()}; {date.today()}")
    print("| chains | atoms | in process: median s | in a child: median s | child adds (ms) | ratio |")
    print("|---|---|---|---|---|---|")
    for a, b in (("A", "B"), ("A", "C"), ("B", "C")):
        atoms = chain_atoms(structure, a, b)
        ia, ib = atoms.is_tf.nonzero()[0], (~atoms.is_tf).nonzero()[0]
        molecules = (atoms.xyz[ia], atoms.name[ia], atoms.res_name[ia], atoms.xyz[ib], atoms.name[ib],
                     atoms.res_name[ib])
        times: dict[bool, list[float]] = {False: [], True: []}
        results = {}
        for _ in range(args.repeat):
            for isolate in (False, True):
                start = time.perf_counter()
                results[isolate] = compute(*molecules, isolate=isolate)
                times[isolate].append(time.perf_counter() - start)
        if results[False] != results[True]:
            raise SystemExit(f"chains {a}/{b}: different values: {results[False]} vs {results[True]}")
        inside, child = statistics.median(times[False]), statistics.median(times[True])
        print(f"| {a}/{b} | {ia.size + ib.size:,} | {inside:.3f} | {child:.3f} | {(child - inside) * 1000:+.0f} | "
              f"{child / inside:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
