"""Cross-check: the exported SBML simulated in COPASI matches libroadrunner within 1e-4."""

from pathlib import Path

import numpy as np
import pytest

basico = pytest.importorskip("basico", reason="COPASI cross-check needs the test extra (copasi-basico)")

from il7 import build  # noqa: E402

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


def _copasi(path: Path, changes: dict[str, float]) -> dict[str, np.ndarray]:
    model = basico.load_model(str(path))
    try:
        for key, value in changes.items():
            basico.set_parameters(key, initial_value=value, model=model)
        basico.set_task_settings(
            basico.T.TIME_COURSE,
            settings={
                "method": {
                    "Relative Tolerance": 1e-10,
                    "Absolute Tolerance": 1e-12,
                    "Max Internal Steps": 1000000,
                }
            },
            model=model,
        )
        frame = basico.run_time_course(values=TIMES, use_numbers=True, update_model=False, model=model)
        # COPASI shows species by their SBML names (the model names them): map back to ids
        ids = basico.get_species(model=model)["sbml_id"].to_dict()
        return {ids.get(s, s): frame[s].to_numpy() for s in frame.columns if not s.startswith("Values[")}
    finally:
        basico.remove_datamodel(model)


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
    cp = _copasi(path, changes)
    assert set(rr) == set(cp)
    for species, ours in rr.items():
        theirs = cp[species]
        scale = np.maximum(np.abs(theirs), 1.0)  # 1 molecule floor for species that start at 0
        assert np.all(np.abs(ours - theirs) <= RTOL * scale), species
