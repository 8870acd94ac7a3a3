"""Tiling full-length TF proteins into overlapping fragments (activation-domain tiles).

The published EP300 screen tiled TFs into 80-residue windows every 10 residues (DelRosso et al. 2024,
tiles ``GENE_N``; e.g. MYBL1_20 and MYBL1_21 overlap by 70 residues, MYBL2_39 and MYBL2_41 by 60). Here:

* tile starts ``1, 1 + step, 1 + 2 step, ...`` while the tile fits in the protein, plus one last tile aligned
  to the C terminus (``L - window + 1 .. L``) when the grid does not end there: a 95-residue protein with
  window 80 and step 10 gives tiles 1-80, 11-90 and 16-95;
* a protein no longer than the window is one tile of the whole protein (logged);
* tile IDs ``GENE_N``: N = first_index, first_index + 1, ... along the protein, so grid tiles satisfy
  ``start = (N - first_index) x step + 1`` (the rule ``tfbind.ranking.coordinates`` applies to IDs); the
  C-terminal tile takes the next index and its true start is in its FASTA header (``start=``), which the
  ranking reads first;
* with a regions table (``gene, start, end``, 1-based inclusive), only the tiles of the whole-protein tiling
  needed to cover each region are kept: from the last tile starting at or before the region start to the
  first tile ending at or after the region end. A region shorter than the window is thus covered by the
  whole-protein tile(s) around it; a tile keeps the ID and coordinates it has in the whole-protein tiling,
  so screens tiled with different regions share tile IDs. Genes without a region get no tiles (logged).

Coordinates are 1-based and inclusive throughout (``start``..``end``), as in the FASTA headers the ranking
reads (``>MYB_1 gene=MYB start=1 end=80 group=MYB``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..defaults import defaults
from ..errors import InputError
from ..plan.ids import check_id
from ..plan.sequences import SequenceRecord, read_fasta

DEFAULT_WINDOW = defaults("tiling.window")  # the config schema's, for library use
DEFAULT_STEP = 10  # the published EP300 screen (tiling.step null = this, for prepare)
REGION_COLUMNS = ("gene", "start", "end")


@dataclass(frozen=True)
class Tile:
    tf_id: str
    gene: str
    tile_index: int
    start: int  # 1-based, inclusive
    end: int
    sequence: str

    def header(self) -> str:
        """FASTA header line: the keys ``tfbind.ranking.coordinates`` reads, ``group=`` for the CV folds."""
        return f">{self.tf_id} gene={self.gene} start={self.start} end={self.end} group={self.gene}"


@dataclass
class TilePlan:
    tiles: list[Tile]
    notes: list[str] = field(default_factory=list)  # what a user should know (short proteins, untiled genes)
    window: int = DEFAULT_WINDOW  # the tiling that made the tiles
    step: int = DEFAULT_STEP


def tile_starts(length: int, window: int, step: int) -> list[int]:
    """1-based starts of the tiles of a ``length``-residue protein (see the module docstring)."""
    if window < 1 or step < 1:
        raise ValueError(f"tiling window and step must be at least 1 (got {window}, {step})")
    if length <= window:
        return [1]
    last = length - window + 1
    starts = list(range(1, last + 1, step))
    if starts[-1] != last:
        starts.append(last)
    return starts


def tile_protein(record: SequenceRecord, window: int, step: int,
                 first_index: int = defaults("tiling.first_index")) -> list[Tile]:
    """Every tile of one protein, in order along the sequence."""
    seq = record.sequence
    tiles = []
    for n, start in enumerate(tile_starts(len(seq), window, step)):
        end = min(start + window - 1, len(seq))
        index = first_index + n
        tiles.append(Tile(f"{record.id}_{index}", record.id, index, start, end, seq[start - 1 : end]))
    return tiles


def covering(tiles: list[Tile], start: int, end: int) -> list[Tile]:
    """The consecutive ``tiles`` (sorted by start) that cover residues ``start..end``."""
    first = max(i for i, t in enumerate(tiles) if t.start <= start)
    # from there on (a tile before it can end after `end` when the region lies inside one tile)
    last = next(i for i in range(first, len(tiles)) if tiles[i].end >= end)
    return tiles[first : last + 1]


def read_regions(path: str | Path, proteins: dict[str, SequenceRecord]) -> dict[str, list[tuple[int, int]]]:
    """Regions TSV (header ``gene, start, end``, 1-based inclusive; more columns are ignored; lines starting
    with ``#`` are comments) -> {gene: [(start, end), ...]} in file order.

    ``InputError`` naming the file and line for: missing columns, a gene that is not in ``tf_proteins``,
    a start or end that is not a whole number, start > end, or a region outside the protein.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: tiling regions file not found")
    with path.open(newline="") as handle:
        lines = [(n, line) for n, line in enumerate(handle, start=1)
                 if line.strip() and not line.startswith("#")]
    if not lines:
        raise InputError(f"{path}: empty regions file (expected a header gene, start, end)")
    header_line, header = lines[0][0], next(csv.reader([lines[0][1]], delimiter="\t"))
    header = [h.strip() for h in header]
    missing = [c for c in REGION_COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path} line {header_line}: missing column(s) {', '.join(missing)} "
                         f"(expected a tab-separated header gene, start, end; found {header})")
    col = {c: header.index(c) for c in REGION_COLUMNS}
    regions: dict[str, list[tuple[int, int]]] = {}
    for n, line in lines[1:]:
        cells = next(csv.reader([line.rstrip("\r\n")], delimiter="\t"))
        where = f"{path} line {n}"
        if len(cells) < len(header):
            raise InputError(f"{where}: {len(cells)} fields, the header has {len(header)}")
        gene = check_id(cells[col["gene"]].strip(), "gene", where)
        if gene not in proteins:
            raise InputError(f"{where}: gene {gene!r} is not a record of the tf_proteins FASTA")
        bounds = []
        for key in ("start", "end"):
            text = cells[col[key]].strip()
            if not text.isascii() or not text.isdigit():
                raise InputError(f"{where}: {key} {text!r} is not a whole number (1-based residue)")
            bounds.append(int(text))
        start, end = bounds
        length = len(proteins[gene].sequence)
        if start < 1 or end < start:
            raise InputError(f"{where}: region {start}-{end} of {gene}: start must be >= 1 and <= end")
        if end > length:
            raise InputError(f"{where}: region {start}-{end} is outside {gene} ({length} residues)")
        regions.setdefault(gene, []).append((start, end))
    return regions


def check_step(window: int, step: int | None) -> int:
    """The step prepare tiles with (None: DEFAULT_STEP); ``InputError`` naming both values when it is larger
    than the window: consecutive tiles would leave the residues between them untiled, and a binding site
    there would never be folded. A screen that wants gaps is unusual enough to be asked for explicitly by
    tiling fewer regions (``tiling.regions``) instead."""
    chosen = DEFAULT_STEP if step is None else step
    if chosen > window:
        given = f"{chosen}" if step is not None else f"null (= the default {DEFAULT_STEP})"
        raise InputError(f"tiling.step {given} is larger than tiling.window {window}: residues between "
                         f"consecutive tiles would not be in any tile; set tiling.step to at most {window}")
    return chosen


def plan_tiles(proteins_fasta: str | Path, window: int = DEFAULT_WINDOW, step: int | None = None,
               first_index: int = defaults("tiling.first_index"), regions: str | Path | None = None) -> TilePlan:
    """Read and validate the proteins (and regions) and tile them; ``InputError`` on bad input (and for a
    step larger than the window, :func:`check_step`)."""
    step = check_step(window, step)
    proteins = read_fasta(proteins_fasta, "tf_proteins")
    chosen = read_regions(regions, proteins) if regions else None
    plan = TilePlan([], window=window, step=step)
    for gene, record in proteins.items():
        tiles = tile_protein(record, window, step, first_index)
        # the tile IDs are the TF IDs of every later stage: the longest one (the last index) must pass there
        check_id(tiles[-1].tf_id, "tile ID", f"{proteins_fasta} record {gene} (tiles {gene}_<N>)")
        if len(record.sequence) <= window:
            plan.notes.append(f"{gene}: {len(record.sequence)} residues, not longer than the window "
                              f"({window}): one tile of the whole protein")
        if chosen is not None:
            if gene not in chosen:
                plan.notes.append(f"{gene}: no region in {regions}: not tiled")
                continue
            keep = {t.tile_index: t for s, e in chosen[gene] for t in covering(tiles, s, e)}
            tiles = [keep[i] for i in sorted(keep)]
        plan.tiles.extend(tiles)
    if not plan.tiles:
        raise InputError(f"{regions or proteins_fasta}: no tiles (no protein has a region)")
    return plan


def plan_from_config(config: dict) -> TilePlan:
    """``plan_tiles`` with the config keys ``tf_proteins`` and ``tiling.*``."""
    return plan_from_tiling(config["tf_proteins"], config.get("tiling", {}))


def plan_from_tiling(proteins_fasta: str | Path, tiling: dict) -> TilePlan:
    """``plan_tiles`` of ``proteins_fasta`` with the config's ``tiling`` section (``window``, ``step``,
    ``first_index``, ``regions``; each absent or null = its default): the one place that reads it, for the
    plan made when the workflow is parsed and for the rule that writes the tiles."""
    return plan_tiles(proteins_fasta, int(tiling.get("window", DEFAULT_WINDOW)), tiling.get("step"),
                      int(tiling.get("first_index", defaults("tiling.first_index"))), tiling.get("regions") or None)


def tiles_fasta(tiles: list[Tile]) -> str:
    """The tiles as FASTA text (headers with gene, start, end, group; sequence on one line)."""
    return "".join(f"{t.header()}\n{t.sequence}\n" for t in tiles)


TILE_COLUMNS = ["tf_id", "gene", "tile_index", "start", "end", "length", "sequence"]


def tile_rows(tiles: list[Tile]) -> list[dict]:
    return [{"tf_id": t.tf_id, "gene": t.gene, "tile_index": t.tile_index, "start": t.start, "end": t.end,
             "length": len(t.sequence), "sequence": t.sequence} for t in tiles]
