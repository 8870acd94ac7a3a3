"""Shape complementarity (Sc) of the TF chain against the domain chain, from the predicted structure.

Definition (Lawrence & Colman 1993, J. Mol. Biol. 234:946-950)
--------------------------------------------------------------
Each molecule's molecular surface (Connolly 1983, J. Appl. Cryst. 16:548) is sampled with dots. Dots of the
*interface* are those within reach of the other molecule (buried), less a peripheral band: a buried dot
closer than the band width to an accessible dot of its own surface is dropped. For every remaining dot x_A
of surface A with outward normal n_A, take the nearest dot x_B of surface B (normal n_B) and score

    S(x_A) = (n_A . -n_B) exp(-w |x_A - x_B|^2)

(1 = surfaces that touch and face each other exactly). Sc = mean over the two directions (A->B, B->A) of the
median S. Lawrence & Colman found 0.70-0.76 for oligomeric and protease/inhibitor interfaces and 0.64-0.68
for antibody/antigen interfaces; 1 would be a perfect fit.

Constants (the CCP4 ``sc`` program's defaults), as the implementation used here sets them:

=====================  ==========  ===================================================================
probe radius           1.7 A       rolling probe of the molecular surface
dot density            15 / A^2    Lawrence & Colman: about 15 dots per A^2 suffice
peripheral band        1.5 A       width of the trimmed rim of the buried surface
separation cutoff      8 A         atoms farther than this from every atom of the other molecule make no
                                   dots (they still shape the surface of those that do)
Gaussian weight w      0.5 A^-2    distance penalty in S
=====================  ==========  ===================================================================

Atomic radii: the ``sc`` radii library (CCP4 ``sc``, the same table as Rosetta's
``database/scoring/score_functions/sc/sc_radii.lib``), matched by residue and atom name with ``*``
wildcards, first match wins: main chain C 1.80, CA 1.85 (Gly CA 1.90), N 1.65, O and OXT 1.60; CB 1.90
(Ala 1.95, Ile/Thr/Val 1.85); side chains per residue (e.g. Ser OG, Thr OG1, Tyr OH 1.70; Lys NZ 1.75;
Arg NH1/NH2, Asn ND2, Gln NE2 1.70; Asp/Glu/Asn/Gln oxygens 1.60; aromatic ring carbons 1.80-1.90; methyl
carbons 1.95); any other atom by its first letters: C* 1.85, N* 1.65, O* 1.60, S* (Cys SG, Met SD,
selenium of MSE) 1.90, P* (phosphoresidues) 2.15.

What was verified (tests/test_shape_complementarity.py): the constants above in the sc-rs source
(``src/sc/settings.rs``, ``Settings::default``), in Rosetta's ``MolecularSurfaceCalculator`` constructor
("Defaults from sc source") and in the GPU-SC port of CCP4 ``sc``; the radius sc-rs assigns to every atom
type of the 20 amino acids in the real fixtures equals the ``sc_radii.lib`` table; Rosetta's unit-test
structure (``../shared/fixtures/sc_reference``) gives Sc 0.7152 / 950.1 A^2 against Rosetta's 0.7148 +-
0.001 / 950.14 A^2.

Implementation
--------------
The PyPI package ``shape-complementarity`` (``shape_complementarity.compute_sc``, PyO3 bindings to the Rust
sc-rs, a port of CCP4 ``sc`` / Rosetta's ShapeComplementarityCalculator), called directly with the atoms
the interface metrics use (:func:`tfbind.metrics.interface.chain_atoms`): every heavy atom of the TF chain
(molecule A) and of the domain chain (molecule B), first conformer; hydrogens excluded by *element*;
other chains, waters and ligands excluded; residue and atom names as in the file (a modified residue such
as SEP gets the generic radii of its atoms). The package's own readers (``from_pdb`` and friends) are not
used: their hydrogen test also drops every atom whose *name* ends in "H", i.e. every tyrosine OH, which
shifts Sc by up to 0.06 on AlphaFold models. Swapping A and B gives the same value (checked on the
fixtures). Cropping each chain to the atoms within some distance of the other one was measured and not
adopted: at 8 A it changes Sc (5b8c chains A/B: 0.6008 instead of 0.5950), at 10-12 A the outcome of the
AlphaPulldown models (no atoms left, or an error instead of "no dots"), and at 16 A, identical on every
fixture, it is no faster (within the 10 % noise: the time goes to the surface dots, not the atom loops).

Outcomes
--------
* Sc, the trimmed interface area (A^2, both surfaces together) and the median distance between facing
  dots (A): ``shape_complementarity``, ``sc_area``, ``sc_median_distance``.
* No interface, Sc 0 and area 0 (median distance NaN) and no note: chains that do not touch (every atom
  beyond the separation cutoff: the library raises "No molecular dots generated"), or touch without a
  trimmed surface on both sides (the library returns Sc 0 with area 0 or median distance 0, i.e. no pair of
  facing dots). Why 0 and not NaN: two chains without facing surfaces complement each other not at all, a
  measured fact about the model, as pDockQ is 0 and the contact counts 0 without contacts; NaN would make a
  model impute the training median (a typical binder's value) for exactly the pairs that do not bind.
* Any error of the library, all three NaN with :attr:`ShapeComplementarity.problem` set (the caller
  records it as a note, never a failed pair): typically "Overlapping atoms detected: ..." for models with
  two atoms of one chain within 0.01 A of each other (clashing AlphaFold models; fragments written on top
  of each other, as in AlphaPulldown's fragment runs), or an atom without a radius. A Rust panic
  (``pyo3_runtime.PanicException``, a ``BaseException``) is caught the same way. The overlap check
  depends on the library's threading: with ``parallel=True`` it looks at every atom and refuses e.g. the
  AlphaPulldown fixture's ranked_0 (overlapping fragment atoms far from the other chain); one thread,
  used here, looks only at atoms within the separation cutoff, where an overlap does change the surface.

sc-rs reads its radii from the file named by the environment variables ``ATOMIC_RADII`` /
``ATOMIC_RADII_PATH`` when either is set; they are removed from the environment for the duration of each
call, so that the value never depends on the environment.

Cost
----
About 0.3-1.6 s per chain pair on one core of this machine (``parallel=False``: one thread, as every
extraction job has one core), nearly all of it in the dot stages: surface dots are made only for atoms
within the 8 A separation cutoff, and the peripheral trimming and the nearest-dot search compare dots
pairwise, so the time grows with the square of the interface size (dots ~ 15 per A^2 of surface near the
interface), not with the chain lengths. Measured on the 5b8c fixtures (chains of 139/120/111 residues):
0.33 s for 427 A^2 of trimmed area, 0.8 s for 720 A^2, 1.2-1.4 s for 990-1,040 A^2; the largest case,
chain A against chains B and C as one molecule (370 residues, 1,230-1,360 A^2), 2.1-2.5 s. Synthetic demo
complexes (small interfaces) take about 30 ms.

Time limit
----------
The Rust call cannot be interrupted: a signal handler runs only when it returns. So when a time limit is
armed (``features.pair_timeout_s``: a real-time interval timer, :func:`tfbind.features.extract.time_limit`)
and the molecules hold more than :data:`ISOLATE_ATOMS` atoms (a complex larger than a TF tile on a domain,
where one call can take seconds and grows with the square of the interface), the library runs in a forked
child process: the parent waits on a pipe, which the timer's signal does interrupt, and the child is killed on
the way out, so a pair stops at its limit and the shard goes on. A child that dies without a result (a crash
in the library) costs that model's Sc (NaN and a note), not the shard. The fork and the pipe cost about 10 ms,
within the noise of a 0.35-1.4 s call on such a complex (``workflow/benchmarks/bench_sc_isolation.py``,
docs/performance.md); smaller complexes, runs without a time limit and platforms without ``fork`` call the
library in the process.
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
from shape_complementarity import compute_sc

from ..readers.context import ReadContext
from .interface import InterfaceAtoms, chain_atoms, prediction_atoms

#: Columns of the feature tables, in order.
SC_KEYS: tuple[str, ...] = ("shape_complementarity", "sc_area", "sc_median_distance")

#: The library's message when no atom lies within the separation cutoff of the other molecule.
_NO_DOTS = "No molecular dots generated"
#: Environment variables that make sc-rs read another radii table.
_RADII_VARIABLES = ("ATOMIC_RADII", "ATOMIC_RADII_PATH")
_NAN = float("nan")
#: An atom as sc-rs names it in a message: "469:PRO:CA" (its 1-based number, residue, atom).
_ATOM_NUMBER = re.compile(r"\b(\d+):[A-Z0-9]{1,4}:")
#: Above this many atoms (both molecules together) the library runs in a child process when a time limit is
#: armed (module docstring): a TF tile of 80 residues on a 90-residue domain passes about 1,300 heavy atoms.
ISOLATE_ATOMS = 1500


@dataclass(frozen=True)
class ShapeComplementarity:
    """One Sc calculation: the values (0 without an interface, NaN on a library error), the atoms passed to
    the library, and the library's message when it failed (None otherwise)."""

    sc: float = _NAN
    area: float = _NAN
    median_distance: float = _NAN
    n_atoms_a: int = 0
    n_atoms_b: int = 0
    problem: str | None = None

    def columns(self) -> dict[str, float]:
        """The feature-table columns (:data:`SC_KEYS`)."""
        return dict(zip(SC_KEYS, (self.sc, self.area, self.median_distance)))


def no_value() -> dict[str, float]:
    """The columns of a model whose Sc is not computed (``features.shape_complementarity``)."""
    return dict.fromkeys(SC_KEYS, _NAN)


@contextmanager
def _default_radii():
    """Remove sc-rs's radii-file variables from the environment for the block (see the module docstring)."""
    saved = {name: os.environ.pop(name) for name in _RADII_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _library(coords_a, names_a, residues_a, coords_b, names_b, residues_b) -> tuple[float, float, float]:
    """(Sc, trimmed area, median distance) from sc-rs, one thread, with its default radii; raises what it raises."""
    with _default_radii():
        result = compute_sc(coords_a, list(names_a), list(residues_a), coords_b, list(names_b), list(residues_b),
                            parallel=False)
    return float(result.sc), float(result.trimmed_area), float(result.median_distance)


def _is_library_error(exc: BaseException) -> bool:
    # the library signals every problem with ValueError; a Rust panic is pyo3's PanicException, a BaseException.
    # Anything else (KeyboardInterrupt, the pair's time limit) is not the library's to report.
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _outcome(call, *args) -> tuple:
    """``("ok", value)`` of ``call(*args)``, or ``("error", exception name, message)`` for what the library
    raised; anything else raises on."""
    try:
        return ("ok", call(*args))
    except BaseException as exc:
        if not _is_library_error(exc):
            raise
        return ("error", type(exc).__name__, str(exc))


def _time_limit_armed() -> bool:
    """A real-time interval timer (the pair's time limit) is running in the main thread, and the platform can
    fork a child for the library."""
    return (hasattr(os, "fork") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] > 0)


def _in_child(call, *args) -> tuple:
    """:func:`_outcome` of ``call(*args)`` run in a forked child process; ``("died", how)`` when the child ended
    without a result. The parent blocks in a pipe read, which a
    signal interrupts: the pair's time limit raises through here, and the child is killed and reaped on the way
    out in every case."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns on fork in a process with threads (here: idle BLAS pools); the child runs only the
        # library and pickle, and leaves with os._exit
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanup (atexit, buffers)
        code = 0
        try:
            os.close(read_end)
            data = pickle.dumps(_outcome(call, *args))
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 1
        finally:
            os._exit(code)
    try:
        os.close(write_end)  # in the try: the child is reaped whatever interrupts the parent from here on
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    finally:
        try:
            os.kill(pid, signal.SIGKILL)  # done already, or past the pair's limit
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
    if data:
        return pickle.loads(data)  # noqa: S301 - our own child's bytes
    how = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
           else f"exit status {os.waitstatus_to_exitcode(status)}")
    return ("died", how)


def compute(coords_a, names_a, residues_a, coords_b, names_b, residues_b,
            isolate: bool | None = None) -> ShapeComplementarity:
    """Sc of molecule A (``coords_a`` (n, 3) A, atom names, residue names) against molecule B, one thread.

    The atoms are passed as given (select them first; hydrogens should not be among them). Never raises for
    what the library refuses: the outcome carries NaN and the library's message (module docstring).
    ``isolate``: run the library in a child process (module docstring, "Time limit"); None: when a time limit
    is armed and the molecules hold more than :data:`ISOLATE_ATOMS` atoms."""
    coords_a = np.ascontiguousarray(coords_a, dtype=float).reshape(-1, 3)
    coords_b = np.ascontiguousarray(coords_b, dtype=float).reshape(-1, 3)
    counts = {"n_atoms_a": coords_a.shape[0], "n_atoms_b": coords_b.shape[0]}
    if isolate is None:
        isolate = coords_a.shape[0] + coords_b.shape[0] > ISOLATE_ATOMS and _time_limit_armed()
    args = (coords_a, names_a, residues_a, coords_b, names_b, residues_b)
    outcome = _in_child(_library, *args) if isolate else _outcome(_library, *args)
    if outcome[0] == "died":
        return ShapeComplementarity(**counts, problem=f"sc-rs: the library's process ended without a result "
                                                      f"({outcome[1]})")
    if outcome[0] == "error":
        return _failed(outcome[1], outcome[2], counts)
    sc, area, median = outcome[1]
    if not (area > 0 and median > 0):
        return ShapeComplementarity(0.0, 0.0, **counts)  # no facing dots on one of the surfaces: no interface
    return ShapeComplementarity(sc, area, median, **counts)


def _failed(name: str, message: str, counts: dict) -> ShapeComplementarity:
    if message.endswith(_NO_DOTS):
        return ShapeComplementarity(0.0, 0.0, **counts)  # no atom within the separation cutoff: no interface
    return ShapeComplementarity(**counts, problem=f"sc-rs: {name}: {message}")


def _from_atoms(atoms: InterfaceAtoms, chain_a: str, chain_b: str) -> ShapeComplementarity:
    a, b = np.flatnonzero(atoms.is_tf), np.flatnonzero(~atoms.is_tf)
    result = compute(atoms.xyz[a], atoms.name[a], atoms.res_name[a], atoms.xyz[b], atoms.name[b], atoms.res_name[b])
    if result.problem is None:
        return result
    return replace(result, problem=result.problem + _atom_labels(result.problem, atoms, np.concatenate([a, b]),
                                                                 chain_a, chain_b))


def _atom_labels(message: str, atoms: InterfaceAtoms, order: np.ndarray, chain_a: str, chain_b: str) -> str:
    """The residues of the atoms that the library's ``message`` cites by number (``469:PRO:CA``: 1-based over
    molecule A then B, i.e. ``order``), as " [atom 469 = chain C PRO 2 CA; ...]"; "" when it cites none."""
    labels = []
    for number in dict.fromkeys(int(m) for m in _ATOM_NUMBER.findall(message)):
        if 1 <= number <= order.size:
            i = order[number - 1]
            chain = chain_a if atoms.is_tf[i] else chain_b
            labels.append(f"atom {number} = chain {chain} {atoms.res_name[i]} {atoms.res_num[i]} {atoms.name[i]}")
    return f" [{'; '.join(labels)}]" if labels else ""


def model_shape_complementarity(pred, tf_chain: str, domain_chain: str,
                                context: ReadContext | None = None) -> ShapeComplementarity:
    """Sc of ``tf_chain`` (molecule A) against ``domain_chain`` (B) in one predicted model
    (a :class:`~tfbind.readers.prediction.ModelPrediction`), on the atoms the interface metrics use.

    Raises ValueError as :func:`tfbind.metrics.interface.interface_metrics` does (same chain twice, a chain
    without amino-acid residues, no structure); library failures are returned, not raised. ``context``: the
    run's (the atom selection kept between its models, :func:`tfbind.metrics.interface.chain_atoms`)."""
    if tf_chain == domain_chain:
        raise ValueError(f"TF chain and domain chain are both {tf_chain!r}; need two different chains")
    return _from_atoms(prediction_atoms(pred, tf_chain, domain_chain, context), tf_chain, domain_chain)


def structure_shape_complementarity(structure, chain_a: str, chain_b: str) -> ShapeComplementarity:
    """Sc of ``chain_a`` against ``chain_b`` of a ``gemmi.Structure`` (as :func:`tfbind.readers.structure.
    read_structure` reads it) or its :class:`~tfbind.readers.structure.AtomTable`; atoms as in
    :func:`model_shape_complementarity`."""
    if chain_a == chain_b:
        raise ValueError(f"chain {chain_a!r} given twice; need two different chains")
    return _from_atoms(chain_atoms(structure, chain_a, chain_b), chain_a, chain_b)
