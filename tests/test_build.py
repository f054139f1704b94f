"""The model build: SBML validity, units everywhere, a source for every number."""

import math
import re
from pathlib import Path

import libsbml
import pytest

from il7 import build, units


@pytest.fixture(scope="module")
def document() -> libsbml.SBMLDocument:
    return libsbml.readSBMLFromString(build.sbml())


def test_sbml_is_level3_version2_with_no_errors_and_no_unit_warnings() -> None:
    report = build.consistency_report(build.sbml())
    assert report == []


def test_the_unit_check_weighs_scale_so_a_slipped_conversion_fails() -> None:
    # blood counts per uL: declare the constant a thousand times too small a unit (scale 3, not 6)
    text = build.sbml()
    slipped = re.sub(r'(<unitDefinition id="per_uL_per_per_L">.*?scale=")6(")', r"\g<1>3\2", text, flags=re.S)
    assert slipped != text
    errors = build.consistency_report(slipped)
    assert errors and all(error_id == 10513 for _, error_id, _ in errors)


def test_every_compartment_species_and_parameter_has_units(document: libsbml.SBMLDocument) -> None:
    model = document.getModel()
    assert (document.getLevel(), document.getVersion()) == (3, 2)
    assert model.getTimeUnits() == "hour" and model.getExtentUnits() == "item"
    for c in model.getListOfCompartments():
        assert c.getUnits() == "litre", c.getId()
    for s in model.getListOfSpecies():
        assert s.getSubstanceUnits() == "item", s.getId()
        assert s.isSetHasOnlySubstanceUnits(), s.getId()
    for p in model.getListOfParameters():
        assert p.isSetUnits(), p.getId()


def test_receptors_are_amounts_and_ligands_are_concentrations(document: libsbml.SBMLDocument) -> None:
    model = document.getModel()
    assert not model.getSpecies("IL7_plasma").getHasOnlySubstanceUnits()
    assert model.getSpecies("IL7Ra_T").getHasOnlySubstanceUnits()


def test_every_parameter_has_unit_and_source_or_reason() -> None:
    for p in build.parameters():
        assert p.unit in units.LABELS, p.id
        assert p.status in build.STATUSES, p.id
        if p.status == "assumed":
            assert len(p.note.strip()) > 20, f"{p.id}: an assumed value needs its reason in note"
        else:
            assert p.source.strip(), f"{p.id}: status {p.status} needs a source"
        if p.value is not None and p.lower is not None and p.upper is not None:
            assert p.lower <= p.value <= p.upper, p.id


def test_sources_cite_a_pmid_doi_or_the_model_formula() -> None:
    import re

    # the last two: a journal's volume:page, and a value il7 computes that a named test pins
    citation = re.compile(r"doi:|PMID|UniProt|BIPM|SI prefixes|\b\d+:\w?\d+\b|tests/test_\w+\.py::\w+")
    for p in build.parameters():
        if p.status in ("measured", "fitted") or (p.status == "derived" and p.value is not None):
            assert citation.search(p.source), f"{p.id}: source '{p.source}' names no PMID, DOI or volume:page"


def test_molecules_carry_miriam_identifiers(document: libsbml.SBMLDocument) -> None:
    model = document.getModel()

    def resources(element: libsbml.SBase) -> set[str]:
        out = set()
        for term in element.getCVTerms() or []:
            for i in range(term.getNumResources()):
                out.add(term.getResourceURI(i))
        return out

    assert "https://identifiers.org/uniprot:P13232" in resources(model.getSpecies("IL7_plasma"))
    assert "https://identifiers.org/uniprot:P16871" in resources(model.getSpecies("IL7Ra_T"))
    assert "https://identifiers.org/uniprot:P31785" in resources(model.getSpecies("gc_T"))
    assert "https://identifiers.org/taxonomy:9606" in resources(model)
    for s in model.getListOfSpecies():
        assert resources(s), f"species {s.getId()} has no annotation"


def test_reactions_and_molecules_carry_sbo_terms(document: libsbml.SBMLDocument) -> None:
    # the SBO category of libSBML's check (in test_sbml_is_level3_version2...) judges each term's
    # branch; here every reaction must have one, and the molecules the kind named in the .ant files
    model = document.getModel()
    kinds = {r.getId(): r.getSBOTerm() for r in model.getListOfReactions()}
    assert all(libsbml.SBO.isOccurringEntityRepresentation(t) for t in kinds.values()), [
        r for r, t in kinds.items() if t < 0
    ]
    assert (kinds["J_bind_IL7Ra"], kinds["J_pSTAT5"], kinds["J_dpSTAT5"], kinds["J_tx_IL7RA"]) == (
        177,
        216,
        330,
        183,
    )
    assert kinds["J_carry_IL7Ra"] == 631  # receptors that cells gained or lost carry: a pseudoreaction
    sbo = {s.getId(): s.getSBOTerm() for s in model.getListOfSpecies()}
    assert (sbo["IL7_plasma"], sbo["IL7_IL7Ra_gc_T"], sbo["IL7RA_mRNA_T"], sbo["Ab_plasma"]) == (
        252,
        253,
        250,
        297,
    )
    assert sbo["Tn4"] == -1  # SBO has no term for a cell: cell pools carry none
    assert all(model.getCompartment(c).getSBOTerm() == 290 for c in ("plasma", "tissue"))


def test_no_formula_names_a_reaction_so_amici_takes_the_model(document: libsbml.SBMLDocument) -> None:
    # AMICI 1.0.1: "Kinetic laws involving reaction ids are currently not supported" (J_TREC_in_n4
    # named J_export_n4, dN_T_dt every pool's rates; a PEtab modeller's walk-through)
    model = document.getModel()
    reactions = {r.getId() for r in model.getListOfReactions()}

    formulas = [r.getKineticLaw().getMath() for r in model.getListOfReactions()]
    formulas += [rule.getMath() for rule in model.getListOfRules()]
    assert not [f for f in formulas if build.formula_names(f) & reactions]
    # written out, not dropped: the burst of DP thymocytes follows the DN -> DP flux
    burst = libsbml.formulaToL3String(model.getReaction("J_DP_burst").getKineticLaw().getMath())
    assert "k_DN_exit" in burst and "DN" in burst


def test_serum_observable_converts_molecules_to_pg_per_ml() -> None:
    from il7.engine import engine

    eng = engine()
    eng.start({})
    eng.steady_state()
    molecules_per_litre = eng.get("[IL7_plasma]")
    mw = next(p.model_value for p in build.parameters() if p.id == "mw_IL7")  # g/mol
    expected = molecules_per_litre / units.AVOGADRO * mw * 1e12 / 1e3  # pg per mL
    assert math.isclose(eng.get("IL7_serum"), expected, rel_tol=1e-9)


def test_the_niche_clearances_keep_their_niches_half_occupied() -> None:
    """CL_niche_thymus and CL_niche_marrow are written in the table as numbers, defined as the
    source's secretion over IL-7Ralpha's K_D (a half-occupied niche): they must follow if either
    changes."""
    from il7.simulate import derived_values

    kd = derived_values()["Kd_IL7Ra"] * 1e-9 * units.AVOGADRO  # nM -> molecules/L
    for niche, source in (("CL_niche_thymus", "src_thymus"), ("CL_niche_marrow", "src_stroma")):
        table = next(p.value for p in build.parameters() if p.id == niche)  # L/h
        secreted = next(p.value for p in build.parameters() if p.id == source)  # molecules/h
        assert table == pytest.approx(secreted / kd, rel=1e-3), niche


def test_unit_labels_convert_literature_values() -> None:
    assert math.isclose(units.to_model(1.0, "1/min", where="t"), 60.0)
    assert math.isclose(units.to_model(1e7, "1/M/s", where="t"), 1e7 * 3600 / units.AVOGADRO)
    with pytest.raises(build.Il7Error, match="unknown unit 'furlong'"):
        units.to_model(1.0, "furlong", where="t")


def test_sbml_names_its_species_and_gives_each_reaction_its_mechanism() -> None:
    """A COPASI or Tellurium user sees names and, for every reaction, the comment with its source."""
    import libsbml

    m = libsbml.readSBMLFromString(build.sbml()).getModel()
    reactions = [m.getReaction(i) for i in range(m.getNumReactions())]
    assert reactions and all(r.isSetNotes() and r.isSetName() for r in reactions)
    stroma = m.getReaction("J_src_stroma")
    assert "Fry &amp; Mackall 2002" in libsbml.XMLNode.convertXMLNodeToString(
        stroma.getNotes()
    )  # XML-escaped
    species = [m.getSpecies(i) for i in range(m.getNumSpecies())]
    assert [s.getId() for s in species if not s.getName()] == []  # every species is named
    assert m.getSpecies("Tn4").getName() == "naive CD4 T cells"
    assert m.getParameter("IL7_serum").getName().startswith("free IL-7 in plasma (by molecule")
    # each reaction has its own whole name (32 carry reactions shared one, cut at 120 characters)
    names = [r.getName() for r in reactions]
    assert len(set(names)) == len(names) and stroma.getName().startswith("J_src_stroma: bone-marrow stromal")
    # each parameter carries its table row: value in the table's unit, status, source
    row = build.parameters_by_id()["kon_Ab"]
    notes = libsbml.XMLNode.convertXMLNodeToString(m.getParameter("kon_Ab").getNotes())
    assert f"{row.value:g} 1/M/s (fitted). source: doi:10.1172/jci.insight.126054" in notes


def test_the_data_fingerprint_follows_a_scenario_the_model_fingerprint_does_not_see(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # calibrate --therapy --write changes levy_2012.yaml: a report's first line must show it
    import shutil
    from importlib import resources

    from il7 import build

    before, model = build.data_digest(), build.digest()
    real = resources.files
    copies = {}
    for package in ("il7.scenarios", "il7.model", "il7.claims", "il7.data"):
        copies[package] = tmp_path / package
        shutil.copytree(str(real(package)), copies[package])
    monkeypatch.setattr(build.resources, "files", lambda package: copies.get(package) or real(package))
    assert build.data_digest() == before
    levy = copies["il7.scenarios"] / "levy_2012.yaml"
    levy.write_text(levy.read_text().replace("k_deplete_CD4: 0.00369", "k_deplete_CD4: 0.00738"))
    assert build.data_digest() != before and build.digest() == model


def test_the_parameter_tables_sbml_values_are_what_the_sbml_holds(document: libsbml.SBMLDocument) -> None:
    # a roadrunner user typed kon_IL7 = 2e7 (the table's 1/M/s) into the SBML, off by ~1e20
    from il7.simulate import parameter_table

    table = parameter_table()
    model = document.getModel()
    held = 0
    for pid, row in table.iterrows():
        par = model.getParameter(str(pid))
        if par is None or not par.isSetValue() or row["status"] == "derived":
            continue
        assert par.getUnits() == row["sbml_unit"], pid
        assert par.getValue() == pytest.approx(row["sbml_value"], rel=1e-12), pid
        held += 1
    assert held > 150
    assert table.loc["kon_IL7", "sbml_value"] == pytest.approx(1e7 / 6.02214076e23 * 3600, rel=1e-9)


def test_a_contexts_table_holds_what_its_exported_sbml_holds() -> None:
    # a mouse user read the human's lymph flow (0.12 L/h) in il7 parameters; the mouse runs 3.12e-4
    import libsbml

    from il7.export import scenario_sbml
    from il7.simulate import parameter_table

    table = parameter_table("mouse_body")
    model = libsbml.readSBMLFromString(scenario_sbml("mouse_baseline")).getModel()
    own = table[table["set_by"] == "mouse_body"]
    assert len(own) > 30 and set(own["status"]) <= set(build.STATUSES) and all(own["source"].str.len() > 10)
    for pid, row in own.iterrows():
        par, volume = model.getParameter(str(pid)), model.getCompartment(str(pid))  # plasma, tissue: volumes
        held = par.getValue() if par is not None else volume.getSize()
        assert held == pytest.approx(row["sbml_value"], rel=1e-9), pid
    # the bounds shown are the table's carried to the mouse's own value, not the human's
    assert own.loc["Q_lymph", "upper"] < 1e-3 < table.loc["Q_lymph", "value"] * 10
    # and the derived values are computed in the mouse, not taken from the adult human: the T-cell
    # equivalents of the reference pools follow the mouse's pools (Tn4_ref 3e7, not 1.6e11)
    human = parameter_table()
    assert table.loc["N_T_ref", "value"] < 1e-3 * human.loc["N_T_ref", "value"]
    assert table.loc["N_T_ref", "set_by"] == "" and table.loc["N_T_ref", "status"] == "derived"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"value": "1 mL", "status": "guessed", "source": "x"}, "status 'guessed' is not one of"),
        ({"value": "1 mL", "status": "assumed", "source": " "}, "give a source, or the reason"),
        ("1 mL", "give exactly value"),
    ],
)
def test_a_context_value_without_status_or_source_is_refused(entry: object, message: str) -> None:
    from il7.scenario import _context_values

    with pytest.raises(build.Il7Error, match=f"contexts.mouse_body.set.plasma: {message}"):
        _context_values("mouse_body", {"plasma": entry})


def test_a_reaction_in_the_wrong_units_is_refused_when_the_model_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a modeller's reaction without its volume ran in il7 simulate and export; only this file's
    # consistency test said so
    own = build.model_file

    def slipped(name: str) -> str:
        text = own(name)
        return (
            text.replace("Q_lymph * IL7_tissue ", "Q_lymph * IL7_tissue / tissue ")
            if name == "ligand.ant"
            else text
        )

    monkeypatch.setattr(build, "model_file", slipped)
    with pytest.raises(
        build.Il7Error,
        match=r"fails libSBML.s consistency check, strict units included \(.*multiply a concentration",
    ):
        build.sbml.__wrapped__()


def test_a_readout_without_its_row_is_named_as_a_readout(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = tuple(o for o in build.observables() if o.id != "IL7_serum")
    monkeypatch.setattr(build, "observables", lambda: rows)
    with pytest.raises(
        build.Il7Error,
        match=r"readouts of observables.ant without a row in model/observables.tsv .*: IL7_serum$",
    ):
        build.sbml.__wrapped__()


def test_per_cell_levels_read_in_cell_equivalents() -> None:
    """The phosphorylated fractions, IL7RA mRNA, CIS/SOCS, Bcl-2 and G1 progress are levels per cell
    summed over the cells (1 per cell at a reference level), which the readout table called
    molecules."""
    from il7.simulate import readout_unit

    levels = build.cell_levels()
    expected = {"pSTAT5_T", "pSTAT6_T", "pAkt_T", "pERK_T", "IL7RA_mRNA_T", "SOCS_T", "Bcl2_T", "G1_T"}
    assert levels == expected
    assert {readout_unit(s) for s in levels} == {"cell-equivalents"}
    assert readout_unit("cycling_T") == "cells" and readout_unit("IL7_plasma") == "molecules"
    # every species whose comment counts it '1 per cell' is one of them
    named, _ = build.descriptions()
    assert {s for s, text in named.items() if "1 per cell" in text} <= levels


def test_the_exact_constants_are_rows_of_the_table_that_nothing_may_change() -> None:
    table = build.parameters_by_id()
    assert build.EXACT_CONSTANTS <= set(table)  # a renamed id would no longer be guarded
    for pid in build.EXACT_CONSTANTS:
        assert table[pid].status == "derived" and table[pid].lower is None and table[pid].upper is None
        assert "exact constant" in (table[pid].unchangeable("set") or "")
