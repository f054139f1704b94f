"""Calibration problems in PEtab v1, the format pyPESTO, AMICI and COPASI estimate parameters from.

Two kinds of problem, each a folder (``problem.yaml``, ``model.xml``, the condition,
measurement, observable and parameter tables, and a README, whose text :mod:`il7.petab_readme`
writes):

- :func:`write_s3c`, ``il7 export petab``: Gonnord 2018 S3C (pSTAT5 against IL-7 at 10 min),
  the part of ``il7 calibrate`` that PEtab can state;
- :func:`write_scenario`, ``il7 export petab --scenario NAME --data FILE --estimate ID``: a
  scenario with your own measurements, to estimate the parameters you name.

The model is written as :func:`il7.export.scenario_sbml` writes a scenario: species start at its
steady state, written as numbers, with the changes at time 0 (a first dose) made, and its later
doses and settings are events. PEtab's own way to a
steady state (pre-equilibration) is not used, because tools do not reach this model's steady
state alike: pyPESTO's Newton solver fails on it (a culture well's osteoclasts still move after
1,000 h, and a well's plasma species have no dynamics at all), and COPASI's importer applies a
condition's species values before its steady state. A problem may therefore estimate only
parameters that leave the starting state and the events as written: :func:`write_scenario`
checks each one by exporting again with it at each of its bounds, and refuses one that moves them.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from il7 import build, units
from il7.errors import Il7Error, warn
from il7.export import readout_parameters, scenario_sbml
from il7.files import check_folder, filling
from il7.measurements import Measurement, bolus_molecules, dose_arms, given_measurements, in_scenario
from il7.petab_readme import s3c_readme, s3c_start, scenario_readme
from il7.scenario import TIME_UNITS, Scenario, clock, load, not_a_parameter
from il7.simulate import readout_unit, scenario_overrides, start_time, warn_notes

S3C_ESTIMATED = ("k_pSTAT5", "pSTAT5_MFI_scale", "pSTAT5_MFI_offset")
"""Parameters the S3C problem estimates: those that leave the cells' IL-7-free state unchanged."""

_FILES = {
    "model": "model.xml",
    "conditions": "conditions.tsv",
    "measurements": "measurements.tsv",
    "observables": "observables.tsv",
    "parameters": "parameters.tsv",
    "problem": "problem.yaml",
    "readme": "README.md",
}
_COMMAND = "il7 export petab"  # names the marker of the folders it fills (il7.files)
DOSE_SCALE = "dose_scale"
"""The parameter a problem with dose arms sets per condition: every bolus relative to the arm
with the most (:func:`write_scenario`)."""
_S3C_MINUTES = 10.0  # Gonnord 2018 S3C: pSTAT5 read 10 min after IL-7
S3C_JUDGED_DOSE = 100.0
"""IL-7 (pg/mL) of the well in which an override of the S3C problem must move pSTAT5_MFI for it
to count as acting (:func:`il7.simulate.unmoved_overrides`): about S3C's EC50, where the
response is most sensitive; the bare well, without IL-7, holds pSTAT5 at 0 whatever the rates."""


# ---- Gonnord 2018 S3C ---------------------------------------------------------------------------


def write_s3c(folder: str | Path, *, overrides: Mapping[str, Any] | None = None) -> Path:
    """Write Gonnord 2018 S3C (pSTAT5 against IL-7, 10 min) as a PEtab v1 problem in ``folder``.

    The problem is the S3C part of ``il7 calibrate``: a culture well of T cells at their IL-7-free
    steady state, one IL-7 dose per condition (the parameter ``IL7_added``, in pg/mL, which an
    initial assignment turns into the medium's IL-7), the model's ``pSTAT5_MFI`` observable
    (offset + scale x pSTAT5 fraction) against the 12 measured medians at 10 min, with the
    constant noise that gives il7's own weighting. It estimates :data:`S3C_ESTIMATED` from
    il7's fitted values (bounds from the parameter table); the receptor parameters that
    ``il7 calibrate`` also fits (``K_pre``, ``gc_per_T``) set the state the cells start from and
    are fixed, and S3D, a ratio of two experiments, has no PEtab form. pyPESTO (with
    libRoadRunner) and COPASI (copasi-petab-importer) read it and reproduce il7's predictions.

    Parameters
    ----------
    folder
        The folder to write into (created if missing); its files of the same names are replaced.
    overrides
        Parameter values for the cells before their steady state, as in :func:`il7.simulate`
        (``{"gc_per_T": 13391}``): the fixed receptor parameters, or the starting point of an
        estimated one.

    Returns
    -------
    Path
        The problem's YAML file, which PEtab tools open.

    Raises
    ------
    Il7Error
        ``folder`` is a file or cannot be written; unknown ids or bad values in ``overrides``.
    """
    import libsbml

    from il7 import calibrate

    check_folder(folder, _COMMAND, "folder (-o)")
    well = _s3c_well()
    warn_notes(well, overrides, judged=_s3c_well(S3C_JUDGED_DOSE))  # IL-7 comes with the conditions
    resolved = scenario_overrides(well, overrides)  # model units, for the README
    text = scenario_sbml(well, overrides=overrides)
    doc = libsbml.readSBMLFromString(text)
    model = doc.getModel()
    try:
        parameters = _estimated(model, list(S3C_ESTIMATED))
        _check_unmoved(well, overrides, list(S3C_ESTIMATED))
    except Il7Error as exc:  # only reachable through overrides: say that they are the cause
        raise Il7Error(
            f"the S3C problem estimates {', '.join(S3C_ESTIMATED)}, and with these overrides (--set) {exc}"
        ) from None
    added = model.createParameter()
    added.setId("IL7_added")
    # no name: COPASI's PEtab importer finds a parameter by its display name, which a name replaces
    added.setValue(0.0)
    added.setConstant(True)
    added.setUnits(model.getParameter("IL7_tissue_conc").getUnits())
    dose = model.createInitialAssignment()
    dose.setSymbol("IL7_tissue")  # a concentration (molecules/L), the inverse of IL7_tissue_conc
    dose.setMath(libsbml.parseL3Formula("IL7_added * N_avogadro / (mw_IL7 * pg_per_mL_in_g_per_L)"))
    model.setId("il7_gonnord2018_S3C")
    model.setName("il7: T cells in culture for Gonnord 2018 S3C (PEtab)")
    model.appendNotes(
        '<body xmlns="http://www.w3.org/1999/xhtml"><p>PEtab: each condition sets IL7_added (pg/mL), '
        "which the initial assignment of IL7_tissue puts into the medium at time 0 (hours).</p></body>"
    )
    data = calibrate.load_data()
    sigma = float(np.max(data.mfi)) / 2.0  # il7 calibrate weights S3C residuals by 2 / max MFI
    conditions: list[dict[str, Any]] = []
    measurements: list[dict[str, Any]] = []
    for number, (dose_pg_ml, replicates) in enumerate(zip(data.doses_pg_ml, data.mfi, strict=True), start=1):
        # ids that sort in the table's order: with ids that did not (IL7_1_pg_mL, ...), pyPESTO
        # 0.7's RoadRunner objective simulated the 1 pg/mL data at 100,000 pg/mL
        cid = f"S3C_dose{number}"
        conditions.append(
            {"conditionId": cid, "conditionName": f"{dose_pg_ml:g} pg/mL IL-7", "IL7_added": dose_pg_ml}
        )
        for k, value in enumerate(replicates, start=1):
            measurements.append(
                {
                    "observableId": "pSTAT5_MFI_S3C",
                    "simulationConditionId": cid,
                    "measurement": value,
                    "time": _S3C_MINUTES / 60.0,
                    "datasetId": "gonnord2018_S3C",
                    "replicateId": f"replicate_{k}",
                }
            )
    observables = [
        {
            "observableId": "pSTAT5_MFI_S3C",
            "observableName": "pSTAT5 median fluorescence (Gonnord 2018 S3C)",
            "observableFormula": "pSTAT5_MFI",
            "noiseFormula": sigma,
            "noiseDistribution": "normal",
        }
    ]
    readme = s3c_readme(sigma, resolved, s3c_start(data, sigma, overrides))
    return _write(
        folder, libsbml.writeSBMLToString(doc), conditions, measurements, observables, parameters, readme
    )


def _s3c_well(dose_pg_ml: float | None = None) -> Scenario:
    """T cells in a culture well at their IL-7-free steady state, read at 0 and 10 min; with
    ``dose_pg_ml``, given that much IL-7 at 0 (as a condition of the problem gives it)."""
    dose = {"dose": {"drug": "IL7", "amount": dose_pg_ml, "unit": "pg/mL", "route": "medium"}}
    return load(
        {
            "name": "gonnord2018_S3C",
            "description": "T cells in a culture well at their IL-7-free steady state, for PEtab.",
            "context": "culture_well",
            "time_unit": "min",
            "periods": [{"time": "-inf"}, *([{"time": 0.0, **dose}] if dose_pg_ml is not None else [])],
            "readouts": ["pSTAT5_MFI"],
            "output": {"times": [0.0, _S3C_MINUTES]},
        },
    )


# ---- a scenario with the user's measurements ----------------------------------------------------


def write_scenario(
    folder: str | Path,
    scenario: Scenario | str,
    data: str | Path | pd.DataFrame | Iterable[Measurement],
    estimate: Sequence[str] | str,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``scenario`` with measurements of its readouts as a PEtab v1 problem in ``folder``.

    One condition (the scenario; one per dose arm where the data have a ``dose`` column), the
    model as :func:`il7.export.scenario_sbml` writes it, an
    observable per measured readout (its value in il7's unit; a species as its amount), normal
    noise with the given ``sigma`` or, where the data give none, an estimated standard deviation
    ``sigma_<readout>`` per readout, and the parameters in ``estimate`` (nominal value il7's,
    bounds from the parameter table). PEtab's time is in hours from where il7 starts integrating
    the scenario (its first change or output time); each measurement's time is moved there.

    Measurements that name their dose arm (a ``dose`` column, each bolus's amount as ``il7
    simulate --dose`` takes it) give a condition per arm: the model is written at the arm with the
    most drug, with every bolus multiplied by the parameter :data:`DOSE_SCALE` (later ones in
    their events, a first dose at the start in an initial assignment of the species it goes into),
    and each condition sets it to its arm's share (0.5 for 30 ug/kg beside 60).

    Parameters
    ----------
    folder
        The folder to write into (created if missing); its files of the same names are replaced.
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    data
        A measurement file (see :func:`~il7.measurements.read_measurements`), a pandas DataFrame with its columns
        (:func:`~il7.measurements.measurements_from_frame`), or the measurements themselves.
    estimate
        Parameter ids to estimate (or one string, ids separated by commas). Each, anywhere within
        its bounds in the parameter table, must leave the scenario's starting state and its events
        as written (drug absorption, binding and clearance do; a parameter that sets the body's
        steady state does not) and must change a measured readout; it must not be set by the
        scenario after its start, and the value the scenario gives it must lie within its bounds.
    overrides
        Parameter values set before the scenario's steady state, as in :func:`il7.simulate`.

    Returns
    -------
    Path
        The problem's YAML file.

    Raises
    ------
    Il7Error
        Bad data, an unknown or unfit parameter to estimate (with the reason), a folder that
        cannot be written.
    """
    import libsbml

    # the scenario's own file, which a mapping has none of
    _not_over_inputs(
        folder, data, scenario if isinstance(scenario, (str, Path)) else getattr(scenario, "file", None)
    )
    check_folder(folder, _COMMAND, "folder (-o)")
    scenario = load(scenario)  # a Scenario comes back as it is
    warn_notes(scenario, overrides)  # once: the problem is built from several documents
    measurements = in_scenario(given_measurements(data, scenario.time_unit), scenario)
    # {each arm's dose: (the scenario at that dose, its share of the largest)}
    arms, measurements = _arms(scenario, measurements)
    described = scenario  # the README's heading: the scenario as given, not its largest arm
    if arms:  # written at the arm with the most drug, which every check then runs
        scenario = max(arms.values(), key=lambda arm: arm[1])[0]
    ids = _estimable(scenario, estimate)
    start = start_time(scenario)
    hours = TIME_UNITS[scenario.time_unit]
    seen: set[tuple[str, float, float, str | None]] = set()
    twice = []
    for m in measurements:
        key = (m.readout, m.time, m.value, m.dose)
        if key in seen:
            twice.append(m)
        seen.add(key)
    if twice:  # the same value twice counts twice in a likelihood: a pasted row, most often
        warn(
            f"{twice[0].at}{len(twice)} measurement(s) repeat an earlier row "
            f"exactly ({twice[0].readout} at {clock(twice[0].time, scenario.time_unit)}), and each counts in the "
            "fit; drop repeats unless they are replicates"
        )
    readouts = tuple(dict.fromkeys(m.readout for m in measurements))
    noise: dict[str, str] = {}  # per readout: "estimated", "constant" or "per row"
    for r in readouts:
        sigmas = [m.sigma for m in measurements if m.readout == r]
        if any(x is None for x in sigmas) and not all(x is None for x in sigmas):
            lacking = next(m for m in measurements if m.readout == r and m.sigma is None)
            raise Il7Error(
                f"{lacking.at}{r}: sigma is given for some measurements "
                "and not others (not here); give it for all or none"
            )
        noise[r] = "estimated" if sigmas[0] is None else "constant" if len(set(sigmas)) == 1 else "per row"
        if noise[r] == "estimated" and not any(m.value for m in measurements if m.readout == r):
            raise Il7Error(
                f"{r}: the measurements are all 0, so their noise cannot be estimated; give a sigma column"
            )
    per_row = sorted(r for r, kind in noise.items() if kind == "per row")
    if per_row:  # the folder's README says so too; said now, not found when pyPESTO refuses it
        warn(
            f"{', '.join(per_row)}: the sigmas differ between measurements, so each row carries its own noise "
            "parameter, which AMICI takes and pyPESTO 0.7's RoadRunner objective refuses ('Timepoint-specific "
            "parameter overrides currently unsupported'); for pyPESTO give one sigma per readout, or none"
        )
    text = scenario_sbml(scenario, overrides=overrides, dose_scale=DOSE_SCALE if arms else None)
    doc = libsbml.readSBMLFromString(text)
    parameters = _estimated(doc.getModel(), ids)  # checks the values the scenario gives them
    _check_unmoved(scenario, overrides, ids)
    _check_effect(scenario, overrides, ids, readouts, tuple(sorted({m.time for m in measurements})))
    targets = readout_parameters(libsbml, doc.getModel(), readouts)
    observables: list[dict[str, Any]] = []
    resolved = scenario_overrides(scenario, overrides)
    for r in readouts:
        observables.append(
            {
                "observableId": f"obs_{r}",
                "observableName": f"{r} ({readout_unit(r)})",
                "observableFormula": targets[r],
                # the sigma enters through the placeholder, its value (or the estimated parameter)
                # in the measurement table: pyPESTO's RoadRunner objective takes no other
                # parameter in a noise formula, nor numbers beside placeholders in that column
                "noiseFormula": f"noiseParameter1_obs_{r}",
                "noiseDistribution": "normal",
            }
        )
        if noise[r] == "estimated":
            # bounds and start from the readout's typical size (the median is 0 only if most are)
            typical = float(np.median([abs(m.value) for m in measurements if m.readout == r])) or max(
                abs(m.value) for m in measurements if m.readout == r
            )
            if not math.isfinite(10.0 * typical):
                raise Il7Error(
                    f"{r}: measurements of {typical:g} are out of range; give them in the readout's unit"
                )
            parameters.append(
                {
                    "parameterId": f"sigma_{r}",
                    "parameterName": f"noise standard deviation of {r}",
                    "parameterScale": "log10",
                    "lowerBound": 1e-3 * typical,
                    "upperBound": 10.0 * typical,
                    "nominalValue": 0.1 * typical,
                    "estimate": 1,
                }
            )
    rows = [
        {
            "observableId": f"obs_{m.readout}",
            "simulationConditionId": _condition(arms, m.dose),
            "measurement": m.value,
            "time": (m.time - start) * hours,
            "noiseParameters": m.sigma if m.sigma is not None else f"sigma_{m.readout}",
        }
        for m in measurements
    ]
    conditions: list[dict[str, Any]] = (
        [
            {"conditionId": _condition(arms, dose), "conditionName": f"{dose} arm", DOSE_SCALE: share}
            for dose, (_, share) in arms.items()
        ]
        if arms
        else [{"conditionId": "scenario", "conditionName": scenario.name}]
    )
    readme = scenario_readme(described, start, hours, ids, readouts, noise, resolved, arms=list(arms))
    return _write(folder, libsbml.writeSBMLToString(doc), conditions, rows, observables, parameters, readme)


def _arms(
    scenario: Scenario, measurements: list[Measurement]
) -> tuple[dict[str, tuple[Scenario, float]], list[Measurement]]:
    """The dose arms the measurements name (:func:`~il7.measurements.dose_arms`), each with its
    bolus relative to the arm with the most drug (1 there; 1 for every arm when all give none),
    and the measurements with each dose written as its arm's."""
    arms, measurements = dose_arms(scenario, measurements)
    if not arms:
        return {}, measurements
    kinds = {units.is_concentration(s.boluses[0].unit) for s in arms.values()}
    if len(kinds) > 1:
        first = next(iter(arms))
        raise Il7Error(
            f"dose: the arms mix concentrations and amounts ({first} and others); give every arm's dose "
            "in one kind of unit"
        )
    amounts = {dose: bolus_molecules(s) for dose, s in arms.items()}
    most = max(amounts.values())
    # 12 digits: 3 ug/kg beside 60 is 0.05, not 0.049999999999999996
    shares = {
        dose: (s, float(f"{amounts[dose] / most:.12g}") if most > 0 else 1.0) for dose, s in arms.items()
    }
    return shares, measurements


def _condition(arms: Mapping[str, object], dose: str | None) -> str:
    """A condition's id: ``scenario`` without arms, else ``arm_1``, ``arm_2``, ... in the data's order."""
    if not arms or dose is None:
        return "scenario"
    return f"arm_{list(arms).index(dose) + 1}"


def _estimable(scenario: Scenario, estimate: Sequence[str] | str) -> list[str]:
    """The ids to estimate, checked against the table and the scenario (not yet against the state)."""
    ids = build.split_ids(estimate, where="estimate")
    table = build.parameters_by_id()
    if not ids:
        raise Il7Error("name at least one parameter to estimate, e.g. ka_rIL7_sc")
    set_later = scenario.set_after_start
    for pid in ids:
        p = table.get(pid)
        if p is None:
            raise Il7Error(f"cannot estimate '{pid}': {not_a_parameter(pid, table)}")
        if (why := p.unchangeable("estimate")) is not None:
            raise Il7Error(f"cannot estimate '{pid}': it {why}")
        if p.lower is None or p.upper is None:
            raise Il7Error(
                f"cannot estimate {pid}: the parameter table gives it no bounds, which PEtab needs; add them there"
            )
        if pid in set_later:
            raise Il7Error(
                f"cannot estimate {pid}: {scenario.called} sets it after it starts, so the events hold "
                "its value; estimate another parameter, or change it in a copy of the scenario file"
            )
    return ids


def _check_unmoved(scenario: Scenario, overrides: Mapping[str, Any] | None, ids: list[str]) -> None:
    """Refuse a parameter whose value, anywhere within its bounds, would move the written starting
    state or change the events (whose numbers il7 computed): the model carries both as numbers.
    The documents compared hold the changes at time 0 as events too (``fold_start=False``), so
    that a first dose counts as a dose, not as part of the start.

    Each parameter is tried at both bounds of the parameter table. A species counts as moved by
    more than 1e-5 relative, or one molecule or cell where it is near zero: the steady state's
    own precision is about 1e-6.
    """
    import libsbml

    def written(sbml: str) -> tuple[np.ndarray, list[str]]:
        model = libsbml.readSBMLFromString(sbml).getModel()
        species = [model.getSpecies(i) for i in range(model.getNumSpecies())]
        state = np.array(
            [
                s.getInitialAmount()
                if s.isSetInitialAmount()
                else s.getInitialConcentration() * model.getCompartment(s.getCompartment()).getSize()
                for s in species
            ]
        )
        events = [
            libsbml.formulaToL3String(e.getEventAssignment(k).getMath())
            for e in map(model.getEvent, range(model.getNumEvents()))
            for k in range(e.getNumEventAssignments())
        ]
        return state, events

    text = scenario_sbml(scenario, overrides=overrides, fold_start=False)
    base_state, base_events = written(text)
    model = libsbml.readSBMLFromString(text).getModel()
    table = build.parameters_by_id()
    for pid in ids:
        p = table[pid]
        value = model.getParameter(pid).getValue() / units.LABELS[p.unit].factor  # as written, table unit
        for side, bound in (("lower", p.lower), ("upper", p.upper)):
            if bound is None or math.isclose(bound, value):
                continue
            try:  # a bare number is in the table's unit
                state, events = written(
                    scenario_sbml(scenario, overrides=dict(overrides or {}) | {pid: bound}, fold_start=False)
                )
            except Il7Error as exc:
                raise Il7Error(f"cannot estimate {pid}: at its {side} bound ({bound:g}) {exc}") from None
            if events != base_events:
                raise Il7Error(
                    f"cannot estimate {pid}: the scenario's doses or settings, which the model carries with il7's "
                    "numbers, change with it (set it instead: overrides, --set)"
                )
            if not np.allclose(state, base_state, rtol=1e-5, atol=1.0):
                raise Il7Error(
                    f"cannot estimate {pid}: at its {side} bound ({bound:g}) it moves the scenario's starting "
                    "steady state, which the model carries as numbers because PEtab tools do not reach this "
                    "model's steady state alike; estimate drug parameters that act after the start, or set "
                    "this one (overrides, --set)"
                )


def _check_effect(
    scenario: Scenario,
    overrides: Mapping[str, Any] | None,
    ids: list[str],
    readouts: tuple[str, ...],
    times: tuple[float, ...],
) -> None:
    """Refuse a parameter that changes none of the measured readouts at the measured ``times``
    (scenario time unit) within its bounds (a drug the scenario never gives, or data only before
    it is absorbed): the data could not tell its value."""

    from il7.simulate import simulate

    measured = dataclasses.replace(scenario, readouts=readouts, times=times)
    base = simulate(measured, overrides=overrides).data
    table = build.parameters_by_id()
    for pid in ids:
        p = table[pid]
        moved = [
            simulate(measured, overrides=dict(overrides or {}) | {pid: bound}).data
            for bound in (p.lower, p.upper)
            if bound is not None
        ]
        if all(np.allclose(m, base, rtol=1e-9, atol=0.0) for m in moved):
            raise Il7Error(
                f"cannot estimate {pid}: from its lower to its upper bound it changes none of "
                f"{', '.join(readouts)} at the measured times in {scenario.called} (does the scenario "
                "give that drug, and is anything measured after it?)"
            )


# ---- shared ---------------------------------------------------------------------------------------


def _not_over_inputs(folder: str | Path, *inputs: object) -> None:
    """Refuse, before any work, to write a problem file over one of its own input files."""
    written = {(Path(folder) / name).resolve() for name in _FILES.values()}
    for given in inputs:
        if isinstance(given, (str, Path)) and Path(given).is_file() and Path(given).resolve() in written:
            raise Il7Error(
                f"-o '{folder}' would write over your input '{given}' ({Path(given).name} is a file of the "
                "PEtab problem); write the problem into another folder"
            )


def _estimated(model: Any, ids: list[str]) -> list[dict[str, Any]]:
    """Parameter-table rows for the estimated parameters: start at the value the exported model
    holds (the table's, or what the scenario's context, its steady-state settings or an override
    make it), within the table's bounds, all in model units."""
    table = build.parameters_by_id()
    rows = []
    for pid in ids:
        p = table[pid]
        factor = units.LABELS[p.unit].factor
        lower, upper = (p.lower or 0.0) * factor, (p.upper or 0.0) * factor
        value = model.getParameter(pid).getValue()
        if not lower <= value <= upper:
            raise Il7Error(
                f"cannot estimate {pid}: it starts at {value / factor:g} {p.unit} here (set by the scenario's "
                f"context, its settings or --set), outside its bounds {p.lower:g} to {p.upper:g}; choose a "
                "value within them"
            )
        rows.append(
            {
                "parameterId": pid,
                "parameterName": _short(p.note),
                "parameterScale": "log10" if lower > 0 else "lin",
                "lowerBound": lower,
                "upperBound": upper,
                "nominalValue": value,
                "estimate": 1,
            }
        )
    return _distinct_names(rows, table)


def _distinct_names(rows: list[dict[str, Any]], table: Mapping[str, build.Parameter]) -> list[dict[str, Any]]:
    """``rows`` with each ``parameterName`` told apart: one shared by two parameters takes its note
    up to the first clause that is not a comma's ('Observable map, background MFI'), then its id."""
    for step in ("clause", "id"):
        names = [row["parameterName"] for row in rows]
        for row in rows:
            if names.count(row["parameterName"]) > 1:
                note = table[row["parameterId"]].note
                row["parameterName"] = (
                    _short(note, commas=False)
                    if step == "clause"
                    else f"{_short(note)} ({row['parameterId']})"
                )
    return rows


def _short(note: str, limit: int = 80, *, commas: bool = True) -> str:
    """A parameter's name for tables: the first clause of its note, at most ``limit`` characters;
    a clause ends at '; ', '. ', ': ' and, with ``commas``, ', '."""
    first = re.split(r"; |\. |: |, " if commas else r"; |\. |: ", note, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."


def _write(
    folder: str | Path,
    sbml: str,
    conditions: list[dict[str, Any]],
    measurements: list[dict[str, Any]],
    observables: list[dict[str, Any]],
    parameters: list[dict[str, Any]],
    readme: str,
) -> Path:
    """Write the problem's files into ``folder``, all or none (:func:`il7.files.filling`)."""
    import yaml

    problem = {
        "format_version": 1,
        "parameter_file": _FILES["parameters"],
        "problems": [
            {
                "sbml_files": [_FILES["model"]],
                "condition_files": [_FILES["conditions"]],
                "measurement_files": [_FILES["measurements"]],
                "observable_files": [_FILES["observables"]],
            }
        ],
    }
    texts = {
        "model": sbml,
        "conditions": _tsv(conditions),
        "measurements": _tsv(measurements),
        "observables": _tsv(observables),
        "parameters": _tsv(parameters),
        "problem": yaml.safe_dump(problem, sort_keys=False),
        "readme": readme,
    }
    with filling(folder, _COMMAND, "folder (-o)") as staged:
        for key, text in texts.items():
            (staged / _FILES[key]).write_text(text, encoding="utf-8")
    return Path(folder) / _FILES["problem"]


def _tsv(rows: list[dict[str, Any]]) -> str:
    """Rows as a tab-separated table with a header (numbers in their shortest exact form)."""
    header = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["\t".join(header)]
    for row in rows:
        cells = (row.get(k, "") for k in header)
        lines.append("\t".join(repr(float(v)) if isinstance(v, float) else str(v) for v in cells))
    return "\n".join(lines) + "\n"
