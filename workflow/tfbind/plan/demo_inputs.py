"""``demo.generate: true`` only with the demo's own inputs, checked when the workflow is parsed.

The demo generator (rule ``demo_predictions``, :func:`tfbind.demo.write_predictions`) writes synthetic runs
of its own 48 tiles x 4 EP300 domains, one per pair of the pairs table, named after the pair's
``prediction`` folder. A config copied from ``config/config.yaml`` keeps ``demo.generate: true``: pointed at
one's own FASTA files and pairs table, it failed in the first extraction job ("unknown demo pair ids:
['predictions']") or, worse, would overwrite folders of one's own predictions_dir with synthetic runs. So
the inputs the generator depends on are compared with what it writes: every TF record a demo tile with
the demo's sequence (for ``demo.seed``), every domain record a demo domain with its sequence, and every
``prediction`` of the pairs table a demo pair's folder name.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import InputError

# Run in the checkout, Snakemake reads config/config.yaml (the demo) before --configfile: its demo.generate
# stays true under a config of one's own that does not set it, hence the -d.
FIX = ("set demo.generate: false (it generates the synthetic demo's runs), or start from config/screen.yaml "
       "with -d <your workdir> (in the checkout, config/config.yaml's demo keys are read first)")


def _records(path: Path):
    """(id, sequence) of each FASTA record: the first word of the header, the sequence upper-cased without a
    final ``*`` (as read_fasta reads them). Plain text: the file's own errors are read_fasta's to report."""
    rid, seq = None, []
    with path.open(errors="replace") as handle:
        for line in handle:
            if line.startswith(">"):
                if rid is not None:
                    yield rid, "".join(seq).upper().rstrip("*")
                rid, seq = (line[1:].split() or [""])[0], []
            else:
                seq.append(line.strip())
    if rid is not None:
        yield rid, "".join(seq).upper().rstrip("*")


def _refuse(problem: str) -> None:
    raise InputError(f"demo.generate is true, but {problem}; {FIX}")


def _check_fasta(config: dict, key: str, expected: dict[str, str], what: str) -> None:
    path = Path(config[key])
    if not path.is_file():
        return  # read_fasta names the missing file
    for rid, seq in _records(path):
        if rid not in expected:
            _refuse(f"{key} {path} record {rid!r} is not a {what} of the demo")
        if seq != expected[rid]:
            _refuse(f"{key} {path} record {rid!r} is not the demo's sequence of {rid} (demo.seed "
                    f"{config['demo'].get('seed', 7)})")


def check_demo_inputs(config: dict) -> None:
    """``InputError`` (one line, with the fix) when ``demo.generate`` is true and the run's inputs are not the
    demo's; nothing when it is false or a score table replaces the runs (the generator is not planned)."""
    demo = config.get("demo") or {}
    if demo.get("generate") is not True or config.get("score_table"):
        return
    from ..demo import DOMAIN_SEQUENCES, DOMAINS, make_tiles  # the generator's own definitions

    for key in ("tf_fasta", "pairs"):
        if not config.get(key):
            _refuse(f"{key} is not set (the generator writes the runs of the demo's pairs table)")
    tiles = make_tiles(int(demo.get("seed", 7)))
    _check_fasta(config, "tf_fasta", {t.tf_id: t.seq for t in tiles}, "tile")
    _check_fasta(config, "domain_fasta", dict(DOMAIN_SEQUENCES), "domain")
    pairs = Path(config["pairs"])
    if not pairs.is_file():
        return  # the pair plan names the missing table
    names = {f"{d}_and_{t.tf_id}" for d in DOMAINS for t in tiles}
    with pairs.open(newline="", errors="replace") as handle:
        for n, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
            folder = Path((row.get("prediction") or "").strip()).name
            if folder not in names:
                _refuse(f"pairs {pairs} line {n}: prediction {folder!r} is not a run of the demo "
                        f"(its runs are folders <domain>_and_<tile>, e.g. KIX_and_SYNTF01_01)")


__all__ = ["FIX", "check_demo_inputs"]
