"""Scenarios: named experiments as data, in the PEtab v2 experiment vocabulary.

A scenario is a YAML file. Its ``periods`` list is PEtab v2's experiment table: each period
starts at a ``time`` and applies changes (a *condition*). A period at ``-inf`` means "reach
steady state under these changes first" (pre-equilibration). Changes are

``set``       parameters or compartment sizes, ``{id: "value unit"}``, and the cells of a
              seedable population (a tumour, leukaemic blasts) from that time on
``knockout``  gene products removed, names from ``model/interventions.yaml``
``dose``      one bolus or a list of boluses: ``{drug, amount, unit, route}``, with optional
              ``every`` and ``count`` for a repeated schedule
``infusion``  ``{drug, rate, unit, duration}``

plus, at the top level, ``name``, ``description``, ``sources``, ``context`` (``human_body``,
``mouse_body`` or ``culture_well``), ``time_unit``, ``readouts`` and ``output`` (``t_end`` with ``n`` points, or
explicit ``times``). :func:`load` checks everything and reports every problem at once.

This module holds what a scenario is (:class:`Dose`, :class:`Period`, :class:`Scenario`) and
how to get one (:func:`load`, from a name, a file or a mapping); :mod:`il7.scenario_yaml` reads the files,
:mod:`il7.scenario_file` checks them, and :mod:`il7.values` reads each value with its unit.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import numbers
import os
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from il7 import build
from il7.errors import Il7Error, did_you_mean, warn
from il7.units import DOSE_UNITS, grams_per_kg
from il7.values import dose_amount_problem, dose_unit_problem, flag, quantity, real_number

TIME_UNITS = {"min": 1.0 / 60.0, "h": 1.0, "day": 24.0, "week": 168.0}
"""Scenario time units and their length in hours."""


SAME_TIME = 1e-9
"""Times closer than this (relative to the larger, or absolute below 1) are one time: 16.8 h is
day 0.7 though 16.8 / 24 is 0.7000000000000001."""


def same_time(a: float, b: float) -> bool:
    """Whether two times (one unit) are one, within :data:`SAME_TIME`."""
    return math.isclose(a, b, rel_tol=SAME_TIME, abs_tol=SAME_TIME)


def clock(value: float, unit: str) -> str:
    """A time of a scenario as people say it: ``day 7``, ``week 2``, but ``30 min`` and ``2 h``."""
    return f"{unit} {value:g}" if unit in ("day", "week") else f"{value:g} {unit}"


MAX_POINTS = 100_000
"""Most output times a scenario may ask for."""
SPAN_HOURS = (1e-6, 1000 * 365.25 * 24)
"""Shortest and longest run (from the first finite period or output time to the last output
time) a scenario may ask for, in hours: from 3.6 ms, below which the integrator cannot step, to
1,000 years."""


def span_problem(first: float, last: float, time_unit: str) -> str | None:
    """Why a run from ``first`` to ``last`` (``time_unit``) cannot be made, or ``None``."""
    hours = (last - first) * TIME_UNITS[time_unit]
    if hours > SPAN_HOURS[1]:
        return (
            f"the run from {first:g} to {last:g} {time_unit} is longer than 1,000 years; give realistic times"
        )
    if hours < SPAN_HOURS[0]:
        return f"the run from {first:g} to {last:g} {time_unit} is shorter than 3.6 ms; give realistic times"
    return None


def first_time(periods: tuple[Period, ...], first_output: float) -> float:
    """Where a run starts: its first finite period, or its first output time if that is earlier."""
    return min([p.time for p in periods if p.time > -math.inf] + [first_output])


STUDIED_FOLD = 10.0
"""A bolus above this multiple of its drug's highest studied dose runs with a note (Scenario.dose_notes)."""


@dataclass(frozen=True)
class Dose:
    """A bolus: ``amount`` (as written, in ``unit``) of ``drug`` into ``target`` at ``time``."""

    time: float
    drug: str
    amount: float
    unit: str
    route: str
    target: str


@dataclass(frozen=True)
class Period:
    """Changes applied at ``time`` (scenario time unit; ``-inf`` = pre-equilibration).

    ``set`` holds ``(id, value in model units)`` pairs: knockouts and context changes have
    been resolved into it.
    """

    time: float
    set: tuple[tuple[str, float], ...] = ()
    knockouts: tuple[str, ...] = ()
    doses: tuple[Dose, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Frozen: simulating it never changes it (:meth:`with_dose`,
    :meth:`with_output` and :meth:`with_times` return changed copies).

    Attributes
    ----------
    name, description, file
        Its name, what it represents, and the YAML file it was read from (``<mapping>`` for a mapping).
    context
        The body it runs in: ``human_body``, ``mouse_body`` or ``culture_well``.
    time_unit
        The unit of its times: ``min``, ``h``, ``day`` or ``week``.
    periods
        What happens when: each :class:`Period` sets parameters, knocks genes out, or doses, at
        its time (``-inf``: the steady state the run starts from).
    readouts
        The readout ids it reports (``il7 readouts``).
    times
        Its output times, in ``time_unit``.
    sources
        The publications it follows.
    context_set, body_weight_kg, value_notes
        The context's own parameter values (model units), its body weight (kg; ``None`` in a
        well), and the notes on values set outside their bounds.
    """

    name: str
    description: str
    file: str
    context: str
    time_unit: str
    periods: tuple[Period, ...]
    readouts: tuple[str, ...]
    times: tuple[float, ...]
    sources: tuple[str, ...] = ()
    context_set: tuple[tuple[str, float], ...] = field(default=(), repr=False)
    body_weight_kg: float | None = None
    value_notes: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """``(id, note)`` on each value the file sets outside its bounds, which il7 runs but says."""

    def __post_init__(self) -> None:
        """What a copy made with ``dataclasses.replace`` must still hold (the ``with_*`` methods
        and files are checked more closely): it ended in roadrunner's or Python's own errors."""
        where = self.called
        fix = "make changed copies with with_times, with_output, with_readouts or with_dose"
        if not isinstance(self.time_unit, str) or self.time_unit not in TIME_UNITS:
            raise Il7Error(f"{where}: time_unit {self.time_unit!r} is none of {', '.join(TIME_UNITS)}; {fix}")
        if not isinstance(self.context, str) or self.context not in vocabulary()["contexts"]:
            raise Il7Error(
                f"{where}: context {self.context!r} is unknown; use one of: {', '.join(vocabulary()['contexts'])}"
            )
        times = np.asarray(self.times, dtype=float) if isinstance(self.times, (tuple, list)) else np.empty(0)
        if (
            times.ndim != 1
            or times.size == 0
            or not np.all(np.isfinite(times))
            or np.any(np.diff(times) <= 0)
        ):
            raise Il7Error(f"{where}: times must be a tuple of finite times in increasing order; {fix}")
        if not isinstance(self.readouts, (tuple, list)) or not all(isinstance(r, str) for r in self.readouts):
            raise Il7Error(f"{where}: readouts must be a tuple of readout ids, e.g. ('CD4_blood',); {fix}")
        for name in self.readouts:
            if (problem := unknown_readout(name)) is not None:
                raise Il7Error(f"{where}: readout '{name}': {problem}")
        weight = self.body_weight_kg
        if weight is not None and not (isinstance(weight, numbers.Real) and 0 < weight < math.inf):
            raise Il7Error(
                f"{where}: body_weight_kg {weight!r} must be a positive number of kg (None in a well)"
            )

    def notes(self, replaced: Iterable[str] = ()) -> tuple[str, ...]:
        """What a run should say about the file: its values outside their bounds, but those of
        the ids in ``replaced`` (overrides put their own values, and say so, in their place)."""
        gone = set(replaced)
        return tuple(note for key, note in self.value_notes if key not in gone)

    @property
    def called(self) -> str:
        """How a message names the scenario: ``scenario 'NAME'``, with its file where it is a
        user's (an edited copy keeps the built-in's name)."""
        own = isinstance(self.file, str) and self.file not in ("", "<mapping>")
        own = own and Path(self.file).parent != builtin_dir()  # a mapping has no file to name
        return f"scenario '{self.name}'" + (f" ({self.file})" if own else "")

    @property
    def preequilibration(self) -> Period | None:
        """The period at ``-inf`` (steady state first), if any."""
        first = self.periods[0] if self.periods else None
        return first if first is not None and first.time == -math.inf else None

    @property
    def opening(self) -> Period | None:
        """The period whose parameter settings make the state the run starts from, as ``--set``
        does (cells and receptors computed from them): :func:`opening_period`."""
        return opening_period(self.periods, self.times)

    @property
    def set_after_start(self) -> frozenset[str]:
        """Ids the scenario sets in a period after its steady state (an override cannot change these)."""
        return frozenset(
            key for period in self.periods if period is not self.preequilibration for key, _ in period.set
        )

    @property
    def boluses(self) -> tuple[Dose, ...]:
        """The scenario's bolus doses (not infusions), in period order."""
        return tuple(d for p in self.periods for d in p.doses if d.route != "infusion")

    @property
    def t_end(self) -> float:
        """Last output time, in the scenario's time unit."""
        return self.times[-1]

    def beyond_output(self) -> tuple[str, ...]:
        """What of the scenario comes after its last output time, which its output therefore
        cannot show, in words: the settings of periods that start later, doses given later, and
        infusions that start, or stop, later. Empty when nothing does."""
        end, unit = self.t_end, self.time_unit
        out = []
        later = [clock(p.time, unit) for p in self.periods if p.time > end and p.set]
        if later:
            out.append(f"the settings at {', '.join(later)}")
        boluses = sorted(d.time for d in self.boluses)
        late = [t for t in boluses if t > end]
        if len(boluses) == 1 and late:
            out.append(f"the dose at {clock(late[0], unit)}")
        elif late:
            counted = "all" if len(late) == len(boluses) else str(len(late))
            out.append(f"{counted} of the scenario's {len(boluses)} doses (from {clock(late[0], unit)})")
        runs: dict[str, list[Dose]] = {}
        for period in self.periods:
            for dose in period.doses:
                if dose.route == "infusion":
                    runs.setdefault(dose.target, []).append(dose)
        for events in runs.values():  # each infusion is a start and a stop (rate 0), one at a time
            events.sort(key=lambda d: d.time)
            for on, off in zip(events[0::2], events[1::2], strict=True):
                if off.time > end:
                    part = "the" if on.time > end else "the end of the"
                    out.append(
                        f"{part} {on.drug} infusion from {clock(on.time, unit)} to {clock(off.time, unit)}"
                    )
        return tuple(out)

    def beyond_output_note(self, consequence: str, fix: str) -> str | None:
        """:meth:`beyond_output` as one sentence (``"the output ends at day 5, before ..., which
        {consequence}; {fix}"``), or ``None`` when nothing comes after the output."""
        unseen = self.beyond_output()
        if not unseen:
            return None
        return f"the output ends at {clock(self.t_end, self.time_unit)}, before {'; '.join(unseen)}, which {consequence}; {fix}"

    def dose_notes(self) -> tuple[str, ...]:
        """Notes on the boluses that exceed :data:`STUDIED_FOLD` times their drug's highest dose
        in il7's sources (``highest_studied`` in interventions.yaml): '10 mg/kg' for '10 ug/kg'
        is a 1,000-fold slip that runs. A flat amount counts at the body's weight; doses into a
        culture medium, drugs without a studied dose and bodies other than the human adult's get none."""
        if self.context != "human_body":  # the studied doses are human trials' (a mouse takes 1 mg/kg)
            return ()
        drugs = vocabulary()["drugs"]
        out = []
        for drug in sorted({d.drug for d in self.boluses}):
            studied = drugs[drug].get("highest_studied")
            if studied is None:
                continue
            amount, unit = quantity(studied["amount"], where=f"{drug}.highest_studied", example="60 ug/kg")
            top = grams_per_kg(amount, unit or "", None)
            doses = (
                grams_per_kg(d.amount, d.unit, self.body_weight_kg) for d in self.boluses if d.drug == drug
            )
            fold = max((g / top for g in doses if g is not None and top), default=0.0)
            if fold > STUDIED_FOLD:
                out.append(
                    f"a dose of {drug} is {fold:,.0f} times the highest studied, {studied['amount']} "
                    f"({studied['source']}): check its amount and unit (ug, not mg?)"
                )
        return tuple(out)

    def doses_in_words(self) -> str:
        """The boluses as 'DRUG AMOUNT UNIT ROUTE xCOUNT every INTERVAL' (in the order given), and
        the infusions by drug, e.g. 'CYT107 20 ug/kg sc x3 every 7 days'; empty where none."""
        times: dict[tuple[str, float, str, str], list[float]] = {}
        infused: list[str] = []
        for dose in (d for p in self.periods for d in p.doses):
            if dose.route == "infusion":
                if dose.drug not in infused:
                    infused.append(dose.drug)
                continue
            times.setdefault((dose.drug, dose.amount, dose.unit, dose.route), []).append(dose.time)
        lines = []
        for (drug, amount, unit, route), at in times.items():
            line = f"{drug} {amount:g} {unit} {route}"
            if len(at) > 1:
                steps = {round(b - a, 9) for a, b in itertools.pairwise(at)}
                line += f" x{len(at)}"
                if len(steps) == 1:
                    step = steps.pop()
                    plural = "s" if self.time_unit in ("day", "week") and step != 1 else ""
                    line += f" every {step:g} {self.time_unit}{plural}"
            lines.append(line)
        return "; ".join(lines + [f"{d} infusion" for d in infused])

    def with_output(self, *, t_end: float | None = None, step: float | None = None) -> Scenario:
        """A copy whose output ends at ``t_end``: the scenario's own output times before it, then,
        past its last, times at its mean step up to ``t_end`` (a daily grid stays daily, longer or
        shorter; listed times stay). At most :data:`MAX_POINTS` times: past that, an even grid.
        With ``step``, the output runs instead from its first time to its end (``t_end`` or its
        own) every ``step``, and at the end. Both are in the scenario's time unit
        (:attr:`time_unit`); ``il7 simulate --t-end`` and ``--step`` make this copy.

        Raises
        ------
        Il7Error
            ``t_end`` not a number after the first output time, or ``step`` not a positive
            number that leaves at most :data:`MAX_POINTS` output times.
        """
        if step is not None:
            return self._every(step, t_end)
        if t_end is None:
            return self
        where = self.called
        start = self.times[0]
        if isinstance(t_end, bool) or not isinstance(t_end, numbers.Real):
            raise Il7Error(f"{where}: t_end {t_end!r} is not a number; give a time in {self.time_unit}")
        if not math.isfinite(t_end) or t_end <= start:
            raise Il7Error(
                f"{where}: t_end (--t-end) {t_end:g} must be a finite time after {clock(start, self.time_unit)} (a number in the scenario's time unit, {self.time_unit})"
            )
        problem = span_problem(first_time(self.periods, start), t_end, self.time_unit)
        if problem:
            raise Il7Error(f"{where}: t_end (--t-end) {t_end:g}: {problem}")
        step = (self.times[-1] - start) / (len(self.times) - 1)
        kept = [t for t in self.times if t < t_end]  # the first is start, before t_end
        if len(kept) > 1 and t_end - kept[-1] < 1e-6 * step:  # t_end a hair past a kept time: no twin
            kept.pop()
        between = max(0, math.ceil((t_end - kept[-1]) / step - 1e-6) - 1)  # steps of about one step
        times = [
            *kept,
            *(kept[-1] + (t_end - kept[-1]) * k / (between + 1) for k in range(1, between + 1)),
            float(t_end),
        ]
        if len(times) > MAX_POINTS:
            times = [start + (t_end - start) * i / (MAX_POINTS - 1) for i in range(MAX_POINTS)]
        return dataclasses.replace(self, times=tuple(times))

    def _every(self, step: float, t_end: float | None) -> Scenario:
        """The output every ``step`` from the first output time to ``t_end`` (or the last)."""
        end = self.with_output(t_end=t_end).t_end  # t_end checked as without a step
        start = self.times[0]
        if (
            isinstance(step, bool)
            or not isinstance(step, numbers.Real)
            or not math.isfinite(step)
            or step <= 0
        ):
            shown = (
                f"{step:g}" if isinstance(step, numbers.Real) and not isinstance(step, bool) else repr(step)
            )
            raise Il7Error(
                f"step (--step) {shown}: give a positive output step (a number) in {self.time_unit}"
            )
        steps = (end - start) / step * (1 + 1e-12)  # a float: a step of 1e-310 makes it inf
        count = math.floor(steps) + 1 if steps < MAX_POINTS else 0  # grid times up to the end
        on_grid = count > 0 and abs(start + (count - 1) * step - end) <= 1e-9 * step
        total = count + (0 if on_grid else 1)
        if not steps < MAX_POINTS or total > MAX_POINTS:  # too many times, or past counting
            least = (end - start) / (MAX_POINTS - 1) * 1.01  # rounded up past what 3 digits lose
            if steps < MAX_POINTS:
                many = f"{total:,}"
            elif steps < 1e15:
                many = f"{steps + 1:,.0f}"
            else:
                many = f"about {steps:.2g}" if math.isfinite(steps) else "countless"
            raise Il7Error(
                f"step (--step) {step:g}: {many} output times from {start:g} to {end:g} {self.time_unit}, more than "
                f"{MAX_POINTS:,}; give a step of at least {least:.3g} {self.time_unit}"
            )
        times = [start + k * step for k in range(count)]
        if on_grid:
            times[-1] = end  # 0.1 x 3 is 0.30000000000000004: the grid ends where asked
        else:
            times.append(end)
        # likewise a grid time a rounding away from a dose or a setting is put on it: 0.30000000000000004
        # beside a dose at 0.3 left the solver a step too small to take (CV_TOO_CLOSE)
        for change in {p.time for p in self.periods} | {d.time for p in self.periods for d in p.doses}:
            k = round((change - start) / step) if math.isfinite(change) else -1
            if 0 <= k < len(times) and abs(times[k] - change) <= 1e-9 * step:
                times[k] = change
        return dataclasses.replace(self, times=tuple(times))

    def with_times(self, times: Sequence[float]) -> Scenario:
        """A copy whose output times are its own and ``times`` (in its time unit, within its run:
        from where it starts, its first change or output time, to its last output time), so that
        a run reads its readouts there exactly, not between two grid times (a time within
        :data:`SAME_TIME` of an output time is that one).

        Raises
        ------
        Il7Error
            A time that is not a finite number, or one outside the run.
        """
        from il7.simulate import start_time

        start = start_time(self)
        # 'abc' gave "time 'a'"; a mapping's keys were read as the times
        if isinstance(times, (str, bytes, Mapping)) or not isinstance(times, Iterable):
            raise Il7Error(
                f"{self.called}: times {reprlib.repr(times)}: give a list of numbers, e.g. [1, 7, 14]"
            )
        times = list(times)  # once: a generator read twice gave its times to the check only
        for t in times:
            if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t):
                raise Il7Error(f"{self.called}: output time {t!r} is not a finite number")
            if not start <= t <= self.t_end:
                raise Il7Error(
                    f"{self.called}: output time {clock(t, self.time_unit)} lies outside its run "
                    f"({clock(start, self.time_unit)} to {clock(self.t_end, self.time_unit)}); extend its "
                    "output first (with_output(t_end=...))"
                )
        # a time a unit's conversion left a hair off an output time is that time
        extra = [float(t) for t in times if not any(same_time(t, own) for own in self.times)]
        merged = sorted({*self.times, *extra})
        if len(merged) > MAX_POINTS:
            raise Il7Error(f"{self.called}: {len(merged):,} output times, more than {MAX_POINTS:,}")
        return dataclasses.replace(self, times=tuple(merged))

    def with_readouts(
        self, readouts: Sequence[str], *, add: bool = False, where: str = "readouts"
    ) -> Scenario:
        """A copy that reads out ``readouts`` (observable or species ids, as ``il7 readouts`` lists
        them; one id, ids separated by commas, or a list) instead of its own, or, with ``add``,
        after its own (one already read is kept once).

        Raises
        ------
        Il7Error
            An id that is no readout (with the nearest ones), none given, or a set (no order).
        """
        names = build.split_ids(readouts, where=where, kind="readout", example="CD4_blood")
        if not names:
            raise Il7Error(f"{where}: no readout given; name at least one, e.g. IL7_serum_total")
        for name in names:
            problem = unknown_readout(name)
            if problem:
                raise Il7Error(f"{where} '{name}': {problem}")
        chosen = [*self.readouts, *names] if flag(add, "with_readouts: add") else names
        return dataclasses.replace(self, readouts=tuple(dict.fromkeys(chosen)))

    def with_dose(
        self, amount: float | str, unit: str | None = None, *, where: str | None = None
    ) -> Scenario:
        """The scenario at another dose level: every bolus dose at ``amount``, on the same
        schedule and route (Sportes 2008's 30 ug/kg arm instead of its 10). Infusions keep their
        rates.

        Parameters
        ----------
        amount
            The amount of each bolus (>= 0), in ``unit``; or the amount with its unit as text,
            ``"30 ug/kg"``, as ``il7 simulate --dose`` takes it.
        unit
            A dose unit (``il7.units.DOSE_UNITS``) that the doses' routes and context take: a
            concentration only into a culture medium, a per-kg amount only where there is a body
            weight. Default: the doses' own unit, which must then be one.
        where
            What to name in an error (the CLI gives ``--dose '30 ug/kg'``).

        Returns
        -------
        Scenario
            A copy named ``'NAME at AMOUNT UNIT'``, its description saying so.

        Raises
        ------
        Il7Error
            The scenario gives no bolus, or boluses of two drugs (or, without ``unit``, in two
            units); the amount is not a finite number >= 0; the unit does not fit.

        Warns
        -----
        Il7Warning
            A flat amount where the scenario's doses are per kg ('1 mg' for '1 mg/kg', a 70-fold
            slip that runs), and a level that replaces doses that were not all the same (a
            loading dose).
        """
        where = where or f"with_dose({reprlib.repr(amount)}, {reprlib.repr(unit)})"
        boluses = self.boluses
        if not boluses:
            raise Il7Error(
                f"{where}: {self.called} gives no bolus dose to change (an infusion keeps its "
                "rate); choose a scenario with doses, or write the dose in your own scenario file"
            )
        drugs = sorted({d.drug for d in boluses})
        if len(drugs) > 1:
            raise Il7Error(
                f"{where}: {self.called} doses {' and '.join(drugs)}, and a dose level is one "
                "drug's; write each drug's amount in your own scenario file"
            )
        if isinstance(amount, str):
            amount, written = quantity(amount, where=where, example="30 ug/kg")
            if written is not None and unit is not None and written != unit:
                raise Il7Error(f"{where}: the unit is given twice, '{written}' and '{unit}'; give it once")
            unit = unit or written
        value = real_number(amount)
        if value is None:
            raise Il7Error(f"{where}: the amount is not a finite number; give one, e.g. 30")
        if value < 0:
            raise Il7Error(f"{where}: the amount is negative; a dose must be >= 0")
        value += 0.0  # -0.0 is 0
        own = sorted({d.unit for d in boluses})
        if unit is None and len(own) > 1:
            raise Il7Error(
                f"{where}: {self.called} gives its doses in {' and '.join(own)}; give the "
                f"unit too, e.g. {value:.12g} {own[0]}"
            )
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):  # '' read as the doses' own
            raise Il7Error(
                f"{where}: the unit is not text, or empty; give a dose unit such as 'ug/kg', or None for the doses' own"
            )
        for route in sorted({d.route for d in boluses}):
            wrong = unit and dose_unit_problem(unit, route, has_body=self.body_weight_kg is not None)
            if wrong:
                raise Il7Error(f"{where}: {wrong}")
        too_much = dose_amount_problem(value, unit or own[0], self.body_weight_kg)
        if too_much:
            raise Il7Error(f"{where}: {too_much}")
        level = f"{value:.12g} {unit or own[0]}"
        periods = tuple(
            dataclasses.replace(
                p,
                doses=tuple(
                    d if d.route == "infusion" else dataclasses.replace(d, amount=value, unit=unit or d.unit)
                    for d in p.doses
                ),
            )
            for p in self.periods
        )
        name, description = self.name, self.description
        levels = {f"{d.amount:.12g} {d.unit}" for d in boluses}
        if len(levels) == 1:  # a copy made by with_dose: name the new level only, not both
            (before,) = levels
            said = f" (Here every dose is {before} instead.)"
            if name.endswith(f" at {before}") and description.endswith(said):
                name, description = name[: -len(f" at {before}")], description[: -len(said)]
        dosed = dataclasses.replace(
            self,
            name=f"{name} at {level}",
            description=f"{description} (Here every dose is {level} instead.)",
            periods=periods,
        )
        for note in (_flat_dose_note(self, dosed, where), _levels_note(self, where)):
            if note:
                warn(note)
        return dosed


def _levels_note(own: Scenario, where: str) -> str | None:
    """What a dose level does to a regimen whose doses differ (a loading dose, then lower ones)."""
    levels = list(dict.fromkeys(f"{d.amount:g} {d.unit}" for d in own.boluses))
    if len(levels) < 2:
        return None
    return (
        f"{where} replaces each of the scenario's {len(own.boluses)} doses, which were not all the "
        f"same ({', '.join(levels)}); to keep a loading dose, write the amounts in a copy of the scenario file"
    )


def _flat_dose_note(own: Scenario, dosed: Scenario, where: str) -> str | None:
    """What a flat dose amounts to per kg, where it replaces a scenario's per-kg doses."""
    before = {d.unit for d in own.boluses}
    after = dosed.boluses
    weight = dosed.body_weight_kg
    if not after or weight is None or not all(DOSE_UNITS[u][2] for u in before):
        return None
    dose = after[0]
    kind, factor, per_kg = DOSE_UNITS[dose.unit]
    grams = grams_per_kg(dose.amount, dose.unit, weight)
    if not per_kg and kind == "substance":  # '40 nmol': no molar mass here
        return (
            f"{where} is a flat amount for the whole {weight:g}-kg body, where the scenario's doses are "
            f"per kg ({', '.join(sorted(before))}); for a dose per kilogram write it in {sorted(before)[0]}"
        )
    if per_kg or grams is None:
        return None
    perkg_unit = sorted(before)[0]
    equivalent = grams / DOSE_UNITS[perkg_unit][1]
    per_kg_spelling = f"{dose.unit}/kg"
    meant = (
        f"{dose.amount:g} {per_kg_spelling}"
        if per_kg_spelling in DOSE_UNITS
        else f"{dose.amount * factor / DOSE_UNITS[perkg_unit][1]:g} {perkg_unit}"  # 1 g/kg: 1000 mg/kg
    )
    return (
        f"{where} is a flat amount per body, {equivalent:.3g} {perkg_unit} in this {weight:g}-kg body, "
        f"where the scenario's doses are per kg; for a dose per kilogram write '{meant}'"
    )


@dataclass(frozen=True)
class ContextValue:
    """A value a context (``model/interventions.yaml`` contexts) puts in place of the table's."""

    value: str
    """As written, with its unit (``"3.12e-4 L/h"``)."""
    status: str
    """measured, derived, fitted or assumed, as in the parameter table."""
    source: str
    """Where the value comes from, or why it was assumed."""


def _context_values(name: str, entries: Any) -> dict[str, ContextValue]:
    """A context's ``set``: ``{id: {value, status, source}}``, each field checked."""
    where = f"model/interventions.yaml contexts.{name}.set"
    if not isinstance(entries, dict):
        raise Il7Error(f"{where}: give a mapping of parameter id to {{value, status, source}}")
    out = {}
    for key, entry in entries.items():
        spot = f"{where}.{key}"
        if not isinstance(entry, dict) or set(entry) != {"value", "status", "source"}:
            raise Il7Error(f"{spot}: give exactly value (with its unit), status and source")
        if entry["status"] not in build.STATUSES:
            raise Il7Error(f"{spot}: status '{entry['status']}' is not one of {', '.join(build.STATUSES)}")
        if not isinstance(entry["source"], str) or not entry["source"].strip():
            raise Il7Error(f"{spot}: give a source, or the reason the value was assumed")
        out[str(key)] = ContextValue(str(entry["value"]), entry["status"], entry["source"].strip())
    return out


@functools.cache
def vocabulary() -> dict[str, Any]:
    """The model's intervention vocabulary (``model/interventions.yaml``).

    Each context's ``set`` comes as ``{id: "value unit"}``, what scenarios apply; ``values``
    holds the same entries as :class:`ContextValue`, with their status and source.
    """
    text = build.model_file("interventions.yaml")
    data: dict[str, Any] = yaml.safe_load(text)
    for name, context in data["contexts"].items():
        context["values"] = _context_values(name, context["set"])
        context["set"] = {key: entry.value for key, entry in context["values"].items()}
    return data


def builtin_dir() -> Path:
    """Folder of the scenarios that ship with il7."""
    return Path(str(resources.files("il7.scenarios")))


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted.

    Returns
    -------
    list of str
        Each a name that :func:`load` and ``il7 simulate`` take (``il7 scenarios`` describes them).
    """
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def builtin_file(name: str) -> Path:
    """The YAML file of the built-in scenario ``name`` (``il7 scenarios NAME`` prints it).

    Raises
    ------
    Il7Error
        No built-in scenario has that name; the closest is said, or that ``name`` is a file.
    """
    names = builtin_names()
    if name not in names and Path(name).is_file():
        raise Il7Error(
            f"'{name}' is a file already: il7 scenarios NAME prints a built-in scenario's file to copy; "
            f"run yours with il7 simulate {name}"
        )
    if name not in names:
        raise Il7Error(
            f"no built-in scenario '{name}'{did_you_mean(name, names)}; il7 scenarios lists them (in Python: il7.list_scenarios())"
        )
    return builtin_dir() / f"{name}.yaml"


def load(name_or_path: str | Path | Mapping[str, Any] | Scenario, *, steady_start: bool = True) -> Scenario:
    """Load and validate a scenario by built-in name, by file path, or from a mapping.

    Parameters
    ----------
    name_or_path
        A built-in name (see :func:`builtin_names`) or a path to a ``.yaml`` file. A string
        that is a built-in name always means the built-in scenario, even where the working
        folder holds a file or folder of that name (write ``./name`` for that one). Or the
        scenario itself as a mapping with a file's fields (``{"name": ..., "description": ...,
        "context": "human_body", "time_unit": "day", "periods": [{"time": "-inf"}, ...], ...}``),
        checked as a file is. A :class:`Scenario` is returned as it is, as :func:`il7.simulate`
        takes one.
    steady_start
        A body must start from its steady state: its first period is at ``-inf`` (a culture well
        may always start from the model's initial values, cells just put into it). Only a mapping
        may set this ``False``, to start a body from the model's initial values, as some of il7's
        own experiments do; a scenario file always starts steady.

    Raises
    ------
    Il7Error
        The name is unknown, the file is missing or not YAML.
    ScenarioError
        The file has problems; all of them are listed.
    """
    from il7 import scenario_file, scenario_yaml  # here, not at the top: they import this module's nouns

    steady_start = flag(steady_start, "load: steady_start")
    if isinstance(name_or_path, Scenario):  # was refused with the whole scenario's repr
        return name_or_path
    if isinstance(name_or_path, Mapping):
        return scenario_file.checked(_as_yaml(name_or_path), file="<mapping>", steady_start=steady_start)
    if not steady_start:
        raise Il7Error(
            "steady_start=False is for a scenario given as a mapping; a scenario file starts steady"
        )
    if not isinstance(name_or_path, (str, os.PathLike)) or not str(name_or_path).strip():
        raise Il7Error(
            f"scenario {reprlib.repr(name_or_path)}: give a built-in name (il7 scenarios lists them; in Python: il7.list_scenarios()), the path of a .yaml "
            "file, or the scenario as a mapping"
        )
    text_name = str(name_or_path)
    path = Path(text_name).expanduser()  # ~: the home folder, as a shell reads it
    names = builtin_names()
    builtin = isinstance(name_or_path, str) and text_name in names  # even beside a folder of that name
    looks_like_path = (
        path.suffix in (".yaml", ".yml") or text_name.startswith(".") or any(c in text_name for c in "/\\")
    )
    if builtin or not (looks_like_path or path.exists()):
        if text_name not in names:  # a name, not a file: the closest built-in, or the file meant
            local = _yaml_file_named(text_name)
            if local is not None:  # 'my_course' for ./my_course.yaml
                raise Il7Error(f"unknown scenario '{text_name}' (did you mean the file './{local}'?)")
            raise Il7Error(
                f"unknown scenario '{text_name}'{did_you_mean(text_name, names)}; "
                f"built-in: {', '.join(names)}; or give the path of a .yaml file"
            )
        path = builtin_file(text_name)
    if path.is_dir():
        raise Il7Error(f"'{path}' is a folder, not a scenario file; give the path of a .yaml file")
    if path.exists() and not path.is_file():
        raise Il7Error(f"'{path}' is not a regular file (a device or a pipe?); give the path of a .yaml file")
    if not path.is_file():
        nearby = _yaml_file_named(str(path))
        hint = f" (did you mean '{nearby}'?)" if nearby else "; check the path"
        raise Il7Error(f"scenario file '{path}' not found{hint}")
    return scenario_file.checked(scenario_yaml.read(path), file=str(path), steady_start=True)


def _as_yaml(value: Any) -> Any:
    """A Python mapping as YAML would give it: tuples, numpy arrays and pandas series as lists (a notebook's
    ``("CD4_blood",)`` or ``np.arange(15.0)`` was refused as 'must be a list'), mappings as
    dicts; a set stays a set, which has no order, and is refused."""
    if isinstance(value, Mapping):
        return {k: _as_yaml(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) >= 1:  # numpy, pandas
        return [_as_yaml(v) for v in value]
    return value


def _yaml_file_named(name: str) -> Path | None:
    """The scenario file a name without its suffix may mean: ``NAME.yaml`` or ``NAME.yml``."""
    return next((p for p in (Path(f"{name}.yaml"), Path(f"{name}.yml")) if p.is_file()), None)


LIST_READOUTS = "list them with `il7 readouts` (in Python: il7.readout_table())"
"""Where a message about an unknown readout sends the user."""


@functools.cache
def known_readouts() -> tuple[str, ...]:
    """Ids a scenario may read out: observables, then species."""
    from il7.engine import engine

    return tuple(o.id for o in build.observables()) + engine().species


def unknown_readout(name: str, *, single: str | None = None) -> str | None:
    """Why ``name`` cannot be read out (``"not an observable or species (did you mean ...?); list
    them ..."``), or ``None`` for a readout; the caller names where it was written. ``single``: for
    a place that takes one readout, what to tell a list there (``"a row holds one readout: give
    each its own row"``); elsewhere a list is told to separate its readouts with commas."""
    known = known_readouts()
    if name in known:
        return None
    if any(mark in name for mark in ",;|"):  # 'IL7_serum;CD127_per_T' got "did you mean 'CD127_per_T'?"
        if single is not None:
            return f"not an observable or species; {single}"
        return "not an observable or species; separate readouts with commas, e.g. IL7_serum,CD127_per_T"
    row = build.parameters_by_id().get(name)
    if row is not None and row.value is None:  # computed by the model (a rule): it may change in a run
        return f"a quantity the model derives ({row.source}), not a readout; {LIST_READOUTS}"
    if row is not None:
        return f"a parameter (a run holds it fixed), not a readout; {LIST_READOUTS}"
    return f"not an observable or species{did_you_mean(name, known)}; {LIST_READOUTS}"


BODY_WEIGHT_WORDS = frozenset({"weight", "bodyweight", "bodyweightkg", "bw", "bwkg", "bodymass"})
"""Override names (lower case, without underscores) that ask for a body weight, which il7 does not vary."""


def not_a_parameter(key: str, table: Iterable[str], *, in_file: bool = False, given: Any = None) -> str:
    """Why ``key`` names no parameter and what to write instead ("not a parameter (did you mean
    ...?)"), for --set, --vary, sensitivity, PEtab and a scenario file's set: alike: a readout, a
    seeded cell population, a body weight and a knockout each get their own answer.

    ``in_file``: the name was given in a scenario file's ``set:``, where cell populations are
    seeded, so a slip is matched against those too. ``given``: the value set, which a knockout's
    example names when it is a gene il7 knocks out (``knockout=IL7R``).
    """
    if not isinstance(key, str):  # ({5: 'cv 30%'} ended in AttributeError)
        return f"not a parameter id; ids are strings, e.g. 'age' (this is {type(key).__name__})"
    seeds = vocabulary()["seeds"]
    if key in seeds:  # (readouts too; a file seeds them before asking)
        return (
            "a cell population a scenario seeds at a time, not a parameter of the body; seed it in a "
            f"period of a scenario file, e.g. set: {{{key}: 1e9 cells}}"
        )
    if (readout := readout_not_parameter(key)) is not None:
        return readout
    if key.lower().replace("_", "") in BODY_WEIGHT_WORDS:
        weights = ", ".join(
            f"{name} {c['body_weight_kg']:g} kg"
            for name, c in vocabulary()["contexts"].items()
            if c.get("body_weight_kg")
        )
        return (
            f"not a parameter; a scenario's body weight is its context's, fixed ({weights}): per-kg "
            "doses convert at it, and its volumes, flows and cell pools are that body's; for a lighter "
            "or heavier patient set plasma, tissue, V_blood, Q_lymph and CL_IL7 (CL_Ab for the "
            "antibody) to theirs (README: Known limits, One body weight)"
        )
    if key.lower() in ("knockout", "knockouts"):
        genes = vocabulary()["knockouts"]
        gene = given if isinstance(given, str) and given in genes else "IL7"
        return (
            "not a parameter; a knockout goes in a period of a scenario file, beside set: "
            f"(knockout: [{gene}]; one of {', '.join(genes)}), or run a knockout scenario (il7 scenarios lists them; in Python: il7.list_scenarios())"
        )
    if in_file:
        return (
            f"not a settable parameter or seedable cell population{did_you_mean(key, [*table, *seeds])}; "
            "il7 parameters lists the parameters, il7 scenarios --vocabulary the cells"
        )
    return f"not a parameter{did_you_mean(key, table)}; list them with `il7 parameters` (in Python: il7.parameter_table())"


def readout_not_parameter(name: str) -> str | None:
    """Why a readout cannot be set (``"a readout the model computes, not a parameter; ..."``), or
    ``None`` for a name that is no readout; the caller names where it was set."""
    if name not in known_readouts():
        return None
    return (
        "a readout the model computes, not a parameter; set or estimate the parameters that decide it "
        f"(`il7 sensitivity SCENARIO {name}` ranks them)"
    )


def opening_period(periods: Sequence[Period], times: Sequence[float]) -> Period | None:
    """The period whose parameter settings make a run's start: the pre-equilibration, or without
    one a first period at or before the first output time (:attr:`Scenario.opening`)."""
    first = periods[0] if periods else None
    return first if first is not None and times and first.time <= times[0] else None
