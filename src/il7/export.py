"""A scenario as one SBML document that other tools run as il7 does.

``il7 export sbml`` alone writes the model in its original state. Around the model, il7 does
what SBML can also say, and :func:`scenario_sbml` writes it into the document, so that COPASI,
Tellurium/libRoadRunner or AMICI reproduce a scenario's run without il7:

- parameters and compartments take the values of the scenario's context, the overrides and its
  pre-equilibration settings;
- species start at the state il7 starts integrating from: the scenario's steady state (its
  period at ``-inf``), not the model's initial assignments;
- each time at which the scenario changes something (a setting, a dose, an infusion starting
  or stopping) becomes an SBML event: a setting assigns its value, a bolus adds its molecules.

The document's time is in hours, and its time 0 is where il7 starts integrating: the scenario's
first change or first output time, whichever is earlier (day -7 for ``transplant``). A scenario
that changes a compartment's volume after it starts is refused: SBML tools differ on what such a
jump does to the concentrations in the compartment.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from il7 import __version__, build
from il7.engine import engine
from il7.errors import Il7Error, SolveError
from il7.scenario import TIME_UNITS, Scenario, load
from il7.simulate import Change, integrate, prepare, scenario_overrides, start_time


def scenario_sbml(scenario: Scenario | str, *, overrides: Mapping[str, Any] | None = None) -> str:
    """The model with ``scenario`` in it, as SBML Level 3 Version 2.

    Parameters
    ----------
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    overrides
        Parameter values set before the scenario's steady state, as in :func:`il7.simulate`.

    Returns
    -------
    str
        The SBML text: starting state, settings and the scenario's changes as events, in hours
        from the start of integration (the model's notes say where that is in scenario time).

    Raises
    ------
    Il7Error
        Unknown ids or bad values.
    SolveError
        The scenario could not be run (il7 runs it once to record what it changes, and when).
    """
    import libsbml

    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    resolved = scenario_overrides(scenario, overrides)
    doc = libsbml.readSBMLFromString(build.sbml())
    model = doc.getModel()
    constants = [
        *(model.getCompartment(i).getId() for i in range(model.getNumCompartments())),
        *(p.getId() for p in map(model.getParameter, range(model.getNumParameters())) if p.getConstant()),
    ]
    eng = engine()
    log: list[tuple[float, list[Change]]] = []
    try:
        prepare(eng, scenario, resolved)
        values = {key: eng.get(key) for key in constants}
        amounts = dict(zip(eng.species, eng.snapshot(), strict=True))
        integrate(eng, scenario, log=log)
    except SolveError as exc:
        raise SolveError(f"scenario '{scenario.name}': {exc}") from None
    resized = sorted(
        {c.target for _, made in log for c in made if model.getCompartment(c.target) is not None}
    )
    if resized:
        raise Il7Error(
            f"scenario '{scenario.name}' changes the volume of {', '.join(resized)} after it starts; SBML "
            "tools differ on what a volume change does to the concentrations in it, so il7 does not "
            "export it: set the volume before the steady state instead (the -inf period or --set)"
        )

    for key, value in values.items():
        compartment = model.getCompartment(key)
        if compartment is not None:
            compartment.setSize(value)
        else:
            model.getParameter(key).setValue(value)
    for i in reversed(range(model.getNumInitialAssignments())):
        if model.getSpecies(model.getInitialAssignment(i).getSymbol()) is not None:
            model.removeInitialAssignment(i)
    for sid, amount in amounts.items():
        species = model.getSpecies(sid)
        if species.getHasOnlySubstanceUnits():
            species.setInitialAmount(amount)
        else:
            species.setInitialConcentration(amount / values[species.getCompartment()])
    hours = TIME_UNITS[scenario.time_unit]
    start = start_time(scenario)
    for k, (hour, made) in enumerate([entry for entry in log if entry[1]], start=1):
        name = f"{scenario.time_unit} {hour / hours + start:g}: " + ", ".join(_said(model, c) for c in made)
        _event(libsbml, model, f"change_{k}", name, hour, made)
    model.setId(f"il7_{scenario.name}")
    model.setName(f"il7 scenario {scenario.name}: {scenario.description}")
    said = (
        f"Scenario '{scenario.name}', written by il7 {__version__}. "
        f"Model time is in hours; time 0 is {scenario.time_unit} {start:g} of the scenario, where il7 "
        "starts integrating, and species start there at il7's state (its steady state when the "
        "scenario begins with one). Each event is a change the scenario makes. To reproduce il7's "
        f"output, simulate from 0 to {output_hours(scenario)[-1]:g} h and read "
        f"{', '.join(scenario.readouts)} at ({scenario.time_unit} - {start:g}) x {hours:g} h for "
        f"each of the scenario's output times ({len(scenario.times)} from {scenario.time_unit} "
        f"{scenario.times[0]:g} to {scenario.t_end:g})."
    )
    if resolved:
        said += " Overrides: " + ", ".join(f"{k} = {v:g} (model units)" for k, v in resolved.items()) + "."
    model.appendNotes(
        f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(said, quote=False)}</p></body>'
    )
    return str(libsbml.writeSBMLToString(doc))


def output_hours(scenario: Scenario) -> tuple[float, ...]:
    """The scenario's output times in an exported document's time: hours from where il7 starts
    integrating (:func:`il7.simulate.start_time`)."""
    hours = TIME_UNITS[scenario.time_unit]
    start = start_time(scenario)
    return tuple((t - start) * hours for t in scenario.times)


def _event(lib: Any, model: Any, eid: str, name: str, hour: float, made: list[Change]) -> None:
    """An event at ``hour`` (model time) that makes the changes ``made``, in their order."""
    event = model.createEvent()
    event.setId(eid)
    event.setName(name)
    event.setUseValuesFromTriggerTime(True)
    trigger = event.createTrigger()
    trigger.setInitialValue(False)  # a change at time 0 fires at the start
    trigger.setPersistent(True)
    time = lib.ASTNode(lib.AST_NAME_TIME)
    time.setName("time")
    trigger.setMath(_op(lib, lib.AST_RELATIONAL_GEQ, time, _number(lib, hour, "hour")))
    for change in made:
        target = model.getParameter(change.target) or model.getCompartment(change.target)
        if target is not None:
            target.setConstant(False)  # SBML: what an event assigns is not constant
        assignment = event.createEventAssignment()
        assignment.setVariable(change.target)
        assignment.setMath(_assigned(lib, model, change))


def _unit(model: Any, change: Change) -> str:
    """The SBML unit of a change's value: molecules or cells for a species, else its target's."""
    if change.add or model.getSpecies(change.target) is not None:
        return "item"
    if model.getCompartment(change.target) is not None:
        return "litre"
    return str(model.getParameter(change.target).getUnits() or "dimensionless")


def _assigned(lib: Any, model: Any, change: Change) -> Any:
    """The value a change gives its target: the set value, or the target plus the bolus."""
    value = _number(lib, change.value, _unit(model, change))
    species = model.getSpecies(change.target)
    if species is None:
        return value
    if not species.getHasOnlySubstanceUnits():  # the species is a concentration: molecules / volume
        volume = lib.ASTNode(lib.AST_NAME)
        volume.setName(species.getCompartment())
        value = _op(lib, lib.AST_DIVIDE, value, volume)
    if not change.add:
        return value
    current = lib.ASTNode(lib.AST_NAME)
    current.setName(change.target)
    return _op(lib, lib.AST_PLUS, current, value)


def _said(model: Any, change: Change) -> str:
    """A change in words, in model units: ``k_deplete = 0.0275 per_hour``, ``IL7_plasma + 2.4e+15 item``."""
    return f"{change.target} {'+' if change.add else '='} {change.value:.6g} {_unit(model, change)}"


def _number(lib: Any, value: float, unit: str) -> Any:
    node = lib.ASTNode(lib.AST_REAL)
    node.setValue(float(value))
    node.setUnits(unit)
    return node


def _op(lib: Any, kind: int, left: Any, right: Any) -> Any:
    node = lib.ASTNode(kind)
    node.addChild(left)
    node.addChild(right)
    return node
