"""A scenario as one SBML document that other tools run as il7 does.

``il7 export sbml`` alone writes the model in its original state. Around the model, il7 does
what SBML can also say, and :func:`scenario_sbml` writes it into the document, so that COPASI,
Tellurium/libRoadRunner or AMICI reproduce a scenario's run without il7:

- parameters and compartments take the values of the scenario's context, the overrides and its
  pre-equilibration settings;
- species start at the state il7 starts integrating from: the scenario's steady state (its
  period at ``-inf``), not the model's initial assignments;
- each time at which the scenario changes something (a setting, a dose, an infusion starting
  or stopping) becomes an SBML event: a setting assigns its value, a bolus adds its molecules;
  the changes at time 0 (a first dose, conditioning) are made in the start values instead, since
  SimBiology fires no event at time 0.

The document's time is in hours, and its time 0 is where il7 starts integrating: the scenario's
first change or first output time, whichever is earlier (day -7 for ``transplant``). A scenario
that changes a compartment's volume after it starts is refused: SBML tools differ on what such a
jump does to the concentrations in the compartment.

:func:`write_omex` packs that document with a SED-ML description of the run (the output grid,
the solver and its tolerances, the readouts as a report and plots) into a COMBINE archive, which
COPASI and Tellurium run as it stands.
(:mod:`il7.petab_export` writes PEtab calibration problems on the same kind of document.)
"""

from __future__ import annotations

import html
import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from il7 import __version__, build
from il7.engine import engine
from il7.errors import Il7Error, SolveError
from il7.files import writing
from il7.scenario import TIME_UNITS, Scenario, clock, load, vocabulary
from il7.simulate import Change, integrate, prepare, scenario_overrides, start_time, warn_notes


def model_sbml() -> str:
    """The model in its original state (:func:`il7.build.sbml`), with notes that say what that
    state is and how to bring it to the healthy adult, for a reader of the file alone."""
    import libsbml

    doc = libsbml.readSBMLFromString(build.sbml())
    said = (
        f"The il7 model, written by il7 {__version__}. Units: hours, items (molecules and cells), "
        "litres. The initial state is where il7 starts solving, not the healthy adult: there is no "
        "IL-7 yet and the thymus is empty. Simulate about 1e7 h to its steady state first (il7 "
        "does; a Newton solver started here does not converge), or export a scenario (il7 export "
        "sbml --scenario baseline), which starts at the steady state. Readouts are the parameters "
        "set by assignment rules, named by their meaning; each parameter's notes give its value in "
        "il7's table unit, its status and its source."
    )
    doc.getModel().appendNotes(
        f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(said, quote=False)}</p></body>'
    )
    return str(libsbml.writeSBMLToString(doc))


MOUSE_TAXON = 10090
"""NCBI Taxonomy id of Mus musculus: a mouse scenario's export names the mouse's own molecules
(:func:`_mouse_molecules`); the model's annotations name human ones."""


UNSEEN = (
    "the exported model does not hold",
    "give a later end: scenario.with_output(t_end=...), or --t-end",
)
"""What an export says of doses and settings after its last output time (:func:`il7.simulate.warn_notes`):
il7 records a scenario's changes by running it to that time."""


def scenario_sbml(
    scenario: Scenario | str,
    *,
    overrides: Mapping[str, Any] | None = None,
    fold_start: bool = True,
    dose_scale: str | None = None,
) -> str:
    """The model with ``scenario`` in it, as SBML Level 3 Version 2.

    Parameters
    ----------
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    overrides
        Parameter values set before the scenario's steady state, as in :func:`il7.simulate`.
    fold_start
        Write the changes made at model time 0 (a first dose) into the start values, as SimBiology
        needs (it fires no event at time 0); ``False`` writes them as events too, so that every
        number il7 computed for a change sits in an event (:mod:`il7.petab_export` compares them).
    dose_scale
        The id of a new parameter (value 1) that multiplies every bolus, so that a PEtab condition
        can set a dose arm (:func:`il7.petab_export.write_scenario`): in the events, and in an
        initial assignment of the species a first dose goes into (with ``fold_start``; tools fire
        an event at time 0 before a condition's values are set, roadrunner among them).

    Returns
    -------
    str
        The SBML text: starting state, settings, and the scenario's changes as events (those at
        model time 0 in the start values, with ``fold_start``), in hours from the start of
        integration (the model's notes say where that is in scenario time).

    Raises
    ------
    Il7Error
        Unknown ids or bad values.
    SolveError
        The scenario could not be run (il7 runs it once to record what it changes, and when).
    """
    import libsbml

    scenario = load(scenario)  # a Scenario comes back as it is
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
        raise SolveError(f"{scenario.called}: {exc}") from None
    resized = sorted(
        {c.target for _, made in log for c in made if model.getCompartment(c.target) is not None}
    )
    if resized:
        raise Il7Error(
            f"{scenario.called} changes the volume of {', '.join(resized)} after it starts; SBML "
            "tools differ on what a volume change does to the concentrations in it, so il7 does not "
            "export it: set the volume before the steady state instead (the -inf period or --set)"
        )

    if dose_scale is not None:
        scale = model.createParameter()
        scale.setId(dose_scale)  # no name: COPASI's PEtab importer finds a condition's column by name
        scale.setValue(1.0)
        scale.setUnits("dimensionless")
        scale.setConstant(True)
    first_doses = [c for hour, made in log if hour == 0.0 for c in made if c.add]
    if dose_scale is not None and len({c.target for c in first_doses}) < len(first_doses):
        raise Il7Error(
            f"{scenario.called} gives two doses into one place at its start, which one initial "
            "assignment cannot follow per dose arm; give the arms' doses in separate scenarios"
        )
    unfolded = {c.target: amounts[c.target] for c in first_doses}  # the start before a first dose
    folded = fold_start and _fold_start(model, log, values, amounts)
    if dose_scale is not None and first_doses and not folded:
        raise Il7Error(
            f"{scenario.called}: its first dose comes with a change that cannot be written as a "
            "start value, so its size cannot follow a dose arm; give the arms' doses in separate scenarios"
        )
    if folded:
        log = [(hour, made) for hour, made in log if hour != 0.0]
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
            species.setInitialAmount(_readable(amount))
        else:
            species.setInitialConcentration(_readable(amount / values[species.getCompartment()]))
    if dose_scale is not None:
        for c in first_doses:  # species = its start + dose_scale x the first dose
            assignment = model.createInitialAssignment()
            assignment.setSymbol(c.target)
            started = _number(libsbml, unfolded[c.target], "item")
            assignment.setMath(_assigned(libsbml, model, c, dose_scale, start=started))
    hours = TIME_UNITS[scenario.time_unit]
    start = start_time(scenario)
    for k, (hour, made) in enumerate([entry for entry in log if entry[1]], start=1):
        name = f"{clock(hour / hours + start, scenario.time_unit)}: " + ", ".join(
            _said(model, c) for c in made
        )
        _event(libsbml, model, f"change_{k}", name, hour, made, dose_scale)
    taxon = vocabulary()["contexts"][scenario.context].get("taxon")
    if taxon is not None:  # the model's own annotation (Homo sapiens) stands otherwise
        _set_taxon(libsbml, model, taxon)
        if taxon == MOUSE_TAXON:
            _mouse_molecules(libsbml, model)
    model.setId("il7_" + re.sub(r"[^A-Za-z0-9_]", "_", scenario.name))  # an SBML SId, whatever the name
    model.setName(f"il7 scenario {scenario.name}")  # a tool's label; the description goes in the notes
    said = (
        f"Scenario '{scenario.name}', written by il7 {__version__}: {_sentence(scenario.description)} "
        f"Model time is in hours; time 0 is {clock(start, scenario.time_unit)} of the scenario, where il7 "
        "starts integrating, and species start there at il7's state (its steady state when the "
        "scenario begins with one)"
        + (
            " with the scenario's changes at time 0 (a first dose) made, as SimBiology fires no event "
            "at time 0; each event is a later change."
            if folded
            else "; each event is a change the scenario makes."
        )
        + " To reproduce il7's "
        f"output, simulate from 0 to {output_hours(scenario)[-1]:g} h and read "
        f"{', '.join(scenario.readouts)} at ({scenario.time_unit} {'+' if start < 0 else '-'} "
        f"{abs(start):g}) x {hours:g} h for each of the scenario's output times "
        f"({len(scenario.times)} from {clock(scenario.times[0], scenario.time_unit)} to {clock(scenario.t_end, scenario.time_unit)}). "
        "A parameter changed in this file does not move the species' start, which il7 computed "
        "with the values written here: to change one, export again with --set (il7 export sbml, omex or petab)."
    )
    if taxon == MOUSE_TAXON:
        said += (
            " Molecules are named by the mouse's own UniProt entries and genes (il7's "
            "model/mouse_orthologues.tsv), the depots of recombinant human IL-7 by the human protein; "
            "the receptor layer's rates are those measured on human cells (il7 parameters --context mouse_body)."
        )
    if resolved:
        said += " Overrides: " + ", ".join(f"{k} = {v:g} (model units)" for k, v in resolved.items()) + "."
    model.appendNotes(
        f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(said, quote=False)}</p></body>'
    )
    return str(libsbml.writeSBMLToString(doc))


def _fold_start(
    model: Any, log: list[tuple[float, list[Change]]], values: dict[str, float], amounts: dict[str, float]
) -> bool:
    """Write the changes made at model time 0 (a first dose) into the start ``values`` and
    ``amounts``, and say whether it did: SimBiology fires no event at time 0 (its event
    documentation), so a first dose written as one was lost there. It does not where a change at
    time 0 targets a parameter that an initial assignment or a rule sets (a start value would not
    hold); those stay events."""
    first = [c for hour, made in log if hour == 0.0 for c in made]
    if not first or not all(
        c.target in amounts
        or (
            c.target in values
            and model.getInitialAssignmentBySymbol(c.target) is None
            and model.getRuleByVariable(c.target) is None
        )
        for c in first
    ):
        return False
    for c in first:
        if c.target in amounts:
            amounts[c.target] = amounts[c.target] + c.value if c.add else c.value
        else:
            values[c.target] = c.value
    return True


def _mouse_molecules(lib: Any, model: Any) -> None:
    """Name the mouse's own molecules in a mouse document: each human UniProt entry, NCBI Gene id
    or HGNC symbol that ``annotations.tsv`` gives becomes the mouse's (``mouse_orthologues.tsv``),
    whatever its qualifier: a mouse's IL-7 is P10168, its IL-7:IL-7Ralpha complex has the mouse
    proteins as parts, its IL-7Ralpha mRNA is encoded by the mouse gene. A drug's depot keeps the
    human protein: recombinant human IL-7 is human in any host.
    """
    mouse = build.mouse_orthologues()
    for element in model.getListOfAllElements():
        if not element.getNumCVTerms() or _is_depot(element):
            continue
        terms = [element.getCVTerm(i).clone() for i in range(element.getNumCVTerms())]
        element.unsetCVTerms()
        for term in terms:
            fresh = lib.CVTerm(term.getQualifierType())
            if term.getQualifierType() == lib.BIOLOGICAL_QUALIFIER:
                fresh.setBiologicalQualifierType(term.getBiologicalQualifierType())
            else:
                fresh.setModelQualifierType(term.getModelQualifierType())
            for uri in _resources(term):
                fresh.addResource(mouse.get(uri, uri))
            element.addCVTerm(fresh)


def _is_depot(element: Any) -> bool:
    """Whether an element is a drug's depot (``rIL7_sc_depot``): the drug, not the host's molecule."""
    return str(element.getId()).endswith("_depot")


def _resources(term: Any) -> list[str]:
    """The URIs of one annotation term."""
    resources = term.getResources()
    return [resources.getValue(k) for k in range(resources.getLength())]


def _set_taxon(lib: Any, model: Any, taxon: int) -> None:
    """Make the model's ``bqbiol:hasTaxon`` the context's organism (NCBI Taxonomy id)."""
    terms = [model.getCVTerm(i).clone() for i in range(model.getNumCVTerms())]
    model.unsetCVTerms()
    for term in terms:
        if term.getBiologicalQualifierType() == lib.BQB_HAS_TAXON:
            term = lib.CVTerm(lib.BIOLOGICAL_QUALIFIER)
            term.setBiologicalQualifierType(lib.BQB_HAS_TAXON)
            term.addResource(f"https://identifiers.org/taxonomy:{taxon}")
        model.addCVTerm(term)


SUFFIXES = {"sbml": (".xml", ".sbml"), "omex": (".omex",)}
"""The file name endings each export writes (il7 export -o, il7.export_sbml and il7.export_omex)."""

SEDML_NAMESPACE = "http://sed-ml.org/sed-ml/level1/version4"
"""SED-ML Level 1 Version 4, the version COPASI and Tellurium read and write."""

_MATHML = "http://www.w3.org/1998/Math/MathML"
_MODEL_FILE = "model.xml"
_SEDML_FILE = "simulation.sedml"
_SOLVER = {  # KiSAO terms: CVODE, as libroadrunner runs it for il7, and its tolerances
    "algorithm": "KISAO:0000019",
    "relative_tolerance": "KISAO:0000209",
    "absolute_tolerance": "KISAO:0000211",
}
_TOLERANCES = (1e-8, 1e-12)
"""Relative and absolute tolerances the archive asks for: tighter than il7's own relative 1e-6,
so that another solver's error stays well inside il7's. The absolute one is 1e-12, not il7's
1e-6 molecules per species: SED-ML gives one number, which libroadrunner (and Tellurium, which
runs archives through it) scales by each species' start value, so 1e-6 would allow an error of
about 1e-6 of the largest pools (sportes_2008's serum IL-7 then strays 6e-5 from a converged run,
5e-7 at 1e-12); COPASI reads it unscaled, and 1e-12 is its default."""


def write_omex(
    path: str | Path, scenario: Scenario | str, *, overrides: Mapping[str, Any] | None = None
) -> Path:
    """Write ``scenario`` as a COMBINE archive: the SBML of :func:`scenario_sbml` and a SED-ML run.

    The SED-ML (``simulation.sedml``) simulates ``model.xml`` from its time 0 with CVODE and
    reports the scenario's output grid (hours from where il7 starts integrating,
    :func:`output_hours`): each readout is a data generator, gathered in the report ``report`` and
    drawn in a plot of its own. COPASI (``basico.load_model``, or importing the archive) and
    Tellurium (``te.executeCombineArchive``) reproduce il7's trajectory from the file alone.

    A readout that is a species is written into the model as a parameter equal to the species'
    amount (``amount_<id>``, cells or molecules) and the SED-ML reads that: tools read an SBML
    species in SED-ML as a concentration or as an amount, not all alike.

    Parameters
    ----------
    path
        The archive to write (conventionally ``.omex``).
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    overrides
        Parameter values set before the scenario's steady state, as in :func:`il7.simulate`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    Il7Error
        Unknown ids or bad values; output times that are not evenly spaced (SED-ML's time course
        is a uniform grid); a path that cannot be written.
    SolveError
        The scenario could not be run.

    Warns
    -----
    Il7Warning
        What a run says to distrust before it runs, as :func:`il7.simulate` says it, and the doses
        after the last output time, which the archive leaves out (:func:`il7.simulate.warn_notes`).
    """
    import libcombine
    import libsbml

    scenario = load(scenario)  # a Scenario comes back as it is
    steps = _uniform_steps(scenario)  # refuse an uneven grid before the run
    warn_notes(scenario, overrides, unseen=UNSEEN)
    path = Path(path)
    if path.is_dir():  # libcombine would replace an empty folder by the archive
        raise Il7Error(f"cannot write '{path}': it is a folder; give a file name, e.g. {path / 'run.omex'}")
    doc = libsbml.readSBMLFromString(scenario_sbml(scenario, overrides=overrides))
    targets = readout_parameters(libsbml, doc.getModel(), scenario.readouts)
    # the manifest names formats without level and version: COPASI runs the SED-ML of an archive
    # only when its format is the plain "sed-ml" one
    formats = libcombine.KnownFormats
    archive = libcombine.CombineArchive()
    archive.addFileFromString(
        libsbml.writeSBMLToString(doc), _MODEL_FILE, formats.lookupFormat("sbml"), False
    )
    archive.addFileFromString(
        _sedml(scenario, steps, doc.getModel(), targets), _SEDML_FILE, formats.lookupFormat("sedml"), True
    )
    itself = archive.getManifest().createContent()  # the OMEX 1 specification asks for the archive's
    itself.setLocation(".")  # own entry (a "./manifest.xml" entry made libcombine read no entries back)
    itself.setFormat("http://identifiers.org/combine.specifications/omex")
    about = libcombine.OmexDescription()
    about.setAbout(".")
    about.setDescription(
        f"il7 {__version__} scenario '{scenario.name}': {_sentence(scenario.description)} Model time is in hours "
        f"from {clock(start_time(scenario), scenario.time_unit)} of the scenario."
    )
    about.setCreated(libcombine.OmexDescription.getCurrentDateAndTime())
    archive.addMetadata(".", about)
    with writing(path) as partial:
        try:
            written = archive.writeToFile(str(partial))
        except RuntimeError:  # libcombine raises when it cannot create the zip
            written = False
        archive.cleanUp()
        if not written:
            raise Il7Error(f"cannot write '{path}'; choose a writable location")
    return path


def _uniform_steps(scenario: Scenario) -> int:
    """The number of steps of the scenario's output grid, which SED-ML needs evenly spaced."""
    hours = output_hours(scenario)
    steps = len(hours) - 1
    if steps < 1 or any(
        not math.isclose(t, hours[0] + (hours[-1] - hours[0]) * i / steps, rel_tol=1e-9, abs_tol=1e-9)
        for i, t in enumerate(hours)
    ):
        raise Il7Error(
            f"{scenario.called}: SED-ML's time course reports an evenly spaced grid, and these "
            "output times are not; give an end on the grid (a whole number of steps from the start: "
            "--t-end and --step, in Python scenario.with_output(t_end=, step=)) or output: {t_end: T, n: N} in the scenario, or export the SBML alone (il7 export "
            "sbml) and read it at your times"
        )
    return steps


def readout_parameters(lib: Any, model: Any, readouts: tuple[str, ...]) -> dict[str, str]:
    """The SBML parameter each readout is read from: itself, or for a species a new parameter
    ``amount_<id>`` assigned the species' amount (cells or molecules)."""
    targets = {}
    for sid in readouts:
        species = model.getSpecies(sid)
        if species is None:
            targets[sid] = sid
            continue
        pid = f"amount_{sid}"
        parameter = model.createParameter()
        parameter.setId(pid)
        parameter.setName(f"{sid}, as an amount (for tools that read a species as a concentration)")
        parameter.setConstant(False)
        parameter.setUnits(species.getSubstanceUnits() or model.getSubstanceUnits())
        # the species' symbol is its amount, or, for a concentration, times its compartment's volume
        amount = sid if species.getHasOnlySubstanceUnits() else f"{sid} * {species.getCompartment()}"
        rule = model.createAssignmentRule()
        rule.setVariable(pid)
        rule.setMath(lib.parseL3Formula(amount))
        targets[sid] = pid
    return targets


def _sedml(scenario: Scenario, steps: int, model: Any, targets: dict[str, str]) -> str:
    """The SED-ML (L1V4) run of ``scenario`` on the archive's model: one uniform time course over
    the output grid (``steps`` even steps, :func:`_uniform_steps`), a data generator per readout
    (read from ``targets``), one report, a plot each.

    Written with the standard library's DOM, not python-libsedml: libsedml's bindings,
    loaded into a process that already uses python-libsbml, make libsbml's ``ASTNode.getType()``
    return an unusable object (python-libsedml 2.0.34 with python-libsbml 5.21), which would
    silently break il7's formula checks (:func:`il7.build.divisors`) and those of the user's own
    libsbml code. The tests read the file with libsedml (in a process of its own) and run it in
    COPASI.
    """
    from xml.dom import minidom

    doc = minidom.Document()

    def child(parent: Any, tag: str, **attributes: str) -> Any:
        element = doc.createElementNS(SEDML_NAMESPACE, tag)
        for key, value in attributes.items():
            element.setAttribute(key, value)
        return parent.appendChild(element)

    hours = output_hours(scenario)
    # the sbml prefix is for the XPath targets of the variables below
    root = child(doc, "sedML", xmlns=SEDML_NAMESPACE, level="1", version="4")
    root.setAttribute("xmlns:sbml", model.getSBMLNamespaces().getURI())
    child(
        child(root, "listOfModels"),
        "model",
        id="model",
        language="urn:sedml:language:sbml.level-3.version-2",
        source=_MODEL_FILE,
    )
    course = child(
        child(root, "listOfSimulations"),
        "uniformTimeCourse",
        id="course",
        name=f"{scenario.name}: the scenario's output grid, in hours",
        initialTime="0",
        outputStartTime=f"{hours[0]!r}",
        outputEndTime=f"{hours[-1]!r}",
        numberOfSteps=str(steps),
    )
    algorithm = child(course, "algorithm", name="CVODE", kisaoID=_SOLVER["algorithm"])
    settings = child(algorithm, "listOfAlgorithmParameters")
    for term, value in zip(("relative_tolerance", "absolute_tolerance"), _TOLERANCES, strict=True):
        child(
            settings,
            "algorithmParameter",
            name=term.replace("_", " "),
            kisaoID=_SOLVER[term],
            value=f"{value:g}",
        )
    child(child(root, "listOfTasks"), "task", id="task", modelReference="model", simulationReference="course")
    generators = child(root, "listOfDataGenerators")
    outputs = child(root, "listOfOutputs")
    report = child(outputs, "report", id="report", name=f"il7 scenario {scenario.name}")
    columns = child(report, "listOfDataSets")
    for sid in ("time", *scenario.readouts):
        if sid == "time":
            name, reference = "time (h)", {"symbol": "urn:sedml:symbol:time"}
        else:
            unit = model.getParameter(targets[sid]).getUnits()
            name = f"{sid} ({unit})" if unit else sid
            xpath = f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{targets[sid]}']"
            reference = {"target": xpath}
        generator = child(generators, "dataGenerator", id=f"dg_{sid}", name=name)
        child(
            child(generator, "listOfVariables"), "variable", id=f"v_{sid}", taskReference="task", **reference
        )
        math = generator.appendChild(doc.createElementNS(_MATHML, "math"))
        math.setAttribute("xmlns", _MATHML)
        math.appendChild(doc.createElementNS(_MATHML, "ci")).appendChild(doc.createTextNode(f"v_{sid}"))
        child(columns, "dataSet", id=f"ds_{sid}", label=sid, dataReference=f"dg_{sid}")
    for sid in scenario.readouts:
        plot = child(outputs, "plot2D", id=f"plot_{sid}", name=f"{scenario.name}: {sid}")
        child(
            child(plot, "listOfCurves"),
            "curve",
            id=f"curve_{sid}",
            name=sid,
            type="points",  # required by L1V4
            xDataReference="dg_time",
            yDataReference=f"dg_{sid}",
        )
    return str(doc.toprettyxml(indent="  ", encoding="UTF-8").decode())


def output_hours(scenario: Scenario) -> tuple[float, ...]:
    """The scenario's output times in an exported document's time: hours from where il7 starts
    integrating (:func:`il7.simulate.start_time`)."""
    hours = TIME_UNITS[scenario.time_unit]
    start = start_time(scenario)
    return tuple((t - start) * hours for t in scenario.times)


def _event(
    lib: Any, model: Any, eid: str, name: str, hour: float, made: list[Change], dose_scale: str | None = None
) -> None:
    """An event at ``hour`` (model time) that makes the changes ``made``, in their order (each
    bolus times the parameter ``dose_scale``, where given)."""
    event = model.createEvent()
    event.setId(eid)
    event.setName(name)
    event.setUseValuesFromTriggerTime(True)
    trigger = event.createTrigger()
    # a change at time 0 (an event only with fold_start=False) fires at the start
    trigger.setInitialValue(False)
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
        assignment.setMath(_assigned(lib, model, change, dose_scale))


def _unit(model: Any, change: Change) -> str:
    """The SBML unit of a change's value: molecules or cells for a species, else its target's."""
    if change.add or model.getSpecies(change.target) is not None:
        return "item"
    if model.getCompartment(change.target) is not None:
        return "litre"
    return str(model.getParameter(change.target).getUnits() or "dimensionless")


def _assigned(
    lib: Any, model: Any, change: Change, dose_scale: str | None = None, *, start: Any = None
) -> Any:
    """The value a change gives its target: the set value, or the target (or the amount ``start``,
    an AST node) plus the bolus (times the parameter ``dose_scale``, where given)."""
    value = _number(lib, change.value, _unit(model, change))
    if change.add and dose_scale is not None:
        value = _op(lib, lib.AST_TIMES, _name(lib, dose_scale), value)
    species = model.getSpecies(change.target)
    if species is None:
        return value

    def held(amount: Any) -> Any:
        """An amount as the species holds it: per volume where it is a concentration."""
        if species.getHasOnlySubstanceUnits():
            return amount
        return _op(lib, lib.AST_DIVIDE, amount, _name(lib, species.getCompartment()))

    if not change.add:
        return held(value)
    current = _name(lib, change.target) if start is None else held(start)
    return _op(lib, lib.AST_PLUS, current, held(value))


def _said(model: Any, change: Change) -> str:
    """A change in words, in model units: ``k_deplete = 0.0275 per_hour``, ``IL7_plasma + 2.4e+15 item``."""
    return f"{change.target} {'+' if change.add else '='} {change.value:.6g} {_unit(model, change)}"


def _readable(value: float) -> float:
    """``value``, or 0 where it is subnormal (below 2.2e-308): libsbml writes such a number but
    reads it back as NaN, and a steady state can leave one (1e-312 cells in the cycle of a well
    without IL-7); it is 0 for every purpose the model has."""
    return 0.0 if abs(value) < sys.float_info.min else float(value)


def _number(lib: Any, value: float, unit: str) -> Any:
    node = lib.ASTNode(lib.AST_REAL)
    node.setValue(_readable(value))
    node.setUnits(unit)
    return node


def _name(lib: Any, sid: str) -> Any:
    node = lib.ASTNode(lib.AST_NAME)
    node.setName(sid)
    return node


def _op(lib: Any, kind: int, left: Any, right: Any) -> Any:
    node = lib.ASTNode(kind)
    node.addChild(left)
    node.addChild(right)
    return node


def _sentence(text: str) -> str:
    """``text`` ended as a sentence, so that what the notes add after it reads apart from it (a
    description without a full stop ran into 'Model time is in hours')."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", ".)")) else text + "."
