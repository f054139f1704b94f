"""simulate(scenario, *, overrides=...) -> Trajectory.

Runs a scenario on the process's compiled model: start from the model's original state, apply
the context and the overrides, reach steady state if the scenario asks (a period at ``-inf``),
then integrate from change to change, applying each period's settings, knockouts and doses
at its time, and sample the readouts on the output grid. Neither the scenario nor the model
is changed.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import multiprocessing
import os
import reprlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
import pandas as pd

from il7 import build, units
from il7.engine import Engine, engine
from il7.errors import Il7Error, SolveError, Unsettled, did_you_mean, warn
from il7.scenario import (
    TIME_UNITS,
    ContextValue,
    Dose,
    Period,
    Scenario,
    clock,
    load,
    not_a_parameter,
    vocabulary,
)
from il7.trajectory import Trajectory
from il7.values import UNCHECKED, parameter_value, plausible_range, whole_number, within_reach


def parameter_table(context: str = "human_body") -> pd.DataFrame:
    """The parameter table: value, unit, bounds, status, source and note of every parameter.

    Parameters
    ----------
    context
        Whose values: ``human_body`` (the table as written, the adult human's), or another context
        of ``model/interventions.yaml`` (``mouse_body``, ``culture_well``), whose own values,
        statuses and sources replace the table's where it sets them; ``set_by`` names the context
        on those rows.

    A ``derived`` parameter has no number in ``parameters.tsv`` (its source gives the formula);
    its ``value`` here is what the model computes at the context's steady state (for the human
    body, the healthy adult's), in the table's unit. ``at_bound`` says ``lower`` or ``upper`` for a
    fitted value that sits on a bound of its fit (the data would have it further out), else ''.
    ``sbml_value`` and ``sbml_unit`` are the value as the exported SBML holds it, in the model's
    base units (hours, items, litres): what to set in roadrunner or COPASI, where the table's
    unit does not apply (``kon_IL7``, 1e7 1/M/s in the table, is 5.98e-14 litre_per_item_per_hour there).
    """
    contexts = vocabulary()["contexts"]
    if not isinstance(context, str) or context not in contexts:  # a list is unhashable: a TypeError
        raise Il7Error(
            f"context {reprlib.repr(context)} is unknown{did_you_mean(str(context), contexts)}; use one of: "
            f"{', '.join(contexts)}"
        )
    own: dict[str, ContextValue] = contexts[context]["values"]
    weight = contexts[context].get("body_weight_kg")
    computed = derived_values(context)

    def row(p: build.Parameter) -> dict[str, Any]:
        factor = units.label(p.unit, where=f"parameter {p.id}").factor
        lower, upper = p.lower, p.upper
        if p.id in own:
            where = f"model/interventions.yaml contexts.{context}.set.{p.id}"
            model = parameter_value(p, own[p.id].value, where=where, body_weight_kg=weight)
            value: float | None = model / factor
            reach = plausible_range(p, model)  # the bounds carried to the context's own value
            if reach is not None:
                lower, upper = reach[0] / factor, reach[1] / factor
        else:
            value = computed.get(p.id, p.value)
        return {
            "id": p.id,
            "value": value,
            "unit": p.unit,
            "lower": lower,
            "upper": upper,
            **dict(zip(("status", "source", "note"), described(p, context), strict=True)),
            # after the first columns, which keep their places
            "at_bound": "" if p.id in own else at_bound(p),
            "sbml_value": math.nan if value is None else value * factor,
            "sbml_unit": units.LABELS[p.unit].model_unit,
            "set_by": context if p.id in own else "",
        }

    def at_bound(p: build.Parameter) -> str:
        return p.bound_at(p.value) if p.status == "fitted" and p.value is not None else ""

    rows = [row(p) for p in build.parameters()]
    return pd.DataFrame(rows).set_index("id")


def described(p: build.Parameter, context: str) -> tuple[str, str, str]:
    """Status, source and note of ``p`` in ``context``: the context's own where it sets ``p``
    (a mouse's thymic output is measured where the human adult's is assumed; the note then gives
    the human adult's value), else the table's."""
    own = vocabulary()["contexts"][context]["values"]
    if p.id in own:
        return own[p.id].status, own[p.id].source, f"The human adult's: {p.value:g} {p.unit}. {p.note}"
    return p.status, p.source, p.note


def derived_values(context: str = "human_body") -> dict[str, float]:
    """Values of the derived parameters at the context's steady state, each in its table unit.

    Most are constants made of other parameters (``Kd_IL7Ra``, the T-cell thresholds); a few
    follow the state (``p_IL7_n4``: IL-7-driven division at the present IL-7 signal), and for
    those the value is the steady state's: for ``human_body``, the healthy adult's (the
    ``baseline`` scenario's).
    """
    steady = load(
        {
            "name": f"{context} at steady state",
            "description": f"the derived parameters of {context}",
            "context": context,
            "time_unit": "h",
            "periods": [{"time": "-inf"}],
            "readouts": ["pSTAT5_frac"],
            "output": {"times": [0.0, 1.0]},
        },
    )
    eng = engine()
    prepare(eng, steady, {})
    integrate(eng, steady)
    return {
        p.id: eng.get(p.id) / units.label(p.unit, where=f"parameter {p.id}").factor
        for p in build.parameters()
        if p.value is None
    }


def overrides_given(overrides: object, where: str) -> dict[str, Any]:
    """``overrides`` (``None`` for none) as a dict, or a one-line error naming ``where`` when it is
    not a mapping: ``dict('age=60')`` failed with Python's own "dictionary update sequence" error,
    and a list of pairs slipped through where a mapping was documented."""
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise Il7Error(
            f"{where}: give a mapping of parameter id to value, e.g. {{'age': '60 years'}}, not a {type(overrides).__name__}"
        )
    return dict(overrides)


def resolve_overrides(
    overrides: Mapping[str, Any] | None, *, where: str = "override", body_weight_kg: float | None = None
) -> dict[str, float]:
    """Check override ids and values, and convert them into model units.

    Parameters
    ----------
    overrides
        ``{id: value}``; a bare number is in the parameter's table unit (see
        :func:`parameter_table`), a string may carry its own unit (``"200 uL"``).
    where
        Where the overrides came from, for error messages (e.g. ``"--set"``).
    body_weight_kg
        Body weight (kg) for per-kg values (``"5e6 cells/kg"``): the scenario context's.
    """
    table = build.parameters_by_id()
    out: dict[str, float] = {}
    for key, raw in overrides_given(overrides, where).items():
        p = table.get(key)
        if p is None:
            raise Il7Error(f"{where} '{key}': {not_a_parameter(key, table, given=raw)}")
        if (why := p.unchangeable("set")) is not None:
            raise Il7Error(f"{where}: '{key}' {why}")
        out[key] = parameter_value(p, raw, where=f"{where} {key}", body_weight_kg=body_weight_kg)
    return out


def simulate(scenario: Scenario | str, *, overrides: Mapping[str, Any] | None = None) -> Trajectory:
    """Simulate a scenario.

    Parameters
    ----------
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    overrides
        Parameter values to use instead of the table's, ``{id: value}``; bare numbers are in
        the table's unit, strings may carry a unit (``{"age": "60 years"}``).

    Returns
    -------
    Trajectory
        The readouts on the scenario's output grid, named after the scenario and any overrides
        (``'baseline with age=60 years'``).

    Raises
    ------
    Il7Error
        Unknown ids or bad values.
    SolveError
        The model could not be integrated or brought to steady state; the message names the
        scenario, the time and a suggestion.
    """
    scenario = load(scenario)  # a Scenario comes back as it is
    resolved, said = checked_overrides(scenario, overrides)
    eng = engine()
    try:
        prepare(eng, scenario, resolved)
        seeded = _grown_before_the_start(eng, scenario)
        before: list[np.ndarray] = []
        data = integrate(eng, scenario, before=before)
    except SolveError as exc:
        # the likely cause, where a value (a file's, an override's, a patient's) lies outside its
        # bounds: the notes a run that went through would have given
        outside = [
            n.removesuffix(UNCHECKED) for n in (*scenario.notes(resolved), *said) if n.endswith(UNCHECKED)
        ]
        # 0 switches a process off and is never noted, but off from the start it can leave the body
        # no steady state (k_export=0, a thymectomy before birth): a later period follows the change
        # (the steady state is the pre-equilibration's: simulate searches for no other)
        off = [k for k, v in resolved.items() if v == 0] if isinstance(exc, Unsettled) else []
        if off:
            outside.append(
                f"{', '.join(f'{k}=0' for k in off)} {'switches a process' if len(off) == 1 else 'switch processes'} "
                "off before the steady state, where there may be none without them; to follow the change, set "
                "it in a period after the start (a scenario file's period at time 0)"
            )
        cause = f"; perhaps because {'; '.join(outside)}" if outside else ""
        raise SolveError(f"{scenario.called}: {exc}{cause}") from None
    given = ", ".join(setting(k, v) for k, v in (overrides or {}).items())
    return Trajectory(
        scenario=scenario.name + (f" with {given}" if given else ""),  # a figure's title tells the runs apart
        time_unit=scenario.time_unit,
        columns=scenario.readouts,
        units=tuple(readout_unit(r) for r in scenario.readouts),
        data=data,
        before_changes=np.array(before).reshape(len(before), data.shape[1]),
        notes=scenario.notes(resolved)
        + scenario.dose_notes()
        + said
        + seeded
        + _beyond_a_body(eng, scenario),
    )


SEEDED = {"Tumour": "tumour_seed", "Leuk": "leukaemia_seed"}
"""Tumour cells and blasts, each with the parameter that seeds it before a steady state."""


def _grown_before_the_start(eng: Engine, scenario: Scenario) -> tuple[str, ...]:
    """Notes on tumour cells or blasts that a scenario starting at steady state seeded before it
    (``--set leukaemia_seed=1e6``): the steady state has grown them to their plateau, or they have
    died out there, where a user meant to follow them from the seed. Nothing where the start
    holds the seed (a tumour held at its burden with r_tumour 0)."""
    if scenario.preequilibration is None:
        return ()
    amounts = dict(zip(eng.species, eng.snapshot(), strict=True))
    out = []
    for species, seed_id in SEEDED.items():
        seed, now = eng.get(seed_id), amounts.get(species, 0.0)
        fix = f"to follow it from a seed, set {species} in a period after the start (set: {{{species}: 1e6 cells}})"
        if seed <= 0.0 and now >= 1.0:  # set as a species in the -inf period, not by its seed
            said = f"starts at {now:.3g} cells, its plateau: set before the steady state, it grew there"
        elif seed > 0.0 and not math.isclose(now, seed, rel_tol=0.01):
            became = f"grown to {now:.3g} cells, its plateau" if now > seed else "died out"
            said = (
                f"was seeded at {seed:.3g} cells before the steady state ({seed_id}) and has {became} there"
            )
        else:
            continue
        out.append(f"{species} {said}; {fix}")
    return tuple(out)


CELLS_PER_KG = 3.0e13 / 70
"""Cells a body holds per kg: 3.0e13 human cells in the 70-kg reference man (Sender, Fuchs and
Milo 2016, PLoS Biol 14:e1002533, doi:10.1371/journal.pbio.1002533)."""


CELL_VOLUME_FL = 200.0
"""Volume of one cell, fL, for how many cells a culture well could hold at all (packed solid):
assumed, a resting lymphocyte of 6-8 um across (110-270 fL), rounded; an order of magnitude is
all the check needs."""

SCALE_ONLY_IN_A_WELL = frozenset({"HSPC"})
"""Cell species a well carries only as a scale: the marrow's progenitors stay at HSPC_ref, the
reference that the thymus and the B lineage read, which a well has neither of."""


def _beyond_a_body(eng: Engine, scenario: Scenario) -> tuple[str, ...]:
    """Notes on the cell populations that end the run with more cells than the whole body holds
    (blasts growing without limit, or a rate set in the wrong unit: r_leuk_max 0.7 1/h gave 2.5e157),
    or, in a culture well, more than its medium could hold packed solid (--set
    thymic_output_young=1.8e10 in culture_dose grew a body's 1.4e11 T cells in 200 uL)."""
    if scenario.body_weight_kg is not None:
        limit = CELLS_PER_KG * scenario.body_weight_kg
        place = f"a body of {scenario.body_weight_kg:g} kg holds (about {limit:.2g} cells in all)"
    else:
        litres = float(eng.get("tissue"))
        limit = litres * 1e15 / CELL_VOLUME_FL
        place = (
            f"a well of {litres * 1e6:.3g} uL could hold packed solid (about {limit:.2g} cells of "
            f"{CELL_VOLUME_FL:g} fL); a value set for a body (thymic output, IL-7 sources, body pools) "
            "grows a body's cells there"
        )
    amounts = dict(zip(eng.species, eng.snapshot(), strict=True))
    skipped = SCALE_ONLY_IN_A_WELL if scenario.body_weight_kg is None else frozenset()
    return tuple(
        f"{species} ends at {amounts[species]:.3g} cells, more than {place}: the run has left physiology; "
        "check the values set and the doses, or read it as growth without limit"
        for species in sorted(build.cell_species() - skipped)
        if species in amounts and amounts[species] > limit
    )


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the system says, else all)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on every system
        return os.cpu_count() or 1


def workers(jobs: object, *, where: str) -> int:
    """The number of processes ``jobs`` asks for: itself, at most one per usable CPU (more only
    compete for the same CPUs and each holds its own model), or one per CPU for 0.

    Raises
    ------
    Il7Error
        ``jobs`` is not a whole number >= 0 (``where`` says whose).
    """
    if (count := whole_number(jobs)) is None or count < 0:
        raise Il7Error(
            f"{where}: jobs (--jobs) {jobs!r} must be a whole number >= 0 (0: one process per CPU)"
        )
    return min(count, usable_cpus()) or usable_cpus()


def check_progress(progress: object, *, where: str) -> None:
    """Refuse a ``progress`` that is neither ``None`` nor a function (``where`` says whose): it
    failed only at the first finished run, as Python's "not callable"."""
    if progress is not None and not callable(progress):
        raise Il7Error(
            f"{where}: progress {progress!r} is not a function; give one to call as each run ends, or None"
        )


def simulate_many(
    runs: Sequence[tuple[Scenario, Mapping[str, Any]]], *, jobs: int = 1
) -> Iterator[Trajectory | Il7Error]:
    """Simulate each ``(scenario, overrides)`` and yield, in order, its trajectory or the
    :class:`~il7.errors.Il7Error` that refused it (a solver failure, a parameter set that
    admits no reference adult), so that one failed run does not lose the others.

    Parameters
    ----------
    runs
        What to simulate, as for :func:`simulate`.
    jobs
        Processes (0: one per CPU; at most one per CPU). With more than one, the runs go to
        fresh processes (spawned: each loads the compiled model from the disk cache); the
        results are the same. A consumer that stops early (an error, Ctrl-C) cancels the runs
        not yet started.
    """
    count = workers(jobs, where="simulate_many")
    if count == 1 or len(runs) < 2:
        for scenario, overrides in runs:
            yield _simulate_or_error(scenario, overrides)
        return
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # a spawned worker re-imports the script that started it (as __mp_main__): one whose top
        # level starts runs again got here; one line, not a traceback per worker, and the parent
        # then says what to do (below)
        raise SystemExit(
            "il7: a worker process re-ran the top level of the script, which starts runs again; "
            "put the script's main code under if __name__ == '__main__':"
        )
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(count, len(runs)), mp_context=context)
    try:
        pending = collections.deque(
            pool.submit(_simulate_or_error, scenario, overrides) for scenario, overrides in runs
        )
        while pending:
            future = pending.popleft()  # the caller holds what it keeps
            try:
                result = future.result()
            except BrokenProcessPool:
                raise Il7Error(
                    f"jobs={jobs} (--jobs): a worker process stopped (it could not start, or ran out of "
                    "memory); run with jobs=1 (--jobs 1), or from a script file whose main code sits under "
                    "if __name__ == '__main__': (spawned processes re-import it)"
                ) from None
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _simulate_or_error(scenario: Scenario, overrides: Mapping[str, Any]) -> Trajectory | Il7Error:
    try:
        return simulate(scenario, overrides=overrides)
    except SolveError as exc:
        return exc
    except Il7Error as exc:
        return Il7Error(str(exc))  # subclasses with other constructors do not survive pickling


def scenario_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> dict[str, float]:
    """Overrides checked against the parameter table and against ``scenario``, in model units.

    An override sets the body before the scenario's steady state, so an id the scenario itself
    changes later is refused: the override could not mean what it says there.
    """
    return checked_overrides(scenario, overrides)[0]


def warn_notes(
    scenario: Scenario,
    overrides: Mapping[str, Any] | None,
    *,
    unseen: tuple[str, str] | None = None,
    judged: Scenario | None = None,
) -> None:
    """Issue, as :class:`~il7.errors.Il7Warning` (:func:`il7.errors.warn`), what a run of
    ``scenario`` with ``overrides`` says to distrust before it runs, once for work that runs or
    builds it many times (a population, a sensitivity analysis, an export).

    That is what :func:`il7.simulate` says (its file's values and the overrides outside their
    bounds, a dose far above the studied ones, an age that changes nothing), and each override
    that moves none of the readouts the work reads (:func:`unmoved_overrides` on ``judged``, by
    default ``scenario``), which :func:`il7.simulate` does not judge (one more run per override,
    at every call of a loop); with
    ``unseen`` (what the caller does not show of a dose after the last output time, and the fix),
    the doses and settings it leaves out.
    """
    resolved, said = checked_overrides(scenario, overrides)
    late = None if unseen is None else scenario.beyond_output_note(*unseen)
    inert = unmoved_overrides(judged or scenario, overrides)
    for note in (
        *scenario.notes(resolved),
        *scenario.dose_notes(),
        *said,
        *((late,) if late else ()),
        *inert,
    ):
        warn(note)


NOISE_FLOOR = 1e-6
"""The integrator's relative tolerance: a value or a change below this fraction of a readout's
largest absolute value in the run is solver noise. :func:`unmoved_overrides` calls a readout
unmoved below it (k_G1, which the body does not read, moved its readouts by 1e-11 to 1e-8), and
``il7 population`` gives no coefficients below it for a population whose one-molecule resolution
is not known (:meth:`il7.population.Population.varies`; IL-7 used up in a well reads +-1e-16)."""


def unmoved_overrides(
    scenario: Scenario | str, overrides: Mapping[str, Any] | None, *, run: Trajectory | None = None
) -> tuple[str, ...]:
    """One note on each override that moves none of ``scenario``'s readouts at any output time.

    Such an override acts on something the scenario's context lacks or holds fixed (``age``, which
    sets thymic output, in a culture well), on a rate that the values derived for the reference
    adult take up at its steady state (``d_noIL7`` in ``baseline``), or on nothing that reaches
    these readouts by the run's end; left unsaid, the unchanged numbers would read as the model's
    answer to it. Each override is judged by running the scenario without it (the others kept)
    against the run with all of them: one extra run per override. An override equal to the value
    the run has anyway gets no note, nor does an ``age`` that :func:`checked_overrides` already
    says changes nothing.

    Parameters
    ----------
    scenario
        The scenario as the caller runs it (its readouts are the ones judged): a
        :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    overrides
        As for :func:`simulate`.
    run
        The caller's run of ``scenario`` with ``overrides``, on the scenario's own output times,
        to save running it again.

    Returns
    -------
    tuple of str
        The notes; none where the run with all overrides fails (the run itself says why), and
        none for an override whose run without it fails.
    """
    scenario = load(scenario)  # a Scenario comes back as it is
    if not overrides:
        return ()
    resolved = resolve_overrides(overrides, body_weight_kg=scenario.body_weight_kg)
    own = values_in_run(scenario, {})
    table = build.parameters_by_id()
    unchanged = {key for key in resolved if resolved[key] == own.get(key, _in_model_units(table[key]))}
    try:
        full = (run if run is not None else simulate(scenario, overrides=overrides)).data
    except Il7Error:
        return ()
    scale = np.max(np.abs(full), axis=0)  # per readout (and time) column
    notes = []
    for key, value in overrides.items():
        if key in unchanged or (key == "age" and _age_inert(scenario, resolved)):
            continue  # (checked_overrides says why such an age changes nothing, and the fix)
        try:
            other = simulate(scenario, overrides={k: v for k, v in overrides.items() if k != key}).data
        except Il7Error:  # without it the body may admit no reference adult: it does act
            continue
        if np.all(np.abs(full - other) <= NOISE_FLOOR * scale):
            notes.append(
                f"{setting(key, value)} moves none of the readouts of {scenario.called} (the run without "
                f"it gives the same numbers): in the {scenario.context} context what it acts on is absent or "
                "held fixed, the values derived for the reference adult take it up, or it does not reach "
                f"these readouts by {clock(scenario.t_end, scenario.time_unit)}; leave it out, or choose "
                "readouts or a scenario it reaches (il7 readouts lists the readouts)"
            )
    return tuple(notes)


def setting(key: str, value: Any) -> str:
    """``key=value`` as a run's name and notes write an override: a float with :g, any other
    value (``'60 years'``) as given."""
    return f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"


def _in_model_units(p: build.Parameter) -> float:
    """A parameter's table value in model units (an override's is never a derived one's, which
    has no value)."""
    return (p.value or 0.0) * units.label(p.unit, where=f"parameter {p.id}").factor


def _age_inert(scenario: Scenario, resolved: Mapping[str, float]) -> bool:
    """An age (in ``resolved``, model units) that changes nothing because the context's thymus
    does not decline with it."""
    return "age" in resolved and values_in_run(scenario, resolved).get("thymic_decline") == 0


def checked_overrides(
    scenario: Scenario, overrides: Mapping[str, Any] | None
) -> tuple[dict[str, float], tuple[str, ...]]:
    """:func:`scenario_overrides`, and the notes a run with them gives.

    Returns
    -------
    tuple
        The overrides in model units, and the notes: one on each value outside its bounds
        (:func:`il7.values.within_reach`), on each that replaces the scenario's own setting
        before its steady state, on a body set without a thymus before it, and on an age that
        changes nothing (a mouse's thymus does not decline with age).

    Raises
    ------
    Il7Error
        An unknown id or a bad value; an override the scenario's knockout or a later period sets.
    """
    resolved = resolve_overrides(overrides, body_weight_kg=scenario.body_weight_kg)
    notes = _within_reach(scenario, resolved)
    pre = dict(scenario.preequilibration.set) if scenario.preequilibration is not None else {}
    table = build.parameters_by_id()
    for key in sorted(k for k in resolved if k in pre and k in table and resolved[k] != pre[k]):
        unit = table[key].unit
        factor = units.label(unit, where=f"parameter {key}").factor
        notes += (
            f"{key} = {resolved[key] / factor:.4g}{units.suffix(unit)} replaces the "
            f"{pre[key] / factor:.4g}{units.suffix(unit)} that {scenario.called} sets before its steady state",
        )
    in_run = values_in_run(scenario, resolved)
    if in_run.get("thymus_present") == 0:
        notes += (
            "thymus_present is 0 before the steady state: the T-cell pools start at the reference sizes "
            "and homeostatic division holds those it can, where a body that never had a thymus would "
            "have no naive T cells; for a thymectomy, set it in a period at or after the start",
        )
    if _age_inert(scenario, resolved):
        notes += (
            f"age changes nothing in this run: {scenario.context}'s thymus keeps a young adult's output "
            "(thymic_decline 0); for an old mouse's smaller thymus, lower thymic_output_young",
        )
    knockouts = vocabulary()["knockouts"]
    for period in scenario.periods:
        for gene in period.knockouts:
            undone = sorted(set(knockouts[gene]["set"]) & set(resolved))
            if undone:
                raise Il7Error(
                    f"override {', '.join(undone)}: {scenario.called} knocks out {gene}, which sets it; "
                    "the override would undo the knockout: leave it out, or use a scenario without the knockout"
                )
        changed = sorted({key for key, _ in period.set} & set(resolved))
        if changed and period is not scenario.preequilibration:
            raise Il7Error(
                f"override {', '.join(changed)}: {scenario.called} itself changes it at "
                f"{clock(period.time, scenario.time_unit)}; an override sets the body before its steady state, "
                "so change it in a copy of the scenario file instead"
            )
    return resolved, notes


def _within_reach(scenario: Scenario, resolved: Mapping[str, float]) -> tuple[str, ...]:
    """Refuse an override far beyond its bounds, and note those outside them
    (:func:`il7.values.within_reach`)."""
    table = build.parameters_by_id()
    # carried to the context's own value (a mouse's, a well's), not to a value the scenario sets
    # (sil7r_high's 8.54 nM had 3 nM, within the table's 2-8 nM, called outside "4 to 16 nM")
    own = dict(scenario.context_set)
    found = (
        within_reach(table[key], value, own.get(key), where=f"override {key}")
        for key, value in resolved.items()
    )
    return tuple(note for note in found if note)


def values_in_run(scenario: Scenario, overrides: Mapping[str, float]) -> dict[str, float]:
    """The parameter values (model units) a run of ``scenario`` starts from, where they differ
    from the table's: the context's settings, then the pre-equilibration's, then ``overrides``
    (model units, :func:`scenario_overrides`), each replacing the one before, as :func:`prepare`
    applies them."""
    pre = scenario.preequilibration
    return dict(scenario.context_set) | (dict(pre.set) if pre is not None else {}) | dict(overrides)


def readout_table() -> pd.DataFrame:
    """What a scenario can read out, as ``il7 readouts`` lists it.

    Returns
    -------
    pandas.DataFrame
        Indexed by readout id: the observables (readouts in the units people measure, e.g.
        ``CD4_blood`` in cells/uL), then the species (molecules, cells or cell-equivalents), with columns ``unit``,
        ``meaning`` and ``kind`` (``observable`` or ``species``).
    """
    named, _ = build.descriptions()
    rows = [
        {"id": o.id, "unit": o.unit, "meaning": o.description, "kind": "observable"}
        for o in build.observables()
    ]
    rows += [
        {"id": s, "unit": readout_unit(s), "meaning": named.get(s, ""), "kind": "species"}
        for s in build.libsbml_species_ids()
    ]
    return pd.DataFrame(rows).set_index("id")


def readout_unit(readout: str) -> str:
    """Unit label of a readout: the observable's display unit, or cells, cell-equivalents (a
    per-cell level summed over cells, :func:`il7.build.cell_levels`) or molecules for a species."""
    for o in build.observables():
        if o.id == readout:
            return o.unit
    if readout in build.cell_levels():
        return "cell-equivalents"
    return "cells" if readout in build.cell_species() else "molecules"


_STEADY_STATES: dict[tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]], np.ndarray] = {}
_STEADY_STATES_MAX = 512


def clear_steady_state_cache() -> None:
    """Forget cached pre-equilibrated states (benchmarks use it to time the full work)."""
    _STEADY_STATES.clear()


# The T-cell layer's thresholds are derived at a reference adult (tcells.ant). Parameter sets for
# which that reference cannot exist are refused: each quantity must be positive.
REFERENCE_CONDITIONS = (
    ("p_ref_n4", "the thymus alone would more than fill the naive CD4 pool's turnover (thymic_output_young, thymic_decline, age_ref, frac_export_CD4, Tn4_ref, halflife_naive_CD4)"),
    ("p_ref_n8", "the thymus alone would more than fill the naive CD8 pool's turnover (thymic_output_young, thymic_decline, age_ref, frac_export_CD4, Tn8_ref, halflife_naive_CD8)"),
    ("p_ref_m4", "naive conversion alone would exceed memory CD4 turnover (frac_naive_loss_to_memory, Tn4_ref, Tm4_ref, half-lives)"),
    ("p_ref_m8", "naive conversion alone would exceed memory CD8 turnover (frac_naive_loss_to_memory, Tn8_ref, Tm8_ref, half-lives)"),
    ("p_reg", "thymic Treg output alone would exceed Treg turnover (thymic_output_young, thymic_decline, age_ref, frac_export_Treg, Treg_ref, halflife_Treg)"),
    ("K_niche_m4", "memory CD4 need more division than p_mem_max allows"),
    ("K_niche_m8", "memory CD8 need more division than p_mem_max allows"),
    ("K_niche_reg", "Treg need more division than p_mem_max allows"),
    ("K_surv_n4", "naive CD4 turn over faster than T cells die without IL-7 (d_noIL7, halflife_naive_CD4)"),
    ("K_surv_n8", "naive CD8 turn over faster than T cells die without IL-7 (d_noIL7, halflife_naive_CD8)"),
    ("K_prol_n4", "naive CD4 need more division than p_max allows"),
    ("K_prol_n8", "naive CD8 need more division than p_max allows"),
    ("DN_niche_free", "every early-thymocyte niche would be filled at the reference, so no progenitor could settle (DN_niche_fill must be below 1)"),
    ("DN_niche_fill", "the reference thymus would fill none of its early-thymocyte niches (DN_niche_fill must be above 0)"),
)  # fmt: skip


def _check_reference(eng: Engine) -> None:
    # in a well too: its cells are not the body's pools, but a threshold that is not a number
    # (NaN x an empty pool) would still spread to every rate
    for quantity, meaning in REFERENCE_CONDITIONS:
        value = eng.get(quantity)
        if not value > 0:
            raise Il7Error(
                f"these parameters admit no reference adult: {meaning} ({quantity} = {value:.3g}); "
                "change one of the parameters named"
            )


def prepare(eng: Engine, scenario: Scenario, overrides: dict[str, float]) -> None:
    """Bring ``eng`` to the scenario's starting state: context, the opening period's parameters
    (:attr:`Scenario.opening`) and overrides applied, then the cells the pre-equilibration period
    seeds and its steady state, if the scenario has one.

    ``overrides`` are in model units (:func:`scenario_overrides`).
    """
    # the parameters the opening period sets go in with the start, as overrides do, so that what
    # the model computes from them at the start follows them (cells held or seeded, receptor
    # totals = cells x receptors per cell); the cells it seeds are set after, as a reset would
    # undo them, and an override replaces what the scenario sets before its steady state
    opening = scenario.opening
    at_start = {k: v for k, v in (opening.set if opening else ()) if k not in eng.species}
    pre = scenario.preequilibration
    if pre is not None:
        pre = dataclasses.replace(
            pre, set=tuple((k, v) for k, v in pre.set if k in eng.species and k not in overrides)
        )
    start = dict(scenario.context_set) | at_start | overrides
    eng.start(start)
    _check_reference(eng)
    eng.select(scenario.readouts)
    if pre is not None:
        _apply(eng, scenario, pre)
        _check_reference(eng)
        # the steady state depends only on the settings; runs that share them (a dose-response,
        # a calibration's experiments) reuse it
        key = (tuple(sorted(start.items())), pre.set)
        cached = _STEADY_STATES.get(key)
        if cached is not None:
            eng.restore(cached)
        else:
            try:
                eng.steady_state()
            except SolveError as exc:
                # a body must start from its steady state; only a well may start from its initial values
                well = "; or start the well from its initial values (no '- time: -inf' period)"
                fix = well if scenario.context == "culture_well" else ""
                raise type(exc)(f"pre-equilibration (time -inf): {exc}{fix}") from None  # Unsettled stays so
            if len(_STEADY_STATES) >= _STEADY_STATES_MAX:
                _STEADY_STATES.pop(next(iter(_STEADY_STATES)))
            _STEADY_STATES[key] = eng.snapshot()
            # go on from the state as a later run restores it, so that a run gives the same numbers
            # whether or not its steady state was cached (within 2e-5 otherwise)
            eng.restore(_STEADY_STATES[key])


def changes(scenario: Scenario) -> dict[float, list[Period]]:
    """The periods that act at each time after the pre-equilibration, keyed by that time as the
    scenario writes it (so that matching is exact), in increasing order: a period acts at its
    own time (its settings, and the doses due then) and at each later dose of its schedules."""
    out: dict[float, list[Period]] = {}
    for period in scenario.periods:
        if period is not scenario.preequilibration:
            for at in sorted({period.time} | {d.time for d in period.doses}):
                out.setdefault(at, []).append(period)
    return dict(sorted(out.items()))


def start_time(scenario: Scenario) -> float:
    """Where integration starts (scenario time unit): the first change or the first output time."""
    return min([scenario.times[0], *changes(scenario)])


@dataclasses.dataclass(frozen=True)
class Change:
    """One change a run makes to the model: set ``target`` to ``value`` (model units), or, for a
    bolus (``add``), add ``value`` molecules to the species ``target``."""

    target: str
    value: float
    add: bool = False


def integrate(
    eng: Engine,
    scenario: Scenario,
    *,
    log: list[tuple[float, list[Change]]] | None = None,
    before: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Run the scenario from the state :func:`prepare` left, applying its changes on the way.

    Returns the readouts on the output grid (first column: time in the scenario's unit), read
    after any change made at an output time. With ``log`` given, each change time (h from the
    start of integration) and the changes made then are appended to it; with ``before`` given,
    the readouts just before each change made at an output time after the first (a row as in
    the grid, its time in the scenario's unit).
    """
    hours = TIME_UNITS[scenario.time_unit]
    sample = np.asarray(scenario.times) * hours
    due = changes(scenario)
    for at in due:  # an output a rounding away from a change is read at it: the solver cannot step
        near = np.abs(sample - at * hours) <= 1e-9 * max(1.0, abs(at * hours))  # so small (CV_TOO_CLOSE)
        sample[near] = at * hours
    start = t = start_time(scenario) * hours
    rows = []
    held: list[tuple[int, np.ndarray]] = []  # (output index, readouts just before a change made there)
    end = float(sample[-1])
    for at, periods in due.items():
        t_change = at * hours
        if t_change > end:
            break  # changes after the last output time cannot show in it
        if t_change > t:
            take = sample[(sample >= t) & (sample < t_change)]
            rows.append(_advance(eng, scenario, t, t_change, take))
            t = t_change
            at_output = np.flatnonzero(sample == t_change)
            if before is not None and at_output.size and at_output[0] > 0:  # the state as it stands
                held.append((int(at_output[0]), _advance(eng, scenario, t, t, np.array([t]))[0]))
        made = []
        for period in periods:
            made += _apply(eng, scenario, period, at=at)
            if period.set and at == period.time:
                _check_reference(eng)
        if log is not None:
            log.append((t_change - start, made))
    if end >= t:
        rows.append(_advance(eng, scenario, t, end, sample[sample >= t]))
    data = np.vstack(rows) if rows else np.empty((0, 1 + len(scenario.readouts)))
    _clear_noise(eng, scenario, data)
    if len(data) == len(scenario.times):  # each output time once: give it as the scenario wrote it
        data[:, 0] = scenario.times  # (1.9 day -> h -> day was 1.8999999999999997)
    else:
        data[:, 0] /= hours
    for index, row in held:  # dated as the output time it stands before, exactly
        row[0] = data[index, 0]
        assert before is not None
        before.append(row)
    return data


def signed_readouts() -> frozenset[str]:
    """The observables marked ``can_be_negative`` in observables.tsv (rates of change, an MFI with
    its offset): the readouts whose small or negative values are not solver noise."""
    return frozenset(o.id for o in build.observables() if o.can_be_negative)


def _clear_noise(eng: Engine, scenario: Scenario, data: np.ndarray) -> None:
    """Set to 0 the readouts that cannot be negative (species, and observables not marked
    ``can_be_negative`` in observables.tsv) where the solver left them below 0 by less than one
    molecule or cell more of any species would change them, judged at the run's last state: IL-7
    in a well once used up read -2.8e-14 pg/mL, the run's minimum, with its time. A rate of change
    or pSTAT5_MFI (an offset) keeps its sign; -0.0 reads 0."""
    signed = signed_readouts()
    for j, readout in enumerate(scenario.readouts, start=1):
        column = data[:, j]
        if readout not in signed and (column < 0).any():
            floor = eng.one_molecule(readout)
            column[(column < 0) & (column >= -floor)] = 0.0
    data += 0.0


def _advance(eng: Engine, scenario: Scenario, t0: float, t1: float, take: np.ndarray) -> np.ndarray:
    try:
        block = eng.advance(t0, t1, take)
    except SolveError as exc:
        raise SolveError(
            f"at {clock(t0 / TIME_UNITS[scenario.time_unit], scenario.time_unit)}: {exc}"
        ) from None
    if not np.all(np.isfinite(block)):
        raise SolveError(
            f"at {clock(t0 / TIME_UNITS[scenario.time_unit], scenario.time_unit)}: the solution "
            "became non-finite; check the overrides for extreme values"
        )
    return block


def _apply(eng: Engine, scenario: Scenario, period: Period, *, at: float | None = None) -> list[Change]:
    """Apply a period's changes; with ``at`` (scenario time unit) given, only those due then.

    Returns the changes made, in the order made.
    """
    made = [Change(key, value) for key, value in period.set] if at is None or at == period.time else []
    for change in made:
        eng.set(change.target, change.value)
    for dose in period.doses:
        if at is None or dose.time == at:
            made.append(_dose(eng, scenario, dose))  # after the settings: a dose reads the volume they set
            if made[-1].add:
                eng.add_amount(made[-1].target, made[-1].value)
            else:
                eng.set(made[-1].target, made[-1].value)
    return made


def _dose(eng: Engine, scenario: Scenario, dose: Dose) -> Change:
    """A dose as a change: an infusion sets its rate (molecules/h), a bolus adds molecules."""
    drug = vocabulary()["drugs"][dose.drug]
    mw = eng.get(drug["molecular_weight"])
    if dose.route == "infusion":
        rate = units.molecules(
            dose.amount, dose.unit, mw=mw, volume=0.0, body_weight_kg=scenario.body_weight_kg, rate=True
        )
        return Change(dose.target, rate)
    volume = eng.get(eng.compartment_of(dose.target))
    return Change(
        dose.target,
        units.molecules(dose.amount, dose.unit, mw=mw, volume=volume, body_weight_kg=scenario.body_weight_kg),
        add=True,
    )
