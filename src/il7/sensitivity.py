"""sensitivities(scenario, readout, at) -> Sensitivities: which parameters decide a readout.

Local, normalised sensitivity of one readout at one time to every free parameter of the table:
each parameter is multiplied and divided by ``1 + step`` in turn (the scenario rerun from its
own steady state each time, as ``--set`` does), and

    coefficient = (y(p (1 + step)) - y(p / (1 + step))) / (((1 + step) - 1 / (1 + step)) y(p))

is the central-difference estimate of d ln y / d ln p: +1 when the readout is proportional to
the parameter, -1 when inversely proportional (both exactly, at any step), 0 when it does not
depend on it. Where one side is refused (a fraction pushed above 1, a body that no reference
adult fits) the other side alone gives the estimate, and the row says so.

Parameters varied: every parameter of ``parameters.tsv`` that has a value, a lower and an upper
bound, and is not a scenario control (switches at 0 or 1, cells a scenario seeds); constants of
units and the derived anchor ``pSTAT5_ref`` have no bounds and are left out. Parameters the
scenario itself sets after its start are left out with that reason, since an override could not
change them there. Each perturbed run is independent, so ``jobs`` spreads them over processes.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from il7 import build, units
from il7.errors import Il7Error, did_you_mean
from il7.scenario import Scenario, known_readouts, load
from il7.simulate import readout_unit, resolve_overrides, simulate

DEFAULT_STEP = 0.1
"""Relative step: each parameter is taken to x1.1 and /1.1."""


@dataclass(frozen=True)
class Sensitivity:
    """How one parameter moves the readout.

    Attributes
    ----------
    parameter
        Parameter id (``il7 parameters``).
    value
        Its nominal value in the table's unit (after any override).
    unit, status, source
        From the parameter table; ``source`` is empty for an assumed value (see its note).
    coefficient
        d ln(readout) / d ln(parameter), dimensionless; ``nan`` when the readout is 0 at the
        nominal value (see ``low`` and ``high`` then).
    low, high
        The readout (its unit) with the parameter divided and multiplied by ``1 + step``;
        ``nan`` for a side that was refused.
    method
        ``central``, or ``upper side only`` / ``lower side only`` with the reason the other side
        was refused.
    """

    parameter: str
    value: float
    unit: str
    status: str
    source: str
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
        What was asked: the readout's value in the scenario, in ``unit``.
    at, time_unit
        The time it is read at, in the scenario's time unit.
    nominal
        The readout at the nominal parameter values.
    step
        Relative step used (0.1: x1.1 and /1.1).
    rows
        One :class:`Sensitivity` per parameter varied, by decreasing ``|coefficient|``.
    skipped
        ``(parameter, reason)`` for parameters asked for but not varied (both sides refused).
    """

    scenario: str
    readout: str
    unit: str
    at: float
    time_unit: str
    nominal: float
    step: float
    rows: tuple[Sensitivity, ...]
    skipped: tuple[tuple[str, str], ...]

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a DataFrame indexed by parameter, strongest first."""
        frame = pd.DataFrame([vars(r) for r in self.rows])
        if frame.empty:
            frame = pd.DataFrame(columns=[f for f in Sensitivity.__dataclass_fields__])
        frame = frame.rename(
            columns={"low": f"readout at /{1 + self.step:g}", "high": f"readout at x{1 + self.step:g}"}
        )
        return frame.set_index("parameter")

    def write(self, path: str) -> str:
        """Write the table to a ``.csv`` file, with the question in a comment line on top."""
        if not str(path).lower().endswith(".csv"):
            raise Il7Error(f"cannot write '{path}': use a .csv file name")
        head = (
            f"# d ln({self.readout}) / d ln(parameter) in scenario {self.scenario} at "
            f"{self.at:g} {self.time_unit}; nominal {self.nominal:.6g} {self.unit}; step x{1 + self.step:g}\n"
        )
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(head)
                self.to_pandas().to_csv(handle)
        except OSError as exc:
            raise Il7Error(f"cannot write '{path}': {exc.strerror}; choose a writable location") from None
        return str(path)

    def figure(self, top: int = 15) -> Any:
        """A tornado chart of the ``top`` strongest coefficients (matplotlib Figure)."""
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch

        shown = [r for r in self.rows if math.isfinite(r.coefficient)][:top][::-1]
        fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.28 * max(len(shown), 1)), layout="constrained")
        colours = {"measured": "#1b7837", "fitted": "#2166ac", "derived": "#7b3294", "assumed": "#b2182b"}
        ax.barh(
            [r.parameter for r in shown],
            [r.coefficient for r in shown],
            color=[colours.get(r.status, "grey") for r in shown],
        )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"d ln({self.readout}) / d ln(parameter)")
        ax.set_title(f"{self.scenario}: {self.readout} at {self.at:g} {self.time_unit}", fontsize="medium")
        handles = [Patch(color=c, label=status) for status, c in colours.items()]
        ax.legend(handles=handles, fontsize="x-small", loc="lower right", title="status")
        return fig


def varied_parameters() -> tuple[str, ...]:
    """Ids varied by default: a value, both bounds, and not a scenario control."""
    return tuple(
        p.id
        for p in build.parameters()
        if p.value
        and p.lower is not None
        and p.upper is not None
        and not p.note.startswith("Scenario control")
    )


def sensitivities(
    scenario: Scenario | str,
    readout: str,
    *,
    at: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    parameters: Iterable[str] | None = None,
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
    overrides
        Parameter values to start from instead of the table's (as ``simulate``).
    parameters
        Ids to vary; default :func:`varied_parameters`.
    step
        Relative step, 0 < step <= 1 (default 0.1: x1.1 and /1.1).
    jobs
        Processes that run the perturbed scenarios (0: one per CPU); the result does not depend
        on it.
    progress
        Called with a label after each parameter (progress bars).

    Returns
    -------
    Sensitivities
        Rows by decreasing ``|coefficient|``, and the parameters that could not be varied.

    Raises
    ------
    Il7Error
        Unknown readout or parameter, a bad time or step, or a nominal run that fails.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    where = f"sensitivity of scenario '{scenario.name}'"
    if not isinstance(readout, str) or readout not in known_readouts():
        raise Il7Error(
            f"{where}: unknown readout {readout!r}{did_you_mean(str(readout), known_readouts())}; "
            "list them with `il7 readouts`"
        )
    if isinstance(step, bool) or not isinstance(step, int | float) or not 0 < step <= 1:
        raise Il7Error(f"{where}: step {step!r} must be a number above 0 and at most 1 (0.1 = 10%)")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
        raise Il7Error(f"{where}: jobs {jobs!r} must be a whole number >= 0 (0: one process per CPU)")
    workers = jobs or os.cpu_count() or 1
    first = scenario.times[0]
    when = scenario.t_end if at is None else at
    if isinstance(when, bool) or not isinstance(when, int | float) or not math.isfinite(when) or when < first:
        raise Il7Error(
            f"{where}: time {when!r} must be a finite time at or after the scenario's first output, "
            f"{first:g} {scenario.time_unit}"
        )
    base = resolve_overrides(overrides)  # model units; checked once, up front
    user = dict(overrides or {})
    table = {p.id: p for p in build.parameters()}
    chosen = list(varied_parameters() if parameters is None else parameters)
    for pid in chosen:
        if pid not in table:
            raise Il7Error(
                f"{where}: '{pid}' is not a parameter{did_you_mean(pid, table)}; list them with `il7 parameters`"
            )
        if table[pid].value is None:
            raise Il7Error(
                f"{where}: '{pid}' is computed by the model ({table[pid].source}); vary the parameters it is made of"
            )
    if len(set(chosen)) != len(chosen):
        raise Il7Error(f"{where}: a parameter is listed twice; list each once")
    set_later = {
        key for period in scenario.periods if period is not scenario.preequilibration for key, _ in period.set
    }
    # the value each parameter has in this run (model units), as simulate.prepare sets it: the
    # override, else the scenario's pre-equilibration setting, else its context's, else the table's
    pre = scenario.preequilibration
    in_run = dict(scenario.context_set) | (dict(pre.set) if pre is not None else {}) | base

    run = replace(scenario, readouts=(readout,), times=(float(when),))
    nominal = _value_at(run, user)
    up = 1.0 + step
    todo: list[tuple[build.Parameter, float]] = []
    skipped: list[tuple[str, str]] = []
    for pid in chosen:
        p = table[pid]
        current = in_run[pid] / _factor(p) if pid in in_run else float(p.value)  # type: ignore[arg-type]
        if pid in set_later:
            skipped.append((pid, f"scenario '{scenario.name}' sets it after its start"))
        elif current == 0:
            skipped.append((pid, f"0 in scenario '{scenario.name}' (switched off there): nothing to scale"))
        else:
            todo.append((p, current))
            continue
        if progress is not None:
            progress(pid)
    rows: list[Sensitivity] = []
    for (p, current), (sides, refused) in zip(
        todo, _both_sides_of_each(run, user, todo, up, workers, progress), strict=True
    ):
        row = _row(p, current, nominal, sides, refused, up)
        if row is None:
            skipped.append((p.id, refused["high"]))
        else:
            rows.append(row)
    rows.sort(key=lambda r: (-abs(r.coefficient) if math.isfinite(r.coefficient) else 0.0, r.parameter))
    return Sensitivities(
        scenario=scenario.name,
        readout=readout,
        unit=readout_unit(readout),
        at=float(when),
        time_unit=scenario.time_unit,
        nominal=nominal,
        step=float(step),
        rows=tuple(rows),
        skipped=tuple(skipped),
    )


def _value_at(run: Scenario, overrides: Mapping[str, Any]) -> float:
    """The one readout of ``run`` at its one output time."""
    return float(simulate(run, overrides=overrides).data[0, 1])


def _both_sides(
    run: Scenario, user: Mapping[str, Any], pid: str, value: float, up: float
) -> tuple[dict[str, float], dict[str, str]]:
    """The readout with ``pid`` at ``value x up`` and ``value / up`` (table unit), or why each was refused."""
    sides: dict[str, float] = {}
    refused: dict[str, str] = {}
    for side, factor in (("high", up), ("low", 1.0 / up)):
        try:
            sides[side] = _value_at(run, {**user, pid: value * factor})
        except Il7Error as exc:
            refused[side] = str(exc)
    return sides, refused


def _both_sides_of_each(
    run: Scenario,
    user: Mapping[str, Any],
    todo: list[tuple[build.Parameter, float]],
    up: float,
    workers: int,
    progress: Callable[[str], None] | None,
) -> Iterator[tuple[dict[str, float], dict[str, str]]]:
    """:func:`_both_sides` for each parameter, in order, in this process or in ``workers``
    fresh ones (spawned: each loads the compiled model from the disk cache)."""
    say = progress or (lambda _label: None)
    if workers == 1 or len(todo) < 2:
        for p, value in todo:
            yield _both_sides(run, user, p.id, value, up)
            say(p.id)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
        futures = [pool.submit(_both_sides, run, user, p.id, value, up) for p, value in todo]
        for (p, _), future in zip(todo, futures, strict=True):
            yield future.result()
            say(p.id)


def _factor(p: build.Parameter) -> float:
    """Model units per table unit of ``p``."""
    return units.label(p.unit, where=f"parameter {p.id}").factor


def _row(
    p: build.Parameter,
    value: float,
    nominal: float,
    sides: dict[str, float],
    refused: dict[str, str],
    up: float,
) -> Sensitivity | None:
    """One row from the runs that went through; ``None`` when neither side did."""
    high, low = sides.get("high", math.nan), sides.get("low", math.nan)
    if not sides:
        return None
    if len(sides) == 2:
        change, span, method = high - low, up - 1.0 / up, "central"
    elif "high" in sides:
        change, span, method = high - nominal, up - 1.0, f"upper side only (lower refused: {refused['low']})"
    else:
        change, span, method = (
            nominal - low,
            1.0 - 1.0 / up,
            f"lower side only (upper refused: {refused['high']})",
        )
    coefficient = change / (span * nominal) if nominal != 0 else math.nan
    return Sensitivity(
        parameter=p.id,
        value=value,
        unit=p.unit,
        status=p.status,
        source=p.source,
        coefficient=float(coefficient),
        low=low,
        high=high,
        method=method,
    )
