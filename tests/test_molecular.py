"""The molecular layer against its literature targets (claims/targets.yaml).

Each test computes the published quantity with the in-silico experiment of il7.experiments
and judges it with the target's own criterion; none of these numbers is written here.
"""

import numpy as np
import pytest

from il7 import calibrate, experiments
from il7.claims import targets

T = targets()


def judge(target_id: str, observed: float) -> None:
    target = T[target_id]
    assert target.passes(observed), (
        f"{target_id}: model {observed:.4g}, target {target.expected} ({target.source})"
    )


@pytest.fixture(scope="module")
def gonnord() -> tuple[calibrate.GonnordData, np.ndarray, np.ndarray, np.ndarray]:
    data = calibrate.load_data()
    fraction, il4, il7 = calibrate.predictions({}, data)
    return data, fraction, il4, il7


def test_pstat5_ec50_at_10_min() -> None:
    doses = np.logspace(0, 5, 41)
    judge("pstat5_ec50_10min", experiments.ec50(doses, experiments.pstat5_dose_response(doses)))


def test_pstat5_matches_all_s3c_points(gonnord) -> None:  # type: ignore[no-untyped-def]
    from il7.build import parameters

    data, fraction, _, _ = gonnord
    table = {p.id: p.value for p in parameters()}
    predicted = table["pSTAT5_MFI_offset"] + table["pSTAT5_MFI_scale"] * np.repeat(fraction, 2)
    judge("pstat5_s3c_r2", calibrate.r_squared(data.mfi.ravel(), predicted))


def test_il7_pretreatment_blocks_il4_response(gonnord) -> None:  # type: ignore[no-untyped-def]
    _, _, il4, _ = gonnord
    at_10_ng = il4[list(calibrate.S3D_IL7_PRE).index(10000.0)]
    judge("il4_response_inhibited_by_il7_10ng", at_10_ng)


def test_il4_pretreatment_barely_touches_il7_response(gonnord) -> None:  # type: ignore[no-untyped-def]
    _, _, _, il7 = gonnord
    judge("il7_response_inhibited_by_il4_any_dose", float(np.max(il7)))


def test_gc_affinity_hierarchy() -> None:
    """gc binds IL-7:IL-7Ralpha more tightly than IL-2/IL-15:IL-2Rbeta, and those more than IL-4:IL-4Ralpha."""
    from il7.build import parameters

    p = {q.id: q.model_value for q in parameters()}
    assert p["k_gc_off"] < p["k_gc_off_IL2"] == p["k_gc_off_IL15"] < p["k_gc_off_IL4"]


def test_il7ra_half_life_without_il7() -> None:
    judge("il7ra_half_life_without_il7", experiments.il7ra_half_life(0.0))


def test_il7ra_half_life_with_saturating_il7() -> None:
    judge("il7ra_half_life_with_il7", experiments.il7ra_half_life(10.0))


def test_surface_cd127_falls_fast_and_bottoms_out_within_a_day() -> None:
    times = np.concatenate(([0.0, 0.5], np.linspace(1.0, 48.0, 95)))
    cd127 = experiments.surface_cd127(10.0, times)
    judge("cd127_loss_at_30min", 100.0 * (1.0 - cd127[1]))
    judge("cd127_nadir_time", float(times[int(np.argmin(cd127))]))


@pytest.fixture(scope="module")
def graded() -> experiments.GradedOutputs:
    return experiments.graded_outputs()


def test_survival_output_ec50(graded: experiments.GradedOutputs) -> None:
    judge("survival_ec50", graded.ec50_survival)


@pytest.mark.xfail(
    strict=True,
    reason="model miss: sustained pSTAT5 x pAkt in culture settles near 0.24 at every dose above the "
    "consumption threshold (CD127 internalised, CIS/SOCS feedback), below the a-priori proliferation "
    "threshold K_prolif = 0.5, so cells barely enter the cycle by 72 h and no 3-30 ng/mL EC50 emerges",
)
def test_proliferation_output_ec50(graded: experiments.GradedOutputs) -> None:
    judge("proliferation_ec50", graded.ec50_proliferation)


def test_stat5_is_the_most_sensitive_output(graded: experiments.GradedOutputs) -> None:
    assert graded.ec50_stat5 < graded.ec50_survival
    assert graded.ec50_stat5 < graded.ec50_proliferation or np.isnan(graded.ec50_proliferation)


@pytest.fixture(scope="module")
def faces() -> experiments.SolubleReceptorFaces:
    return experiments.soluble_receptor_faces()


def test_soluble_receptor_inhibits_in_culture(faces: experiments.SolubleReceptorFaces) -> None:
    """Crawley 2010 (PMID 20304824): sIL-7R lowers pSTAT5 at a fixed IL-7 dose in culture."""
    without, with_ = faces.culture_pstat5
    assert with_ < 0.9 * without


def test_soluble_receptor_is_a_reservoir_in_the_body(faces: experiments.SolubleReceptorFaces) -> None:
    """Lundstrom 2013 (PMID 23610432): total IL-7 lasts longer and T cells see more signal with sIL-7R."""
    without, with_ = faces.body_total_il7_half_life_h
    assert with_ > without
    without, with_ = faces.body_pstat5_7day
    assert with_ > without
