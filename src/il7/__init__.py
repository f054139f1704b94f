"""il7: an executable, quantitative model of the interleukin-7 system.

The public API::

    import il7
    il7.list_scenarios()                       # built-in scenario names
    s = il7.load_scenario("baseline")          # or a path to a YAML file
    traj = il7.simulate(s, overrides={"age": "60 years"})
    traj.to_pandas()
    il7.parameter_table()                      # value, unit, status, source of every number
    il7.readout_table()                        # what a scenario can read out, with units and meaning
    il7.sensitivities("baseline", "IL7_serum_total").to_pandas()  # which parameters decide a readout
    il7.population("sportes_2008", {"age": "20..70 years"}, n=100).percentiles()  # virtual patients
    il7.export_sbml("il7.xml")                 # SBML L3V2 with units and annotations
    il7.export_sbml("sportes.xml", scenario="sportes_2008")  # with a scenario's state and doses
    il7.export_omex("sportes.omex", scenario="sportes_2008")  # and the SED-ML that runs it
    il7.export_petab("s3c")                     # Gonnord 2018 S3C as a PEtab calibration problem
    il7.export_petab("mine", scenario="sereti_2009", data="serum.csv", estimate=["ka_rIL7_sc"])
    il7.compare("sportes_2008", "cd4.csv").summary()  # a run beside your measurements: model / measured
    il7.validate(basis="prediction").to_pandas()  # the literature targets, model value and verdict
    il7.check_claims().to_pandas()              # the source article's statements, PASS or FAIL
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from il7.errors import Il7Error, Il7Warning, ScenarioError, SolveError
from il7.errors import warn as _warn
from il7.files import require_name as _require_name
from il7.files import writing
from il7.population import Population, population
from il7.scenario import Scenario
from il7.scenario import builtin_names as list_scenarios
from il7.scenario import load as load_scenario
from il7.sensitivity import Sensitivities, sensitivities
from il7.simulate import parameter_table, readout_table
from il7.simulate import simulate as _simulate
from il7.trajectory import Trajectory

if TYPE_CHECKING:
    import pandas as pd

    from il7.claims.validate import ClaimChecks, Validation
    from il7.comparison import Comparison

__version__ = "0.1.0"


def simulate(
    scenario: Scenario | str | Mapping[str, Any], *, overrides: Mapping[str, Any] | None = None
) -> Trajectory:
    """Simulate a scenario (a built-in name, a YAML file's path, a mapping, or a
    :class:`Scenario`) with ``overrides`` (``{id: value}``, a bare number in the table's unit,
    a string with its own: ``{"age": "60 years"}``), as :func:`il7.simulate.simulate` does.

    What the run says to distrust, its :attr:`Trajectory.notes` (a value outside its bounds,
    cells beyond what a body holds), and doses or settings after its last output time, which
    it does not show, are issued as :class:`Il7Warning`, so that a notebook shows them. Unlike
    ``il7 simulate --set``, it does not judge whether each override moves the readouts at all,
    which costs one more run per override (a loop or a fit would pay it at every call):
    ``from il7.simulate import unmoved_overrides`` and
    ``unmoved_overrides(scenario, overrides, run=traj)`` do, on request.

    Parameters
    ----------
    scenario
        What to run: a built-in name (``il7.list_scenarios()``), a YAML file's path, a mapping
        with a scenario file's fields, or a :class:`Scenario`.
    overrides
        Parameter values for this run, ``{id: value}``: a bare number in the parameter table's
        unit (``il7.parameter_table()``), or a string with its unit (``"60 years"``, ``"2 L/h"``).

    Returns
    -------
    Trajectory
        The readouts on the scenario's output times, each with its unit (``traj.to_pandas()``).

    Raises
    ------
    Il7Error
        A scenario or override that is wrong, in one line that says how to fix it.
    SolveError
        The model could not be solved; the message names the scenario, the time and a suggestion.
    """
    chosen = load_scenario(scenario)
    traj = _simulate(chosen, overrides=overrides)
    _warn_run(chosen, traj)
    return traj


def _warn_run(scenario: Scenario, traj: Trajectory) -> None:
    """Issue, as :class:`Il7Warning`, what a run of ``scenario`` says to distrust (its notes) and
    the doses or settings after its last output time, which it does not show."""
    late = scenario.beyond_output_note(
        "the run does not show", "give a later end: scenario.with_output(t_end=...)"
    )
    for note in (*traj.notes, *((late,) if late else ())):
        _warn(note)


def compare(
    scenario: Scenario | str | Mapping[str, Any],
    data: str | Path | pd.DataFrame,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Comparison:
    """Run ``scenario`` (with ``overrides``, as :func:`simulate`) beside your measurements in
    ``data`` (a .csv or .tsv file, or a DataFrame, of readout, time [UNIT], measurement and
    optionally sigma, unit and dose), as ``il7 simulate --data`` does: the measured readouts are
    added to the run and the measured times to its output times, so that each measurement meets
    the model at its own time (:mod:`il7.comparison`); rows that name one dose arm run the
    scenario at that dose. Nothing is fitted.

    Parameters
    ----------
    scenario
        As for :func:`simulate`.
    data
        The measurements: a .csv or .tsv file's path or a DataFrame with columns ``readout``,
        ``time [UNIT]`` (the unit in the header, e.g. ``time [day]``), ``measurement`` (in the
        readout's unit, ``il7.readout_table()``) and optionally ``sigma``, ``unit`` and ``dose``.
    overrides
        As for :func:`simulate`.

    Returns
    -------
    Comparison
        ``.to_pandas()`` (each measurement beside the model), ``.summary()`` (per readout: model /
        measured, and the error in sigmas), ``.figure()`` (the run with the measurements drawn on
        it) and ``.trajectory`` (the run). What the run says to distrust is issued as an
        :class:`Il7Warning`, as :func:`simulate` issues it.
    """
    from il7.comparison import compare as run_beside

    chosen = load_scenario(scenario)
    comparison = run_beside(chosen, data, overrides=overrides)
    _warn_run(chosen, comparison.trajectory)
    return comparison


def export_sbml(
    path: str | Path | None = None,
    *,
    scenario: Scenario | str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> str:
    """The model as SBML Level 3 Version 2; also written to ``path`` if given.

    With ``scenario`` (and optionally ``overrides``, as for :func:`simulate`), the document
    carries the scenario: species start at its steady state and its changes are SBML events,
    so that other tools reproduce il7's run (see :mod:`il7.export`). What the run says to distrust
    (a value outside its bounds, a dose far above the studied ones) is issued as an
    :class:`Il7Warning`, as :func:`simulate` issues it, and so are doses after the scenario's last
    output time, which the document leaves out.

    Parameters
    ----------
    path
        A file ending in ``.xml`` or ``.sbml`` to write, or ``None`` for the text only.
    scenario
        As for :func:`simulate`; ``None`` for the plain model at its table values.
    overrides
        As for :func:`simulate`; only with ``scenario``.

    Returns
    -------
    str
        The SBML document (time in hours, amounts in molecules and cells).
    """
    from il7.export import UNSEEN, model_sbml, scenario_sbml
    from il7.simulate import warn_notes

    if overrides is not None and scenario is None:
        raise Il7Error("overrides act on a scenario's body: give a scenario too, e.g. scenario='baseline'")
    if path is not None:
        _require_name(path, "path", "il7.xml", ", or None to get the text only")
        _require_suffix(path, "sbml", "il7.xml")
    if scenario is None:
        text = model_sbml()
    else:
        chosen = load_scenario(scenario)
        warn_notes(chosen, overrides, unseen=UNSEEN)
        text = scenario_sbml(chosen, overrides=overrides)
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
    COPASI or Tellurium reproduce il7's trajectory by opening the file (see :mod:`il7.export`). What
    the run says to distrust is issued as an :class:`Il7Warning`, as :func:`simulate` issues it, and
    so are doses after the scenario's last output time, which the archive leaves out.

    Parameters
    ----------
    path
        The archive to write, ending in ``.omex``.
    scenario
        As for :func:`simulate`; its output times must be evenly spaced (SED-ML's uniform time
        course).
    overrides
        As for :func:`simulate`.

    Returns
    -------
    pathlib.Path
        The archive written.
    """
    from il7.export import write_omex

    _require_name(path, "path", "run.omex")
    _require_suffix(path, "omex", "run.omex")
    return write_omex(path, scenario, overrides=overrides)


def _require_suffix(path: str | Path, what: str, example: str) -> None:
    """Refuse a file name without the export's suffix (:data:`il7.export.SUFFIXES`):
    export_sbml("sportes_2008") wrote the plain model into a file named after the scenario it
    was meant to carry."""
    from il7.export import SUFFIXES

    suffixes = SUFFIXES[what]
    if Path(path).suffix.lower() in suffixes:
        return
    hint = ""
    if str(path) in list_scenarios():
        hint = f"; '{path}' is a scenario: give it as scenario='{path}', the file as the first argument"
    raise Il7Error(
        f"path '{path}': give a file name ending in {' or '.join(suffixes)}, e.g. '{example}'{hint}"
    )


def export_petab(
    folder: str | Path,
    *,
    scenario: Scenario | str | None = None,
    data: str | Path | pd.DataFrame | None = None,
    estimate: Sequence[str] | str = (),
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Write a PEtab v1 calibration problem into ``folder`` and return its ``problem.yaml``.

    Without ``scenario``: Gonnord 2018 S3C, pSTAT5 against IL-7 at 10 min (:func:`il7.petab_export.write_s3c`).
    With ``scenario``, ``data`` (a .csv/.tsv file, or a pandas DataFrame, of readout, time [UNIT], measurement[, sigma][, dose], a dose column giving a condition per arm) and the ids to
    ``estimate``: that scenario with your measurements (:func:`il7.petab_export.write_scenario`). pyPESTO
    and COPASI run both (see :mod:`il7.petab_export`).

    Parameters
    ----------
    folder
        An empty or new folder to write the problem's tables into.
    scenario
        As for :func:`simulate`; ``None`` for the S3C problem.
    data
        The measurements, as for :func:`compare`; only with ``scenario``.
    estimate
        Parameter ids to estimate (each needs bounds in the parameter table); only with
        ``scenario``.
    overrides
        As for :func:`simulate`.

    Returns
    -------
    pathlib.Path
        The problem's ``problem.yaml``.
    """
    from il7 import petab_export

    _require_name(folder, "folder", "il7-petab")
    if scenario is None:
        if data is not None or estimate:
            raise Il7Error("data and estimate go with a scenario: give scenario= too")
        return petab_export.write_s3c(folder, overrides=overrides)
    if data is None:
        raise Il7Error(
            "a scenario's PEtab problem needs measurements: give data= (a .csv or .tsv file, or a DataFrame)"
        )
    return petab_export.write_scenario(folder, scenario, data, estimate, overrides=overrides)


def validate(
    targets: Sequence[str] | str | None = None, *, basis: str | None = None, jobs: int | None = None
) -> Validation:
    """Measure the literature targets (``claims/targets.yaml``: value, tolerance, source), as
    ``il7 validate`` does: every one, or those named in ``targets`` (ids), of ``basis`` if given
    (``"input"``, ``"fitted"`` or ``"prediction"``). About a minute for all of them on 2 CPUs. The
    virtual transplant cohorts run in ``jobs`` worker processes (default: one per CPU, at most 4),
    which re-import your script: call this from its ``if __name__ == "__main__":`` block, or give
    ``jobs=1`` (slower; from piped standard input, which cannot be re-imported, it is the only way).

    Parameters
    ----------
    targets
        Target ids (a list, or one id); ``None`` for every target.
    basis
        ``"input"``, ``"fitted"`` or ``"prediction"`` to measure only those; ``None`` for all.
    jobs
        Worker processes for the virtual cohorts (0: one per CPU); ``None`` for the default.

    Returns
    -------
    Validation
        ``.passed`` (every target), ``.misses`` (each with ``target.known_miss``, why the model
        misses it) and ``.to_pandas()`` (the rows of ``il7 validate --json``).

    Raises
    ------
    Il7Error
        An id that names no target, or a basis that is none of the three.
    """
    from il7.claims.validate import Validation
    from il7.claims.validate import validate as measure_targets

    with _cohort_jobs(jobs, "validate"):
        return Validation(tuple(measure_targets(targets, basis=basis)))


@contextlib.contextmanager
def _cohort_jobs(jobs: int | None, where: str) -> Iterator[None]:
    """Run the block with the targets' virtual cohorts in ``jobs`` processes (None: the default)."""
    from il7.claims.validate import COHORT_JOBS
    from il7.simulate import workers

    token = COHORT_JOBS.set(None if jobs is None else workers(jobs, where=where))
    try:
        yield
    finally:
        COHORT_JOBS.reset(token)


def check_claims(*, jobs: int | None = None) -> ClaimChecks:
    """Check each statement of the source article with the targets that read it, as ``il7
    claims`` does (about half a minute; call it, and give ``jobs``, as :func:`validate` says).

    Parameters
    ----------
    jobs
        As for :func:`validate`.

    Returns
    -------
    ClaimChecks
        ``.passed`` (every claim), ``.misses`` (the claims that fail), ``.to_pandas()`` (statement,
        il7's reading, verdict, the targets it reads) and ``.targets()`` (those targets' results,
        as :func:`validate` gives).
    """
    from il7.claims.validate import ClaimChecks
    from il7.claims.validate import check_claims as check

    with _cohort_jobs(jobs, "check_claims"):
        return ClaimChecks(tuple(check()))


__all__ = [
    "Il7Error",
    "Il7Warning",
    "Population",
    "Scenario",
    "ScenarioError",
    "Sensitivities",
    "SolveError",
    "Trajectory",
    "check_claims",
    "compare",
    "export_omex",
    "export_petab",
    "export_sbml",
    "list_scenarios",
    "load_scenario",
    "parameter_table",
    "population",
    "readout_table",
    "sensitivities",
    "simulate",
    "validate",
]


def __dir__() -> list[str]:
    """The public API, il7's modules imported so far (``il7.cohort``, ``il7.build``) and the
    module's own dunders, for ``dir(il7)`` and a notebook's completion, which listed the module's
    imports (``Any``, ``Path``, ``contextlib``) beside them."""
    import types

    here = globals()
    modules = [
        k for k, v in here.items() if isinstance(v, types.ModuleType) and v.__name__.startswith("il7.")
    ]
    return sorted({*__all__, *modules, *(k for k in here if k.startswith("__") and k.endswith("__"))})
