"""A scenario exported as SBML runs in libroadrunner as it runs in il7 (and in COPASI:
tests/test_copasi.py); exported as a COMBINE archive, it carries a valid SED-ML run."""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from il7 import Il7Error, Il7Warning, build, export_omex, export_sbml, scenario
from il7.export import output_hours
from il7.simulate import simulate

RTOL = 1e-3
"""Agreement asked of every readout, relative to its largest magnitude in the run: il7 restarts
the solver (relative tolerance 1e-6) at each change, the document passes changes as events in
one run (see SCENARIO_RTOL in tests/test_copasi.py)."""

INFUSED = {
    "name": "infused",
    "description": "A 6-h IV infusion of IL-7 from day 1, and a body setting changed at day 3",
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


def _agrees(ours: np.ndarray, theirs: np.ndarray) -> bool:
    return bool(np.all(np.abs(ours - theirs) <= RTOL * float(np.max(np.abs(ours)))))


def test_an_infusion_and_an_override_run_in_roadrunner_as_in_il7() -> None:
    import roadrunner

    s = scenario.load(INFUSED)
    overrides = {"age": "70 years"}
    text = export_sbml(scenario=s, overrides=overrides)
    assert build.consistency_report(text) == []  # events and settings keep units consistent
    assert text.count("<event ") == 3  # infusion on, infusion off, the day-3 setting
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-8
    rr.timeCourseSelections = ["time", *s.readouts]
    theirs = np.asarray(rr.simulate(times=list(output_hours(s))))
    ours = simulate(s, overrides=overrides)
    for i, readout in enumerate(s.readouts):
        assert _agrees(ours[readout], theirs[:, i + 1]), readout
    # the override made a difference, so the comparison above tested that it was carried over
    assert not _agrees(simulate(s)["CD4_blood"], ours["CD4_blood"])


def test_an_override_outside_its_bounds_warns_in_python_as_simulate_does(tmp_path: Path) -> None:
    with pytest.warns(Il7Warning, match=r"CL_IL7 = 100 L/h lies outside its bounds") as caught:
        export_sbml(scenario="baseline", overrides={"CL_IL7": 100})
    assert len(caught) == 1
    with pytest.warns(Il7Warning, match=r"CL_IL7 = 100 L/h lies outside its bounds"):
        export_omex(tmp_path / "run.omex", scenario="baseline", overrides={"CL_IL7": 100})


def test_the_plain_model_says_its_start_is_not_the_healthy_adult() -> None:
    text = export_sbml()
    assert "The initial state is where il7 starts solving, not the healthy adult" in text
    assert "export sbml --scenario baseline" in text


@pytest.mark.parametrize(("name", "taxon"), [("mouse_baseline", "10090"), ("baseline", "9606")])
def test_a_scenario_exports_the_organism_of_its_context(name: str, taxon: str) -> None:
    text = export_sbml(scenario=name)
    assert text.count("identifiers.org/taxonomy:") == 1
    assert f"identifiers.org/taxonomy:{taxon}" in text
    assert f'name="il7 scenario {name}"' in text  # a label (it was the whole description, 900 characters)
    # a mouse's molecules are the mouse's own: a review had found 11 human IL-7 entries in a mouse file
    import libsbml

    model = libsbml.readSBMLFromString(text).getModel()
    named: dict[str, list[str]] = {}
    for element in model.getListOfAllElements():
        for i in range(element.getNumCVTerms()):
            uris = element.getCVTerm(i).getResources()
            named.setdefault(element.getId(), []).extend(uris.getValue(k) for k in range(uris.getLength()))
    mouse = build.mouse_orthologues()
    human = {e for e, uris in named.items() if set(uris) & set(mouse)}
    if taxon == "10090":  # only the drug's depots are the human protein: rhIL-7 is human in any host
        assert human == {"rIL7_sc_depot", "CYT107_sc_depot", "CYT107_im_depot"}
        assert named["IL7_IL7Ra_gc_T"][:3] == [
            "https://identifiers.org/uniprot:P10168",  # mouse IL-7, IL-7Ralpha and gc as the parts
            "https://identifiers.org/uniprot:P16872",
            "https://identifiers.org/uniprot:P34902",
        ]
        assert "https://identifiers.org/ncbigene:16197" in named["IL7RA_mRNA_T"]  # the mouse Il7r gene
    else:
        assert len(human) > 30 and not {u for uris in named.values() for u in uris} & set(mouse.values())


def test_every_human_molecule_has_the_mouse_one_and_every_context_an_organism_il7_can_name() -> None:
    """A human UniProt entry, NCBI Gene id or HGNC symbol without a mouse row would stay human in a
    mouse export."""
    human = {
        row["uri"]
        for row in build.annotation_rows()
        if re.search(r"identifiers\.org/(uniprot|ncbigene|hgnc\.symbol):", row["uri"])
    }
    mouse = build.mouse_orthologues()
    assert human == set(mouse)
    assert all(
        re.fullmatch(r"https://identifiers\.org/(uniprot:[OPQ]\d\w{3}\d|ncbigene:\d+)", m)
        for m in mouse.values()
    )
    assert {c.get("taxon") for c in scenario.vocabulary()["contexts"].values()} <= {9606, 10090, None}


@pytest.mark.parametrize(("name", "level", "version"), [("transplant", 3, 1), (None, 3, 1), (None, 2, 4)])
def test_the_model_converts_to_older_sbml_for_tools_that_read_no_level_3_version_2(
    name: str | None, level: int, version: int
) -> None:
    # two rate laws used max(), which only L3V2 has: libsbml refused the conversion (error 98002).
    # A scenario's events start untriggered, which SBML Level 2 cannot say, so they need Level 3
    import libsbml

    document = libsbml.readSBMLFromString(export_sbml(scenario=name))
    converted = document.setLevelAndVersion(level, version, True)
    errors = [
        document.getError(i).getMessage()
        for i in range(document.getNumErrors())
        if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert converted and errors == []


def test_roadrunners_newton_solver_finds_the_exported_steady_state() -> None:
    # the STAT5, STAT6, Akt and ERK totals were states that only the cells' growth changed, which
    # left a line of steady states: steadyState() failed on it ("Jacobian matrix singular")
    import roadrunner

    rr = roadrunner.RoadRunner(export_sbml(scenario="baseline"))
    rr.steadyState()
    ours = simulate("baseline")["IL7_serum_total"][0]
    assert rr.getValue("IL7_serum_total") == pytest.approx(ours, rel=1e-6)


def test_a_subnormal_number_is_written_as_zero_which_libsbml_reads_back() -> None:
    # libsbml writes a number below 2.2e-308 but reads it back as NaN: at gc_per_T 300.2 and
    # k_pSTAT5 at its upper bound the S3C well's steady state left 1.4e-312 cells in the cycle,
    # and il7 export petab refused the problem, the exported start having "moved" to NaN
    import libsbml

    from il7.export import _readable

    document = libsbml.SBMLDocument(3, 2)
    parameter = document.createModel().createParameter()
    parameter.setId("x")
    parameter.setValue(1e-312)
    read = libsbml.readSBMLFromString(libsbml.writeSBMLToString(document)).getModel().getParameter("x")
    assert np.isnan(read.getValue())  # libsbml's behaviour, which _readable is there for
    assert _readable(1e-312) == 0.0 and _readable(-1e-312) == 0.0 and _readable(1e-300) == 1e-300


def test_a_scenario_at_another_dose_exports_with_a_valid_model_id_and_runs_as_in_il7() -> None:
    import libsbml
    import roadrunner

    s = scenario.load("sereti_2009").with_dose(30).with_output(t_end=72)
    text = export_sbml(scenario=s)
    # the name 'sereti_2009 at 30 ug/kg' is no SBML SId: setId refused it and the id stayed 'il7'
    model_id = libsbml.readSBMLFromString(text).getModel().getId()
    assert model_id == "il7_sereti_2009_at_30_ug_kg" and libsbml.SyntaxChecker.isValidSBMLSId(model_id)
    # the single dose, at model time 0, is in the depot's start: SimBiology fires no event at time 0
    assert "<event " not in text
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-8
    rr.timeCourseSelections = ["time", *s.readouts]
    theirs = np.asarray(rr.simulate(times=list(output_hours(s))))
    ours = simulate(s)
    for i, readout in enumerate(s.readouts):
        assert _agrees(ours[readout], theirs[:, i + 1]), readout
    assert not _agrees(
        simulate(scenario.load("sereti_2009").with_output(t_end=72))["IL7_serum_total"],
        ours["IL7_serum_total"],
    )


def test_a_volume_changed_after_the_start_is_not_exported() -> None:
    # SBML tools differ on what a compartment's jump does to the concentrations in it
    s = scenario.load(INFUSED | {"periods": [{"time": "-inf"}, {"time": 2, "set": {"tissue": "13 L"}}]})
    with pytest.raises(
        Il7Error, match=r"changes the volume of tissue after it starts; .* set the volume before"
    ):
        export_sbml(scenario=s)
    export_sbml(scenario=scenario.load(INFUSED | {"periods": [{"time": "-inf", "set": {"tissue": "13 L"}}]}))


READ_SEDML = """
import json, sys
import libsedml
doc = libsedml.readSedMLFromString(sys.stdin.read())
course = doc.getSimulation("course")
elements = doc.getListOfAllElements()
variables = [
    doc.getDataGenerator(i).getVariable(j)
    for i in range(doc.getNumDataGenerators())
    for j in range(doc.getDataGenerator(i).getNumVariables())
]
print(json.dumps({
    "errors": doc.getErrorLog().getNumFailsWithSeverity(libsedml.LIBSEDML_SEV_ERROR),
    "incomplete": [
        elements.get(i).getElementName()
        for i in range(elements.getSize())
        if not elements.get(i).hasRequiredAttributes()
    ],
    "start": course.getOutputStartTime(),
    "end": course.getOutputEndTime(),
    "steps": course.getNumberOfSteps(),
    "generators": [doc.getDataGenerator(i).getId() for i in range(doc.getNumDataGenerators())],
    "targets": [v.getTarget() for v in variables if v.isSetTarget()],
}))
"""
"""libsedml reads the SED-ML in a process of its own: loaded beside python-libsbml it breaks
libsbml's ASTNode.getType() (see il7.export._sedml)."""


def test_an_archive_holds_a_consistent_model_and_a_valid_run(tmp_path: Path) -> None:
    s = scenario.load("leukaemia_il7r_gof")  # reads a species (the blasts), so the model gains a rule
    with zipfile.ZipFile(export_omex(tmp_path / "l.omex", scenario=s)) as archive:
        model, run = archive.read("model.xml").decode(), archive.read("simulation.sedml").decode()
        manifest = archive.read("manifest.xml").decode()
    assert build.consistency_report(model) == []  # the amount parameter keeps units consistent
    assert (
        'location="simulation.sedml" format="http://identifiers.org/combine.specifications/sed-ml" '
        'master="true"' in manifest
    )
    # the archive's own entry, which the OMEX 1 specification asks for
    assert '<content location="." format="http://identifiers.org/combine.specifications/omex"/>' in manifest
    read = subprocess.run(
        [sys.executable, "-c", READ_SEDML], input=run, capture_output=True, text=True, check=True
    )
    sedml = json.loads(read.stdout)
    assert sedml["errors"] == 0 and sedml["incomplete"] == []  # every required attribute is set
    hours = output_hours(s)
    assert (sedml["start"], sedml["end"], sedml["steps"]) == (hours[0], hours[-1], len(s.times) - 1)
    assert sedml["generators"] == ["dg_time", *(f"dg_{r}" for r in s.readouts)]
    # each variable's XPath names one parameter of model.xml, the readout or its amount_ parameter
    tree = ElementTree.fromstring(model)
    ns = {"sbml": tree.tag.split("}")[0].strip("{")}
    found = [tree.findall(target.replace("/sbml:sbml/", "./", 1), ns) for target in sedml["targets"]]
    assert [len(hits) for hits in found] == [1] * len(s.readouts)
    assert [hits[0].get("id") for hits in found] == ["amount_Leuk", "IL7_serum_total"]


def test_an_archive_needs_evenly_spaced_output_times(tmp_path: Path) -> None:
    s = scenario.load(INFUSED | {"output": {"times": [0, 1, 5]}})
    with pytest.raises(
        Il7Error, match=r"evenly spaced grid, .* or output: \{t_end: T, n: N\} in the scenario"
    ):
        export_omex(tmp_path / "x.omex", scenario=s)
    assert not (tmp_path / "x.omex").exists()


@pytest.mark.parametrize("path", ["/proc/x.xml", ".", 123, "", "sportes_2008"])
def test_export_sbml_refuses_a_path_it_cannot_write_in_one_line(path: object) -> None:
    # it raised FileNotFoundError, IsADirectoryError or TypeError from deep inside, and
    # export_sbml("sportes_2008") wrote the plain model into a file named after the scenario
    with pytest.raises(
        Il7Error,
        match=r"cannot write|: give a name, e\.g\. 'il7\.xml', or None|give a file name ending in \.xml or \.sbml",
    ) as info:
        export_sbml(path)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)
    if path == "sportes_2008":
        assert "give it as scenario='sportes_2008'" in str(info.value)


@pytest.mark.parametrize("path", [123, "", "  "])
def test_export_omex_refuses_a_path_that_is_no_file_name_in_one_line(path: object) -> None:
    # 123 raised TypeError from deep inside, and '' was taken for the folder '.'
    with pytest.raises(Il7Error, match=r"^path .*: give a name, e\.g\. 'run\.omex'$") as info:
        export_omex(path, scenario="baseline")  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "name", ["transplant", "sportes_2008", "anti_cd127_single", "culture_dose", "tumour_il7"]
)
def test_a_reaction_written_irreversible_never_runs_backwards(name: str) -> None:
    # the .ant files write => where a rate law cannot turn negative (SBML reversible="false"),
    # -> where it can (binding, logistic growth, division net of a reference, what cells carry)
    import libsbml
    import roadrunner

    s = scenario.load(name)
    text = export_sbml(scenario=s)
    model = libsbml.readSBMLFromString(text).getModel()
    one_way = [r.getId() for r in model.getListOfReactions() if not r.getReversible()]
    assert len(one_way) > 100
    rr = roadrunner.RoadRunner(text)
    rr.timeCourseSelections = ["time", *one_way]
    hours = output_hours(s)
    rates = np.asarray(rr.simulate(times=list(np.linspace(0.0, hours[-1], 400))))[:, 1:]
    largest = np.max(np.abs(rates), axis=0)
    # below -1e-9 of its own largest rate, and past the solver's noise about 0 (1e-23 where a knockout zeroes a flux)
    backwards = [rid for k, rid in enumerate(one_way) if rates[:, k].min() < -max(1e-9 * largest[k], 1e-12)]
    assert backwards == []


def test_an_archives_solver_settings_beat_il7s_own_in_roadrunner(tmp_path: Path) -> None:
    """The SED-ML's tolerances, applied as Tellurium applies them (one absolute tolerance, which
    libroadrunner scales by each species' start value), reproduce a converged run more closely
    than il7's own settings (relative 1e-6, 1e-6 molecules per species) do: the README's
    'tighter than il7's own'."""
    import roadrunner

    with zipfile.ZipFile(export_omex(tmp_path / "s.omex", scenario="sportes_2008")) as archive:
        model, run = archive.read("model.xml").decode(), archive.read("simulation.sedml").decode()
    root = ElementTree.fromstring(run)
    settings = {
        e.get("kisaoID"): float(e.get("value", "nan"))
        for e in root.iter()
        if e.tag.endswith("algorithmParameter")
    }
    course = next(e for e in root.iter() if e.tag.endswith("uniformTimeCourse"))
    start, end = float(course.get("outputStartTime", "nan")), float(course.get("outputEndTime", "nan"))
    assert start == 0.0  # so that a plain simulate(0, end, steps + 1) is the archive's grid

    def serum_il7(rtol: float, atol: float, *, per_species: bool) -> np.ndarray:
        rr = roadrunner.RoadRunner(model)
        rr.integrator.relative_tolerance = rtol
        if per_species:
            for species in rr.model.getFloatingSpeciesIds():
                rr.integrator.setIndividualTolerance(species, atol)
        else:
            rr.integrator.absolute_tolerance = atol
        rr.timeCourseSelections = ["IL7_serum_total"]
        return np.asarray(rr.simulate(0.0, end, int(course.get("numberOfSteps", "0")) + 1))[:, 0]

    converged = serum_il7(1e-12, 1e-9, per_species=True)
    archive_error = np.max(
        np.abs(
            serum_il7(settings["KISAO:0000209"], settings["KISAO:0000211"], per_species=False) / converged - 1
        )
    )
    from il7.engine import ABSOLUTE_TOLERANCE

    # il7's own: its absolute tolerance per species, and roadrunner's relative one, which it keeps
    own_error = np.max(np.abs(serum_il7(ABSOLUTE_TOLERANCE, 1e-6, per_species=True) / converged - 1))
    assert archive_error < own_error
