"""The in-silico biomarker study: a virtual cohort of transplant patients and their serum IL-7.

Each virtual patient is the ``transplant`` scenario with their own graft (CD34+ and T-cell
doses), alloreactive fraction and host IL-7 production, drawn log-normally with a fixed seed.
Acute GVHD is read where the patient's alloreactive donor T cells peak highest: the cohort's
threshold is the quantile that gives the incidence reported for reduced-intensity transplants
from HLA-identical siblings (36%, Blood 2003;102:470). Serum IL-7 at day +7 and +14 is then
compared between the groups, as Dean 2008 did (doi:10.1200/JCO.2008.17.1314: higher in aGVHD,
P = .01 and .00003; sensitivity up to 86%, specificity 100%), with the ROC of day +14 IL-7.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from il7 import build, experiments
from il7.errors import Il7Error
from il7.scenario import Scenario, load
from il7.simulate import simulate_many, workers

AGVHD_INCIDENCE = 0.36
"""Grade II-IV acute GVHD after reduced-intensity conditioning from HLA-identical siblings
(Blood 2003;102(2):470, abstract: 36%, 95% CI 27-45)."""


@dataclass(frozen=True)
class Variability:
    """Median and log-normal spread (sd of the natural log) of one patient trait."""

    median: float
    log_sd: float
    note: str


VARIABILITY = {
    "cd34_per_kg": Variability(
        7.8e6,
        0.4,
        "CD34+ cells/kg: median of a reduced-intensity PBSC cohort (PMC3203323 Table 1); spread assumed",
    ),
    "t_per_kg": Variability(
        2e8, 0.5, "donor T cells/kg in a PBSC graft: order assumed (no reliable number read)"
    ),
    "f_allo": Variability(
        0.02, 0.5, "alloreactive fraction of donor T cells: f_allo of parameters.tsv; spread assumed"
    ),
    "il7_production": Variability(
        1.0, 0.3, "host IL-7 production relative to the reference adult; spread assumed"
    ),
}


@dataclass(frozen=True)
class Patient:
    """One virtual patient's traits (see :data:`VARIABILITY`)."""

    cd34_per_kg: float
    t_per_kg: float
    f_allo: float
    il7_production: float


@dataclass(frozen=True)
class CohortResult:
    """What the study reports.

    Attributes
    ----------
    patients
        The drawn patients, in order.
    il7_day7, il7_day14
        Total serum IL-7 (pg/mL) at day +7 and +14.
    peak_alloreactive
        Highest alloreactive donor T-cell count to day +100 (cells).
    threshold
        Alloreactive cells above which a patient is read as having acute GVHD.
    agvhd
        Whether each patient crosses it.
    """

    patients: tuple[Patient, ...]
    il7_day7: np.ndarray
    il7_day14: np.ndarray
    peak_alloreactive: np.ndarray
    threshold: float
    agvhd: np.ndarray

    def medians(self, il7: np.ndarray) -> tuple[float, float]:
        """Median IL-7 of the aGVHD patients and of the others."""
        return float(np.median(il7[self.agvhd])), float(np.median(il7[~self.agvhd]))

    def p_value(self, il7: np.ndarray) -> float:
        """Two-sided Mann-Whitney P of IL-7 between the aGVHD and other patients."""
        from scipy.stats import mannwhitneyu

        return float(mannwhitneyu(il7[self.agvhd], il7[~self.agvhd], alternative="two-sided").pvalue)

    def roc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """False- and true-positive rates of "day +14 IL-7 >= cut-off", and the cut-offs (pg/mL)."""
        cuts = np.concatenate([[np.inf], np.sort(self.il7_day14)[::-1]])
        positive = self.il7_day14[None, :] >= cuts[:, None]
        tpr = (positive & self.agvhd).sum(axis=1) / max(int(self.agvhd.sum()), 1)
        fpr = (positive & ~self.agvhd).sum(axis=1) / max(int((~self.agvhd).sum()), 1)
        return fpr, tpr, cuts

    def auc(self) -> float:
        """Area under the ROC of day +14 IL-7 (0.5: no information; below 0.5: lower in aGVHD)."""
        fpr, tpr, _ = self.roc()
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))

    def best_cutoff(self) -> tuple[float, float, float]:
        """The cut-off (pg/mL) that maximises sensitivity + specificity, with both."""
        fpr, tpr, cuts = self.roc()
        i = int(np.argmax(tpr - fpr))
        return float(cuts[i]), float(tpr[i]), float(1.0 - fpr[i])

    def verdict(self) -> str:
        """One sentence: how the cohort's day +14 IL-7 compares with Dean 2008's finding."""
        return dean_2008_verdict(self.p_value(self.il7_day14), self.medians(self.il7_day14))

    def agrees_with_dean_2008(self) -> bool:
        """Whether day +14 IL-7 is significantly higher in aGVHD (P < 0.05), as Dean 2008 found."""
        return dean_2008_agrees(self.p_value(self.il7_day14), self.medians(self.il7_day14))


def dean_2008_agrees(p_day14: float, day14: tuple[float, float]) -> bool:
    """Whether a day +14 P value and (aGVHD, other) medians say what Dean 2008 found: higher, P < 0.05."""
    return p_day14 < 0.05 and day14[0] > day14[1]


def dean_2008_verdict(p_day14: float, day14: tuple[float, float]) -> str:
    """The verdict sentence for a day +14 P value and (aGVHD, other) medians."""
    if dean_2008_agrees(p_day14, day14):
        return "The model, like Dean 2008, predicts higher day +14 IL-7 in aGVHD."
    if p_day14 >= 0.05:
        return f"The model predicts no significant difference in day +14 IL-7 (P = {p_day14:.2g}), where Dean 2008 found it higher in aGVHD."
    return "The model predicts lower day +14 IL-7 in aGVHD, the opposite of Dean 2008."


def draw(n: int, seed: int) -> tuple[Patient, ...]:
    """``n`` patients drawn with ``seed`` (the same seed gives the same cohort)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 10:
        raise Il7Error(
            f"a cohort needs a whole number of at least 10 patients, not {n!r}; give --n 10 or more"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise Il7Error(f"--seed {seed!r}: give a whole number >= 0")
    rng = np.random.default_rng(seed)
    traits = {k: v.median * np.exp(rng.normal(0.0, v.log_sd, n)) for k, v in VARIABILITY.items()}
    return tuple(Patient(*(float(traits[k][i]) for k in VARIABILITY)) for i in range(n))


@functools.cache
def _transplant() -> tuple[Scenario, float, dict[str, float]]:
    """The transplant scenario read for the study, its body weight (kg) and the reference IL-7
    source rates."""
    table = {p.id: p.value for p in build.parameters()}
    scenario = dataclasses.replace(load("transplant"), readouts=("IL7_serum_total", "Tallo"))
    if scenario.body_weight_kg is None:
        raise Il7Error(
            "the transplant scenario needs a body context (per-kg graft doses); set context: human_body"
        )
    sources = {s: float(table[s] or 0.0) for s in experiments.IL7_SOURCES}
    return scenario, scenario.body_weight_kg, sources


def patient_run(patient: Patient) -> tuple[Scenario, dict[str, float]]:
    """The transplant scenario and the overrides that make it this patient's: their graft at day
    0 (the T cells infused over one day), alloreactive fraction and IL-7 production."""
    transplant, kg, sources = _transplant()
    scenario = experiments.with_setting(transplant, "HSPC", patient.cd34_per_kg * kg, at=0.0)
    per_hour = patient.t_per_kg * kg / 24.0  # the graft is infused over one day
    scenario = experiments.with_setting(scenario, "graft_T_rate", per_hour, at=0.0)
    overrides = {"f_allo": patient.f_allo} | {s: rate * patient.il7_production for s, rate in sources.items()}
    return scenario, overrides


def run(
    n: int = 300,
    seed: int = 2008,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CohortResult:
    """Simulate the cohort through day +100 and classify acute GVHD.

    Parameters
    ----------
    n
        Number of patients (at least 10).
    seed
        Seed of the draw.
    jobs
        Processes that run the patients (0: one per CPU); the result does not depend on it.
    progress
        Called with (patients done, n) after each patient.

    Raises
    ------
    Il7Error
        A bad ``n``, ``seed`` or ``jobs``, or a patient whose run fails (the study needs them all).
    """
    patients = draw(n, seed)
    workers(jobs, where="cohort")
    rows = []
    for i, result in enumerate(simulate_many([patient_run(p) for p in patients], jobs=jobs)):
        if isinstance(result, Il7Error):
            raise Il7Error(f"cohort patient {i} ({patients[i]}): {result}")
        rows.append(
            (
                experiments.value_at(result.time, result["IL7_serum_total"], 7.0),
                experiments.value_at(result.time, result["IL7_serum_total"], 14.0),
                float(np.max(result["Tallo"])),
            )
        )
        if progress is not None:
            progress(i + 1, n)
    values = np.asarray(rows)
    peak = values[:, 2]
    threshold = float(np.quantile(peak, 1.0 - AGVHD_INCIDENCE))
    return CohortResult(patients, values[:, 0], values[:, 1], peak, threshold, peak >= threshold)
