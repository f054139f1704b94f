"""Cross-checks in COPASI: the exported SBML matches libroadrunner within 1e-4, and every built-in
scenario, exported as a COMBINE archive (il7 export omex: the scenario's SBML and the SED-ML that
runs it), runs in COPASI as it runs in il7 when COPASI opens the archive and runs it as told."""

from pathlib import Path

import basico  # the test extra (copasi-basico): a cross-check the acceptance asks for is never skipped
import numpy as np
import pandas as pd
import pytest

from il7 import build, export_omex, scenario
from il7.export import output_hours
from il7.simulate import simulate

TIMES = [
    0.0,
    0.5,
    6.0,
    48.0,
    500.0,
    5000.0,
    50000.0,
    2e6,
    4e6,
]  # h; the last two are far past every time scale (T-cell pools turn over in years)
RTOL = 1e-4


def _roadrunner(sbml: str, changes: dict[str, float]) -> dict[str, np.ndarray]:
    import roadrunner

    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-6
    for key, value in changes.items():
        rr.setValue(key, value)
    rr.reset()
    species = list(rr.model.getFloatingSpeciesIds())
    rr.timeCourseSelections = ["time", *species]
    result = np.asarray(rr.simulate(times=TIMES))
    return {s: result[:, i + 1] for i, s in enumerate(species)}


def _copasi(
    path: Path, times: list[float], *, changes: dict[str, float] | None = None, rtol: float = 1e-10
) -> dict[str, np.ndarray]:
    """COPASI's time course of every species and global quantity in ``path``, by SBML id."""
    model = basico.load_model(str(path))
    try:
        for key, value in (changes or {}).items():
            basico.set_parameters(key, initial_value=value, model=model)
        basico.set_task_settings(
            basico.T.TIME_COURSE,
            settings={
                "method": {
                    "Relative Tolerance": rtol,
                    "Absolute Tolerance": 1e-12,
                    "Max Internal Steps": 1000000,
                }
            },
            model=model,
        )
        frame = basico.run_time_course(values=times, use_numbers=True, update_model=False, model=model)
        return _by_sbml_id(frame, model)
    finally:
        basico.remove_datamodel(model)


def _by_sbml_id(frame: pd.DataFrame, model: object) -> dict[str, np.ndarray]:
    """A COPASI time course's columns by SBML id: COPASI names species and global quantities by
    their SBML names (the model names them)."""
    ids = {name: sid for name, sid in basico.get_species(model=model)["sbml_id"].items()}
    ids |= {f"Values[{name}]": sid for name, sid in basico.get_parameters(model=model)["sbml_id"].items()}
    return {ids[c]: frame[c].to_numpy() for c in frame.columns if c in ids}


@pytest.mark.parametrize(
    "changes",
    [{}, {"T_fixed": 3e11, "src_stroma": 4.5e12}],
    ids=["baseline", "perturbed: 3e11 extra fixed T cells, 5x stromal IL-7"],
)
def test_copasi_matches_roadrunner(tmp_path: Path, changes: dict[str, float]) -> None:
    sbml = build.sbml()
    path = tmp_path / "il7.xml"
    path.write_text(sbml)
    rr = _roadrunner(sbml, changes)
    cp = _copasi(path, TIMES, changes=changes)
    assert set(rr) <= set(cp)
    for species, ours in rr.items():
        theirs = cp[species]
        scale = np.maximum(np.abs(theirs), 1.0)  # 1 molecule floor for species that start at 0
        assert np.all(np.abs(ours - theirs) <= RTOL * scale), species


SCENARIO_RTOL = 1e-3
"""Agreement asked of every readout, relative to its largest magnitude in the run. il7
integrates at relative tolerance 1e-6 and restarts the solver at each change, while the exported
document passes the changes as events in one run; exponential growth (the leukaemic blasts grow
x36 in 21 days) carries that difference to about 2e-4. A dose in the wrong unit or at the wrong
time, or a setting left out, is off by far more."""


def _copasi_archive(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Open a COMBINE archive in COPASI and run its time course as the SED-ML sets it up: the
    output times (h) and each species and global quantity by SBML id."""
    model = basico.load_model(str(path))
    try:
        frame = basico.run_time_course(use_initial_values=True, update_model=False, model=model)
        return frame.index.to_numpy(), _by_sbml_id(frame, model)
    finally:
        basico.remove_datamodel(model)


@pytest.mark.parametrize("name", scenario.builtin_names())
def test_every_builtin_scenario_runs_in_copasi_as_in_il7(tmp_path: Path, name: str) -> None:
    s = scenario.load(name)
    path = export_omex(tmp_path / f"{name}.omex", scenario=s)
    times, theirs = _copasi_archive(path)
    np.testing.assert_allclose(times, output_hours(s), rtol=1e-12, atol=1e-9)  # the SED-ML's grid
    ours = simulate(s)
    for readout in s.readouts:
        scale = max(float(np.max(np.abs(ours[readout]))), 1e-9)  # a knockout's readouts are 0
        # a species readout is read through its amount parameter (il7.export.write_omex)
        copasi = theirs.get(f"amount_{readout}", theirs[readout])
        assert np.all(np.abs(ours[readout] - copasi) <= SCENARIO_RTOL * scale), readout


def test_an_archive_reads_a_concentration_species_as_an_amount_as_il7_does(tmp_path: Path) -> None:
    # il7 reads a species as its amount; an SBML species that is a concentration (free IL-7 in
    # tissue fluid) reaches the SED-ML through a parameter that multiplies by its volume
    s = scenario.load(
        {
            "name": "dosed",
            "description": "An IV bolus of IL-7, read as free IL-7 molecules in tissue fluid and plasma",
            "context": "human_body",
            "time_unit": "h",
            "periods": [
                {"time": "-inf"},
                {"time": 1, "dose": {"drug": "IL7", "amount": 10, "unit": "ug/kg", "route": "iv"}},
            ],
            "readouts": ["IL7_tissue", "IL7_plasma"],
            "output": {"t_end": 48, "n": 49},
        }
    )
    _, theirs = _copasi_archive(export_omex(tmp_path / "dosed.omex", scenario=s))
    ours = simulate(s)
    for readout in s.readouts:
        assert float(np.ptp(ours[readout])) > 0.5 * float(np.max(ours[readout]))  # the dose shows
        assert np.all(
            np.abs(ours[readout] - theirs[f"amount_{readout}"]) <= SCENARIO_RTOL * np.max(ours[readout])
        ), readout
