"""The engine: the only module that imports libroadrunner.

The model is compiled once per process (:func:`engine`) and its compiled state is cached on
disk, keyed by the model's SBML and the roadrunner version, so that a cold start skips the
build and the compilation. Each run starts from the model's original state with
:meth:`Engine.start`, applies overrides by id, and then alternates :meth:`Engine.advance`
(integrate and sample) with interventions (:meth:`Engine.set`, :meth:`Engine.add_amount`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import roadrunner

from il7.errors import SolveError, Unsettled, few

# il7 reports failed solves itself (SolveError); roadrunner's own log lines would only repeat them
roadrunner.Logger.disableLogging()

SETTLED_RTOL = 1e-9
"""A species has settled when |dx/dt| <= SETTLED_RTOL * (|x| + 1 molecule) per hour.

Tight enough that a species still growing linearly after the 1e7-h simulation (relative rate
1e-7/h) is caught, loose enough for Newton's residuals on a model whose states span 1e0-1e16.
"""

ABSOLUTE_TOLERANCE = 1e-6
"""Integrator absolute tolerance for every species, in molecules (far below one molecule)."""

_HORIZONS = (1e7, 1e8)  # h: ~1,100 years, longer than any process at the reference; then ten times
# longer, for parameter sets whose T-cell pools approach their set point over centuries
_PRESIMULATION = 1e3  # h: relaxation after the long run, and Newton's presimulation
_STABILITY_CHECK = 1e4  # h: how long a nudged Newton root is run to see whether the system returns


@contextlib.contextmanager
def _quiet_native_output() -> Iterator[None]:
    """Silence SUNDIALS' own prints to file descriptors 1 and 2 while roadrunner integrates.

    After a dose, CVODE restarts with a tiny first step and prints "t + h = t ... the solver
    will continue anyway" warnings straight from C; they are not errors, and real failures
    raise and become a :class:`SolveError` with the message. The prints would corrupt output
    the user pipes from il7 and repeat what the error already says.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    devnull = _devnull()
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@functools.cache
def _devnull() -> int:
    return os.open(os.devnull, os.O_WRONLY)


def _cache_dir() -> Path:
    base = os.environ.get("IL7_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "il7"
    )
    return Path(base)


class Engine:
    """A compiled model, ready to run.

    Parameters
    ----------
    rr
        A compiled ``roadrunner.RoadRunner`` in its original state (see :func:`engine`).
    """

    def __init__(self, rr: Any) -> None:
        self._rr = rr
        model = self._rr.model
        self.species: tuple[str, ...] = tuple(model.getFloatingSpeciesIds())
        self.compartments: tuple[str, ...] = tuple(model.getCompartmentIds())
        self._selections: tuple[str, ...] = ()
        self._stale_selections = True
        # amounts change as stoichiometry x reaction rates (extent = item, so item/h)
        self._stoichiometry = np.asarray(rr.getFullStoichiometryMatrix())
        # one absolute tolerance, in molecules, for every species: roadrunner otherwise scales it
        # by initial values, and a species that starts at exactly 0 after a knockout gets 0,
        # which CVODE refuses (CV_ILL_INPUT: "initial ewt has component(s) equal to zero")
        for species in self.species:
            rr.integrator.setIndividualTolerance(species, ABSOLUTE_TOLERANCE)
        solver = self._rr.getSteadyStateSolver()
        solver.allow_presimulation = True
        solver.presimulation_time = _PRESIMULATION
        solver.allow_approx = False
        # Newton is only the fallback after the long simulation (steady_state); moiety analysis
        # would cost ~100 ms a call for a case the simulation already handles
        solver.auto_moiety_analysis = False

    # ---- state ---------------------------------------------------------------------------
    def start(self, overrides: Mapping[str, float]) -> None:
        """Return to the model's original state, then apply ``overrides`` (model units).

        Initial assignments (e.g. receptor totals = cells x receptors per cell) are evaluated
        with the overridden values.
        """
        rr = self._rr
        rr.resetAll()
        if overrides:
            for key, value in overrides.items():
                rr.setValue(key, float(value))
            rr.reset()  # re-evaluate initial assignments with the new values

    def set(self, key: str, value: float) -> None:
        """Set a parameter or compartment size now (model units)."""
        self._rr.setValue(key, float(value))

    def get(self, key: str) -> float:
        """Current value of a parameter, compartment, species amount or observable."""
        return float(self._rr.getValue(key))

    def one_molecule(self, readout: str) -> float:
        """The largest change of ``readout`` that one molecule (or cell) more of any species makes
        at the present state: a readout that stays below it is not resolved by the model (IL-4 in
        a body without IL-4 read 3e-27 pg/mL, a millionth of a billionth of one molecule)."""
        model = self._rr.model
        amounts = np.asarray(model.getFloatingSpeciesAmounts())
        base = self.get(readout)
        largest = 0.0
        try:
            for i in range(len(amounts)):
                moved = amounts.copy()
                moved[i] += 1.0
                model.setFloatingSpeciesAmounts(moved)
                largest = max(largest, abs(self.get(readout) - base))
        finally:
            model.setFloatingSpeciesAmounts(amounts)
        return largest

    def add_amount(self, species: str, amount: float) -> None:
        """Add ``amount`` molecules to a species now (a bolus)."""
        rr = self._rr
        rr.setValue(species, float(rr.getValue(species)) + float(amount))

    def snapshot(self) -> np.ndarray:
        """The current species amounts (items), to :meth:`restore` later in the same run setup."""
        return np.array(self._rr.model.getFloatingSpeciesAmounts())

    def restore(self, amounts: np.ndarray) -> None:
        """Set all species amounts (items) at once, e.g. to a cached steady state."""
        self._rr.model.setFloatingSpeciesAmounts(amounts)

    def compartment_of(self, species: str) -> str:
        """Id of the compartment that holds ``species``."""
        model = self._rr.model
        index = model.getCompartmentIndexForFloatingSpecies(self.species.index(species))
        return str(self.compartments[index])

    # ---- time ----------------------------------------------------------------------------
    def select(self, ids: Sequence[str]) -> None:
        """Choose what :meth:`advance` returns (species amounts, parameters, observables)."""
        if tuple(ids) != self._selections or self._stale_selections:
            self._selections = tuple(ids)
            self._rr.timeCourseSelections = ["time", *self._selections]
            self._stale_selections = False

    def advance(self, t0: float, t1: float, sample: np.ndarray) -> np.ndarray:
        """Integrate from ``t0`` to ``t1`` (h) and return the selections at ``sample`` times.

        Parameters
        ----------
        t0, t1
            Start and end of this segment, in hours.
        sample
            Increasing times (h) within ``[t0, t1]`` at which to report; may be empty.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(sample), 1 + len(selections))``; the first column is time.
        """
        if t1 <= t0:  # nothing to integrate: report the current state if asked for
            if sample.size == 0:
                return np.empty((0, 1 + len(self._selections)))
            return np.array([[t0, *(self._rr.getValue(s) for s in self._selections)]])
        lead = not (sample.size and sample[0] == t0)
        tail = not (sample.size and sample[-1] == t1)
        times = np.concatenate(([t0] if lead else [], sample, [t1] if tail else []))
        try:
            with _quiet_native_output():
                result = np.asarray(self._rr.simulate(times=times))
        except RuntimeError as exc:
            raise SolveError(
                f"integration failed between t = {t0:g} h and {t1:g} h ({exc}); "
                "look for extreme values among the parameters set (--set, a period's set:) and the doses"
            ) from None
        return result[int(lead) : len(times) - int(tail)]

    def steady_state(self) -> None:
        """Bring the model to steady state.

        A long simulation first (1e7 h, far past every process in the model, then 1e8 h if
        needed; linear growth still shows as unsettled there): it follows the
        stable state the system actually reaches, and on this model it costs well under a
        millisecond where roadrunner's Newton solver takes 60-250 ms and often meets a singular
        Jacobian (a culture well has quantities that are conserved). If species have not
        settled, roadrunner's steady-state solver (Newton after a presimulation) is tried;
        if they still have not, a :class:`SolveError` names the first five (and says when their
        rates are not numbers).
        """
        rr = self._rr
        start = np.asarray(rr.model.getFloatingSpeciesAmounts())
        try:
            with _quiet_native_output():
                for horizon in _HORIZONS:
                    rr.simulate(rr.model.getTime(), rr.model.getTime() + horizon, 2)
                    # the last huge steps leave fast modes off their manifold by ~ the
                    # tolerance: a short run with fresh small steps lets them relax
                    rr.simulate(rr.model.getTime(), rr.model.getTime() + _PRESIMULATION, 2)
                    if not self._unsettled():
                        break
        except RuntimeError:
            pass
        unsettled = self._unsettled()
        negative: list[str] = []
        if unsettled:
            try:
                with _quiet_native_output():
                    rr.steadyState()
            except RuntimeError:
                pass
            unsettled = self._unsettled()
            if not unsettled:  # Newton's answer: a root, not necessarily a physical state
                amounts = np.asarray(self._rr.model.getFloatingSpeciesAmounts())
                negative = [
                    sp for sp, a in zip(self.species, amounts, strict=True) if a < -ABSOLUTE_TOLERANCE
                ]
                leaving = [] if negative else self._leaving(amounts, present=(start > 1) | (amounts > 1))
                if leaving:
                    self._stale_selections = True
                    self.select(self._selections)
                    verb = "moves" if len(leaving) == 1 else "move"
                    raise SolveError(
                        f"the only steady state found is unstable: {few(leaving)} {verb} away from it, "
                        "so the system does not settle there with these parameters (cells that grow too "
                        "slowly for the search to carry them to their plateau, such as blasts with "
                        "IL7R_gof 1 growing toward K_leuk, leave it); seed such cells after the steady "
                        "state instead, e.g. set: {Leuk: 1e6 cells} in a later period"
                    )
        # both replace roadrunner's time-course selections: restore them
        self._stale_selections = True
        self.select(self._selections)
        if not unsettled and not negative:
            self._zero_noise()
        if negative:
            raise SolveError(
                f"the only steady state found has negative amounts of {few(negative)}; "
                "the system approaches no physical steady state with these parameters "
                "(too slowly or not at all)"
            )
        if not unsettled:
            return
        undefined = [s for s, r in unsettled if not np.isfinite(r)]
        if undefined:
            raise SolveError(
                f"no steady state: the rates of {few(undefined)} are not numbers (NaN or infinite); "
                "a parameter value makes a formula undefined (0/0, a zero divisor or an overflow): "
                "check the values you set"
            )
        listed = few([f"{s} (relative rate {r:.1e}/h)" for s, r in unsettled])
        raise Unsettled(
            f"no steady state: {listed} did not settle; check that every production has a matching loss"
        )

    def _leaving(self, root: np.ndarray, present: np.ndarray) -> list[str]:
        """Species that move away from ``root`` (a state where all rates are zero) when it is
        nudged, each by a millionth and the ``present`` ones (there before the search, or at the
        root) by one item more, and run for _STABILITY_CHECK hours: a root the system does not
        return to is not the state it reaches (blasts that only grow, seeded at the start, have
        one at 0 cells). A population absent throughout is not nudged: at 0 it stays 0 (a tumour
        never seeded). Leaves the model at ``root``."""
        rr = self._rr
        rr.model.setFloatingSpeciesAmounts(root * (1 + 1e-6) + present.astype(float))
        try:
            with _quiet_native_output():
                rr.simulate(rr.model.getTime(), rr.model.getTime() + _STABILITY_CHECK, 2)
            moved = np.abs(np.asarray(rr.model.getFloatingSpeciesAmounts()) - root)
            far = ~(moved <= 1e-3 * np.abs(root) + 2.0)  # NaN counts as far
        except RuntimeError:  # it ran off to infinity
            far = np.ones(len(root), dtype=bool)
        rr.model.setFloatingSpeciesAmounts(root)
        return [sp for sp, f in zip(self.species, far, strict=True) if f]

    def _zero_noise(self) -> None:
        """Set to 0 the amounts that the solver left within its absolute tolerance of 0, either
        side (a species with no source, IL-4 in the body, read -1e-19 molecules/cell; a culture
        well's IL-7 complexes before the dose, +1e-19): they are 0 within what the solver
        resolves, and a readout of an absent species should read 0, not -1e-34 or a tail."""
        amounts = np.asarray(self._rr.model.getFloatingSpeciesAmounts())
        noise = (amounts != 0) & (np.abs(amounts) <= ABSOLUTE_TOLERANCE)
        if noise.any():
            amounts[noise] = 0.0
            self._rr.model.setFloatingSpeciesAmounts(amounts)

    def _unsettled(self) -> list[tuple[str, float]]:
        model = self._rr.model
        amounts = np.asarray(model.getFloatingSpeciesAmounts())
        rates = self._stoichiometry @ np.asarray(model.getReactionRates())
        relative = np.abs(rates) / (np.abs(amounts) + 1.0)
        return [
            (s, float(r))
            for s, r in zip(self.species, relative, strict=True)
            if not r <= SETTLED_RTOL  # NaN counts as unsettled
        ]


def absent_fraction(unit: str, one_molecule: float) -> bool:
    """Whether a readout of unit ``unit`` whose :meth:`Engine.one_molecule` step is
    ``one_molecule`` is a fraction of amounts that are not there: one molecule moves it by half or
    more (a well without T cells read pSTAT5_frac 0.52), so its values are undefined, not a tail
    near 0 (``il7 simulate``'s and ``il7 population``'s notes)."""
    return unit == "1" and one_molecule >= 0.5


def _load(digest: str, make_sbml: Callable[[], str]) -> Any:
    """Load the compiled model from the disk cache, or build and compile it.

    Parameters
    ----------
    digest
        A fingerprint of everything the SBML is made from (see :func:`il7.build.digest`).
    make_sbml
        Builds the SBML document; called only when the cache has no compiled model.
    """
    key = hashlib.sha256(f"{roadrunner.__version__}:{digest}".encode()).hexdigest()[:32]
    path = _cache_dir() / f"model-{key}.rrstate"
    if path.is_file():
        rr = roadrunner.RoadRunner()
        try:
            rr.loadState(str(path))
            return rr
        except RuntimeError:
            path.unlink(missing_ok=True)
    rr = roadrunner.RoadRunner(make_sbml())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            pass
        rr.saveState(tmp.name)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only home only costs the next cold start a compilation
    return rr


def provenance() -> str:
    """What made a result, for a report or a methods section: il7's version, the fingerprints of
    the model (:func:`il7.build.digest`) and of the scenarios, targets and data beside it
    (:func:`il7.build.data_digest`), and the solver's version."""
    from il7 import __version__, build

    return (
        f"il7 {__version__} (model {build.digest()[:12]}, scenarios and data "
        f"{build.data_digest()[:12]}, libroadrunner {roadrunner.__version__})"
    )


@functools.cache
def engine() -> Engine:
    """The process's compiled model (built and compiled on first use)."""
    from il7 import build

    return Engine(_load(build.digest(), build.sbml))
