"""A scenario exported as SBML runs in COPASI and libroadrunner as it runs in il7."""

from pathlib import Path

import numpy as np
import pytest

from il7 import build, export_sbml, scenario
from il7.scenario import TIME_UNITS, Scenario
from il7.simulate import simulate, start_time

RTOL = 1e-3
"""Agreement asked of every readout, relative to its largest magnitude in the run. il7
integrates at relative tolerance 1e-6 and restarts the solver at each change, while the exported
document passes the changes as events in one run; exponential growth (the leukaemic blasts grow
x33 in 21 days) carries that difference to about 2e-4. A dose in the wrong unit or at the wrong
time, or a setting left out, is off by far more."""

FLOOR = 1e-9
"""Readout units; a knockout's readouts are exactly 0 in il7."""


def _grid(s: Scenario) -> np.ndarray:
    """The scenario's output times in the exported document's time (h from the start)."""
    return (np.asarray(s.times) - start_time(s)) * TIME_UNITS[s.time_unit]


def _agrees(ours: np.ndarray, theirs: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(ours))), FLOOR)
    return bool(np.all(np.abs(ours - theirs) <= RTOL * scale))


def _copasi(path: Path, s: Scenario) -> dict[str, np.ndarray]:
    basico = pytest.importorskip("basico", reason="the COPASI run needs the test extra (copasi-basico)")
    model = basico.load_model(str(path))
    try:
        basico.set_task_settings(
            basico.T.TIME_COURSE,
            settings={
                "method": {
                    "Relative Tolerance": 1e-8,
                    "Absolute Tolerance": 1e-6,
                    "Max Internal Steps": 1000000,
                }
            },
            model=model,
        )
        frame = basico.run_time_course(
            values=list(_grid(s)), use_numbers=True, update_model=False, model=model
        )
        # COPASI names columns by the SBML names: map them back to ids
        columns = {
            sid: f"Values[{name}]" for name, sid in basico.get_parameters(model=model)["sbml_id"].items()
        }
        columns |= {sid: name for name, sid in basico.get_species(model=model)["sbml_id"].items()}
        return {r: frame[columns[r]].to_numpy() for r in s.readouts}
    finally:
        basico.remove_datamodel(model)


@pytest.mark.parametrize("name", scenario.builtin_names())
def test_every_builtin_scenario_runs_in_copasi_as_in_il7(tmp_path: Path, name: str) -> None:
    s = scenario.load(name)
    path = tmp_path / f"{name}.xml"
    export_sbml(path, scenario=s)
    theirs = _copasi(path, s)
    ours = simulate(s)
    for readout in s.readouts:
        assert _agrees(ours[readout], theirs[readout]), readout


INFUSED = {
    "name": "infused",
    "description": "A 6-h IV infusion of IL-7 from day 1, and a second body setting at day 3",
    "context": "human_body",
    "time_unit": "day",
    "periods": [
        {"time": "-inf"},
        {"time": 1, "infusion": {"drug": "IL7", "rate": 1, "unit": "ug/kg/h", "duration": 0.25}},
        {"time": 3, "set": {"src_stroma": "0 molecules/h"}},
    ],
    "readouts": ["IL7_serum_total", "CD127_per_T", "pSTAT5_frac", "CD4_blood"],
    "output": {"t_end": 10, "n": 41},
}


def test_an_infusion_and_an_override_run_in_roadrunner_as_in_il7() -> None:
    import roadrunner

    s = scenario.parse(INFUSED)
    overrides = {"age": "70 years"}
    text = export_sbml(scenario=s, overrides=overrides)
    assert build.consistency_report(text) == []  # events and settings keep units consistent
    assert text.count("<event ") == 3  # infusion on, infusion off, the day-3 setting
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-8
    rr.timeCourseSelections = ["time", *s.readouts]
    theirs = np.asarray(rr.simulate(times=list(_grid(s))))
    ours = simulate(s, overrides=overrides)
    for i, readout in enumerate(s.readouts):
        assert _agrees(ours[readout], theirs[:, i + 1]), readout
    # the override made a difference, so the comparison above tested that it was carried over
    assert not _agrees(simulate(s)["CD4_blood"], ours["CD4_blood"])
