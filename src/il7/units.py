"""Units: the model's unit system and the unit labels people write.

The SBML model uses one consistent base: amounts in ``item`` (molecules and cells alike),
volumes in litres, time in hours. People write quantities in the units of the literature
(``1/min``, ``1/M/s``, ``pM``, ``kDa``); :func:`to_model` converts such a value into the
model's base once, at build time or when an override is applied, so the SBML document holds
only base-unit numbers and libSBML's unit check is meaningful.

Each label maps to a model unit (an SBML unit definition id) and the factor that turns a value
in the label's unit into that model unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from il7.errors import Il7Error, did_you_mean

AVOGADRO = 6.02214076e23
"""Avogadro constant (items/mol), exact by the 2019 SI definition (BIPM SI Brochure, 9th ed.)."""


@dataclass(frozen=True)
class ModelUnit:
    """An SBML unit definition of the model's base system.

    Parameters
    ----------
    id
        The SBML ``unitDefinition`` id (or a base SI kind such as ``item``).
    parts
        ``(kind, exponent, scale, multiplier)`` tuples, libSBML's ``Unit`` fields.
    """

    id: str
    parts: tuple[tuple[str, int, int, float], ...]


_H = ("second", 1, 0, 3600.0)


def _per(kind: tuple[str, int, int, float]) -> tuple[str, int, int, float]:
    return (kind[0], -kind[1], kind[2], kind[3])


MODEL_UNITS: dict[str, ModelUnit] = {
    u.id: u
    for u in (
        ModelUnit("dimensionless", (("dimensionless", 1, 0, 1.0),)),
        ModelUnit("item", (("item", 1, 0, 1.0),)),
        ModelUnit("litre", (("litre", 1, 0, 1.0),)),
        ModelUnit("hour", (_H,)),
        ModelUnit("per_hour", (_per(_H),)),
        ModelUnit("item_per_hour", (("item", 1, 0, 1.0), _per(_H))),
        ModelUnit("item_per_litre", (("item", 1, 0, 1.0), ("litre", -1, 0, 1.0))),
        ModelUnit("litre_per_hour", (("litre", 1, 0, 1.0), _per(_H))),
        ModelUnit("litre_per_item_per_hour", (("litre", 1, 0, 1.0), ("item", -1, 0, 1.0), _per(_H))),
        ModelUnit("gram_per_mole", (("gram", 1, 0, 1.0), ("mole", -1, 0, 1.0))),
        ModelUnit("item_per_mole", (("item", 1, 0, 1.0), ("mole", -1, 0, 1.0))),
        # display units of observables (assignment rules); their numbers are produced with an
        # explicit conversion constant from the parameter table, never by unit scaling.
        ModelUnit("pg_per_mL", (("gram", 1, -9, 1.0), ("litre", -1, 0, 1.0))),
        ModelUnit("ng_per_mL", (("gram", 1, -6, 1.0), ("litre", -1, 0, 1.0))),
        ModelUnit("pM", (("mole", 1, -12, 1.0), ("litre", -1, 0, 1.0))),
        ModelUnit("cells_per_uL", (("item", 1, 0, 1.0), ("litre", -1, -6, 1.0))),
        # the conversion constants' own units, so that libSBML's strict unit check (which weighs
        # scale) confirms each observable's number: (g/L) * 1e9 (pg/mL)/(g/L) = pg/mL
        ModelUnit("pg_per_mL_per_g_per_L", (("dimensionless", 1, -9, 1.0),)),
        ModelUnit("ng_per_mL_per_g_per_L", (("dimensionless", 1, -6, 1.0),)),
        ModelUnit("per_uL_per_per_L", (("dimensionless", 1, 6, 1.0),)),
    )
}


@dataclass(frozen=True)
class UnitLabel:
    """A unit as written in the parameter table or a scenario, and how to reach the model unit."""

    label: str
    model_unit: str
    factor: float
    meaning: str
    per_kg: bool = False
    """Per kilogram of body weight: the value is multiplied by the scenario's body weight too."""


_LABELS = (
    UnitLabel("1", "dimensionless", 1.0, "dimensionless"),
    UnitLabel("fraction", "dimensionless", 1.0, "a fraction of a whole, from 0 to 1"),
    UnitLabel("%", "dimensionless", 0.01, "percent"),
    UnitLabel("molecules/cell", "dimensionless", 1.0, "molecules per cell (item/item)"),
    UnitLabel("cells", "item", 1.0, "number of cells"),
    UnitLabel("molecules", "item", 1.0, "number of molecules"),
    UnitLabel(
        "cell-equivalents",
        "item",
        1.0,
        "a per-cell level summed over cells: 1 per cell at its reference level",
    ),
    UnitLabel("L", "litre", 1.0, "litre"),
    UnitLabel("mL", "litre", 1e-3, "millilitre"),
    UnitLabel("uL", "litre", 1e-6, "microlitre"),
    UnitLabel("h", "hour", 1.0, "hour"),
    UnitLabel("days", "hour", 24.0, "day"),
    UnitLabel("weeks", "hour", 168.0, "week"),
    UnitLabel("years", "hour", 24.0 * 365.25, "Julian year"),
    UnitLabel("1/h", "per_hour", 1.0, "per hour"),
    UnitLabel("1/min", "per_hour", 60.0, "per minute"),
    UnitLabel("1/s", "per_hour", 3600.0, "per second"),
    UnitLabel("1/day", "per_hour", 1.0 / 24.0, "per day"),
    UnitLabel("1/week", "per_hour", 1.0 / 168.0, "per week"),
    UnitLabel("1/year", "per_hour", 1.0 / (24.0 * 365.25), "per Julian year"),
    # rates and constants per (molecule per cell): molecules and cells are both items, so these
    # reduce to the plain time units; the label keeps the per-cell meaning in sight
    UnitLabel("cell/molecule", "dimensionless", 1.0, "per (molecule per cell)"),
    UnitLabel("cell/molecule/h", "per_hour", 1.0, "per (molecule per cell) per hour"),
    UnitLabel("cell/molecule/min", "per_hour", 60.0, "per (molecule per cell) per minute"),
    UnitLabel("molecules/cell/h", "per_hour", 1.0, "molecules per cell per hour"),
    UnitLabel("molecules/cell/day", "per_hour", 1.0 / 24.0, "molecules per cell per day"),
    UnitLabel("cells/h", "item_per_hour", 1.0, "cells per hour"),
    UnitLabel("cells/day", "item_per_hour", 1.0 / 24.0, "cells per day"),
    UnitLabel("cells/year", "item_per_hour", 1.0 / (24.0 * 365.25), "cells per Julian year"),
    UnitLabel("molecules/h", "item_per_hour", 1.0, "molecules per hour"),
    UnitLabel("molecules/day", "item_per_hour", 1.0 / 24.0, "molecules per day"),
    UnitLabel("pM", "item_per_litre", 1e-12 * AVOGADRO, "picomolar"),
    UnitLabel("nM", "item_per_litre", 1e-9 * AVOGADRO, "nanomolar"),
    UnitLabel("L/h", "litre_per_hour", 1.0, "litre per hour"),
    UnitLabel("L/day", "litre_per_hour", 1.0 / 24.0, "litre per day"),
    UnitLabel("mL/h", "litre_per_hour", 1e-3, "millilitre per hour (a mouse's flows)"),
    UnitLabel("mL/day", "litre_per_hour", 1e-3 / 24.0, "millilitre per day"),
    UnitLabel("1/M/s", "litre_per_item_per_hour", 3600.0 / AVOGADRO, "per molar per second"),
    UnitLabel("1/nM/min", "litre_per_item_per_hour", 1e9 * 60.0 / AVOGADRO, "per nM per min"),
    UnitLabel("g/mol", "gram_per_mole", 1.0, "gram per mole"),
    UnitLabel("kDa", "gram_per_mole", 1000.0, "kilodalton"),
    UnitLabel("molecules/mol", "item_per_mole", 1.0, "items per mole"),
    # a graft's cells are dosed per kg of the recipient, as doses of a drug are
    UnitLabel("cells/kg", "item", 1.0, "cells per kilogram of body weight", per_kg=True),
    UnitLabel("pg/mL", "pg_per_mL", 1.0, "picogram per millilitre"),
    UnitLabel("ng/mL", "ng_per_mL", 1.0, "nanogram per millilitre"),
    UnitLabel("cells/uL", "cells_per_uL", 1.0, "cells per microlitre (blood counts)"),
    UnitLabel("(pg/mL)/(g/L)", "pg_per_mL_per_g_per_L", 1.0, "pg/mL per g/L (a conversion constant)"),
    UnitLabel("(ng/mL)/(g/L)", "ng_per_mL_per_g_per_L", 1.0, "ng/mL per g/L (a conversion constant)"),
    UnitLabel("(1/uL)/(1/L)", "per_uL_per_per_L", 1.0, "per uL per (per L) (a conversion constant)"),
)
LABELS: dict[str, UnitLabel] = {u.label: u for u in _LABELS}


def label(name: str, *, where: str) -> UnitLabel:
    """Look up a unit label.

    Parameters
    ----------
    name
        The unit as written, e.g. ``"1/min"``.
    where
        Where it was written, for the error message.

    Raises
    ------
    Il7Error
        If the label is not one of :data:`LABELS`.
    """
    try:
        return LABELS[name]
    except KeyError:
        known = ", ".join(sorted(LABELS))
        raise Il7Error(
            f"{where}: unknown unit '{name}'{did_you_mean(name, LABELS)}; use one of: {known}"
        ) from None


def suffix(unit: str) -> str:
    """`` <unit>`` to write after a number, nothing for the dimensionless ``1`` (a ratio)."""
    return "" if unit == "1" else f" {unit}"


def to_model(value: float, unit: str, *, where: str) -> float:
    """Convert ``value`` written in ``unit`` into the model's base unit.

    Parameters
    ----------
    value
        The number as written.
    unit
        Its unit label, one of :data:`LABELS`.
    where
        Where it was written, for error messages.

    Returns
    -------
    float
        The value in the model unit ``LABELS[unit].model_unit``.

    Raises
    ------
    Il7Error
        An unknown label, or a per-kg one (``cells/kg``), which needs a scenario's body weight
        (:func:`il7.values.parameter_value`).
    """
    found = label(unit, where=where)
    if found.per_kg:
        raise Il7Error(
            f"{where}: '{unit}' is per kg of body weight, which only a scenario has; write the value in {found.label.split('/')[0]}"
        )
    return value * found.factor


# Doses: kind, factor to grams (mass) or moles (substance), and whether per kg of body weight
DOSE_UNITS: dict[str, tuple[str, float, bool]] = {
    "pg": ("mass", 1e-12, False),
    "ng": ("mass", 1e-9, False),
    "ug": ("mass", 1e-6, False),
    "mg": ("mass", 1e-3, False),
    "g": ("mass", 1.0, False),
    "ng/kg": ("mass", 1e-9, True),
    "ug/kg": ("mass", 1e-6, True),
    "mg/kg": ("mass", 1e-3, True),
    "pmol": ("substance", 1e-12, False),
    "nmol": ("substance", 1e-9, False),
    "pg/mL": ("mass_per_litre", 1e-9, False),
    "ng/mL": ("mass_per_litre", 1e-6, False),
    "pM": ("substance_per_litre", 1e-12, False),
    "nM": ("substance_per_litre", 1e-9, False),
}


def is_concentration(unit: str) -> bool:
    """Whether the dose unit ``unit`` is a concentration put into a medium (ng/mL, pM), not an amount."""
    return DOSE_UNITS[unit][0].endswith("_per_litre")


def grams_per_kg(amount: float, unit: str, body_weight_kg: float | None) -> float | None:
    """A mass dose as grams per kg of body weight (a flat amount at ``body_weight_kg``); ``None``
    for a dose that is no mass (moles, a concentration) or a flat one where there is no weight."""
    kind, factor, per_kg = DOSE_UNITS[unit]
    if kind != "mass" or not (per_kg or body_weight_kg):
        return None
    return amount * factor / (1.0 if per_kg else float(body_weight_kg or 1.0))


# Infusion rates: the dose unit and the time (h) it is spread over
RATE_UNITS = {
    f"{dose}/{t}": (dose, hours)
    for dose in ("ng", "ug", "mg", "ng/kg", "ug/kg", "mg/kg")
    for t, hours in (("h", 1.0), ("day", 24.0))
}


def molecules(
    amount: float, unit: str, *, mw: float, volume: float, body_weight_kg: float | None, rate: bool = False
) -> float:
    """Molecules in a dose (or molecules/h for an infusion rate, ``rate=True``).

    Parameters
    ----------
    amount
        The dose as written, in ``unit`` (one of :data:`DOSE_UNITS`, or :data:`RATE_UNITS` for a rate).
    mw
        Molar mass of the drug (g/mol).
    volume
        Volume of the receiving compartment (L), for concentrations added to a well.
    body_weight_kg
        Body weight for per-kg doses (kg); scenarios refuse per-kg doses where there is none.
    """
    dose_unit, hours = RATE_UNITS[unit] if rate else (unit, 1.0)
    kind, factor, per_kg = DOSE_UNITS[dose_unit]
    value = amount * factor / hours
    if per_kg:
        if body_weight_kg is None:
            raise Il7Error(
                f"a dose in {unit} needs a body weight, and there is none here; give the amount in ug or ng"
            )
        value *= body_weight_kg
    if kind == "mass":
        return value / mw * AVOGADRO
    if kind == "substance":
        return value * AVOGADRO
    if kind == "mass_per_litre":
        return value * volume / mw * AVOGADRO
    return value * volume * AVOGADRO
