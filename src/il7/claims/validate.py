"""Measure every literature target with the in-silico experiment that matches it.

:data:`MEASURES` maps each target of ``claims/targets.yaml`` to the function that computes the
model's value; :func:`validate` runs them and judges each with its target. Tests, the report
and ``il7 validate`` all go through here, so a target is measured one way only.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from il7 import calibrate, experiments
from il7.claims import Target, targets


@dataclass(frozen=True)
class Result:
    """A target, the model's value and the verdict."""

    target: Target
    observed: float

    @property
    def passed(self) -> bool:
        return self.target.passes(self.observed)


@functools.cache
def gonnord() -> tuple[calibrate.GonnordData, np.ndarray, np.ndarray, np.ndarray]:
    data = calibrate.load_data()
    return (data, *calibrate.predictions({}, data))


def _s3c_r2() -> float:
    data = gonnord()[0]
    mfi = experiments.dose_response("IL7", "pSTAT5_MFI", data.doses_pg_ml)  # the model's observable map
    return calibrate.r_squared(data.mfi.ravel(), np.repeat(mfi, data.mfi.shape[1]))


@functools.cache
def cd127_course() -> tuple[np.ndarray, np.ndarray]:
    times = np.concatenate(([0.0, 0.5], np.linspace(1.0, 48.0, 95)))
    return times, experiments.surface_cd127(10.0, times)


@functools.cache
def graded() -> experiments.GradedOutputs:
    return experiments.graded_outputs()


@functools.cache
def faces() -> experiments.SolubleReceptorFaces:
    return experiments.soluble_receptor_faces()


def _ec50(response: Callable[[np.ndarray], np.ndarray], doses: np.ndarray) -> float:
    return experiments.ec50(doses, response(doses))


MEASURES: dict[str, Callable[[], float]] = {
    "pstat5_ec50_10min": lambda: _ec50(experiments.pstat5_dose_response, np.logspace(0, 5, 41)),
    "pstat5_s3c_r2": _s3c_r2,
    "pstat6_ec50_10min": lambda: _ec50(
        lambda d: experiments.dose_response("IL4", "pSTAT6_frac", d), np.logspace(0, 5.5, 23)
    ),
    "il4_response_inhibited_by_il7_10ng": lambda: float(gonnord()[2][calibrate.S3D_IL7_PRE.index(10000.0)]),
    "il7_response_inhibited_by_il4_any_dose": lambda: float(np.max(gonnord()[3])),
    "il7ra_half_life_without_il7": lambda: experiments.il7ra_half_life(0.0),
    "il7ra_half_life_with_il7": lambda: experiments.il7ra_half_life(10.0),
    "cd127_loss_at_30min": lambda: float(100.0 * (1.0 - cd127_course()[1][1])),
    "cd127_nadir_time": lambda: float(cd127_course()[0][int(np.argmin(cd127_course()[1]))]),
    "survival_ec50": lambda: graded().ec50_survival,
    "proliferation_ec50": lambda: graded().ec50_proliferation,
    "sil7r_culture_pstat5_ratio": lambda: faces().culture_pstat5[1] / faces().culture_pstat5[0],
    "sil7r_body_total_il7_half_life_ratio": lambda: (
        faces().body_total_il7_half_life_h[1] / faces().body_total_il7_half_life_h[0]
    ),
    "sil7r_body_pstat5_exposure_ratio": lambda: faces().body_pstat5_7day[1] / faces().body_pstat5_7day[0],
}


def measure(target_id: str) -> Result:
    """Compute one target's model value and judge it."""
    value = MEASURES[target_id]()
    return Result(targets()[target_id], float(value) if value is not None else math.nan)


def validate(progress: Callable[[str], None] | None = None) -> list[Result]:
    """Measure every target, in the order of ``claims/targets.yaml``."""
    out = []
    for target_id in targets():
        if progress is not None:
            progress(target_id)
        out.append(measure(target_id))
    return out
