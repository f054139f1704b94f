"""``il7 export petab``: Gonnord 2018 S3C as a PEtab v1 problem that PEtab tools run as il7 does.

libpetab lints it; pyPESTO (with libRoadRunner) and COPASI (copasi-petab-importer, through
basico) simulate it, and both must give il7's own S3C predictions, pyPESTO also its likelihood.
"""

from __future__ import annotations

import math
from pathlib import Path

import libsbml
import numpy as np
import pytest

from il7 import build, experiments, export_petab
from il7.calibrate import load_data
from il7.export import PETAB_ESTIMATED, _s3c_well, scenario_sbml

S3C_HOURS = 10.0 / 60.0


@pytest.fixture(scope="module")
def problem_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_petab(tmp_path_factory.mktemp("petab"))


def _il7_mfi(overrides: dict[str, float] | None = None) -> np.ndarray:
    """il7's pSTAT5 MFI at the S3C doses (10 min), with the table's observable map."""
    table = {p.id: p.value for p in build.parameters()}
    values = {**table, **(overrides or {})}
    fraction = experiments.pstat5_dose_response(load_data().doses_pg_ml, overrides=overrides)
    return np.asarray(values["pSTAT5_MFI_offset"] + values["pSTAT5_MFI_scale"] * fraction)


def test_the_problem_is_valid_petab_with_the_s3c_data(problem_yaml: Path) -> None:
    import petab

    problem = petab.v1.Problem.from_yaml(problem_yaml)
    assert not petab.v1.lint.lint_problem(problem)  # False: no errors
    data = load_data()
    assert sorted(problem.measurement_df["measurement"]) == pytest.approx(sorted(data.mfi.ravel()))
    assert np.allclose(problem.measurement_df["time"], S3C_HOURS, rtol=1e-12)
    assert sorted(problem.x_free_ids) == sorted(PETAB_ESTIMATED)
    doses = problem.condition_df.loc[problem.measurement_df["simulationConditionId"], "IL7_added"]
    assert sorted(set(doses)) == pytest.approx(sorted(data.doses_pg_ml))


def test_pypesto_reproduces_il7_and_its_likelihood(problem_yaml: Path) -> None:
    import petab
    from pypesto.petab import PetabImporter

    petab_problem = petab.v1.Problem.from_yaml(problem_yaml)
    problem = PetabImporter(petab_problem, simulator_type="roadrunner").create_problem()
    x = np.asarray(petab_problem.x_nominal_free_scaled, dtype=float)
    data = load_data()
    sigma = float(np.max(data.mfi)) / 2.0
    for factor in (1.0, 3.0):  # il7's fitted k_pSTAT5, and three times it
        theta = x.copy()
        theta[problem.x_names.index("k_pSTAT5")] += math.log10(factor)
        k = build_value("k_pSTAT5") * factor
        expected = _il7_mfi({"k_pSTAT5": k})
        result = problem.objective(theta, return_dict=True)
        simulated = np.array(
            [
                result["simulation_results"][f"S3C_dose{i + 1}"]["pSTAT5_MFI_S3C"][-1]
                for i in range(len(data.doses_pg_ml))
            ]
        )
        np.testing.assert_allclose(simulated, expected, rtol=1e-4, atol=1e-3 * float(np.max(expected)))
        residuals = (data.mfi - expected[:, None]) / sigma
        nll = float(np.sum(0.5 * math.log(2 * math.pi * sigma**2) + 0.5 * residuals**2))
        assert result["fval"] == pytest.approx(nll, rel=1e-6)


def test_copasi_reproduces_il7(problem_yaml: Path, tmp_path: Path) -> None:
    import petab
    from basico.petab.core import PetabSimulator

    petab_problem = petab.v1.Problem.from_yaml(problem_yaml)
    simulated = PetabSimulator(petab_problem, working_dir=str(tmp_path)).simulate()
    by_condition = simulated.groupby("simulationConditionId")["simulation"].first()
    doses = len(load_data().doses_pg_ml)
    got = np.array([by_condition[f"S3C_dose{i + 1}"] for i in range(doses)])
    expected = _il7_mfi()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3 * float(np.max(expected)))


def test_the_estimated_parameters_leave_the_starting_state_as_written() -> None:
    """The model carries the cells' IL-7-free state as numbers: only parameters that do not move
    it may be estimated, or a tool would start every fit from a state of other parameters."""

    def start(overrides: dict[str, float]) -> np.ndarray:
        model = libsbml.readSBMLFromString(scenario_sbml(_s3c_well(), overrides=overrides)).getModel()
        species = [model.getSpecies(i) for i in range(model.getNumSpecies())]
        return np.array(
            [s.getInitialAmount() if s.isSetInitialAmount() else s.getInitialConcentration() for s in species]
        )

    nominal = start({})
    for pid in PETAB_ESTIMATED:
        moved = start({pid: 3.0 * build_value(pid)})
        np.testing.assert_allclose(moved, nominal, rtol=1e-9, atol=1e-6, err_msg=pid)
    # the receptor parameters il7 calibrate also fits do move it, which is why they are fixed
    assert not np.allclose(start({"gc_per_T": 3.0 * build_value("gc_per_T")}), nominal, rtol=1e-3)


def build_value(pid: str) -> float:
    """A parameter's table value in model units."""
    from il7 import units

    p = next(p for p in build.parameters() if p.id == pid)
    assert p.value is not None
    return p.value * units.LABELS[p.unit].factor
