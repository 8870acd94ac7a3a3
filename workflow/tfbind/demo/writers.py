"""Writers for the predictor output layouts the pipeline reads (AlphaPulldown/AF2, ColabFold, AF3).

Layouts follow the real examples in ``../shared/fixtures`` (see its README): AF2 PDB lines padded
to 80 columns with N/CA/C/CB/O atom order, ColabFold PDB unpadded, AF3 mmCIF (gemmi) with N/CA/C/O/CB
order and pLDDT in B_iso; JSON rounding as the real tools do it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import pickle
from pathlib import Path

import gemmi
import numpy as np
from scipy.spatial.distance import cdist

from . import geometry as g
from .complexes import N_MODELS, Complex

AA3 = {"A": "ALA", "R": "ARG", "N": "ASN", "D": "ASP", "C": "CYS", "Q": "GLN", "E": "GLU", "G": "GLY",
       "H": "HIS", "I": "ILE", "L": "LEU", "K": "LYS", "M": "MET", "F": "PHE", "P": "PRO", "S": "SER",
       "T": "THR", "W": "TRP", "Y": "TYR", "V": "VAL"}
AF2_ATOM_ORDER = (g.N_, g.CA_, g.C_, g.CB_, g.O_)  # AlphaFold atom37 order
AF3_ATOM_ORDER = (g.N_, g.CA_, g.C_, g.O_, g.CB_)
MAX_PAE = 31.75


def _residue_atoms(aa: str, order) -> list[int]:
    return [a for a in order if not (a == g.CB_ and aa == "G")]


def chains_of(cx: Complex, m: int, ids: tuple[str, str]) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """[(chain_id, seq, xyz (n, 5, 3), plddt (n,))] for model ``m``: domain first, then the tile."""
    nd = len(cx.domain.seq)
    p = cx.plddt[m]
    return [(ids[0], cx.domain.seq, cx.domain.xyz, p[:nd]), (ids[1], cx.tile_seq, cx.tf_xyz[m], p[nd:])]


# --------------------------------------------------------------------------- coordinates

def pdb_text(chains, pad80: bool) -> str:
    """AlphaFold-style PDB (``protein.to_pdb``): MODEL 1, ATOM records, TER per chain, ENDMDL, END."""
    lines = ["MODEL     1"]
    serial = 1
    for cid, seq, xyz, plddt in chains:
        for i, aa in enumerate(seq):
            res3 = AA3[aa]
            b = float(np.round(plddt[i], 2))
            for a in _residue_atoms(aa, AF2_ATOM_ORDER):
                name = g.ATOM_NAMES[a]
                x, y, z = xyz[i, a]
                lines.append(f"{'ATOM':<6}{serial:>5} {(' ' + name):<4}{'':>1}{res3:>3} {cid:>1}"
                             f"{i + 1:>4}{'':>1}   "
                             f"{x:>8.3f}{y:>8.3f}{z:>8.3f}{1.0:>6.2f}{b:>6.2f}          {name[0]:>2}"
                             + ("  " if pad80 else ""))
                serial += 1
        lines.append(f"{'TER':<6}{serial:>5}      {AA3[seq[-1]]:>3} {cid:>1}{len(seq):>4}")
        serial += 1
    lines += ["ENDMDL", "END"]
    if pad80:
        lines = [ln.ljust(80) for ln in lines]
    return "\n".join(lines) + "\n"


def write_cif(path: Path, chains, name: str) -> list[tuple[str, float]]:
    """mmCIF via gemmi (pLDDT in B_iso). Returns [(chain_id, plddt)] per atom in file order."""
    st = gemmi.Structure()
    st.name = name
    model = gemmi.Model(1)
    per_atom = []
    for cid, seq, xyz, plddt in chains:
        ch = gemmi.Chain(cid)
        for i, aa in enumerate(seq):
            res = gemmi.Residue()
            res.name = AA3[aa]
            res.seqid = gemmi.SeqId(i + 1, " ")
            res.entity_type = gemmi.EntityType.Polymer
            b = float(np.round(plddt[i], 2))
            for a in _residue_atoms(aa, AF3_ATOM_ORDER):
                at = gemmi.Atom()
                at.name = g.ATOM_NAMES[a]
                at.element = gemmi.Element(g.ATOM_NAMES[a][0])
                x, y, z = (float(v) for v in np.round(xyz[i, a], 3))
                at.pos = gemmi.Position(x, y, z)
                at.occ = 1.0
                at.b_iso = b
                res.add_atom(at)
                per_atom.append((cid, b))
            ch.add_residue(res)
        model.add_chain(ch)
    st.add_model(model)
    for k, (cid, seq, _x, _p) in enumerate(chains):
        ent = gemmi.Entity(str(k + 1))
        ent.entity_type = gemmi.EntityType.Polymer
        ent.polymer_type = gemmi.PolymerType.PeptideL
        ent.subchains = [cid]
        ent.full_sequence = [AA3[c] for c in seq]
        st.entities.append(ent)
    for ch in st[0]:
        for k, r in enumerate(ch):
            r.subchain = ch.name
            r.entity_id = str([c[0] for c in chains].index(ch.name) + 1)
            r.label_seq = k + 1
    doc = st.make_mmcif_document()
    doc.write_file(str(path))
    return per_atom


# --------------------------------------------------------------------------- JSON helpers

def _round(a: np.ndarray, nd: int) -> list:
    return np.round(np.asarray(a, float), nd).tolist()


_TABLES: dict[int, np.ndarray] = {}


def _matrix_json(a: np.ndarray, nd: int, sep: str = ",") -> str:
    """JSON text of a non-negative matrix rounded to ``nd`` decimals, identical to
    ``json.dumps(np.round(a, nd).tolist(), separators=(sep, ...))`` but fast (string lookup table)."""
    scale = 10 ** nd
    k = np.rint(np.asarray(a, float) * scale).astype(np.int64)
    if k.min() < 0:
        raise ValueError("negative values")
    table = _TABLES.get(nd)
    if table is None or len(table) <= k.max():
        n = max(int(k.max()) + 1, 40 * scale)
        table = np.array([repr(i / scale) for i in range(n)], dtype=object)
        _TABLES[nd] = table
    rows = table[k]
    return "[" + sep.join("[" + sep.join(r) + "]" for r in rows.tolist()) + "]"


def _dump_compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _af3_full(keys_values: dict) -> str:
    """AF3 confidences layout: top-level keys on their own lines, arrays compact."""
    body = ",\n".join(f'  "{k}": {v if isinstance(v, str) else _dump_compact(v)}'
                      for k, v in keys_values.items())
    return "{\n" + body + "\n}\n"


def _chain_ids(cx: Complex, ids) -> np.ndarray:
    nd, nt = cx.chains_len
    return np.array([ids[0]] * nd + [ids[1]] * nt)


# --------------------------------------------------------------------------- AlphaPulldown / AF2

def write_alphafold2(cx: Complex, run: Path, use_pickle: bool = False) -> None:
    ids = ("B", "C")
    names = [f"model_{m + 1}_multimer_v3_pred_0" for m in range(N_MODELS)]
    order = cx.order()
    for k, m in enumerate(order):
        (run / f"ranked_{k}.pdb").write_text(pdb_text(chains_of(cx, m, ids), pad80=True))
    debug = {
        "iptm+ptm": {names[m]: round(cx.ranking(m), 6) for m in range(N_MODELS)},
        "order": [names[m] for m in order],
        "iptm": {names[m]: round(cx.iptm[m], 6) for m in range(N_MODELS)},
    }
    (run / "ranking_debug.json").write_text(json.dumps(debug, indent=4))
    for m in range(N_MODELS):
        if use_pickle:
            result = {
                "plddt": np.round(cx.plddt[m], 2),
                "predicted_aligned_error": np.round(cx.pae[m], 2),
                "max_predicted_aligned_error": np.float64(MAX_PAE),
                "ptm": np.float64(round(cx.ptm[m], 6)),
                "iptm": np.float64(round(cx.iptm[m], 6)),
                "ranking_confidence": np.float64(round(cx.ranking(m), 6)),
            }
            buf = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=1) as fh:
                pickle.dump(result, fh, protocol=4)
            (run / f"result_{names[m]}.pkl.gz").write_bytes(buf.getvalue())
        else:
            text = ('[{"predicted_aligned_error":' + _matrix_json(cx.pae[m], 1)
                    + f',"max_predicted_aligned_error":{MAX_PAE}}}]')
            (run / f"pae_{names[m]}.json").write_text(text)


# --------------------------------------------------------------------------- ColabFold

def write_colabfold(cx: Complex, run: Path) -> None:
    ids = ("A", "B")
    pair = cx.pair.pair_id
    for k, m in enumerate(cx.order()):
        tag = f"rank_{k + 1:03d}_alphafold2_multimer_v3_model_{m + 1}_seed_000"
        text = (f'{{"plddt": {json.dumps(_round(cx.plddt[m], 2))}, "max_pae": {MAX_PAE}, '
                f'"pae": {_matrix_json(cx.pae[m], 2, ", ")}, "ptm": {round(cx.ptm[m], 2)}, '
                f'"iptm": {round(cx.iptm[m], 2)}}}')
        (run / f"{pair}_scores_{tag}.json").write_text(text)
        (run / f"{pair}_unrelaxed_{tag}.pdb").write_text(pdb_text(chains_of(cx, m, ids), pad80=False))


# --------------------------------------------------------------------------- AlphaFold3

def _contact_probs(cx: Complex, m: int) -> np.ndarray:
    from .complexes import rep_atoms
    x = np.concatenate([rep_atoms(cx.domain.xyz, cx.domain.seq), rep_atoms(cx.tf_xyz[m], cx.tile_seq)])
    d = cdist(x, x)
    conf = np.minimum(cx.plddt[m][:, None], cx.plddt[m][None]) / 100.0
    p = 1.0 / (1.0 + np.exp(np.clip((d - 8.0) / 1.2, -50, 50))) * np.clip(conf * 1.1, 0.0, 1.0)
    return p


def _af3_summary(cx: Complex, m: int) -> dict:
    nd, nt = cx.chains_len
    pae = cx.pae[m]
    from .complexes import d0
    tm = 1.0 / (1.0 + (pae / d0(nd + nt)) ** 2)
    blocks = [slice(0, nd), slice(nd, nd + nt)]
    cp_iptm = [[0.0, 0.0], [0.0, 0.0]]
    cp_pae_min = [[0.0, 0.0], [0.0, 0.0]]
    for a in range(2):
        for b in range(2):
            t = tm[blocks[a]][:, blocks[b]]
            cp_pae_min[a][b] = round(float(pae[blocks[a]][:, blocks[b]].min()), 2)
            if a == b:
                cp_iptm[a][b] = round(float(t.mean(1).max()), 2)
            else:
                both = max(float(t.mean(1).max()), float(tm[blocks[b]][:, blocks[a]].mean(1).max()))
                cp_iptm[a][b] = round(both, 2)
    iptm, ptm = round(cx.iptm[m], 2), round(cx.ptm[m], 2)
    frac_dis = round(float((cx.plddt[m] < 50).mean()), 2)
    return {
        "chain_iptm": [cp_iptm[0][1], cp_iptm[1][0]],
        "chain_pair_iptm": cp_iptm,
        "chain_pair_pae_min": cp_pae_min,
        "chain_ptm": [cp_iptm[0][0], cp_iptm[1][1]],
        "fraction_disordered": frac_dis,
        "has_clash": 0.0,
        "iptm": iptm,
        "num_recycles": 10.0,
        "ptm": ptm,
        "ranking_score": round(0.8 * iptm + 0.2 * ptm, 2),
    }


def _af3_files(cx: Complex, m: int, cif: Path, conf: Path, summ: Path) -> float:
    ids = ("A", "B")
    per_atom = write_cif(cif, chains_of(cx, m, ids), cif.stem)
    nd, nt = cx.chains_len
    tok_chain = _chain_ids(cx, ids).tolist()
    full = {
        "atom_chain_ids": [c for c, _ in per_atom],
        "atom_plddts": [b for _, b in per_atom],
        "contact_probs": _matrix_json(_contact_probs(cx, m), 2),
        "pae": _matrix_json(cx.pae[m], 1),
        "token_chain_ids": tok_chain,
        "token_res_ids": list(range(1, nd + 1)) + list(range(1, nt + 1)),
    }
    conf.write_text(_af3_full(full))
    summary = _af3_summary(cx, m)
    summ.write_text(json.dumps(summary, indent=1, sort_keys=True))
    return summary["ranking_score"]


def write_alphafold3_local(cx: Complex, run: Path) -> None:
    pair = cx.pair.pair_id
    scores = []
    for m in range(N_MODELS):
        sub = run / f"seed-1_sample-{m}"
        sub.mkdir(parents=True, exist_ok=True)
        stem = f"{pair}_seed-1_sample-{m}"
        scores.append(_af3_files(cx, m, sub / f"{stem}_model.cif", sub / f"{stem}_confidences.json",
                                 sub / f"{stem}_summary_confidences.json"))
    best = cx.order()[0]
    _af3_files(cx, best, run / f"{pair}_model.cif", run / f"{pair}_confidences.json",
               run / f"{pair}_summary_confidences.json")
    with open(run / f"{pair}_ranking_scores.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["seed", "sample", "ranking_score"])
        for m in range(N_MODELS):
            w.writerow([1, m, scores[m]])


def write_alphafold3_server(cx: Complex, run: Path) -> None:
    job = cx.pair.pair_id.lower()
    for k, m in enumerate(cx.order()):
        _af3_files(cx, m, run / f"fold_{job}_model_{k}.cif", run / f"fold_{job}_full_data_{k}.json",
                   run / f"fold_{job}_summary_confidences_{k}.json")
