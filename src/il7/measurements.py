"""Measurements a user brings: a CSV or TSV file of a scenario's readouts over time.

:func:`read_measurements` reads one, checking each row against il7's readouts and their units
(see ``il7 readouts``); :func:`il7.petab_export.write_scenario` turns them into a PEtab problem.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from il7 import build, units
from il7.errors import Il7Error, warn
from il7.scenario import TIME_UNITS, Scenario, clock, same_time, unknown_readout, vocabulary
from il7.simulate import readout_unit, start_time

MAX_LISTED = 10
"""Most faulty rows one message lists (it counts the rest)."""
MAX_BYTES = 100_000_000
"""Largest measurement file read: far above any study's table, far below what fills memory."""
_COLUMNS = ("readout", "time", "measurement", "sigma", "unit", "dose")  # of a measurement file
_EXPECTED = "readout, time [UNIT], measurement and optionally sigma, unit and dose"  # the columns, as messages say them
_TIME_COLUMN = re.compile(r"time\s*\[\s*([^\]]*?)\s*\]")
"""The time column's header, with its unit: ``time [day]``, as il7 simulate --out writes it."""
_TIME_SAID = {
    **dict.fromkeys(("d", "days"), "day"),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), "h"),
    **dict.fromkeys(("minute", "minutes", "mins"), "min"),
    **dict.fromkeys(("w", "wk", "weeks"), "week"),
}
"""Time units as people write them in a header, and the one il7 means (:data:`TIME_UNITS`)."""
_MEASUREMENT_COLUMN = re.compile(r"measurement\s*\[\s*([^\]]*?)\s*\]")
"""The measurement column's header with a unit every row's readout must have: ``measurement [pg/mL]``."""
_AMOUNTS = frozenset(
    {"cells", "cell-equivalents", "molecules", "cells/uL", "pg/mL", "ng/mL", "molecules/cell"}
)
"""Readout units that cannot be negative (rates and fluorescence after an offset can)."""
_CONVERTED = {
    # (the unit a file says, il7's unit of the readout): factor from the first to the second
    ("ng/mL", "pg/mL"): 1e3,
    ("ug/mL", "pg/mL"): 1e6,
    ("ng/L", "pg/mL"): 1.0,
    ("pg/mL", "ng/mL"): 1e-3,
    ("ug/mL", "ng/mL"): 1e3,
    ("ug/L", "ng/mL"): 1.0,
    ("mg/L", "ng/mL"): 1e3,
    ("cells/mm3", "cells/uL"): 1.0,
    ("cells/\u00b5L", "cells/uL"): 1.0,
    ("cells/\u03bcL", "cells/uL"): 1.0,
    ("1e9/L", "cells/uL"): 1e3,
    ("1e6/L", "cells/uL"): 1.0,
    ("%", "1"): 1e-2,
    ("1/day", "1/h"): 1.0 / 24.0,
}
"""Units a measurement may be given in besides its readout's own (il7 readouts), and the factor
that takes a value (and its sigma) from one to the other; any other mismatch is refused."""


@dataclass(frozen=True)
class Measurement:
    """One measured value of a scenario's readout, as read from a data file."""

    readout: str
    time: float  # in time_unit
    value: float  # in the readout's unit (il7 readouts)
    sigma: float | None  # standard deviation of the noise, same unit; None: estimate it
    where: str = ""  # the file and line it was read from ('' when given in Python), for messages
    time_unit: str | None = None  # min, h, day or week (a file's header says it); None: the scenario's
    # the arm: each bolus's amount, as --dose takes it ('30 ug/kg'); None: the scenario's
    dose: str | None = None

    @property
    def at(self) -> str:
        """Where it was read, to begin a message (``"data.csv:3: "``); empty when given in Python."""
        return f"{self.where}: " if self.where else ""

    def time_in(self, unit: str) -> float:
        """The time in a scenario's time ``unit`` (one of :data:`il7.scenario.TIME_UNITS`)."""
        if self.time_unit is None:
            return self.time
        return self.time * TIME_UNITS[self.time_unit] / TIME_UNITS[unit]


def read_measurements(path: str | Path) -> list[Measurement]:
    """Read a measurement file: CSV or TSV with columns ``readout``, ``time [UNIT]`` (``min``,
    ``h``, ``day`` or ``week``, as ``il7 simulate --out`` writes it; ``days``, ``hours`` and the
    like are read as those), ``measurement`` and optionally
    ``sigma``; values in the readout's unit. An optional ``dose`` column names the dose arm a row
    was measured in, every bolus of the scenario at that amount, as ``il7 simulate --dose`` takes
    it (``30 ug/kg``; a bare number is in the unit of the scenario's doses). A time column without its unit is refused: hours read
    as days put every measurement 24 times too late. The measurements' unit may be said, per row in
    a ``unit`` column or for all in the header (``measurement [pg/mL]``), and each must then be its
    readout's (``il7 readouts``) or one il7 converts to it (:data:`_CONVERTED`: ng/mL for pg/mL,
    cells/mm3 or 1e9/L for cells/uL, % for a fraction): IL-7 in ng/mL read as pg/mL was 1,000 times
    too low.

    Raises
    ------
    Il7Error
        The file is missing or unreadable, a column is missing, a readout is unknown, or a value
        is not a finite number (a sigma not positive), naming the file and line.
    """
    path = Path(path).expanduser()  # ~: the home folder, as a shell reads it
    delimiter = {".csv": ",", ".tsv": "\t", ".txt": "\t"}.get(path.suffix.lower())
    if delimiter is None:
        raise Il7Error(f"{path}: give the measurements as .csv or .tsv (columns {_EXPECTED})")
    if path.exists() and not path.is_dir() and not path.is_file():  # /dev/zero would be read forever
        raise Il7Error(f"{path}: not a regular file (a device or a pipe?); give a .csv or .tsv file")
    if path.is_file() and path.stat().st_size > MAX_BYTES:
        raise Il7Error(
            f"{path}: {path.stat().st_size / 1e6:.0f} MB, more than the {MAX_BYTES / 1e6:.0f} MB a file of "
            "measurements needs; give the measured values only"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a byte-order mark, as Excel writes, is dropped
    except UnicodeDecodeError:
        raise Il7Error(f"{path}: not UTF-8 text; save the measurements as a UTF-8 .csv or .tsv") from None
    except OSError as exc:
        raise Il7Error(f"cannot read '{path}': {exc.strerror}; check the path") from None
    return _measurements(text, delimiter, str(path), path.suffix)


def in_scenario(given: list[Measurement], scenario: Scenario, *, at_dose: str = "after") -> list[Measurement]:
    """``given`` with each time in the scenario's time unit (a file says its own: ``time [h]``),
    checked against the scenario's run; a time that a unit's conversion left a hair off the run's
    start or end, or off a dose's time, is moved onto it. ``at_dose`` says how a measurement at a
    dose's time is read: ``"after"`` the dose, which is warned of (:class:`~il7.errors.Il7Warning`),
    or ``"before"`` it, a trough, as a sample taken at a dose's time is (:func:`il7.compare`).

    Raises
    ------
    Il7Error
        A measurement before the scenario starts (its first change or output time) or after its
        last output time, to which il7 runs it.
    """
    start = start_time(scenario)
    fixed = [start, scenario.t_end, *(d.time for d in scenario.boluses)]

    def snapped(t: float) -> float:
        return next((f for f in fixed if same_time(t, f)), t)

    measurements = [
        dataclasses.replace(m, time=snapped(m.time_in(scenario.time_unit)), time_unit=None) for m in given
    ]
    for m, written in zip(measurements, given, strict=True):
        if m.time < start:
            as_given = (  # the time as the file wrote it, and in the scenario's unit
                f"{written.time:g} {written.time_unit} ({clock(m.time, scenario.time_unit)})"
                if written.time_unit not in (None, scenario.time_unit)
                else clock(m.time, scenario.time_unit)
            )
            raise Il7Error(
                f"{m.at}a measurement of {m.readout} at {as_given} comes before the scenario "
                f"starts ({clock(start, scenario.time_unit)}, its first change or output time); give times from "
                "there on, or one before a dose in a copy of the scenario whose output starts earlier"
            )
        if m.time > scenario.t_end:
            raise Il7Error(
                f"{m.at}a measurement of {m.readout} at {clock(m.time, scenario.time_unit)} comes after the scenario's "
                f"last output time ({clock(scenario.t_end, scenario.time_unit)}), to which il7 runs it; extend its output: "
                "--t-end, scenario.with_output(t_end=...) in Python, or output: {t_end: ...} in a copy of the scenario file"
            )
    on_a_dose = [m for m in measurements if any(same_time(m.time, d.time) for d in scenario.boluses)]
    if on_a_dose and at_dose == "after":
        first = on_a_dose[0]
        warn(
            f"{first.at}{len(on_a_dose)} measurement(s) fall on a dose's time "
            f"(the first: {first.readout} at {clock(first.time, scenario.time_unit)}), and each is compared with "
            "the level just after that dose, as il7 reads an output at a dose's time; for a baseline before "
            "the dose, give it an earlier time, in a copy of the scenario whose output starts earlier "
            "(output: {times: [-0.01, ...]})"
        )
    return measurements


def bolus_molecules(arm: Scenario) -> float:
    """Molecules in each bolus of a dose arm (:meth:`~il7.scenario.Scenario.with_dose` gives every
    bolus the same amount), at the arm's body weight; a concentration's per litre of medium."""
    d = arm.boluses[0]
    mw_id = vocabulary()["drugs"][d.drug]["molecular_weight"]
    mw = float(build.parameters_by_id()[mw_id].value or 0.0) * 1e3  # kDa to g/mol
    return units.molecules(d.amount, d.unit, mw=mw, volume=1.0, body_weight_kg=arm.body_weight_kg)


def dose_arms(
    scenario: Scenario, measurements: list[Measurement]
) -> tuple[dict[str, Scenario], list[Measurement]]:
    """The dose arms the measurements name (their ``dose``), in the data's order, each as
    ``scenario`` at that dose (:meth:`~il7.scenario.Scenario.with_dose`), keyed by its bolus
    with its unit ('30 ug/kg'); empty when none names one. Doses written differently that give the
    same amount ('30 ug/kg', '30ug/kg', '0.03 mg/kg', '30' where the doses are in ug/kg) are one
    arm, named by the first one's amount and unit, and the measurements come back with each dose
    written as its arm's key. A concentration and an amount are never one arm ('1 ng/mL' and
    '1 ug' are the same molecules per litre and per bolus).

    Raises
    ------
    Il7Error
        A row without a dose among rows with one, or a dose the scenario cannot take (naming the
        file and line).
    """
    if all(m.dose is None for m in measurements):
        return {}, measurements
    lacking = next((m for m in measurements if m.dose is None), None)
    if lacking is not None:
        raise Il7Error(
            f"{lacking.at}no dose, where other measurements name their arm's; give every row its "
            "arm's dose (the scenario's own too), or none"
        )
    arms: dict[str, Scenario] = {}
    first: dict[tuple[bool, str], str] = {}  # each (concentration?, molecules to 12 digits): its arm
    written: dict[str, str] = {}  # each dose as written: its arm's key
    for m in measurements:
        if m.dose is not None and m.dose not in written:
            arm = scenario.with_dose(m.dose, where=f"{m.at}dose '{m.dose}'")
            level = f"{arm.boluses[0].amount:.12g} {arm.boluses[0].unit}"
            key = first.setdefault(
                (units.is_concentration(arm.boluses[0].unit), f"{bolus_molecules(arm):.12g}"), level
            )
            written[m.dose] = key
            arms.setdefault(key, arm)
    return arms, [dataclasses.replace(m, dose=written[m.dose]) if m.dose else m for m in measurements]


def given_measurements(data: object, time_unit: str) -> list[Measurement]:
    """The measurements in ``data``: a measurement file's path (:func:`read_measurements`), a
    pandas DataFrame with its columns (:func:`measurements_from_frame`), or :class:`Measurement`
    objects, which are checked as a file's rows are (a time without a unit is in ``time_unit``).

    Raises
    ------
    Il7Error
        Anything else, or a measurement a file could not hold (a negative count, a sigma <= 0).
    """
    if isinstance(data, (str, Path)):
        return read_measurements(data)
    if isinstance(data, pd.DataFrame):  # a notebook's table, checked as a file is
        return measurements_from_frame(data)
    items = None
    if not isinstance(data, (Mapping, bytes)):
        try:
            items = list(data)  # type: ignore[call-overload]
        except TypeError:  # not iterable
            items = None
    if items is None or not all(isinstance(m, Measurement) for m in items):
        raise Il7Error(
            f"data: a {type(data).__name__}; give a .csv or .tsv file, a pandas DataFrame with its columns "
            f"({_EXPECTED}) or il7.measurements.Measurement objects"
        )
    if not items:
        raise Il7Error("data: no measurements; give at least one of readout, time [UNIT], measurement")
    frame = pd.DataFrame(
        {
            "readout": [m.readout for m in items],
            f"time [{time_unit}]": [m.time_in(time_unit) for m in items],
            "measurement": [m.value for m in items],
            **({"sigma": [m.sigma for m in items]} if any(m.sigma is not None for m in items) else {}),
            **({"dose": [m.dose or "" for m in items]} if any(m.dose for m in items) else {}),
        }
    )
    return _measurements(frame.to_csv(index=False), ",", "Measurement", ".csv", frame=True)


def measurements_from_frame(frame: pd.DataFrame) -> list[Measurement]:
    """The measurements in a pandas DataFrame with a measurement file's columns (``readout``,
    ``time [UNIT]``, ``measurement``, optionally ``sigma``, ``unit`` and ``dose``), checked as a file's are; a problem
    names the row by its position, ``DataFrame row 0`` for the first."""
    return _measurements(frame.to_csv(index=False), ",", "DataFrame", ".csv", frame=True)


def _measurements(
    text: str, delimiter: str, path: str, suffix: str, *, frame: bool = False
) -> list[Measurement]:
    """The measurements of a file's ``text`` (``path`` and ``suffix`` name it in messages; a
    ``frame``'s rows are named by position, not by line)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    # blank lines above the header too, and comment lines ('# ...', as il7 population --out writes)
    rows = (row for row in reader if any(c.strip() for c in row) and not _comment(row))
    header = [c.strip() for c in next(rows, [])]
    time_unit = value_unit = None
    columns = []
    for c in header:  # 'time [day]' is the time column, read in days
        said = _MEASUREMENT_COLUMN.fullmatch(c)
        if said is not None:  # 'measurement [pg/mL]': every row's readout must be in pg/mL
            if not said.group(1):
                raise Il7Error(
                    f"{path}: '{c}' names no unit; write measurement [UNIT], e.g. measurement [pg/mL], or measurement"
                )
            value_unit = said.group(1)
            columns.append("measurement")
            continue
        unit = _TIME_COLUMN.fullmatch(c)
        if unit is not None:
            time_unit = _TIME_SAID.get(unit.group(1), unit.group(1))
            if time_unit not in TIME_UNITS:
                raise Il7Error(
                    f"{path}: the time column's unit '{unit.group(1)}' is unknown; write time [min], time [h], "
                    "time [day] or time [week]"
                )
        columns.append("time" if unit is not None else c)
    if "time" in header:
        raise Il7Error(
            f"{path}: the time column must say its unit, as il7 simulate --out writes it: time [h], time [day], "
            "time [min] or time [week] (each time is moved into the scenario's own time unit)"
        )
    twice = sorted({c for c in columns if columns.count(c) > 1})
    unknown = [c for c in columns if c not in _COLUMNS]
    missing = [c for c in _COLUMNS[:3] if c not in columns]
    if twice or unknown or missing:
        found = ", ".join(header) or "nothing"
        other, written, read, right = (
            ("\t", "tabs", "commas", ".tsv") if delimiter == "," else (",", "commas", "tabs", ".csv")
        )
        if len(columns) == 1 and other in columns[0]:
            raise Il7Error(
                f"{path}: its columns are separated by {written}, but a file named {suffix} is read as "
                f"separated by {read}; name it {right}"
            )
        if len(columns) == 1 and ";" in columns[0]:
            raise Il7Error(
                f"{path}: its columns are separated by semicolons; il7 reads commas (.csv) or tabs (.tsv): "
                "save it so"
            )

        def lowered(column: str) -> str:  # 'Time [day]' is the time column in capitals
            if _TIME_COLUMN.fullmatch(column.lower()):
                return "time"
            return "measurement" if _MEASUREMENT_COLUMN.fullmatch(column.lower()) else column.lower()

        strangers = [c for c in unknown if c and lowered(c) not in _COLUMNS]
        why = ""
        if twice:
            why = f" ({', '.join(twice)} twice)"
        elif "" in columns:
            why = " (a column without a name: a trailing separator?)"
        elif strangers:
            why = (
                f" (unknown: {', '.join(strangers)}; a standard deviation goes in sigma, a unit in unit, a dose arm's "
                "amount in dose, anything else in another file)"
            )
        elif unknown and not [c for c in missing if c not in (lowered(x) for x in columns)]:
            why = " (write the names in lower case)"
        raise Il7Error(f"{path}: the header must name {_EXPECTED}, and found {found}{why}")
    fractions = _fractions()
    out, problems = [], []
    for cells in reader:
        if not any(c.strip() for c in cells) or _comment(cells):
            continue  # a blank or comment line
        try:  # every row is read, so that one message lists every faulty row
            where = f"{path} row {reader.line_num - 2}" if frame else f"{path}:{reader.line_num}"
            out.append(_row(cells, columns, where, fractions, time_unit, value_unit))
        except Il7Error as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise Il7Error(problems[0])
    if problems:
        shown = "; ".join(f"({i}) {p}" for i, p in enumerate(problems[:MAX_LISTED], 1))
        more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise Il7Error(f"{path}: {len(problems)} rows with problems: {shown}{more}")
    if not out:
        raise Il7Error(f"{path}: no measurements below the header; give one row per measured value")
    return out


def _comment(cells: list[str]) -> bool:
    """Whether a file's row is a comment: its first cell begins with '#'."""
    return bool(cells) and cells[0].lstrip().startswith("#")


def _row(
    cells: list[str],
    columns: list[str],
    where: str,
    fractions: frozenset[str],
    time_unit: str | None,
    value_unit: str | None = None,
) -> Measurement:
    """One row of a measurement file, checked (``where``: file and line, for messages);
    ``value_unit``, the unit the header gives the measurements, if it does."""
    if len(cells) != len(columns):
        raise Il7Error(
            f"{where}: {len(cells)} cells where the header names {len(columns)} columns ({_EXPECTED})"
        )
    row = dict(zip(columns, (c.strip() for c in cells), strict=True))
    readout = row["readout"]
    problem = unknown_readout(readout, single="a row holds one readout: give each its own row")
    if problem:
        raise Il7Error(f"{where}: readout '{readout}' is {problem}")
    own, said = readout_unit(readout), row.get("unit") or value_unit
    if row.get("unit") and value_unit and row["unit"] != value_unit:
        raise Il7Error(
            f"{where}: the row's unit {row['unit']} is not the header's, measurement [{value_unit}]; give one of them"
        )
    factor = 1.0 if not said or said == own else _CONVERTED.get((said, own))
    if factor is None and said is not None and said.lower() == own.lower():
        raise Il7Error(f"{where}: unit '{said}': write it as il7 does, {own}")
    if factor is None:
        others = sorted(given for given, to in _CONVERTED if to == own and given.isascii())
        also = f", or one il7 converts: {', '.join(others)}" if others else ""
        raise Il7Error(
            f"{where}: the measurement of {readout} is in {said}, but il7 reads {readout} in "
            f"{own} (il7 readouts); give it in {own}{also}"
        )
    time = _number(row["time"], f"{where}: time")
    value = _number(row["measurement"], f"{where}: measurement") * factor
    if value < 0 and readout_unit(readout) in _AMOUNTS:
        raise Il7Error(
            f"{where}: measurement {value:g} of {readout} is negative, and a count or concentration "
            f"({readout_unit(readout)}) cannot be; check the value"
        )
    if readout in fractions and not 0.0 <= value <= 1.0:
        hint = f" (a percentage? write {value / 100:g})" if 2.0 <= value <= 100.0 else ""  # not 1.02
        raise Il7Error(
            f"{where}: measurement {value:g} of {readout}, a fraction, is not between 0 and 1{hint}; "
            "check the value"
        )
    sigma = None
    if row.get("sigma"):
        sigma = _number(row["sigma"], f"{where}: sigma") * factor
        if sigma <= 0:
            raise Il7Error(f"{where}: sigma {sigma:g} must be positive (the noise's standard deviation)")
    return Measurement(readout, time, value, sigma, where, time_unit, row.get("dose") or None)


def _fractions() -> frozenset[str]:
    """Readouts that are fractions, 0 to 1: their meaning in ``observables.tsv`` says so (a
    fraction, an occupancy, or '(0 to 1)')."""
    return frozenset(
        o.id
        for o in build.observables()
        if o.description.startswith("fraction ")
        or "occupancy" in o.description
        or "(0 to 1)" in o.description
    )


def _number(text: str, where: str) -> float:
    value = build.parse_number(text, where=where)
    if value is None:
        raise Il7Error(f"{where}: empty; give a number (leave out rows without a value)")
    return value
