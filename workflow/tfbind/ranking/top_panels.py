"""The top-candidate panels: PAE and inter-chain contact map of the top-ranked model of each domain's best pairs.

Axes are numbered the way a biologist reads them: the TF axis of the contact map by the protein's residue
numbers (the tile's start from the ranking's ``tile_start``, plus the position in the tile; the position in
the tile where the start is unknown), the domain axis by the domain's own numbering (1 = the first residue of
its FASTA sequence). The tile's interface residues (the ranking's ``interface_residues``:
:mod:`tfbind.metrics.interface_residues`) are marked on the right of the contact map, one red label each
(``F472``), with a faint band across their rows.

:func:`top_panels` draws ``{domain}_rank{n}.png`` for the best ``top_n`` candidates a domain has (one panel
for a domain with one candidate: no placeholders) and ``{domain}_none.png``, a note, for a domain without any.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..metrics.interface_residues import parse, tile_positions
from ..plotting import message, pyplot, save
from .plots import CONTACT_CUTOFF

log = logging.getLogger("tfbind.ranking")

#: Columns of the ranking joined with pairs.parquet that :func:`top_panel` reads.
PANEL_COLUMNS = ["pair_id", "tf_id", "domain_id", "rank", "consensus", "iptm", "ipsae_min", "tile_start",
                 "interface_residues", "source_format", "prediction", "tf_chain", "domain_chain", "tf_sequence"]
_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def residue_numbers(chain_sequence: str, tile_sequence: str | None, tile_start) -> np.ndarray:
    """The protein residue number of every residue of the model's TF chain: ``tile_start - 1`` + its position
    in the tile (:func:`tile_positions`); the position alone when ``tile_start`` is unknown; 0 for a chain
    residue that is not in the tile."""
    positions = tile_positions(chain_sequence, tile_sequence or chain_sequence)
    if tile_start is None or pd.isna(tile_start):
        return positions
    return np.where(positions > 0, positions + int(tile_start) - 1, 0)


def number_ticks(numbers, max_ticks: int = 12) -> tuple[list[int], list[str]]:
    """(row or column indices, labels) of a residue axis: the residues whose number is a multiple of the
    smallest round step (1, 2, 5, 10, 20, 25, 50, ...) that gives at most ``max_ticks`` ticks; residues
    numbered 0 (not in the tile) carry none."""
    numbers = np.asarray(numbers, dtype=int)
    placed = numbers > 0
    if not placed.any():
        return [], []
    span = int(numbers[placed].max() - numbers[placed].min()) + 1
    step = next((s for s in _STEPS if span / s <= max_ticks), _STEPS[-1])
    at = np.flatnonzero(placed & (numbers % step == 0))
    return at.tolist(), [str(n) for n in numbers[at].tolist()]


def interface_ticks(numbers, interface_residues: str) -> tuple[list[int], list[str]]:
    """(row indices, labels such as ``F472``) of the residues listed in ``interface_residues`` (text in the
    numbering of ``numbers``); a listed number that no row carries is left out."""
    row_of = {int(n): i for i, n in enumerate(np.asarray(numbers, dtype=int).tolist()) if n > 0}
    found = [(row_of[number], f"{letter}{number}") for letter, number in parse(interface_residues)
             if number in row_of]
    return [i for i, _ in found], [label for _, label in found]


def _read_top_model(row: dict):
    from ..readers import read_run

    fmt = row.get("source_format") or None
    return next(iter(read_run(row["prediction"], fmt if fmt in ("alphafold2", "colabfold", "alphafold3") else None)))


def top_panel(row: dict, path: str | Path) -> None:
    """PAE matrix (TF and domain chains, boundaries marked) and the inter-chain CB-CB contact map of the
    pair's top-ranked model (read with :func:`tfbind.readers.read_run`), axes in residue numbers and the
    interface residues marked (module docstring). ``row``: :data:`PANEL_COLUMNS`."""
    plt = pyplot()
    try:
        pred = _read_top_model(row)
    except Exception as exc:  # an unreadable run is already in failed.tsv; say so in the panel
        return message(path, f"{row['pair_id']}: model not readable ({exc})")
    tf_mask = pred.chain_ids == row["tf_chain"]
    dom_mask = pred.chain_ids == row["domain_chain"]
    idx = np.concatenate([np.flatnonzero(tf_mask), np.flatnonzero(dom_mask)])
    n_tf, n_dom = int(tf_mask.sum()), int(dom_mask.sum())
    pae = pred.pae[np.ix_(idx, idx)]
    tf_xyz, dom_xyz = pred.cb_coords[tf_mask], pred.cb_coords[dom_mask]
    dist = np.linalg.norm(tf_xyz[:, None, :] - dom_xyz[None, :, :], axis=-1)
    tile_sequence = row.get("tf_sequence") if isinstance(row.get("tf_sequence"), str) else None
    tf_numbers = residue_numbers(pred.sequences[row["tf_chain"]], tile_sequence, row.get("tile_start"))
    dom_numbers = np.arange(1, n_dom + 1)
    in_protein = row.get("tile_start") is not None and not pd.isna(row.get("tile_start"))
    # taller for long tiles, so that the labels of neighbouring interface residues do not overlap
    height = max(5.0, 0.09 * n_tf + 1.5)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12.5, height), layout="constrained",
                                 gridspec_kw={"width_ratios": [1, 1.15], "wspace": 0.08})
    im = a1.imshow(pae, cmap="Greens_r", vmin=0, vmax=30, interpolation="nearest")
    for a in (a1.axhline, a1.axvline):
        a(n_tf - 0.5, color="red", lw=1)
    a1.set_title("PAE (A), top model")
    a1.set_xlabel(f"scored residue: TF chain {row['tf_chain']} | domain chain {row['domain_chain']}")
    a1.set_ylabel("aligned residue")
    fig.colorbar(im, ax=a1, fraction=0.046, pad=0.02, label="expected position error (A)")

    cm = np.where(dist <= CONTACT_CUTOFF, dist, np.nan)
    im2 = a2.imshow(cm, cmap="magma", vmin=3, vmax=CONTACT_CUTOFF, aspect="auto", interpolation="nearest")
    a2.set_yticks(*number_ticks(tf_numbers))
    a2.set_xticks(*number_ticks(dom_numbers))
    rows, labels = interface_ticks(tf_numbers, row.get("interface_residues") or "")
    for r in rows:
        a2.axhspan(r - 0.5, r + 0.5, color="tab:red", alpha=0.12, lw=0)
    marks = a2.secondary_yaxis("right")
    marks.set_yticks(rows, labels, fontsize=6, color="tab:red")
    marks.tick_params(axis="y", colors="tab:red", length=3, pad=1)
    marks.set_ylabel(f"interface residues ({len(rows)})", color="tab:red")
    a2.set_title(f"inter-chain contacts (CB-CB <= {CONTACT_CUTOFF:g} A): {int(np.isfinite(cm).sum())}")
    a2.set_xlabel(f"domain {row['domain_id']} residue (1 = first residue of its sequence)")
    a2.set_ylabel(f"TF {row['tf_id']} residue" + ("" if in_protein else " (position in the tile; start unknown)"))
    fig.colorbar(im2, ax=a2, fraction=0.046, pad=0.07, label="CB-CB distance (A)")
    fig.suptitle(f"{row['domain_id']} rank {int(row['rank'])}: {row['tf_id']}  consensus {row['consensus']:.2f}, "
                 f"ipTM {row['iptm']:.2f}, ipSAE {row['ipsae_min']:.2f}, model {pred.model_name}", fontsize=10)
    save(fig, path)


def top_panels(table: pd.DataFrame, domains: list[str], top_n: int, out_dir: str | Path) -> list[Path]:
    """A panel per candidate of rank 1..``top_n`` of each domain of ``domains`` (as many as it has:
    ``{domain}_rank{n}.png``), a note ``{domain}_none.png`` for a domain without candidates. ``table``: the
    ranking joined with the pairs' run columns (:data:`PANEL_COLUMNS`). Returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for domain in domains:
        rows = table[(table["domain_id"] == domain) & (table["rank"] <= top_n)].sort_values("rank")
        if rows.empty:
            path = out_dir / f"{domain}_none.png"
            message(path, f"{domain}: no candidate was read (failed.tsv says why)")
            written.append(path)
            continue
        for row in rows.to_dict("records"):
            path = out_dir / f"{domain}_rank{int(row['rank'])}.png"
            top_panel(row, path)
            written.append(path)
        log.info("%s: %d top-candidate panel(s)", domain, len(rows))
    return written


__all__ = ["PANEL_COLUMNS", "interface_ticks", "number_ticks", "residue_numbers", "top_panel", "top_panels"]
