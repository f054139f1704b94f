"""``il7 export petab``: PEtab v1 problems that PEtab tools run as il7 does.

Gonnord 2018 S3C, and a scenario with measurements: libpetab lints each; pyPESTO (with
libRoadRunner) and COPASI (copasi-petab-importer, through basico) simulate them, and must give
il7's own predictions, pyPESTO also the likelihood computed here from il7's values.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from il7 import Il7Error, Il7Warning, build, experiments, export_petab, load_scenario, simulate
from il7.calibrate import load_data
from il7.petab_export import S3C_ESTIMATED, _check_unmoved, _s3c_well

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
    assert sorted(problem.x_free_ids) == sorted(S3C_ESTIMATED)
    doses = problem.condition_df.loc[problem.measurement_df["simulationConditionId"], "IL7_added"]
    assert sorted(set(doses)) == pytest.approx(sorted(data.doses_pg_ml))
    # a tool lists parameters by name: the observable map's scale and offset were both 'Observable map'
    names = problem.parameter_df["parameterName"]
    assert names.is_unique and "Observable map, background MFI" in set(names)


def _pypesto(yaml_file: Path, folder: Path) -> tuple[Any, Any, np.ndarray]:
    """The PEtab problem, pyPESTO's problem of it on RoadRunner, and its nominal free parameters
    (on their scales)."""
    import petab
    from pypesto.petab import PetabImporter

    petab_problem = petab.v1.Problem.from_yaml(yaml_file)
    # output_folder: pyPESTO's default makes ./amici_models in the working directory
    problem = PetabImporter(
        petab_problem, output_folder=str(folder), simulator_type="roadrunner"
    ).create_problem()
    return petab_problem, problem, np.asarray(petab_problem.x_nominal_free_scaled, dtype=float)


def test_pypesto_reproduces_il7_and_its_likelihood(problem_yaml: Path, tmp_path: Path) -> None:
    _, problem, x = _pypesto(problem_yaml, tmp_path)
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


def test_the_receptor_parameters_of_s3c_are_fixed_because_they_move_the_cells_state() -> None:
    """write_s3c checks its estimated parameters as write_scenario does (it would refuse to write
    otherwise); the receptor parameters il7 calibrate also fits would be refused."""
    well = _s3c_well()
    _check_unmoved(well, None, list(S3C_ESTIMATED))  # passes
    for pid in ("gc_per_T", "K_pre"):
        with pytest.raises(Il7Error, match="moves the scenario's starting steady state"):
            _check_unmoved(well, None, [pid])


def build_value(pid: str) -> float:
    """A parameter's table value in model units."""
    from il7 import units

    p = next(p for p in build.parameters() if p.id == pid)
    assert p.value is not None
    return p.value * units.LABELS[p.unit].factor


# ---- a scenario with measurements ----------------------------------------------------------------

SPORTES_DAYS = (1.0, 2.0, 7.0, 14.0, 28.0)


def _sportes(overrides: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """il7's sportes_2008 readouts at SPORTES_DAYS (the scenario counts days)."""
    traj = simulate("sportes_2008", overrides=overrides)
    times = np.asarray(traj.time)
    rows = [int(np.argmin(np.abs(times - t))) for t in SPORTES_DAYS]
    assert np.allclose(times[rows], SPORTES_DAYS)
    return {r: np.asarray(traj[r])[rows] for r in ("IL7_serum_total", "CD4_blood")}


@pytest.fixture(scope="module")
def sportes_problem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    """sportes_2008 with 'measurements': il7's values, moved by a fixed +-10 % pattern so that
    residuals are not zero; serum IL-7 with a given sigma (one for all its rows), CD4 with one to
    estimate."""
    folder = tmp_path_factory.mktemp("sportes")
    truth = _sportes()
    pattern = np.array([1.1, 0.9, 1.05, 0.95, 1.1])
    lines = ["readout,time [h],measurement,sigma"]  # in hours, where the scenario counts days
    measured = {r: truth[r] * pattern for r in truth}
    for r, values in measured.items():
        for t, y in zip(SPORTES_DAYS, values, strict=True):
            sigma = f"{0.2 * float(np.median(values))!r}" if r == "IL7_serum_total" else ""
            lines.append(f"{r},{24 * t},{float(y)!r},{sigma}")
    data = folder / "data.csv"
    data.write_text("\n".join(lines) + "\n")
    problem = export_petab(folder / "petab", scenario="sportes_2008", data=data, estimate=["ka_rIL7_sc"])
    return problem, measured


def test_a_scenario_problem_is_valid_petab(sportes_problem: tuple[Path, dict[str, np.ndarray]]) -> None:
    import petab

    problem = petab.v1.Problem.from_yaml(sportes_problem[0])
    assert not petab.v1.lint.lint_problem(problem)
    assert sorted(problem.x_free_ids) == ["ka_rIL7_sc", "sigma_CD4_blood"]
    # days of the scenario, hours from where il7 starts integrating it (day 0)
    assert sorted(set(problem.measurement_df["time"])) == pytest.approx([24 * t for t in SPORTES_DAYS])


def test_pypesto_runs_a_scenario_problem_as_il7(
    sportes_problem: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    yaml_file, measured = sportes_problem
    _, problem, x = _pypesto(yaml_file, tmp_path)
    ka = build_value("ka_rIL7_sc")
    sigma_cd4 = 10 ** x[problem.x_names.index("sigma_CD4_blood")]
    for factor in (1.0, 2.0):
        theta = x.copy()
        theta[problem.x_names.index("ka_rIL7_sc")] += math.log10(factor)
        expected = _sportes({"ka_rIL7_sc": ka * factor})
        result = problem.objective(theta, return_dict=True)
        simulated = result["simulation_results"]["scenario"]
        for r in expected:
            got = np.asarray(simulated[f"obs_{r}"])[-len(SPORTES_DAYS) :]
            np.testing.assert_allclose(got, expected[r], rtol=1e-3, err_msg=r)
        nll = 0.0
        for r, sigma in (
            ("IL7_serum_total", 0.2 * np.median(measured["IL7_serum_total"])),
            ("CD4_blood", sigma_cd4),
        ):
            residuals = (measured[r] - expected[r]) / sigma
            nll += float(np.sum(0.5 * np.log(2 * math.pi * sigma**2) + 0.5 * residuals**2))
        assert result["fval"] == pytest.approx(nll, rel=1e-4)


def test_copasi_runs_a_scenario_problem_as_il7(
    sportes_problem: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    import petab
    from basico.petab.core import PetabSimulator

    petab_problem = petab.v1.Problem.from_yaml(sportes_problem[0])
    simulated = PetabSimulator(petab_problem, working_dir=str(tmp_path)).simulate()
    expected = _sportes()
    for r in expected:
        rows = simulated[simulated["observableId"] == f"obs_{r}"].sort_values("time")
        np.testing.assert_allclose(rows["simulation"], expected[r], rtol=1e-3, err_msg=r)


@pytest.mark.parametrize(
    ("scenario", "estimate", "message"),
    [
        ("sportes_2008", "CL_IL7", "moves the scenario's starting steady state"),
        ("sportes_2008", "mw_IL7", "which the model carries with il7's numbers"),
        # its one dose, at time 0, is in the model's start values: it was called the steady state
        ("sereti_2009", "mw_IL7", "doses or settings, which the model carries with il7's numbers"),
        ("transplant", "k_deplete", "sets it after it starts"),
        ("sportes_2008", "ka_rIL7", "not a parameter (did you mean 'ka_rIL7_sc'?)"),
    ],
)
def test_a_parameter_the_written_state_holds_is_not_estimated(
    tmp_path: Path, scenario: str, estimate: str, message: str
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("readout,time [day],measurement\nCD4_blood,7,700\n")
    with pytest.raises(Il7Error, match=re.escape(message)):
        export_petab(tmp_path / "p", scenario=scenario, data=data, estimate=[estimate])


def test_a_sigma_per_measurement_is_a_noise_parameter(tmp_path: Path) -> None:
    import petab

    data = tmp_path / "data.tsv"
    data.write_text(
        "readout\ttime [day]\tmeasurement\tsigma\nCD4_blood\t7\t700\t50\nCD4_blood\t14\t800\t60\n"
    )
    # said at export, not found when pyPESTO refuses the problem (the README's tour data did this)
    with pytest.warns(
        Il7Warning, match=r"CD4_blood: the sigmas differ .* for pyPESTO give one sigma per readout"
    ):
        written = export_petab(tmp_path / "p", scenario="sportes_2008", data=data, estimate=["ka_rIL7_sc"])
    problem = petab.v1.Problem.from_yaml(written)
    assert not petab.v1.lint.lint_problem(problem)
    assert problem.observable_df.loc["obs_CD4_blood", "noiseFormula"] == "noiseParameter1_obs_CD4_blood"
    assert list(problem.measurement_df["noiseParameters"]) == [50, 60]


def test_an_estimated_parameter_starts_where_the_scenario_puts_it(tmp_path: Path) -> None:
    """The nominal value is the exported model's: a scenario's steady-state setting or an override
    of it, not the table's (which PEtab tools would otherwise start from)."""
    import petab

    data = tmp_path / "data.csv"
    data.write_text("readout,time [day],measurement\nIL7_serum_total,1,7000\n")
    text = (Path(__file__).parents[1] / "src/il7/scenarios/sportes_2008.yaml").read_text()
    assert "  - time: -inf\n" in text
    mine = tmp_path / "faster.yaml"
    mine.write_text(text.replace("  - time: -inf\n", "  - time: -inf\n    set: {ka_rIL7_sc: 0.3 1/h}\n", 1))
    for scenario, overrides, expected in (
        (mine, None, 0.3),
        ("sportes_2008", {"ka_rIL7_sc": "0.2 1/h"}, 0.2),
    ):
        problem = petab.v1.Problem.from_yaml(
            export_petab(
                tmp_path / "p", scenario=scenario, data=data, estimate="ka_rIL7_sc", overrides=overrides
            )
        )
        assert problem.parameter_df.loc["ka_rIL7_sc", "nominalValue"] == pytest.approx(expected)


def test_the_folder_readme_says_how_to_fit_and_what_the_fit_should_reach(problem_yaml: Path) -> None:
    # its pyPESTO recipe used the default L-BFGS-B, which stopped short of the optimum in a user's
    # trials, gave no optimum to compare with, and its COPASI line failed without its folder
    text = (problem_yaml.parent / "README.md").read_text()
    assert 'ScipyOptimizer(method="Nelder-Mead")' in text and 'os.makedirs("copasi_out"' in text
    nll = float(re.search(r"negative log-likelihood is\s+([0-9.]+);", text).group(1))
    data = load_data()
    sigma = float(np.max(data.mfi)) / 2.0
    residuals = (data.mfi - _il7_mfi()[:, None]) / sigma
    assert nll == pytest.approx(
        float(np.sum(0.5 * math.log(2 * math.pi * sigma**2) + 0.5 * residuals**2)), abs=1e-4
    )
    assert "a weight, not a measured noise" in text


def test_a_dataframe_of_measurements_is_read_as_its_file_would_be(tmp_path: Path) -> None:
    # a notebook user's DataFrame: 'str' object has no attribute 'time_in', from deep in the export
    import pandas as pd

    frame = pd.DataFrame({"readout": ["CD4_blood"], "time [h]": [168.0], "measurement": [700.0]})
    problem = export_petab(tmp_path / "p", scenario="sportes_2008", data=frame, estimate=["ka_rIL7_sc"])
    measured = pd.read_csv(problem.parent / "measurements.tsv", sep="\t")
    assert list(measured["time"]) == [168.0] and list(measured["measurement"]) == [700.0]
    with pytest.raises(Il7Error, match=r"^DataFrame: the time column must say its unit"):
        export_petab(
            tmp_path / "q",
            scenario="sportes_2008",
            data=frame.rename(columns={"time [h]": "time"}),
            estimate=["ka_rIL7_sc"],
        )
    # a scenario given as a mapping, and Measurement objects from a generator, as the rest of the API takes them
    from il7.measurements import Measurement

    text = (Path(__file__).parents[1] / "src/il7/scenarios/sportes_2008.yaml").read_text()
    as_mapping = yaml.safe_load(text)
    measured = (Measurement("CD4_blood", 7.0, 700.0, None, "", "day") for _ in range(1))
    export_petab(tmp_path / "m", scenario=as_mapping, data=measured, estimate=["ka_rIL7_sc"])
    assert (tmp_path / "m" / "measurements.tsv").is_file()
    with pytest.raises(Il7Error, match=r"data: a dict; give a .csv or .tsv file, a pandas DataFrame"):
        export_petab(
            tmp_path / "q", scenario="sportes_2008", data={"CD4_blood": 700}, estimate=["ka_rIL7_sc"]
        )  # type: ignore[arg-type]


def test_a_measurements_unit_when_said_must_be_its_readouts(tmp_path: Path) -> None:
    # IL-7 entered in ng/mL (0.025) was read as pg/mL, 1,000 times too low, and neither a unit
    # column nor 'measurement [pg/mL]' could say otherwise (a transplant clinician's walk-through)
    from il7.measurements import read_measurements

    per_row = tmp_path / "rows.csv"
    per_row.write_text(
        "readout,time [day],measurement,unit\nIL7_serum_total,1,25,pg/mL\nCD4_blood,1,600,cells/uL\n"
    )
    assert [m.value for m in read_measurements(per_row)] == [25.0, 600.0]
    header = tmp_path / "header.csv"
    header.write_text("readout,time [day],measurement [pg/mL]\nIL7_serum_total,1,25\n")
    assert [m.value for m in read_measurements(header)] == [25.0]
    # a unit il7 converts is converted, the sigma with it: ng/mL for pg/mL, 1e9/L for cells/uL, %
    other = tmp_path / "other.csv"
    other.write_text(
        "readout,time [day],measurement,sigma,unit\nIL7_serum_total,1,0.025,0.005,ng/mL\n"
        "CD4_blood,1,0.6,0.05,1e9/L\nCD4_blood,2,600,50,cells/mm3\npSTAT5_frac,1,60,5,%\n"
    )
    converted = read_measurements(other)
    assert [m.value for m in converted] == pytest.approx([25.0, 600.0, 600.0, 0.6])
    assert [m.sigma for m in converted] == pytest.approx([5.0, 50.0, 50.0, 0.05])
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("readout,time [day],measurement [pg/mL]\nIL7_serum_total,1,25\nCD4_blood,1,600\n")
    with pytest.raises(
        Il7Error,
        match=r"mixed.csv:3: the measurement of CD4_blood is in pg/mL, but il7 reads CD4_blood in cells/uL "
        r"\(il7 readouts\); give it in cells/uL, or one il7 converts: 1e6/L, 1e9/L, cells/mm3",
    ):
        read_measurements(mixed)
    for text, message in (
        (
            "readout,time [day],measurement,unit\nIL7_serum_total,1,25,pg/ml\n",
            r":2: unit 'pg/ml': write it as il7 does, pg/mL",
        ),
        ("readout,time [day],measurement []\nIL7_serum_total,1,25\n", r"'measurement \[\]' names no unit"),
        (
            "readout,time [day],measurement [pg/mL],unit\nIL7_serum_total,1,25,ng/mL\n",
            r":2: the row's unit ng/mL is not the header's, measurement \[pg/mL\]",
        ),
        (
            "readout,time [day],Measurement [pg/mL]\nIL7_serum_total,1,25\n",
            r"\(write the names in lower case\)",
        ),
    ):
        odd = tmp_path / "odd.csv"
        odd.write_text(text)
        with pytest.raises(Il7Error, match=message):
            read_measurements(odd)


def test_a_sample_on_a_doses_time_is_said_and_data_before_any_effect_estimate_nothing(tmp_path: Path) -> None:
    # a pre-dose sample at time 0 was fitted silently against the level after the first dose, and
    # ka_rIL7_sc was accepted for data at time 0 alone, which no absorption rate can move (a
    # PEtab modeller's walk-through)
    import pandas as pd

    from il7 import Il7Warning

    both = pd.DataFrame(
        {"readout": ["CD4_blood"] * 2, "time [day]": [0.0, 28.0], "measurement": [650.0, 1200.0]}
    )
    with pytest.warns(
        Il7Warning, match=r"1 measurement\(s\) fall on a dose's time \(the first: CD4_blood at day 0\)"
    ):
        export_petab(tmp_path / "p", scenario="sportes_2008", data=both, estimate=["ka_rIL7_sc"])
    with pytest.raises(
        Il7Error, match=r"cannot estimate ka_rIL7_sc: .* changes none of CD4_blood at the measured times"
    ):
        export_petab(tmp_path / "q", scenario="sportes_2008", data=both.iloc[:1], estimate=["ka_rIL7_sc"])


def test_a_repeated_row_is_said_and_a_missing_sigma_or_early_time_named_where(tmp_path: Path) -> None:
    # a PEtab modeller's walk-through: a pasted row counted twice without a word, the message for
    # a missing sigma named neither file nor line, and -0.1 h was shown as day -0.00416667 alone
    from il7 import Il7Warning

    dup = tmp_path / "dup.csv"
    dup.write_text("readout,time [day],measurement\nCD4_blood,7,700\nCD4_blood,7,700\n")
    with pytest.warns(Il7Warning, match=r"dup.csv:3: 1 measurement\(s\) repeat an earlier row exactly"):
        export_petab(tmp_path / "p", scenario="sportes_2008", data=dup, estimate=["ka_rIL7_sc"])
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("readout,time [day],measurement,sigma\nCD4_blood,7,700,50\nCD4_blood,14,800,\n")
    with pytest.raises(Il7Error, match=r"mixed.csv:3: CD4_blood: sigma is given for some measurements"):
        export_petab(tmp_path / "q", scenario="sportes_2008", data=mixed, estimate=["ka_rIL7_sc"])
    early = tmp_path / "early.csv"
    early.write_text("readout,time [h],measurement\nCD4_blood,-0.1,650\n")
    with pytest.raises(
        Il7Error, match=r"early.csv:2: a measurement of CD4_blood at -0.1 h \(day -0.00416667\) comes before"
    ):
        export_petab(tmp_path / "r", scenario="sportes_2008", data=early, estimate=["ka_rIL7_sc"])


# ---- dose arms ------------------------------------------------------------------------------------

ARMS = ("3 ug/kg", "60 ug/kg", "30 ug/kg")  # Sportes 2008's arms, not in dose order
ARM_DAYS = (1.0, 14.5, 28.0)


@pytest.fixture(scope="module")
def arms_problem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    """sportes_2008 measured in three dose arms (a dose column): il7's CD4 at each arm, +5%."""
    folder = tmp_path_factory.mktemp("arms")
    truth, lines = {}, ["readout,time [day],measurement,dose"]
    for arm in ARMS:
        traj = simulate(load_scenario("sportes_2008").with_dose(arm))
        truth[arm] = np.array([np.interp(d, traj.time, traj["CD4_blood"]) for d in ARM_DAYS])
        lines += [
            f"CD4_blood,{d},{float(1.05 * y)!r},{arm}" for d, y in zip(ARM_DAYS, truth[arm], strict=True)
        ]
    data = folder / "arms.csv"
    data.write_text("\n".join(lines) + "\n")
    return export_petab(folder / "petab", scenario="sportes_2008", data=data, estimate="ka_rIL7_sc"), truth


def test_dose_arms_are_conditions_that_set_every_bolus_share(
    arms_problem: tuple[Path, dict[str, np.ndarray]],
) -> None:
    import petab

    problem = petab.v1.Problem.from_yaml(arms_problem[0])
    assert not petab.v1.lint.lint_problem(problem)
    # one condition per arm in the data's order, each bolus relative to the largest (60 ug/kg)
    shares = problem.condition_df["dose_scale"]
    assert list(shares.index) == ["arm_1", "arm_2", "arm_3"]
    assert list(shares) == pytest.approx([0.05, 1.0, 0.5], rel=1e-12)
    assert list(problem.condition_df["conditionName"]) == [f"{arm} arm" for arm in ARMS]
    assert sorted(set(problem.measurement_df["simulationConditionId"])) == ["arm_1", "arm_2", "arm_3"]
    readme = (arms_problem[0].parent / "README.md").read_text()
    assert "Scenario 'sportes_2008'" in readme and "`arm_1` 3 ug/kg" in readme


def test_pypesto_and_copasi_run_each_dose_arm_as_il7(
    arms_problem: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    # the first dose, at time 0, follows the arm too: roadrunner fires an event at time 0 before a
    # condition's values are set, so the model starts it through an initial assignment instead
    from basico.petab.core import PetabSimulator

    yaml_file, truth = arms_problem
    petab_problem, problem, x = _pypesto(yaml_file, tmp_path / "pypesto")
    result = problem.objective(x, return_dict=True)
    copasi = PetabSimulator(petab_problem, working_dir=str(tmp_path / "copasi")).simulate()
    for i, arm in enumerate(ARMS, 1):
        got = np.asarray(result["simulation_results"][f"arm_{i}"]["obs_CD4_blood"])[-len(ARM_DAYS) :]
        np.testing.assert_allclose(got, truth[arm], rtol=1e-3, err_msg=f"pyPESTO, {arm}")
        rows = copasi[copasi["simulationConditionId"] == f"arm_{i}"].sort_values("time")
        np.testing.assert_allclose(rows["simulation"], truth[arm], rtol=1e-3, err_msg=f"COPASI, {arm}")
    # the arms differ: 3 ug/kg barely moves CD4 by day 28, 60 ug/kg triples it
    assert truth["60 ug/kg"][-1] > 2 * truth["3 ug/kg"][-1]


def test_one_dose_written_two_ways_is_one_arm(tmp_path: Path) -> None:
    # '10', '10 ug/kg' and '0.01 mg/kg' were three conditions of one dose, each fitted on its own
    import petab

    data = tmp_path / "arms.csv"
    data.write_text(
        "readout,time [day],measurement,dose\nCD4_blood,7,900,10\nCD4_blood,14,1000,10 ug/kg\n"
        "CD4_blood,21,1100,0.01 mg/kg\nCD4_blood,7,950,30ug/kg\nCD4_blood,14,1200,30 ug/kg\n"
    )
    problem = petab.v1.Problem.from_yaml(
        export_petab(tmp_path / "p", scenario="sportes_2008", data=data, estimate="ka_rIL7_sc")
    )
    assert list(problem.condition_df["conditionName"]) == ["10 ug/kg arm", "30 ug/kg arm"]
    assert list(problem.condition_df["dose_scale"]) == pytest.approx([1 / 3, 1.0], rel=1e-11)
    assert list(problem.measurement_df["simulationConditionId"]) == ["arm_1"] * 3 + ["arm_2"] * 2


def test_rows_without_their_arm_or_with_a_bad_dose_are_refused_where(tmp_path: Path) -> None:
    data = tmp_path / "arms.csv"
    data.write_text("readout,time [day],measurement,dose\nCD4_blood,28,1800,30 ug/kg\nCD4_blood,7,1000,\n")
    with pytest.raises(Il7Error, match=r"arms.csv:3: no dose, where other measurements name their arm's"):
        export_petab(tmp_path / "p", scenario="sportes_2008", data=data, estimate="ka_rIL7_sc")
    data.write_text("readout,time [day],measurement,dose\nCD4_blood,28,1800,-3 ug/kg\n")
    with pytest.raises(Il7Error, match=r"arms.csv:2: dose '-3 ug/kg': the amount is negative"):
        export_petab(tmp_path / "p", scenario="sportes_2008", data=data, estimate="ka_rIL7_sc")


@pytest.mark.parametrize(
    ("pid", "why"),
    [
        ("koff_IL7Ra", r"it is computed by the model \(.*\); estimate the parameters it is made of$"),
        (
            "N_avogadro",
            r"it is an exact constant .*; estimate a model parameter instead",
        ),  # said 'add bounds'
    ],
)
def test_a_computed_or_exact_value_cannot_be_estimated(tmp_path: Path, pid: str, why: str) -> None:
    import pandas as pd

    data = pd.DataFrame({"readout": ["CD4_blood"], "time [day]": [28.0], "measurement": [1200.0]})
    with pytest.raises(Il7Error, match=rf"^cannot estimate '{pid}': {why}"):
        export_petab(tmp_path / "p", scenario="sportes_2008", data=data, estimate=[pid])
