"""population(scenario, vary, n, seed) -> Population: a scenario run in virtual patients who differ.

Each virtual patient is the scenario with some parameters drawn at random, with a fixed seed:

- ``"cv 30%"``: log-normal around the parameter's value in the scenario's run (the median
  before truncation), with coefficient of variation 30%, i.e. ln(p) has standard deviation
  sqrt(ln(1 + 0.3^2)), as pharmacometric models write inter-individual variability (Monolix's
  and NONMEM's log-normal eta). Draws outside the parameter's bounds in the table are drawn
  again (a truncated log-normal), and the result counts how many were.
- ``"20..70 years"``: uniform between the two values (each in the parameter's table unit, or
  with a unit written once, after the second value, or after each); both must lie within the
  parameter's bounds.

The table's bounds are a human adult's. Where the scenario's own value lies outside them (a
mouse, a culture well, ``sil7r_high``), they do not apply to it: a log-normal is then not
truncated (but for a fraction, at 1), and a range need only hold physical values.

Parameters are drawn independently unless ``correlations`` (``--correlate``) pair some of them:
their normal scores are then correlated (a Gaussian copula, :func:`il7.draws.draw`), as a block of
inter-individual variances correlates the etas in NONMEM or Monolix.

The same seed, spreads, order of the spreads and correlations give the same patients, and a larger
``--n`` keeps them: patient ``i`` depends on the seed and ``i`` only (:func:`il7.draws.draw`).

Every patient's run starts from the steady state of their own body, as ``il7 simulate --set``
does. A patient whose run fails (no steady state, a parameter set that admits no reference
adult) is kept in the result with the reason and left out of the percentiles, so that one
failure does not lose the others. The runs are independent, so ``jobs`` spreads them over
processes; the draws, and so the result, do not depend on it.

:meth:`Population.percentiles` gives the bands; :meth:`Population.explain` gives, for each
varied parameter, the direction and consistency of its effect on a readout across the patients
(partial rank correlation). It does not measure the effect's size: a tiny but systematic effect
gives a coefficient near +-1. The bands, or :func:`il7.sensitivities`, give sizes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from il7 import build
from il7.draws import Spread, correlation_matrix, draw, spread
from il7.engine import engine, provenance
from il7.errors import Il7Error, did_you_mean
from il7.files import write_table
from il7.scenario import Scenario, load, unknown_readout
from il7.simulate import (
    NOISE_FLOOR,
    check_progress,
    overrides_given,
    readout_unit,
    scenario_overrides,
    simulate,
    simulate_many,
    warn_notes,
    workers,
)
from il7.trajectory import fit_y_axis, read_only
from il7.values import flag, whole_number

PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
"""The percentiles reported: the median, the middle 50% and the middle 90% of the patients
(numpy's, interpolated linearly between the patients' values)."""

MIN_FREEDOM = 8
"""Fewest degrees of freedom (patients - 2 - other varied parameters) for which a PRCC gets a P
value: the t approximation to a rank correlation's distribution is poor below about 10 pairs."""


def fewest_patients_for_p(varied: int) -> int:
    """Fewest patients whose run went through for which a PRCC gets a P value, with ``varied``
    parameters varied: :data:`MIN_FREEDOM` degrees of freedom, N - 2 - (varied - 1)."""
    return MIN_FREEDOM + varied + 1


MAX_VALUES = 50_000_000
"""Most readout values (patients x output times x readouts) a population holds: 400 MB."""

DEFAULT_N = 100
"""Patients drawn by default."""

MAX_PATIENTS = 100_000
"""More patients than this is a typo, not a study."""

UNSEEN = (
    "the patients' runs do not show",
    "give a later end: scenario.with_output(t_end=...), or the output of the scenario file",
)
"""What a population says of doses after its last output time (:func:`il7.simulate.warn_notes`)."""

NO_SPREAD = 1e-5
"""A readout whose middle 90% spans less than this fraction of its median does not vary beyond
the solver's precision (steady states hold to about 1e-6): no coefficients are given for it."""

MEDIAN_SHIFT = 0.05
"""A log-normal spread whose bounds move its median by more than this fraction of its centre (they
cut it more on one side: a value on or near a bound, or a wide CV between bounds unevenly far
from the value) is said to be off-centre: ``gc_per_T`` at its lower bound with CV 30% has a
median 22% above the value, ``age`` 30 years within 18-105 with CV 100% one 24% above."""


def _percentile_levels(q: object) -> list[float]:
    """``q`` as a list of percentiles from 0 to 100, or a one-line error: numpy's own came as a
    traceback, and a single number was "not iterable"."""
    example = "e.g. percentiles([5, 50, 95])"
    if isinstance(q, (str, bytes, Mapping)) or not isinstance(q, Iterable):
        raise Il7Error(f"percentiles {q!r}: give a list of percentiles from 0 to 100, {example}")
    levels = list(q)
    if not levels:
        raise Il7Error(f"percentiles: the list is empty; give at least one percentile, {example}")
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 <= float(level) <= 100:
            raise Il7Error(
                f"percentiles: {level!r} is not a number from 0 to 100; {example} (50 is the median)"
            )
    if (
        len(levels) > 1
        and all(float(level) <= 1 for level in levels)
        and any(0 < float(level) < 1 for level in levels)
    ):
        shown = ", ".join(f"{100 * float(level):g}" for level in levels)
        raise Il7Error(
            f"percentiles {levels!r}: these read as quantiles (fractions of 1), and percentiles run from 0 "
            f"to 100: give [{shown}]"
        )
    return [float(level) for level in levels]


@dataclass(frozen=True, eq=False)  # compared by their numbers, not ==
class Population:
    """A scenario's readouts in each virtual patient.

    Attributes
    ----------
    scenario, time_unit
        The scenario run and the unit of :attr:`times`.
    readouts, units
        The readouts and their units.
    times
        Output times, in ``time_unit``.
    spreads
        How each varied parameter was drawn.
    seed
        The seed of the draw.
    draws
        Shape ``(n, len(spreads))``: each patient's value of each varied parameter (table unit).
    redrawn
        Per spread, how many log-normal draws fell outside the parameter's bounds (each such
        patient was drawn again whole).
    values
        Shape ``(n, len(times), len(readouts))``; ``nan`` for a patient whose run failed.
    failed
        ``(patient, reason)`` for each patient whose run failed (patients count from 0).
    correlations
        ``(parameter, parameter, r)`` for each pair drawn correlated (see :func:`il7.draws.draw`); none by
        default.
    shared
        ``(parameter, value as given)`` for each value every patient shares (``--set``).
    resolution
        Per readout, the largest change one molecule or cell more of any species makes at the end
        of the run at the shared values (none where that run fails): a readout below it is the
        continuous model's tail, not resolved (:meth:`resolved`).
    """

    scenario: str
    time_unit: str
    readouts: tuple[str, ...]
    units: tuple[str, ...]
    times: np.ndarray
    spreads: tuple[Spread, ...]
    seed: int
    draws: np.ndarray
    redrawn: tuple[int, ...]
    values: np.ndarray
    failed: tuple[tuple[int, str], ...]
    correlations: tuple[tuple[str, str, float], ...] = ()
    shared: tuple[tuple[str, str], ...] = ()
    resolution: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for name in ("times", "draws", "values"):  # frozen through, as a Trajectory is
            object.__setattr__(self, name, read_only(getattr(self, name)))

    def __repr__(self) -> str:
        """One line, not the patients' arrays."""
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"Population(scenario={self.scenario!r}, n={self.n}{failed}, seed={self.seed}, "
            f"varied={[s.parameter for s in self.spreads]}, readouts={list(self.readouts)})"
        )

    @property
    def n(self) -> int:
        """Number of patients drawn (those whose run failed included)."""
        return int(self.draws.shape[0])

    @property
    def succeeded(self) -> np.ndarray:
        """Boolean mask of the patients whose run went through."""
        ok = np.ones(self.n, dtype=bool)
        ok[[i for i, _ in self.failed]] = False
        return ok

    def drawn(self, parameter: str) -> np.ndarray:
        """Each patient's drawn value of one varied parameter (table unit), in patient order.

        Raises
        ------
        Il7Error
            A parameter that was not varied.
        """
        return self.draws[:, self._varied(parameter)]

    def _varied(self, parameter: str) -> int:
        """The index of a varied parameter's spread (and column of :attr:`draws`), or an
        :class:`Il7Error` naming those varied."""
        ids = [s.parameter for s in self.spreads]
        if parameter not in ids:
            raise Il7Error(
                f"population of '{self.scenario}' did not vary '{parameter}'"
                f"{did_you_mean(str(parameter), ids)}; it varied: {', '.join(ids)}"
            )
        return ids.index(parameter)

    def unit_columns(self) -> dict[str, str]:
        """Column names that say each varied parameter's unit (``age [years]``; none for a unit of
        1), for the tables of the patients (:meth:`patients`, and the file
        :meth:`il7.cohort.CohortResult.write` writes)."""
        return {s.parameter: f"{s.parameter} [{s.unit}]" for s in self.spreads if s.unit != "1"}

    @property
    def time_column(self) -> str:
        """The name of the time column of :meth:`percentiles` and :meth:`patients`, with its unit
        (``time [day]``), as in the CSV files and :meth:`il7.Trajectory.to_pandas`."""
        return f"time [{self.time_unit}]"

    def percentiles(self, q: Sequence[float] = PERCENTILES) -> pd.DataFrame:
        """Percentiles over the patients whose run went through, one row per readout and time.

        Columns: ``readout``, ``unit``, ``time [UNIT]`` (:attr:`time_column`), then ``p5``,
        ``p25``, ... for ``q``.

        Parameters
        ----------
        q
            Percentiles from 0 to 100 (not pandas' 0-1 quantiles), e.g. ``[5, 50, 95]``.
        """
        q = _percentile_levels(q)
        stats = np.percentile(self.values[self.succeeded], q, axis=0)  # (len(q), times, readouts)
        frames = []
        for j, (readout, unit) in enumerate(zip(self.readouts, self.units, strict=True)):
            frame = pd.DataFrame({"readout": readout, "unit": unit, self.time_column: self.times})
            for k, level in enumerate(q):
                frame[f"p{level:g}"] = stats[k, :, j]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def patients(self) -> pd.DataFrame:
        """Each patient at each output time: ``patient``, ``status`` (``ok`` or why the run
        failed), the drawn values, the time and the readouts, each named with its unit where it
        has one (``age [years]``, ``time [day]``, ``CD4_blood [cells/uL]``)."""
        reasons = dict(self.failed)
        steps = len(self.times)
        frame = pd.DataFrame(
            {
                "patient": np.repeat(np.arange(self.n), steps),
                # a categorical, not numpy's fixed-width text: one long failure message would
                # otherwise make every row as wide as it
                "status": pd.Categorical(
                    np.repeat(np.array([reasons.get(i, "ok") for i in range(self.n)], dtype=object), steps)
                ),
            }
        )
        named = self.unit_columns()
        for k, s in enumerate(self.spreads):
            frame[named.get(s.parameter, s.parameter)] = np.repeat(self.draws[:, k], steps)
        frame[self.time_column] = np.tile(self.times, self.n)
        for j, (readout, unit) in enumerate(zip(self.readouts, self.units, strict=True)):
            frame[f"{readout} [{unit}]"] = self.values[:, :, j].reshape(-1)
        return frame

    def explain(self, readout: str, at: float | None = None) -> dict[str, float]:
        """The direction and consistency of each varied parameter's effect on ``readout`` at
        time ``at``: the partial rank correlation coefficient (PRCC; Marino et al. 2008, J Theor
        Biol 254:178, doi:10.1016/j.jtbi.2008.04.011) over the patients whose run went through.

        Each coefficient is the correlation between the ranks of the parameter and of the
        readout after the ranks of the other varied parameters are regressed out of both: +1
        when the readout rises with the parameter whatever the others do, -1 when it falls,
        near 0 when the parameter's draws do not order the readout. It is not a size: in a
        deterministic model a small but systematic effect gives a coefficient near +-1 (read the
        size from the bands or :func:`il7.sensitivities`). With one varied parameter it is
        Spearman's rank correlation.

        Parameters
        ----------
        readout
            One of :attr:`readouts`.
        at
            An output time (``time_unit``); default the last.

        Returns
        -------
        dict
            ``{parameter: coefficient}`` in the order of :attr:`spreads`; ``nan`` where the
            parameter or the readout has no variation left once the other parameters are
            regressed out (another parameter orders the readout completely), and all ``nan`` where
            the readout does not vary beyond the solver's precision (:meth:`varies`).

        Raises
        ------
        Il7Error
            Unknown readout, a time not on the output grid, or fewer than
            ``len(spreads) + 2`` patients whose run went through.
        """
        column, index = self._locate(readout, at)
        ok = self.succeeded
        k = len(self.spreads)
        if ok.sum() < k + 2:
            raise Il7Error(
                f"population of '{self.scenario}': {int(ok.sum())} patients went through, too few to "
                f"separate {k} varied parameter{'s' if k > 1 else ''} (at least {k + 2}); run more "
                "patients (--n)"
            )
        if not self.varies(readout, at):
            return dict.fromkeys((s.parameter for s in self.spreads), math.nan)
        ranks = np.column_stack([_ranks(self.draws[ok, j]) for j in range(k)])
        y = _ranks(self.values[ok, index, column])
        out: dict[str, float] = {}
        for j, s in enumerate(self.spreads):
            others = np.column_stack([np.ones(len(y)), np.delete(ranks, j, axis=1)])
            rx = ranks[:, j] - others @ np.linalg.lstsq(others, ranks[:, j], rcond=None)[0]
            ry = y - others @ np.linalg.lstsq(others, y, rcond=None)[0]
            scale = float(np.linalg.norm(rx) * np.linalg.norm(ry))
            tiny = 1e-9 * len(y) ** 1.5  # ranks of a variable that does not vary leave only rounding
            out[s.parameter] = (
                float(rx @ ry) / scale
                if np.linalg.norm(rx) > tiny and np.linalg.norm(ry) > tiny
                else math.nan
            )
        return out

    def significance(self, coefficients: Mapping[str, float]) -> dict[str, float]:
        """Two-sided P value of each coefficient that :meth:`explain` gave, against no association:
        the t test of Marino et al. 2008, t = r sqrt((N - 2 - p) / (1 - r^2)) with N - 2 - p
        degrees of freedom, N the patients whose run went through and p the other varied
        parameters. It says whether the draws could have ordered the readout so by chance (with
        few patients per parameter they can); ``nan`` where the coefficient is ``nan``, and for
        every coefficient when there are fewer than :data:`MIN_FREEDOM` degrees of freedom, where
        the t approximation fails (with 3 patients and one parameter a perfect order, which chance
        gives 1 time in 3, would score P 0). No P is smaller than 2 / N!, the chance that N
        patients' draws fall in the one order, or its reverse, that a rank statistic can reach
        (the t approximation gave 4e-78 for 12 patients, where chance alone gives 4e-9); past 170
        patients 2 / N! is below the smallest float, and a perfect order's P is 0.

        Parameters
        ----------
        coefficients
            ``explain(readout, at)``, e.g. ``pop.significance(pop.explain("CD4_blood"))``.
        """
        from scipy.stats import t as student

        if not isinstance(coefficients, Mapping):
            raise Il7Error(
                f"significance: give the coefficients explain() returned, e.g. pop.significance(pop.explain('CD4_blood')), "
                f"not a {type(coefficients).__name__}"
            )
        varied = [s.parameter for s in self.spreads]
        stranger = next((pid for pid in coefficients if pid not in varied), None)
        if stranger is not None:  # it was given a P
            raise Il7Error(
                f"significance: {stranger!r} was not varied (varied: {', '.join(varied)}); give the "
                "coefficients explain() returned"
            )
        went_through = int(self.succeeded.sum())
        freedom = went_through - 2 - (len(self.spreads) - 1)
        smallest = 2.0 / math.factorial(went_through) if went_through <= 170 else 0.0  # 171! overflows
        out: dict[str, float] = {}
        for pid, r in coefficients.items():
            # explain() gives a perfect order as +-1.0000000000000002; nan passes on
            if isinstance(r, bool) or not isinstance(r, numbers.Real) or abs(r) > 1 + 1e-9:
                raise Il7Error(
                    f"significance: {pid}={r!r} is not a rank correlation (from -1 to 1); give the "
                    "coefficients explain() returned"
                )
            if not math.isfinite(r) or went_through < fewest_patients_for_p(len(self.spreads)):
                out[pid] = math.nan
            elif abs(r) >= 1.0:
                out[pid] = smallest
            else:
                statistic = abs(r) * math.sqrt(freedom / (1.0 - r * r))
                out[pid] = max(float(2.0 * student.sf(statistic, freedom)), smallest)
        return out

    def varies(self, readout: str, at: float | None = None) -> bool:
        """Whether ``readout`` at ``at`` varies between the patients beyond the solver's precision:
        its middle 90% spans at least :data:`NO_SPREAD` of its median, and it is not below one
        molecule (:meth:`resolved`), or where that is not known, not at the noise level
        (:meth:`at_noise_level`). Where it does not, :meth:`explain` gives no coefficients."""
        if self.relative_spread(readout, at) < NO_SPREAD:
            return False
        return self.resolved(readout, at) if self.resolution else not self.at_noise_level(readout, at)

    def resolved(self, readout: str, at: float | None = None) -> bool:
        """Whether the patients' median ``readout`` at ``at`` lies at or above :attr:`resolution`,
        what one molecule or cell more would change: below it (IL-7 used up in a well, 1e-26
        pg/mL, whose spread read 3e24 and whose coefficients were printed) it is the continuous
        model's tail, as ``il7 sensitivity`` refuses it. True where no resolution is known. The
        resolution is measured at the end of the run at the shared values: at another time it is
        an approximation, exact for a concentration (one molecule in a fixed volume)."""
        column, index = self._locate(readout, at)
        if not self.resolution:
            return True
        median = float(np.median(np.abs(self.values[self.succeeded, index, column])))
        return median >= self.resolution[column]

    def relative_spread(self, readout: str, at: float | None = None) -> float:
        """The readout's middle 90% at ``at`` (default the last output time) over its median's
        size: 0.2 means the 5th and 95th percentiles lie 20% of the median apart; ``nan`` for a
        readout below one molecule (:meth:`resolved`), whose spread means nothing."""
        column, index = self._locate(readout, at)
        if not self.resolved(readout, at):
            return math.nan
        low, median, high = np.percentile(self.values[self.succeeded, index, column], [5.0, 50.0, 95.0])
        return float((high - low) / abs(median)) if median != 0 else (math.inf if high > low else 0.0)

    def at_noise_level(self, readout: str, at: float | None = None) -> bool:
        """Whether every patient's ``readout`` at ``at`` lies below :data:`~il7.simulate.NOISE_FLOOR` of its
        largest absolute value over the run (a quantity used up, read as +-1e-16). :meth:`varies`
        uses it only where one molecule's :attr:`resolution` is unknown (a population built by
        hand, or one whose run at the shared values failed), since it can refuse a resolved value:
        free serum IL-7 back at rest after a bolus is a millionth of its peak and within 1e-6 of a
        run at a relative tolerance of 1e-11. The resolution is the run's end's: at an earlier time
        it is an approximation (:meth:`resolved`), exact for a concentration."""
        column, index = self._locate(readout, at)
        values = np.abs(self.values[self.succeeded, :, column])
        return bool(values[:, index].max() <= NOISE_FLOOR * values.max())

    def _locate(self, readout: str, at: float | None) -> tuple[int, int]:
        """The readout's column and the output time's index in :attr:`values` (checked)."""
        if readout not in self.readouts:
            raise Il7Error(
                f"population of '{self.scenario}' has no readout '{readout}'"
                f"{did_you_mean(str(readout), self.readouts)}; it has: {', '.join(self.readouts)}"
            )
        index = output_index(self.times, at, where=f"population of '{self.scenario}'", unit=self.time_unit)
        return self.readouts.index(readout), index

    def drawn_cv(self, parameter: str) -> float:
        """The CV of a log-normal spread's values as drawn (from the spread of their logarithms):
        below the CV asked for where draws outside the bounds were drawn again."""
        return math.sqrt(math.expm1(float(np.var(np.log(self.drawn(parameter)), ddof=1))))

    def drawn_correlation(self, first: str, second: str) -> float:
        """The correlation of two spreads' normal scores as drawn (the log-normals' logarithms, the
        uniforms' normal scores), where :attr:`correlations` asked for one: weaker where patients
        were drawn again because a value fell outside its bounds."""
        a, b = (self.spreads[self._varied(p)] for p in (first, second))
        return float(np.corrcoef(a.scores(self.drawn(first)), b.scores(self.drawn(second)))[0, 1])

    def correlation_cut(self, first: str, second: str) -> bool:
        """Whether redrawing patients (a value outside its bounds in either spread) moved a
        correlation asked for (:meth:`drawn_correlation`) by more than twice the standard error of
        a sample correlation among these patients, 2 (1 - r^2) / sqrt(n): chance alone goes that
        far about once in 20 populations.

        Raises
        ------
        Il7Error
            The two were not drawn together.
        """
        asked = [r for a, b, r in self.correlations if {a, b} == {first, second}]
        if not asked:
            together = ", ".join(f"{a},{b}" for a, b, _ in self.correlations) or "none"
            raise Il7Error(
                f"{first} and {second} were not drawn together (--correlate); correlated: {together}"
            )
        if not (self.redrawn[self._varied(first)] or self.redrawn[self._varied(second)]):
            return False
        chance = (
            2.0 * (1.0 - asked[0] ** 2) / math.sqrt(self.n)
        )  # every patient's draws, as drawn_correlation
        return abs(self.drawn_correlation(first, second) - asked[0]) > chance

    def cut_by_a_partner(self, parameter: str) -> bool:
        """Whether a spread that kept its own bounds was still cut: it is correlated with a spread
        some of whose values fell outside their bounds, so those patients were drawn again whole
        (:func:`il7.draws.draw`), and its normal scores' median or standard deviation moved off 0
        and 1 by more than twice their standard errors among these patients (1.25 / sqrt(n) and
        1 / sqrt(2 n); chance alone goes that far about once in 20 populations, measured with 5%
        of the partner's draws cut), for a log-normal or a uniform spread alike."""
        k = self._varied(parameter)
        if self.redrawn[k]:
            return False
        partners = [b if a == parameter else a for a, b, r in self.correlations if parameter in (a, b) and r]
        if not any(self.redrawn[self._varied(p)] for p in partners):
            return False
        scores = self.spreads[k].scores(self.drawn(parameter))
        n = len(scores)
        return bool(
            abs(float(np.median(scores))) > 2.0 * 1.2533 / math.sqrt(n)
            or abs(float(np.std(scores, ddof=1)) - 1.0) > 2.0 / math.sqrt(2.0 * n)
        )

    def drawn_median(self, parameter: str) -> float:
        """The median of a spread's values as drawn (table unit); an :class:`Il7Error` for a
        parameter not varied."""
        return float(np.median(self.drawn(parameter)))

    def median_shift(self, parameter: str) -> float | None:
        """How far the bounds move a log-normal spread's median off its centre, as a fraction
        (+0.22: 22% above; :meth:`~il7.draws.Spread.bounded_median`), where that exceeds
        :data:`MEDIAN_SHIFT`; ``None`` otherwise. A property of the spread, not of the draw."""
        spread = self.spreads[self._varied(parameter)]
        shift = spread.bounded_median() / spread.center - 1.0
        return shift if abs(shift) > MEDIAN_SHIFT else None

    def _as_drawn(self, spread: Spread, redrawn: int) -> list[str]:
        """What the bounds did to a log-normal spread, for :meth:`header`: the CV it kept where
        draws were drawn again, and the median they moved (:meth:`median_shift`)."""
        said = []
        if spread.kind == "lognormal" and redrawn:
            said.append(
                f"CV as drawn {100 * self.drawn_cv(spread.parameter):.3g}%; cut to its bounds, about "
                f"{100 * spread.bounded_cv():.3g}% expected"
            )
        shift = self.median_shift(spread.parameter)
        if shift is not None:
            said.append(
                f"its bounds move the median {100 * shift:+.0f}%, as drawn {self.drawn_median(spread.parameter):.4g}"
            )
        if self.cut_by_a_partner(spread.parameter):
            cv = f", CV {100 * self.drawn_cv(spread.parameter):.3g}%" if spread.kind == "lognormal" else ""
            said.append(
                f"drawn again with the correlated spread its bounds cut: median as drawn "
                f"{self.drawn_median(spread.parameter):.4g}{cv}"
            )
        return said

    def header(self) -> str:
        """What was run, in one line (written on top of the CSV files): the scenario, the spreads
        (with the CV drawn where redraws narrowed it), the values shared, and what made it."""
        varied = "; ".join(
            s.describe() + (f" ({'; '.join(said)})" if (said := self._as_drawn(s, again)) else "")
            for s, again in zip(self.spreads, self.redrawn, strict=True)
        )
        linked = "".join(
            f"; {a} and {b} correlated r = {r:g}"
            + (f" (as drawn {self.drawn_correlation(a, b):.2f})" if self.correlation_cut(a, b) else "")
            for a, b, r in self.correlations
        )
        shared = "; set: " + ", ".join(f"{k}={v}" for k, v in self.shared) if self.shared else ""
        return (
            f"scenario {self.scenario}: {self.n} virtual patients (seed {self.seed}), {len(self.failed)} "
            f"failed; varied: {varied}{linked}{shared}; time in {self.time_unit}; {provenance()}"
        )

    def write(self, path: str | Path, *, patients: bool = False) -> Path:
        """Write :meth:`percentiles` (or, with ``patients``, :meth:`patients`) to a CSV file, with
        :meth:`header` in a comment line on top, and return its path.

        Raises
        ------
        Il7Error
            Another suffix than ``.csv``, or a file that cannot be written.
        """
        table = (
            self.patients() if flag(patients, "write: patients") else self.percentiles()
        )  # with their units
        return write_table(path, table, self.header())

    def figure(self) -> Any:
        """One panel per readout: the median over time, the middle 50% and 90% of the patients
        as bands.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        table = self.percentiles()
        count = len(self.readouts)
        fig, axes = plt.subplots(1, count, figsize=(4.2 * count, 3.4), layout="constrained", squeeze=False)
        for ax, readout, unit in zip(axes[0], self.readouts, self.units, strict=True):
            rows = table[table["readout"] == readout]
            time = rows[self.time_column]
            ax.fill_between(time, rows["p5"], rows["p95"], color="#9ecae1", label="middle 90%")
            ax.fill_between(time, rows["p25"], rows["p75"], color="#4292c6", label="middle 50%")
            ax.plot(time, rows["p50"], color="#08306b", label="median")
            ax.set_xlabel(f"time ({self.time_unit})")
            ax.set_ylabel(f"{readout} ({unit})")
            fit_y_axis(ax, rows[["p5", "p95"]].to_numpy().ravel())
        axes[0][0].legend(fontsize="x-small")
        done = self.n - len(self.failed)
        failed = f" ({len(self.failed)} more failed)" if self.failed else ""
        fig.suptitle(
            f"{self.scenario}: {done} virtual patients{failed}; varied "
            + ", ".join(s.parameter for s in self.spreads),
            fontsize="medium",
        )
        return fig


def output_index(times: Sequence[float] | np.ndarray, at: float | None, *, where: str, unit: str) -> int:
    """The index of output time ``at`` in ``times`` (default: the last).

    Raises
    ------
    Il7Error
        ``at`` is not one of the output times (``where`` and ``unit`` name them in the message).
    """
    grid = np.asarray(times, dtype=float)
    if at is None:
        return len(grid) - 1
    if isinstance(at, bool) or not isinstance(at, numbers.Real):
        raise Il7Error(f"{where}: {at!r} is not a time; give a number in {unit}")
    nearest = int(np.argmin(np.abs(grid - at)))
    # a time as il7 prints it (6 significant digits, 0.142857 for 1/7 day) names that output time,
    # but never one a quarter of the grid's step away (--at 19999.8 is not 20000 on a 0.1 grid)
    spacing = float(np.min(np.diff(grid))) if len(grid) > 1 else math.inf
    tolerance = min(5e-6 * max(abs(at), abs(grid[nearest])), 0.25 * spacing) + 1e-12 * np.ptp(grid)
    if not abs(grid[nearest] - at) <= tolerance:
        raise Il7Error(
            f"{where}: {at!r} is not an output time; choose one of its {len(grid)} times, from "
            f"{grid[0]:g} to {grid[-1]:g} {unit}"
        )
    return nearest


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given their mean rank."""
    from scipy.stats import rankdata

    return np.asarray(rankdata(x), dtype=float)


def population(
    scenario: Scenario | str,
    vary: Mapping[str, str],
    *,
    n: int = DEFAULT_N,
    seed: int = 1,
    readouts: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    correlations: Mapping[tuple[str, str], float] | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Population:
    """Run ``scenario`` in ``n`` virtual patients whose parameters ``vary``.

    Parameters
    ----------
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    vary
        ``{parameter: spread}``, each spread ``"cv 30%"`` (log-normal around the run's value)
        or ``"LOW..HIGH [unit]"`` (uniform); see the module's description.
    n
        Number of patients, 2 to :data:`MAX_PATIENTS`.
    seed
        Seed of the draw (a whole number >= 0): the same seed gives the same patients.
    readouts
        What to read out; default: the scenario's readouts.
    overrides
        Parameter values every patient shares (as ``simulate``); a parameter cannot be both
        shared and varied.
    correlations
        ``{(parameter, parameter): r}`` for varied parameters that go together between patients
        (the correlation of their normal scores, as an inter-individual variance-covariance
        block in NONMEM or Monolix correlates the etas); the others are independent.
    jobs
        Processes (0: one per CPU). More than one re-imports your script in each: call this from
        its ``if __name__ == "__main__":`` block (a notebook needs none).
    progress
        Called with (patients done, n) as each patient's run comes back.

    Returns
    -------
    Population

    Raises
    ------
    Il7Error
        A bad spread, readout, number, seed or number of jobs, or every patient's run failing.

    Warns
    -----
    Il7Warning
        What a run of the scenario with ``overrides`` says to distrust, as :func:`il7.simulate`
        says it (a value outside its bounds, a dose far above the studied ones), and doses after
        the last output time, once for all patients (:func:`il7.simulate.warn_notes`); the runs
        that fail are in :attr:`Population.failed`.
    """
    scenario = load(scenario)  # a Scenario comes back as it is
    where = f"population of {scenario.called}"
    if (count := whole_number(n)) is None or not 2 <= count <= MAX_PATIENTS:
        raise Il7Error(f"{where}: n (--n) {n!r} must be a whole number of patients from 2 to {MAX_PATIENTS}")
    if (drawn := whole_number(seed)) is None or drawn < 0:
        raise Il7Error(f"{where}: seed (--seed) {seed!r} must be a whole number >= 0")
    n, seed = count, drawn
    workers(jobs, where=where)
    if not isinstance(vary, Mapping):
        raise Il7Error(
            f"{where}: vary must map each parameter to its spread, e.g. {{'age': '20..70 years'}}, "
            f"not a {type(vary).__name__}"
        )
    if not vary:
        raise Il7Error(
            f"{where}: vary at least one parameter, e.g. {{'age': '20..70 years'}} (--vary age='20..70 years')"
        )
    user = overrides_given(overrides, f"{where}: overrides")
    check_progress(progress, where=where)
    both = sorted(set(user) & set(vary))
    if both:
        raise Il7Error(
            f"{where}: {', '.join(both)} is both set and varied; give it in vary or in overrides (--vary or --set), not both"
        )
    chosen = (
        scenario.readouts
        if readouts is None
        else tuple(build.split_ids(readouts, where=f"{where}: readouts", kind="readout", example="CD4_blood"))
    )
    if not chosen:
        raise Il7Error(f"{where}: name at least one readout (--readouts), e.g. CD4_blood")
    for readout in chosen:
        problem = unknown_readout(str(readout))
        if problem:
            raise Il7Error(f"{where}: readout '{readout}' is {problem}")
    held = n * len(scenario.times) * len(chosen)
    if held > MAX_VALUES:
        raise Il7Error(
            f"{where}: {n} patients x {len(scenario.times)} output times x {len(chosen)} readouts are {held:.3g} values, "
            f"more than a population holds ({MAX_VALUES:.0e}); use fewer patients (--n), readouts "
            "(--readouts) or output times (the scenario's output)"
        )
    resolved = scenario_overrides(scenario, user)
    spreads = tuple(spread(pid, text, scenario, resolved) for pid, text in vary.items())
    correlation = correlation_matrix(spreads, correlations)
    draws, redrawn = draw(spreads, n, seed, correlation)
    run = replace(scenario, readouts=chosen)
    warn_notes(scenario, user, unseen=UNSEEN, judged=run)
    runs = [
        (run, {**user, **{s.parameter: float(draws[i, k]) for k, s in enumerate(spreads)}}) for i in range(n)
    ]
    values = np.full((n, len(run.times), len(chosen)), np.nan)
    failed: list[tuple[int, str]] = []
    for i, result in enumerate(simulate_many(runs, jobs=jobs)):
        if isinstance(result, Il7Error):
            failed.append((i, str(result)))
        else:
            values[i] = result.data[:, 1:]
        if progress is not None:
            progress(i + 1, n)
    if len(failed) == n:
        raise Il7Error(f"{where}: every patient's run failed, the first with: {failed[0][1]}")
    try:  # the run at the shared values, in this process: the engine then holds its last state
        simulate(run, overrides=user)
        resolution = tuple(engine().one_molecule(r) for r in chosen)
    except Il7Error:  # the patients stand without it
        resolution = ()
    return Population(
        scenario=scenario.name,
        time_unit=scenario.time_unit,
        readouts=chosen,
        units=tuple(readout_unit(r) for r in chosen),
        times=np.asarray(run.times, dtype=float),
        spreads=spreads,
        seed=seed,
        draws=draws,
        redrawn=redrawn,
        values=values,
        failed=tuple(failed),
        shared=tuple((str(k), str(v)) for k, v in user.items()),
        resolution=resolution,
        correlations=tuple(
            (spreads[i].parameter, spreads[j].parameter, float(correlation[i, j]))
            for i in range(len(spreads))
            for j in range(i + 1, len(spreads))
            if correlation[i, j] != 0.0
        ),
    )
