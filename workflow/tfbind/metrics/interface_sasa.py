"""Buried surface area and PISA-style solvation energy of a two-chain interface (freesasa).

Solvent-accessible surface areas are computed with **freesasa** (Mitternacht 2016, F1000Research
5:189), Shrake-Rupley algorithm (Shrake & Rupley 1973), probe radius 1.4 A, :data:`SR_POINTS` test
points per atom, one thread. Atomic radii are element-based (Bondi 1964 van der Waals radii, the
same table as Biopython's ``Bio.PDB.SASA`` default): C 1.70, N 1.55, O 1.52, S 1.80, Se 1.90,
P 1.80; any other heavy element 1.80 A. Hydrogens are never passed in.

Buried surface area (BSA) = SASA(TF alone) + SASA(domain alone) - SASA(complex); each chain "alone"
keeps its complex conformation (rigid-body separation, as in PISA).

Only atoms near the interface are computed (see :func:`buried_area_per_atom`); the result equals the
whole-chain calculation exactly, because with Shrake-Rupley each atom's test points are fixed and an
atom's SASA depends only on atoms that can overlap its probe-expanded sphere.

Bound on the geometry
---------------------
freesasa's neighbour list (``nb.c``) lays a grid of cubic cells (edge about twice the largest probe-expanded
radius, 6.4 A with sulfur) over the bounding box of the atoms of one call and allocates every cell, so one
call's memory and time grow with the box *volume*, not with the number of atoms: interface atoms placed far
apart in a small file (a damaged or hostile model) make one uninterruptible C call of gigabytes. Measured
with freesasa 2.2.1 on this project's 2-core development machine, two pairs of touching atoms at opposite
corners of a cube of edge D (process growth over a 10 MB interpreter, wall time): D = 300 A 17 MB, 0.02 s;
600 A 125 MB, 0.18 s; 800 A 300 MB, 0.46 s; 1,000 A 570 MB, 1.5 s; 1,500 A 1.9 GB, 8.4 s; 2,000 A did not fit
in 4 GB. The same atoms on a line (box D x 0 x 0) took under 1 ms and no memory even at D = 10,000 A. So
before each freesasa call :func:`check_grid_box` compares the volume of the atoms' bounding box, each edge
padded by one grid cell (:func:`grid_box`), with :data:`MAX_GRID_BOX_VOLUME`, a cube of 600 A, and refuses
larger geometry with :class:`GeometryTooLarge` (a ``ValueError``: the pair fails, its shard goes on). No real
complex comes near it: a two-chain complex of 2,000 residues spans under 300 A, and the atoms passed here
(interface atoms and their neighbours) lie within a few A of both chains, so they span no more than the
smaller chain; in the real fixtures (8 structures, every chain
pair) the largest call spans 34.5 x 25.3 x 35.6 A (ColabFold 5b8c chains A/B, 614 atoms), a box 4,000 times
under the limit.
"""

from __future__ import annotations

import functools

import freesasa
import numpy as np
from scipy.spatial import cKDTree

#: Solvent probe radius (A).
PROBE_RADIUS = 1.4
#: Shrake-Rupley test points per atom (freesasa default is 100).
SR_POINTS = 100

#: Element van der Waals radii (A), Bondi 1964 (Biopython ``Bio.PDB.SASA.ATOMIC_RADII`` values).
ELEMENT_RADII: dict[str, float] = {"C": 1.70, "N": 1.55, "O": 1.52, "S": 1.80, "SE": 1.90, "P": 1.80}
#: Radius of any heavy element missing from :data:`ELEMENT_RADII`.
DEFAULT_RADIUS = 1.80

#: Atomic solvation parameters (cal mol^-1 A^-2), Eisenberg & McLachlan 1986, Nature 319:199.
#: Keys are the atom solvation classes assigned in :mod:`.interface`.
SOLVATION_PARAMETERS: dict[str, float] = {
    "C": 16.0,  # carbon
    "N/O": -6.0,  # neutral nitrogen and oxygen
    "O-": -24.0,  # Asp OD1/OD2, Glu OE1/OE2, C-terminal OXT
    "N+": -50.0,  # Lys NZ, Arg NE/NH1/NH2, N-terminal N
    "S": 21.0,  # sulfur (and selenium of selenomethionine)
    "other": 0.0,  # anything else (e.g. phosphorus of phosphoresidues) does not contribute
}

#: Largest padded bounding-box volume (A^3) of one freesasa call: a cube of 600 A (about 125 MB, 0.2 s).
MAX_GRID_BOX_VOLUME = 600.0**3
#: freesasa's neighbour-grid memory per cell (bytes), measured (570 MB for 3.9 million cells).
_GRID_BYTES_PER_CELL = 150

class GeometryTooLarge(ValueError):
    """The atoms of one freesasa call span a bounding box larger than :data:`MAX_GRID_BOX_VOLUME`."""


def grid_box(xyz: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(edges (3,) of the bounding box of ``xyz`` in A, the grid cell edge 2 (max radius + probe) in A, the box
    volume in A^3 with each edge padded by one cell), as freesasa's neighbour grid covers it."""
    edges = np.ptp(xyz, axis=0) if xyz.shape[0] else np.zeros(3)
    cell = 2.0 * (float(radii.max(initial=0.0)) + PROBE_RADIUS)
    return edges, cell, float(np.prod(edges + cell))


def check_grid_box(xyz: np.ndarray, radii: np.ndarray) -> None:
    """Raise :class:`GeometryTooLarge` when the atoms' padded bounding box (:func:`grid_box`) exceeds
    :data:`MAX_GRID_BOX_VOLUME`; the message gives the atom count, the box and the limit."""
    edges, cell, volume = grid_box(xyz, radii)
    if not volume <= MAX_GRID_BOX_VOLUME:  # NaN coordinates are refused too
        need = volume / cell**3 * _GRID_BYTES_PER_CELL / 1e9
        raise GeometryTooLarge(
            f"buried surface area refused: the {xyz.shape[0]} interface atoms (and neighbours) passed to freesasa "
            f"span {edges[0]:.1f} x {edges[1]:.1f} x {edges[2]:.1f} A, a box of {volume:.3g} A^3 with a {cell:.1f} A "
            f"grid cell added to each edge, over the limit of {MAX_GRID_BOX_VOLUME:.3g} A^3 (a "
            f"{MAX_GRID_BOX_VOLUME ** (1 / 3):.0f} A cube; a real two-chain complex spans under 300 A): freesasa's "
            f"neighbour grid would take about {need:.3g} GB")


def _parameters() -> freesasa.Parameters:
    """freesasa parameters for the current :data:`SR_POINTS`."""
    return _parameters_for(SR_POINTS, PROBE_RADIUS)


@functools.lru_cache(maxsize=8)
def _parameters_for(points: int, probe: float) -> freesasa.Parameters:
    """freesasa parameters (cached: a pure function of its arguments; bounded)."""
    freesasa.setVerbosity(freesasa.silent)
    return freesasa.Parameters({"algorithm": freesasa.ShrakeRupley, "probe-radius": probe, "n-points": points,
                                "n-threads": 1})


def element_radius(element: str) -> float:
    """Van der Waals radius (A) of a heavy element symbol (case-insensitive), see :data:`ELEMENT_RADII`."""
    return ELEMENT_RADII.get(element.upper(), DEFAULT_RADIUS)


def atom_sasa(xyz: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Per-atom SASA (A^2) of the atoms ``xyz`` (n, 3) with van der Waals ``radii`` (n,).

    freesasa 2.2.1's Shrake-Rupley crashes (segmentation fault) when an atom has no neighbour whose
    probe-expanded sphere overlaps its own. Such isolated atoms are fully exposed: they get the
    sphere area 4 pi (r + 1.4)^2 here and are left out of the freesasa call (leaving them out cannot
    change the SASA of any other atom, and every atom passed on keeps an overlapping neighbour).

    Raises :class:`GeometryTooLarge` (before calling freesasa) when the atoms passed to freesasa span more
    than :data:`MAX_GRID_BOX_VOLUME` (module docstring).
    """
    xyz = np.ascontiguousarray(np.asarray(xyz, dtype=float).reshape(-1, 3))
    radii = np.asarray(radii, dtype=float)
    n = xyz.shape[0]
    area = 4.0 * np.pi * (radii + PROBE_RADIUS) ** 2
    if n < 2:
        return area
    expanded = radii + PROBE_RADIUS
    pairs = cKDTree(xyz).query_pairs(2.0 * float(expanded.max()), output_type="ndarray")
    if pairs.size:
        d = np.linalg.norm(xyz[pairs[:, 0]] - xyz[pairs[:, 1]], axis=1)
        pairs = pairs[d < expanded[pairs[:, 0]] + expanded[pairs[:, 1]] - 1e-6]  # margin: never isolated
    linked = np.zeros(n, dtype=bool)
    linked[pairs.ravel()] = True
    idx = np.flatnonzero(linked)
    if idx.size:
        check_grid_box(xyz[idx], radii[idx])  # before the C call, which no signal interrupts
        result = freesasa.calcCoord(xyz[idx].ravel().tolist(), radii[idx].tolist(), _parameters())
        area[idx] = np.fromiter((result.atomArea(i) for i in range(idx.size)), dtype=float, count=idx.size)
    return area


def buried_area_per_atom(xyz, radii, is_tf, restrict: bool = True) -> np.ndarray:
    """Buried SASA per atom (A^2, >= 0): SASA in its own chain alone minus SASA in the complex.

    ``xyz`` (n, 3) heavy atoms of the two chains, ``radii`` (n,), ``is_tf`` (n,) bool (True = TF
    chain, False = domain chain). Atoms whose exposure cannot change get 0.

    With ``restrict`` (the default) only the atoms near the interface are passed to freesasa:

    * an atom's SASA can change on complex formation only if its probe-expanded sphere
      (radius r_i + 1.4) overlaps that of a partner-chain atom, i.e. a partner atom j lies closer
      than r_i + r_j + 2 * 1.4 A: these are the *interface atoms* I, the only ones with buried area;
    * to get the SASA of an atom of I right (alone and in the complex), every atom k that can
      occlude it must be present, i.e. every atom closer than r_i + r_k + 2 * 1.4 A, of either
      chain. SASA is computed on I plus these neighbours (whose own SASA is not used).

    The result equals ``restrict=False`` (whole chains) exactly for Shrake-Rupley.
    """
    xyz = np.asarray(xyz, dtype=float).reshape(-1, 3)
    radii = np.asarray(radii, dtype=float)
    is_tf = np.asarray(is_tf, dtype=bool)
    n = xyz.shape[0]
    buried = np.zeros(n)
    idx_t, idx_d = np.flatnonzero(is_tf), np.flatnonzero(~is_tf)
    if idx_t.size == 0 or idx_d.size == 0:
        return buried
    reach = 2.0 * float(radii.max()) + 2.0 * PROBE_RADIUS  # largest possible overlap distance
    if restrict:
        pairs = cKDTree(xyz[idx_t]).sparse_distance_matrix(
            cKDTree(xyz[idx_d]), reach, output_type="ndarray")
        close = pairs["v"] < radii[idx_t[pairs["i"]]] + radii[idx_d[pairs["j"]]] + 2.0 * PROBE_RADIUS
        interface = np.union1d(idx_t[pairs["i"][close]], idx_d[pairs["j"][close]])
        if interface.size == 0:
            return buried
        neighbours = cKDTree(xyz).query_ball_point(
            xyz[interface], radii[interface] + float(radii.max()) + 2.0 * PROBE_RADIUS,
            return_sorted=False)
        subset = np.unique(np.concatenate([interface] + [np.asarray(x, dtype=int) for x in neighbours]))
    else:
        subset = np.arange(n)
    sub_xyz, sub_r, sub_tf = xyz[subset], radii[subset], is_tf[subset]
    complex_area = atom_sasa(sub_xyz, sub_r)
    alone = np.empty_like(complex_area)
    alone[sub_tf] = atom_sasa(sub_xyz[sub_tf], sub_r[sub_tf])
    alone[~sub_tf] = atom_sasa(sub_xyz[~sub_tf], sub_r[~sub_tf])
    diff = np.clip(alone - complex_area, 0.0, None)
    if restrict:
        keep = np.isin(subset, interface)
        buried[subset[keep]] = diff[keep]
    else:
        buried[subset] = diff
    return buried


def solvation_energy(buried, sigma) -> float:
    """PISA-style interface solvation energy (kcal/mol) from buried area per atom and its ASP.

    dG = sum_i sigma_i * (ASA_complex,i - ASA_alone,i) / 1000 = -sum_i sigma_i * buried_i / 1000,
    with ``sigma`` in cal/mol/A^2 (:data:`SOLVATION_PARAMETERS`). Negative = favourable (burying
    carbon); burying charged/polar atoms makes it positive.
    """
    buried = np.asarray(buried, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    return float(-(sigma * buried).sum() / 1000.0) + 0.0  # + 0.0: no negative zero
