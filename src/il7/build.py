"""Build: compose the Antimony layers and the tables into one SBML Level 3 Version 2 document.

Data flows one way. The biology lives in ``model/*.ant`` (no numbers), the numbers in
``model/parameters.tsv``, observable units in ``model/observables.tsv`` and the MIRIAM
annotations in ``model/annotations.tsv``. :func:`sbml` joins them, converts every number into
the model's base units (:mod:`il7.units`), puts a unit on every compartment, species, parameter
and literal, annotates, and returns the document as a string.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from il7 import units
from il7.errors import Il7Error

LAYERS = (
    "ligand.ant",
    "soluble_receptor.ant",
    "receptor.ant",
    "gc_family.ant",
    "signalling.ant",
    "tcells.ant",
    "development.ant",
    "myeloid_bone.ant",
    "tumour.ant",
    "drugs.ant",
    "transplant.ant",
    "observables.ant",
)
"""The model's Antimony files, in reading order: from where IL-7 comes from to what users read."""

MODEL_ID = "il7"
STATUSES = ("measured", "derived", "fitted", "assumed")
EXACT_CONSTANTS = frozenset(
    {
        "N_avogadro",
        "pg_per_mL_in_g_per_L",
        "ng_per_mL_in_g_per_L",
        "per_uL_in_per_L",
        "one_molecule",
        "one_cell",
    }
)
"""Rows of the table that convert units or count one entity: exact by definition, not a property
of the body, so no option sets or varies them (Avogadro's number set to 1 would read serum IL-7
in the wrong unit, not a different body)."""
_TABLE_COLUMNS = ["id", "value", "unit", "lower", "upper", "status", "source", "note"]


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table.

    Attributes
    ----------
    id
        SBML id of the parameter or compartment.
    value
        The value as written in ``unit``; ``None`` for a value the model computes from others.
    unit
        Unit label (see :data:`il7.units.LABELS`).
    lower, upper
        Plausible bounds in ``unit`` (``None`` where not given).
    status
        One of ``measured``, ``derived``, ``fitted``, ``assumed``.
    source
        PMID or DOI with figure/table, or the model file and formula for computed values.
    note
        Why an assumed value was chosen, conversions, caveats.
    """

    id: str
    value: float | None
    unit: str
    lower: float | None
    upper: float | None
    status: str
    source: str
    note: str

    @property
    def model_value(self) -> float | None:
        """The value in the model's base unit (what the SBML document holds)."""
        if self.value is None:
            return None
        return units.to_model(self.value, self.unit, where=f"parameter '{self.id}'")

    def unchangeable(self, verb: str) -> str | None:
        """Why no option may ``verb`` (set, vary, estimate) this parameter, as the rest of a one-line error
        after its name: the model computes it, or it is one of :data:`EXACT_CONSTANTS`; ``None``
        for a parameter that may be changed."""
        if self.value is None:
            return f"is computed by the model ({self.source}); {verb} the parameters it is made of"
        if self.id in EXACT_CONSTANTS:
            return (
                f"is an exact constant ({self.source}), which converts units or counts one entity "
                f"and is no property of the body; {verb} a model parameter instead (il7 parameters lists them)"
            )
        return None

    def bound_at(self, value: float) -> str:
        """``lower`` or ``upper`` where ``value`` (in ``unit``) sits on that bound (to 1e-6
        relative), else ''."""
        for side, bound in (("lower", self.lower), ("upper", self.upper)):
            if bound is not None and math.isclose(value, bound, rel_tol=1e-6, abs_tol=1e-12):
                return side
        return ""


@dataclass(frozen=True)
class Observable:
    """A quantity users read: an assignment rule of the model with a display unit."""

    id: str
    unit: str
    description: str
    can_be_negative: bool = False
    """True for a rate of change or a readout with an offset (pSTAT5_MFI); a level, count or
    fraction is never below 0, so the solver's noise below 0 reads 0 (:func:`il7.simulate.integrate`)."""


def model_file(name: str) -> str:
    """The text of one of the model's files (``model/NAME``: a layer's Antimony, a table)."""
    return model_path(name).read_text(encoding="utf-8")


def model_path(name: str) -> Path:
    """Where one of the model's files lies (``il7 calibrate --write`` writes into it)."""
    return Path(str(resources.files("il7.model").joinpath(name)))


def _rows(name: str) -> list[dict[str, str]]:
    text = model_file(name)
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


def plain_float(text: str) -> float:
    """Python's ``float(text)``, but not its reading of ``1_0`` as 10: a table cell, a data file or
    an option value means something else by it. Raises ``ValueError`` as ``float`` does."""
    if "_" in text:
        raise ValueError(text)
    return float(text)


def parse_number(text: str, *, where: str) -> float | None:
    """A number written in a table cell; ``None`` for an empty cell. ``where`` names the cell in errors."""
    if text.strip() == "":
        return None
    try:
        value = plain_float(text)
    except ValueError:
        raise Il7Error(f"{where}: '{text}' is not a number; write a plain number") from None
    if not math.isfinite(value):
        raise Il7Error(f"{where}: '{text}' is not finite; write a finite number")
    return value


def split_ids(
    items: Sequence[str] | str, *, where: str, kind: str = "parameter", example: str = "CL_IL7"
) -> list[str]:
    """Ids from one string or a list of strings, each an id or ids separated by commas
    (``--estimate a,b --estimate c``), blanks dropped, each id once, in the order given.
    ``kind`` and ``example`` name what the ids are in an error (``"readout"``, ``"CD4_blood"``)."""
    if not isinstance(items, (str, Iterable)):
        raise Il7Error(
            f"{where}: {items!r} is not a {kind} id; give an id or a list of ids, e.g. ['{example}']"
        )
    if isinstance(items, (set, frozenset)):  # its order, and so the columns', changed from run to run
        raise Il7Error(f"{where}: a set has no order; give a list, e.g. ['{example}']")
    if isinstance(items, Mapping):  # its keys were read, its values dropped
        raise Il7Error(f"{where}: a mapping; give a list of ids, e.g. ['{example}']")
    listed = [items] if isinstance(items, str) else list(items)
    for item in listed:
        if not isinstance(item, str):
            raise Il7Error(f"{where}: {item!r} is not a {kind} id; ids are strings, e.g. '{example}'")
    return list(dict.fromkeys(pid.strip() for item in listed for pid in item.split(",") if pid.strip()))


@functools.cache
def parameters_by_id() -> Mapping[str, Parameter]:
    """:func:`parameters` by id (read-only)."""
    return MappingProxyType({p.id: p for p in parameters()})


@functools.cache
def parameters() -> tuple[Parameter, ...]:
    """Read and check ``model/parameters.tsv``.

    Returns
    -------
    tuple of Parameter
        One per row, in table order.
    """
    rows = _rows("parameters.tsv")
    out = []
    for n, row in enumerate(rows, start=2):
        where = f"model/parameters.tsv line {n}"
        if list(row) != _TABLE_COLUMNS:
            raise Il7Error(f"{where}: columns must be {', '.join(_TABLE_COLUMNS)}")
        units.label(row["unit"], where=where)
        if row["status"] not in STATUSES:
            raise Il7Error(f"{where}: status '{row['status']}' is not one of {', '.join(STATUSES)}")
        out.append(
            Parameter(
                id=row["id"],
                value=parse_number(row["value"], where=f"{where} value"),
                unit=row["unit"],
                lower=parse_number(row["lower"], where=f"{where} lower"),
                upper=parse_number(row["upper"], where=f"{where} upper"),
                status=row["status"],
                source=row["source"],
                note=row["note"],
            )
        )
    return tuple(out)


@functools.cache
def observables() -> tuple[Observable, ...]:
    """Read ``model/observables.tsv``: the observables, their display units, whether they can be
    below 0, and meaning."""
    out = []
    for n, row in enumerate(_rows("observables.tsv"), start=2):
        units.label(row["unit"], where=f"model/observables.tsv line {n}")
        if row["can_be_negative"] not in ("yes", "no"):
            raise Il7Error(f"model/observables.tsv line {n}: can_be_negative must be yes or no")
        out.append(Observable(row["id"], row["unit"], row["description"], row["can_be_negative"] == "yes"))
    return tuple(out)


def annotation_rows() -> list[dict[str, str]]:
    """The rows of ``model/annotations.tsv``: element, qualifier, uri, label."""
    return _rows("annotations.tsv")


def mouse_orthologues() -> dict[str, str]:
    """``model/mouse_orthologues.tsv``: the URI of each human molecule in ``annotations.tsv`` ->
    the mouse's own (its UniProt entry; for a gene, its NCBI Gene id), which mouse exports name."""
    lines = [line for line in model_file("mouse_orthologues.tsv").splitlines() if not line.startswith("#")]
    return {row["human"]: row["mouse"] for row in csv.DictReader(lines, delimiter="\t")}


@functools.cache
def cell_levels() -> frozenset[str]:
    """Species that sum a level per T cell over the cells, 1 per cell at a reference level (the
    phosphorylated fraction of STAT5, STAT6, Akt and ERK; IL7RA mRNA, CIS/SOCS, Bcl-2, G1
    progress): counted in cell-equivalents, not molecules. The Antimony says so in each one's
    comment ('cell-equivalents')."""
    named, _ = descriptions()
    return frozenset(s for s, text in named.items() if "cell-equivalents" in text)


@functools.cache
def cell_species() -> frozenset[str]:
    """Species that are cells (a Cell Ontology term as what they are), not molecules.

    A receptor annotated as occurring in T cells (``bqbiol:occursIn``) is a molecule.
    """
    species = set(libsbml_species_ids())
    return frozenset(
        row["element"]
        for row in annotation_rows()
        if "identifiers.org/CL:" in row["uri"]
        and row["qualifier"] in ("bqbiol:is", "bqbiol:isVersionOf", "bqbiol:hasVersion")
        and row["element"] in species
    )


@functools.cache
def libsbml_species_ids() -> tuple[str, ...]:
    """Ids of the model's species, read from the SBML document."""
    import libsbml

    model = libsbml.readSBMLFromString(sbml()).getModel()
    return tuple(sp.getId() for sp in model.getListOfSpecies())


def digest() -> str:
    """A fingerprint of the model's sources and of the code that builds them.

    Two builds with the same digest produce the same SBML, so the engine may reuse a compiled
    model cached under it.
    """
    h = hashlib.sha256()
    names = (*LAYERS, "parameters.tsv", "observables.tsv", "annotations.tsv")
    for name in names:
        h.update(model_file(name).encode())
    for module in ("build.py", "units.py"):
        h.update(resources.files("il7").joinpath(module).read_bytes())
    return h.hexdigest()


def data_digest() -> str:
    """A fingerprint of the files beside the model that set il7's results: the built-in
    scenarios (``il7 calibrate --therapy --write`` writes into one), the intervention vocabulary
    (``--sink --write`` writes the mouse's anchor there), the literature targets and the source
    article's claims, and the digitised data. :func:`digest` covers the model itself."""
    h = hashlib.sha256()
    for package, pattern in (
        ("il7.scenarios", "*.yaml"),
        ("il7.model", "interventions.yaml"),
        ("il7.claims", "*.yaml"),
        ("il7.data", "*.csv"),
    ):
        for path in sorted(Path(str(resources.files(package))).glob(pattern)):
            h.update(f"{package}/{path.name}\n".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def antimony_source() -> str:
    """The whole model as one Antimony text: the layers, then the numbers in base units."""
    body = [f"// ---- {name} ----\n{model_file(name)}" for name in LAYERS]
    values = [
        f"{p.id} = {p.model_value!r};  // {p.value} {p.unit}, {p.status}"
        for p in parameters()
        if p.model_value is not None
    ]
    return "\n".join(
        [f"model {MODEL_ID}()", *body, "// ---- parameters.tsv (base units) ----", *values, "end"]
    )


def _antimony_to_sbml(text: str) -> str:
    import antimony

    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(text) < 0:
        message = " ".join(antimony.getLastError().split())
        raise Il7Error(f"model sources do not compile: {message}")
    return str(antimony.getSBMLString(MODEL_ID))


@functools.cache
def sbml() -> str:
    """Build the model's SBML Level 3 Version 2 document.

    Returns
    -------
    str
        The SBML text, with units on every element and MIRIAM annotations.
    """
    import libsbml

    doc = libsbml.readSBMLFromString(_antimony_to_sbml(antimony_source()))
    model = doc.getModel()
    model.setName("il7: a quantitative model of the interleukin-7 system")
    _set_units(libsbml, model)
    _annotate(libsbml, model)
    _describe(model)
    _check_coverage(model)
    _inline_reaction_rates(model)
    text = str(libsbml.writeSBMLToString(doc))
    _check_units(text)
    return text


def _inline_reaction_rates(model: Any) -> None:
    """Write out every use of a reaction's id in a formula (a rate law, a rule) as that reaction's
    rate law: valid SBML, but AMICI refuses it ("Kinetic laws involving reaction ids are currently
    not supported"), and the .ant files read better with the names (J_TREC_in_n4 follows
    J_export_n4). A species a rate law comes to name is added as a modifier, as SBML asks."""
    rates = {r.getId(): r.getKineticLaw().getMath() for r in model.getListOfReactions()}

    def inline(math: Any) -> Any:
        math = math.deepCopy()
        for _ in range(len(rates)):  # a rate may name a reaction whose rate names another
            named = formula_names(math) & rates.keys()
            if not named:
                return math
            for rid in sorted(named):
                math.replaceArgument(rid, rates[rid])
        raise Il7Error("reaction rates name each other in a circle; fix the .ant formulas")

    for reaction in model.getListOfReactions():
        law = reaction.getKineticLaw()
        if formula_names(law.getMath()) & rates.keys():
            law.setMath(inline(law.getMath()))
            present = {
                ref.getSpecies()
                for refs in (
                    reaction.getListOfReactants(),
                    reaction.getListOfProducts(),
                    reaction.getListOfModifiers(),
                )
                for ref in refs
            }
            for sid in sorted(formula_names(law.getMath()) - present):
                if model.getSpecies(sid) is not None:
                    reaction.createModifier().setSpecies(sid)
    for rule in model.getListOfRules():
        if formula_names(rule.getMath()) & rates.keys():
            rule.setMath(inline(rule.getMath()))


def formula_names(math: Any) -> set[str]:
    """The ids a libSBML formula names (species, parameters, compartments, reactions)."""
    out, todo = set(), [math]
    while todo:
        node = todo.pop()
        if node.isName():
            out.add(str(node.getName()))
        todo.extend(node.getChild(i) for i in range(node.getNumChildren()))
    return out


def _check_units(text: str) -> None:
    """Refuse a model that libSBML's strict unit check faults (a rate law missing its compartment's
    volume, an observable in the wrong unit): it would run, and give wrong numbers."""
    problems = consistency_report(text)
    if problems:
        said = "; ".join(f"{eid}: {' '.join(message.split())[:300]}" for _, eid, message in problems[:2])
        raise Il7Error(
            f"the model's SBML fails libSBML's consistency check, strict units included ({len(problems)} "
            f"problem(s); {said}); fix the .ant formula or the table row it names (for a unit problem: a rate "
            "law of a species in a compartment is an amount per hour, so multiply a concentration by the volume)"
        )


def _set_units(lib: Any, model: Any) -> None:
    unit_rows = {p.id: p.unit for p in parameters()} | {o.id: o.unit for o in observables()}
    used = {"hour", "item", "litre", "dimensionless"}
    for i in range(model.getNumParameters()):
        par = model.getParameter(i)
        label = unit_rows.get(par.getId())
        if label is not None:
            model_unit = units.LABELS[label].model_unit
            par.setUnits(model_unit)
            used.add(model_unit)
    for model_unit in sorted(used):
        if model_unit in ("item", "litre", "dimensionless"):
            continue
        definition = model.createUnitDefinition()
        definition.setId(model_unit)
        for kind, exponent, scale, multiplier in units.MODEL_UNITS[model_unit].parts:
            unit = definition.createUnit()
            unit.setKind(lib.UnitKind_forName(kind))
            unit.setExponent(exponent)
            unit.setScale(scale)
            unit.setMultiplier(multiplier)
    model.setTimeUnits("hour")
    model.setSubstanceUnits("item")
    model.setExtentUnits("item")
    model.setVolumeUnits("litre")
    for i in range(model.getNumCompartments()):
        model.getCompartment(i).setUnits("litre")
    assigned = {model.getInitialAssignment(i).getSymbol() for i in range(model.getNumInitialAssignments())}
    for i in range(model.getNumSpecies()):
        species = model.getSpecies(i)
        species.setSubstanceUnits("item")
        # a species the Antimony sources leave without a start value starts empty
        if not (
            species.isSetInitialAmount() or species.isSetInitialConcentration() or species.getId() in assigned
        ):
            if species.getHasOnlySubstanceUnits():
                species.setInitialAmount(0.0)
            else:
                species.setInitialConcentration(0.0)
    for math_ast in _all_math(model):
        _dimensionless_literals(math_ast)


def _all_math(m: Any) -> list[Any]:
    out = []
    for i in range(m.getNumReactions()):
        law = m.getReaction(i).getKineticLaw()
        if law is not None and law.isSetMath():
            out.append(law.getMath())
    for i in range(m.getNumRules()):
        out.append(m.getRule(i).getMath())
    for i in range(m.getNumInitialAssignments()):
        out.append(m.getInitialAssignment(i).getMath())
    return out


def _dimensionless_literals(n: Any) -> None:
    """Mark bare numbers in formulas (the 1 in 1 - x, a Hill exponent) as dimensionless."""
    if n.isNumber() and not n.hasUnits():
        n.setUnits("dimensionless")
    for i in range(n.getNumChildren()):
        _dimensionless_literals(n.getChild(i))


def _annotate(lib: Any, model: Any) -> None:
    qualifiers = {
        "bqbiol:is": lib.BQB_IS,
        "bqbiol:hasPart": lib.BQB_HAS_PART,
        "bqbiol:isPartOf": lib.BQB_IS_PART_OF,
        "bqbiol:isVersionOf": lib.BQB_IS_VERSION_OF,
        "bqbiol:hasVersion": lib.BQB_HAS_VERSION,
        "bqbiol:occursIn": lib.BQB_OCCURS_IN,
        "bqbiol:hasTaxon": lib.BQB_HAS_TAXON,
        "bqbiol:isEncodedBy": lib.BQB_IS_ENCODED_BY,
        "bqbiol:isDescribedBy": lib.BQB_IS_DESCRIBED_BY,
    }
    for n, row in enumerate(_rows("annotations.tsv"), start=2):
        where = f"model/annotations.tsv line {n}"
        element = model if row["element"] == MODEL_ID else model.getElementBySId(row["element"])
        if element is None:
            raise Il7Error(f"{where}: '{row['element']}' is not an element of the model")
        if row["qualifier"] not in qualifiers:
            raise Il7Error(f"{where}: qualifier '{row['qualifier']}' is not one of {', '.join(qualifiers)}")
        if not element.isSetMetaId():
            element.setMetaId(f"meta_{row['element']}")
        term = lib.CVTerm(lib.BIOLOGICAL_QUALIFIER)
        term.setBiologicalQualifierType(qualifiers[row["qualifier"]])
        term.addResource(row["uri"])
        if element.addCVTerm(term) != lib.LIBSBML_OPERATION_SUCCESS:
            raise Il7Error(f"{where}: annotation could not be added to '{row['element']}'")


_SPECIES_LINE = re.compile(
    r"^\s*(?:(?:substanceOnly\s+)?species\s+(\w+)\s+in\s+\w+|compartment\s+(\w+));\s*//\s*(.+)$"
)  # a species or a compartment, named by its comment
_REACTION_ID = re.compile(r"^\s*(\w+):\s")


def descriptions() -> tuple[dict[str, str], dict[str, str]]:
    """Names of species (and compartments) and notes of reactions, as the Antimony files comment them.

    A species or a compartment is named by the comment on its declaration line. A reaction's note is
    ``"layer: its own line's comment | the comment block above its group"`` (where the mechanism
    and the source are written; either may be empty), so that a reader of the SBML alone sees
    what each reaction is and where it comes from.
    """
    species: dict[str, str] = {}
    reactions: dict[str, str] = {}
    for layer in LAYERS:
        block: list[str] = []
        header = ""  # the layer's opening comment, for reactions that have no comment of their own
        in_comment = False
        for line in model_file(layer).splitlines():
            text = line.strip()
            if text.startswith("//"):
                said = re.sub(r"-{3,}", "", text.lstrip("/ ")).strip()
                block = [*block, said] if in_comment else [said]
                in_comment = True
                continue
            if in_comment and not header:
                header = " ".join(b for b in block if b)
            in_comment = False
            found = _SPECIES_LINE.match(line)
            if found:
                species[found.group(1) or found.group(2)] = found.group(3).strip()
            code, _, comment = line.partition("//")
            found = _REACTION_ID.match(code)
            if found and ("->" in code or "=>" in code):  # => irreversible, -> reversible
                parts = [comment.strip(), " ".join(b for b in block if b) or header]
                reactions[found.group(1)] = f"{layer}: " + " | ".join(parts)
            if not text:
                block = []
    return species, reactions


def _describe(model: Any) -> None:
    """Give species and reactions readable names and reactions their notes (mechanism, source)."""
    species, reactions = descriptions()
    for sid, name in species.items():
        element = model.getSpecies(sid) or model.getCompartment(sid)
        if element is not None:
            element.setName(name)
    for o in observables():
        element = model.getParameter(o.id)
        if element is not None:
            element.setName(o.description)
    for row in parameters():  # the table's row, for a reader of the SBML alone (its unit too)
        element = model.getParameter(row.id)
        if element is None:
            continue
        value = "computed by the model" if row.value is None else f"{row.value:g} {row.unit}"
        parts = [f"{value} ({row.status})", f"source: {row.source}" if row.source else "", row.note]
        text = html.escape(". ".join(part.rstrip(".") for part in parts if part) + ".")
        element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{text}</p></body>')
    for rid, note in reactions.items():
        element = model.getReaction(rid)
        if element is None:
            continue
        layer, said = note.split(": ", 1)
        own, block = said.split(" | ", 1)
        # named by its own line's comment, whole, with its id (a group's comment block named 32
        # carry reactions alike, cut at 120 characters); the note keeps the block and its source
        element.setName(f"{rid}: {own}" if own else rid)
        text = f"{layer}: " + " | ".join(part for part in (own, block) if part)
        element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}</p></body>')


def _check_coverage(m: Any) -> None:
    """Every SBML parameter has a table row and every row is used: no number hides elsewhere."""
    sbml_ids = {m.getParameter(i).getId() for i in range(m.getNumParameters())}
    sbml_ids |= {m.getCompartment(i).getId() for i in range(m.getNumCompartments())}
    table_ids = {p.id for p in parameters()} | {o.id for o in observables()}
    missing = sorted(sbml_ids - table_ids)
    unused = sorted(table_ids - sbml_ids)
    readouts = set(re.findall(r"^\s*(\w+)\s*:=", model_file("observables.ant"), flags=re.MULTILINE))
    if missing_readouts := [i for i in missing if i in readouts]:
        raise Il7Error(
            f"readouts of observables.ant without a row in model/observables.tsv (id, unit, description): "
            f"{', '.join(missing_readouts)}"
        )
    if missing:
        raise Il7Error(f"model parameters without a row in model/parameters.tsv: {', '.join(missing)}")
    if unused:
        raise Il7Error(
            f"rows of model/parameters.tsv or observables.tsv unused by the model: {', '.join(unused)}"
        )


@functools.cache
def divisors() -> frozenset[str]:
    """Ids that appear in a denominator of the model's formulas, and compartment sizes: never zero."""
    import libsbml

    model = libsbml.readSBMLFromString(sbml()).getModel()
    found: set[str] = set()

    def names(node: Any) -> None:
        # a name, or a factor of a product, makes the denominator zero on its own; a term of
        # a sum (k_rec + k_deg) does not
        if node.isName():
            found.add(node.getName())
        elif node.getType() == libsbml.AST_TIMES:
            for i in range(node.getNumChildren()):
                names(node.getChild(i))
        elif node.getType() == libsbml.AST_DIVIDE:
            names(node.getLeftChild())
        elif node.getType() in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
            names(node.getChild(0))

    def visit(node: Any) -> None:
        if node.getType() == libsbml.AST_DIVIDE:
            names(node.getRightChild())
        for i in range(node.getNumChildren()):
            visit(node.getChild(i))

    for math_ast in _all_math(model):
        visit(math_ast)
    # a compartment's size divides every concentration in it, though no formula shows it
    found.update(model.getCompartment(i).getId() for i in range(model.getNumCompartments()))
    # a molar mass divides every mass given of its molecule (il7.units: a dose in ug to molecules)
    found.update(p.id for p in parameters() if p.unit == "kDa")
    return frozenset(found)


def consistency_report(text: str) -> list[tuple[str, int, str]]:
    """Run libSBML's consistency checks, with its strict unit check (scales must agree too).

    Parameters
    ----------
    text
        An SBML document.

    Returns
    -------
    list of (severity, error id, message)
        Every error and warning libSBML reports; empty for a clean document.
    """
    import libsbml

    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    # strict: a unit's scale must match too, so a x1000 slip in an observable's conversion fails
    doc.checkConsistencyWithStrictUnits()
    return [
        (
            doc.getError(i).getSeverityAsString(),
            doc.getError(i).getErrorId(),
            doc.getError(i).getMessage().strip(),
        )
        for i in range(doc.getNumErrors())
    ]
