"""il7: an executable, quantitative model of the interleukin-7 system.

The public API::

    import il7
    il7.list_scenarios()                       # built-in scenario names
    s = il7.load_scenario("baseline")          # or a path to a YAML file
    traj = il7.simulate(s, overrides={"age": "60 years"})
    traj.to_pandas()
    il7.parameter_table()                      # value, unit, status, source of every number
    il7.sensitivities("baseline", "IL7_serum_total").to_pandas()  # which parameters decide a readout
    il7.population("sportes_2008", {"age": "20..70 years"}, n=100).percentiles()  # virtual patients
    il7.export_sbml("il7.xml")                 # SBML L3V2 with units and annotations
    il7.export_sbml("sportes.xml", scenario="sportes_2008")  # with a scenario's state and doses
    il7.export_omex("sportes.omex", scenario="sportes_2008")  # and the SED-ML that runs it
    il7.export_petab("s3c")                     # Gonnord 2018 S3C as a PEtab calibration problem
    il7.export_petab("mine", scenario="sereti_2009", data="serum.csv", estimate=["ka_rIL7_sc"])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from il7.errors import Il7Error, ScenarioError, SolveError
from il7.files import require_name as _require_name
from il7.files import writing
from il7.population import Population, population
from il7.scenario import Scenario
from il7.scenario import builtin_names as list_scenarios
from il7.scenario import load as load_scenario
from il7.sensitivity import Sensitivities, sensitivities
from il7.simulate import parameter_table, simulate
from il7.trajectory import Trajectory

__version__ = "0.1.0"


def export_sbml(
    path: str | Path | None = None,
    *,
    scenario: Scenario | str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> str:
    """The model as SBML Level 3 Version 2; also written to ``path`` if given.

    With ``scenario`` (and optionally ``overrides``, as for :func:`simulate`), the document
    carries the scenario: species start at its steady state and its changes are SBML events,
    so that other tools reproduce il7's run (see :mod:`il7.export`).
    """
    from il7.export import model_sbml, scenario_sbml

    if overrides is not None and scenario is None:
        raise Il7Error("overrides act on a scenario's body: give a scenario too, e.g. scenario='baseline'")
    if path is not None:
        _require_name(path, "path", "il7.xml", ", or None to get the text only")
    text = model_sbml() if scenario is None else scenario_sbml(scenario, overrides=overrides)
    if path is not None:
        with writing(path) as partial:  # refuses a folder
            partial.write_text(text, encoding="utf-8")
    return text


def export_omex(
    path: str | Path,
    *,
    scenario: Scenario | str,
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``scenario`` as a COMBINE archive (``.omex``): its SBML (as :func:`export_sbml`)
    and the SED-ML that runs it on the scenario's output grid and names its readouts, so that
    COPASI or Tellurium reproduce il7's trajectory by opening the file (see :mod:`il7.export`)."""
    from il7.export import write_omex

    _require_name(path, "path", "run.omex")
    return write_omex(path, scenario, overrides=overrides)


def export_petab(
    folder: str | Path,
    *,
    scenario: Scenario | str | None = None,
    data: str | Path | None = None,
    estimate: Sequence[str] | str = (),
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Write a PEtab v1 calibration problem into ``folder`` and return its ``problem.yaml``.

    Without ``scenario``: Gonnord 2018 S3C, pSTAT5 against IL-7 at 10 min (:func:`il7.petab_export.write_s3c`).
    With ``scenario``, ``data`` (a .csv/.tsv of readout, time [UNIT], measurement[, sigma]) and the ids to
    ``estimate``: that scenario with your measurements (:func:`il7.petab_export.write_scenario`). pyPESTO
    and COPASI run both (see :mod:`il7.petab_export`).
    """
    from il7 import petab_export

    _require_name(folder, "folder", "il7-petab")
    if scenario is None:
        if data is not None or estimate:
            raise Il7Error("data and estimate go with a scenario: give scenario= too")
        return petab_export.write_s3c(folder, overrides=overrides)
    if data is None:
        raise Il7Error("a scenario's PEtab problem needs measurements: give data= (a .csv or .tsv file)")
    return petab_export.write_scenario(folder, scenario, data, estimate, overrides=overrides)


__all__ = [
    "Il7Error",
    "Population",
    "Scenario",
    "ScenarioError",
    "Sensitivities",
    "SolveError",
    "Trajectory",
    "export_omex",
    "export_petab",
    "export_sbml",
    "list_scenarios",
    "load_scenario",
    "parameter_table",
    "population",
    "sensitivities",
    "simulate",
]
