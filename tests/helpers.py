"""Helpers shared by the tests (import them: ``from helpers import ...``); pytest fixtures live in
conftest.py."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

# Real AlphaFold outputs with reference values live beside the checkout (../shared/fixtures), never in it.
FIXTURES = REPO.parent / "shared" / "fixtures"


def shared_fixtures() -> Path:
    """FIXTURES, or skip the calling test (or module-scoped fixture) with the reason when it is absent."""
    import pytest

    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES} (they live beside the checkout in ../shared)")
    return FIXTURES


def run_snakemake(*args: str, workdir=None, configfile=None, cores: int = 2, cwd=None):
    """Run this checkout's Snakefile in a subprocess (optionally in another working directory/config)."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
    if workdir is not None:
        cmd += ["-d", str(workdir)]
    if configfile is not None:
        cmd += ["--configfile", str(configfile)]  # before --cores: --configfile takes several values
    cmd += ["--cores", str(cores), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or workdir or REPO)


def run_in(work, *args: str, outside: bool = False):
    """Run the workflow on the working directory ``work`` with its ``config.yaml``; ``outside``: the process
    starts in ``work``'s parent, so that relative paths must resolve against ``-d``, not the process's folder."""
    work = Path(work)
    return run_snakemake(*args, workdir=work, configfile=work / "config.yaml", cwd=work.parent if outside else None)


def planned_jobs(*args: str, **kwargs) -> dict[str, int]:
    """Rule -> job count of a dry run (Snakemake's job stats table); {} when nothing is to be done."""
    proc = run_snakemake(*args, "-n", "--quiet", "rules", **kwargs)
    assert proc.returncode == 0, proc.stderr[-2000:]
    counts = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


DEMO = REPO / "resources" / "demo"


def write_demo_config(work: Path, pairs_per_domain: int | None = None, **overrides):
    """The embedded demo's config in ``work``, reading the checkout's demo inputs by absolute path and
    generating the runs into ``work/runs``; with ``pairs_per_domain`` only the first pairs of each domain
    (a reduced demo). ``overrides`` replace top-level config keys. Returns the pairs written."""
    import pandas as pd
    import yaml

    work.mkdir(parents=True, exist_ok=True)
    pairs = pd.read_csv(DEMO / "pairs.tsv", sep="\t", dtype=str, keep_default_na=False)
    if pairs_per_domain is not None:
        pairs = pairs.groupby("domain_id", sort=False).head(pairs_per_domain)
    pairs.to_csv(work / "pairs.tsv", sep="\t", index=False)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(
        tf_fasta=str(DEMO / "tf.fasta"),
        domain_fasta=str(DEMO / "domains.fasta"),
        labels=str(DEMO / "labels.tsv"),
        pairs="pairs.tsv",
        predictions_dir="runs",
        **overrides,
    )
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return pairs


def biopython_heavy_atoms(path, chain: str):
    """(coordinates (n, 3), atom names, residue names) of every heavy atom (element not H/D) of ``chain`` in the first
    model of a PDB or mmCIF file, read with Biopython's parsers: the atoms a shape-complementarity calculation
    should see, read independently of the pipeline's gemmi-based readers. Biopython keeps coordinates as float32,
    so values computed from them agree with the pipeline's to about 1e-6, not bit for bit."""
    import numpy as np
    from Bio.PDB import MMCIFParser, PDBParser

    path = Path(path)
    parser = MMCIFParser(QUIET=True) if path.suffix.lower() in (".cif", ".mmcif") else PDBParser(QUIET=True)
    model = next(iter(parser.get_structure(path.stem, str(path))))
    coords, names, residues = [], [], []
    for residue in model[chain]:
        for atom in residue:  # AlphaFold models have no alternative locations
            if (atom.element or "").upper() in ("H", "D"):
                continue
            coords.append(atom.coord.astype(float))
            names.append(atom.get_name())
            residues.append(residue.get_resname())
    return np.array(coords).reshape(-1, 3), names, residues


def report_opening_text(report) -> str:
    """The opening text of a Snakemake HTML report (workflow.rst rendered: the ``workflow_desc`` variable of the
    self-contained page), as HTML."""
    import json
    import re

    page = Path(report).read_text(encoding="utf-8")
    found = re.search(r"var workflow_desc = (.*?);\n", page, re.S)
    assert found, f"{report}: no workflow_desc (not a Snakemake HTML report?)"
    return json.loads(found.group(1))


def biopython_interface_residues(pdb, pae, tf_chain: str, domain_chain: str, pae_cutoff: float,
                                 dist_cutoff: float = 8.0):
    """Interface residues of ``tf_chain`` (``"L12 F15"``, positions in the chain) computed independently of the
    pipeline: Biopython's PDB parser and NeighborSearch on the CB atoms (CA for Gly), CB-CB <= ``dist_cutoff``
    to a ``domain_chain`` residue with ``pae[i, j] < pae_cutoff`` and ``pae[j, i] < pae_cutoff`` (``pae``: the
    matrix of the run's JSON, rows/columns in the residue order of the file)."""
    import numpy as np
    from Bio.PDB import NeighborSearch, PDBParser
    from Bio.PDB.Polypeptide import index_to_one, three_to_index

    model = PDBParser(QUIET=True).get_structure("m", str(pdb))[0]
    order, rep = {}, []
    for chain in model:
        for res in chain:
            if res.id[0] != " ":
                continue
            order[(chain.id, res.id[1])] = len(order)
            rep.append((chain.id, res, res["CA"] if res.get_resname() == "GLY" else res["CB"]))
    search = NeighborSearch([atom for _, _, atom in rep])
    chosen = []
    for chain_id, res, atom in rep:
        if chain_id != tf_chain:
            continue
        i = order[(chain_id, res.id[1])]
        for other in search.search(atom.coord, dist_cutoff + 1e-6):
            partner = other.get_parent()
            if partner.get_parent().id != domain_chain:
                continue
            d = float(np.linalg.norm(other.coord - atom.coord))
            if d > dist_cutoff:
                continue
            j = order[(domain_chain, partner.id[1])]
            if pae[i, j] < pae_cutoff and pae[j, i] < pae_cutoff:
                chosen.append(res)
                break
    return " ".join(f"{index_to_one(three_to_index(r.get_resname()))}{k}"
                    for k, r in enumerate(model[tf_chain], start=1) if r in chosen)
