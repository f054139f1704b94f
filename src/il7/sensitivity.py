"""sensitivities(scenario, readout, at) -> Sensitivities: which parameters decide a readout (or its fold change).

The quantity y is the readout at time ``at``, or with ``fold_from`` its fold change from that
earlier time (what a dose did, e.g. the CD4 rise under rhIL-7, rather than the level).

Local, normalised sensitivity of y to every free parameter of the table:
each parameter is multiplied and divided by ``1 + step`` in turn (the scenario rerun from its
own start each time, as ``--set`` does), and

    coefficient = (ln|y(p (1 + step))| - ln|y(p / (1 + step))|) / (2 ln(1 + step))

is the central-difference estimate of d ln|y| / d ln p: exactly +1 when the readout is
proportional to the parameter and -1 when inversely proportional (at any step), 0 when it does
not depend on it; for a negative readout it is positive when the parameter moves y away from 0.
Where the two runs' readouts differ in sign or one is 0, no logarithm joins them and the row
gives the relative change (Delta y / y) / (Delta p / p) instead, and says so.
Where one side is refused (a fraction pushed above 1, a body that no reference adult fits, no
steady state) the other side alone gives a first-order estimate, and the row says why.

Each parameter is scaled from its value in the scenario's run (override, else the scenario's
pre-equilibration setting, else its context's, else the table's: :func:`il7.simulate.values_in_run`).
Parameters varied by default: every parameter of ``parameters.tsv`` with a value and both
bounds (constants of units and the derived anchor ``pSTAT5_ref`` have none) that is not an
on/off switch of scenarios (``translation``: asked for by name, it is varied). Parameters at 0
in the run (switches a scenario leaves off), and parameters the scenario itself sets after its
start, are not varied, with that reason. A readout smaller than what one molecule or cell more
would change (IL-4 in a body without IL-4) is refused: its relative changes would be noise. Each perturbed
run is independent, so ``jobs`` spreads them over processes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from il7 import build, units
from il7.engine import engine
from il7.errors import Il7Error
from il7.files import write_table
from il7.scenario import Scenario, clock, load, not_a_parameter, span_problem, unknown_readout
from il7.simulate import (
    check_progress,
    described,
    overrides_given,
    readout_unit,
    scenario_overrides,
    simulate,
    simulate_many,
    values_in_run,
    warn_notes,
    workers,
)
from il7.values import whole_number

DEFAULT_STEP = 0.1
"""Relative step: each parameter is taken to x1.1 and /1.1."""

MIN_STEP = 1e-3
"""Smallest relative step: below it the differences drown in the solver's tolerances."""


SHOWN = 15
"""Rows shown and bars drawn by default."""


@dataclass(frozen=True)
class Sensitivity:
    """How one parameter moves the readout.

    Attributes
    ----------
    parameter
        Parameter id (``il7 parameters``).
    value
        The value scaled, in the table's unit: the parameter's value in this run.
    unit, status, source, note
        From the parameter table, or for a value the run takes from its context (a mouse's) that
        context's status and source; status ``set`` for a value the scenario or ``overrides`` chose.
        ``source`` is empty for an assumed value, whose ``note`` says why it was chosen.
    coefficient
        d ln|y| / d ln(parameter), dimensionless, where y is the readout or its fold change
        (:attr:`Sensitivities.quantity`).
    low, high
        The quantity (the readout in its unit, or its fold change) with the parameter divided and
        multiplied by ``1 + step``; ``nan`` for a side that was refused.
    method
        ``central`` (``central, far from linear here: ...`` where the two sides' own estimates
        differ more than :data:`NONLINEAR_RATIO`-fold or in sign), or ``upper side only`` /
        ``lower side only`` with the reason the other side was refused; for a parameter not varied
        (:attr:`Sensitivities.skipped`, whose coefficient, low and high are ``nan``), the reason.
    """

    parameter: str
    value: float
    unit: str
    status: str
    source: str
    note: str
    coefficient: float
    low: float
    high: float
    method: str


@dataclass(frozen=True)
class Sensitivities:
    """The sensitivities of one readout, strongest first.

    Attributes
    ----------
    scenario, readout, unit
        What was asked: the readout in the scenario, and the unit of the quantity (the readout's,
        or 1 for a fold change).
    at, time_unit
        The time it is read at, in the scenario's time unit.
    fold_from
        With a time here, the quantity is the fold change of the readout from this time to ``at``
        (``y(at) / y(fold_from)``, unit 1); ``None``: the readout itself.
    nominal
        The quantity at the run's own parameter values.
    step
        Relative step used (0.1: x1.1 and /1.1).
    rows
        One :class:`Sensitivity` per parameter varied, by decreasing ``|coefficient|``.
    skipped
        One :class:`Sensitivity` for each parameter asked for but not varied, with its value and
        provenance and no coefficient; ``method`` says why: 0 in the run, set by the scenario after
        its start, or refused on both sides.
    """

    scenario: str
    readout: str
    unit: str
    at: float
    time_unit: str
    fold_from: float | None
    nominal: float
    step: float
    rows: tuple[Sensitivity, ...]
    skipped: tuple[Sensitivity, ...]

    @property
    def quantity(self) -> str:
        """What the coefficients are of, in words: ``CD4_blood at day 28`` or, for a fold change,
        ``CD4_blood at day 28 / at day 0``."""
        at = f"{self.readout} at {clock(self.at, self.time_unit)}"
        return at if self.fold_from is None else f"{at} / at {clock(self.fold_from, self.time_unit)}"

    def to_pandas(self) -> pd.DataFrame:
        """Every parameter asked for, indexed by id: the rows strongest first, then those not
        varied, with their values and sources but no coefficient (``method`` says why)."""
        records = [asdict(r) for r in self.rows] + [
            {**asdict(r), "method": f"not varied: {r.method}"} for r in self.skipped
        ]
        frame = pd.DataFrame(records, columns=list(Sensitivity.__dataclass_fields__))
        frame = frame.rename(columns={"low": f"y at /{1 + self.step:g}", "high": f"y at x{1 + self.step:g}"})
        return frame.set_index("parameter")

    def write(self, path: str | Path) -> Path:
        """Write :meth:`to_pandas` to a CSV file, with the question in a comment line on top.

        Parameters
        ----------
        path
            A file name ending in ``.csv``; a missing folder is made.

        Returns
        -------
        Path
            The path written.

        Raises
        ------
        Il7Error
            Another suffix, or a file that cannot be written.
        """
        head = (
            f"d ln|y| / d ln(parameter), y = {self.quantity} in scenario {self.scenario}; "
            f"nominal {self.nominal:.6g}{units.suffix(self.unit)}; step x{1 + self.step:g}"
        )
        return write_table(path, self.to_pandas().reset_index(), head)

    def figure(self, top: int = SHOWN) -> Any:
        """A tornado chart of the strongest coefficients, coloured by the parameters' status.

        Parameters
        ----------
        top
            How many bars (the strongest ``top`` rows).

        Returns
        -------
        matplotlib.figure.Figure
        """
        if whole_number(top) is None or top < 1:
            raise Il7Error(f"top {top!r}: give a whole number of bars of at least 1")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch

        shown = list(self.rows[:top])[::-1]
        fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.28 * max(len(shown), 1)), layout="constrained")
        colours = {"measured": "#1b7837", "fitted": "#2166ac", "derived": "#7b3294", "assumed": "#b2182b"}
        if any(r.status == "set" for r in shown):  # a value the scenario or --set chose
            colours["set"] = "grey"
        ax.barh(
            [r.parameter for r in shown],
            [r.coefficient for r in shown],
            color=[colours.get(r.status, "grey") for r in shown],
        )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("d ln|y| / d ln(parameter)")
        ax.set_title(f"{self.scenario}: y = {self.quantity}", fontsize="medium")
        handles = [Patch(color=c, label=status) for status, c in colours.items()]
        ax.legend(handles=handles, fontsize="x-small", loc="best", title="status")
        return fig


def varied_parameters() -> tuple[str, ...]:
    """Ids varied by default: those with a value and both bounds (not the unit constants or the
    anchor ``pSTAT5_ref``), except the on/off switches of scenarios (``translation``,
    ``IL7R_expression``, ...: the parameters whose note calls them a scenario control and that
    are fractions up to 1; name them to vary them), and the molar masses (``mw_IL7``, in kDa),
    which turn molecules into the mass units readouts and doses are written in: a serum level in
    pg/mL is proportional to its molecule's mass, which says nothing of the biology (the report's
    strongest "determinant" of serum IL-7 was mw_IL7). A scenario control that is a rate, such as
    ``k_deplete_CD4`` (the treated-HIV body's CD4 loss), is varied. Those at 0 in a given run are
    then left out with that reason."""
    return tuple(
        p.id
        for p in build.parameters()
        if p.value is not None
        and p.lower is not None
        and p.upper is not None
        and p.unit != "kDa"
        and not (p.note.startswith("Scenario control") and p.upper == 1 and p.unit in ("fraction", "1"))
    )


def sensitivities(
    scenario: Scenario | str,
    readout: str,
    *,
    at: float | None = None,
    fold_from: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    parameters: Sequence[str] | str | None = None,
    step: float = DEFAULT_STEP,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Sensitivities:
    """Local normalised sensitivity of ``readout`` at time ``at`` to each parameter.

    Parameters
    ----------
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    readout
        An observable or species id (``il7 readouts``).
    at
        Time to read it at, in the scenario's time unit; default: the scenario's last output
        time. Must not lie before the scenario's first output time.
    fold_from
        A time before ``at`` (scenario time unit): then the quantity is the fold change
        ``y(at) / y(fold_from)`` (a dose's effect rather than the level). An output at a dose's
        time is read after the dose, as ``simulate`` reports it; a scenario that starts at steady
        state also takes times before its first output (its steady state), e.g. -1 h before a
        bolus at 0.
    overrides
        Parameter values to start from instead of the table's (as ``simulate``).
    parameters
        Ids to vary (a list, or one string of ids separated by commas); default
        :func:`varied_parameters`.
    step
        Relative step, from :data:`MIN_STEP` to 1 (default 0.1: x1.1 and /1.1).
    jobs
        Processes that run the perturbed scenarios (0: one per CPU); the result does not depend
        on it.
    progress
        Called with a parameter id as each is done (progress bars).

    Returns
    -------
    Sensitivities
        Rows by decreasing ``|coefficient|``, and the parameters not varied with the reason.

    Raises
    ------
    Il7Error
        Unknown readout or parameter, a bad time, step or number of jobs, a readout smaller than
        one molecule or cell changes it, or a run at the nominal values that fails.

    Warns
    -----
    Il7Warning
        What a run of the scenario with ``overrides`` says to distrust, as :func:`il7.simulate`
        says it (a value outside its bounds, a dose far above the studied ones), once for all the
        runs (:func:`il7.simulate.warn_notes`).
    """
    scenario = load(scenario)  # a Scenario comes back as it is
    where = f"sensitivity of {scenario.called}"
    if not isinstance(readout, str):
        raise Il7Error(
            f"{where}: readout {readout!r}: give one readout's name as text, e.g. 'IL7_serum_total' "
            "(a sensitivity analysis reads one readout)"
        )
    problem = unknown_readout(readout, single="a sensitivity analysis reads one readout: name one")
    if problem:
        raise Il7Error(f"{where}: readout '{readout}' is {problem}")
    if not _real(step) or not MIN_STEP <= step <= 1:
        raise Il7Error(
            f"{where}: step {step!r} must be a number from {MIN_STEP:g} to 1 (0.1 = 10%); smaller steps "
            "drown in the solver's tolerances"
        )
    workers(jobs, where=where)
    first = scenario.times[0]
    when = scenario.t_end if at is None else at
    if not _real(when) or not math.isfinite(when) or when < first:
        raise Il7Error(
            f"{where}: time {when!r} must be a finite time at or after the scenario's first output, "
            f"{clock(first, scenario.time_unit)}"
        )
    # before its first output a scenario that starts at steady state is at that steady state (the
    # level before a dose given at the first output time); one without has no state there
    earliest = -math.inf if scenario.preequilibration is not None else first
    if fold_from is not None and (
        not _real(fold_from) or not math.isfinite(fold_from) or not earliest <= fold_from < when
    ):
        since = "" if earliest == -math.inf else f", and not before the scenario's first output, {first:g}"
        raise Il7Error(
            f"{where}: fold_from (--fold-from) {fold_from:g} must be a finite time before the time read, "
            f"{clock(when, scenario.time_unit)} (--at){since}"
            if _real(fold_from)
            else f"{where}: fold_from (--fold-from) {fold_from!r} is not a number; give a time before "
            f"{clock(when, scenario.time_unit)}"
        )
    # as for a scenario's own times: --at 1e15 (h) ran 1e11 years, --fold-from -1e300 failed in the
    # solver with a hint at the parameters
    for option, start in (("at (--at)", first), ("fold_from (--fold-from)", fold_from)):
        if start is not None and start < when:  # a time read at the start itself is fine
            span = span_problem(min(start, first), when, scenario.time_unit)
            if span is not None:
                raise Il7Error(f"{where}: {option}: {span}")
    table = build.parameters_by_id()
    chosen = list(varied_parameters()) if parameters is None else build.split_ids(parameters, where=where)
    if not chosen:
        raise Il7Error(f"{where}: name at least one parameter to vary, e.g. CL_IL7")
    for pid in chosen:
        if pid not in table:
            raise Il7Error(f"{where}: '{pid}' is {not_a_parameter(pid, table)}")
        if (why := table[pid].unchangeable("vary")) is not None:
            raise Il7Error(f"{where}: '{pid}' {why}")
    user = overrides_given(overrides, f"{where}: overrides")
    check_progress(progress, where=where)
    resolved = scenario_overrides(scenario, user)
    in_run = values_in_run(scenario, resolved)
    # every run keeps the scenario's own start and output times up to `when` (and fold_from), and
    # reads the last (divided by the one at fold_from)
    earlier = sorted(
        {t for t in scenario.times if t < when} | ({float(fold_from)} if fold_from is not None else set())
    )
    run = replace(scenario, readouts=(readout,), times=(*earlier, float(when)))
    warn_notes(scenario, user, judged=run)  # once for all the runs
    base = None if fold_from is None else earlier.index(float(fold_from))
    trajectory = simulate(run, overrides=user).data[:, 1]
    unit = readout_unit(readout)
    # a readout smaller than one molecule or cell changes it is the solver's tail, not the model's
    # (IL-7 used up in a well read +-1e-16 pg/mL). One a millionth of its peak is not: back at rest
    # after a bolus the free serum IL-7 is 4.5e-9 of its peak and within 1.3e-6 of its value at a
    # relative tolerance of 1e-11 (sportes_2008 at 3000 ug/kg), which a test against the peak refused.
    for index, time in ((-1, when), (base, fold_from)):
        if index is None or time is None:
            continue
        if index != -1:  # the engine holds the run's last state: bring it to fold_from's
            simulate(replace(run, times=tuple(earlier[: index + 1])), overrides=user)
        molecule = engine().one_molecule(readout)
        if abs(trajectory[index]) < molecule:
            raise Il7Error(
                f"{where}: {readout} at {clock(time, scenario.time_unit)} is {trajectory[index]:.3g}{units.suffix(unit)}, "
                f"less than one molecule or cell more of any species would change it ({molecule:.3g}{units.suffix(unit)}): "
                "the model does not resolve it there, and relative changes of it mean nothing; choose another time or readout"
            )
    nominal = _quantity(trajectory, base)
    up = 1.0 + float(step)
    todo: list[tuple[build.Parameter, float]] = []
    skipped: list[Sensitivity] = []

    def skip(p: build.Parameter, value: float, why: str) -> None:
        skipped.append(_unvaried(p, value, why, _provenance(p, scenario, resolved)))

    for pid in chosen:
        p = table[pid]
        if pid in in_run:
            value = in_run[pid] / units.label(p.unit, where=f"parameter {pid}").factor
        else:
            assert p.value is not None  # a parameter without a value was refused above
            value = p.value
        if pid in scenario.set_after_start:
            skip(p, value, "the scenario sets it after its start")
        elif value == 0:
            skip(p, value, "0 in this run: nothing to scale")
        else:
            todo.append((p, float(value)))
            continue
        if progress is not None:
            progress(pid)
    if not todo:
        raise Il7Error(
            f"{where}: no parameter to vary ({'; '.join(f'{r.parameter}: {r.method}' for r in skipped)}); "
            "choose others with --parameters"
        )
    rows: list[Sensitivity] = []
    context_own = dict(scenario.context_set)  # the table's bounds are a human adult's, not these
    for (p, value), (sides, refused) in zip(
        todo,
        _both_sides_of_each(run, base, user, todo, up, jobs, progress),
        strict=True,
    ):
        if sides:
            bounded = p.id in resolved or p.id not in context_own
            rows.append(
                _row(
                    p, value, nominal, sides, refused, up, _provenance(p, scenario, resolved), bounded=bounded
                )
            )
        else:
            reasons = dict.fromkeys(refused.values())
            skip(p, value, "refused on both sides: " + " / ".join(reasons))
    rows.sort(key=lambda r: (-abs(r.coefficient), r.parameter))
    return Sensitivities(
        scenario=scenario.name,
        readout=readout,
        unit=unit if fold_from is None else "1",
        at=float(when),
        time_unit=scenario.time_unit,
        fold_from=None if fold_from is None else float(fold_from),
        nominal=nominal,
        step=float(step),
        rows=tuple(rows),
        skipped=tuple(skipped),
    )


def _real(x: object) -> bool:
    """A real number (numpy's too), not a bool or NaN."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and not math.isnan(x)


def _quantity(trajectory: Any, base: int | None) -> float:
    """The readout at the last output time, or its fold change from output ``base``."""
    if base is None:
        return float(trajectory[-1])
    if trajectory[base] == 0:
        raise Il7Error("the readout is 0 at --fold-from, so the fold change is not a number")
    return float(trajectory[-1] / trajectory[base])


def _both_sides_of_each(
    run: Scenario,
    base: int | None,
    user: Mapping[str, Any],
    todo: list[tuple[build.Parameter, float]],
    up: float,
    jobs: int,
    progress: Callable[[str], None] | None,
) -> Iterator[tuple[dict[str, float], dict[str, str]]]:
    """For each parameter, in order: the quantity with it at ``value x up`` and ``value / up``
    (table unit), or why each side was refused."""
    runs = [(run, {**user, p.id: value * factor}) for p, value in todo for factor in (up, 1.0 / up)]
    results = simulate_many(runs, jobs=jobs)
    for p, value in todo:
        sides: dict[str, float] = {}
        refused: dict[str, str] = {}
        for side, factor in (("high", up), ("low", 1.0 / up)):
            result = next(results)
            if isinstance(result, Il7Error):  # refused as a user's --set would be; say why here
                past_one = p.unit == "fraction" and value * factor > 1
                refused[side] = (
                    f"a fraction at {value:g}, which x{factor:g} would take past 1"
                    if past_one
                    else str(result)
                )
                continue
            try:
                sides[side] = _quantity(result.data[:, 1], base)
            except Il7Error as exc:  # a fold change from 0
                refused[side] = str(exc)
        yield sides, refused
        if progress is not None:
            progress(p.id)


NONLINEAR_RATIO = 2.0
"""A central row is marked far from linear where one side's estimate exceeds the other's by this
factor (or they differ in sign): the last 10% of a response that saturates, say."""
NONLINEAR_FLOOR = 0.01
"""Below this |coefficient| neither side's estimate is worth comparing (solver noise)."""


def _log_slope(upper: float, lower: float, factor: float) -> float | None:
    """d ln|y| / d ln p between two runs whose parameter values differ by ``factor``: ``None``
    where the two readouts differ in sign or one is 0 (no logarithm joins them)."""
    if upper * lower <= 0:
        return None
    return math.log(upper / lower) / math.log(factor)


def _provenance(
    p: build.Parameter, scenario: Scenario, overrides: Mapping[str, float]
) -> tuple[str, str, str]:
    """Status, source and note of ``p``'s value in a run of ``scenario``: set by the user
    (``overrides``) or by the scenario before its steady state, else its context's
    (:func:`il7.simulate.described`)."""
    pre = scenario.preequilibration
    if p.id in overrides:
        return "set", "", "set for this run (--set or overrides), in place of the table's value"
    if pre is not None and p.id in dict(pre.set):
        return "set", "", "set by the scenario before its steady state (its file says why)"
    return described(p, scenario.context)


def _unvaried(p: build.Parameter, value: float, why: str, provenance: tuple[str, str, str]) -> Sensitivity:
    """The row of a parameter not varied: its value and provenance, no coefficient, ``why`` as
    its method."""
    status, source, note = provenance
    return Sensitivity(p.id, float(value), p.unit, status, source, note, math.nan, math.nan, math.nan, why)


def _beyond_bounds(p: build.Parameter, value: float, up: float, sides: Mapping[str, float]) -> str:
    """Which of the steps run (``sides``) from ``value`` (table unit) leave the table's bounds, in
    words, or ''. A fitted value on its bound (gc_per_T, 300) is stepped past it: a local slope
    needs both sides, but the reader should know that one lies where no check covers the model.
    The caller leaves out values a context sets (a mouse's), which the human adult's bounds do not
    cover; bounds that do not hold the value itself say nothing about its steps either."""
    if p.lower is None or p.upper is None or not p.lower <= value <= p.upper:
        return ""
    said = []
    if "low" in sides and value / up < p.lower:
        said.append(f"the lower side ({value / up:.4g} {p.unit}) lies below the table's bound {p.lower:g}")
    if "high" in sides and value * up > p.upper:
        said.append(f"the upper side ({value * up:.4g} {p.unit}) lies above the table's bound {p.upper:g}")
    return "; ".join(said)


def _row(
    p: build.Parameter,
    value: float,
    nominal: float,
    sides: dict[str, float],
    refused: dict[str, str],
    up: float,
    provenance: tuple[str, str, str] | None = None,
    *,
    bounded: bool = True,
) -> Sensitivity:
    """One row from the runs that went through (at least one side): the slope of ln|y| against
    ln p between them. A 10% step of a steep response (a leukaemia growing for weeks) spans a
    large change of y, where a relative difference (Delta y / y) / (Delta p / p) would be far
    from d ln y / d ln p: +18 for a log slope of +14."""
    high, low = sides.get("high", math.nan), sides.get("low", math.nan)
    if len(sides) == 2:
        upper, lower, span, method = high, low, (up, 1.0 / up), "central"
        above, below = _log_slope(high, nominal, up), _log_slope(nominal, low, up)
        if above is None or below is None:  # the value in the run lies across 0 from a side
            method = "central, far from linear here: the readout reaches 0 or changes sign within the step"
        else:
            larger, smaller = max(abs(above), abs(below)), min(abs(above), abs(below))
            if larger > NONLINEAR_FLOOR and (above * below < 0 or larger > NONLINEAR_RATIO * smaller):
                method = (
                    f"central, far from linear here: the upper side alone gives {above:+.3g}, the lower "
                    f"{below:+.3g}; no one slope describes the response"
                )
    elif "high" in sides:
        upper, lower, span = high, nominal, (up, 1.0)
        method = f"upper side only (lower refused: {refused['low']})"
    else:
        upper, lower, span = nominal, low, (1.0, 1.0 / up)
        method = f"lower side only (upper refused: {refused['high']})"
    coefficient = _log_slope(upper, lower, span[0] / span[1])
    if coefficient is None:  # no logarithm joins two values of opposite sign: the relative change
        coefficient = (upper - lower) / ((span[0] - span[1]) * nominal)
        method += "; (Delta y / y) / (Delta p / p) between the two runs, not a log slope, which 0 or a sign change has none of"
    beyond = _beyond_bounds(p, value, up, sides) if bounded else ""
    if beyond:
        method += f"; {beyond}"
    status, source, note = provenance or (p.status, p.source, p.note)
    return Sensitivity(
        parameter=p.id,
        value=value,
        unit=p.unit,
        status=status,
        source=source,
        note=note,
        coefficient=coefficient,
        low=low,
        high=high,
        method=method,
    )
