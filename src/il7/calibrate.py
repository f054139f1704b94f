"""Calibration of the receptor and STAT5 parameters to Gonnord 2018 (Fig. S3C and S3D).

``il7 calibrate`` fits, by multi-start bounded least squares (:func:`scipy.optimize.least_squares`,
seeded starts in log space), the parameters in :data:`FITTED` to

* S3C: pSTAT5 median fluorescence after 10 min of IL-7 at six doses (two replicates), through
  the observable map ``MFI = offset + scale x pSTAT5 fraction`` (scale and offset solved by
  linear least squares inside every evaluation);
* S3D: percent inhibition of the IL-4 pSTAT6 response by 10-min IL-7 pre-treatment, and of the
  IL-7 pSTAT5 response by IL-4 pre-treatment (three replicates each).

With ``--write`` the result replaces those rows of ``model/parameters.tsv`` (status
``fitted``, the dataset as source, the table's bounds kept). S3B (IL-4 dose-response) is not
fitted: it is held back to judge the model, and every fit reports its prediction. ``--fix
ID=VALUE`` (repeatable) holds fitted parameters at chosen values (a measured value in place of
the fit) to see what the data and S3B make of it; such a fit is not written.

``il7 calibrate --sink`` sets the share of IL-7Ralpha on non-T cells from the lymphopenic rise
of serum IL-7, and ``--therapy`` the drug parameters, each from one published number. Each
step rests on the ones before it: refit in that order (the sink fit also re-derives the
anchor ``pSTAT5_ref``, which the others assume).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from il7 import build, experiments, units
from il7.errors import Il7Error
from il7.files import writing
from il7.values import whole_number

FITTED = ("k_pSTAT5", "K_pre", "gc_per_T", "pSTAT6_background")
"""Parameters the calibration estimates (bounds from the parameter table)."""

S3D_IL7_PRE = (10.0, 100.0, 1000.0, 10000.0, 100000.0)  # pg/mL IL-7 before IL-4
S3D_IL4_PRE = (10.0, 50.0, 500.0, 5000.0, 50000.0)  # pg/mL IL-4 before IL-7
S3D_IL4_PROBE_PM = 6.25
S3D_IL7_PROBE_PM = 2.0
SOURCE = "PMID 29615515, doi:10.1126/scisignal.aal1253 (Gonnord 2018 Fig. S3C and S3D; src/il7/data; il7 calibrate)"


@dataclass(frozen=True)
class GonnordData:
    """The fitted datasets, as arrays."""

    doses_pg_ml: np.ndarray  # S3C doses (6)
    mfi: np.ndarray  # S3C, shape (6, 2)
    inhibition_of_il4: np.ndarray  # S3D left block, % (5, 3)
    inhibition_of_il7: np.ndarray  # S3D right block, % (5, 3)


def load_data() -> GonnordData:
    """Read the shipped Gonnord 2018 S3C and S3D tables."""
    folder = resources.files("il7.data")
    s3c = np.loadtxt(
        io.StringIO(folder.joinpath("gonnord2018_S3C.csv").read_text()), delimiter=",", skiprows=1
    )
    rows = list(csv.reader(io.StringIO(folder.joinpath("gonnord2018_S3D.csv").read_text())))[1:]
    left = np.array([[float(x) for x in r[1:4]] for r in rows])
    right = np.array([[float(x) for x in r[6:9]] for r in rows])
    return GonnordData(s3c[:, 0], s3c[:, 1:], left, right)


@dataclass(frozen=True)
class Fit:
    """A calibration result."""

    values: dict[str, float]  # fitted parameters, in their table units
    scale: float  # observable map: MFI per unit pSTAT5 fraction
    offset: float  # observable map: background MFI
    r2_s3c: float  # coefficient of determination on all 12 S3C points
    ec50_pg_ml: float  # model pSTAT5 EC50 at 10 min
    cost: float
    starts: int
    s3d: tuple[np.ndarray, np.ndarray]  # model S3D curves (%): IL-7 against IL-4, IL-4 against IL-7
    pstat6_ec50_pg_ml: float  # held-out S3B: model IL-4 EC50 of pSTAT6 at 10 min
    fixed: dict[str, float]  # parameters of FITTED held at a chosen value (table units; not fitted)
    unconverged: int | None = None  # the evaluation limit the best start used up before converging


def observable_map(fraction: np.ndarray, mfi: np.ndarray) -> tuple[float, float]:
    """Least-squares scale and offset so that ``offset + scale x fraction`` fits the MFI replicates."""
    x = np.repeat(fraction, mfi.shape[1])
    design = np.column_stack([x, np.ones_like(x)])
    (scale, offset), *_ = np.linalg.lstsq(design, mfi.ravel(), rcond=None)
    return float(scale), float(offset)


def cross_inhibitions(overrides: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """The two S3D curves (%): IL-7 pre-treatment against IL-4, IL-4 pre-treatment against IL-7."""
    il4 = experiments.cross_inhibition(
        "IL7", S3D_IL7_PRE, "IL4", S3D_IL4_PROBE_PM, "pSTAT6_signal", overrides=overrides
    )
    il7 = experiments.cross_inhibition(
        "IL4", S3D_IL4_PRE, "IL7", S3D_IL7_PROBE_PM, "pSTAT5_MFI", overrides=overrides
    )
    return il4, il7


def r_squared(observed: np.ndarray, predicted: np.ndarray) -> float:
    """1 - SS_res / SS_tot over all points."""
    residual = float(np.sum((observed - predicted) ** 2))
    total = float(np.sum((observed - np.mean(observed)) ** 2))
    return 1.0 - residual / total


STARTS = 8
"""Multi-start points of :func:`fit` unless told (the first is the stored fit)."""
SEED = 7
"""Seed of :func:`fit`'s random starts unless told."""
MAX_EVALUATIONS = 80
"""Objective evaluations per start of :func:`fit` unless told."""

MOST_STARTS = 10_000
"""Most starts :func:`fit` takes: with the default evaluations a start takes about 45 s (the eight
take about 6 min), so this is about five days of work; 1e9 filled the memory with their starting
points before the first ran."""

MOST_EVALUATIONS = 10_000
"""Most objective evaluations per start :func:`fit` takes: about 0.56 s each, so a start of this
many takes about an hour and a half (125 times the default's)."""

_DIFF_STEP = 1e-3
"""least_squares' relative finite-difference step on the log10 values."""
_COST_NOISE = 1e-4
"""Relative change of the fit's cost within its numerical noise (the steady state's tolerance):
at the fit, the cost at gc_per_T 300, 300.16 and 300.3 is 0.0902820, 0.0902801 and 0.0902833,
jagged at a few parts in 1e5, and the eight starts end at 300.01-300.63 with costs up to 6e-5
of it apart."""


def fit(
    *,
    starts: int = STARTS,
    seed: int = SEED,
    max_evaluations: int = MAX_EVALUATIONS,
    fixed: Mapping[str, float | str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Run the multi-start fit.

    Parameters
    ----------
    fixed
        Parameters of :data:`FITTED` to hold at a value instead of fitting (``{"gc_per_T":
        13391}``; a number is in the table's unit, a string may carry its own): to ask how well
        the data are met, and the held-out S3B predicted, with a measured value in place of a
        fitted one.
    starts
        Number of starting points (1 to :data:`MOST_STARTS`): the table's current values, then
        uniform random draws in log space within the table's bounds.
    seed
        Seed of the random starts.
    max_evaluations
        Cap on objective evaluations per start (1 to :data:`MOST_EVALUATIONS`).
    progress
        Called with a line per finished start.
    """
    for option, value, most in (
        ("starts (--starts)", starts, MOST_STARTS),
        ("max_evaluations (--max-evaluations)", max_evaluations, MOST_EVALUATIONS),
    ):
        if whole_number(value) is None or not 1 <= value <= most:
            raise Il7Error(f"{option} {value!r}: give a whole number from 1 to {most}")
    if whole_number(seed) is None or seed < 0:
        raise Il7Error(f"seed (--seed) {seed!r}: give a whole number >= 0")
    from scipy.optimize import least_squares

    table = build.parameters_by_id()
    held = _held(fixed or {}, table)
    free = tuple(k for k in FITTED if k not in held)
    if not free:
        raise Il7Error("fixed (--fix) holds every fitted parameter; leave at least one to fit")
    data = load_data()
    lower = np.log10([table[k].lower or 0.0 for k in free])
    upper = np.log10([table[k].upper or 0.0 for k in free])
    mfi_scale = float(np.max(data.mfi))

    def unpack(theta: np.ndarray) -> dict[str, float]:
        return held | {k: float(10**v) for k, v in zip(free, theta, strict=True)}

    def residuals(theta: np.ndarray) -> np.ndarray:
        values = unpack(theta)
        try:
            fraction = experiments.pstat5_dose_response(data.doses_pg_ml, overrides=values)
            scale, offset = observable_map(fraction, data.mfi)
            # the IL-7 probe of S3D is read through the same pSTAT5 map
            il4, il7 = cross_inhibitions(values | {"pSTAT5_MFI_scale": scale, "pSTAT5_MFI_offset": offset})
        except Il7Error:
            return np.full(data.mfi.size + 30, 10.0)
        r_c = ((offset + scale * np.repeat(fraction, 2)) - data.mfi.ravel()) / mfi_scale
        r_d4 = (np.repeat(il4, 3) - data.inhibition_of_il4.ravel()) / 100.0
        r_d7 = (np.repeat(il7, 3) - data.inhibition_of_il7.ravel()) / 100.0
        return np.concatenate([2.0 * r_c, r_d4, r_d7])

    rng = np.random.default_rng(seed)
    first = np.clip(np.log10([table[k].value or 1.0 for k in free]), lower, upper)
    points = [first] + [lower + rng.random(len(free)) * (upper - lower) for _ in range(starts - 1)]
    best = None
    for i, x0 in enumerate(points):
        result = least_squares(
            residuals, x0, bounds=(lower, upper), diff_step=_DIFF_STEP, max_nfev=max_evaluations
        )
        if progress is not None:
            cut = " (stopped at the evaluation limit, not converged)" if result.status == 0 else ""
            progress(f"start {i + 1}/{len(points)}: cost {result.cost:.4g}{cut}")
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    theta, cost = _onto_bounds(
        lambda x: 0.5 * float(np.sum(residuals(x) ** 2)), best.x, best.cost, lower, upper
    )
    values = unpack(theta)
    fraction = experiments.pstat5_dose_response(data.doses_pg_ml, overrides=values)
    scale, offset = observable_map(fraction, data.mfi)
    fine = np.logspace(0, 5, 41)
    ec50 = experiments.ec50(fine, experiments.pstat5_dose_response(fine, overrides=values))
    predicted = offset + scale * np.repeat(fraction, 2)
    s3d = cross_inhibitions(values | {"pSTAT5_MFI_scale": scale, "pSTAT5_MFI_offset": offset})
    return Fit(
        {k: values[k] for k in free},
        scale,
        offset,
        r_squared(data.mfi.ravel(), predicted),
        ec50,
        cost,
        len(points),
        s3d,
        experiments.pstat6_ec50(overrides=values),
        held,
        max_evaluations if best.status == 0 else None,  # status 0: max_nfev reached
    )


def _onto_bounds(
    cost: Callable[[np.ndarray], float], theta: np.ndarray, best: float, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, float]:
    """``theta`` (log10 values) with each coordinate that the search left within its
    finite-difference step of a bound (:data:`_DIFF_STEP` times its log10 value, at least 1, as
    least_squares steps) moved onto that bound where the cost is no higher there, to within its
    numerical noise (:data:`_COST_NOISE`); and the cost. The data push gc_per_T against its lower
    bound of 300 (the cost rises 3e-4 of itself by 303), yet the starts end at 300.01-300.63,
    where the cost's noise, not the data, decides; a value a hair off its bound would hide from
    the table's ``at_bound`` that the data wanted it further."""
    for i in range(theta.size):
        for bound in (lower[i], upper[i]):
            if 0 < abs(theta[i] - bound) <= _DIFF_STEP * max(1.0, abs(theta[i])):
                trial = theta.copy()
                trial[i] = bound
                trial_cost = cost(trial)
                if trial_cost <= best * (1 + _COST_NOISE):
                    theta, best = trial, trial_cost
    return theta, best


def _held(fixed: Mapping[str, float | str], table: Mapping[str, build.Parameter]) -> dict[str, float]:
    """Check the values ``--fix`` holds and return them in the table's units.

    Each must be one of :data:`FITTED` and within its bounds in the table (the range the fit
    itself may search); a bad value fails here, before any fitting, not as a failed fit.
    """
    from il7.simulate import resolve_overrides

    stray = sorted(set(fixed) - set(FITTED))
    if stray:
        raise Il7Error(
            f"fixed (--fix) {', '.join(stray)}: only the fitted parameters ({', '.join(FITTED)}) can be held; "
            "set any other in parameters.tsv"
        )
    held = {}
    for key, given in fixed.items():
        p = table[key]
        lower, upper, unit = p.lower or 0.0, p.upper or math.inf, units.suffix(p.unit)
        try:
            model_value = resolve_overrides({key: given}, where="fixed (--fix)")[key]
        except Il7Error as exc:  # "-5 is negative; must be >= 0" sent the user on to 5, also refused
            raise Il7Error(f"{exc}; the fit takes {lower:g} to {upper:g}{unit}") from None
        value = model_value / units.LABELS[p.unit].factor
        if not lower <= value <= upper:
            raise Il7Error(
                f"fixed (--fix) {key}={value:g}{unit} is outside the fit's bounds {lower:g} to {upper:g}{unit}; give a value within them"
            )
        held[key] = value
    return held


EXPLORATION_NOT_WRITTEN = (
    "a fit with a value held by --fix is an exploration and is not written; "
    "to keep a value, put it in parameters.tsv with its source and refit without --fix"
)


def write(result: Fit, path: Path | None = None) -> Path:
    """Write the fitted values into ``model/parameters.tsv`` with status ``fitted``."""
    if result.fixed:
        raise Il7Error(EXPLORATION_NOT_WRITTEN)
    if result.unconverged is not None:
        raise Il7Error(
            f"the best start stopped at its evaluation limit ({result.unconverged}, --max-evaluations) before "
            f"converging, and a fit that has not converged is not written; refit with more evaluations "
            f"(--max-evaluations; the default is {MAX_EVALUATIONS})"
        )
    values = dict(result.values) | {"pSTAT5_MFI_scale": result.scale, "pSTAT5_MFI_offset": result.offset}
    return write_values(values, dict.fromkeys(values, SOURCE), path)


def describe(result: Fit) -> str:
    """A short text report of a fit."""
    from il7.claims import targets

    data = load_data()
    s3b = targets()["pstat6_ec50_10min"]
    table = build.parameters_by_id()
    lines = [f"{k} = {v:.4g}{units.suffix(table[k].unit)} (held, --fix)" for k, v in result.fixed.items()]
    for k, v in result.values.items():
        side = table[k].bound_at(v)
        lines.append(
            f"{k} = {v:.4g}" + (f" (on its {side} bound: the data would take it further)" if side else "")
        )
    lines += [
        f"observable map: MFI = {result.offset:.4g} + {result.scale:.4g} x pSTAT5 fraction",
        f"S3C R^2 = {result.r2_s3c:.3f} (12 points); pSTAT5 EC50 at 10 min = {_pg_ml(result.ec50_pg_ml)}",
        "S3D IL-7 against IL-4 (%): model "
        + _percent(result.s3d[0])
        + ", data "
        + _percent(data.inhibition_of_il4.mean(axis=1)),
        "S3D IL-4 against IL-7 (%): model "
        + _percent(result.s3d[1])
        + ", data "
        + _percent(data.inhibition_of_il7.mean(axis=1)),
        f"held-out S3B: IL-4 pSTAT6 EC50 at 10 min = {_pg_ml(result.pstat6_ec50_pg_ml)} "
        f"(want {s3b.expected}, {'ok' if s3b.passes(result.pstat6_ec50_pg_ml) else 'MISS'})",
        f"cost {result.cost:.4g} (best of {result.starts} starts)"
        + (
            f"; NOT CONVERGED: the best start stopped at the evaluation limit ({result.unconverged}); "
            "raise --max-evaluations"
            if result.unconverged is not None
            else ""
        ),
    ]
    return "\n".join(lines) if math.isfinite(result.cost) else "fit failed"


def _percent(values: np.ndarray) -> str:
    texts = (f"{v:.0f}" for v in values)
    return " ".join("0" if t == "-0" else t for t in texts)


def _pg_ml(ec50: float) -> str:
    return f"{ec50:.3g} pg/mL" if math.isfinite(ec50) else "none (the response does not rise)"


# ---- the IL-7 sink's ceiling -------------------------------------------------------------------
# How far serum IL-7 can rise when T cells are lost depends on what else consumes it. One
# published number sets the share of IL-7Ralpha carried by other cells (nonT_receptor_ratio):
# serum IL-7 rose about fourfold in patients made lymphopenic by high-dose chemotherapy
# (Ponchel 2005, doi:10.1186/ar1452, abstract). The reference-body signal pSTAT5_ref, which
# the T-cell thresholds derive from, is recomputed with it (human and mouse).

SINK_SOURCE = "doi:10.1186/ar1452 (Ponchel 2005, Arthritis Res Ther 7:R80, abstract: serum IL-7 rose fourfold at the time of lymphopenia after high-dose chemotherapy; il7 calibrate --sink, peak in the first 30 days after 95% of T cells are removed)"
SINK_FOLD = 4.0
SINK_DEPLETION = 0.95
"""Fraction of T cells the calibration removes: profound lymphopenia after high-dose chemotherapy
with progenitor rescue (assumed; Ponchel 2005 gives no counts in its abstract)."""
SINK_DAYS = (0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0)


@dataclass(frozen=True)
class SinkFit:
    """The non-T share of IL-7Ralpha and the reference signals it implies."""

    nonT_receptor_ratio: float
    pstat5_ref_human: float
    pstat5_ref_mouse: float


def sink_fold(overrides: dict[str, float] | None = None) -> float:
    """Peak serum IL-7 over before in the 30 days after SINK_DEPLETION of T cells is removed."""
    il7, _ = experiments.depletion_course(
        SINK_DAYS, kill_per_day=-math.log(1.0 - SINK_DEPLETION), overrides=overrides
    )
    return float(np.max(il7) / il7[0])


def _with_ratio(ratio: float) -> dict[str, float]:
    """Overrides for a non-T share, with the reference signal it implies."""
    return {
        "nonT_receptor_ratio": ratio,
        "pSTAT5_ref": experiments.reference_signal(overrides={"nonT_receptor_ratio": ratio}),
    }


def fit_sink(progress: Callable[[str], None] | None = None) -> SinkFit:
    """Set ``nonT_receptor_ratio`` so that the lymphopenic rise is Ponchel's fourfold."""
    row = build.parameters_by_id()["nonT_receptor_ratio"]
    say = progress or (lambda _line: None)
    ratio = _solve(lambda r: sink_fold(_with_ratio(r)), SINK_FOLD, row.lower or 0.01, row.upper or 1.0)
    say(
        f"nonT_receptor_ratio = {ratio:.4g} (serum IL-7 x{SINK_FOLD:g} after {SINK_DEPLETION:.0%} T-cell loss)"
    )
    human = experiments.reference_signal(overrides={"nonT_receptor_ratio": ratio})
    mouse = experiments.reference_signal("mouse_body", overrides={"nonT_receptor_ratio": ratio})
    say(f"pSTAT5_ref = {human:.4g} (human), {mouse:.4g} (mouse)")
    return SinkFit(ratio, human, mouse)


def write_sink(result: SinkFit) -> list[Path]:
    """Write the sink fit: the ratio (fitted) and the human and mouse anchors (derived)."""
    vocabulary = build.model_path("interventions.yaml")
    text = _replace_one(
        vocabulary,
        r"(\n      pSTAT5_ref:\n        value: )[0-9.eE+-]+",
        rf"\g<1>{result.pstat5_ref_mouse:.4g}",
        "interventions.yaml: expected one 'pSTAT5_ref:' entry, its 'value:' on the next line, under mouse_body; restore it",
    )
    table = write_values(
        {"nonT_receptor_ratio": result.nonT_receptor_ratio, "pSTAT5_ref": result.pstat5_ref_human},
        {"nonT_receptor_ratio": SINK_SOURCE},
    )
    with writing(vocabulary) as partial:
        partial.write_text(text, encoding="utf-8")
    return [table, vocabulary]


# ---- therapy calibration ---------------------------------------------------------------------
# Each drug parameter is set by one published number, by root finding in log space
# (scipy.optimize.brentq) within the table's bounds; the T-cell response is not fitted here
# (Levy 2012's CD4 gain: see the known_miss of levy_cd4_gain_week12 in il7 validate).
#
# Daix's IV/IM ratio sets CYT107's absorbed share F_CYT107, at the table's absorption rate
# ka_CYT107 (assumed). The IV peak is the dose; the IM peak is what escapes the receptors' uptake
# while the depot empties, and it rises steeply with the share absorbed (the ratio is 206 at F 0.7,
# 90 at 0.9), where at F 0.7 no absorption rate brings the ratio below about 125 (152 at the rate's
# upper bound, 0.2/h). The rate was the fitted one until IL-7-bound IL-7Ralpha recycled, after
# which no rate within its bounds gave 100.

THERAPY_SOURCES = {
    "F_CYT107": "doi:10.1186/s13613-023-01109-w (Daix 2023, Ann Intensive Care 13:17, abstract: CYT107 10 ug/kg IV gives about 100-fold the blood concentration of IM; il7 calibrate --therapy, at the table's ka_CYT107)",
    "kon_Ab": "doi:10.1172/jci.insight.126054 (Herold 2019, JCI Insight 4:e126054, abstract: 90-100% IL-7R occupancy at >= 1 mg/kg q2w; il7 calibrate --therapy, trough occupancy 95% at 1 mg/kg q2w)",
}
THERAPY_TARGETS = {"F_CYT107": 100.0, "kon_Ab": 0.95}
HIV_CD4_TARGET = 250.0  # cells/uL before treatment, middle of Levy 2012's entry range (101-400)


@dataclass(frozen=True)
class TherapyFit:
    """Drug parameters set by one number each, and the treated-HIV body's extra CD4 loss."""

    values: dict[str, float]  # in the table's units
    k_deplete_CD4_per_day: float
    cd4_before: float


def _solve(measure: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """The value in [lo, hi] (log scale) where ``measure`` meets ``target``."""
    from scipy.optimize import brentq

    def gap(log_x: float) -> float:
        return measure(10**log_x) - target

    a, b = math.log10(lo), math.log10(hi)
    if gap(a) * gap(b) > 0:
        raise Il7Error(f"no value in [{lo:g}, {hi:g}] reaches {target:g}; widen the table's bounds")
    return float(10 ** brentq(gap, a, b, xtol=1e-4))


def fit_therapy(progress: Callable[[str], None] | None = None) -> TherapyFit:
    """Set ``F_CYT107`` (Daix 2023) and ``kon_Ab`` (Herold 2019); find the treated-HIV body.

    A ratio of Daix's that no absorbed share within the table's bounds gives leaves ``F_CYT107``
    at its table value (not written), with a line that says so: the other two fits stand.
    """
    table = build.parameters_by_id()
    say = progress or (lambda _line: None)
    values: dict[str, float] = {}
    lo, hi = table["F_CYT107"].lower or 0.0, table["F_CYT107"].upper or 0.0

    def ratio(share: float) -> float:
        return experiments.iv_over_im_peak(overrides={"F_CYT107": share})

    try:
        values["F_CYT107"] = _solve(ratio, THERAPY_TARGETS["F_CYT107"], lo, hi)
        say(f"F_CYT107 = {values['F_CYT107']:.4g} (IV/IM peak ratio 100)")
    except Il7Error:  # the other fits still stand: keep the table's value and say why
        kept = table["F_CYT107"].value or 0.0
        say(
            f"F_CYT107 kept at {kept:.4g}: no absorbed share in its bounds gives Daix's IV/IM peak "
            f"ratio of {THERAPY_TARGETS['F_CYT107']:g} (it is {ratio(lo):.3g} at {lo:g}, {ratio(kept):.3g} "
            f"at {kept:.4g} and {ratio(hi):.3g} at {hi:g}; il7 validate cyt107_iv_over_im_peak says why)"
        )
    kon = _solve(
        lambda k: experiments.anti_cd127_lowest_occupancy(1.0, overrides={"kon_Ab": k})[0],
        THERAPY_TARGETS["kon_Ab"],
        table["kon_Ab"].lower or 0.0,
        table["kon_Ab"].upper or 0.0,
    )
    say(f"kon_Ab = {kon:.4g} 1/M/s (trough occupancy 0.95 at 1 mg/kg q2w)")
    values["kon_Ab"] = kon

    def cd4_before(k_per_day: float) -> float:
        s = experiments.with_setting("levy_2012", "k_deplete_CD4", k_per_day / 24.0)
        return float(experiments.course(s, overrides=values)["CD4_blood"][0])

    k = _solve(cd4_before, HIV_CD4_TARGET, 1e-4, 0.1)
    cd4 = cd4_before(k)
    say(f"k_deplete_CD4 = {k:.3g} 1/day in levy_2012 gives {cd4:.0f} CD4 cells/uL before treatment")
    return TherapyFit(values, k, cd4)


def write_therapy(result: TherapyFit) -> list[Path]:
    """Write the therapy fit: the drug parameters (fitted) into the table, and the treated-HIV
    body's extra CD4 loss into the levy_2012 scenario (:func:`write_hiv_body`)."""
    fitted = {k: v for k, v in THERAPY_SOURCES.items() if k in result.values}  # a kept F_CYT107 is not
    return [write_values(result.values, fitted), write_hiv_body(result.k_deplete_CD4_per_day)]


def write_hiv_body(k_per_day: float, path: Path | None = None) -> Path:
    """Write ``k_deplete_CD4`` (1/day, to 3 significant figures: within 1% of
    :data:`HIV_CD4_TARGET`) into the levy_2012 scenario (or the scenario file at ``path``), whose
    treated-HIV body it sets; it was copied there by hand before, and went stale."""
    from il7.scenario import builtin_file

    target = path or builtin_file("levy_2012")
    text = _replace_one(
        target,
        r"(k_deplete_CD4: )[0-9.eE+-]+( 1/day)",
        rf"\g<1>{k_per_day:.3g}\g<2>",
        f"{target}: expected one 'k_deplete_CD4: VALUE 1/day' setting; restore it",
    )
    with writing(target) as partial:  # whole or not at all: a cut file would break the package
        partial.write_text(text, encoding="utf-8")
    return target


def _replace_one(path: Path, pattern: str, replacement: str, missing: str) -> str:
    """``path``'s text with the one match of ``pattern`` replaced (a value written into a data
    file by hand-kept layout); ``missing`` is the error when there is not exactly one."""
    text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"))
    if count != 1:
        raise Il7Error(missing)
    return text


def write_values(values: dict[str, float], sources: dict[str, str], path: Path | None = None) -> Path:
    """Write ``values`` (table units) into ``model/parameters.tsv``, in one pass.

    A row named in ``sources`` becomes status ``fitted`` with that source; any other row of
    ``values`` only changes its value (a derived anchor keeps its status and derivation).
    """
    target = path or build.model_path("parameters.tsv")
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    missing = set(values) - {row["id"] for row in rows}
    if missing:
        raise Il7Error(
            f"parameters.tsv has no rows for {', '.join(sorted(missing))}; add them before --write"
        )
    for row in rows:
        if row["id"] in values:
            row["value"] = f"{values[row['id']]:.4g}"
        if row["id"] in sources:
            row["status"] = "fitted"
            row["source"] = sources[row["id"]]
    out = io.StringIO()
    # no quoting: the table is plain tab-separated text, and notes keep their quotation marks as written
    writer = csv.DictWriter(
        out,
        fieldnames=list(rows[0]),
        delimiter="\t",
        lineterminator="\n",
        quoting=csv.QUOTE_NONE,
        quotechar=None,
    )
    writer.writeheader()
    writer.writerows(rows)
    with writing(target) as partial:  # whole or not at all: a cut table would break the package
        partial.write_text(out.getvalue(), encoding="utf-8")
    return target
