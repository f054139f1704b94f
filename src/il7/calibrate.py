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
fitted: it is held back to judge the model.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from il7 import build, experiments
from il7.errors import Il7Error

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


def predictions(overrides: dict[str, float], data: GonnordData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Model pSTAT5 fraction at the S3C doses and the two S3D inhibition curves (%)."""
    fraction = experiments.pstat5_dose_response(data.doses_pg_ml, overrides=overrides)
    return (fraction, *cross_inhibitions(overrides))


def r_squared(observed: np.ndarray, predicted: np.ndarray) -> float:
    """1 - SS_res / SS_tot over all points."""
    residual = float(np.sum((observed - predicted) ** 2))
    total = float(np.sum((observed - np.mean(observed)) ** 2))
    return 1.0 - residual / total


def fit(
    *,
    starts: int = 6,
    seed: int = 7,
    max_evaluations: int = 60,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Run the multi-start fit.

    Parameters
    ----------
    starts
        Number of starting points: the table's current values, then uniform random draws in
        log space within the table's bounds.
    seed
        Seed of the random starts.
    max_evaluations
        Cap on objective evaluations per start.
    progress
        Called with a line per finished start.
    """
    from scipy.optimize import least_squares

    data = load_data()
    table = {p.id: p for p in build.parameters()}
    lower = np.log10([table[k].lower or 0.0 for k in FITTED])
    upper = np.log10([table[k].upper or 0.0 for k in FITTED])
    mfi_scale = float(np.max(data.mfi))

    def unpack(theta: np.ndarray) -> dict[str, float]:
        return {k: float(10**v) for k, v in zip(FITTED, theta, strict=True)}

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
    first = np.clip(np.log10([table[k].value or 1.0 for k in FITTED]), lower, upper)
    points = [first] + [lower + rng.random(len(FITTED)) * (upper - lower) for _ in range(starts - 1)]
    best = None
    for i, x0 in enumerate(points):
        result = least_squares(residuals, x0, bounds=(lower, upper), diff_step=1e-3, max_nfev=max_evaluations)
        if progress is not None:
            progress(f"start {i + 1}/{len(points)}: cost {result.cost:.4g}")
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    values = unpack(best.x)
    fraction = experiments.pstat5_dose_response(data.doses_pg_ml, overrides=values)
    scale, offset = observable_map(fraction, data.mfi)
    fine = np.logspace(0, 5, 41)
    ec50 = experiments.ec50(fine, experiments.pstat5_dose_response(fine, overrides=values))
    predicted = offset + scale * np.repeat(fraction, 2)
    return Fit(
        values, scale, offset, r_squared(data.mfi.ravel(), predicted), ec50, float(best.cost), len(points)
    )


def write(result: Fit, path: Path | None = None) -> Path:
    """Write the fitted values into ``model/parameters.tsv`` with status ``fitted``."""
    target = path or Path(str(resources.files("il7.model").joinpath("parameters.tsv")))
    text = target.read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(text, delimiter="\t"))
    fields = list(rows[0])
    values = dict(result.values) | {"pSTAT5_MFI_scale": result.scale, "pSTAT5_MFI_offset": result.offset}
    seen = set()
    for row in rows:
        if row["id"] in values:
            row["value"] = f"{values[row['id']]:.4g}"
            row["status"] = "fitted"
            row["source"] = SOURCE
            seen.add(row["id"])
    missing = set(values) - seen
    if missing:
        raise Il7Error(
            f"parameters.tsv has no rows for {', '.join(sorted(missing))}; add them before --write"
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


def describe(result: Fit) -> str:
    """A short text report of a fit."""
    lines = [f"{k} = {v:.4g}" for k, v in result.values.items()]
    lines += [
        f"observable map: MFI = {result.offset:.4g} + {result.scale:.4g} x pSTAT5 fraction",
        f"S3C R^2 = {result.r2_s3c:.3f} (12 points); pSTAT5 EC50 at 10 min = {result.ec50_pg_ml:.3g} pg/mL",
        f"cost {result.cost:.4g} (best of {result.starts} starts)",
    ]
    return "\n".join(lines) if math.isfinite(result.cost) else "fit failed"
