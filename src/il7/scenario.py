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

plus, at the top level, ``name``, ``description``, ``sources``, ``context`` (``human_body`` or
``culture_well``), ``time_unit``, ``readouts`` and ``output`` (``t_end`` with ``n`` points, or
explicit ``times``). :func:`load` checks everything and reports every problem at once.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import os
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from il7 import build, units
from il7.errors import Il7Error, ScenarioError, did_you_mean

TIME_UNITS = {"min": 1.0 / 60.0, "h": 1.0, "day": 24.0, "week": 168.0}
"""Scenario time units and their length in hours."""

_TOP_KEYS = {"name", "description", "sources", "context", "time_unit", "periods", "readouts", "output"}
_PERIOD_KEYS = {"time", "set", "knockout", "dose", "infusion"}
_DOSE_KEYS = {"drug", "amount", "unit", "route", "every", "count"}
_INFUSION_KEYS = {"drug", "rate", "unit", "duration"}
_OUTPUT_KEYS = {"t_end", "n", "times"}
MAX_DOSES = 10_000
"""Most boluses one dose entry may expand to (``count``)."""
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


def _first_time(periods: tuple[Period, ...], first_output: float) -> float:
    """Where a run starts: its first finite period, or its first output time if that is earlier."""
    return min([p.time for p in periods if p.time > -math.inf] + [first_output])


_QUANTITY = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan))\s*(\S.*?)?\s*$", re.IGNORECASE
)
_COMMA_NUMBER = re.compile(r"^\s*[-+]?\d+(?:,\d+)+")  # 5,000,000 or 5,5 or 0,250: which is meant?

# YAML 1.1 numbers that a reader would not take for what PyYAML makes of them: clock-like base-60
# values (1:30 -> 90) and whole numbers with a leading zero (010 -> 8, octal; 08 -> text)
_CLOCK = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")
_DECIMAL_TAG = "tag:il7,2026:decimal"
# and digits grouped with '_' anywhere in the number (YAML 1.1 reads 1_000 and 1.0_0 as numbers,
# YAML 1.2 as text, Python's float() too; 1_0 is more likely a slip than 10)
_UNDERSCORED = re.compile(r"^[-+]?(?=[0-9_.]*_)(?=[0-9_.]*[0-9])[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?$")


def grouped_digits_hint(text: str) -> str:
    """Advice for a number written with '_' between its digits (``1_0``), or ``""`` for others."""
    if not _UNDERSCORED.match(text.strip()):
        return ""
    return f" ('_' does not group digits here: write {text.strip().replace('_', '')} if that is meant)"


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
    """A validated scenario. Frozen: simulating it never changes it."""

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

    @property
    def preequilibration(self) -> Period | None:
        """The period at ``-inf`` (steady state first), if any."""
        first = self.periods[0] if self.periods else None
        return first if first is not None and first.time == -math.inf else None

    @property
    def set_after_start(self) -> frozenset[str]:
        """Ids the scenario sets in a period after its steady state (an override cannot change these)."""
        return frozenset(
            key for period in self.periods if period is not self.preequilibration for key, _ in period.set
        )

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
        later = [f"{p.time:g}" for p in self.periods if p.time > end and p.set]
        if later:
            out.append(f"the settings at {', '.join(later)} {unit}")
        boluses = sorted(d.time for p in self.periods for d in p.doses if d.route != "infusion")
        late = [t for t in boluses if t > end]
        if len(boluses) == 1 and late:
            out.append(f"the dose at {late[0]:g} {unit}")
        elif late:
            counted = "all" if len(late) == len(boluses) else str(len(late))
            out.append(f"{counted} of the scenario's {len(boluses)} doses (from {late[0]:g} {unit})")
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
                    out.append(f"{part} {on.drug} infusion from {on.time:g} to {off.time:g} {unit}")
        return tuple(out)

    def with_output(self, *, t_end: float | None = None) -> Scenario:
        """A copy whose output grid ends at ``t_end`` (same number of points)."""
        if t_end is None:
            return self
        where = f"scenario '{self.name}' ({self.file})"
        start = self.times[0]
        if isinstance(t_end, bool) or not isinstance(t_end, numbers.Real):
            raise Il7Error(f"{where}: t_end {t_end!r} is not a number; give a time in {self.time_unit}")
        if not math.isfinite(t_end) or t_end <= start:
            raise Il7Error(
                f"{where}: --t-end {t_end:g} must be a finite time after {start:g} {self.time_unit}"
            )
        problem = span_problem(_first_time(self.periods, start), t_end, self.time_unit)
        if problem:
            raise Il7Error(f"{where}: --t-end {t_end:g}: {problem}")
        n = len(self.times)
        times = tuple(start + (t_end - start) * i / (n - 1) for i in range(n))
        return dataclasses.replace(self, times=times)

    def with_dose(self, amount: float, unit: str | None = None, *, where: str | None = None) -> Scenario:
        """The scenario at another dose level: every bolus dose at ``amount``, on the same
        schedule and route (Sportes 2008's 30 ug/kg arm instead of its 10). Infusions keep their
        rates.

        Parameters
        ----------
        amount
            The amount of each bolus (>= 0), in ``unit``.
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
        """
        where = where or f"with_dose({reprlib.repr(amount)}, {reprlib.repr(unit)})"
        boluses = [d for p in self.periods for d in p.doses if d.route != "infusion"]
        if not boluses:
            raise Il7Error(
                f"{where}: scenario '{self.name}' gives no bolus dose to change (an infusion keeps its "
                "rate); choose a scenario with doses, or write the dose in your own scenario file"
            )
        drugs = sorted({d.drug for d in boluses})
        if len(drugs) > 1:
            raise Il7Error(
                f"{where}: scenario '{self.name}' doses {' and '.join(drugs)}, and a dose level is one "
                "drug's; write each drug's amount in your own scenario file"
            )
        value = _real(amount)
        if value is None:
            raise Il7Error(f"{where}: the amount is not a finite number; give one, e.g. 30")
        if value < 0:
            raise Il7Error(f"{where}: the amount is negative; a dose must be >= 0")
        value += 0.0  # -0.0 is 0
        own = sorted({d.unit for d in boluses})
        if unit is None and len(own) > 1:
            raise Il7Error(
                f"{where}: scenario '{self.name}' gives its doses in {' and '.join(own)}; give the "
                f"unit too, e.g. {value:.12g} {own[0]}"
            )
        if unit is not None and not isinstance(unit, str):
            raise Il7Error(f"{where}: the unit is not text; give a dose unit such as 'ug/kg'")
        for route in sorted({d.route for d in boluses}):
            wrong = unit and dose_unit_problem(unit, route, has_body=self.body_weight_kg is not None)
            if wrong:
                raise Il7Error(f"{where}: {wrong}")
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
        return dataclasses.replace(
            self,
            name=f"{self.name} at {level}",
            description=f"{self.description} (Here every dose is {level} instead.)",
            periods=periods,
        )


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader without the silent surprises of YAML 1.1: a key given twice in one
    mapping is an error (the last value would win), a whole number with a leading zero is read in
    decimal (``010`` is 10, not octal 8), and a clock-like number (``1:30``, base 60, read as 90)
    or one with '_' between digits (``1_0``, read as 10; text in YAML 1.2) stays text, which the
    parser refuses with the reason."""

    _NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        if kind is yaml.ScalarNode and implicit[0]:  # a plain (unquoted) scalar
            if tag in self._NUMBER_TAGS and ("_" in value or _CLOCK.match(value)):
                return "tag:yaml.org,2002:str"
            if _LEADING_ZERO.match(value):
                return _DECIMAL_TAG
        return tag

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *anchor': its keys may be overridden
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                twice = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; the base loader reports it
                continue
            if twice:
                raise yaml.constructor.ConstructorError(
                    None, None, f"field '{key}' is given twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep)


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    return int(str(loader.construct_scalar(node)), 10)  # type: ignore[arg-type]


_StrictLoader.add_constructor(_DECIMAL_TAG, _decimal)


MAX_YAML_VALUES = 1_000_000
"""Most values (scalars, lists and mappings) a scenario file may hold once its YAML aliases
(``*name``) are expanded: ten times :data:`MAX_POINTS`, so that any scenario il7 can run fits, while
a file whose aliases multiply into billions of values is refused before it is built."""


def _read_yaml(text: str, path: Path) -> Any:
    """Read a scenario file's YAML with :class:`_StrictLoader`, refusing, before building it, a
    file that nests too deeply, whose aliases expand past :data:`MAX_YAML_VALUES`, or whose alias
    refers to the value it stands in."""
    loader = _StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise Il7Error(
                f"scenario file '{path}' nests lists or mappings hundreds of levels deep; "
                "a scenario needs a few levels: write it flat, as the built-in ones are"
            ) from None
        if node is None:
            return None
        sizes = _expanded_size(node)
        if sizes is None:
            raise Il7Error(
                f"scenario file '{path}': a YAML alias (*name) stands inside the value it names, "
                "which makes the value endless; write the value out instead"
            )
        expanded, written = sizes
        if written > MAX_YAML_VALUES:
            raise Il7Error(
                f"scenario file '{path}' holds more than {MAX_YAML_VALUES:,} values; a scenario needs "
                f"far fewer (at most {MAX_POINTS:,} output times: give output: {{t_end: T, n: N}})"
            )
        if expanded > MAX_YAML_VALUES:
            raise Il7Error(
                f"scenario file '{path}' expands through its YAML aliases (*name) to more than "
                f"{MAX_YAML_VALUES:,} values; write each value once, with fewer aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> tuple[int, int] | None:
    """Number of values under ``root`` with every alias expanded (each shared node counted as
    often as it is used) and as written (each once), or ``None`` where an alias refers to a node
    it lies within. Counted without recursion and without expanding, so a billion-value file
    costs no more than its text."""

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [part for pair in node.value for part in pair]
        return []

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes on the path from the root to the one being read
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            sizes[key] = 1 + sum(sizes[id(child)] for child in children(node))
            open_nodes.discard(key)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return None
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children(node) if id(child) not in sizes)
    return sizes[id(root)], len(sizes)


@functools.cache
def vocabulary() -> dict[str, Any]:
    """The model's intervention vocabulary (``model/interventions.yaml``)."""
    text = resources.files("il7.model").joinpath("interventions.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def builtin_dir() -> Path:
    """Folder of the scenarios that ship with il7."""
    return Path(str(resources.files("il7.scenarios")))


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by built-in name or by file path.

    Parameters
    ----------
    name_or_path
        A built-in name (see :func:`builtin_names`) or a path to a ``.yaml`` file. A string
        that is a built-in name always means the built-in scenario, even where the working
        folder holds a file or folder of that name (write ``./name`` for that one).

    Raises
    ------
    Il7Error
        The name is unknown, the file is missing or not YAML.
    ScenarioError
        The file has problems; all of them are listed.
    """
    if not isinstance(name_or_path, (str, os.PathLike)) or not str(name_or_path).strip():
        raise Il7Error(
            f"scenario {name_or_path!r}: give a built-in name (il7 scenarios lists them) or the path of a .yaml file"
        )
    text_name = str(name_or_path)
    path = Path(text_name)
    names = builtin_names()
    builtin = isinstance(name_or_path, str) and text_name in names  # even beside a folder of that name
    looks_like_path = (
        path.suffix in (".yaml", ".yml") or text_name.startswith(".") or any(c in text_name for c in "/\\")
    )
    if builtin or not (looks_like_path or path.exists()):
        if text_name not in names:
            raise Il7Error(
                f"unknown scenario '{text_name}'{did_you_mean(text_name, names)} "
                f"(built-in: {', '.join(names)}; or give a path to a .yaml file)"
            )
        path = builtin_dir() / f"{text_name}.yaml"
    if path.is_dir():
        raise Il7Error(f"'{path}' is a folder, not a scenario file; give the path of a .yaml file")
    if not path.is_file():
        raise Il7Error(f"scenario file '{path}' not found; check the path")
    try:
        data = _read_yaml(path.read_text(encoding="utf-8"), path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise Il7Error(f"scenario file '{path}' is not valid YAML{at}: {problem}; fix the syntax") from None
    except UnicodeDecodeError:
        raise Il7Error(f"scenario file '{path}' is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise Il7Error(f"cannot read scenario file '{path}': {exc.strerror}; check its permissions") from None
    return parse(data, file=str(path), steady_start=True)


def parse(data: Any, *, file: str = "<dict>", steady_start: bool = False) -> Scenario:
    """Validate a scenario given as a mapping (what :func:`load` reads from YAML).

    With ``steady_start`` (scenario files) a body must start from its steady state: its first
    period is at ``-inf``. Without it a body may start from the model's initial values, as il7's
    own experiments sometimes read them; a culture well always may (cells just put into it).
    """
    return _Parser(file, steady_start=steady_start).scenario(data)


def quantity(text: Any, *, where: str, example: str = "10 ug/kg") -> tuple[float, str | None]:
    """Split ``"3e10 cells"`` into ``(3e10, "cells")``; a bare number gives unit ``None``.

    ``example`` is a value of the right kind for the error message (``"5e8 cells"``).
    """
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
    if _CLOCK.match(str(text).strip()) or _UNDERSCORED.match(number_part):
        raise Il7Error(f"{where}: '{text}' is not a number{_hint(number_part)}")
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
        return f"'{unit}' is not a dose unit{did_you_mean(unit, units.DOSE_UNITS)}; use one of {', '.join(units.DOSE_UNITS)}"
    if route is None:
        return None
    kind, _, per_kg = units.DOSE_UNITS[unit]
    if per_kg and not has_body:
        return _needs_body(unit)
    if kind.endswith("per_litre") and route != "medium":
        return f"a concentration ('{unit}') only makes sense for route 'medium'; give an amount (e.g. ug/kg) for route '{route}'"
    return None


def _needs_body(written: str) -> str:
    return f"'{written}' needs a body weight, which this context has not; give the amount in ug or ng"


def _real(value: Any) -> float | None:
    """``value`` as a float if it is a finite real number (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _whole(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (not a bool), else ``None``."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None


def _hint(raw: Any) -> str:
    """Advice for a value YAML read as text although it looks like a number (``1e1``)."""
    if isinstance(raw, str) and _CLOCK.match(raw.strip()):
        return f" (a clock-like '{raw}' is not a number here, and YAML 1.1 would read 1:30 as 90: write a plain number, e.g. 1.5)"
    if isinstance(raw, str) and grouped_digits_hint(raw):
        return grouped_digits_hint(raw)
    if isinstance(raw, str):
        try:
            number = float(raw)
        except ValueError:
            return ""
        if not math.isfinite(number):  # 'inf', 'nan': text to YAML, and not usable as numbers either
            return " (not a finite number)"
        if isinstance(yaml.safe_load(raw), (int, float)):  # a number YAML reads unquoted: it was quoted
            return f" ('{raw}' is in quotes, which make it text: remove them)"
        return f" (YAML reads '{raw}' as text: write it with a decimal point and a signed exponent, e.g. 1.0e+1, or in full)"
    return ""


def _text(value: Any) -> str | None:
    """``value`` if it is a string (a name, a unit), else ``None``: lists and mappings are not names."""
    return value if isinstance(value, str) else None


class _Parser:
    """Collects every problem of one scenario, then raises them together."""

    def __init__(self, file: str, *, steady_start: bool = False) -> None:
        self.file = file
        self.steady_start = steady_start
        self.problems: list[str] = []
        self.table = {p.id: p for p in build.parameters() if p.value is not None}
        self.vocab = vocabulary()
        self.body_weight: float | None = None
        self.context_unknown = False  # reported once; per-kg values are not faulted for it too
        self.context_values: dict[str, float] = {}  # the context's own settings (model units)
        self.time_unit = "h"
        self.context = "human_body"
        self.routes: tuple[str, ...] = ()
        self.infusions: dict[str, list[tuple[float, float, str]]] = {}

    def problem(self, text: str) -> None:
        self.problems.append(text)

    # ---- top level -----------------------------------------------------------------------
    def scenario(self, data: Any) -> Scenario:
        name = Path(self.file).stem
        if not isinstance(data, Mapping):
            raise ScenarioError(
                f"scenario file '{self.file}'",
                ["the file must be a mapping of fields (name:, periods:, ...)"],
            )
        name = str(data.get("name", name))
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
        time_unit = data.get("time_unit", "h")
        if _text(time_unit) not in TIME_UNITS:
            self.problem(f"time_unit '{time_unit}' is unknown; use one of: {', '.join(TIME_UNITS)}")
            time_unit = "h"
        before = len(self.problems)
        periods = self.periods(data.get("periods", []), time_unit)
        if (
            self.steady_start
            and len(self.problems) == before  # a period that failed to parse is reported already
            and self.body_weight is not None
            and not (periods and periods[0].time == -math.inf)
        ):
            self.problem(
                f"periods: a body ({self.context}) starts from its steady state: make the first period "
                "'- time: -inf' (pre-equilibration); only a culture well starts from the model's initial values"
            )
        readouts = self.readouts(data.get("readouts"))
        self.time_unit = str(time_unit)
        times = self.output(data.get("output"), periods)
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
                    out.append((str(key), seed_value(str(key), raw, where=spot)))
                except Il7Error as exc:
                    self.problem(str(exc))
                continue
            if key not in self.table:
                self.problem(
                    f"{spot}: '{key}' is not a settable parameter or seedable cell population"
                    f"{did_you_mean(str(key), [*self.table, *seeds])}"
                )
                continue
            try:
                # with the context unknown (reported) any weight will do: the scenario is refused
                weight = 1.0 if self.context_unknown else self.body_weight
                value = parameter_value(self.table[str(key)], raw, where=spot, body_weight_kg=weight)
                if users:
                    within_reach(self.table[str(key)], value, self.context_values.get(str(key)), where=spot)
                out.append((str(key), value))
            except Il7Error as exc:
                self.problem(str(exc))
        return tuple(out)

    def periods(self, raw: Any, time_unit: str) -> tuple[Period, ...]:
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
            doses = self.doses(item.get("dose", []), time, time_unit, f"{where}.dose")
            infusion = self.infusion(item.get("infusion"), time, time_unit, f"{where}.infusion")
            out.append(Period(time, sets, knockouts, doses))
            out.extend(infusion)
        return tuple(sorted(out, key=lambda p: p.time)) if not self.problems else tuple(out)

    def time(self, raw: Any, where: str) -> float | None:
        if isinstance(raw, str) and raw.strip() in ("-inf", "-.inf"):
            return -math.inf
        if isinstance(raw, bool) or not isinstance(raw, numbers.Real):  # nan and inf are handled below
            self.problem(
                f"{where}: '{raw}' is not a time{_hint(raw)}; write a number in the scenario's time_unit, or -inf"
            )
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
        return tuple(str(n) for n in names if _text(n) in known)

    def drug(self, raw: Mapping[str, Any], where: str) -> dict[str, Any] | None:
        drugs = self.vocab["drugs"]
        name = raw.get("drug")
        if _text(name) not in drugs:
            self.problem(
                f"{where}.drug: '{name}' is not a drug{did_you_mean(str(name), drugs)}; known: {', '.join(drugs)}"
            )
            return None
        found: dict[str, Any] = drugs[name]
        return found

    def doses(self, raw: Any, time: float, time_unit: str, where: str) -> tuple[Dose, ...]:
        items = [raw] if isinstance(raw, Mapping) else raw
        if not isinstance(items, list):
            self.problem(f"{where} must be a dose mapping or a list of them")
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
            if drug is not None and not route_known:  # reported beside any fault of the amount
                self.problem(
                    f"{spot}.route: '{route}' is not available for {dose['drug']}{did_you_mean(str(route), drug['routes'])}; use one of: {', '.join(drug['routes'])}"
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
            amount_value = _real(amount)
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
            count = _whole(dose.get("count", 1))
            every = _real(dose.get("every", 0.0))
            if count is None or count < 1 or count > MAX_DOSES:
                self.problem(
                    f"{spot}.count: '{dose.get('count')}' must be a whole number from 1 to {MAX_DOSES}{_hint(dose.get('count'))}"
                )
                continue
            if "every" in dose and count == 1:
                self.problem(
                    f"{spot}: 'every' is given but count is 1; add count: N for a repeated schedule, or drop every"
                )
                continue
            if count > 1 and (every is None or every <= 0):
                self.problem(
                    f"{spot}.every: '{dose.get('every')}' must be a positive interval in {time_unit} when count > 1{_hint(dose.get('every'))}"
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
            self.problem(f"{spot}: {_needs_body(written)}")
            return False
        return True

    def infusion(self, raw: Any, time: float, time_unit: str, where: str) -> list[Period]:
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
        rate, unit, duration = _real(raw.get("rate")), _text(raw.get("unit")), _real(raw.get("duration"))
        ok = True
        if rate is None or rate < 0:
            self.problem(
                f"{where}.rate: '{raw.get('rate')}' must be a finite number >= 0{_hint(raw.get('rate'))}"
            )
            ok = False
        if unit is None or unit not in units.RATE_UNITS:
            self.problem(
                f"{where}.unit: '{raw.get('unit')}' is not an infusion rate unit; use one of {', '.join(units.RATE_UNITS)}"
            )
            ok = False
        elif not self.has_body_for(units.RATE_UNITS[unit][0], unit, f"{where}.unit"):
            ok = False
        if duration is None or duration <= 0:
            self.problem(
                f"{where}.duration: '{raw.get('duration')}' must be a positive time in {time_unit}{_hint(raw.get('duration'))}"
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
            self.problem(f"{where}: {raw['drug']} cannot be infused; give it as a dose")
            ok = False
        if not ok or drug is None or rate is None or duration is None:
            return []
        param = drug["infusion"]
        for start, stop, other in self.infusions.get(param, []):
            if time < stop and start < time + duration:
                self.problem(
                    f"{where}: overlaps the {raw['drug']} infusion of {other} ({start:g} to {stop:g} {time_unit}); "
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
        known = known_readouts()
        if raw is None:
            return tuple(o.id for o in build.observables())
        if not isinstance(raw, list) or not raw:
            self.problem("field 'readouts' must be a non-empty list of observable or species ids")
            return ()
        for r in raw:
            if r not in known:
                self.problem(
                    f"readouts: '{r}' is not an observable or species{did_you_mean(str(r), known)}; "
                    "list them with `il7 readouts`"
                )
        twice = sorted({str(r) for r in raw if raw.count(r) > 1})
        if twice:
            self.problem(f"readouts: {', '.join(twice)} listed more than once; list each readout once")
        return tuple(str(r) for r in raw)

    def output(self, raw: Any, periods: tuple[Period, ...]) -> tuple[float, ...]:
        start = min((p.time for p in periods if p.time > -math.inf), default=0.0)
        start = min(start, 0.0)
        if not isinstance(raw, Mapping):
            self.problem("field 'output' is missing; give output: {t_end: T, n: N} or output: {times: [...]}")
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
                or not all(_real(t) is not None for t in times)
            ):
                bad = next((t for t in times if _real(t) is None), None) if isinstance(times, list) else None
                self.problem(f"output.times must be a list of 2 to {MAX_POINTS} finite numbers{_hint(bad)}")
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
            problem = span_problem(_first_time(periods, float(times[0])), float(times[-1]), self.time_unit)
            if problem:
                self.problem(f"output.times: {problem}")
                return (0.0, 1.0)
            return tuple(float(t) for t in times)
        t_end, n = _real(raw.get("t_end")), _whole(raw.get("n", 101))
        if t_end is None:
            self.problem(f"output.t_end: '{raw.get('t_end')}' must be a finite time{_hint(raw.get('t_end'))}")
            return (0.0, 1.0)
        if t_end <= start:
            self.problem(f"output.t_end {t_end:g} must be after the start ({start:g}); time runs forwards")
            return (0.0, 1.0)
        if n is None or not 2 <= n <= MAX_POINTS:
            self.problem(
                f"output.n: '{raw.get('n')}' must be a whole number from 2 to {MAX_POINTS}{_hint(raw.get('n'))}"
            )
            return (0.0, 1.0)
        problem = span_problem(_first_time(periods, start), t_end, self.time_unit)
        if problem:
            self.problem(f"output.t_end {t_end:g}: {problem}")
            return (0.0, 1.0)
        return tuple(start + (t_end - start) * i / (n - 1) for i in range(n))


def seed_value(species: str, raw: Any, *, where: str) -> float:
    """Cells of a seedable population (``model/interventions.yaml`` seeds) set by a period."""
    value, unit = quantity(raw, where=where, example="1e9 cells")
    if unit not in (None, "cells"):
        raise Il7Error(
            f"{where}: unit '{unit}' does not fit {species}; give a number of cells, e.g. '1e9 cells'"
        )
    if not math.isfinite(value) or value < 0:
        raise Il7Error(f"{where}: {value:g} is not a usable number of cells; give a finite number >= 0")
    return value


OVERRIDE_REACH = 1000.0
"""How far beyond its bounds (as a factor) a value set by a user (``--set``, a period's ``set:``)
may go. Users explore past the table's plausible ranges, but not into values no body has
(``age: 1e300 years``, ``tissue: 1e-300 uL``), where the steady-state search can run for hours
instead of failing."""


def within_reach(p: build.Parameter, value: float, own: float | None, *, where: str) -> None:
    """Refuse ``value`` (model units) for ``p`` if it lies more than :data:`OVERRIDE_REACH` times
    beyond the table's bounds, or beyond ``own`` (the context's value, model units) where that
    lies outside them (a mouse, a well). 0, which switches a process off, is always allowed."""
    if p.lower is None or p.upper is None or value == 0:  # 0 switches a process off: always allowed
        return
    factor = units.label(p.unit, where=f"parameter {p.id}").factor
    low, high = p.lower * factor, p.upper * factor
    widened = own is not None and not low <= own <= high
    if own is not None:
        low, high = min(low, own), max(high, own)
    low = low * OVERRIDE_REACH if low < 0 else low / OVERRIDE_REACH  # away from the range, either sign
    high = high / OVERRIDE_REACH if high < 0 else high * OVERRIDE_REACH
    if not low <= value <= high:
        raise Il7Error(
            f"{where}: {value / factor:g}{units.suffix(p.unit)} is more than {OVERRIDE_REACH:g} times beyond the "
            f"bounds of {p.id} ({p.lower:g} to {p.upper:g}{units.suffix(p.unit)}"
            + (
                f", or this context's own {own / factor:g}{units.suffix(p.unit)}"
                if widened and own is not None
                else ""
            )
            + f"); the model is not meant to run there: give a value from {low / factor:g} to "
            f"{high / factor:g}{units.suffix(p.unit)}"
        )


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
        raise Il7Error(f"{where}: {value} is not a finite number; give a finite value in {p.unit}")
    if value < 0 and not (p.lower is not None and p.lower < 0):
        raise Il7Error(
            f"{where}: {value:g} is negative; {p.id} must be >= 0" + (f" ({p.unit})" if p.unit != "1" else "")
        )
    if value == 0 and p.id in build.divisors():
        raise Il7Error(
            f"{where}: {p.id} divides in the model's formulas and cannot be 0; give a small positive value"
        )
    expected = units.LABELS[p.unit].model_unit
    # cells and molecules are both items to the model: a count of one is not written in the
    # other, nor molecules per cell as cells per molecule
    fits = [
        u.label for u in units.LABELS.values() if u.model_unit == expected and _items_agree(u.label, p.unit)
    ]
    if unit not in units.LABELS:
        raise Il7Error(f"{where}: unknown unit '{unit}'; {p.id} takes {', '.join(fits)}")
    label = units.LABELS[unit]
    if label.model_unit != expected or unit not in fits:
        raise Il7Error(f"{where}: unit '{unit}' does not fit {p.id}; use {', '.join(fits)}")
    if p.unit == "fraction" and value * label.factor > 1:
        raise Il7Error(
            f"{where}: {p.id} is a fraction; give a value from 0 to 1 (or 0 to 100 %), not {value:g}{units.suffix(given or '1')}"
        )
    if label.per_kg:
        if body_weight_kg is None:
            raise Il7Error(
                f"{where}: '{unit}' is per kg of body weight, and this context has none; give {p.id} in {p.unit}"
            )
        return value * label.factor * body_weight_kg
    return value * label.factor


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


@functools.cache
def known_readouts() -> tuple[str, ...]:
    """Ids a scenario may read out: observables, then species."""
    from il7.engine import engine

    return tuple(o.id for o in build.observables()) + engine().species
