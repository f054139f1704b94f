"""Values as users write them: a number with its unit, in a scenario file or on the command line
(``--set``, ``--dose``, ``--vary``), read into the model's units and held to what the model can run.

Every reader here refuses what it cannot read with a message that says what and where
(``where``) and how to write it instead: a unit that does not fit, a comma or '_' in a number, a
clock-like ``1:30``, a negative or non-finite value.
"""

from __future__ import annotations

import math
import numbers
import re
import reprlib
from typing import Any

import numpy as np

from il7 import build, units
from il7.errors import Il7Error, did_you_mean

_QUANTITY = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan))\s*(\S.*?)?\s*$", re.IGNORECASE
)
_COMMA_NUMBER = re.compile(r"^\s*[-+]?\d+(?:,\d+)+")  # 5,000,000 or 5,5 or 0,250: which is meant?

# Numbers that YAML 1.1 (and Python's float) read otherwise than a reader would: clock-like
# base-60 values (1:30 -> 90) and digits grouped with '_' anywhere in the number (YAML 1.1 reads
# 1_000 and 1.0_0 as numbers, YAML 1.2 as text, Python's float() too; 1_0 is more likely a slip
# than 10). The scenario file's loader keeps both as text; the readers here refuse them.
CLOCK_NUMBER = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
# hexadecimal, octal and binary whole numbers (0x10, 0o10, 0b10): YAML 1.1 and Python read them as
# numbers, where a time or an amount written so is a slip; refused, with the reason
OTHER_BASE = re.compile(r"^[-+]?0[xXoObB]")
_UNDERSCORED_NUMBER = re.compile(
    r"^[-+]?(?=[0-9_.]*_)(?=[0-9_.]*[0-9])[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?$"
)


def grouped_digits_hint(text: str) -> str:
    """Advice for a number written with '_' between its digits (``1_0``), or ``""`` for others."""
    if not _UNDERSCORED_NUMBER.match(text.strip()):
        return ""
    return f" ('_' does not group digits here: write {text.strip().replace('_', '')} if that is meant)"


def quantity(text: Any, *, where: str, example: str = "10 ug/kg") -> tuple[float, str | None]:
    """Split ``"3e10 cells"`` into ``(3e10, "cells")``; a bare number gives unit ``None``.

    ``example`` is a value of the right kind for the error message (``"5e8 cells"``).
    """
    if text is None:  # 'age:' left empty, or '~'
        raise Il7Error(f"{where}: no value given; write e.g. '{example}'")
    if isinstance(text, bool):
        raise Il7Error(f"{where}: {text!r} is not a number; write e.g. '{example}'")
    if isinstance(text, numbers.Real):
        try:
            return float(text), None
        except OverflowError:
            raise Il7Error(
                f"{where}: {text} is too large to be a number here; give a realistic value"
            ) from None
    number_part = (str(text).split() or [""])[0]
    if (
        CLOCK_NUMBER.match(str(text).strip())
        or _UNDERSCORED_NUMBER.match(number_part)
        or OTHER_BASE.match(number_part)  # 0b1010 would read as 0 'b1010'
    ):
        raise Il7Error(f"{where}: '{text}' is not a number{number_hint(number_part)}")
    if _COMMA_NUMBER.match(str(text)):
        raise Il7Error(
            f"{where}: '{text}' has a comma in its number; write it without thousands separators and "
            f"with a decimal point, e.g. '{example}'"
        )
    match = _QUANTITY.match(str(text))
    if match is None:
        raise Il7Error(f"{where}: '{text}' is not a number with a unit; write e.g. '{example}'")
    try:
        value = float(match.group(1))
    except ValueError:
        raise Il7Error(f"{where}: '{text}' is not a number with a unit; write e.g. '{example}'") from None
    return value, match.group(2)


def dose_unit_problem(unit: str, route: str | None = None, *, has_body: bool = True) -> str | None:
    """What is wrong with giving a bolus in ``unit`` by ``route`` (``None``: nothing): the unit
    must be a dose unit, a per-kg amount needs a body weight (``has_body``), and a concentration
    only goes into a culture medium. ``route=None`` checks the unit alone."""
    if unit not in units.DOSE_UNITS:
        return f"'{unit}' is not a dose unit{_unit_hint(unit)}; use one of {', '.join(units.DOSE_UNITS)}"
    if route is None:
        return None
    kind, _, per_kg = units.DOSE_UNITS[unit]
    if per_kg and not has_body:
        return needs_body(unit)
    if kind.endswith("per_litre") and route != "medium":
        return f"a concentration ('{unit}') only makes sense for route 'medium'; give an amount (e.g. ug/kg) for route '{route}'"
    return None


_SCALED = {"ug/mL": ("ng/mL", 1e3), "mg/mL": ("ng/mL", 1e6), "uM": ("nM", 1e3), "mM": ("nM", 1e6)}
"""Concentrations a well's dose is often written in that il7 takes in a smaller unit."""


_MICRO = ("mcg", "microg", "\u00b5g", "\u03bcg")
"""Other spellings of the microgram: the clinic's mcg, and the micro sign and Greek mu."""


def _unit_hint(unit: str) -> str:
    """What to write instead of a dose unit il7 does not take: a per-animal amount is a plain
    amount; a concentration in a larger unit is the same number times a power of ten in a smaller
    one (suggesting the nearest spelling would have been off by that power: ug/mL -> pg/mL)."""
    for micro in _MICRO:
        if unit.lower().startswith(micro):
            # 'mcg/kg' was answered "did you mean 'mg/kg'?", a thousandfold slip
            ug = "ug" + unit[len(micro) :]
            if ug in units.DOSE_UNITS:
                return f" (il7 writes micrograms as ug: {ug})"
            return " (il7 writes micrograms as ug)" + _unit_hint(ug)
    head, _, per = unit.partition("/")
    if per.lower() in ("mouse", "animal", "patient", "dose", "head") and head in units.DOSE_UNITS:
        return f" (a dose in {head} is per animal already: write unit: {head})"
    if unit in _SCALED:
        smaller, factor = _SCALED[unit]
        return f" (write it in {smaller}: 1 {unit} is {factor:g} {smaller})"
    return did_you_mean(unit, units.DOSE_UNITS)


MAX_DOSE = {
    "mass": 10.0,
    "mass_per_kg": 0.1,
    "substance": 1e-3,
    "mass_per_litre": 1.0,
    "substance_per_litre": 1e-4,
}
"""Largest bolus (or infusion per hour) il7 takes, by kind of unit: 10 g, 100 mg/kg, 1 mmol,
1 mg/mL and 100 uM. Each lies far above any dose il7's scenarios and report give (at most 3 mg/kg
of antibody, 60 ug/kg of IL-7, 1 ug/mL in a well), so that only a slip is refused: an exponent or
a unit written wrong, which the solver would otherwise take at its word (1e20 mg/kg gave serum IL-7
of 1e26 pg/mL, exit 0)."""


def dose_amount_problem(amount: float, unit: str, body_weight_kg: float | None = None) -> str | None:
    """What is wrong with a dose of ``amount`` ``unit`` (a dose unit, or an infusion rate unit, read
    per hour), or ``None``: more than :data:`MAX_DOSE` allows; a mass given to a body of
    ``body_weight_kg`` is held to the per-kg limit too (5 mg is 200 mg/kg in a 25-g mouse)."""
    dose_unit, hours = units.RATE_UNITS.get(unit, (unit, 1.0))
    kind, factor, per_kg = units.DOSE_UNITS[dose_unit]
    limit = MAX_DOSE["mass_per_kg" if per_kg else kind] / factor * hours  # in ``unit``
    if kind == "mass" and not per_kg and body_weight_kg is not None:
        per_body = MAX_DOSE["mass_per_kg"] * body_weight_kg / factor * hours
        if per_body < limit and amount > per_body:
            return (
                f"{amount:.12g} {unit} is more than il7 takes in a body of {body_weight_kg:g} kg (at most "
                f"{per_body:.4g} {unit}, {MAX_DOSE['mass_per_kg'] * 1e3:g} mg/kg, far above any dose given); "
                "check the amount and its unit"
            )
    if amount <= limit:
        return None
    return (
        f"{amount:.12g} {unit} is more than il7 takes (at most {limit:g} {unit}, far above any dose given); "
        "check the amount and its unit"
    )


def needs_body(written: str) -> str:
    """Why a per-kg amount (``written``) cannot be given where there is no body weight."""
    if written in units.RATE_UNITS:  # an infusion's rate
        return f"'{written}' needs a body weight, which this context has not; give the rate in ug/h or ng/h"
    return f"'{written}' needs a body weight, which this context has not; give the amount in ug or ng, or into a well's medium as a concentration (ng/mL)"


def flag(value: Any, where: str) -> bool:
    """``value`` as a yes or no: True or False (numpy's too); anything else is refused, where
    any truthy value ('no' too) had read as True."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise Il7Error(f"{where} {reprlib.repr(value)}: give True or False")


def real_number(value: Any) -> float | None:
    """``value`` as a float if it is a finite real number (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def whole_number(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (not a bool), else ``None``."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None


def as_given(raw: Any) -> str:
    """A field's value as written, to open an error's 'must be' clause: quoted, or saying that the
    field is missing (absent, left empty, or ``~``), which Python would print as 'None'."""
    return "missing; it" if raw is None else f"'{raw}'"


def whole_number_hint(raw: Any) -> str:
    """Advice for a field that takes a whole number: one written with a decimal point or an
    exponent (``3.0``, ``1e1``) is told the whole number to write; others as :func:`number_hint`."""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return f" (a whole number is written without a decimal point or exponent: {int(raw)})"
    return number_hint(raw)


def number_hint(raw: Any) -> str:
    """Advice for a value YAML read as text although it looks like a number (``'2'`` in quotes)."""
    if isinstance(raw, str) and CLOCK_NUMBER.match(raw.strip()):
        return f" (a clock-like '{raw}' is not a number here, and YAML 1.1 would read 1:30 as 90: write a plain number, e.g. 1.5)"
    if isinstance(raw, str) and grouped_digits_hint(raw):
        return grouped_digits_hint(raw)
    if isinstance(raw, str) and OTHER_BASE.match(raw.strip()):
        return f" ('{raw}' is written in another base than 10: write it in decimal)"
    if isinstance(raw, str):
        try:
            number = float(raw)
        except ValueError:
            return ""
        if not math.isfinite(number):  # 'inf', 'nan': text to YAML, and not usable as numbers either
            return " (not a finite number)"
        return f" ('{raw}' is in quotes, which make it text: remove them)"  # unquoted, it is a number
    return ""


OVERRIDE_REACH = 1000.0
"""How far beyond its bounds (as a factor) a value set by a user (``--set``, a period's ``set:``)
may go. Users explore past the table's plausible ranges, but not into values no body has
(``age: 1e300 years``, ``tissue: 1e-300 uL``), where the steady-state search can run for hours
instead of failing."""


def plausible_range(p: build.Parameter, own: float | None) -> tuple[float, float, str] | None:
    """The table's bounds of ``p`` in model units, with a phrase saying how they were carried:
    where the context's own value ``own`` (model units) lies outside them (a mouse, a well), they
    are carried to it in proportion to the table's value (a mouse's blood volume is held near its
    own 1.8 mL, not the human's 4-6 L), or, where the table's value is 0, widened to it. ``None``
    for a parameter without bounds."""
    if p.lower is None or p.upper is None:
        return None
    factor = units.label(p.unit, where=f"parameter {p.id}").factor
    low, high = p.lower * factor, p.upper * factor
    unit = units.suffix(p.unit)
    context = ""
    if own is not None and not low <= own <= high:
        if p.value and own / p.value > 0:
            scale = own / (p.value * factor)
            low, high = sorted((low * scale, high * scale))
            context = f", carried to this context's own {own / factor:.3g}{unit}: {low / factor:.3g} to {high / factor:.3g}{unit}"
        else:
            low, high = min(low, own), max(high, own)
            context = f", or this context's own {own / factor:g}{unit}"
    return low, high, context


def zero_is_not_off(pid: str) -> str | None:
    """What 0 would mean for parameter ``pid`` where it is not an off switch: an age (a newborn,
    outside the adult model) or a dissociation constant ``Kd_*`` (binding infinitely tight);
    ``None`` where 0 switches a process off (a rate, a source, an amount) and needs no bounds."""
    if pid in ("age", "age_ref"):
        return "a newborn, and the model is an adult's"
    if pid.startswith("Kd_"):
        return "binding infinitely tight"
    return None


UNCHECKED = "; il7 runs it, but no check covers the model there"
"""How a note on a value outside its bounds ends (:func:`within_reach`): what comes before it
names the value and the bounds, which :func:`il7.simulate` gives as a failed run's likely cause."""


def within_reach(p: build.Parameter, value: float, own: float | None, *, where: str) -> str | None:
    """Refuse ``value`` (model units) for ``p`` if it lies more than :data:`OVERRIDE_REACH` times
    beyond its :func:`plausible_range` in the context whose own value is ``own``; 0, where it
    switches a process off, is always allowed, and refused where it does not (:func:`zero_is_not_off`).

    Returns
    -------
    str or None
        A note when the value lies outside the range but within reach, which il7 runs (to
        explore) but no check covers (``age = 2000 years`` ran as quietly as 60); else ``None``.
    """
    reach = plausible_range(p, own)
    factor = units.label(p.unit, where=f"parameter {p.id}").factor
    unit = units.suffix(p.unit)
    meaning = zero_is_not_off(p.id)
    if value == 0 and meaning:
        # the range in this context (a mouse's age is held near its own 0.2 years, not 18 to 105)
        bounds = f"{reach[0] / factor:.3g} to {reach[1] / factor:.3g}{unit}" if reach else "a positive value"
        raise Il7Error(f"{where}: 0 is not an off switch for {p.id} but {meaning}; give a value in {bounds}")
    if reach is None or value == 0:  # 0 switches a process off: always allowed
        return None
    low, high, context = reach
    # at a bound within the rounding of a unit's conversion is inside (0.09 1/min read as outside 0.09)
    if low <= value <= high or any(math.isclose(value, bound, rel_tol=1e-9) for bound in (low, high)):
        return None
    far_low = low * OVERRIDE_REACH if low < 0 else low / OVERRIDE_REACH  # away from the range, either sign
    far_high = high / OVERRIDE_REACH if high < 0 else high * OVERRIDE_REACH
    if not far_low <= value <= far_high:
        raise Il7Error(
            f"{where}: {value / factor:g}{unit} is more than {OVERRIDE_REACH:g} times beyond the bounds of "
            f"{p.id} ({p.lower:g} to {p.upper:g}{unit}{context}); the model is not meant to run there: "
            f"give a value from {far_low / factor:.3g} to {far_high / factor:.3g}{unit}"
        )
    return f"{p.id} = {value / factor:g}{unit} lies outside its bounds ({p.lower:g} to {p.upper:g}{unit}{context}){UNCHECKED}"


def parameter_value(
    p: build.Parameter, raw: Any, *, where: str, body_weight_kg: float | None = None
) -> float:
    """Turn a value written for parameter ``p`` (``1e11``, ``"200 uL"``) into model units.

    A bare number is taken in the parameter's table unit. NaN and infinite values are refused,
    and so are negative ones unless the table's lower bound is negative (an observable offset).
    A per-kg value (``"5e6 cells/kg"``, a graft's dose) is multiplied by ``body_weight_kg``
    (kg), the scenario context's; it is refused where there is none (a culture well).
    """
    example = f"{p.value:g} {p.unit}" if p.value is not None and p.unit != "1" else "1"
    value, given = quantity(raw, where=where, example=example)
    unit = given or p.unit
    if not math.isfinite(value):
        said = raw if isinstance(raw, str) else value  # '1e400' as written, not the inf it reads as
        raise Il7Error(f"{where}: {said} is not a finite number; give a finite value in {p.unit}")
    if value < 0 and not (p.lower is not None and p.lower < 0):
        sign = "> 0" if zero_is_not_off(p.id) or p.id in build.divisors() else ">= 0"  # 0 refused too
        raise Il7Error(
            f"{where}: {value:g} is negative; {p.id} must be {sign}"
            + (f" ({p.unit})" if p.unit != "1" else "")
        )
    if value == 0 and p.id in build.divisors():
        raise Il7Error(
            f"{where}: {p.id} divides in the model (its formulas or its doses) and cannot be 0; give a small positive value"
        )
    expected = units.LABELS[p.unit].model_unit
    # cells and molecules are both items to the model: a count of one is not written in the
    # other, nor molecules per cell as cells per molecule
    fits = [
        u.label for u in units.LABELS.values() if u.model_unit == expected and _items_agree(u.label, p.unit)
    ]
    # listed: those that count what the table's unit counts (d_leuk, per day, is not offered
    # molecules/cell/h, though a unit that counts nothing fits any)
    listed = [u for u in fits if _items(u) == _items(p.unit)] or fits
    if unit not in units.LABELS:
        raise Il7Error(
            f"{where}: unknown unit '{unit}'{did_you_mean(unit, listed)}; {p.id} takes {', '.join(listed)}"
        )
    label = units.LABELS[unit]
    if label.model_unit != expected or unit not in fits:
        hint = ""
        if label.model_unit == "hour" and expected == "per_hour":  # a half-life for a rate
            per_day = math.log(2) / (value * label.factor / 24.0) if value > 0 else math.nan
            hint = f" (a rate, not a time: a half-life of {value:g} {unit} is a rate of ln 2 / ({value:g} {unit}) = {per_day:.3g} 1/day)"
        raise Il7Error(f"{where}: unit '{unit}' does not fit {p.id}{hint}; use {', '.join(listed)}")
    if p.unit == "fraction" and value * label.factor > 1:
        raise Il7Error(
            f"{where}: {p.id} is a fraction; give a value from 0 to 1 (or 0 to 100 %), not {value:g}{units.suffix(given or '1')}"
        )
    if label.per_kg and body_weight_kg is None:
        raise Il7Error(
            f"{where}: '{unit}' is per kg of body weight, and this context has none; give {p.id} in {p.unit}"
        )
    converted = (
        value * label.factor * (body_weight_kg if label.per_kg and body_weight_kg is not None else 1.0)
    )
    if not math.isfinite(converted):  # age 1e308 years is inf hours: it was said as 'inf years'
        raise Il7Error(
            f"{where}: {value:g}{units.suffix(unit)} is too large to be a number here; give a realistic value"
        )
    return converted


def _items(label: str) -> tuple[str, frozenset[str]]:
    """The counted things (cell, molecule) above and below the line of a unit label."""

    def noun(part: str) -> str:
        return part.rstrip("s") if part.rstrip("s") in ("cell", "molecule") else ""

    top, *below = label.split("/")
    return noun(top), frozenset(filter(None, (noun(b) for b in below)))


def _items_agree(given: str, table: str) -> bool:
    """``given`` counts what ``table`` counts (a unit that counts nothing, ``1``, ``1/h``, fits any)."""
    a, b = _items(given), _items(table)
    return a == b or not (a[0] or a[1]) or not (b[0] or b[1])
