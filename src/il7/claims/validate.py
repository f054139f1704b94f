"""Measure every literature target with the in-silico experiment that matches it.

:data:`MEASURES` maps each target of ``claims/targets.yaml`` to the function that computes the
model's value; :func:`validate` runs them and judges each with its target. Tests, the report
and ``il7 validate`` all go through here, so a target is measured one way only.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from il7 import build, calibrate, cohort, experiments, units
from il7.claims import BASES, Claim, Target, claims, targets
from il7.errors import Il7Error, did_you_mean, warn
from il7.scenario import Scenario, load
from il7.simulate import usable_cpus, values_in_run

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Result:
    """A target, the model's value and the verdict."""

    target: Target
    observed: float

    @property
    def passed(self) -> bool:
        return self.target.passes(self.observed)

    def __repr__(self) -> str:
        """One line: the target, the model's value, the criterion and the verdict (the target's
        texts are in ``target``)."""
        return f"Result({check_line(self)})"

    def shown(self) -> str:
        """The model's value in words for a table, with its unit (``98.68 pg/mL``): a complete loss,
        a ratio over nothing left, is said, not printed as ``inf``."""
        if math.isinf(self.observed):
            return "infinite (none left)" if self.observed > 0 else "minus infinite"
        if math.isnan(self.observed):
            return "not measured"
        return f"{self.observed:.4g}{units.suffix(self.target.unit)}"

    def row(self) -> dict[str, object]:
        """The target and its outcome as one flat record (``il7 validate --json``, :meth:`Validation.to_pandas`)."""
        return {
            "target": self.target.id,
            "description": self.target.description,
            "expected": self.target.expected,
            # strict JSON has no inf or nan: a complete loss (inf) or a failed measure (nan) is a string
            "model": self.observed if math.isfinite(self.observed) else str(self.observed),
            "unit": self.target.unit,
            "basis": self.target.basis,
            "passed": self.passed,
            "source": self.target.source,
            "known_miss": self.target.known_miss,
        }


def check_line(r: Result) -> str:
    """One target's outcome within a claim, e.g. ``activated_t_il3_ratio [input]: 2.455 (want > 1, ok)``."""
    verdict = "ok" if r.passed else "MISS"
    return f"{r.target.id} [{r.target.basis}]: {r.shown()} (want {r.target.expected}, {verdict})"


def passes_by_basis(results: Sequence[Result]) -> str:
    """How many targets pass, in all and by basis (predictions first), as one sentence."""
    parts = []
    for basis in reversed(BASES):
        group = [r for r in results if r.target.basis == basis]
        if group:
            label = {"prediction": "predictions", "input": "inputs"}.get(basis, basis)
            parts.append(f"{label} {sum(r.passed for r in group)} of {len(group)}")
    return f"{sum(r.passed for r in results)} of {len(results)} targets pass ({', '.join(parts)})"


@functools.cache
def gonnord() -> tuple[calibrate.GonnordData, np.ndarray, np.ndarray]:
    """Gonnord 2018's data and the model's two S3D inhibition curves (%) at the stored fit."""
    return (calibrate.load_data(), *calibrate.cross_inhibitions({}))


def _s3c_r2() -> float:
    data = gonnord()[0]
    mfi = experiments.dose_response("IL7", "pSTAT5_MFI", data.doses_pg_ml)  # the model's observable map
    return calibrate.r_squared(data.mfi.ravel(), np.repeat(mfi, data.mfi.shape[1]))


@functools.cache
def cd127_course() -> tuple[np.ndarray, np.ndarray]:
    times = np.concatenate(([0.0, 0.5], np.linspace(1.0, 48.0, 95)))
    return times, experiments.surface_cd127(10.0, times)


def cd127_maximal_loss_time(times: np.ndarray, surface: np.ndarray) -> float:
    """The first time surface CD127 has made 95% of its greatest fall: where a flow assay sees the
    loss as maximal. The lowest point itself (in the standard well 2.4% of the start, near 9 h)
    lies where the last 5% of the fall moves CD127 by less than an assay resolves."""
    fall = 1.0 - surface
    return float(times[int(np.argmax(fall >= 0.95 * fall.max()))])


@functools.cache
def graded() -> experiments.GradedOutputs:
    return experiments.graded_outputs()


@functools.cache
def faces() -> experiments.SolubleReceptorFaces:
    return experiments.soluble_receptor_faces()


@functools.cache
def body() -> dict[str, float]:
    return experiments.body_steady_state()


DEPLETION_DAYS = (0.0, 1.0, 3.0, 7.0, 14.0, 30.0, 90.0, 365.0, 730.0)


@functools.cache
def depletion() -> tuple[tuple[float, ...], np.ndarray, np.ndarray]:
    serum, cells = experiments.depletion_course(DEPLETION_DAYS)
    return DEPLETION_DAYS, serum, cells


@functools.cache
def mouse(gene: str | None) -> dict[str, float]:
    state = experiments.mouse_knockout(gene)
    return state | {"B_preB_and_later": state["preB"] + state["immB"] + state["B_peripheral"]}


def severity_ratio(readout: str) -> float:
    """IL-7Ralpha-knockout loss over IL-7-knockout loss (1 when equal, complete losses included).

    Rounded to 1e-6: the two knockouts reach the same state by different routes, and the
    solver's last digits differ.
    """
    a, b = knockout_fold("IL7R", readout), knockout_fold("IL7", readout)
    if math.isinf(a) and math.isinf(b):
        return 1.0
    return round(a / b, 6)


def knockout_fold(gene: str, readout: str) -> float:
    """Wild-type over knockout (a complete loss gives inf)."""
    ko = mouse(gene)[readout]
    return mouse(None)[readout] / ko if ko > 0 else math.inf


def sources_contribution() -> float:
    """Smallest relative fall of serum IL-7 one day after one source is removed.

    A day, not the new steady state: over months the pools answer (without the thymic source,
    thymopoiesis falls, fewer T cells consume IL-7 and serum IL-7 ends higher than before).
    """
    return least(1.0 - experiments.source_removed(s, days=1.0) for s in experiments.IL7_SOURCES)


def il7_gene_chromosome() -> float:
    """The chromosome written in the IL7 gene annotation (e.g. '8q12-13' -> 8), from annotations.tsv."""
    import re

    for row in build.annotation_rows():
        if row["uri"].endswith("ncbigene:3574"):
            found = re.search(r"chromosome (\d+)", row["label"])
            if found:
                return float(found.group(1))
    return math.nan


GC_HIERARCHY = ("k_gc_off", "k_gc_off_IL15", "k_gc_off_IL2", "k_gc_off_IL4")
"""gc release rates from IL-7:IL-7Ralpha, IL-15:IL-2Rbeta, IL-2:IL-2Rbeta and IL-4:IL-4Ralpha, from
the tightest hold on gc to the loosest (target gc_affinity_hierarchy)."""


def least(values: Iterable[float]) -> float:
    """The smallest of ``values``, NaN if one is NaN: Python's ``min`` keeps a NaN only when it
    comes first, so an unmeasured value (NaN) among others read as the others' minimum."""
    return float(np.min(list(values)))


def most(values: Iterable[float]) -> float:
    """The largest of ``values``, NaN if one is NaN (see :func:`least`)."""
    return float(np.max(list(values)))


def gc_hierarchy_margin() -> float:
    """The smallest ratio of neighbouring release rates in :data:`GC_HIERARCHY` (above 1 when
    ordered); NaN where a rate is missing or not positive."""
    table = build.parameters_by_id()
    rates = [table[k].model_value or math.nan for k in GC_HIERARCHY]
    if not all(r > 0 for r in rates):  # (NaN > 0 is False)
        return math.nan
    return least(b / a for a, b in itertools.pairwise(rates))


def prebcr_fold() -> float:
    """Pre-B cells of the wild-type mouse over a mouse with the pre-BCR/ERK signal blocked."""
    blocked = experiments.mouse_knockout(None, overrides={"preBCR_signal": 0})["preB"]
    return mouse(None)["preB"] / blocked if blocked > 0 else math.inf


LIGAND = frozenset({"IL7_tissue", "IL7_plasma", "IL7_sIL7R_tissue", "IL7_sIL7R_plasma"})


CELL_STATES = frozenset({"cycling_T", "mono_program", "Ki67_n4", "Ki67_m4", "Ki67_n8", "Ki67_m8", "Ki67_reg"})
"""Cell species that count cells in a state IL-7 drives (in the cycle, lately divided; monocytes with
their cytokine program on), not a population of their own: an IL-7 dependence passes through them, as through a
molecule (:func:`il7_dependent_reactions`)."""


def il7_dependent_reactions(species: str) -> list[str]:
    """Reactions that make or remove ``species`` and whose rate depends on IL-7 or its signal.

    A rate depends on IL-7 when, followed through the model's assignment rules, it names an IL-7
    species or a species that such a rate makes or removes (receptor complexes, pSTAT5_T, Bcl-2,
    cells in the cycle: the signal IL-7 sets off), found to a fixed point. A cell population
    passes no dependence on: immature B cells leave the marrow at a rate that names immB, whose making
    depends on IL-7 upstream, but no IL-7 signal in the maturing cells.
    """
    import libsbml

    model = libsbml.readSBMLFromString(build.sbml()).getModel()
    rules = {r.getVariable(): r.getMath() for r in model.getListOfRules() if r.isAssignment()}

    @functools.cache
    def closure(name: str) -> frozenset[str]:
        if name not in rules:
            return frozenset({name})
        return frozenset({name}).union(*(closure(n) for n in build.formula_names(rules[name])))

    populations = build.cell_species() - CELL_STATES
    laws = []  # (reaction, the species it makes or removes, the symbols its rate reaches)
    for reaction in model.getListOfReactions():
        touched = {r.getSpecies() for r in reaction.getListOfReactants()} | {
            p.getSpecies() for p in reaction.getListOfProducts()
        }
        reach = set().union(*(closure(n) for n in build.formula_names(reaction.getKineticLaw().getMath())))
        laws.append((reaction.getId(), touched, reach))
    dependent = set(LIGAND)
    grown = True
    while grown:
        before = len(dependent)
        for _, touched, reach in laws:
            if reach & dependent:
                dependent |= touched - populations
        grown = len(dependent) > before
    return [rid for rid, touched, reach in laws if species in touched and reach & dependent]


def body_cd127_ratio() -> float:
    """Resting CD127 (reference cell) over activated CD127, both without IL-7."""
    products = experiments.activated_t_products(0.0)
    reference = build.parameters_by_id()["IL7Ra_per_T"].value or math.nan
    return float(reference / products["CD127_activated"])


def _ec50(response: Callable[[np.ndarray], np.ndarray], doses: np.ndarray) -> float:
    return experiments.ec50(doses, response(doses))


def _peak_fold(c: dict[str, np.ndarray], readout: str) -> float:
    """Highest value of a readout in a course over its first value."""
    return float(np.max(c[readout]) / c[readout][0])


@functools.cache
def _course(name: str, dose: float | None) -> dict[str, np.ndarray]:
    """A library scenario's course at its own dose (``None``) or another, run once per dose: the
    targets, the claims and the report's figures that read a course all read it here."""
    return experiments.course(name, dose)


def sportes_peak_folds(ug_per_kg: float) -> tuple[float, float]:
    """Peak CD4 and CD8 over baseline in the first 8 weeks of sportes_2008 at a dose."""
    c = _course("sportes_2008", ug_per_kg)
    return _peak_fold(c, "CD4_blood"), _peak_fold(c, "CD8_blood")


LEVY_ARMS = (10.0, None, 30.0)
"""The doses of Levy 2012's arms (ug/kg), ``None`` for levy_2012's own, the recommended 20."""


def levy_course(ug_per_kg: float | None = None) -> dict[str, np.ndarray]:
    """The levy_2012 course (days): CYT107 SC weekly x 3 in the treated-HIV body, at the
    scenario's own dose (``None``) or another of :data:`LEVY_ARMS`."""
    return _course("levy_2012", ug_per_kg)


def levy_gains(ug_per_kg: float | None = None) -> tuple[float, float]:
    """CD4 gain (cells/uL) at week 12 and at one year (day 364) of levy_2012 (Levy 2012: +323 at
    week 12, "durable (up to 1 year)")."""
    c = levy_course(ug_per_kg)
    before = float(c["CD4_blood"][0])
    return (
        experiments.value_at(c["time"], c["CD4_blood"], 84.0) - before,
        experiments.value_at(c["time"], c["CD4_blood"], 364.0) - before,
    )


@functools.cache
def sportes_subsets() -> dict[str, np.ndarray]:
    """The sportes_2008 course at 10 ug/kg, read by subset."""
    s = dataclasses.replace(
        load("sportes_2008"),
        readouts=(
            "naive_CD4_blood",
            "memory_CD4_blood",
            "naive_CD8_blood",
            "memory_CD8_blood",
            "Treg_blood",
            "CD4_blood",
            "thymic_export",
            "TREC_per_naive_CD4",
            "TREC_naive_CD4_blood",
            "Ki67_T",
        ),
    )
    return experiments.course(s, 10.0)


def sportes_ki67_fold(day: float) -> float:
    """Ki-67-positive share of blood CD4 and CD8 T cells together on a day of sportes_2008 at 10
    ug/kg, over before."""
    c = sportes_subsets()
    return experiments.value_at(c["time"], c["Ki67_T"], day) / float(c["Ki67_T"][0])


def sportes_lowest(readout: str) -> float:
    """Lowest value of a readout in the first 8 weeks of sportes_2008 at 10 ug/kg, over before."""
    c = sportes_subsets()
    return float(np.min(c[readout]) / c[readout][0])


def sportes_naive_over_memory() -> float:
    """Smaller (CD4, CD8) ratio of the naive pool's peak fold to the memory pool's in sportes_2008."""
    c = sportes_subsets()
    return least(
        _peak_fold(c, f"naive_{t}_blood") / _peak_fold(c, f"memory_{t}_blood") for t in ("CD4", "CD8")
    )


def naive_centenarians_over_young() -> float:
    """Naive T cells (CD4 + CD8, blood) at 100 years over at 20 (Fagnoni 2000's oldest and youngest)."""
    old, young = experiments.naive_t_cells_by_age(100.0, 20.0)
    return old / young


def sportes_thymic_export_fold() -> float:
    """Peak thymic export over before in the first 8 weeks of sportes_2008 at 10 ug/kg."""
    return _peak_fold(sportes_subsets(), "thymic_export")


def _treg_share_at_cd4_peak(c: dict[str, np.ndarray]) -> float:
    """Treg share of blood CD4 when CD4 peaks in a course, relative to its first value."""
    share = c["Treg_blood"] / c["CD4_blood"]
    return float(share[int(np.argmax(c["CD4_blood"]))] / share[0])


def sportes_treg_share() -> float:
    """Treg share of CD4 when CD4 peaks in sportes_2008, relative to before."""
    return _treg_share_at_cd4_peak(sportes_subsets())


def sportes_dose_dependence() -> float:
    """Smallest ratio of peak fold between successive doses 10 -> 30 -> 60 ug/kg (CD4 and CD8)."""
    folds = [sportes_peak_folds(d) for d in (10.0, 30.0, 60.0)]
    return least(b[i] / a[i] for a, b in itertools.pairwise(folds) for i in (0, 1))


def levy_dose_dependence() -> float:
    """Smallest ratio of the week-12 CD4 gain between successive doses 10 -> 20 -> 30 ug/kg."""
    gains = [levy_gains(d)[0] for d in LEVY_ARMS]
    return least(b / a for a, b in itertools.pairwise(gains))


def levy_sil7r_furthest() -> float:
    """Total serum sIL-7R (free and IL-7-bound) over before, on the day of levy_2012's year when
    it is furthest from before (either way)."""
    c = levy_course()
    ratio = c["sIL7R_serum"] / c["sIL7R_serum"][0]
    return float(ratio[np.argmax(np.abs(np.log(ratio)))])


def sereti(ug_per_kg: float | None = None) -> dict[str, np.ndarray]:
    """The sereti_2009 single-dose course (hours), at the scenario's own dose (``None``: 10
    ug/kg) or another of the trial's (3)."""
    return _course("sereti_2009", ug_per_kg)


def sereti_cd127(
    hours_from: float, hours_to: float, *, lowest: bool, ug_per_kg: float | None = None
) -> float:
    """Surface CD127 relative to before in a window of sereti_2009: the lowest, or the last."""
    c = sereti(ug_per_kg)
    window = (c["time"] >= hours_from) & (c["time"] <= hours_to)
    values = c["CD127_per_T"][window] / c["CD127_per_T"][0]
    return float(np.min(values) if lowest else values[-1])


@functools.cache
def anti_cd127(mg_per_kg: float) -> experiments.AntibodyTrough:
    """The anti_cd127_q2w trough at a dose, simulated once for both of its targets."""
    return experiments.anti_cd127_trough(mg_per_kg)


def anti_cd127_course() -> dict[str, np.ndarray]:
    """The anti_cd127_q2w course at 1 mg/kg (days)."""
    return _course("anti_cd127_q2w", None)


def anti_cd127_fold(readout: str, day: float = 70.0) -> float:
    """A readout on a day of anti_cd127_q2w at 1 mg/kg (default: week 10, the last dose) over
    its value at the first dose."""
    c = anti_cd127_course()
    return experiments.value_at(c["time"], c[readout], day) / float(c[readout][0])


def mouse_anti_cd127_fold(readouts: tuple[str, ...], *, largest: bool) -> float:
    """The largest (or smallest) of some readouts on the last day of mouse_anti_cd127 (day 14),
    each relative to its value at the first dose."""
    c = _course("mouse_anti_cd127", None)
    folds = [float(c[r][-1] / c[r][0]) for r in readouts]
    return most(folds) if largest else least(folds)


def transplant() -> dict[str, np.ndarray]:
    """The transplant scenario's course (days)."""
    return _course("transplant", None)


def transplant_il7_t_cell_correlation() -> float:
    """Spearman correlation of serum IL-7 with blood T cells over days 0-100 of transplant."""
    from scipy.stats import spearmanr

    c = transplant()
    after = c["time"] >= 0.0
    t_cells = c["CD4_blood"][after] + c["CD8_blood"][after]
    return float(spearmanr(c["IL7_serum_total"][after], t_cells).statistic)


def transplant_il7_peak_day() -> float:
    """The day of the highest total serum IL-7 from the graft (day 0) to day +100 of transplant."""
    c = transplant()
    after = c["time"] >= 0.0
    return float(c["time"][after][int(np.argmax(c["IL7_serum_total"][after]))])


def transplant_il7_at(day: float) -> float:
    """Total serum IL-7 (pg/mL) on a day of the transplant scenario."""
    c = transplant()
    return experiments.value_at(c["time"], c["IL7_serum_total"], day)


def _fold(before_after: tuple[float, float]) -> float:
    """After over before."""
    return before_after[1] / before_after[0]


COHORT_JOBS: contextvars.ContextVar[int | None] = contextvars.ContextVar("cohort_jobs", default=None)
"""Processes the virtual cohorts run in (:func:`il7.validate`'s ``jobs``); None: one per CPU, at most 4."""


def cohort_workers() -> int:
    """The processes a virtual cohort of the targets runs in (:data:`COHORT_JOBS`)."""
    jobs = COHORT_JOBS.get()
    return min(usable_cpus(), 4) if jobs is None else jobs


@functools.cache
def cohort_study() -> cohort.CohortResult:
    """The default virtual cohort (300 patients, seed 2008), run once (in up to 4 processes)."""
    return cohort.run(jobs=cohort_workers())


def cohort_day7_p_higher() -> float:
    """One-sided Mann-Whitney P that day +7 IL-7 is higher in the aGVHD patients than in the others."""
    return cohort_study().p_value(cohort_study().il7_day7, alternative="greater")


MARROW_T_FRACTION = 0.1
"""T cells of a marrow graft relative to a G-CSF-mobilised blood graft: "Allogeneic peripheral
blood stem cell grafts contain about 10 times more T and B cells than marrow grafts" (Storek 2001,
Blood 97:3380, abstract)."""


def marrow_graft(scenario: Scenario) -> Scenario:
    """``scenario`` with a marrow graft: :data:`MARROW_T_FRACTION` of its graft's T cells
    (``graft_T`` as its run has it), the CD34+ dose kept."""
    own = build.parameters_by_id()["graft_T"].model_value
    graft_t = values_in_run(scenario, {}).get("graft_T", own)  # model units: cells
    assert graft_t is not None  # the table gives graft_T a value
    return experiments.with_setting(scenario, "graft_T", MARROW_T_FRACTION * graft_t)


@functools.cache
def marrow_cohort() -> cohort.CohortResult:
    """The default cohort's patients with marrow grafts: each one's T-cell dose a tenth of their
    blood graft's, their CD34+ dose kept (the same seed, graft_T's median moved before the start;
    the few patients drawn again in either cohort differ, see :func:`il7.cohort.run`), read at the
    default cohort's threshold."""
    return cohort.run(
        scenario=marrow_graft(load("transplant")),
        threshold=cohort_study().threshold,
        jobs=cohort_workers(),
    )


GRAFT_READOUTS = ("naive_CD4_blood", "memory_CD4_blood", "naive_CD8_blood", "memory_CD8_blood", "CD8_blood")
"""Blood T-cell subsets compared after blood and marrow grafts (Storek 2001, Petersen 2003)."""


@functools.cache
def graft_courses() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The transplant scenario after its blood graft and after a marrow graft.

    The marrow graft carries :data:`MARROW_T_FRACTION` of the blood graft's T cells, its CD34+
    dose kept.

    Returns
    -------
    tuple of dict
        For the blood graft, then the marrow graft: ``"time"`` (days 0 to 365, each day) and
        each of :data:`GRAFT_READOUTS` (cells/uL of blood).
    """
    s = dataclasses.replace(
        load("transplant"),
        readouts=GRAFT_READOUTS,
        times=tuple(float(day) for day in range(366)),
    )
    return experiments.course(s), experiments.course(marrow_graft(s))


def blood_over_marrow_graft(readout: str, day: float) -> float:
    """A readout after the blood graft over the same after the marrow graft (:func:`graft_courses`).

    Parameters
    ----------
    readout
        One of :data:`GRAFT_READOUTS`.
    day
        Day after the transplant (the nearest output day).

    Returns
    -------
    float
        The ratio (dimensionless).
    """
    blood, marrow = graft_courses()
    return experiments.value_at(blood["time"], blood[readout], day) / experiments.value_at(
        marrow["time"], marrow[readout], day
    )


def cd8_after_blood_graft(day: float) -> float:
    """Blood CD8 T cells (cells/uL) on a day after the transplant scenario's blood graft."""
    blood, _ = graft_courses()
    return experiments.value_at(blood["time"], blood["CD8_blood"], day)


def cohort_marrow_agvhd_ratio() -> float:
    """aGVHD incidence of the marrow cohort, read at the blood cohort's threshold, over the blood
    cohort's."""
    return float(np.mean(marrow_cohort().agvhd) / np.mean(cohort_study().agvhd))


def cohort_il7_graft_t_p_falling() -> float:
    """One-sided P (Spearman rank correlation) that day +14 IL-7 falls as the graft's T-cell dose rises."""
    from scipy.stats import spearmanr

    r = cohort_study()  # the patients whose run went through (r.patient), as il7_day14 holds them
    return float(spearmanr(r.population.drawn("graft_T")[r.patient], r.il7_day14, alternative="less").pvalue)


MEASURES: dict[str, Callable[[], float]] = {
    "pstat5_ec50_10min": lambda: _ec50(experiments.pstat5_dose_response, np.logspace(0, 5, 41)),
    "pstat5_s3c_r2": _s3c_r2,
    "pstat6_ec50_10min": experiments.pstat6_ec50,
    "il4_response_inhibited_by_il7_10ng": lambda: float(gonnord()[1][calibrate.S3D_IL7_PRE.index(10000.0)]),
    "il7_response_inhibited_by_il4_any_dose": lambda: float(np.max(gonnord()[2])),
    "il7ra_half_life_without_il7": lambda: experiments.il7ra_half_life(0.0),
    "il7ra_half_life_with_il7": lambda: experiments.il7ra_half_life(10.0),
    "il7ra_half_life_with_il7_without_gc": lambda: experiments.il7ra_half_life(
        10.0, overrides={"IL2RG_expression": 0}
    ),
    "cd127_loss_at_30min": lambda: float(100.0 * (1.0 - cd127_course()[1][1])),
    "cd127_nadir_time": lambda: cd127_maximal_loss_time(*cd127_course()),
    "survival_ec50": lambda: graded().ec50_survival,
    "proliferation_ec50": lambda: graded().ec50_proliferation,
    "stat5_most_sensitive_output": lambda: (
        least((graded().ec50_survival, graded().ec50_proliferation)) / graded().ec50_stat5
    ),
    "gc_affinity_hierarchy": gc_hierarchy_margin,
    "sil7r_culture_pstat5_ratio": lambda: faces().culture_pstat5[1] / faces().culture_pstat5[0],
    "sil7r_body_total_il7_half_life_ratio": lambda: (
        faces().body_total_il7_half_life_h[1] / faces().body_total_il7_half_life_h[0]
    ),
    "sil7r_body_pstat5_exposure_ratio": lambda: faces().body_pstat5_7day[1] / faces().body_pstat5_7day[0],
    "body_serum_il7": lambda: body()["IL7_serum_total"],
    "body_sil7r": lambda: body()["sIL7R_serum"],
    "body_cd4_blood": lambda: body()["CD4_blood"],
    "body_cd8_blood": lambda: body()["CD8_blood"],
    "body_ki67_cd4": lambda: body()["Ki67_CD4"],
    "body_ki67_cd8": lambda: body()["Ki67_CD8"],
    "halflife_naive_cd4": lambda: experiments.half_life_years(body()["turnover_naive_CD4"]),
    "halflife_naive_cd8": lambda: experiments.half_life_years(body()["turnover_naive_CD8"]),
    "halflife_memory_cd4": lambda: experiments.half_life_years(body()["turnover_memory_CD4"]),
    "halflife_memory_cd8": lambda: experiments.half_life_years(body()["turnover_memory_CD8"]),
    "thymic_share_naive": lambda: (
        body()["naive_from_thymus"] / (body()["naive_from_thymus"] + body()["naive_from_division"])
    ),
    "sink_serum_rise_after_depletion": lambda: float(
        np.max(depletion()[1][:6]) / depletion()[1][0]
    ),  # days 0-30
    "sink_rise_after_high_dose_chemotherapy": calibrate.sink_fold,
    "sink_serum_excess_left_after_two_years": lambda: float(
        (depletion()[1][-1] - depletion()[1][0]) / (np.max(depletion()[1]) - depletion()[1][0])
    ),
    "monocyte_il6_ratio_100_vs_1": lambda: float(
        experiments.monocyte_mediator(100.0, [0.0, 24.0])[-1]
        / experiments.monocyte_mediator(1.0, [0.0, 24.0])[-1]
    ),
    "monocyte_il6_at_2h": lambda: float(experiments.monocyte_mediator(100.0, [0.0, 2.0])[-1]),
    "monocyte_il6_inhibited_by_il4": lambda: experiments.monocyte_il6_with_il4(10.0),
    "monocyte_il6_undetected_at_1ng": lambda: float(experiments.monocyte_mediator(1.0, [0.0, 24.0])[-1]),
    "monocyte_il1_mip1_ratio_100_vs_1": lambda: least(
        float(
            experiments.monocyte_mediator(100.0, [0.0, 24.0], readout=r)[-1]
            / experiments.monocyte_mediator(1.0, [0.0, 24.0], readout=r)[-1]
        )
        for r in ("IL1_conc", "MIP1_conc")
    ),
    "osteoclasts_with_t_cells": lambda: experiments.osteoclast_formation(10.0, t_cells=True),
    "osteoclasts_without_t_cells": lambda: experiments.osteoclast_formation(10.0, t_cells=False),
    "osteoclast_inhibition_10ng": lambda: experiments.osteoclasts_against_vehicle(10.0),
    "mouse_il7ko_osteoclasts_rise": lambda: (
        experiments.mouse_osteoclasts(knockout="IL7")[0] / experiments.mouse_osteoclasts()[0]
    ),
    "mouse_il7_course_raises_osteoclasts": lambda: _fold(experiments.mouse_osteoclasts()),
    "mouse_il7_course_without_t_cells_no_rise": lambda: _fold(experiments.mouse_osteoclasts(t_depleted=True)),
    "mouse_il7_short_course_b_cells_double": lambda: experiments.mouse_short_course()["B_peripheral"][0],
    "mouse_il7_short_course_reverses": lambda: most(f[1] for f in experiments.mouse_short_course().values()),
    "activated_t_gmcsf_ratio": lambda: (
        experiments.activated_t_products(10.0)["GMCSF_conc"]
        / experiments.activated_t_products(0.0)["GMCSF_conc"]
    ),
    "activated_t_il3_ratio": lambda: (
        experiments.activated_t_products(10.0)["IL3_conc"] / experiments.activated_t_products(0.0)["IL3_conc"]
    ),
    "activated_t_cd127_fold_down": lambda: body_cd127_ratio(),
    "leukaemia_growth_ratio_10_vs_01": lambda: (
        experiments.leukaemia_fold(10.0) / experiments.leukaemia_fold(0.1)
    ),
    "leukaemia_gof_growth_without_il7": lambda: experiments.leukaemia_fold(0.0, gain_of_function=True),
    "leukaemia_xenograft_il7_speeds_expansion": lambda: (
        experiments.leukaemia_body_fold(("IL2RG",), context="mouse_body")
        / experiments.leukaemia_body_fold(("IL2RG", "IL7"), context="mouse_body")
    ),
    "leukaemia_xenograft_expands_without_il7": lambda: experiments.leukaemia_body_fold(
        ("IL2RG", "IL7"), context="mouse_body"
    ),
    "leukaemia_net_growth_in_body": lambda: math.log(experiments.leukaemia_body_fold(days=21.0)) / 21.0,
    "mouse_il7ko_thymus_fold": lambda: knockout_fold("IL7", "thymus_cells"),
    "mouse_il7ko_t_cell_fold": lambda: knockout_fold("IL7", "T_cells_total"),
    "mouse_il7ko_preb_and_later_fold": lambda: knockout_fold("IL7", "B_preB_and_later"),
    "mouse_il7ko_splenic_b_cells_remain": lambda: mouse("IL7")["B_peripheral"] / mouse(None)["B_peripheral"],
    "mouse_self_renewing_b_share": lambda: mouse(None)["B_self"] / mouse(None)["B_peripheral"],
    "mouse_transitional_b_cells": lambda: mouse(None)["transB"],
    "human_il7r_deficiency_keeps_b_cells": experiments.human_il7r_knockout_b_cells,
    "naive_t_cells_centenarians_over_young": naive_centenarians_over_young,
    "mouse_il7rko_as_severe": lambda: least(
        severity_ratio(r) for r in ("thymus_cells", "T_cells_total", "B_preB_and_later")
    ),
    "mouse_anti_cd127_precursors_fall": lambda: mouse_anti_cd127_fold(("thymus_cells", "preB"), largest=True),
    "mouse_anti_cd127_mature_cells_persist": lambda: mouse_anti_cd127_fold(
        ("B_mature", "T_cells_total"), largest=False
    ),
    "sources_each_contribute": lambda: sources_contribution(),
    "il7_gene_chromosome": lambda: il7_gene_chromosome(),
    "cyt107_iv_over_im_peak": experiments.iv_over_im_peak,
    "sportes_cd4_rise_10ugkg": lambda: sportes_peak_folds(10.0)[0],
    "sportes_cd8_rise_10ugkg": lambda: sportes_peak_folds(10.0)[1],
    "sportes_rise_dose_dependent": sportes_dose_dependence,
    "sportes_naive_expand_preferentially": sportes_naive_over_memory,
    "sportes_treg_share_falls": sportes_treg_share,
    "ril7_thymic_output_not_enhanced": sportes_thymic_export_fold,
    "ril7_trec_content_falls": lambda: sportes_lowest("TREC_per_naive_CD4"),
    "ril7_trec_cells_fall": lambda: sportes_lowest("TREC_naive_CD4_blood"),
    "ril7_ki67_rises_by_day_6": lambda: sportes_ki67_fold(6.0),
    "levy_cd4_gain_week12": lambda: levy_gains()[0],
    "levy_cd4_gain_kept_at_one_year": lambda: levy_gains()[1] / levy_gains()[0],
    "levy_cd4_gain_dose_dependent": levy_dose_dependence,
    "ril7_sil7r_unchanged": levy_sil7r_furthest,
    "sereti_cd127_nadir": lambda: sereti_cd127(0.0, 72.0, lowest=True),
    "sereti_cd127_recovered": lambda: sereti_cd127(0.0, 504.0, lowest=False),
    "sereti_cd127_nadir_3ugkg": lambda: sereti_cd127(0.0, 72.0, lowest=True, ug_per_kg=3.0),
    "sereti_treg_share_unchanged": lambda: _treg_share_at_cd4_peak(sereti()),
    "anti_cd127_occupancy_1mgkg_q2w": lambda: anti_cd127(1.0).occupancy,
    "anti_cd127_occupancy_3mgkg_q2w": lambda: anti_cd127(3.0).occupancy,
    "anti_cd127_pstat5_inhibition": lambda: anti_cd127(1.0).pstat5_inhibition,
    "anti_cd127_naive_cd8_spared": lambda: (
        anti_cd127_fold("naive_CD8_blood") / anti_cd127_fold("naive_CD4_blood")
    ),
    "anti_cd127_single_iv_leaves_t_cells": lambda: least(experiments.antibody_single_iv_lowest().values()),
    "anti_cd127_memory_cd4_falls": lambda: (
        anti_cd127_fold("memory_CD4_blood") / anti_cd127_fold("naive_CD8_blood")
    ),
    "transplant_il7_inverse_to_t_cells": transplant_il7_t_cell_correlation,
    "transplant_il7_day14": lambda: transplant_il7_at(14.0),
    "transplant_il7_peak_day": transplant_il7_peak_day,
    "cohort_il7_day7_higher_in_agvhd": cohort_day7_p_higher,
    "cohort_il7_day14_auc": lambda: cohort_study().auc(),
    "cohort_il7_falls_with_graft_t_dose": cohort_il7_graft_t_p_falling,
    "cohort_agvhd_marrow_over_blood_graft": cohort_marrow_agvhd_ratio,
    "transplant_naive_cd4_over_marrow_graft": lambda: blood_over_marrow_graft("naive_CD4_blood", 100.0),
    "transplant_memory_cd4_over_marrow_graft": lambda: blood_over_marrow_graft("memory_CD4_blood", 100.0),
    "transplant_cd8_normal_by_month_3": lambda: cd8_after_blood_graft(90.0),
    "three_cascades_fold": lambda: least(
        float(experiments.dose_response("IL7", r, [1e4], minutes=30)[0])
        for r in ("pSTAT5_frac", "pAkt_frac", "pERK_frac")
    ),
    "pi3k_needs_il7ra": lambda: float(
        experiments.dose_response("IL7", "pAkt_frac", [1e4], minutes=30, overrides={"IL7R_expression": 0})[0]
        / experiments.dose_response("IL7", "pAkt_frac", [1e4], minutes=30)[0]
    ),
    "mature_b_ignore_il7": lambda: float(
        len(
            il7_dependent_reactions("transB")
            + il7_dependent_reactions("matB")
            + il7_dependent_reactions("B_self")
        )
    ),
    "prebcr_erk_needed": lambda: prebcr_fold(),
    "shared_stat5_il2_il15": lambda: least(
        float(experiments.dose_response(d, "pSTAT5_frac", [1e5], minutes=30)[0]) for d in ("IL2", "IL15")
    ),
    "tumour_growth_ignores_il7": lambda: float(len(il7_dependent_reactions("Tumour"))),
    "tumour_serum_il7_ratio": lambda: (
        experiments.serum_il7_with_tumour(1e11) / experiments.serum_il7_with_tumour(0.0)
    ),
}


def measure(target_id: str) -> Result:
    """Compute one target's model value and judge it."""
    value = MEASURES[target_id]()
    return Result(targets()[target_id], float(value) if value is not None else math.nan)


def require_targets(target_ids: Sequence[str] | str) -> list[str]:
    """The ids (one id, ids separated by commas as on the command line, or a list), each a target's;
    an id that names no target is refused with the closest one (a string was taken letter by
    letter: 'unknown target 'c'')."""
    known = targets()
    try:
        given = [target_ids] if isinstance(target_ids, str) else list(target_ids)
    except TypeError:  # not iterable: validate(5)
        given = [target_ids]  # type: ignore[list-item]
    ids = []
    for g in given:  # 'a,b' is two ids, in a list too (il7 validate a,b c); 'a,' is one
        pieces = [t.strip() for t in g.split(",")] if isinstance(g, str) else [g]
        ids.extend([t for t in pieces if t != ""] or pieces[:1])
    for target_id in ids:
        if not isinstance(target_id, str):
            raise Il7Error(
                f"targets: {target_id!r} is not a target id; give ids as text, e.g. 'thymic_share_naive'"
            )
        if target_id in BASES:
            raise Il7Error(
                f"'{target_id}' is a basis, not a target: give basis='{target_id}' (--basis {target_id})"
            )
        if target_id == "":  # ',' alone, or an empty argument
            raise Il7Error(
                "an empty target id: give target ids separated by commas, e.g. thymic_share_naive,body_serum_il7, "
                "or none for all"
            )
        if target_id not in known:
            raise Il7Error(
                f"unknown target '{target_id}'{did_you_mean(target_id, known)}; "
                "`il7 validate --list` lists every target (in Python: il7.claims.targets())"
            )
    return ids


def chosen_targets(target_ids: Sequence[str] | str | None = None, basis: str | None = None) -> list[str]:
    """The ids :func:`validate` measures, in the order of ``claims/targets.yaml``: every target, or
    those of ``target_ids``, and of them those of ``basis`` (input, fitted or prediction); a named
    target of another basis is left out with a warning (:class:`~il7.errors.Il7Warning`).

    Raises
    ------
    Il7Error
        An id that names no target (a typo had measured nothing and returned an empty list), a
        basis that is none of the three, or a basis that none of the named targets has.
    """
    known = targets()
    named = None if target_ids is None else require_targets(target_ids)
    if named == []:
        raise Il7Error("no target named; name at least one, or give None (no ids) for every target")
    if basis is not None and basis not in BASES:
        raise Il7Error(
            f"basis (--basis) '{basis}' is not one of {', '.join(BASES)}{did_you_mean(str(basis), BASES)}"
        )
    chosen = [
        t for t in known if (named is None or t in named) and (basis is None or known[t].basis == basis)
    ]
    left_out = [t for t in named or () if t not in chosen]
    if chosen and left_out:  # they were dropped without a word
        said = ", ".join(f"{t} ({known[t].basis})" for t in left_out)
        warn(f"basis (--basis) {basis}: left out {said}, of another basis")
    if not chosen:
        raise Il7Error(
            f"none of the targets named has basis {basis}; leave out basis (--basis) or name others"
        )
    return chosen


def validate(
    target_ids: Sequence[str] | str | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    basis: str | None = None,
) -> list[Result]:
    """Measure every target (or those of ``target_ids`` and ``basis``, :func:`chosen_targets`), in
    the order of ``claims/targets.yaml``."""
    out = []
    for target_id in chosen_targets(target_ids, basis):
        if progress is not None:
            progress(target_id)
        out.append(measure(target_id))
    return out


@dataclass(frozen=True)
class Validation:
    """What :func:`il7.validate` measured: each target's model value and verdict."""

    results: tuple[Result, ...]

    @property
    def passed(self) -> bool:
        """Whether every target measured passes."""
        return all(r.passed for r in self.results)

    @property
    def misses(self) -> tuple[Result, ...]:
        """The targets that fail, each with its reason (``target.known_miss``)."""
        return tuple(r for r in self.results if not r.passed)

    def to_pandas(self) -> pd.DataFrame:
        """One row per target, indexed by id, with the columns of ``il7 validate --json``
        (description, expected, model, unit, basis, passed, source, known_miss)."""
        import pandas as pd

        frame = pd.DataFrame([r.row() for r in self.results])
        frame["model"] = [r.observed for r in self.results]  # inf stays a number here (JSON needs text)
        return frame.set_index("target")

    def __repr__(self) -> str:
        """One line: the count by basis, not every target."""
        return f"Validation({passes_by_basis(self.results)})"


@dataclass(frozen=True)
class ClaimResult:
    """A claim of the article and the results of the targets that check it."""

    claim: Claim
    results: tuple[Result, ...]

    @property
    def passed(self) -> bool:
        return self.claim.missing is None and bool(self.results) and all(r.passed for r in self.results)

    @property
    def on_inputs_alone(self) -> bool:
        """Whether it passes on inputs only: checks of what was written into the model (a rate
        law, a parameter read back), which show the model carries the statement, not that it
        predicts it."""
        return self.passed and all(r.target.basis == "input" for r in self.results)

    def __repr__(self) -> str:
        """One line: the claim and its verdict."""
        return f"ClaimResult({self.claim.id}: {'PASS' if self.passed else 'FAIL'})"

    def row(self) -> dict[str, object]:
        """The claim and its verdict as one record (``il7 claims --json``), its checks as their targets' rows."""
        return {
            "claim": self.claim.id,
            "statement": self.claim.statement,
            "reading": self.claim.reading,
            "passed": self.passed,
            "missing": self.claim.missing,
            "checks": [r.row() for r in self.results],
        }


@dataclass(frozen=True)
class ClaimChecks:
    """What :func:`il7.check_claims` found: each statement of the source article and its verdict."""

    results: tuple[ClaimResult, ...]

    @property
    def passed(self) -> bool:
        """Whether every claim passes."""
        return all(c.passed for c in self.results)

    @property
    def misses(self) -> tuple[ClaimResult, ...]:
        """The claims that fail, each with the results of its targets (why: ``target.known_miss``)."""
        return tuple(c for c in self.results if not c.passed)

    def to_pandas(self) -> pd.DataFrame:
        """One row per claim, indexed by id: the statement, il7's reading, the verdict, what is
        not yet checked, and the targets that check it (their results: :meth:`targets`)."""
        import pandas as pd

        rows = [c.row() | {"checks": ", ".join(c.claim.checks)} for c in self.results]
        return pd.DataFrame(rows).set_index("claim")

    def targets(self) -> Validation:
        """The targets the claims read, each once, as :func:`il7.validate` gives them."""
        unique = {r.target.id: r for c in self.results for r in c.results}
        return Validation(tuple(unique.values()))

    def __repr__(self) -> str:
        """One line: how many claims pass."""
        return f"ClaimChecks({claims_passing(self.results)})"


def claims_passing(results: Sequence[ClaimResult]) -> str:
    """How many claims pass, and how many of those on inputs alone, as one phrase."""
    passed = [c for c in results if c.passed]
    alone = sum(c.on_inputs_alone for c in passed)
    return f"{len(passed)} of {len(results)} claims pass ({alone} of them on inputs alone, which the model was built to carry)"


def check_claims(progress: Callable[[str], None] | None = None) -> list[ClaimResult]:
    """Check every claim of the source article with its targets (each target measured once)."""
    out = []
    for claim in claims().values():
        if progress is not None:
            progress(claim.id)
        out.append(ClaimResult(claim, tuple(measured(t) for t in claim.checks)))
    return out


@functools.cache
def measured(target_id: str) -> Result:
    """:func:`measure`, remembered: several claims share targets."""
    return measure(target_id)
