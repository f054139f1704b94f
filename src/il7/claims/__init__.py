"""Checks of the model against the literature: the targets file and how a target is judged."""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from il7 import units
from il7.errors import Il7Error

CHECKS = {
    "within_factor": ("value", "factor"),
    "at_least": ("value",),
    "at_most": ("value",),
    "above": ("value",),
    "below": ("value",),
    "in_range": ("low", "high"),
}
"""How a target judges a value, with the numbers each check needs. ``above`` and ``below`` are
strict: the value must differ from the threshold by more than :data:`NOISE` of it, so an effect
the article asserts ("raises", "lowers") is not met by no effect at all (a ratio of exactly 1)."""

NOISE = 1e-4
"""Relative difference below which two model values are not told apart: 100 times the solver's
relative tolerance (1e-6), so that solver error never reads as an effect."""

BASES = {
    "input": "the number, or the mechanism that gives it, is written into the model, so the check "
    "shows it is carried through, not predicted",
    "fitted": "a parameter, or a mechanism, was chosen to meet it (or, for a fit taken from a paper, "
    "that paper fitted the same data)",
    "prediction": "nothing in the model was set from it",
}
"""What the model's value owes to a target's number, by basis."""


@dataclass(frozen=True)
class Target:
    """A published quantity and how close the model must come to it."""

    id: str
    description: str
    unit: str
    check: str
    source: str
    basis: str
    """One of :data:`BASES`: input, fitted or prediction."""
    value: float | None = None
    factor: float | None = None
    low: float | None = None
    high: float | None = None
    known_miss: str | None = None
    """Why the model misses this target today, with figures (the target is not changed to pass)."""

    def passes(self, observed: float) -> bool:
        """Whether a model value meets the target."""
        if math.isnan(observed):
            return False
        if math.isinf(observed):  # a complete loss (a fold change over zero) meets only a bound on one side
            return self.check in ("at_least", "above") if observed > 0 else self.check in ("at_most", "below")
        if self.check == "within_factor":
            assert self.value is not None and self.factor is not None
            return self.value / self.factor <= observed <= self.value * self.factor
        if self.check == "at_least":
            assert self.value is not None
            return observed >= self.value
        if self.check == "at_most":
            assert self.value is not None
            return observed <= self.value
        if self.check in ("above", "below"):
            assert self.value is not None
            margin = NOISE * abs(self.value)
            return observed > self.value + margin if self.check == "above" else observed < self.value - margin
        assert self.low is not None and self.high is not None
        return self.low <= observed <= self.high

    @property
    def expected(self) -> str:
        """The criterion in words, e.g. ``100 pg/mL within x2`` (a ratio, unit ``1``, has no unit)."""
        unit = units.suffix(self.unit)
        if self.check == "within_factor":
            return f"{self.value:g}{unit} within x{self.factor:g}"
        if self.check == "at_least":
            return f">= {self.value:g}{unit}"
        if self.check == "at_most":
            return f"<= {self.value:g}{unit}"
        if self.check == "above":
            return f"> {self.value:g}{unit}"
        if self.check == "below":
            return f"< {self.value:g}{unit}"
        return f"{self.low:g} to {self.high:g}{unit}"


def _read_yaml(name: str) -> Any:
    """One of the package's YAML files; a malformed one is named with its line, not a traceback."""
    text = resources.files("il7.claims").joinpath(name).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"claims/{name}" + (f" line {mark.line + 1}" if mark is not None else "")
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise Il7Error(
            f"{where}: not valid YAML ({problem}); a ': ' inside a text needs quotes or >-"
        ) from None


@functools.cache
def targets() -> dict[str, Target]:
    """All literature targets, by id (``claims/targets.yaml``)."""
    raw: dict[str, dict[str, Any]] = _read_yaml("targets.yaml")
    out = {}
    for key, spec in raw.items():
        where = f"claims/targets.yaml {key}"
        check = spec.get("check")
        if check not in CHECKS:
            raise Il7Error(f"{where}: check '{check}' is not one of {', '.join(CHECKS)}")
        basis = spec.get("basis")
        if basis not in BASES:
            raise Il7Error(f"{where}: basis '{basis}' is not one of {', '.join(BASES)}")
        span = spec.get("range", (None, None))
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            raise Il7Error(f"{where}: range {span!r} is not [LOW, HIGH]; give two numbers")
        given = {"value": spec.get("value"), "factor": spec.get("factor"), "low": span[0], "high": span[1]}
        for name, number in given.items():
            if number is not None and (isinstance(number, bool) or not isinstance(number, numbers.Real)):
                text = " (YAML reads 5.0e6, without the exponent's sign, as text: write 5.0e+6 or 5000000)"
                raise Il7Error(
                    f"{where}: {name} {number!r} is not a number" + (text if isinstance(number, str) else "")
                )
        lacking = [name for name in CHECKS[check] if given[name] is None]
        if lacking:
            form = "; give range: [LOW, HIGH]" if check == "in_range" else ""
            raise Il7Error(f"{where}: check '{check}' needs {' and '.join(CHECKS[check])}{form}")
        out[key] = Target(
            id=key,
            description=spec["description"],
            unit=str(spec["unit"]),
            check=check,
            source=spec["source"],
            basis=basis,
            value=given["value"],
            factor=given["factor"],
            low=given["low"],
            high=given["high"],
            known_miss=spec.get("known_miss"),
        )
    return out


@dataclass(frozen=True)
class Claim:
    """A statement of the source article, how il7 reads it, and the targets that check it."""

    id: str
    statement: str
    reading: str
    checks: tuple[str, ...]
    missing: str | None = None


@functools.cache
def claims() -> dict[str, Claim]:
    """The source article's statements about the system, by id (``claims/article.yaml``)."""
    raw: dict[str, dict[str, Any]] = _read_yaml("article.yaml")
    known = targets()
    out = {}
    for key, spec in raw.items():
        checks = tuple(spec.get("checks") or ())
        unknown = [c for c in checks if c not in known]
        if unknown:
            raise Il7Error(
                f"claims/article.yaml {key}: unknown target(s) {', '.join(unknown)}; add them to targets.yaml"
            )
        out[key] = Claim(key, spec["statement"], spec["reading"], checks, spec.get("missing"))
    return out
