"""Drawing virtual patients: how one parameter varies between them (:class:`Spread`, read from
``"cv 30%"`` or ``"20..70 years"`` by :func:`spread`), how two vary together
(:func:`correlation_matrix`), and the seeded draw itself (:func:`draw`, a Gaussian copula with
out-of-bounds log-normal values drawn again). :func:`il7.population.population` runs the
patients; its module says what each spread means.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from il7 import build, units
from il7.errors import Il7Error, did_you_mean
from il7.scenario import Scenario, not_a_parameter
from il7.simulate import values_in_run
from il7.values import grouped_digits_hint, parameter_value, plausible_range

MIN_CV = 1e-3
"""Smallest CV (0.1%): below it the patients differ by less than the solver's precision."""

_REDRAW_ROUNDS = 100
"""Rounds of drawing again the patients with a log-normal value out of bounds before a spread is
called too wide."""


@dataclass(frozen=True)
class Spread:
    """How one parameter varies between the virtual patients.

    Attributes
    ----------
    parameter
        Parameter id (``il7 parameters``).
    kind
        ``lognormal`` or ``uniform``.
    unit
        The parameter's table unit, in which ``center``, ``low`` and ``high`` are given.
    center
        For ``lognormal``: the parameter's value in the scenario's run, the median before
        truncation; for ``uniform``: the middle of the range.
    cv
        For ``lognormal``: the coefficient of variation (0.3 = 30%); ``nan`` for ``uniform``.
    low, high
        For ``uniform``: the range; for ``lognormal``: the bounds outside which draws are drawn
        again (the table's, or 0 and infinity, or 0 and 1 for a fraction, where the scenario's
        value lies outside the table's bounds).
    """

    parameter: str
    kind: str
    unit: str
    center: float
    cv: float
    low: float
    high: float

    def describe(self) -> str:
        """One phrase, e.g. ``age uniform 20-70 years`` or ``p_max log-normal CV 30% around 0.1
        1/day, redrawn outside 0.02-0.5 1/day``."""
        unit = units.suffix(self.unit)
        if self.kind == "uniform":
            return f"{self.parameter} uniform {self.low:.4g}-{self.high:.4g}{unit}"
        bounds = (
            f", redrawn outside {self.low:.4g}-{self.high:.4g}{unit}"
            if self.low > 0 or math.isfinite(self.high)
            else ""
        )
        return f"{self.parameter} log-normal CV {100 * self.cv:.4g}% around {self.center:.4g}{unit}{bounds}"

    @property
    def sigma(self) -> float:
        """A log-normal's standard deviation of ln p, sqrt(ln(1 + CV^2)); ``nan`` for a uniform."""
        return math.sqrt(math.log1p(self.cv**2))

    def values(self, scores: np.ndarray) -> np.ndarray:
        """Values (table unit) from standard-normal scores: ``center * exp(sigma * z)`` for a
        log-normal (sigma = sqrt(ln(1 + CV^2))), ``low + (high - low) * Phi(z)`` for a uniform."""
        if self.kind == "uniform":
            from scipy.stats import norm

            return np.asarray(self.low + (self.high - self.low) * norm.cdf(scores), dtype=float)
        return self.center * np.exp(self.sigma * scores)

    def scores(self, values: np.ndarray) -> np.ndarray:
        """The standard-normal scores of values (the inverse of :meth:`values`): where
        :func:`draw`'s correlations hold."""
        if self.kind == "uniform":
            from scipy.stats import norm

            return np.asarray(norm.ppf((np.asarray(values) - self.low) / (self.high - self.low)), dtype=float)
        return np.log(np.asarray(values) / self.center) / self.sigma

    def bounded_cv(self) -> float:
        """The CV a log-normal keeps within its bounds (redrawing what falls outside cuts its
        tails): from the variance of a normal truncated to the bounds' scores. The CV asked for
        where there are no bounds, and for a uniform."""
        if self.kind != "lognormal" or not (self.low > 0 or math.isfinite(self.high)):
            return self.cv
        from scipy.stats import norm

        sigma, a, b = self._bound_scores()
        kept = float(norm.cdf(b) - norm.cdf(a))
        pa, pb = float(norm.pdf(a)), float(norm.pdf(b))
        ends = (a * pa if math.isfinite(a) else 0.0) - (b * pb if math.isfinite(b) else 0.0)
        variance = sigma**2 * (1.0 + ends / kept - ((pa - pb) / kept) ** 2)
        return math.sqrt(math.expm1(variance))

    def bounded_median(self) -> float:
        """The median a log-normal keeps within its bounds (table unit): its centre where the bounds
        cut both tails alike or not at all, off it where they cut one side more (a value on a
        bound, all of whose draws fall on one side of it, or a wide CV between bounds unevenly far
        from the value). The median of a normal truncated to the bounds' scores. The centre for a
        uniform."""
        if self.kind != "lognormal" or not (self.low > 0 or math.isfinite(self.high)):
            return self.center
        from scipy.stats import norm

        sigma, a, b = self._bound_scores()
        return self.center * math.exp(sigma * float(norm.ppf((norm.cdf(a) + norm.cdf(b)) / 2)))

    def _bound_scores(self) -> tuple[float, float, float]:
        """A log-normal's sigma, and its bounds as standard-normal scores (-inf and inf where a
        bound is 0 or infinite): where :meth:`bounded_cv` and :meth:`bounded_median` cut it."""
        sigma = self.sigma
        a = math.log(self.low / self.center) / sigma if self.low > 0 else -math.inf
        b = math.log(self.high / self.center) / sigma if math.isfinite(self.high) else math.inf
        return sigma, a, b

    def outside(self, values: np.ndarray) -> np.ndarray:
        """Which values lie outside the bounds (a log-normal's are drawn again; a uniform's never do)."""
        return (values < self.low) | (values > self.high)


_CV = re.compile(r"^\s*cv\s*[=:]?\s*(?P<value>[-+\w.]+)\s*(?P<percent>%?)\s*$", re.IGNORECASE)


def spread(
    parameter: str, text: str, scenario: Scenario, overrides: Mapping[str, float] | None = None
) -> Spread:
    """Read one ``--vary`` spread: ``"cv 30%"`` or ``"LOW..HIGH [unit]"``.

    Parameters
    ----------
    parameter
        Parameter id.
    text
        The spread as written.
    scenario
        The scenario whose run gives the log-normal's median (and says whether the table's
        bounds apply: not where its own value lies outside them).
    overrides
        Overrides in model units (:func:`il7.simulate.scenario_overrides`), which that run includes.

    Raises
    ------
    Il7Error
        Unknown or computed parameter, one the scenario sets after its start, a spread that is
        neither form, a range outside the bounds, or a median of 0.
    """
    where = f"vary {parameter} (--vary)"
    given = f"vary {parameter}={text} (--vary)"  # the spread as written, for what is wrong with it
    table = build.parameters_by_id()
    p = table.get(parameter)
    if p is None:
        raise Il7Error(f"{where}: {not_a_parameter(parameter, table)}")
    if (why := p.unchangeable("vary")) is not None:
        raise Il7Error(f"{where}: '{parameter}' {why}")
    assert p.value is not None  # (unchangeable refuses a value the model computes)
    if parameter in scenario.set_after_start:
        raise Il7Error(
            f"{where}: {scenario.called} sets it after its start, which would overwrite each "
            "patient's value; vary it in a copy of the scenario file instead"
        )
    factor = units.label(p.unit, where=f"parameter {parameter}").factor
    run_value = values_in_run(scenario, dict(overrides or {})).get(parameter, p.value * factor) / factor
    # the table's bounds, carried to a mouse's or a well's own value where it lies outside them, as
    # simulate and il7 parameters --context carry them (values.plausible_range; a well's CL_IL7 of
    # 0: 0 to 3 L/h, where only physics bounded a range, so '0..1e9 L/h' ran every patient to fail)
    reach = plausible_range(p, dict(scenario.context_set).get(parameter))
    lower, upper = (-math.inf, math.inf) if reach is None else (reach[0] / factor, reach[1] / factor)
    if not lower <= run_value <= upper:
        # a value the scenario itself sets outside them (sil7r_high's 8.54 nM): keep what is physical
        lower, upper = (0.0, 1.0) if p.unit == "fraction" else (0.0, math.inf)
    if not isinstance(text, str):
        text = str(text)
    cv = _CV.match(text)
    if cv is not None:
        hint = grouped_digits_hint(cv.group("value"))  # float() would read '3_0' as 30
        try:
            value = math.nan if hint else float(cv.group("value")) / (100.0 if cv.group("percent") else 1.0)
        except ValueError:
            value = math.nan
        if not MIN_CV <= value <= 10:
            if not hint and not cv.group("percent") and 10 < value <= 1000:
                # 'cv 30' was told a CV must lie from 0.1% to 1000%, where 30 does
                hint = f" (a number without % is a fraction: cv 0.3 is 30%; write cv {value:g}%)"
            raise Il7Error(
                f"{given}: a CV must be a number from {100 * MIN_CV:g}% to 1000%, e.g. cv 30%{hint}"
            )
        if run_value <= 0:
            raise Il7Error(
                f"{given}: {parameter} is {run_value:g} in this run, and a log-normal spread needs a "
                f"positive median; give a range within its bounds instead, LOW..HIGH ({lower:g} to {upper:g})"
            )
        return Spread(parameter, "lognormal", p.unit, run_value, value, lower, upper)
    low_text, dots, high_text = (part.strip() for part in text.partition(".."))
    if not dots or not low_text or not high_text or ".." in high_text or high_text.startswith("."):
        raise Il7Error(
            f"{given}: write a log-normal spread 'cv 30%' or one range 'LOW..HIGH' with the "
            f"parameter's unit ({p.unit}), e.g. {{'age': '20..70 years'}} (--vary age='20..70 years')"
        )
    low_unit, high_unit = (part.partition(" ")[2].strip() for part in (low_text, high_text))
    if low_unit and not high_unit:
        raise Il7Error(
            f"{given}: give the unit after the high end (it then holds for both), or after each, "
            f"e.g. '{low_text.partition(' ')[0]}..{high_text} {low_unit}'"
        )
    if high_unit and not low_unit:  # a unit written once, after the high end, holds for both ends
        low_text = f"{low_text} {high_unit}"
    weight = scenario.body_weight_kg
    low = parameter_value(p, low_text, where=where, body_weight_kg=weight) / factor
    high = parameter_value(p, high_text, where=where, body_weight_kg=weight) / factor
    if not low < high:
        read = f" (read as {low:g} to {high:g} {p.unit})" if low_unit or high_unit else ""
        raise Il7Error(f"{given}: the range's low end must be below its high end{read}")
    if low < lower or high > upper:
        listed = "il7 parameters" + (
            "" if scenario.context == "human_body" else f" --context {scenario.context}"
        )
        written = units.LABELS.get(high_unit or low_unit)
        per_kg = (
            f", {lower / weight:g}-{upper / weight:g} {written.label} at this body's {weight:g} kg"
            if written is not None and written.per_kg and weight
            else ""
        )
        raise Il7Error(
            f"{given}: the range leaves {parameter}'s bounds, {lower:g}-{upper:g}{units.suffix(p.unit)}"
            f"{per_kg} ({listed}); give a range within them"
        )
    return Spread(parameter, "uniform", p.unit, (low + high) / 2.0, math.nan, low, high)


def correlation_matrix(
    spreads: Sequence[Spread], correlations: Mapping[tuple[str, str], float] | None
) -> np.ndarray:
    """The correlation matrix of the spreads' normal scores: 1 on the diagonal, each pair's ``r``
    off it, 0 elsewhere.

    Raises
    ------
    Il7Error
        A pair that names a parameter not varied, the same parameter twice, a pair given twice,
        an ``r`` not strictly between -1 and 1, or pairs that together admit no joint
        distribution (a matrix that is not positive definite).
    """
    ids = [s.parameter for s in spreads]
    matrix = np.eye(len(ids))
    if correlations is not None and not isinstance(correlations, Mapping):
        raise Il7Error(
            f"correlations: give a mapping of parameter pair to r, e.g. {{('CL_Ab', 'ka_Ab'): 0.3}}, "
            f"not a {type(correlations).__name__}"
        )
    for pair, r in (correlations or {}).items():
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise Il7Error(
                f"correlations (--correlate) {pair!r}: name two varied parameters, e.g. ('CL_Ab', 'ka_Ab') "
                "(--correlate CL_Ab,ka_Ab=0.3)"
            )
        where = f"correlations {pair[0]},{pair[1]} (--correlate)"
        for pid in pair:
            if pid not in ids:
                raise Il7Error(
                    f"{where}: {pid} is not varied{did_you_mean(str(pid), ids)}; correlate two of the "
                    f"varied parameters ({', '.join(ids)})"
                )
        i, j = ids.index(pair[0]), ids.index(pair[1])
        if i == j:
            raise Il7Error(f"{where}: a parameter is fully correlated with itself; name two different ones")
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not -1.0 < float(r) < 1.0:
            raise Il7Error(f"{where}={r!r}: a correlation must be a number strictly between -1 and 1")
        if matrix[i, j] != 0.0:
            raise Il7Error(f"{where}: this pair is given twice; give it once")
        matrix[i, j] = matrix[j, i] = float(r)
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        raise Il7Error(
            "correlations (--correlate): these contradict each other (no joint distribution has them: "
            "the matrix is not positive definite); weaken them"
        ) from None
    return matrix


def draw(
    spreads: Sequence[Spread], n: int, seed: int, correlation: np.ndarray | None = None
) -> tuple[np.ndarray, tuple[int, ...]]:
    """``n`` patients' values of the spreads (table units), and per spread how many log-normal
    values fell outside its bounds.

    Each patient's standard-normal scores are drawn jointly with ``correlation``
    (:func:`correlation_matrix`; default independent), through its Cholesky factor, and each
    score becomes its spread's value (:meth:`Spread.values`): a Gaussian copula, so that the
    correlation holds between the log-normals' logarithms and between the uniforms' normal
    scores. A patient with a log-normal value outside its bounds is drawn again whole, so that
    the values stay within the bounds; where many are, the correlation that results is a little
    weaker than asked (0.84 for 0.9 with a quarter of the patients drawn again).

    The draws are nested: patient ``i``'s values depend on ``seed`` and ``i`` only, so a larger
    ``n`` with the same seed keeps the smaller population's patients and adds others. Round ``r``
    of drawing gives patient ``i`` the ``i``-th block of scores of a generator seeded with
    ``seed`` and spawn key ``r``.

    Raises
    ------
    Il7Error
        Most patients keep falling outside the bounds.
    """
    k = len(spreads)
    factor = np.linalg.cholesky(np.eye(k) if correlation is None else correlation)
    values = np.empty((n, k))
    redrawn = np.zeros(k, dtype=int)
    todo = np.arange(n)
    if n == 0:
        return values, tuple(int(c) for c in redrawn)
    for round_ in range(_REDRAW_ROUNDS):
        last = int(todo[-1]) + 1  # the blocks up to the last patient still to draw
        # the round as a spawn key, not a second word of entropy: seed 2**32 + 5 would otherwise
        # draw seed 5's second round
        stream = np.random.SeedSequence(seed, spawn_key=(round_,))
        block = np.random.default_rng(stream).standard_normal((last, k))
        # row by row, not a matrix product, whose rounding can depend on how many rows it has
        scores = (block[todo][:, None, :] * factor[None, :, :]).sum(axis=2)
        values[todo] = np.column_stack([s.values(scores[:, j]) for j, s in enumerate(spreads)])
        outside = np.column_stack([s.outside(values[todo, j]) for j, s in enumerate(spreads)])
        redrawn += outside.sum(axis=0)
        todo = todo[outside.any(axis=1)]
        if todo.size == 0:
            return values, tuple(int(c) for c in redrawn)
    worst = spreads[int(np.argmax(redrawn))]
    raise Il7Error(
        f"vary {worst.parameter} (--vary): most log-normal draws with CV {100 * worst.cv:.3g}% fall outside its "
        f"bounds {worst.low:g}-{worst.high:g}{units.suffix(worst.unit)}; give a smaller CV or a range "
        "within them"
    )
