"""The molecular layer against its literature targets (claims/targets.yaml).

Every target is measured by il7.claims.validate (the in-silico version of the published
experiment) and judged with the target's own criterion; no number is written here. Targets the
model misses are expected failures with the reason, not widened tolerances.
"""

import pytest

from il7.build import parameters
from il7.claims import targets
from il7.claims.validate import MEASURES, measure

KNOWN_MISSES = {
    "cohort_il7_day7_higher_in_agvhd": "slightly lower, not higher, IL-7 in aGVHD (median ratio 0.94, P = 0.03): "
    "after conditioning the non-T consumers hold IL-7 at about four times each patient's own level, set by "
    "their IL-7 production, while the alloreactive peak follows the graft's alloreactive load (rank correlation "
    "0.999), whose larger T-cell doses consume a little more IL-7; IL-7 at four times baseline adds only about "
    "0.003/day to the cells' division (the naive cells' quadratic homeostatic response), so it does not decide "
    "who crosses the aGVHD threshold",
    "cohort_il7_day14_auc": "day +14 IL-7 does not mark the virtual aGVHD patients (AUC 0.43): the alloreactive "
    "load, not IL-7, decides the threshold (see cohort_il7_day7_higher_in_agvhd)",
    "levy_cd4_gain_week12": "CD4 rises during the three CYT107 doses (250 -> about 450 cells/uL at week 3) but falls "
    "back to +121 by week 12: expanded memory cells return to their niche set point (0.4-year half-life, "
    "niche-limited division) and the treated-HIV body's extra CD4 loss (k_deplete_CD4) acts on them; no p_max "
    "in its bounds reaches +323 (+199 at its upper bound, 0.5/day), and the trial's gain is durable to a year",
    "shared_stat5_il2_il15": "IL-2 and IL-15 reach these cells only through IL-2Rbeta:gc (149 IL-2Rbeta per cell, "
    "K_D 100 nM assumed, no IL-2Ralpha or IL-15Ralpha trans-presentation), so 100 ng/mL gives pSTAT5 0.01 "
    "against at least 0.1; the IL-2/IL-15 branch is not calibrated",
    "thymic_share_naive": "the literature disagrees and the model sits with Bains 2009 (Blood 113:5480, abstract: "
    "post-thymic division adds more than double the thymic input to naive CD4 T cells, a ratio preserved from 0 "
    "to 20 years, i.e. the thymus at most a third): Lewkiewicz's thymic output at 30 years (1.3e7 cells/day), "
    "Vrisekoop's naive half-lives and about 1e11 naive T cells give 0.33 against den Braber's 10-20% for adults; "
    "the age or pool size that would pass is not chosen to pass",
    "proliferation_ec50": "in culture the sustained signal is the same at every IL-7 dose that outlasts "
    "consumption (remaining CD127 saturated, CIS/SOCS induced), so proliferation, like survival, switches "
    "on where IL-7 stops running out within the culture: EC50 about 1.4 ng/mL, below the 3-30 ng/mL "
    "target; the model lacks a dose-graded sustained signal",
    "pstat6_ec50_10min": "held-out S3B: IL-4 potency is not fitted (S3D is relative); with 254 IL-4Ralpha and "
    "300 gc per cell, and gc leaving IL-4:IL-4Ralpha at 42/min, few IL-4 complexes form and the pSTAT6 "
    "EC50 is about 15 ng/mL against 0.17 ng/mL measured (STAT6 is phosphorylated per complex as STAT5 "
    "is, an assumption S3B contradicts)",
}


def test_every_target_has_a_measure() -> None:
    assert set(MEASURES) == set(targets())


@pytest.mark.parametrize(
    "target_id",
    [
        pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[t]))
        if t in KNOWN_MISSES
        else t
        for t in targets()
    ],
)
def test_literature_target(target_id: str) -> None:
    result = measure(target_id)
    t = result.target
    assert result.passed, f"{target_id}: model {result.observed:.4g}, target {t.expected} ({t.source})"


def test_stat5_is_the_most_sensitive_output() -> None:
    from il7.claims.validate import graded

    graded = graded()
    assert graded.ec50_stat5 < graded.ec50_survival


def test_gc_affinity_hierarchy() -> None:
    """gc binds IL-7:IL-7Ralpha more tightly than IL-2/IL-15:IL-2Rbeta, and those more than IL-4:IL-4Ralpha."""
    p = {q.id: q.model_value for q in parameters()}
    assert p["k_gc_off"] < p["k_gc_off_IL2"] == p["k_gc_off_IL15"] < p["k_gc_off_IL4"]
