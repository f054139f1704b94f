"""The README each PEtab folder carries: what the problem holds, how to fit it in pyPESTO and
COPASI, and (for Gonnord 2018 S3C) what the fit should reach."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from il7 import __version__
from il7.scenario import Scenario, clock


def _changed(overrides: Mapping[str, float]) -> str:
    if not overrides:
        return ""
    listed = ", ".join(f"{k} = {v:g}" for k, v in overrides.items())
    return f"\n\nWritten with these values in place of il7's table (model units): {listed}."


def s3c_start(data: Any, sigma: float, overrides: Mapping[str, Any] | None) -> str:
    """What the S3C fit should reach: the negative log-likelihood at the values it starts from
    (il7 calibrate's, or the --set ones), and why its sigma gives no intervals."""
    from il7 import experiments

    # the model's own observable, its map from pSTAT5 to MFI included, as the PEtab problem reads it
    mfi = experiments.dose_response("IL7", "pSTAT5_MFI", data.doses_pg_ml, overrides=overrides)
    residuals = np.asarray(data.mfi) - mfi[:, None]
    nll = float(np.sum(0.5 * math.log(2 * math.pi * sigma**2) + 0.5 * (residuals / sigma) ** 2))
    rms = float(np.sqrt(np.mean(residuals**2)))
    return f"""
At the values the estimated parameters start from (il7's, with any --set), the negative log-likelihood is
{nll:.4f}; compare the optimiser's result with it. The sigma is a weight, not a measured noise (the
residuals' root mean square there is {rms:.0f} MFI, against {sigma:.0f}), so the likelihood is
nearly flat: estimate a sigma before reading a profile or a posterior as an interval.
"""


def s3c_readme(sigma: float, overrides: Mapping[str, float], start: str) -> str:
    return f"""# Gonnord 2018 S3C as a PEtab problem (written by il7 {__version__})

pSTAT5 median fluorescence of human CD4+ TCR+ CCR7hi T cells 10 min after IL-7 at six doses
(1 to 100,000 pg/mL, two replicates): Gonnord et al. 2018, Sci Signal 11:eaal1253
(doi:10.1126/scisignal.aal1253, PMID 29615515), Fig. S3C, as digitised in the MIT-licensed
meyer-lab/gc-cytokines repository (Farhat et al. 2021).

- `model.xml`: il7's model in a culture well (200 uL, 1e6 T cells), species at the cells'
  IL-7-free steady state; time in hours. Each condition sets `IL7_added` (pg/mL), which the
  initial assignment of `IL7_tissue` puts into the medium at time 0.
- `observables.tsv`: `pSTAT5_MFI` = `pSTAT5_MFI_offset + pSTAT5_MFI_scale * pSTAT5_frac`, normal
  noise with a constant sigma of {sigma:g} MFI (half the largest median: the weight il7 calibrate
  gives these points).
- `parameters.tsv`: `k_pSTAT5` (per hour per active complex per cell) and the two map
  constants are estimated, starting from il7's fitted values.

What is not here: `il7 calibrate` also fits the receptor parameters `K_pre` and `gc_per_T`, and
the cross-inhibition data of S3D. Those receptor parameters set the state the cells start from;
the model carries that state as numbers (tools differ on how they pre-equilibrate this model), so
they are fixed at il7's values: to try others, export again with them
(`il7 export petab --set gc_per_T=13391 -o FOLDER`). S3D is a ratio of two experiments, which
PEtab cannot state.{_changed(overrides)}

{_how(optimum=start)}"""


def scenario_readme(
    scenario: Scenario,
    start: float,
    hours: float,
    ids: list[str],
    readouts: tuple[str, ...],
    noise: Mapping[str, str],
    overrides: Mapping[str, float],
    *,
    arms: list[str] | None = None,
) -> str:
    estimated = ", ".join(f"`{pid}`" for pid in ids)
    described = {
        "estimated": "standard deviation `sigma_{r}` estimated",
        "constant": "the given sigma",
        "per row": "the given sigma of each measurement, a noise parameter per row, which AMICI "
        "takes and pyPESTO 0.7's RoadRunner objective refuses",
    }
    sigmas = "; ".join(f"{r}: " + described[noise[r]].format(r=r) for r in readouts)
    return f"""# Scenario '{scenario.name}' with measurements, as a PEtab problem (written by il7 {__version__})

{scenario.description}

{_model(arms)} PEtab time is in hours from
  {clock(start, scenario.time_unit)} of the scenario (a measurement at {scenario.time_unit} t is at
  (t {"+" if start < 0 else "-"} {abs(start):g}) x {hours:g} h).
- `observables.tsv`: one observable per measured readout, in il7's units (`il7 readouts`), with
  normal noise ({sigmas}).
- `parameters.tsv`: estimated {estimated}, starting from il7's values, within the parameter
  table's bounds (model units: hours, molecules, litres).

Only parameters that leave the starting state and the events as written can be estimated: il7
checked each by exporting again with it at both bounds, and that it changes a measured readout.{_changed(overrides)}

{_how(per_row="per row" in noise.values())}"""


def _model(arms: list[str] | None) -> str:
    """The README's line on the model: as export sbml writes it, or with a condition per dose arm."""
    if not arms:
        return """- `model.xml`: the scenario as `il7 export sbml` writes it with `--scenario` (and the `--set` or
  `--dose` given to `il7 export petab`, if any): species at
  its starting state with the changes at time 0 (a first dose) made, later doses and settings as
  events."""
    listed = ", ".join(f"`arm_{i}` {dose}" for i, dose in enumerate(arms, 1))
    return f"""- `model.xml`: the scenario as `il7 export sbml` writes it with `--scenario` (and the `--set`
  given to `il7 export petab`, if any), at the dose arm with the most drug: species at its
  starting state, later doses and settings as events, and each bolus multiplied by the parameter
  `dose_scale` (1 in the file): in its event, or, for a first dose at time 0, in an initial
  assignment of the species it goes into (the start plus `dose_scale` times the dose).
- `conditions.tsv`: a condition per dose arm of the measurements ({listed}), each setting
  `dose_scale` to its arm's bolus relative to that arm's."""


def _how(*, per_row: bool = False, optimum: str = "") -> str:
    """How to run the problem in pyPESTO and COPASI: ``per_row`` where a sigma per measurement
    makes pyPESTO's RoadRunner objective refuse it, ``optimum`` what the fit should reach."""
    refused = (
        "pyPESTO 0.7's RoadRunner objective refuses this problem (a sigma per measurement: "
        "'Timepoint-specific parameter overrides currently unsupported'); AMICI takes it, or give one "
        "sigma per readout (or none) and export again. For another problem:\n\n"
        if per_row
        else ""
    )
    return f"""With pyPESTO. {refused}RoadRunner gives no gradients, so use an optimiser that needs none:
pyPESTO's default (L-BFGS-B with finite differences) stopped short of the optimum, or at the
bounds, in trials with il7's problems, where Nelder-Mead reached it (a minute or so a start).

```python
import petab, pypesto.optimize
from pypesto.petab import PetabImporter
problem = PetabImporter(
    petab.v1.Problem.from_yaml("problem.yaml"), output_folder="pypesto_out", simulator_type="roadrunner"
).create_problem()
optimizer = pypesto.optimize.ScipyOptimizer(method="Nelder-Mead")
result = pypesto.optimize.minimize(problem, optimizer=optimizer, n_starts=3)
```
{optimum}
In COPASI: `import os; os.makedirs("copasi_out", exist_ok=True)`, then
`basico.petab.load_petab("problem.yaml", "copasi_out")` (copasi-petab-importer). Its importer
weighs each observable by one sigma, the first row's, and estimates none (its
`assign_weight`): a sigma per measurement, or one to estimate, is not carried over.
"""
