"""CLI: ``python -m tfbind.demo inputs OUTDIR [--seed N]`` / ``python -m tfbind.demo predictions OUTDIR``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import write_inputs, write_predictions


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tfbind.demo", description="SYNTHETIC demo data generator")
    ap.add_argument("what", choices=["inputs", "predictions"])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pairs", nargs="*", default=None, help="only these pair ids (predictions)")
    a = ap.parse_args(argv)
    t0 = time.time()
    if a.what == "inputs":
        write_inputs(a.outdir, a.seed)
        print(f"wrote demo inputs to {a.outdir}", file=sys.stderr)
    else:
        ids = write_predictions(a.outdir, a.seed, a.pairs)
        print(f"wrote {len(ids)} demo runs to {a.outdir} in {time.time() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
