"""Damaged copies of the real fixture runs (../shared/fixtures), built in a temporary folder.

Each builder copies one fixture run to ``dest`` and damages the copy in one way; it returns the run's
path and a regular expression that the failed.tsv reason must match. The expected values (indices,
numbers, names) are written here from the files themselves, not from the code under test.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import shutil
from pathlib import Path

from helpers import FIXTURES

AP = "alphapulldown_TEST_and_A0A075B6L2"
AP_TOP = "model_2_multimer_v3_pred_0"  # order[0] of the fixture's ranking_debug.json
CF = "colabfold_5b8c"
AF3 = "af3_server_5b8c"


def copy_run(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dest


def chain_sequences(pdb: Path) -> dict[str, str]:
    """Sequence of each chain from the CA records in file order, read from the PDB text by hand."""
    three = {"ALA": "A", "ARG": "R", "ASN": "N", "ASP": "D", "CYS": "C", "GLN": "Q", "GLU": "E", "GLY": "G",
             "HIS": "H", "ILE": "I", "LEU": "L", "LYS": "K", "MET": "M", "PHE": "F", "PRO": "P", "SER": "S",
             "THR": "T", "TRP": "W", "TYR": "Y", "VAL": "V"}
    seqs: dict[str, str] = {}
    for line in pdb.read_text().splitlines():
        if line.startswith("ATOM") and line[12:16].strip() == "CA":
            seqs[line[21]] = seqs.get(line[21], "") + three[line[17:20]]
    return seqs


def _cf_scores(run: Path) -> Path:
    return next(run.glob("*_scores_*.json"))


def _cf_pdb(run: Path) -> Path:
    return next(run.glob("*.pdb"))


def _edit_json(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))  # json writes NaN as the literal NaN


def _residue_lines(lines: list[str]) -> list[list[int]]:
    """Indices of the ATOM/HETATM lines of each residue, in file order (consecutive equal columns 18-27)."""
    groups, last = [], None
    for i, line in enumerate(lines):
        if line.startswith(("ATOM  ", "HETATM")):
            key = line[17:27]
            if key != last:
                groups.append([])
                last = key
            groups[-1].append(i)
    return groups


def _set_bfactor(line: str, value: float) -> str:
    return line[:60] + f"{value:6.2f}" + line[66:]


# --- ColabFold ---------------------------------------------------------------------------------


def cf_pae_value(dest: Path, value, label: str) -> tuple[Path, str]:
    """PAE[150][300] (chain B row, chain C column: the inter-chain block scored) set to ``value``."""
    run = copy_run(CF, dest)

    def edit(d):
        d["pae"][150][300] = value

    _edit_json(_cf_scores(run), edit)
    return run, rf"{re.escape(_cf_scores(run).name)}: model .*pae\[150, 300\] = {label} is out of range"


def cf_pae_true(dest: Path) -> tuple[Path, str]:
    run = copy_run(CF, dest)
    _edit_json(_cf_scores(run), lambda d: d["pae"][150].__setitem__(300, True))
    return run, (rf"{re.escape(_cf_scores(run).name)}: "
                 r"model alphafold2_multimer_v3_model_4_seed_000: PAE holds bool values")


def cf_iptm(dest: Path, value: float) -> tuple[Path, str]:
    run = copy_run(CF, dest)
    _edit_json(_cf_scores(run), lambda d: d.__setitem__("iptm", value))
    return run, (rf"{re.escape(_cf_scores(run).name)}: model .*: "
                 rf"iptm {value} is out of range \(valid: a finite number in 0..1\)")


def cf_plddt_unit_scale(dest: Path) -> tuple[Path, str]:
    run = copy_run(CF, dest)
    pdb = _cf_pdb(run)
    lines = pdb.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(("ATOM  ", "HETATM")):
            lines[i] = _set_bfactor(line, float(line[60:66]) / 100)
    pdb.write_text("".join(lines))
    return run, rf"{re.escape(pdb.name)}: model .*: pLDDT values all lie in 0..1"


# --- AlphaPulldown / AlphaFold2 ---------------------------------------------------------------


def ap_plddt(dest: Path, value: float) -> tuple[Path, str]:
    """The first residue of ranked_0.pdb (residue index 0 of the PAE order) gets B-factor ``value``."""
    run = copy_run(AP, dest)
    pdb = run / "ranked_0.pdb"
    lines = pdb.read_text().splitlines(keepends=True)
    for i in _residue_lines(lines)[0]:
        lines[i] = _set_bfactor(lines[i], value)
    pdb.write_text("".join(lines))
    return run, rf"ranked_0\.pdb: model {AP_TOP}: plddt\[0\] = {value} is out of range"


def ap_repeated_numbering(dest: Path) -> tuple[Path, str]:
    """Residues 1 and 3 of ranked_0.pdb both numbered 1 with insertion code A (not adjacent)."""
    run = copy_run(AP, dest)
    pdb = run / "ranked_0.pdb"
    lines = pdb.read_text().splitlines(keepends=True)
    groups = _residue_lines(lines)
    chain = lines[groups[0][0]][21]
    for g in (groups[0], groups[2]):
        for i in g:
            lines[i] = lines[i][:22] + "   1A" + lines[i][27:]
    pdb.write_text("".join(lines))
    return run, rf"ranked_0\.pdb line \d+: chain '{chain}' residue 1A occurs twice"


def ap_pae_true(dest: Path) -> tuple[Path, str]:
    run = copy_run(AP, dest)
    pae = run / f"pae_{AP_TOP}.json"
    _edit_json(pae, lambda d: d[0]["predicted_aligned_error"][3].__setitem__(70, True))
    return run, rf"pae_{AP_TOP}\.json: model {AP_TOP}: PAE holds bool values"


def _replace_pae_by_pickle(run: Path, payload: bytes) -> Path:
    (run / f"pae_{AP_TOP}.json").unlink()
    path = run / f"result_{AP_TOP}.pkl"
    path.write_bytes(payload)
    return path


def ap_pickle_repeated_rows(dest: Path, n: int = 16000) -> tuple[Path, str]:
    """A result pickle whose PAE is n references to one row of n floats: a few hundred KB that would be
    an n x n matrix (2 GB at 16,000) if materialised."""
    run = copy_run(AP, dest)
    row = [1.0] * n
    payload = pickle.dumps({"predicted_aligned_error": [row] * n, "ptm": 0.5}, protocol=4)
    n_res = sum(len(s) for s in chain_sequences(run / "ranked_0.pdb").values())
    path = _replace_pae_by_pickle(run, payload)
    return run, rf"{re.escape(path.name)}: model {AP_TOP}: PAE is {n}x{n} but .*ranked_0\.pdb has {n_res}"


def ap_pickle_object_array(dest: Path) -> tuple[Path, str]:
    from test_safe_pickle_hostile import OBJECT_ARRAY_EXPLOIT

    run = copy_run(AP, dest)
    path = _replace_pae_by_pickle(run, OBJECT_ARRAY_EXPLOIT)
    return run, rf"{re.escape(path.name)}: refusing pickle content: dtype 'O'"


def ap_json_bomb(dest: Path, expanded_mib: int = 256) -> tuple[Path, str]:
    """The top model's PAE JSON replaced by gzip content expanding to ``expanded_mib`` MiB."""
    run = copy_run(AP, dest)
    path = run / f"pae_{AP_TOP}.json"
    row = b"[" + b"1.0," * 262143 + b"1.0],"
    with gzip.open(path, "wb", compresslevel=6) as fh:
        fh.write(b'[{"predicted_aligned_error": [')
        for _ in range(expanded_mib):
            fh.write(row)
    return run, rf"{re.escape(path.name)}: larger than \d+ MiB once decompressed"


def ap_fifo(dest: Path) -> tuple[Path, str]:
    """ranking_debug.json replaced by a named pipe that nobody writes: opening it would block forever."""
    run = copy_run(AP, dest)
    (run / "ranking_debug.json").unlink()
    os.mkfifo(run / "ranking_debug.json")
    return run, r"ranking_debug\.json: not a regular file"


def ap_slow_pickle(dest: Path, n_ops: int = 30_000_000) -> tuple[Path, str]:
    """A result pickle of ``n_ops`` NONE/POP pairs (60 MB once decompressed, well under the default cap;
    a few hundred KB gzipped) beside the PAE JSON: a valid pickle that keeps the unpickler busy for
    tens of seconds, i.e. a hang for the time limit to end."""
    run = copy_run(AP, dest)
    path = run / f"result_{AP_TOP}.pkl.gz"
    block = (pickle.NONE + pickle.POP) * 1_000_000
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(pickle.PROTO + b"\x04")
        for _ in range(n_ops // 1_000_000):
            fh.write(block)
        fh.write(pickle.EMPTY_DICT + pickle.STOP)
    return run, r"no result after [\d.]+ s \(features\.pair_timeout_s\)"


ESCAPING_MODEL = "/../../elsewhere/model_x"  # with the run's empty "pae_" folder: pae_/../../elsewhere/...


def ap_order_outside(dest: Path) -> tuple[Path, str]:
    """ranking_debug.json's top model renamed to a path that leaves the run: ``pae_{model}.json`` is then
    ``pae_/../../elsewhere/model_x.json`` (an empty ``pae_`` folder in the run lets the path resolve), and a
    PAE of 1.0 everywhere, the size of the real one, is planted at ``dest/../elsewhere/model_x.json``: a run
    scored through that name would be scored with it. The structure stays ``ranked_0.pdb``."""
    run = copy_run(AP, dest)
    debug = json.loads((run / "ranking_debug.json").read_text())
    top = debug["order"][0]
    debug["order"][0] = ESCAPING_MODEL
    for key in ("iptm", "iptm+ptm"):
        debug[key][ESCAPING_MODEL] = debug[key].pop(top)
    (run / "ranking_debug.json").write_text(json.dumps(debug))
    (run / "pae_").mkdir()
    pae = json.loads((run / f"pae_{top}.json").read_text())
    n = len(pae[0]["predicted_aligned_error"])
    planted = run.parent / "elsewhere" / "model_x.json"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(json.dumps([{"predicted_aligned_error": [[1.0] * n for _ in range(n)]}]))
    return run, (r"ranking_debug\.json: order\[0\] '/\.\./\.\./elsewhere/model_x' gives the file name "
                 r"'[a-z_]*/\.\./\.\./elsewhere/model_x[.a-z]*', which is not a plain name")


def ap_pae_link_outside(dest: Path) -> tuple[Path, str]:
    """The top model's PAE file replaced by a symbolic link to a copy of it outside the run."""
    run = copy_run(AP, dest)
    pae = run / f"pae_{AP_TOP}.json"
    outside = run.parent / f"{run.name}_outside.json"
    shutil.move(pae, outside)
    pae.symlink_to(outside)
    return run, (rf"{re.escape(pae.name)}: a symbolic link to {re.escape(str(outside.resolve()))}, outside the "
                 rf"run folder .*order\[0\] '{AP_TOP}'")


def pdb_overflow(dest: Path, pdb_name: str = "ranked_0.pdb", atom_index: int = 5,
                 field: str = "x") -> tuple[Path, str]:
    """The ``atom_index``-th ATOM record of ``pdb_name`` (AlphaPulldown run) gets ``********`` in the ``field``
    column (x 31-38, y 39-46, z 47-54; ``b``: ``******`` in the B-factor, 61-66), as a fixed-width writer fills
    a number that does not fit. The reason names the file line, the atom and the field."""
    run = copy_run(AP, dest)
    pdb = run / pdb_name
    lines = pdb.read_text().splitlines(keepends=True)
    i = [k for k, line in enumerate(lines) if line.startswith("ATOM")][atom_index]
    start, end = {"x": (30, 38), "y": (38, 46), "z": (46, 54), "b": (60, 66)}[field]
    line = lines[i]
    atom, residue, number, chain = line[12:16].strip(), line[17:20], line[22:26].strip(), line[21]
    lines[i] = line[:start] + "*" * (end - start) + line[end:]
    pdb.write_text("".join(lines))
    label = {"b": r"B-factor \(pLDDT\)"}.get(field, field)
    return run, (rf"{re.escape(pdb_name)} line {i + 1}: atom {atom} of residue {residue} {number} chain "
                 rf"'{chain}': {label} '\*+' is an overflowed field")


def pdb_far_interface(dest: Path, corner: float = 9000.0) -> tuple[Path, str]:
    """The first ATOM record of chain B (the TF) and of chain C (the domain) of the ColabFold run's model (5b8c:
    chains B and C touch) moved to (``corner``, ``corner``, ``corner``) and 3 A from it along x: a second,
    touching piece of interface about 15,600 A (corner * sqrt(3)) from the real one, so that the interface atoms
    span about ``corner`` A along each axis. The reason names the file, the model, the box and the limit."""
    run = copy_run(CF, dest)
    pdb = _cf_pdb(run)
    lines = pdb.read_text().splitlines(keepends=True)
    for chain, dx in (("B", 0.0), ("C", 3.0)):
        i = next(k for k, line in enumerate(lines) if line.startswith("ATOM") and line[21] == chain)
        lines[i] = lines[i][:30] + f"{corner + dx:8.3f}{corner:8.3f}{corner:8.3f}" + lines[i][54:]
    pdb.write_text("".join(lines))
    return run, (rf"{re.escape(str(run))}\): model [^:]*model_4[^:]*: buried surface area refused: the \d+ "
                 rf"interface atoms \(and neighbours\) passed to freesasa span [\d.]+ x [\d.]+ x [\d.]+ A, .* over "
                 rf"the limit of 2\.16e\+08 A\^3 \(a 600 A cube")


# --- AlphaFold3 --------------------------------------------------------------------------------


def af3_chain_pair_iptm(dest: Path, value: float) -> tuple[Path, str]:
    run = copy_run(AF3, dest)
    summary = run / "fold_5b8c_summary_confidences_0.json"
    _edit_json(summary, lambda d: d["chain_pair_iptm"][1].__setitem__(2, value))
    return run, rf"{re.escape(summary.name)}: model model_0 chains B/C: chain_pair_iptm {value} is out of range"
