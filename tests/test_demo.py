"""Tests of the deterministic SYNTHETIC demo generator (tfbind.demo)."""

from __future__ import annotations

import csv
import gzip
import json
import pickle
import re
import sys
from pathlib import Path

import gemmi
import numpy as np
import pytest
from scipy.stats import spearmanr

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "workflow") not in sys.path:
    sys.path.insert(0, str(REPO / "workflow"))

from tfbind import demo  # noqa: E402
from tfbind.demo import complexes, labels  # noqa: E402

SEED = 7
INPUT_FILES = ("tf.fasta", "domains.fasta", "pairs.tsv", "labels.tsv", "README.md")
IDEAL = {("N", "CA"): 1.458, ("CA", "C"): 1.525, ("C", "N"): 1.329}


def read_fasta(path: Path) -> dict[str, str]:
    out, name = {}, None
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            out[name] = ""
        elif name:
            out[name] += line.strip()
    return out


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def truth() -> dict[str, labels.Pair]:
    return {p.pair_id: p for p in labels.make_pairs(SEED)}


def kix_selection(truth) -> list[str]:
    kix = sorted((p for p in truth.values() if p.domain_id == "KIX"), key=lambda p: p.strength)
    chosen = [p.pair_id for p in kix[::4]]  # 12 pairs spread over the strength range
    if "KIX_and_SYNTF01_01" not in chosen:  # tile index 0: a pickle run
        chosen[0] = "KIX_and_SYNTF01_01"
    return chosen


OTHERS = ["TAZ1_and_SYNTF01_02", "TAZ2_and_SYNTF01_02", "NCBD_and_SYNTF01_02"]


@pytest.fixture(scope="module")
def preds(tmp_path_factory, truth) -> Path:
    out = tmp_path_factory.mktemp("demo_preds")
    ids = kix_selection(truth) + OTHERS
    written = demo.write_predictions(out, SEED, ids)
    assert sorted(written) == sorted(ids)
    return out


# --------------------------------------------------------------------------- inputs

def test_inputs_deterministic_and_committed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    demo.write_inputs(a, SEED)
    demo.write_inputs(b, SEED)
    committed = REPO / "resources" / "demo"
    for name in INPUT_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (committed / name).is_file(), \
            f"resources/demo/{name} missing (python -m tfbind.demo inputs resources/demo)"
        assert (committed / name).read_bytes() == (a / name).read_bytes(), \
            (f"resources/demo/{name} differs from a fresh generation: "
             "regenerate with python -m tfbind.demo inputs resources/demo")


def test_inputs_content(tmp_path):
    demo.write_inputs(tmp_path, SEED)
    tiles = read_fasta(tmp_path / "tf.fasta")
    assert len(tiles) == 48
    for tid, seq in tiles.items():
        assert re.fullmatch(r"[A-Za-z0-9._-]+", tid)
        assert len(seq) == 80 and set(seq) <= set("ACDEFGHIKLMNPQRSTVWY")
    headers = [ln for ln in (tmp_path / "domains.fasta").read_text().splitlines() if ln.startswith(">")]
    assert headers == [f">{d} category={d}" for d in ("KIX", "TAZ1", "TAZ2", "NCBD")]
    doms = read_fasta(tmp_path / "domains.fasta")
    assert doms == labels.DOMAIN_SEQUENCES
    pairs = read_tsv(tmp_path / "pairs.tsv")
    assert list(pairs[0]) == ["pair_id", "tf_id", "domain_id", "prediction", "format"]
    assert len(pairs) == 192 and len({r["pair_id"] for r in pairs}) == 192
    fmt = {"KIX": "alphafold2", "TAZ1": "colabfold", "TAZ2": "alphafold3", "NCBD": "alphafold3"}
    for r in pairs:
        assert r["pair_id"] == f"{r['domain_id']}_and_{r['tf_id']}" == r["prediction"]
        assert r["format"] == fmt[r["domain_id"]] and r["tf_id"] in tiles


def test_labels(tmp_path, truth):
    demo.write_inputs(tmp_path, SEED)
    rows = read_tsv(tmp_path / "labels.tsv")
    assert list(rows[0]) == ["tf_id", "domain_id", "kd_nm", "binder"]
    assert len(rows) == 192
    for dom, ceil in labels.CEILING_NM.items():
        sub = [r for r in rows if r["domain_id"] == dom]
        kd = np.array([float(r["kd_nm"]) for r in sub])
        binder = np.array([int(r["binder"]) for r in sub])
        assert (kd > 0).all() and (kd <= ceil).all()
        assert ((kd < ceil) == (binder == 1)).all()
        assert (kd[binder == 0] == ceil).all()
        assert 10 <= binder.sum() <= 38, dom  # both classes well represented
        assert kd.min() < 1500, dom  # strong binders reach the sub-micromolar / low micromolar range
    # the committed labels are the ones of the recipe
    for r in rows:
        p = truth[f"{r['domain_id']}_and_{r['tf_id']}"]
        assert float(r["kd_nm"]) == pytest.approx(p.kd_nm) and int(r["binder"]) == p.binder


# --------------------------------------------------------------------------- predictions

def test_predictions_deterministic(tmp_path):
    ids = ["KIX_and_SYNTF01_01", "NCBD_and_SYNTF02_01"]
    demo.write_predictions(tmp_path / "a", SEED, ids)
    complexes.domain_chain.cache_clear()
    demo.write_predictions(tmp_path / "b", SEED, ids)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) > 10
    for k in a:
        assert a[k] == b[k], k


def structure_files(preds: Path) -> list[Path]:
    return [
        preds / "KIX_and_SYNTF01_01" / "ranked_0.pdb",
        preds / "KIX_and_SYNTF01_01" / "ranked_2.pdb",
        next((preds / "TAZ1_and_SYNTF01_02").glob("*_unrelaxed_rank_001_*.pdb")),
        preds / "TAZ2_and_SYNTF01_02" / "TAZ2_and_SYNTF01_02_model.cif",
        preds / "NCBD_and_SYNTF01_02" / "fold_ncbd_and_syntf01_02_model_1.cif",
    ]


def test_geometry(preds):
    tiles = {t.tf_id: t.seq for t in labels.make_tiles(SEED)}
    for path in structure_files(preds):
        st = gemmi.read_structure(str(path))
        model = st[0]
        chains = list(model)
        assert len(chains) == 2, path
        dom_id, tf_id = path.parent.name.split("_and_")
        seqs = [gemmi.one_letter_code([r.name for r in ch]) for ch in chains]
        assert seqs[0] == labels.DOMAIN_SEQUENCES[dom_id], path  # domain first
        assert seqs[1] == tiles[tf_id] and len(seqs[1]) == 80, path
        pts, res_idx = [], []
        for ci, ch in enumerate(chains):
            prev_c = None
            for ri, r in enumerate(ch):
                at = {a.name: a.pos for a in r}
                assert {"N", "CA", "C", "O"} <= set(at) and (("CB" in at) == (r.name != "GLY")), (path, r)
                assert abs(at["N"].dist(at["CA"]) - IDEAL[("N", "CA")]) < 0.02
                assert abs(at["CA"].dist(at["C"]) - IDEAL[("CA", "C")]) < 0.02
                if prev_c is not None:
                    assert abs(prev_c.dist(at["N"]) - IDEAL[("C", "N")]) < 0.02, (path, r)
                prev_c = at["C"]
                for a in r:
                    pts.append(a.pos.tolist())
                    res_idx.append((ci, ri))
        P = np.array(pts)
        ch_arr = np.array([c for c, _ in res_idx])
        r_arr = np.array([r for _, r in res_idx])
        d = np.sqrt(((P[:, None] - P[None]) ** 2).sum(-1))
        local = (ch_arr[:, None] == ch_arr[None]) & (np.abs(r_arr[:, None] - r_arr[None]) <= 1)
        d[local] = np.inf
        assert d.min() >= 2.8, (path, d.min())


def _n_res(dom_id: str) -> int:
    return len(labels.DOMAIN_SEQUENCES[dom_id]) + 80


def test_alphafold2_layout(preds):
    for pid in ["KIX_and_SYNTF01_01", kix_selection({p.pair_id: p for p in labels.make_pairs(SEED)})[5]]:
        run = preds / pid
        n = _n_res("KIX")
        dbg = json.loads((run / "ranking_debug.json").read_text())
        assert set(dbg) == {"iptm+ptm", "iptm", "order"}
        names = [f"model_{m}_multimer_v3_pred_0" for m in (1, 2, 3)]
        assert sorted(dbg["order"]) == names and set(dbg["iptm"]) == set(names)
        assert dbg["order"] == sorted(names, key=lambda k: -dbg["iptm+ptm"][k])
        for k in range(3):
            st = gemmi.read_structure(str(run / f"ranked_{k}.pdb"))
            assert [c.name for c in st[0]] == ["B", "C"]
        lines = (run / "ranked_0.pdb").read_text().splitlines()
        assert lines[0].startswith("MODEL") and all(len(ln) == 80 for ln in lines)
        pickled = pid == "KIX_and_SYNTF01_01"
        for name in names:
            if pickled:
                assert not (run / f"pae_{name}.json").exists()
                with gzip.open(run / f"result_{name}.pkl.gz", "rb") as fh:
                    res = pickle.load(fh)
                for key in ("plddt", "predicted_aligned_error", "ptm", "iptm", "ranking_confidence"):
                    assert key in res
                assert res["predicted_aligned_error"].shape == (n, n) and res["plddt"].shape == (n,)
                assert float(res["ranking_confidence"]) == pytest.approx(dbg["iptm+ptm"][name], abs=1e-5)
            else:
                pae = json.loads((run / f"pae_{name}.json").read_text())
                assert isinstance(pae, list)
                assert set(pae[0]) == {"predicted_aligned_error", "max_predicted_aligned_error"}
                m = np.array(pae[0]["predicted_aligned_error"])
                assert m.shape == (n, n) and m.min() >= 0 and m.max() <= 31.75
                assert np.allclose(m, np.round(m, 1))


def test_colabfold_layout(preds):
    pid = "TAZ1_and_SYNTF01_02"
    run = preds / pid
    n = _n_res("TAZ1")
    scores = sorted(run.glob(f"{pid}_scores_rank_00*_alphafold2_multimer_v3_model_*_seed_000.json"))
    pdbs = sorted(run.glob(f"{pid}_unrelaxed_rank_00*_alphafold2_multimer_v3_model_*_seed_000.pdb"))
    assert len(scores) == 3 and len(pdbs) == 3
    assert [re.search(r"rank_(\d+)", p.name).group(1) for p in scores] == ["001", "002", "003"]
    models = {re.search(r"model_(\d)", p.name).group(1) for p in scores}
    assert models == {"1", "2", "3"}
    rank_vals = []
    for p in scores:
        d = json.loads(p.read_text())
        assert set(d) == {"plddt", "pae", "max_pae", "ptm", "iptm"}
        assert np.array(d["pae"]).shape == (n, n) and len(d["plddt"]) == n
        assert d["iptm"] == round(d["iptm"], 2)
        rank_vals.append(0.8 * d["iptm"] + 0.2 * d["ptm"])
    assert rank_vals[0] >= rank_vals[-1] - 0.02
    st = gemmi.read_structure(str(pdbs[0]))
    assert [c.name for c in st[0]] == ["A", "B"]


def _check_af3(cif: Path, conf: Path, summ: Path, dom: str) -> float:
    n = _n_res(dom)
    st = gemmi.read_structure(str(cif))
    assert [c.name for c in st[0]] == ["A", "B"]
    atoms = [(ch.name, a.b_iso) for ch in st[0] for r in ch for a in r]
    c = json.loads(conf.read_text())
    assert set(c) == {"atom_chain_ids", "atom_plddts", "contact_probs", "pae", "token_chain_ids", "token_res_ids"}
    assert np.array(c["pae"]).shape == (n, n) and np.array(c["contact_probs"]).shape == (n, n)
    assert c["atom_chain_ids"] == [a for a, _ in atoms]
    assert np.allclose(c["atom_plddts"], [b for _, b in atoms])
    assert len(c["token_res_ids"]) == n and c["token_chain_ids"].count("B") == 80
    s = json.loads(summ.read_text())
    for key in ("iptm", "ptm", "ranking_score", "chain_pair_iptm", "chain_pair_pae_min", "chain_iptm", "chain_ptm",
                "fraction_disordered", "has_clash", "num_recycles"):
        assert key in s, key
    assert np.array(s["chain_pair_iptm"]).shape == (2, 2) and np.array(s["chain_pair_pae_min"]).shape == (2, 2)
    return s["ranking_score"]


def test_alphafold3_local_layout(preds):
    pid = "TAZ2_and_SYNTF01_02"
    run = preds / pid
    top = _check_af3(run / f"{pid}_model.cif", run / f"{pid}_confidences.json", run / f"{pid}_summary_confidences.json",
                     "TAZ2")
    rows = read_tsv_csv(run / f"{pid}_ranking_scores.csv")
    assert [(r["seed"], r["sample"]) for r in rows] == [("1", "0"), ("1", "1"), ("1", "2")]
    for r in rows:
        k = r["sample"]
        sub = run / f"seed-1_sample-{k}"
        stem = f"{pid}_seed-1_sample-{k}"
        score = _check_af3(sub / f"{stem}_model.cif", sub / f"{stem}_confidences.json",
                           sub / f"{stem}_summary_confidences.json", "TAZ2")
        assert float(r["ranking_score"]) == pytest.approx(score)
    assert top == pytest.approx(max(float(r["ranking_score"]) for r in rows))


def read_tsv_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_alphafold3_server_layout(preds):
    pid = "NCBD_and_SYNTF01_02"
    run = preds / pid
    job = pid.lower()
    scores = [_check_af3(run / f"fold_{job}_model_{k}.cif", run / f"fold_{job}_full_data_{k}.json",
                         run / f"fold_{job}_summary_confidences_{k}.json", "NCBD") for k in range(3)]
    assert scores == sorted(scores, reverse=True)


# --------------------------------------------------------------------------- planted signal

def _cb_or_ca(ch) -> np.ndarray:
    out = []
    for r in ch:
        a = r.find_atom("CB", "*") or r.find_atom("CA", "*")
        out.append(a.pos.tolist())
    return np.array(out)


def test_kix_contacts_track_hidden_strength(preds, truth):
    ids = kix_selection(truth)
    strength, contacts = [], []
    for pid in ids:
        st = gemmi.read_structure(str(preds / pid / "ranked_0.pdb"))
        a, b = (_cb_or_ca(ch) for ch in st[0])
        d = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
        contacts.append(int((d <= 8.0).sum()))
        strength.append(truth[pid].strength)
    rho = spearmanr(strength, contacts)[0]
    assert rho > 0.5, (rho, list(zip(strength, contacts)))
