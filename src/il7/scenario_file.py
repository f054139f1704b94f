"""Checking a scenario file: every field of its data, and the Scenario it describes.

:func:`checked` turns a file's data (read by :func:`il7.scenario_yaml.read`) into a
:class:`~il7.scenario.Scenario`, collecting every problem of the file and raising them together,
each with its place in the file and the fix. The format itself is described in
:mod:`il7.scenario`.
"""

from __future__ import annotations

import math
import numbers
import re
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from il7 import build, units
from il7.errors import Il7Error, ScenarioError, did_you_mean
from il7.scenario import (
    MAX_POINTS,
    TIME_UNITS,
    Dose,
    Period,
    Scenario,
    clock,
    first_time,
    not_a_parameter,
    opening_period,
    span_problem,
    unknown_readout,
    vocabulary,
)
from il7.values import (
    as_given,
    dose_amount_problem,
    dose_unit_problem,
    needs_body,
    number_hint,
    parameter_value,
    quantity,
    real_number,
    whole_number,
    whole_number_hint,
    within_reach,
)

_TOP_KEYS = {"name", "description", "sources", "context", "time_unit", "periods", "readouts", "output"}
_PERIOD_KEYS = {"time", "set", "knockout", "dose", "infusion"}
_DOSE_KEYS = {"drug", "amount", "unit", "route", "every", "count"}
_INFUSION_KEYS = {"drug", "rate", "unit", "duration"}
_OUTPUT_KEYS = {"t_end", "n", "times"}
MAX_DOSES = 10_000
"""Most boluses one dose entry may expand to (``count``)."""


def _product_name(name: str, drugs: Mapping[str, Any]) -> str:
    """Which drug ``name`` is, when it is one of a drug's product names (interventions.yaml
    ``also_called``; 'CYT99007' was answered "did you mean 'CYT107'?", the other product)."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for drug, entry in drugs.items():
        for other in entry.get("also_called", ()):
            if key == re.sub(r"[^a-z0-9]", "", str(other).lower()):
                return f"{other} is the drug '{drug}' in il7"
    return ""


def _first_time_given(raw: Any) -> bool:
    """Whether a scenario file's first period has a time field (right or wrong)."""
    return isinstance(raw, list) and bool(raw) and isinstance(raw[0], Mapping) and "time" in raw[0]


def _starts_steady(raw: Any) -> bool:
    """Whether a scenario file's first period is at -inf, as written (read before the periods are
    checked, so that a missing pre-equilibration is said in the same pass as other mistakes)."""
    time = raw[0]["time"]
    return _minus_inf(time) or (
        isinstance(time, numbers.Real) and not isinstance(time, bool) and time == -math.inf
    )


def _minus_inf(raw: Any) -> bool:
    """Whether a time is written as ``-inf`` (YAML also spells it ``-.inf``)."""
    return isinstance(raw, str) and raw.strip() in ("-inf", "-.inf")


def checked(data: Any, *, file: str, steady_start: bool) -> Scenario:
    """The scenario ``data`` (a file's, from :func:`il7.scenario_yaml.read`) describes, or a
    :class:`~il7.errors.ScenarioError` listing every problem (see :func:`il7.scenario.load`)."""
    return _Parser(file, steady_start=steady_start).scenario(data)


def _seed_value(species: str, raw: Any, *, where: str) -> float:
    """Cells of a seedable population (``model/interventions.yaml`` seeds) set by a period."""
    value, unit = quantity(raw, where=where, example="1e9 cells")
    if unit not in (None, "cells"):
        raise Il7Error(
            f"{where}: unit '{unit}' does not fit {species}; give a number of cells, e.g. '1e9 cells'"
        )
    if not math.isfinite(value) or value < 0:
        raise Il7Error(f"{where}: {value:g} is not a usable number of cells; give a finite number >= 0")
    return value


def _text(value: Any) -> str | None:
    """``value`` if it is a string (a name, a unit), else ``None``: lists and mappings are not names."""
    return value if isinstance(value, str) else None


class _Parser:
    """Collects every problem of one scenario, then raises them together."""

    def __init__(self, file: str, *, steady_start: bool = False) -> None:
        self.file = file
        self.steady_start = steady_start
        self.problems: list[str] = []
        self.notes: list[tuple[str, str]] = []  # (id, note): values outside their bounds, run but said
        self.fixed = {p.id: why for p in build.parameters() if (why := p.unchangeable("set")) is not None}
        self.table = {p.id: p for p in build.parameters() if p.id not in self.fixed}
        self.vocab = vocabulary()
        self.body_weight: float | None = None
        self.context_unknown = False  # reported once; per-kg values are not faulted for it too
        self.context_values: dict[str, float] = {}  # the context's own settings (model units)
        self.time_unit = "h"
        self.time_unit_known = False
        self.context = "human_body"
        self.routes: tuple[str, ...] = ()
        self.infusions: dict[str, list[tuple[float, float, str]]] = {}

    @property
    def bare_time(self) -> str:
        """How a file writes a time: the one wording of every time field's message."""
        return "a bare number in the scenario's time_unit" + (
            f" ({self.time_unit})" if self.time_unit_known else ""
        )

    def problem(self, text: str) -> None:
        self.problems.append(text)

    # ---- top level -----------------------------------------------------------------------
    def scenario(self, data: Any) -> Scenario:
        name = Path(self.file).stem
        if not isinstance(data, Mapping):
            table = Path(self.file).suffix.lower() in (".csv", ".tsv")  # measurements, most likely
            raise ScenarioError(
                f"scenario file '{self.file}'",
                [
                    "the file must be a mapping of fields (name:, periods:, ...)"
                    + ("; a table of measurements goes to --data, beside a scenario" if table else "")
                ],
            )
        written = data.get("name", name)
        if isinstance(written, (int, float)) and not isinstance(written, bool):
            written = str(written)  # name: 2026 is a fine name
        if not isinstance(written, str) or not written.strip():
            self.problem(f"field 'name': {written!r} is not a name; write a short text, e.g. name: my_course")
        else:
            name = written.strip()
        for key in data:
            if key not in _TOP_KEYS:
                self.problem(
                    f"unknown field '{key}'{did_you_mean(str(key), _TOP_KEYS)}; allowed: {', '.join(sorted(_TOP_KEYS))}"
                )
        description = data.get("description")
        if description is None:
            self.problem("field 'description' is missing; say in a sentence what the scenario asks")
            description = ""
        elif not isinstance(description, str) or not description.strip():
            self.problem(
                f"field 'description': {description!r} is not a sentence; say in words what the scenario asks"
            )
            description = ""
        context = data.get("context", "human_body")
        contexts = self.vocab["contexts"]
        context_set: tuple[tuple[str, float], ...] = ()
        body_weight = None
        if _text(context) not in contexts:
            self.problem(
                f"context '{context}' is unknown{did_you_mean(str(context), contexts)}; use one of: {', '.join(contexts)}"
            )
            self.context_unknown = True
        else:
            body_weight = contexts[context].get("body_weight_kg")
            self.body_weight = body_weight  # before the context's own settings, which may be per kg
            context_set = self.settings(
                contexts[context]["set"], f"model/interventions.yaml contexts.{context}"
            )
            self.context_values = dict(context_set)
            self.context, self.routes = str(context), tuple(contexts[context]["routes"])
        time_unit = data.get("time_unit")
        self.time_unit_known = _text(time_unit) in TIME_UNITS  # else a fault is said, and hours stand in
        if time_unit is None:
            # a default of hours read a file's 'every: 2' and 't_end: 14' written in days as hours
            self.problem(f"field 'time_unit' is missing; say what the times are in: {', '.join(TIME_UNITS)}")
            time_unit = "h"
        elif _text(time_unit) not in TIME_UNITS:
            said = {
                "hours": "h",
                "hour": "h",
                "hr": "h",
                "days": "day",
                "d": "day",
                "minutes": "min",
                "weeks": "week",
            }
            hint = f" (did you mean '{said[str(time_unit)]}'?)" if str(time_unit) in said else ""
            self.problem(f"time_unit '{time_unit}' is unknown{hint}; use one of: {', '.join(TIME_UNITS)}")
            time_unit = "h"
        self.time_unit = str(time_unit)
        raw_periods = data.get("periods", [])
        periods = self.periods(raw_periods)
        if (
            self.steady_start
            and self.body_weight is not None
            and (
                (isinstance(raw_periods, list) and not raw_periods)  # none: the model's initial values
                or (_first_time_given(raw_periods) and not _starts_steady(raw_periods))
            )  # else the periods' own problem is reported already
        ):
            self.problem(
                f"periods: a body ({self.context}) starts from its steady state: make the first period "
                "'- time: -inf' (pre-equilibration); only a culture well starts from the model's initial values"
            )
        readouts = self.readouts(data.get("readouts"))
        times = self.output(data.get("output"), periods)
        self.start_only(periods, times)
        sources = data.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            self.problem("field 'sources' must be a list of references (PMID or DOI)")
            sources = []
        if self.problems:
            raise ScenarioError(f"scenario '{name}' ({self.file})", self.problems)
        return Scenario(
            name=name,
            description=" ".join(description.split()),
            file=self.file,
            context=str(context),
            time_unit=time_unit,
            periods=periods,
            readouts=readouts,
            times=times,
            sources=tuple(sources),
            context_set=context_set,
            body_weight_kg=body_weight,
            value_notes=tuple(self.notes),
        )

    def settings(self, mapping: Any, where: str, *, users: bool = False) -> tuple[tuple[str, float], ...]:
        """``{id: "value unit"}`` -> ``((id, model value), ...)``, checking ids, units and signs, and
        for the ``users`` own values (a period's ``set:``) that they are within reach of the bounds."""
        if not isinstance(mapping, Mapping):
            self.problem(f"{where} must be a mapping of id: value")
            return ()
        out = []
        seeds = self.vocab["seeds"]
        for key, raw in mapping.items():
            spot = f"{where}.{key}"
            if key in seeds:
                try:
                    out.append((str(key), _seed_value(str(key), raw, where=spot)))
                except Il7Error as exc:
                    self.problem(str(exc))
                continue
            if key in self.fixed:
                self.problem(f"{spot}: '{key}' {self.fixed[key]}")
                continue
            if key not in self.table:
                self.problem(
                    f"{spot}: '{key}' is {not_a_parameter(str(key), self.table, in_file=True, given=raw)}"
                )
                continue
            try:
                # with the context unknown (reported) any weight will do: the scenario is refused
                weight = 1.0 if self.context_unknown else self.body_weight
                value = parameter_value(self.table[str(key)], raw, where=spot, body_weight_kg=weight)
                if users:
                    note = within_reach(
                        self.table[str(key)], value, self.context_values.get(str(key)), where=spot
                    )
                    if note:
                        self.notes.append((str(key), f"{spot}: {note}"))
                out.append((str(key), value))
            except Il7Error as exc:
                self.problem(str(exc))
        return tuple(out)

    def start_only(self, periods: tuple[Period, ...], times: tuple[float, ...]) -> None:
        """Refuse a parameter that sizes the start state (``start_only`` in interventions.yaml)
        set in a period after the start, where it would change nothing or leave receptors behind."""
        sizes = self.vocab["start_only"]
        opening = opening_period(periods, times)
        for period in periods:
            if period is opening:
                continue  # its settings make the start
            for key in sorted({k for k, _ in period.set} & set(sizes)):
                self.problem(
                    f"the period at {clock(period.time, self.time_unit)} sets {key}, which sizes {sizes[key]}: the "
                    "model computes these once, at the start; set it in the first period (at -inf, or "
                    "at or before the first output time) or with --set"
                )

    def periods(self, raw: Any) -> tuple[Period, ...]:
        if not isinstance(raw, list):
            self.problem("field 'periods' must be a list of periods, each with a 'time'")
            return ()
        out: list[Period] = []
        last = -math.inf
        for i, item in enumerate(raw):
            where = f"periods[{i}]"
            if not isinstance(item, Mapping):
                self.problem(f"{where} must be a mapping with 'time' and changes")
                continue
            for key in item:
                if key not in _PERIOD_KEYS:
                    self.problem(
                        f"{where}: unknown field '{key}'{did_you_mean(str(key), _PERIOD_KEYS)}; allowed: {', '.join(sorted(_PERIOD_KEYS))}"
                    )
            time = self.time(item.get("time"), f"{where}.time")
            if time is None:
                continue
            if i > 0 and time <= last:
                self.problem(
                    f"{where}.time {time:g} does not come after the previous period ({last:g}); list periods in increasing time"
                )
            if time == -math.inf and i > 0:
                self.problem(f"{where}: only the first period may be at -inf (pre-equilibration)")
            last = time
            sets = self.settings(item.get("set", {}), f"{where}.set", users=True)
            knockouts = self.knockouts(item.get("knockout", []), f"{where}.knockout")
            for gene in knockouts:
                spot = f"model/interventions.yaml knockouts.{gene}"
                both = sorted({key for key, _ in sets} & set(self.vocab["knockouts"][gene]["set"]))
                if both:
                    self.problem(
                        f"{where}.set: {', '.join(both)} is set by the knockout of {gene} in the same period; "
                        "keep the knockout or the value, not both"
                    )
                sets += self.settings(self.vocab["knockouts"][gene]["set"], spot)
            doses = self.doses(item.get("dose", []), time, f"{where}.dose")
            infusion = self.infusion(item.get("infusion"), time, f"{where}.infusion")
            out.append(Period(time, sets, knockouts, doses))
            out.extend(infusion)
        return tuple(sorted(out, key=lambda p: p.time)) if not self.problems else tuple(out)

    def time(self, raw: Any, where: str) -> float | None:
        if _minus_inf(raw):
            return -math.inf
        if raw is None:  # was "'None' is not a time"
            self.problem(f"{where} is missing; give the period's time, {self.bare_time}, or -inf")
            return None
        if isinstance(raw, bool) or not isinstance(raw, numbers.Real):  # nan and inf are handled below
            self.problem(f"{where}: '{raw}' is not a time{number_hint(raw)}; write {self.bare_time}, or -inf")
            return None
        try:
            value = float(raw)
        except OverflowError:
            self.problem(f"{where}: {raw} is too large to be a time; write a realistic number")
            return None
        if math.isnan(value) or value == math.inf:
            self.problem(f"{where}: {raw} is not a usable time; write a finite number or -inf")
            return None
        return value

    def knockouts(self, raw: Any, where: str) -> tuple[str, ...]:
        names = [raw] if isinstance(raw, str) else raw
        known = self.vocab["knockouts"]
        if not isinstance(names, list):
            self.problem(f"{where} must be a gene name or a list of them")
            return ()
        for name in names:
            if _text(name) not in known:
                self.problem(
                    f"{where}: '{name}' is not a knockout{did_you_mean(str(name), known)}; known: {', '.join(known)}"
                )
        genes = [str(n) for n in names if _text(n) in known]
        for gene in sorted({g for g in genes if genes.count(g) > 1}):
            self.problem(f"{where}: {gene} is listed twice; list it once")
        return tuple(dict.fromkeys(genes))

    def drug(self, raw: Mapping[str, Any], where: str) -> dict[str, Any] | None:
        drugs = self.vocab["drugs"]
        name = raw.get("drug")
        if _text(name) not in drugs:
            product = _product_name(str(name), drugs)
            hint = f" ({product})" if product else did_you_mean(str(name), drugs)
            self.problem(f"{where}.drug: '{name}' is not a drug{hint}; known: {', '.join(drugs)}")
            return None
        found: dict[str, Any] = drugs[name]
        return found

    def doses(self, raw: Any, time: float, where: str) -> tuple[Dose, ...]:
        items = [raw] if isinstance(raw, Mapping) else raw
        if not isinstance(items, list):
            self.problem(f"{where} must be a dose mapping or a list of them")
            return ()
        if len(items) > 1 and all(isinstance(d, Mapping) and len(d) == 1 for d in items):
            fields = [str(next(iter(d))) for d in items]  # [drug: IL7, amount: 20]: YAML's one-field mappings
            if len(set(fields) & _DOSE_KEYS) >= 2:  # a misspelt field among them too (rout: sc)
                written = ", ".join(f"{k}: {v}" for d in items for k, v in d.items())
                self.problem(
                    f"{where}: [{written}] is a list of one-field entries; write one dose in braces, "
                    f"{{{written}}} (a list holds several doses, each in braces)"
                )
                return ()
        out: list[Dose] = []
        for j, dose in enumerate(items):
            spot = where if isinstance(raw, Mapping) else f"{where}[{j}]"
            if not isinstance(dose, Mapping):
                self.problem(f"{spot} must be a mapping with drug, amount, unit, route")
                continue
            if time == -math.inf:
                self.problem(
                    f"{spot}: a dose cannot be given at -inf (pre-equilibration); give it at time 0 or later"
                )
                continue
            for key in dose:
                if key not in _DOSE_KEYS:
                    self.problem(
                        f"{spot}: unknown field '{key}'{did_you_mean(str(key), _DOSE_KEYS)}; allowed: {', '.join(sorted(_DOSE_KEYS))}"
                    )
            drug = self.drug(dose, spot)
            route = dose.get("route")
            route_known = drug is not None and _text(route) in drug["routes"]
            every_route = sorted({r for d in self.vocab["drugs"].values() for r in d["routes"]})
            known = drug["routes"] if drug is not None else every_route  # the drug's, or any drug's
            offered = [r for r in known if not self.routes or r in self.routes]  # of those, this context's
            if route is None:  # 'None' is not available / is no drug's route
                self.problem(f"{spot}.route is missing; give one of: {', '.join(offered or known)}")
            elif drug is not None and not route_known:  # reported beside any fault of the amount
                hint = (
                    " (il7 models no intraperitoneal route; sc, absorbed from a depot, is the nearest)"
                    if str(route).lower() in ("ip", "i.p.", "intraperitoneal")
                    else did_you_mean(str(route), offered)
                )
                self.problem(
                    f"{spot}.route: '{route}' is not available for {dose['drug']}{hint}; use one of: {', '.join(offered or known)}"
                )
            if drug is None and route is not None:  # a route that is no drug's is wrong whatever the drug
                if _text(route) not in every_route:
                    self.problem(
                        f"{spot}.route: '{route}' is no drug's route{did_you_mean(str(route), every_route)}; use one of: {', '.join(every_route)}"
                    )
            amount = dose.get("amount")
            unit = dose.get("unit")
            if isinstance(amount, str):
                try:
                    amount, written_unit = quantity(amount, where=f"{spot}.amount")
                except Il7Error as exc:
                    self.problem(str(exc))
                    continue
                if written_unit is not None and unit is not None and written_unit != unit:
                    self.problem(
                        f"{spot}: amount '{dose.get('amount')}' and unit '{unit}' disagree; give the unit once, in amount or in unit"
                    )
                    continue
                unit = unit or written_unit
            amount_value = real_number(amount)
            if amount is None:
                self.problem(f"{spot}.amount is missing; write e.g. amount: 10")
                continue
            if amount_value is None:
                self.problem(f"{spot}.amount: '{amount}' is not a finite number; write e.g. amount: 10")
                continue
            if amount_value < 0:
                self.problem(f"{spot}.amount: {amount:g} is negative; a dose must be >= 0")
            if unit is None:
                self.problem(f"{spot}: the dose has no unit; add unit: one of {', '.join(units.DOSE_UNITS)}")
                continue
            unknown = dose_unit_problem(str(unit))  # no value but a dose unit's text reads as one
            if unknown:
                self.problem(f"{spot}.unit: {unknown}")
                continue
            too_much = dose_amount_problem(amount_value, str(unit), self.body_weight)
            if too_much:
                self.problem(f"{spot}.amount: {too_much}")
                continue
            if drug is None or not route_known:
                continue
            if self.routes and route not in self.routes:
                usable = [r for r in drug["routes"] if r in self.routes]
                self.problem(
                    f"{spot}.route: '{route}' has no meaning in context {self.context}, which takes "
                    f"{', '.join(self.routes)}; "
                    + (
                        f"use route: {' or '.join(usable)}"
                        if usable
                        else f"{dose['drug']} cannot be given here"
                    )
                )
                continue
            wrong = dose_unit_problem(
                str(unit), str(route), has_body=self.body_weight is not None or self.context_unknown
            )
            if wrong:
                self.problem(f"{spot}.unit: {wrong}")
                continue
            count = whole_number(dose.get("count", 1))
            every = real_number(dose.get("every", 0.0))
            if count is None or count < 1 or count > MAX_DOSES:
                self.problem(
                    f"{spot}.count: {as_given(dose.get('count'))} must be a whole number from 1 to {MAX_DOSES}{whole_number_hint(dose.get('count'))}"
                )
                continue
            if "every" in dose and count == 1:
                self.problem(
                    f"{spot}: 'every' is given but count is 1; add count: N for a repeated schedule, or drop every"
                )
                continue
            if count > 1 and (every is None or every <= 0):
                self.problem(
                    f"{spot}: count {count} needs every: the interval between doses, {self.bare_time}"
                    if dose.get("every") is None  # absent, or 'every:' left empty
                    else f"{spot}.every: '{dose.get('every')}' must be a positive interval, {self.bare_time}, "
                    f"when count > 1{number_hint(dose.get('every'))}"
                )
                continue
            for k in range(count):
                at = time + k * (every or 0.0)
                out.append(
                    Dose(
                        at, str(dose["drug"]), amount_value, str(unit), str(route), str(drug["routes"][route])
                    )
                )
        return tuple(out)

    def has_body_for(self, dose_unit: str, written: str, spot: str) -> bool:
        """A per-kg unit needs the context's body weight; report it where there is none."""
        if units.DOSE_UNITS[dose_unit][2] and self.body_weight is None and not self.context_unknown:
            self.problem(f"{spot}: {needs_body(written)}")
            return False
        return True

    def infusion(self, raw: Any, time: float, where: str) -> list[Period]:
        if raw is None:
            return []
        if not isinstance(raw, Mapping):
            self.problem(f"{where} must be a mapping with drug, rate, unit, duration")
            return []
        for key in raw:
            if key not in _INFUSION_KEYS:
                self.problem(
                    f"{where}: unknown field '{key}'{did_you_mean(str(key), _INFUSION_KEYS)}; allowed: {', '.join(sorted(_INFUSION_KEYS))}"
                )
        drug = self.drug(raw, where)
        rate, unit, duration = (
            real_number(raw.get("rate")),
            _text(raw.get("unit")),
            real_number(raw.get("duration")),
        )
        ok = True
        if isinstance(raw.get("rate"), str):  # '1 ug/kg/h', as a dose's amount may carry its unit
            try:
                rate, written = quantity(raw["rate"], where=f"{where}.rate", example="1 ug/kg/h")
            except Il7Error as exc:  # said; the entry's other fields are still checked below
                self.problem(str(exc))
                rate, written, ok = None, None, False
            if written is not None and unit is not None and written != unit:
                self.problem(
                    f"{where}: rate '{raw['rate']}' and unit '{unit}' disagree; give the unit once, in rate or in unit"
                )
                ok = False
            unit = unit or written
        if ok and (rate is None or rate < 0):  # (not ok: the rate's text was refused above)
            self.problem(
                f"{where}.rate: {as_given(raw.get('rate'))} must be a finite number >= 0{number_hint(raw.get('rate'))}"
            )
            ok = False
        if unit is None or unit not in units.RATE_UNITS:
            self.problem(
                f"{where}.unit: '{raw.get('unit')}' is not an infusion rate unit; use one of {', '.join(units.RATE_UNITS)}"
            )
            ok = False
        elif not self.has_body_for(units.RATE_UNITS[unit][0], unit, f"{where}.unit"):
            ok = False
        elif rate is not None and (too_much := dose_amount_problem(rate, unit, self.body_weight)):
            self.problem(f"{where}.rate: {too_much}")
            ok = False
        if duration is None or duration <= 0:
            self.problem(
                f"{where}.duration: {as_given(raw.get('duration'))} must be a positive time, {self.bare_time}"
                f"{number_hint(raw.get('duration'))}"
            )
            ok = False
        if time == -math.inf:
            self.problem(f"{where}: an infusion cannot start at -inf; start it at time 0 or later")
            ok = False
        if self.routes and "iv" not in self.routes:
            self.problem(
                f"{where}: an infusion has no meaning in context {self.context}; add the drug to the medium with a dose"
            )
            ok = False
        if ok and drug is not None and "infusion" not in drug:
            infusible = [name for name, d in self.vocab["drugs"].items() if "infusion" in d]
            self.problem(
                f"{where}: {raw['drug']} cannot be infused (the model has an infusion only for "
                f"{', '.join(infusible)}); give it as a dose, e.g. route: iv"
            )
            ok = False
        if not ok or drug is None or rate is None or duration is None:
            return []
        param = drug["infusion"]
        for start, stop, other in self.infusions.get(param, []):
            if time < stop and start < time + duration:
                self.problem(
                    f"{where}: overlaps the {raw['drug']} infusion of {other} ({clock(start, self.time_unit)} to {clock(stop, self.time_unit)}); "
                    "one infusion of a drug runs at a time: give the combined rate as one infusion"
                )
                return []
        self.infusions.setdefault(param, []).append((time, time + duration, where))
        on = Period(time, doses=(Dose(time, str(raw["drug"]), rate, str(unit), "infusion", param),))
        off = Period(
            time + duration,
            doses=(Dose(time + duration, str(raw["drug"]), 0.0, str(unit), "infusion", param),),
        )
        return [on, off]

    def readouts(self, raw: Any) -> tuple[str, ...]:
        if raw is None:
            return tuple(o.id for o in build.observables())
        if not isinstance(raw, list) or not raw:
            unordered = " (a set has no order: give a list)" if isinstance(raw, (set, frozenset)) else ""
            self.problem(f"field 'readouts' must be a non-empty list of observable or species ids{unordered}")
            return ()
        for r in raw:
            if r is None:  # YAML's empty entry (null, ~, or '- ' with nothing), not a readout named 'None'
                self.problem("readouts: an entry is empty (YAML null); name a readout there or remove it")
                continue
            problem = unknown_readout(str(r))
            if problem:
                self.problem(f"readouts: '{r}' is {problem}")
        twice = sorted({str(r) for r in raw if raw.count(r) > 1})
        if twice:
            self.problem(f"readouts: {', '.join(twice)} listed more than once; list each readout once")
        return tuple(str(r) for r in raw)

    def output(self, raw: Any, periods: tuple[Period, ...]) -> tuple[float, ...]:
        start = min((p.time for p in periods if p.time > -math.inf), default=0.0)
        start = min(start, 0.0)
        if not isinstance(raw, Mapping):
            found = "is missing" if raw is None else f"is {reprlib.repr(raw)}, not a mapping"
            self.problem(
                f"field 'output' {found}; give output: {{t_end: T, n: N}} or output: {{times: [...]}}"
            )
            return (0.0, 1.0)
        for key in raw:
            if key not in _OUTPUT_KEYS:
                self.problem(
                    f"output: unknown field '{key}'{did_you_mean(str(key), _OUTPUT_KEYS)}; allowed: t_end and n, or times"
                )
                return (0.0, 1.0)
        if "times" in raw:
            times = raw["times"]
            if "t_end" in raw or "n" in raw:
                self.problem("output: give either times or t_end with n, not both")
                return (0.0, 1.0)
            if (
                not isinstance(times, list)
                or not 2 <= len(times) <= MAX_POINTS
                or not all(real_number(t) is not None for t in times)
            ):
                bad = (
                    next((t for t in times if real_number(t) is None), None)
                    if isinstance(times, list)
                    else None
                )
                self.problem(
                    f"output.times must be a list of 2 to {MAX_POINTS} finite times, each {self.bare_time}{number_hint(bad)}"
                )
                return (0.0, 1.0)
            for k in range(1, len(times)):
                if times[k] == times[k - 1]:
                    self.problem(f"output.times repeats {times[k]:g} at position {k}; list each time once")
                    return (0.0, 1.0)
                if times[k] < times[k - 1]:
                    self.problem(
                        f"output.times goes backwards at position {k} ({times[k - 1]:g} then {times[k]:g}); list times in increasing order"
                    )
                    return (0.0, 1.0)
            problem = span_problem(first_time(periods, float(times[0])), float(times[-1]), self.time_unit)
            if problem:
                self.problem(f"output.times: {problem}")
                return (0.0, 1.0)
            return tuple(float(t) for t in times)
        t_end, n = real_number(raw.get("t_end")), whole_number(raw.get("n", 101))
        if t_end is None:
            self.problem(
                f"output.t_end: {as_given(raw.get('t_end'))} must be a finite time{number_hint(raw.get('t_end'))}, "
                f"{self.bare_time}"
            )
            return (0.0, 1.0)
        if t_end <= start:
            self.problem(f"output.t_end {t_end:g} must be after the start ({start:g}); time runs forwards")
            return (0.0, 1.0)
        if n is None or not 2 <= n <= MAX_POINTS:
            self.problem(
                f"output.n: {as_given(raw.get('n'))} must be a whole number from 2 to {MAX_POINTS}{whole_number_hint(raw.get('n'))}"
            )
            return (0.0, 1.0)
        problem = span_problem(first_time(periods, start), t_end, self.time_unit)
        if problem:
            self.problem(f"output.t_end {t_end:g}: {problem}")
            return (0.0, 1.0)
        return tuple(start + (t_end - start) * i / (n - 1) for i in range(n))
