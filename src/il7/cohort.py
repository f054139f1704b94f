"""The in-silico biomarker study: a virtual cohort of transplant patients and their serum IL-7.

Each virtual patient is the ``transplant`` scenario with their own graft (CD34+ and T-cell
doses), alloreactive fraction and IL-7 production (:data:`TRAITS`), drawn log-normally with a
fixed seed: the cohort is an ``il7 population`` of that scenario.
Acute GVHD is read where the patient's alloreactive donor T cells peak highest: the cohort's
threshold is the quantile that gives the incidence reported for reduced-intensity transplants
from HLA-identical siblings (36%, Blood 2003;102:470). Serum IL-7 at day +7 and +14 is then
compared between the groups, as Dean 2008 did (doi:10.1200/JCO.2008.17.1314: higher in aGVHD,
P = .01 and .00003; sensitivity up to 86%, specificity 100%), with the ROC of day +14 IL-7.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from il7 import experiments
from il7.errors import Il7Error
from il7.files import write_table
from il7.population import MAX_PATIENTS, Population, population
from il7.scenario import Scenario, load
from il7.simulate import simulate, workers
from il7.trajectory import read_only
from il7.values import whole_number

AGVHD_INCIDENCE = 0.36
"""Grade II-IV acute GVHD after reduced-intensity conditioning from HLA-identical siblings
(Blood 2003;102(2):470, abstract: 36%, 95% CI 27-45)."""


@dataclass(frozen=True)
class Trait:
    """How one patient trait varies: a population spread (``il7 population --vary``) around the
    parameter's value in the ``transplant`` scenario, and where the spread comes from."""

    spread: str
    note: str


TRAITS = {
    "graft_CD34": Trait(
        "cv 52%",
        "CD34+ cells in the graft, around the table's median (7.8e6/kg, reduced-intensity PBSC). CV from "
        "the top quartile of a reduced-intensity PBSC cohort, >= 10.9e6/kg (Martin 2016, Haematologica "
        "101:499, doi:10.3324/haematol.2015.134841, abstract), over that median: sigma = ln(10.9/7.82)/0.6745 = 0.49; a sibling series' range, "
        "1.6-15.0e6/kg in about 21 grafts (Lickliter 2000), gives 0.60 (CV 66%)",
    ),
    "graft_T": Trait(
        "cv 53%",
        "donor T cells in the graft, around the table's median (2.7e8 CD3+/kg, Lickliter 2000). CV from "
        "that series' range, 1.1-7.1e8/kg, taken as the expected range of about 21 grafts (3.7 SD): "
        "sigma = ln(7.1/1.1)/3.73 = 0.50",
    ),
    "f_allo": Trait(
        "cv 130%",
        "alloreactive fraction of donor T cells (sigma 1.0 on the log scale), assumed: host-reactive "
        "precursor frequencies in 28 HLA-identical sibling pairs span 1:9,511 to <1:2,500,000 (Russell 2001), "
        "wider still, but that span includes the assay's error",
    ),
    "IL7_production": Trait(
        "cv 50%",
        "the patient's IL-7 production against the reference adult's. CV from the spread of day +14 plasma "
        "IL-7 in 40 patients after myeloablative transplant, 3.8-30.2 pg/mL (Thiant 2010, Bone Marrow "
        "Transplant 45:1546, PMID 20190846, abstract), taken as the expected range of 40 (4.3 SD): sigma = "
        "ln(30.2/3.8)/4.32 = 0.48. In the lymphopenic weeks serum IL-7 follows production nearly in "
        "proportion, so this is the production spread, an upper estimate (it holds the other traits' "
        "effects too: with all four traits, the cohort's day +14 IL-7 has sigma 0.56)",
    ),
}
"""The traits in which the virtual patients differ (parameter ids, see ``il7 parameters``)."""

ACUTE_DAYS = 100.0
"""Acute GVHD is read to day +100 (the classical limit), also in a scenario that runs longer."""

READOUTS = ("IL7_serum_total", "Tallo", "CD4_blood", "CD8_blood")
"""What the study reads from each patient: total serum IL-7 and the alloreactive donor T cells,
and the blood CD4 and CD8 counts that say how far each has recovered (in :meth:`CohortResult.table`)."""


class NoGroups(Il7Error):
    """A threshold that every patient of a cohort passes, or none: no two groups to compare. The
    patients' runs are kept in :attr:`result` (:meth:`CohortResult.write` writes them; its
    statistics need two groups), so that a long cohort is not lost to a threshold."""

    def __init__(self, message: str, result: CohortResult) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> tuple[Any, ...]:  # its two arguments, across processes (pickle)
        return (type(self), (str(self), self.result))


@dataclass(frozen=True)
class CohortResult:
    """What the study reports.

    Attributes
    ----------
    population
        The virtual patients: their drawn traits (``population.draws``, in the order of
        :data:`TRAITS`) and readouts over time; ``population.failed`` lists those whose run failed.
    patient
        The patients (numbers in ``population``) whose run went through, whom the arrays below
        and every statistic describe.
    il7_day7, il7_day14
        Total serum IL-7 (pg/mL) at day +7 and +14.
    peak_alloreactive
        Highest alloreactive donor T-cell count to day +100 (cells).
    threshold
        Alloreactive cells at or above which a patient is read as having acute GVHD.
    agvhd
        Whether each patient crosses it.
    """

    population: Population
    patient: np.ndarray
    il7_day7: np.ndarray
    il7_day14: np.ndarray
    peak_alloreactive: np.ndarray
    threshold: float
    agvhd: np.ndarray

    def __post_init__(self) -> None:
        kinds = {
            "patient": int,
            "il7_day7": float,
            "il7_day14": float,
            "peak_alloreactive": float,
            "agvhd": bool,
        }
        for name, kind in kinds.items():  # read-only, as a Population's arrays are
            object.__setattr__(self, name, read_only(getattr(self, name), kind))

    def _per_patient(self, il7: Any, where: str) -> np.ndarray:
        """``il7`` as one number per patient (:attr:`patient`), or a one-line error."""
        try:
            values = np.asarray(il7, dtype=float)
        except (TypeError, ValueError):
            values = np.empty(0)
        if values.shape != self.agvhd.shape:
            raise Il7Error(
                f"{where}: give one IL-7 level per patient ({len(self.agvhd)}), e.g. result.il7_day14; "
                f"got {reprlib.repr(il7)}"
            )
        return values

    def medians(self, il7: np.ndarray) -> tuple[float, float]:
        """Median IL-7 of the aGVHD patients and of the others."""
        values = self._per_patient(il7, "medians")
        return float(np.median(values[self.agvhd])), float(np.median(values[~self.agvhd]))

    def p_value(self, il7: np.ndarray, alternative: str = "two-sided") -> float:
        """Mann-Whitney P of IL-7 between the aGVHD and other patients: ``two-sided``, or
        one-sided, ``greater`` (higher in aGVHD) or ``less``."""
        from scipy.stats import mannwhitneyu

        values = self._per_patient(il7, "p_value")
        if alternative not in ("two-sided", "greater", "less"):
            raise Il7Error(
                f"p_value: alternative {alternative!r} is none of 'two-sided', 'greater' (higher in aGVHD), 'less'"
            )
        return float(mannwhitneyu(values[self.agvhd], values[~self.agvhd], alternative=alternative).pvalue)

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

    def table(self) -> pd.DataFrame:
        """One row per patient drawn: ``status`` (``ok`` or why the run failed), the drawn traits
        (parameter ids, table units: cells in the graft, not per kg), day +7 and +14 total serum
        IL-7 (pg/mL), the alloreactive peak (cells), the aGVHD reading, and blood CD4 and CD8 at
        day +100 (cells/uL; how far each patient's T cells have recovered), each empty where the
        run failed."""
        n = self.population.n
        status = np.full(n, "ok", dtype=object)
        for i, reason in self.population.failed:
            status[i] = reason
        traits = {s.parameter: self.population.draws[:, k] for k, s in enumerate(self.population.spreads)}

        def spread_out(values: np.ndarray, dtype: str = "float64") -> pd.Series:
            column = pd.Series(pd.NA if dtype == "boolean" else np.nan, index=range(n), dtype=dtype)
            column.iloc[self.patient] = values
            return column

        return pd.DataFrame(
            {"patient": np.arange(n), "status": status}
            | traits
            | {
                "il7_day7_pg_ml": spread_out(self.il7_day7),
                "il7_day14_pg_ml": spread_out(self.il7_day14),
                "peak_alloreactive_cells": spread_out(self.peak_alloreactive),
                "agvhd": spread_out(self.agvhd, "boolean"),
            }
            | {
                f"{r}_day100_cells_ul": spread_out(_on_day(self.population, self.patient, r, ACUTE_DAYS))
                for r in ("CD4_blood", "CD8_blood")
            }
        )

    def header(self) -> str:
        """What was run, in one line (written on top of the CSV file)."""
        return (
            f"il7 cohort, {self.population.header()}; aGVHD: alloreactive peak to day +100 at or above "
            f"{self.threshold:.4g} cells"
        )

    def write(self, path: str | Path) -> Path:
        """Write :meth:`table` to a CSV file, with :meth:`header` in a comment line on top, and
        return its path. The traits' columns say their unit, as ``il7 population --patients``'s do
        (``graft_T [cells]``); the others' names end in theirs (``il7_day7_pg_ml``).

        Raises
        ------
        Il7Error
            Another suffix than ``.csv``, or a file that cannot be written.
        """
        return write_table(path, self.table().rename(columns=self.population.unit_columns()), self.header())

    def figure(self) -> Any:
        """Day +7 and +14 serum IL-7 by aGVHD status (box plots) and the ROC of day +14 IL-7.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        fpr, tpr, _ = self.roc()
        fig, (box, roc) = plt.subplots(1, 2, figsize=(8.6, 3.4), layout="constrained")
        groups = [self.il7_day7[self.agvhd], self.il7_day7[~self.agvhd]]
        groups += [self.il7_day14[self.agvhd], self.il7_day14[~self.agvhd]]
        box.boxplot(groups, tick_labels=["d7 aGVHD", "d7 none", "d14 aGVHD", "d14 none"])
        box.set_ylabel("total serum IL-7 (pg/mL)")
        roc.plot(fpr, tpr, "-", label=f"day +14 IL-7, AUC {self.auc():.2f}")
        roc.plot([0, 1], [0, 1], ":", color="grey", label="chance")
        roc.set_xlabel("1 - specificity")
        roc.set_ylabel("sensitivity")
        roc.legend(loc="lower right")
        failed = f" ({len(self.population.failed)} more failed)" if self.population.failed else ""
        fig.suptitle(
            f"virtual transplant cohort: {len(self.patient)} patients{failed}, {self.agvhd.mean():.0%} aGVHD"
        )
        return fig

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


def _on_day(patients: Population, who: np.ndarray, readout: str, day: float) -> np.ndarray:
    """A readout of the patients ``who`` on a day (at the nearest output time, as
    :func:`il7.experiments.value_at` reads it)."""
    rows = patients.values[who, :, READOUTS.index(readout)]
    return np.array([experiments.value_at(patients.times, row, day) for row in rows])


def run(
    n: int = 300,
    seed: int = 2008,
    *,
    scenario: Scenario | str = "transplant",
    threshold: float | None = None,
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
    scenario
        The transplant scenario the patients receive (default the library's ``transplant``); a
        variant that sets a trait's value before its start (``graft_T`` for a marrow graft) moves
        that trait's median; the same seed then gives the same patients with that trait scaled,
        except the few drawn again in either cohort (a patient with a value outside a bound is
        drawn again whole in one cohort and kept in the other).
    threshold
        Alloreactive donor T cells (cells) at or above which a patient is read as having acute GVHD.
        ``None`` (default): this cohort's own, the peak that :data:`AGVHD_INCIDENCE` of its
        patients reach, so the incidence is set, not found. To compare two arms (another graft,
        rhIL-7 after the transplant), give both the same number, e.g. the built-in cohort's
        (``gvhd_threshold`` in the parameter table): then the incidence is each arm's own.
    jobs
        Processes that run the patients (0: one per CPU); the result does not depend on it.
    progress
        Called with (patients done, n) after each patient.

    Raises
    ------
    Il7Error
        A bad ``n``, ``seed``, ``threshold`` or ``jobs``; a scenario outside the human body;
        fewer than 10 patients whose run went through; or (:class:`NoGroups`, which keeps the
        patients' runs) a ``threshold`` that all patients pass, or none. A patient whose run fails is kept in :meth:`CohortResult.table` with the reason and left out
        of the statistics.
    """
    if (count := whole_number(n)) is None or not 10 <= count <= MAX_PATIENTS:
        raise Il7Error(
            f"a cohort needs a whole number of 10 to {MAX_PATIENTS} patients, not {n!r}; give n (--n) in that range"
        )
    if (drawn := whole_number(seed)) is None or drawn < 0:
        raise Il7Error(f"seed (--seed) {seed!r}: give a whole number >= 0")
    n, seed = count, drawn  # numpy's whole numbers too
    workers(jobs, where="cohort")  # before the population's, which named that
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not math.isfinite(threshold)
        or threshold <= 0
    ):
        raise Il7Error(
            f"threshold (--threshold) {threshold!r}: give a positive number of alloreactive cells, e.g. 3.25e7"
        )
    chosen = load(scenario)
    if chosen.context != "human_body":  # the traits' spreads and Dean 2008 are a human cohort's
        raise Il7Error(
            f"{chosen.called} runs in {chosen.context}, and the cohort is of human transplant "
            "patients (its graft, IL-7 production and alloreactive spreads, and Dean 2008's patients beside "
            "it); give a copy of transplant with context: human_body (il7 simulate runs any context)"
        )
    if chosen.time_unit != "day" or chosen.t_end < 100:
        raise Il7Error(
            f"{chosen.called}: the cohort reads serum IL-7 on days +7 and +14 and acute GVHD to "
            f"day +100, so it needs a scenario that counts days and runs to day +100 at least (this one: "
            f"{chosen.time_unit}, to {chosen.t_end:g}); start from a copy of transplant"
        )
    for pid in TRAITS:
        if pid in chosen.set_after_start:
            raise Il7Error(
                f"{chosen.called} sets {pid} after its start, which would overwrite each patient's "
                "own value (a trait the cohort draws); set it before the start, in the -inf period"
            )
    # each day to day +100, as the built-in transplant's output runs: days +7 and +14 are read
    # there, not at the nearest output time of a sparser copy, and the alloreactive peak on a daily grid
    chosen = chosen.with_times([float(day) for day in range(int(ACUTE_DAYS) + 1)])
    nominal = simulate(chosen.with_readouts(["Tallo"]))
    if not np.any(nominal["Tallo"] > 0):
        raise Il7Error(
            f"{chosen.called} gives no graft: no alloreactive donor T cells appear, so there is "
            "no acute GVHD to read; give the cohort transplant or a copy of it"
        )
    patients = population(
        chosen,
        {pid: trait.spread for pid, trait in TRAITS.items()},
        n=n,
        seed=seed,
        readouts=READOUTS,
        jobs=jobs,
        progress=progress,
    )
    ok = np.setdiff1d(np.arange(n), [i for i, _ in patients.failed])
    if len(ok) < 10:
        i, reason = patients.failed[0]
        raise Il7Error(
            f"only {len(ok)} of the cohort's {n} patients (seed {seed}) ran through, fewer than the 10 a "
            f"study needs; patient {i}: {reason}"
        )
    allo = patients.values[ok, :, READOUTS.index("Tallo")]
    day7, day14 = (_on_day(patients, ok, "IL7_serum_total", day) for day in (7.0, 14.0))
    acute = np.asarray(patients.times) <= ACUTE_DAYS  # acute GVHD: to day +100, however long the run
    peak = allo[:, acute].max(axis=1)
    cut = float(np.quantile(peak, 1.0 - AGVHD_INCIDENCE)) if threshold is None else float(threshold)
    agvhd = peak >= cut
    result = CohortResult(patients, ok, day7, day14, peak, cut, agvhd)
    if agvhd.all() or not agvhd.any():  # only with a threshold given: no two groups to compare
        side, fix = ("every", "higher") if agvhd.all() else ("no", "lower")
        raise NoGroups(
            f"{side} patient of the {len(ok)} passes the threshold (--threshold) {cut:.4g} alloreactive cells by day +100 "
            f"(their peaks: {peak.min():.3g} to {peak.max():.3g}), so the aGVHD incidence is "
            f"{agvhd.mean():.0%} and there are no two groups to compare; give a {fix} threshold",
            result,
        )
    return result
