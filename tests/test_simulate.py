"""Simulation: scenarios run, overrides act and leave nothing behind, results export."""

import dataclasses
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import il7
from il7 import experiments
from il7.engine import engine
from il7.errors import Il7Error, SolveError
from il7.trajectory import LOG_DECADES


def test_baseline_is_a_steady_state() -> None:
    traj = il7.simulate("baseline")
    serum = traj["IL7_serum_total"]
    assert np.allclose(serum, serum[0], rtol=1e-6)
    assert 0.5 < serum[0] < 50  # a serum level, not a unit error of 1e3
    assert traj["IL7_serum"][0] < serum[0]  # most circulating IL-7 is held by sIL-7R


def test_overrides_act_and_do_not_persist() -> None:
    before = il7.simulate("baseline")["IL7_serum"][-1]
    more = il7.simulate("baseline", overrides={"T_fixed": "3e11 cells"})["IL7_serum"][-1]
    assert more < before
    after = il7.simulate("baseline")["IL7_serum"][-1]
    assert more < 0.9 * before  # more receptors consume more IL-7: the sink (the pools shrink back a little)
    assert after == pytest.approx(before, rel=1e-9)


def test_override_in_another_unit_equals_table_unit() -> None:
    a = il7.simulate("baseline", overrides={"Q_lymph": 0.24})["IL7_serum"][-1]
    b = il7.simulate("baseline", overrides={"Q_lymph": "5.76 L/day"})["IL7_serum"][-1]
    assert a == pytest.approx(b, rel=1e-6)
    with pytest.raises(Il7Error, match=r"unknown unit 'parsecs'; age takes h, days, weeks, years$"):
        il7.simulate("baseline", overrides={"age": "5 parsecs"})


def test_graft_doses_per_kg_scale_with_the_contexts_body_weight() -> None:
    from il7 import units
    from il7.scenario import load
    from il7.simulate import scenario_overrides

    weight = load("transplant").body_weight_kg
    assert weight == 70  # the reference adult of model/interventions.yaml
    per_kg = scenario_overrides(load("transplant"), {"graft_CD34": "7.8e6 cells/kg"})
    assert per_kg["graft_CD34"] == pytest.approx(7.8e6 * weight, rel=1e-12)
    mouse = scenario_overrides(load("mouse_baseline"), {"graft_CD34": "7.8e6 cells/kg"})
    assert mouse["graft_CD34"] == pytest.approx(7.8e6 * 0.025, rel=1e-12)  # a 25-g mouse
    # the same graft written per kg or in cells gives the same run
    a = il7.simulate("transplant", overrides={"graft_T": "1e8 cells/kg"})["alloreactive_blood"]
    b = il7.simulate("transplant", overrides={"graft_T": f"{1e8 * weight:g} cells"})["alloreactive_blood"]
    assert np.allclose(a, b, rtol=1e-9)
    # and a scenario file may write it so too, in a period
    written = load(
        {
            "name": "second graft",
            "description": "a second graft a month after the first",
            "time_unit": "day",
            "periods": [{"time": "-inf"}, {"time": 30, "set": {"graft_CD34": "2e6 cells/kg"}}],
            "readouts": ["HSPC"],
            "output": {"t_end": 60, "n": 3},
        }
    )
    assert dict(written.periods[-1].set)["graft_CD34"] == pytest.approx(2e6 * weight, rel=1e-12)
    # and so may a population's range
    from il7.draws import spread

    ranged = spread("graft_T", "1e8..5e8 cells/kg", load("transplant"))
    assert (ranged.low, ranged.high) == pytest.approx((1e8 * weight, 5e8 * weight), rel=1e-12)
    with pytest.raises(Il7Error, match=r"7e\+07-7e\+10 cells, 1e\+06-1e\+09 cells/kg at this body's 70 kg"):
        spread("graft_T", "1e8..5e9 cells/kg", load("transplant"))  # bounds given as written, too
    # a well has no body weight, and the parameter table cannot hold a per-kg value
    with pytest.raises(
        Il7Error,
        match=r"^override T_fixed: 'cells/kg' is per kg of body weight, and this context has none; give T_fixed in cells$",
    ):
        il7.simulate("culture_dose", overrides={"T_fixed": "5 cells/kg"})
    with pytest.raises(
        Il7Error, match=r"^parameter 'x': 'cells/kg' is per kg of body weight, which only a scenario has"
    ):
        units.to_model(1.0, "cells/kg", where="parameter 'x'")


def test_bolus_raises_serum_il7_and_internalises_cd127() -> None:
    s = il7.load_scenario("il7_iv_bolus")
    traj = il7.simulate(s)
    baseline = il7.simulate("baseline")
    (dose,) = s.boluses
    assert (dose.amount, dose.unit, s.body_weight_kg) == (10, "ug/kg", 70.0)
    plasma_L = il7.build.parameters_by_id()["plasma"].value
    assert plasma_L is not None
    # at the dose, the plasma holds it all, unbound: 10 ug/kg x 70 kg / 3.15 L = 222,222 pg/mL
    given = dose.amount * 1e6 * s.body_weight_kg / (plasma_L * 1e3)  # pg/mL
    assert traj["IL7_serum"][0] == pytest.approx(given + baseline["IL7_serum"][0], rel=1e-3)
    assert traj["CD127_per_T"].min() < 0.8 * traj["CD127_per_T"][0]
    assert traj["IL7_serum"][-1] < 0.01 * traj["IL7_serum"][0]  # cleared within 4 days


def test_culture_dose_is_the_nominal_concentration() -> None:
    traj = il7.simulate("culture_dose")
    assert traj["IL7_tissue_conc"][0] == pytest.approx(1000.0, rel=1e-9)  # 1 ng/mL = 1000 pg/mL


def test_unknown_override_is_refused() -> None:
    with pytest.raises(Il7Error, match=r"override 'T_fixd': not a parameter \(did you mean 'T_fixed'\?\)"):
        il7.simulate("baseline", overrides={"T_fixd": 1})
    with pytest.raises(Il7Error, match="'koff_IL7Ra' is computed by the model"):
        il7.simulate("baseline", overrides={"koff_IL7Ra": 1})
    # a unit's conversion is no property of the body: with it at 1, serum IL-7 read 1.4e23 pg/mL
    for constant in ("N_avogadro", "per_uL_in_per_L", "one_cell"):
        with pytest.raises(
            Il7Error, match=rf"^override: '{constant}' is an exact constant .* set a model parameter instead"
        ):
            il7.simulate("baseline", overrides={constant: 1})
    with pytest.raises(Il7Error, match="pSTAT5_ref is a fraction; give a value from 0 to 1"):
        il7.simulate("baseline", overrides={"pSTAT5_ref": 1e6})  # ran before, naive CD4 240 -> 1.7 in a year


def test_no_steady_state_names_the_species() -> None:
    # a culture well with a source of IL-7 but no receptors and no clearance: IL-7 accumulates
    s = il7.load_scenario("culture_dose")
    no_sink = {"src_stroma": 1e9, "IL7R_expression": 0, "gc_per_T": 0}
    with pytest.raises(
        SolveError,
        match=r"scenario 'culture_dose': pre-equilibration .*IL7_tissue \(relative rate .*did not settle; "
        r".*; or start the well from its initial values \(no '- time: -inf' period\); perhaps because "
        r"IL7R_expression=0, gc_per_T=0 switch processes off before the steady state, where there may be none",
    ):
        il7.simulate(s, overrides=no_sink)
    # 0 is never noted (it switches a process off), but off from the start it was the cause unsaid
    with pytest.raises(
        SolveError, match=r"perhaps because k_export=0 switches a process off before the steady "
    ):
        il7.simulate("baseline", overrides={"k_export": 0})
    # a body must start from its steady state, so it was not told to start without one; a value set
    # outside its bounds, the likely cause, went unsaid (the note comes only with a run that went through)
    with pytest.raises(SolveError) as failed:
        il7.simulate("baseline", overrides={"gc_per_T": 2e7})
    said = str(failed.value)
    assert said.endswith(
        "; perhaps because gc_per_T = 2e+07 molecules/cell lies outside its bounds (300 to 20000 molecules/cell)"
    )
    assert "pre-equilibration" in said and "initial values" not in said


def test_a_failed_run_of_a_users_file_names_the_file(tmp_path: Path) -> None:
    # a built-in is known by its name; a user's scenario is found by its file
    stiff = tmp_path / "stiff.yaml"
    # a well with an IL-7 source and nothing that removes IL-7 (a dose too large for the solver,
    # 1e300 ug/kg, did this before doses were held to values.MAX_DOSE)
    stiff.write_text(
        "name: stiff\ndescription: a well whose IL-7 accumulates\ncontext: culture_well\n"
        "time_unit: day\nperiods:\n  - time: -inf\n    set: {src_stroma: 1e9, IL7R_expression: 0, gc_per_T: 0}\n"
        "  - time: 0\nreadouts: [CD4_blood]\noutput: {t_end: 3, n: 4}\n"
    )
    with pytest.raises(SolveError, match=rf"scenario 'stiff' \({re.escape(str(stiff))}\): pre-equilibration"):
        il7.simulate(stiff)
    # and a failure during the course: a dose past values.MAX_DOSE, set in Python past the file's check
    course = tmp_path / "course.yaml"
    course.write_text(
        "name: stiff\ndescription: a dose too large for the solver\ncontext: human_body\n"
        "time_unit: day\nperiods:\n  - time: -inf\n  - time: 0\n"
        "    dose: {drug: IL7, amount: 10, unit: ug/kg, route: iv}\n"
        "readouts: [CD4_blood]\noutput: {t_end: 3, n: 4}\n"
    )
    huge = il7.load_scenario(course)
    periods = tuple(
        dataclasses.replace(p, doses=tuple(dataclasses.replace(d, amount=1e300) for d in p.doses))
        for p in huge.periods
    )
    with pytest.raises(SolveError, match=rf"scenario 'stiff' \({re.escape(str(course))}\): at day 0"):
        il7.simulate(dataclasses.replace(huge, periods=periods))


def test_undefined_rates_are_named_as_such_in_one_short_line() -> None:
    # K_survival^n / (K_survival^n + 0^n) is 0/0 before any IL-7 arrives
    with pytest.raises(SolveError, match=r"are not numbers \(NaN or infinite\)") as info:
        il7.simulate("culture_dose", overrides={"K_survival": 0})
    assert "more are not numbers" in str(info.value) and len(str(info.value)) < 400


def test_zero_divisor_is_refused() -> None:
    def refused(pid: str) -> str:
        return rf"{pid} divides in the model \(its formulas or its doses\) and cannot be 0"

    with pytest.raises(Il7Error, match=refused("IL7Ra_per_T")):
        il7.simulate("baseline", overrides={"IL7Ra_per_T": 0})
    with pytest.raises(Il7Error, match=refused("tissue")):
        il7.simulate("baseline", overrides={"tissue": "0 L"})
    # a molar mass turns a dose in ug into molecules: 0 ended in a ZeroDivisionError traceback
    with pytest.raises(Il7Error, match=refused("mw_IL7")):
        il7.simulate("il7_iv_bolus", overrides={"mw_IL7": 0})
    # and a negative value is told it must be above 0, not 'at least 0', which 0 then is not
    with pytest.raises(Il7Error, match=r"-1 is negative; tissue must be > 0 \(L\)"):
        il7.simulate("baseline", overrides={"tissue": -1})


def test_a_run_with_overrides_is_named_after_them() -> None:
    # its figure's title and table's heading then tell it from the scenario's own run
    assert il7.simulate("culture_dose").scenario == "culture_dose"
    changed = il7.simulate("culture_dose", overrides={"K_survival": 2.0, "tissue": "400 uL"})
    assert changed.scenario == "culture_dose with K_survival=2, tissue=400 uL"


def test_engine_steady_state_stays_put_for_a_year() -> None:
    # it asserted only the engine's own settled test (_unsettled), the one steady_state returns on
    eng = engine()
    eng.start({})
    eng.steady_state()
    settled = eng.snapshot()
    eng.select([])
    eng.advance(0.0, 24.0 * 365.0, np.array([]))
    moved = np.abs(eng.snapshot() - settled) / (np.abs(settled) + 1.0)  # + 1 molecule or cell
    assert moved.max() < 1e-4, eng.species[int(np.argmax(moved))]


def test_trajectory_exports(tmp_path: Path) -> None:
    traj = il7.simulate("culture_dose")
    frame = traj.to_pandas()
    assert frame.columns[0] == "IL7_tissue_conc [pg/mL]"
    csv = traj.write(tmp_path / "t.csv")
    parquet = traj.write(tmp_path / "t.parquet")
    assert pd.read_csv(csv, index_col=0).shape == frame.shape
    assert np.allclose(pd.read_parquet(parquet).to_numpy(), frame.to_numpy())
    with pytest.raises(Il7Error, match=r"use a \.csv or \.parquet file name"):
        traj.write(tmp_path / "t.xlsx")


def test_trajectory_is_indexed_by_readout_name() -> None:
    traj = il7.simulate("culture_dose")
    assert "pSTAT5_frac" in traj and "time" not in traj and list(traj) == list(traj.columns)
    with pytest.raises(
        Il7Error, match=r"indexed by readout name, not by a int; use traj\['IL7_tissue_conc'\]"
    ):
        traj[0]  # type: ignore[index]
    with pytest.raises(Il7Error, match=r"no readout 'pSTAT5' \(did you mean 'pSTAT5_frac'"):
        traj["pSTAT5"]


def test_plot_takes_and_returns_axes() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = il7.simulate("culture_dose").plot(ax=ax, readouts=("CD127_per_T",))
    assert out is ax and len(ax.lines) == 1
    # runs compared on one axes are told apart (five dose arms had five identical legend entries)
    il7.simulate("culture_dose").plot(ax, ("CD127_per_T",), label="again")
    names = [line.get_label() for line in ax.lines]
    assert names == ["culture_dose: CD127_per_T [molecules/cell]", "again: CD127_per_T [molecules/cell]"]
    plt.close(fig)
    # a file's name, as il7 simulate --plot takes it, ended in matplotlib's AttributeError
    with pytest.raises(
        Il7Error, match=r"not on str 'x.png'; to write a picture, traj.figure\(\).savefig\(path\)"
    ):
        il7.simulate("culture_dose").plot("x.png")  # type: ignore[arg-type]
    # a run's own figure keeps the name in its title, not in every legend entry (it covered the curves)
    figure = il7.simulate("culture_dose").figure()
    labels = [line.get_label() for axes in figure.axes for line in axes.lines]
    assert labels and not any(label.startswith("culture_dose") for label in labels)
    plt.close(figure)
    # each panel's legend lies below it: inside, sportes_2008's covered the whole CD4 rise
    figure = il7.simulate("sportes_2008").figure()
    figure.canvas.draw()
    for axes in figure.axes:
        legend = axes.get_legend().get_window_extent()
        assert legend.y1 < axes.get_window_extent().y0
    plt.close(figure)


def test_a_panel_whose_values_span_decades_is_drawn_on_a_log_axis() -> None:
    # blasts from 1e6 to 3.5e10 cells (at the guessed rates then) showed as a flat line and a jump on a
    # linear axis
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # (blasts dividing at 0.6/day: the scenario's own grow 36-fold, a linear panel)
    trajectory = il7.simulate("leukaemia_il7r_gof", overrides={"r_leuk_max": "0.6 1/day"})
    fig = trajectory.figure()
    scales = {ax.get_ylabel(): ax.get_yscale() for ax in fig.axes}
    assert scales == {"cells": "log", "pg/mL": "linear"}
    # serum IL-7 stays at the healthy adult's level: drawn flat (+-5%), not as 1e-11 of solver
    # noise filling the panel
    level = trajectory["IL7_serum_total"][0]
    low, high = next(ax for ax in fig.axes if ax.get_ylabel() == "pg/mL").get_ylim()
    assert low < 0.96 * level and high > 1.04 * level
    plt.close(fig)


def test_parameter_table_and_sbml_export(tmp_path: Path) -> None:
    table = il7.parameter_table()
    assert {"value", "unit", "status", "source", "note"} <= set(table.columns)
    # derived parameters carry the value the model computes, in the table's unit: the formula
    # Kd_IL7Ra = Kd_IL7Ra_unglyc / glyco_affinity_gain, and the reference adult's IL-7-driven
    # division, which at steady state equals the division derived for it (p_ref_n4)
    assert not table["value"].isna().any()
    kd = table.loc["Kd_IL7Ra_unglyc", "value"] / table.loc["glyco_affinity_gain", "value"]
    assert table.loc["Kd_IL7Ra", "value"] == pytest.approx(kd, rel=1e-9)
    assert table.loc["p_IL7_n4", "value"] == pytest.approx(table.loc["p_ref_n4", "value"], rel=1e-3)
    # a fitted value on a bound of its fit is said so (the S3C/S3D fit puts gc at its lower bound)
    fitted = table[table["status"] == "fitted"]
    on_bound = fitted[(fitted["value"] == fitted["lower"]) | (fitted["value"] == fitted["upper"])]
    assert set(table.index[table["at_bound"] != ""]) == set(on_bound.index) and len(on_bound) >= 1
    assert table.loc["gc_per_T", "at_bound"] == "lower" and table.loc["k_gc_on", "at_bound"] == ""
    text = il7.export_sbml(tmp_path / "m.xml")
    assert (tmp_path / "m.xml").read_text() == text


def test_a_dose_before_the_first_output_time_is_integrated_through() -> None:
    from il7.scenario import load

    def run(times: list[float]) -> float:
        s = load(
            {
                "name": "late grid",
                "description": "dose at 0, outputs from 5 h",
                "context": "human_body",
                "time_unit": "h",
                "periods": [
                    {"time": "-inf"},
                    {"time": 0, "dose": {"drug": "IL7", "amount": 10, "unit": "ug/kg", "route": "iv"}},
                ],
                "readouts": ["IL7_serum"],
                "output": {"times": times},
            }
        )
        return float(il7.simulate(s)["IL7_serum"][-1])

    assert run([5.0, 10.0]) == pytest.approx(run([0.0, 5.0, 10.0]), rel=1e-4)


def test_doses_in_minutes_land_at_their_time() -> None:
    from il7.scenario import load

    s = load(
        {
            "name": "minutes",
            "description": "two doses in minutes",
            "context": "culture_well",
            "time_unit": "min",
            "periods": [
                {"time": "-inf"},
                {
                    "time": 0,
                    "dose": {
                        "drug": "IL7",
                        "amount": 100,
                        "unit": "pg/mL",
                        "route": "medium",
                        "every": 7,
                        "count": 3,
                    },
                },
            ],
            "readouts": ["IL7_tissue_conc"],
            "output": {"times": [0, 6.9, 7.0, 13.9, 14.0]},
        }
    )
    medium = il7.simulate(s)["IL7_tissue_conc"]
    # each dose adds its 100 pg/mL to the medium (the cells take up a little in the 0.1 day before)
    assert medium[2] - medium[1] == pytest.approx(100, rel=0.01)
    assert medium[4] - medium[3] == pytest.approx(100, rel=0.01)


@pytest.mark.parametrize(("gene", "readout"), [("IL7R", "CD127_per_T"), ("IL2RG", "gc_per_T_surface")])
def test_knockouts_remove_their_gene_product_and_the_signal(gene: str, readout: str) -> None:
    from il7.scenario import load

    def run(knockout: list[str]) -> il7.Trajectory:
        return il7.simulate(
            load(
                {
                    "name": "ko",
                    "description": "knockout in culture",
                    "context": "culture_well",
                    "time_unit": "min",
                    "periods": [
                        {"time": "-inf", "knockout": knockout},
                        {"time": 0, "dose": {"drug": "IL7", "amount": 1, "unit": "ng/mL", "route": "medium"}},
                    ],
                    "readouts": [readout, "pSTAT5_frac"],
                    "output": {"times": [0, 10]},
                }
            )
        )

    wild, ko = run([]), run([gene])
    assert wild[readout][0] > 100 and ko[readout][0] < 1e-6 * wild[readout][0]
    assert ko["pSTAT5_frac"][-1] < 1e-3 * wild["pSTAT5_frac"][-1]


def test_without_gc_precursors_get_no_il7_signal_as_without_il7ralpha() -> None:
    """The gc knockout once removed gc from mature T cells only: a gc-deficient mouse kept a
    normal thymus and B-cell development (gc-deficient mice have hypoplastic thymuses and few B
    cells, Immunity 1995;2:223). Now its precursors are those of the IL-7Ralpha knockout; a
    human without gc keeps B cells, as in X-SCID."""
    from il7.experiments import steady_state

    readouts = ("thymus_cells", "preB", "matB")
    wild = steady_state("mouse_body", readouts)
    gc = steady_state("mouse_body", readouts, knockouts=("IL2RG",))
    il7r = steady_state("mouse_body", readouts, knockouts=("IL7R",))
    assert gc["thymus_cells"] < 0.1 * wild["thymus_cells"]
    assert gc["thymus_cells"] == pytest.approx(il7r["thymus_cells"], rel=1e-6)
    assert gc["preB"] + gc["matB"] < 1e-3 * (wild["preB"] + wild["matB"])
    human = steady_state("human_body", ("B_blood",), knockouts=("IL2RG",))
    assert human["B_blood"] > 0.8 * steady_state("human_body", ("B_blood",))["B_blood"]


def test_a_thymectomy_stops_export_and_no_thymus_before_the_steady_state_is_said() -> None:
    """A thymectomy by k_export = 0 piled thymocytes up in thymus_cells; thymus_present = 0 stops
    export and empties the readout. Set before the steady state it gives no athymic body (the pools
    start at the reference sizes and division holds some: in a mouse naive CD8 stay above the wild
    type's), which a note says; a knockout FOXN1 had offered it as the nude mouse."""
    from il7.experiments import steady_state

    wild = steady_state("mouse_body", ("naive_CD8_blood",))
    mouse = il7.load_scenario("mouse_baseline").with_readouts(["thymus_cells", "naive_CD8_blood"])
    with pytest.warns(il7.Il7Warning, match=r"thymus_present is 0 before the steady state: the T-cell pools"):
        held = il7.simulate(mouse, overrides={"thymus_present": 0})
    assert held["thymus_cells"][0] == 0 and held["naive_CD8_blood"][0] > wild["naive_CD8_blood"]
    thymectomy = il7.load_scenario(
        {
            "name": "thymectomy",
            "description": "an adult thymectomy",
            "context": "human_body",
            "time_unit": "day",
            "periods": [{"time": "-inf"}, {"time": 0, "set": {"thymus_present": 0}}],
            "readouts": ["thymus_cells", "naive_from_thymus", "naive_CD4_blood"],
            "output": {"times": [0, 1, 3650]},
        }
    )
    run = il7.simulate(thymectomy)
    assert run["thymus_cells"][0] == run["thymus_cells"][1] == 0 and run["naive_from_thymus"][1] == 0
    assert run["naive_CD4_blood"][2] < 0.85 * run["naive_CD4_blood"][0]


def test_marginal_zone_and_b1_cells_hold_their_number_when_the_marrow_stops() -> None:
    """After RAG-2 was deleted in adult mice, marginal-zone and B-1 B cells "were kept at normal
    level" while follicular B cells were lost (Hao & Rajewsky 2001, J Exp Med 194:1151, abstract).
    With no new B cells from the marrow for a year, the self-renewing pool stays at its niche and
    the marrow-derived one empties."""
    mouse = il7.load_scenario(
        {
            "name": "no marrow B cells",
            "description": "a mouse whose marrow stops making B cells",
            "context": "mouse_body",
            "time_unit": "day",
            "periods": [{"time": "-inf"}, {"time": 0, "set": {"proB_influx": "0 cells/day"}}],
            "readouts": ["matB", "B_self"],
            "output": {"times": [0, 365]},
        }
    )
    run = il7.simulate(mouse)
    assert run["B_self"][1] == pytest.approx(run["B_self"][0], rel=1e-2)
    assert run["matB"][1] < 0.01 * run["matB"][0]


def test_transitional_b_cells_pass_on_their_maturing_share_and_count_outside_the_marrow() -> None:
    """Newly formed B cells leave the marrow as transitional cells (transB), which mature at
    frac_transB_mature x k_transB_out and die at the rest of k_transB_out. At the mouse's steady
    state the mature pool's loss equals what the stage passes on, the stage holds the marrow's
    output for 1 / k_transB_out, and B_peripheral counts the three pools outside the marrow."""
    from il7 import build

    table = build.parameters_by_id()
    frac, out = (float(table[k].value or 0) for k in ("frac_transB_mature", "k_transB_out"))
    k_imm_out, d_mat = (float(table[k].value or 0) for k in ("k_imm_out", "d_matB"))
    mouse = experiments.steady_state("mouse_body", ["immB", "transB", "matB", "B_self", "B_peripheral"])
    assert 0 < frac < 1 and mouse["transB"] > 0
    assert mouse["transB"] * out == pytest.approx(mouse["immB"] * k_imm_out, rel=1e-4)
    assert mouse["matB"] * d_mat == pytest.approx(mouse["transB"] * frac * out, rel=1e-4)
    assert mouse["B_peripheral"] == pytest.approx(mouse["transB"] + mouse["matB"] + mouse["B_self"], rel=1e-9)


def test_il7_knockout_leaves_no_serum_il7() -> None:
    from il7.scenario import load

    traj = il7.simulate(
        load(
            {
                "name": "il7 ko",
                "description": "no IL-7 sources",
                "context": "human_body",
                "time_unit": "day",
                "periods": [{"time": "-inf", "knockout": "IL7"}],
                "readouts": ["IL7_serum_total", "pSTAT5_frac"],
                "output": {"t_end": 1, "n": 2},
            }
        )
    )
    assert traj["IL7_serum_total"][0] < 1e-9 and traj["pSTAT5_frac"][0] < 1e-9


def test_infusion_raises_serum_il7_while_it_runs() -> None:
    from il7.scenario import load

    traj = il7.simulate(
        load(
            {
                "name": "infusion",
                "description": "IL-7 infused for a day",
                "context": "human_body",
                "time_unit": "h",
                "periods": [
                    {"time": "-inf"},
                    {"time": 0, "infusion": {"drug": "IL7", "rate": 10, "unit": "ug/kg/day", "duration": 24}},
                ],
                "readouts": ["IL7_serum"],
                "output": {"times": [0, 12, 24, 72]},
            }
        )
    )
    serum = traj["IL7_serum"]
    # 700 ug/day into 3.15 L with clearance of hours: serum rises by orders of magnitude, then falls back
    assert serum[1] > 100 * serum[0] and serum[2] > 100 * serum[0]
    assert serum[3] < 0.1 * serum[2]


@pytest.mark.parametrize(
    ("infusion", "message"),
    [
        (
            {"drug": "IL7", "rate": 1, "unit": "ug/kg", "duration": -1},
            r"infusion.unit: 'ug/kg' is not an infusion rate unit.*infusion.duration: '-1' must be a positive time",
        ),
        # times in a scenario are numbers in its time_unit; '2 day' is told so, not only 'positive'
        (
            {"drug": "IL7", "rate": 1, "unit": "ug/kg/day", "duration": "2 day"},
            r"infusion.duration: '2 day' must be a positive time, a bare number in the scenario's time_unit \(day\)",
        ),
        (
            {"drug": "CYT107", "rate": 1, "unit": "ug/kg/h", "duration": 1},
            r"CYT107 cannot be infused \(the model has an infusion only for IL7, anti_CD127\); give it as a dose",
        ),
    ],
)
def test_an_infusion_error_says_what_and_how_to_fix_it(infusion: dict[str, object], message: str) -> None:
    from il7.errors import ScenarioError
    from il7.scenario import load

    with pytest.raises(ScenarioError, match=message):
        load(
            {
                "name": "bad infusion",
                "description": "x",
                "context": "human_body",
                "time_unit": "day",
                "periods": [{"time": "-inf"}, {"time": 0, "infusion": infusion}],
                "output": {"t_end": 1, "n": 2},
            }
        )


def test_blood_t_cells_are_occupied_within_hours_while_the_tissues_wait_for_the_antibody() -> None:
    """Blood T cells bind the plasma's antibody within minutes; the T cells in tissue fluid see it
    only as it escapes the capillaries (PS_Ab), over days."""
    from il7.scenario import load

    traj = il7.simulate(
        load(
            {
                "name": "one antibody dose",
                "description": "1 mg/kg SC",
                "context": "human_body",
                "time_unit": "h",
                "periods": [
                    {"time": "-inf"},
                    {"time": 0, "dose": {"drug": "anti_CD127", "amount": 1, "unit": "mg/kg", "route": "sc"}},
                ],
                "readouts": ["anti_CD127_occupancy_blood", "anti_CD127_occupancy"],
                "output": {"times": [0, 2, 168, 24 * 120]},
            }
        )
    )
    blood, tissue = traj["anti_CD127_occupancy_blood"], traj["anti_CD127_occupancy"]
    assert blood[0] == 0 and tissue[0] == 0
    assert blood[1] > 0.9 and tissue[1] < 0.01  # 2 h
    assert blood[2] > 0.95 and tissue[2] > 0.9  # a week: both blocked
    assert blood[3] < 0.01  # the antibody has gone by day 120


def _naive_cd4_reference() -> tuple[float, float]:
    """The reference adult's naive CD4 T cells from the table: their turnover (per year) and the
    thymus's share of their production (tcells.ant's loss_n4 and 1 - p_ref_n4 / loss_n4)."""
    v = {p.id: p.value for p in il7.build.parameters()}  # table units: cells, years
    loss = np.log(2) / v["halflife_naive_CD4"]
    export = v["thymic_output_young"] * np.exp(-v["thymic_decline"] * v["age_ref"])
    export_cd4 = export * v["frac_export_CD4"] * (1 - v["frac_export_Treg"])
    return loss, export_cd4 / (v["Tn4_ref"] * loss)


def test_trecs_follow_thymic_production_and_are_diluted_by_division() -> None:
    """A thymectomy stops new TRECs: TREC-carrying naive CD4 T cells fall with the naive cells'
    turnover (half-life 4.2 years) while division holds the naive pool up; at the reference the
    share of naive CD4 T cells carrying one is the thymus's share of their production."""
    from il7.scenario import load

    traj = il7.simulate(
        load(
            {
                "name": "thymectomy",
                "description": "the thymus removed at 30",
                "context": "human_body",
                "time_unit": "day",
                "periods": [{"time": "-inf"}, {"time": 0, "set": {"k_export": "0 1/day"}}],
                "readouts": ["naive_CD4_blood", "TREC_naive_CD4_blood", "TREC_per_naive_CD4"],
                "output": {"times": [0, 5 * 365.25]},
            }
        )
    )
    naive, trec = traj["naive_CD4_blood"], traj["TREC_naive_CD4_blood"]
    assert trec[1] / trec[0] < 0.5 < 0.7 < naive[1] / naive[0]
    assert traj["TREC_per_naive_CD4"][1] < traj["TREC_per_naive_CD4"][0]
    # at the reference adult: the thymic share of naive CD4 production (tcells.ant's p_ref_n4)
    _, share = _naive_cd4_reference()
    assert traj["TREC_per_naive_CD4"][0] == pytest.approx(share, rel=1e-2)


def test_ki67_counts_the_cells_that_divided_within_its_lifetime() -> None:
    """At the reference adult a naive CD4 T cell divides at p (its turnover less the thymus's
    share), each division leaves two Ki-67-positive cells, and the marker fades at k_cycle_exit
    while cells leave at the turnover: the positive share is 2p / (p + k_cycle_exit + turnover).
    Through a transplant, whose conditioning empties the pools and whose graft refills them, and
    the mouse's anti-CD127 course, where memory CD8 division falls below none (a loss), no share
    leaves [0, 1]."""
    from il7.scenario import load

    baseline = il7.simulate(load("baseline").with_readouts(["Ki67_naive_CD4"]).with_output(t_end=1))
    loss, thymic = _naive_cd4_reference()
    p = loss * (1 - thymic)  # division per year
    fade = il7.build.parameters_by_id()["k_cycle_exit"].value * 24 * 365.25  # per year, from per hour
    assert baseline["Ki67_naive_CD4"][0] == pytest.approx(2 * p / (p + fade + loss), rel=1e-2)

    shares = [
        "Ki67_CD4",
        "Ki67_CD8",
        "Ki67_naive_CD4",
        "Ki67_memory_CD4",
        "Ki67_naive_CD8",
        "Ki67_memory_CD8",
    ]
    for scenario in ("transplant", "mouse_anti_cd127"):
        traj = il7.simulate(load(scenario).with_readouts(shares))
        for share in shares:
            values = np.asarray(traj[share])
            assert np.all(values >= 0) and np.all(values <= 1), (scenario, share)


def test_a_well_before_its_dose_holds_no_il7_complex_not_a_tail() -> None:
    """The steady state sets to 0 what the solver leaves within its absolute tolerance of 0, on
    either side: a culture well without IL-7 read +1e-19 IL-7:IL-7Ralpha complexes and a pSTAT5
    of 1e-26 before its dose, which il7 simulate then called a tail from 0 h."""
    well = il7.load_scenario("culture_dose").with_readouts(["pSTAT5_frac", "JAK_active_per_T", "IL7_IL7Ra_T"])
    traj = il7.simulate(well)  # the dose is given at 0 h; the signal follows it
    assert traj["pSTAT5_frac"][0] == 0 and traj["JAK_active_per_T"][0] == 0 and traj["IL7_IL7Ra_T"][0] == 0
    assert traj["pSTAT5_frac"][1] > 0.5  # 15 min after the dose


def test_an_antibody_infusion_over_an_hour_gives_what_the_same_iv_bolus_gives() -> None:
    from il7.scenario import load

    def serum(route: dict[str, object]) -> float:
        traj = il7.simulate(
            load(
                {
                    "name": "antibody IV",
                    "description": "2 mg/kg",
                    "context": "human_body",
                    "time_unit": "h",
                    "periods": [{"time": "-inf"}, {"time": 0, **route}],
                    "readouts": ["anti_CD127_serum"],
                    "output": {"times": [0, 168]},
                }
            )
        )
        return float(traj["anti_CD127_serum"][-1])

    bolus = serum({"dose": {"drug": "anti_CD127", "amount": 2, "unit": "mg/kg", "route": "iv"}})
    drip = serum({"infusion": {"drug": "anti_CD127", "rate": 2, "unit": "mg/kg/h", "duration": 1}})
    assert bolus > 1e4  # ng/mL a week later
    assert drip == pytest.approx(bolus, rel=0.02)


def test_species_readouts_are_labelled_cells_or_molecules() -> None:
    from il7.simulate import readout_unit

    assert readout_unit("Tn4") == "cells"
    assert readout_unit("matB") == "cells"
    assert readout_unit("IL7Ra_T") == "molecules"  # a receptor that occurs in T cells is not a cell
    assert readout_unit("gc_T") == "molecules"


def test_age_acts_through_thymic_output_not_through_the_reference() -> None:
    """An older person has fewer naive CD4 T cells and, with fewer consumers, more serum IL-7;
    the T-cell thresholds stay those of the reference adult (age_ref)."""
    from il7.scenario import load

    def at(age: float) -> tuple[float, float]:
        scenario = load(
            {
                "name": f"age {age}",
                "description": "a body at steady state",
                "context": "human_body",
                "time_unit": "day",
                "periods": [{"time": "-inf", "set": {"age": f"{age} years"}}],
                "readouts": ["naive_CD4_blood", "IL7_serum_total"],
                "output": {"times": [0, 1]},
            }
        )
        traj = il7.simulate(scenario)
        return float(traj["naive_CD4_blood"][0]), float(traj["IL7_serum_total"][0])

    (young_naive, young_il7), (old_naive, old_il7) = at(20), at(70)
    assert old_naive < 0.9 * young_naive
    assert old_il7 > young_il7


def test_the_thymus_grows_no_further_than_its_niches_and_they_shrink_with_age() -> None:
    """Early thymocytes compete for stromal niches (DN_niche_fill filled at the reference): IL-7
    that saturates the thymic niche for two months grows the thymus, but by less than
    1 / DN_niche_fill; and since the niches shrink with age as the progenitor supply does, thymic
    export still falls with age as Lewkiewicz's exp(-thymic_decline x age)."""
    from il7.build import parameters
    from il7.scenario import load

    values = {p.id: p.value for p in parameters()}

    def run(age: float, infusion: dict[str, object] | None) -> il7.Trajectory:
        start: dict[str, object] = {"time": "-inf", "set": {"age": f"{age} years"}}
        periods = [start] + ([{"time": 0, "infusion": infusion}] if infusion else [])
        return il7.simulate(
            load(
                {
                    "name": f"thymus at {age}",
                    "description": "a body at steady state, with or without IL-7 infused",
                    "context": "human_body",
                    "time_unit": "day",
                    "periods": periods,
                    "readouts": ["thymus_cells", "thymic_export", "S_thy"],
                    "output": {"times": [0, 30, 60]},
                }
            )
        )

    flooded = run(30, {"drug": "IL7", "rate": 100, "unit": "ug/kg/day", "duration": 60})
    assert flooded["S_thy"][-1] > 0.99  # the niche is saturated
    grown = flooded["thymus_cells"][-1] / flooded["thymus_cells"][0]
    assert 1.5 < grown < 1 / values["DN_niche_fill"]
    young, old = run(20, None)["thymic_export"][0], run(70, None)["thymic_export"][0]
    assert old / young == pytest.approx(np.exp(-values["thymic_decline"] * 50), rel=1e-3)


def test_progenitors_reach_the_thymus_as_the_marrow_has_them() -> None:
    """ETP_influx follows the marrow's progenitors: conditioning that removes 99% of them takes the
    influx down with them (it once stayed at the healthy level)."""
    traj = il7.simulate(il7.load_scenario("transplant").with_readouts(["ETP_influx", "HSPC_rel"]))
    influx, marrow = traj["ETP_influx"], traj["HSPC_rel"]
    day0 = int(np.argmin(marrow))
    assert marrow[day0] < 0.1
    assert influx[day0] / influx[0] == pytest.approx(marrow[day0] / marrow[0], rel=1e-6)


def test_ex_vivo_il7_assay_reads_the_drug_and_nothing_else() -> None:
    """The target-engagement assay gives the same IL-7-induced pSTAT5 before and on a course at
    dose 0, a strong response (IL-7 at 10 ng/mL saturates), and much less at the antibody's trough."""
    placebo = il7.load_scenario("anti_cd127_q2w").with_dose(0.0)
    before = experiments.il7_induced_pstat5(placebo, -1.0)
    assert before > 0.5
    assert experiments.il7_induced_pstat5(placebo, 14.0) == pytest.approx(before, rel=1e-3)
    treated = il7.load_scenario("anti_cd127_q2w").with_dose(1.0)
    assert experiments.il7_induced_pstat5(treated, 14.0) < 0.5 * before


def test_overrides_replace_the_steady_state_settings_and_refuse_later_ones() -> None:
    # levy_2012 sets k_deplete_CD4 before its steady state: an override replaces it
    hiv = il7.simulate(il7.load_scenario("levy_2012").with_output(t_end=1), overrides={"k_deplete_CD4": 0})
    assert hiv["CD4_blood"][0] == pytest.approx(experiments.body_steady_state()["CD4_blood"], rel=0.01)
    # transplant switches conditioning on during its course: an override cannot say when
    with pytest.raises(
        Il7Error, match=r"override k_condition: scenario 'transplant' itself changes it at day -7"
    ):
        il7.simulate("transplant", overrides={"k_condition": 1})
    with pytest.raises(Il7Error, match=r"give a mapping of parameter id to value.*not a list"):
        il7.simulate("baseline", overrides=[("age", 60)])  # type: ignore[arg-type]
    with pytest.raises(Il7Error, match=r"override '1': not a parameter id; ids are strings"):
        il7.simulate("baseline", overrides={1: 60})  # type: ignore[dict-item]


def test_a_well_refuses_a_body_with_no_reference_adult_too() -> None:
    """The T-cell thresholds come from the reference adult in a well as in a body; where none
    exists they are not numbers, and NaN x the well's empty pools spread to every rate (a failed
    steady state before). Now the same one-line refusal as in the body."""
    with pytest.raises(Il7Error, match=r"admit no reference adult: the thymus alone would more than fill"):
        il7.simulate("culture_dose", overrides={"thymic_output_young": "5e10 cells/year"})


def test_settings_during_a_scenario_are_checked_like_overrides() -> None:
    from il7.scenario import load

    def scenario(at: float, output_end: float) -> il7.Scenario:
        return load(
            {
                "name": "late change",
                "description": "a change during the course",
                "time_unit": "day",
                "periods": [{"time": "-inf"}, {"time": at, "set": {"thymic_output_young": 5e12}}],
                "readouts": ["CD4_blood"],
                "output": {"t_end": output_end, "n": 3},
            }
        )

    with pytest.raises(Il7Error, match=r"admit no reference adult"):
        il7.simulate(scenario(1, 2))
    # a change after the last output time cannot show, and is not simulated
    healthy = experiments.body_steady_state()["CD4_blood"]
    assert il7.simulate(scenario(1e300, 2))["CD4_blood"][-1] == pytest.approx(healthy, rel=0.01)


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("levy_2012", {}),  # the pre-equilibration's setting over the table
        ("levy_2012", {"k_deplete_CD4": 0.005}),  # an override over it
        ("culture_dose", {"tissue": "300 uL"}),  # over the context, in another unit
        ("sil7r_high", {}),
    ],
)
def test_values_in_run_are_what_prepare_sets(name: str, overrides: dict[str, object]) -> None:
    from il7.simulate import prepare, scenario_overrides, values_in_run

    chosen = il7.load_scenario(name)
    resolved = scenario_overrides(chosen, overrides)
    eng = engine()
    prepare(eng, chosen, resolved)
    values = values_in_run(chosen, resolved)
    assert values and all(eng.get(key) == pytest.approx(value, rel=1e-12) for key, value in values.items())


def test_non_integer_hill_exponents_run_after_il7_is_used_up() -> None:
    """Once a well has used its IL-7 up, the solver leaves pSTAT5 a hair below 0 (1e-17); the Hill
    terms take the fraction's size, so non-integer exponents (within their bounds) still give
    numbers (they made the integrator fail before)."""
    overrides = {"n_survival": 2.2, "n_tx_IL7RA": 1.1, "n_prolif": 4.4, "n_commit": 2.2}
    traj = il7.simulate("culture_dose", overrides=overrides)
    assert traj["pSTAT5_frac"][-1] < 1e-3 and np.all(traj["pSTAT5_frac"] > -1e-12)  # IL-7 gone by 24 h
    for readout in ("survival_signal", "proliferation_signal"):
        assert np.all(traj[readout] >= 0) and np.all(traj[readout] <= 1)


_TWO_RUNS = (
    "import il7\n"
    "from il7.simulate import simulate_many\n"
    "runs = [(il7.load_scenario('baseline'), {})] * 2\n"
    "try:\n"
    "    list(simulate_many(runs, jobs=2))\n"
    "except il7.Il7Error as exc:\n"
    "    print('IL7ERROR', exc)\n"
)
"""A script that runs twice in two worker processes, with no __main__ guard."""


def test_worker_processes_that_cannot_start_give_an_error_that_names_the_fix() -> None:
    # code read from standard input cannot be re-imported by spawned processes
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-"], input=_TWO_RUNS, capture_output=True, text=True, timeout=120)
    assert "IL7ERROR jobs=2 (--jobs): a worker process stopped" in done.stdout
    assert "run with jobs=1" in done.stdout


def test_a_script_without_a_main_guard_hears_so_in_a_line_per_worker(tmp_path: Path) -> None:
    # each spawned worker re-runs the script's top level, which starts runs again: the workers
    # stop with one line each (not a traceback each), and the parent's error names the fix
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(_TWO_RUNS)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert "IL7ERROR jobs=2 (--jobs): a worker process stopped" in done.stdout
    assert "if __name__ == '__main__'" in done.stdout
    said = [line for line in done.stderr.splitlines() if line]  # two workers' lines may interleave
    assert said and "Traceback" not in done.stderr, done.stderr
    assert all(
        line.startswith("il7: a worker process re-ran the top level of the script") for line in said
    ), done.stderr


def test_simulate_many_returns_each_runs_result_or_its_error_in_order() -> None:
    from il7.simulate import simulate_many

    baseline = il7.load_scenario("baseline")
    results = list(simulate_many([(baseline, {"age": 40}), (baseline, {"agee": 40}), (baseline, {})]))
    assert isinstance(results[0], il7.Trajectory) and isinstance(results[2], il7.Trajectory)
    assert isinstance(results[1], Il7Error) and "did you mean 'age'" in str(results[1])
    assert np.allclose(results[2].data, il7.simulate(baseline).data)
    with pytest.raises(Il7Error, match=r"jobs \(--jobs\) -1 must be a whole number"):
        list(simulate_many([(baseline, {})], jobs=-1))


def test_the_treated_hiv_body_starts_where_calibrate_therapy_puts_it() -> None:
    # levy_2012's k_deplete_CD4 comes from `il7 calibrate --therapy` (copied by hand until --write
    # wrote it); after later changes to the model it had gone stale (263 CD4 cells/uL, not 250)
    from il7.calibrate import HIV_CD4_TARGET

    before = experiments.course(il7.load_scenario("levy_2012").with_output(t_end=1))["CD4_blood"][0]
    assert before == pytest.approx(HIV_CD4_TARGET, rel=0.01)


def test_calibrate_therapy_writes_the_treated_hiv_body_into_its_scenario(tmp_path: Path) -> None:
    # the value was copied by hand from `il7 calibrate --therapy` and went stale; --write now writes it
    from il7 import calibrate

    copy = tmp_path / "levy.yaml"
    copy.write_text((il7.scenario.builtin_dir() / "levy_2012.yaml").read_text())
    calibrate.write_hiv_body(0.0041234, copy)
    assert dict(il7.load_scenario(copy).periods[0].set)["k_deplete_CD4"] == pytest.approx(0.00412 / 24)
    copy.write_text("name: x\n")
    with pytest.raises(Il7Error, match=r"expected one 'k_deplete_CD4: VALUE 1/day' setting; restore it"):
        calibrate.write_hiv_body(0.004, copy)


def test_calibrate_therapy_keeps_an_absorbed_share_no_value_of_which_reaches_daix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an IV/IM ratio that no absorbed share within its bounds reaches (as once no ka_CYT107 did)
    # stopped the antibody and HIV-body fits too; now F_CYT107 is kept (not written) with a line that
    # says why. The three measures are stood in for (each is a model run of minutes); the logic
    # between them is what is tested.
    from il7 import calibrate, experiments

    monkeypatch.setattr(experiments, "iv_over_im_peak", lambda overrides: 150.0 + overrides["F_CYT107"])
    monkeypatch.setattr(
        experiments,
        "anti_cd127_lowest_occupancy",
        lambda mg_per_kg, overrides: (overrides["kon_Ab"] / 1e8, 0.0),
    )
    # the treated-HIV body: CD4 before treatment falls as the extra loss k (per hour) rises
    monkeypatch.setattr(experiments, "with_setting", lambda scenario, pid, value: value)
    monkeypatch.setattr(
        experiments, "course", lambda k, overrides: {"CD4_blood": np.array([250.0 * (0.004 / 24.0) / k])}
    )
    said: list[str] = []
    fit = calibrate.fit_therapy(progress=said.append)
    share = il7.build.parameters_by_id()["F_CYT107"]
    assert said[0].startswith(
        f"F_CYT107 kept at {share.value:.4g}: no absorbed share in its bounds gives Daix's"
    )
    assert f"(it is 150 at {share.lower:g}, 151 at {share.value:.4g} and 151 at {share.upper:g};" in said[0]
    assert said[1] == "kon_Ab = 9.5e+07 1/M/s (trough occupancy 0.95 at 1 mg/kg q2w)"
    assert set(fit.values) == {"kon_Ab"} and fit.k_deplete_CD4_per_day == pytest.approx(0.004, rel=1e-3)
    # and writing the fit leaves a kept F_CYT107's row alone
    written: list[tuple[dict[str, float], dict[str, str]]] = []
    monkeypatch.setattr(calibrate, "write_values", lambda values, sources: written.append((values, sources)))
    monkeypatch.setattr(calibrate, "write_hiv_body", lambda k: Path("levy_2012.yaml"))
    calibrate.write_therapy(calibrate.TherapyFit({"kon_Ab": 9.5e7}, 0.004, 250.0))
    assert written == [({"kon_Ab": 9.5e7}, {"kon_Ab": calibrate.THERAPY_SOURCES["kon_Ab"]})]


def test_output_times_are_the_times_the_scenario_asks_for(tmp_path: Path) -> None:
    # day -> h -> day wrote 1.8999999999999997 for 1.9, and a merge with data on time found nothing
    path = tmp_path / "times.yaml"
    path.write_text(
        "name: times\ndescription: uneven output times in days\ncontext: human_body\ntime_unit: day\n"
        "periods:\n  - time: -inf\n  - time: 1.9\n    dose: {drug: IL7, amount: 10, unit: ug/kg, route: sc}\n"
        "readouts: [CD4_blood]\noutput: {times: [0, 1.9, 2, 2.1, 3.7, 14]}\n"
    )
    assert list(il7.simulate(path).time) == [0.0, 1.9, 2.0, 2.1, 3.7, 14.0]


def test_a_steady_state_the_system_runs_away_from_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # blasts with the gain-of-function receptor grow (0.02 a day here) toward K_leuk; where the
    # long run stops short of that plateau, Newton found their root at 0 cells and the run started
    # from it, reading no blasts at all (slow growth slipped past a first check)
    from il7 import engine as engine_module

    monkeypatch.setattr(engine_module, "_HORIZONS", (1e2,))  # the long run stops short: Newton decides
    slow = il7.parameter_table().loc["d_leuk", "value"] + 0.02  # division just above death, per day
    overrides = {"leukaemia_seed": "1e6 cells", "IL7R_gof": 1, "r_leuk_max": f"{slow:g} 1/day"}
    with pytest.raises(SolveError, match=r"the only steady state found is unstable: Leuk moves away from it"):
        il7.simulate("baseline", overrides=overrides)


def test_a_stable_newton_root_with_an_absent_growing_population_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the check nudged every species, so a tumour never seeded grew from the nudge and a sound
    # steady state was refused whenever Newton was needed
    from il7 import engine as engine_module

    monkeypatch.setattr(engine_module, "_HORIZONS", (1e5,))  # the long run stops short: Newton decides
    run = il7.simulate("baseline", overrides={"r_tumour": "0.1 1/day"})
    monkeypatch.undo()
    assert run["IL7_serum_total"][0] == pytest.approx(
        il7.simulate("baseline")["IL7_serum_total"][0], rel=1e-3
    )


def test_a_run_that_ends_beyond_what_a_body_holds_says_so() -> None:
    # r_leuk_max written per hour (0.7 1/h), with a burden of 1e15 cells allowed (K_leuk), ran
    # to that burden without a word
    run = il7.simulate("leukaemia_il7r_gof", overrides={"r_leuk_max": "0.7 1/h", "K_leuk": "1e15 cells"})
    body = [note for note in run.notes if note.startswith("Leuk ends at ")]
    assert len(body) == 1 and "more than a body of 70 kg holds (about 3e+13 cells in all)" in body[0]
    # and both values lie outside their parameters' bounds, which the run also says
    assert sum("lies outside its bounds" in note for note in run.notes) == 2
    assert il7.simulate("leukaemia_il7r_gof").notes == ()  # blasts at their own ceiling: within a body


def test_a_mouse_users_units_mean_what_they_say() -> None:
    # mL/h and weeks were refused ("use L/h, L/day"), though a mouse's flows are millilitres
    from il7.build import parameters_by_id
    from il7.values import parameter_value

    table = parameters_by_id()
    in_l_per_h = parameter_value(table["CL_IL7"], "0.73 mL/h", where="test")
    assert in_l_per_h == pytest.approx(parameter_value(table["CL_IL7"], "7.3e-4 L/h", where="test"))
    assert parameter_value(table["CL_IL7"], "24 mL/day", where="test") == pytest.approx(in_l_per_h / 0.73)
    two_weeks = parameter_value(table["halflife_naive_CD4"], "2 weeks", where="test")
    assert two_weeks == pytest.approx(parameter_value(table["halflife_naive_CD4"], "14 days", where="test"))


def test_a_value_set_outside_its_bounds_is_run_and_said() -> None:
    # age = 2000 years (a slip for 20) ran as quietly as 60 years
    assert il7.simulate("baseline", overrides={"age": "2000 years"}).notes == (
        "age = 2000 years lies outside its bounds (18 to 105 years); il7 runs it, but no check covers the model there",
    )
    assert il7.simulate("baseline", overrides={"age": "60 years"}).notes == ()


def test_solver_noise_below_zero_reads_as_zero_but_a_signed_readout_keeps_its_sign() -> None:
    # IL-7 in a well once used up read -2.8e-14 pg/mL, a level below 0, with its time as t_min
    import numpy as np

    from il7.engine import engine
    from il7.simulate import _clear_noise

    well = il7.simulate("culture_dose")  # leaves the engine at the well's last state
    for readout in ("IL7_tissue_conc", "JAK_active_per_T", "pSTAT5_frac"):
        assert well[readout].min() >= 0.0, readout
    chosen = il7.load_scenario("culture_dose").with_readouts(["IL7_tissue_conc", "pSTAT5_MFI", "dN_T_dt"])
    data = np.array([[0.0, -1e-14, -1e-3, -1e-14], [1.0, -1.0, 5.0, -0.0]])
    _clear_noise(engine(), chosen, data)
    assert data[0, 1] == 0.0  # noise: less than one molecule below 0
    assert data[1, 1] == -1.0  # far below: not noise, left for the eye
    assert data[0, 2] == -1e-3 and data[0, 3] == -1e-14  # an offset and a rate may be negative
    assert math.copysign(1.0, data[1, 3]) == 1.0  # -0.0 reads 0


def test_an_override_of_the_scenarios_own_setting_is_said() -> None:
    # --set k_deplete_CD4 replaced levy_2012's fitted 0.00369/day without a word
    run = il7.simulate(
        il7.load_scenario("levy_2012").with_output(t_end=1), overrides={"k_deplete_CD4": 0.005}
    )
    assert (
        "k_deplete_CD4 = 0.005 1/day replaces the 0.00369 1/day that scenario 'levy_2012' sets before its "
        "steady state"
    ) in run.notes
    same = il7.simulate(
        il7.load_scenario("levy_2012").with_output(t_end=1), overrides={"k_deplete_CD4": 0.00369}
    )
    assert not any("replaces" in n for n in same.notes)


def test_an_age_that_changes_nothing_is_said() -> None:
    # a mouse's thymus keeps a young adult's output (thymic_decline 0): '2 years' ran exactly as
    # 10 weeks, with only a note on bounds; the note points to what the README does for an old mouse
    old = il7.simulate("mouse_baseline", overrides={"age": "0.5 years"})
    young = il7.simulate("mouse_baseline")
    assert old["thymus_cells"][-1] == young["thymus_cells"][-1]
    (note,) = [n for n in old.notes if n.startswith("age changes nothing in this run")]
    assert "lower thymic_output_young" in note
    smaller = il7.simulate("mouse_baseline", overrides={"thymic_output_young": "3.65e7 cells/year"})
    assert smaller["thymus_cells"][-1] < 0.1 * young["thymus_cells"][-1]  # as the note says
    human = il7.simulate("baseline", overrides={"age": "60 years"})
    assert not any("changes nothing" in n for n in human.notes)  # a human's thymus declines


def test_an_override_that_moves_no_readout_is_said() -> None:
    # age sets thymic output, which a culture well lacks: --set age=60 on culture_dose printed the
    # same numbers as without it, and said nothing
    from il7.simulate import unmoved_overrides

    well = il7.load_scenario("culture_dose")
    (note,) = unmoved_overrides(well, {"age": 60})
    assert note.startswith("age=60 moves none of the readouts of scenario 'culture_dose'")
    assert "culture_well context" in note and "by 24 h" in note
    with_age = il7.simulate(well, overrides={"age": 60, "kon_IL7": 2e7})
    faster = il7.simulate(well, overrides={"kon_IL7": 2e7})
    assert np.array_equal(with_age.data, faster.data)  # what the note says
    # of two overrides, only the one that moves nothing is named; the given run is used as it is
    (both,) = unmoved_overrides(well, {"kon_IL7": 2e7, "age": 60}, run=with_age)
    assert both.startswith("age=60 ")
    assert unmoved_overrides(well, {"kon_IL7": 2e7}) == ()
    assert unmoved_overrides(well, {"age": "30 years"}) == ()  # the table's own value: nothing to say
    # k_G1 drives G1 progress in culture, which the cell layer of the body does not read
    (body,) = unmoved_overrides(
        "baseline", {"k_G1": 0.03}
    )  # a name, as simulate takes (was an AttributeError)
    assert "human_body context" in body
    assert unmoved_overrides(il7.load_scenario("baseline"), {"age": 60}) == ()
    # a mouse's age is said once, by the note that gives the fix
    assert unmoved_overrides(il7.load_scenario("mouse_baseline"), {"age": "0.5 years"}) == ()
    # d_noIL7 in the baseline: the reference adult's derived thresholds take it up
    (derived,) = unmoved_overrides(il7.load_scenario("baseline"), {"d_noIL7": 0.03})
    assert "the values derived for the reference adult take it up" in derived
    # the readouts judged are the caller's: q_IL6 moves IL6_conc, not the baseline's own readouts
    baseline = il7.load_scenario("baseline")
    assert len(unmoved_overrides(baseline, {"q_IL6": 1e5})) == 1
    assert unmoved_overrides(dataclasses.replace(baseline, readouts=("IL6_conc",)), {"q_IL6": 1e5}) == ()
    # a run without one override that admits no reference adult is no reason to fail the run with it
    with pytest.raises(Il7Error, match="admit no reference adult"):
        il7.simulate(baseline, overrides={"p_mem_max": 0.01})
    (kept,) = unmoved_overrides(baseline, {"p_mem_max": 0.01, "halflife_Treg": 0.4})
    assert kept.startswith("p_mem_max=0.01 ")  # halflife_Treg: not judged (its leave-out fails)


def test_a_value_outside_its_bounds_in_a_scenario_file_is_said_as_with_set() -> None:
    # a mouse given a human's lymph flow in a file's set: ran silently, where --set said so
    from il7.scenario import load

    s = load(
        {
            "name": "mouse with a human lymph flow",
            "description": "Q_lymph outside the bounds carried to the mouse",
            "context": "mouse_body",
            "time_unit": "day",
            "periods": [{"time": "-inf", "set": {"Q_lymph": "3 L/day"}}],
            "readouts": ["IL7_serum_total"],
            "output": {"times": [0, 1]},
        }
    )
    (note,) = il7.simulate(s).notes
    assert note.startswith("periods[0].set.Q_lymph: Q_lymph = 0.125 L/h lies outside its bounds")
    assert "carried to this context's own 0.000312 L/h" in note


def test_the_python_api_warns_of_what_a_run_says_to_distrust() -> None:
    # notes sat in Trajectory.notes, where no notebook user looked, and a dose after the output's
    # end was said only on the command line
    with pytest.warns(il7.Il7Warning, match=r"age = 110 years lies outside its bounds"):
        traj = il7.simulate("baseline", overrides={"age": "110 years"})
    assert any("age = 110 years" in note for note in traj.notes)
    with pytest.warns(il7.Il7Warning, match=r"the output ends at day 5, before 5 of the scenario's 8 doses"):
        il7.simulate(il7.load_scenario("sportes_2008").with_output(t_end=5))


def test_every_python_entry_warns_at_the_callers_line(tmp_path: Path) -> None:
    # population and sensitivities ran a 1,000-fold dose without a word; an export left out doses
    # after its output silently; with_dose's flat amount was said on the command line only; and
    # export_omex's warning was placed on a line inside il7, where Python shows it once
    overdose = r"a dose of IL7 is 167 times the highest studied"
    high = il7.load_scenario("sportes_2008").with_dose("10 mg/kg")
    with pytest.warns(il7.Il7Warning, match=overdose) as caught:
        il7.population(high, {"age": "20..70 years"}, n=2)
        il7.sensitivities(high, "CD4_blood", parameters="CL_IL7")
        il7.export_omex(tmp_path / "a.omex", scenario=high)
        il7.export_omex(tmp_path / "b.omex", scenario=high)
    assert len(caught) == 4 and {w.filename for w in caught} == {__file__}
    with pytest.warns(
        il7.Il7Warning, match=r"before 5 of the scenario's 8 doses .* the exported model does not hold"
    ):
        il7.export_sbml(scenario=il7.load_scenario("sportes_2008").with_output(t_end=5))
    with pytest.warns(
        il7.Il7Warning, match=r"with_dose\('1 mg', None\) is a flat amount per body, 0.0143 mg/kg"
    ):
        il7.load_scenario("anti_cd127_q2w").with_dose("1 mg")
    with pytest.warns(  # a molar amount went without the note: '40 nmol' for 40 nmol/kg ran
        il7.Il7Warning,
        match=r"'40 nmol', None\) is a flat amount for the whole 70-kg body, .* write it in ug/kg",
    ):
        il7.load_scenario("sportes_2008").with_dose("40 nmol")
    loading = il7.load_scenario(
        {
            "name": "loading",
            "description": "a loading dose, then lower ones",
            "context": "human_body",
            "time_unit": "day",
            "periods": [
                {"time": "-inf"},
                {"time": 0, "dose": {"drug": "anti_CD127", "amount": 3, "unit": "mg/kg", "route": "sc"}},
                {"time": 14, "dose": {"drug": "anti_CD127", "amount": 1, "unit": "mg/kg", "route": "sc"}},
            ],
            "readouts": ["anti_CD127_occupancy"],
            "output": {"t_end": 28, "n": 3},
        }
    )
    with pytest.warns(
        il7.Il7Warning, match=r"replaces each of the scenario's 2 doses, which were not all the same"
    ):
        loading.with_dose(2)


def test_a_log_panel_stops_some_decades_below_its_top() -> None:
    # IL-7 used up in a well was drawn down to 1e-24 pg/mL, far below one molecule
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from il7.trajectory import fit_y_axis

    # the well's IL-7 as the solver left it: 1 ng/mL used up to a tail of 1e-25 pg/mL (or to 0,
    # which no log axis draws: that panel is linear, as a fall to nothing reads on one)
    tail = 1e3 * np.logspace(0, -28, 29)
    fig, ax = plt.subplots()
    fit_y_axis(ax, tail)
    assert ax.get_yscale() == "log"
    assert ax.get_ylim()[0] == pytest.approx(tail.max() * 10.0**-LOG_DECADES)
    plt.close(fig)
    fig = il7.simulate("culture_dose").figure()
    labels = {ax.get_ylabel() for ax in fig.axes}
    assert "dimensionless (1)" in labels and "1" not in labels  # pSTAT5_frac's panel
    plt.close(fig)


def test_a_small_drift_is_drawn_from_zero_and_a_real_change_fills_its_panel() -> None:
    # sil7r_culture's surface CD127 drifts by 0.3% over the run and filled its panel as a fall
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from il7.trajectory import fit_y_axis

    for values, from_zero in (([19110.0, 19165.0], True), ([660.0, 733.0], False)):
        fig, ax = plt.subplots()
        ax.plot([0, 1], values)
        fit_y_axis(ax, np.array(values))
        assert (ax.get_ylim()[0] == 0.0) == from_zero
        plt.close(fig)


def test_readouts_of_one_unit_far_apart_on_a_linear_axis_get_panels_of_their_own() -> None:
    # pSTAT6 (at most 1e-4) lay flat on zero beside pSTAT5 (0.9) in gc_cross_inhibition's panel
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = il7.simulate("gc_cross_inhibition").figure()
    shown = [[t.get_text().split(" ")[0] for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert ["pSTAT5_frac"] in shown and ["pSTAT6_frac"] in shown
    plt.close(fig)
    # CD4 and CD8 counts, within 10-fold of each other, share theirs, and Treg (60 beside CD4's 733
    # cells/uL on a linear axis) take their own
    fig = il7.simulate("sereti_2009").figure()
    shown = [[t.get_text().split(" ")[0] for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert ["CD4_blood", "CD8_blood"] in shown and ["Treg_blood"] in shown
    plt.close(fig)
    # readouts on a log axis stay together, and one that is 0 throughout joins the smallest panel
    fig = il7.simulate("mouse_il7_knockout").figure()
    shown = [[t.get_text().split(" ")[0] for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert ["thymus_cells", "T_cells_total", "proB", "preB", "B_mature"] in shown
    plt.close(fig)


def test_python_results_print_in_one_line_and_write_returns_a_path(tmp_path: Path) -> None:
    # a notebook cell printed every number of a run; write() gave a Path from a Trajectory and a
    # str from the others; load_scenario refused a Scenario with its whole repr
    traj = il7.simulate("baseline")
    assert repr(traj).startswith("Trajectory(scenario='baseline', 8 times from 0 to 7 day, readouts=[")
    pop = il7.population("baseline", {"age": "20..70 years"}, n=2)
    assert repr(pop) == (
        "Population(scenario='baseline', n=2, seed=1, varied=['age'], readouts=['IL7_serum_total', "
        "'IL7_serum', 'sIL7R_serum', 'CD127_per_T', 'pSTAT5_frac'])"
    )
    assert "\n" not in repr(traj) + repr(pop)
    assert pop.write(tmp_path / "p.csv") == tmp_path / "p.csv"
    assert traj.write(tmp_path / "t.csv") == tmp_path / "t.csv"
    s = il7.load_scenario("baseline")
    assert il7.load_scenario(s) is s


def _blasts(seed: float, *, gof: int, knockout: list[str] | None = None, days: float = 30.0) -> il7.Scenario:
    opening: dict[str, object] = {"time": "-inf"}
    if knockout:
        opening["knockout"] = knockout
    return il7.load_scenario(
        {
            "name": "blasts",
            "description": "blasts seeded at day 0",
            "context": "human_body",
            "time_unit": "day",
            "periods": [opening, {"time": 0, "set": {"Leuk": f"{seed:g} cells", "IL7R_gof": gof}}],
            "readouts": ["Leuk"],
            "output": {"times": [0, days]},
        }
    )


def test_blasts_below_one_cell_stay_extinct_and_a_million_grow_as_before() -> None:
    # anti-CD127 took wild-type blasts to 0.005 cells by day 106, and they grew back to 4e11 by
    # day 365 from that fraction of a cell (a leukaemia biologist's walk-through)
    table = il7.parameter_table()["value"]
    for seed in (0.01, 0.5, 0.99):  # gain-of-function blasts, net +0.17/day above one cell
        fraction = il7.simulate(_blasts(seed, gof=1))["Leuk"]
        # they only die, at d_leuk, over the 30 days (where dividing they would grow 160-fold)
        # (to 1%: the solver resolves 1e-6 cells, ABSOLUTE_TOLERANCE, so a hundredth of a cell to ~1e-3)
        assert fraction[-1] == pytest.approx(seed * math.exp(-table["d_leuk"] * 30.0), rel=0.01)
    driven = il7.simulate(_blasts(0.5, gof=1), overrides={"r_leuk_indep": "2 1/day"})["Leuk"]
    assert driven[-1] < driven[0]
    million = il7.simulate(_blasts(1e6, gof=1, days=10))["Leuk"]
    net = table["r_leuk_max"] - table["d_leuk"]  # at full signal, far below K_leuk (5.5e6 of 1e12 cells)
    assert million[-1] / million[0] == pytest.approx(math.exp(net * 10.0), rel=0.01)


def test_the_hosts_receptor_knockout_leaves_the_blasts_own_receptor() -> None:
    # blasts in an IL-7Ralpha-knockout host, where serum IL-7 is 70 times normal, read no
    # signal and died, while those in a gc-knockout host grew as in a normal one
    normal = il7.simulate(_blasts(1e6, gof=0, days=21))["Leuk"]
    il7r_ko = il7.simulate(_blasts(1e6, gof=0, knockout=["IL7R"], days=21))["Leuk"]
    assert normal[-1] > normal[0]
    assert il7r_ko[-1] > normal[-1]  # the same receptor, more IL-7 left by the host's missing consumers


def test_il7_independent_division_is_a_users_question_about_wild_type_blasts() -> None:
    without_il7 = _blasts(1e6, gof=0, knockout=["IL7"], days=21)
    dying = il7.simulate(without_il7)["Leuk"]
    driven = il7.simulate(without_il7, overrides={"r_leuk_indep": "0.3 1/day"})["Leuk"]
    assert dying[-1] < dying[0] < driven[-1]  # death 0.04/day against 0.3/day of other drivers


def test_blasts_seeded_before_the_steady_state_say_they_start_at_their_plateau() -> None:
    seeded = il7.simulate(
        dataclasses.replace(il7.load_scenario("baseline"), readouts=("Leuk",)),
        overrides={"leukaemia_seed": 1e6},
    )
    plateau = seeded["Leuk"][0]  # where the blasts start the run: their plateau in the body
    assert 1e9 < plateau < 1e13
    assert any(
        n.startswith(
            f"Leuk was seeded at 1e+06 cells before the steady state (leukaemia_seed) and has grown to {plateau:.3g}"
        )
        for n in seeded.notes
    )
    gone = il7.simulate("mouse_il7_knockout", overrides={"leukaemia_seed": 1e6}).notes
    assert any("and has died out there" in n for n in gone)
    held = {"tumour_seed": 1e11, "r_tumour": 0}  # the parameter table's way to hold a tumour at its burden
    assert not any("seeded" in n for n in il7.simulate("baseline", overrides=held).notes)
    assert not any("seeded" in n for n in il7.simulate("leukaemia_il7r_gof").notes)
    set_as_species = il7.load_scenario(
        {
            "name": "set at -inf",
            "description": "blasts set in the steady state's period",
            "context": "human_body",
            "time_unit": "day",
            "periods": [{"time": "-inf", "set": {"Leuk": "1e6 cells"}}],
            "readouts": ["Leuk"],
            "output": {"times": [0, 1]},
        }
    )
    assert any(
        n.startswith(f"Leuk starts at {plateau:.3g} cells, its plateau")
        for n in il7.simulate(set_as_species).notes
    )


def test_a_body_weight_override_says_the_weight_is_fixed() -> None:
    with pytest.raises(
        Il7Error, match=r"override 'body_weight': not a parameter; a scenario's body weight is its context's"
    ):
        il7.simulate("baseline", overrides={"body_weight": "80 kg"})
    with pytest.raises(
        Il7Error, match=r"override 'molecular_weight': not a parameter; list them"
    ):  # a molar mass
        il7.simulate("baseline", overrides={"molecular_weight": 20000})


def test_a_dose_far_above_the_studied_ones_runs_with_a_note() -> None:
    # '10 mg/kg' for '10 ug/kg' ran without a word, serum IL-7 at 3.6e7 pg/mL (a clinician's
    # walk-through); in a YAML file as from --dose or with_dose, and a flat amount at body weight
    slip = il7.load_scenario("sportes_2008").with_dose("10 mg/kg").with_output(t_end=1)
    notes = il7.simulate(slip).notes
    assert any(
        n.startswith("a dose of IL7 is 167 times the highest studied, 60 ug/kg (Sportes 2008") for n in notes
    )
    trial = il7.load_scenario("sportes_2008").with_dose("60 ug/kg").with_output(t_end=1)
    assert not any("highest studied" in n for n in il7.simulate(trial).notes)
    flat = il7.load_scenario("levy_2012").with_dose("100 mg").with_output(t_end=1)  # 1,429 ug/kg
    assert any(
        n.startswith("a dose of CYT107 is 48 times the highest studied") for n in il7.simulate(flat).notes
    )


def test_dir_of_the_package_is_its_api() -> None:
    # a notebook's completion offered Any, Path and contextlib beside simulate and load_scenario
    import il7.cohort  # a module the README names: il7.cohort.TRAITS

    listed = dir(il7)
    assert set(il7.__all__) <= set(listed) and {"__version__", "__file__", "cohort"} <= set(listed)
    assert not {"Any", "Path", "contextlib", "Mapping"} & set(listed)
    assert all(callable(getattr(il7, name)) for name in il7.__all__)


def test_a_well_that_grows_a_bodys_cells_says_so() -> None:
    # --set thymic_output_young=1.8e10 in culture_dose grew a body's 1.4e11 T cells in 200 uL, and
    # pSTAT5 fell 3,000-fold, without a word; the well's own runs say nothing (HSPC, held at its
    # reference as a scale, is not a cell the well holds)
    said = il7.simulate("culture_dose", overrides={"thymic_output_young": 1.8e10}).notes
    assert any("more than a well of 200 uL could hold packed solid" in n for n in said)
    assert not any("could hold" in n for n in il7.simulate("culture_dose").notes)


def test_python_judges_an_override_that_moves_nothing_on_request_not_at_every_call() -> None:
    # il7 simulate culture_dose --set age=60 says the age moves nothing; il7.simulate leaves that
    # to the caller (one more run per override, which a property test's 20 overrides made a
    # 20-fold slower call), and unmoved_overrides says it on request
    import warnings

    from il7.simulate import unmoved_overrides

    with warnings.catch_warnings():
        warnings.simplefilter("error", il7.Il7Warning)
        run = il7.simulate("culture_dose", overrides={"age": 60})
    said = unmoved_overrides(il7.load_scenario("culture_dose"), {"age": 60}, run=run)
    assert len(said) == 1 and "age=60 moves none of the readouts of scenario 'culture_dose'" in said[0]


def test_python_writers_make_the_folder_a_file_goes_in(tmp_path: Path) -> None:
    # Trajectory.write and export_omex made it; export_sbml and Population.write said "No such file"
    sbml = tmp_path / "new" / "model.xml"
    il7.export_sbml(sbml)
    assert sbml.read_text().startswith("<?xml")
    (tmp_path / "a_file").write_text("")
    with pytest.raises(Il7Error, match=r"cannot make its folder \('.*a_file' is a file, not a folder\)"):
        il7.export_sbml(tmp_path / "a_file" / "model.xml")


def test_python_errors_name_the_python_way_beside_the_command() -> None:
    with pytest.raises(Il7Error, match=r"`il7 parameters` \(in Python: il7.parameter_table\(\)\)"):
        il7.simulate("baseline", overrides={"agee": 60})
    with pytest.raises(Il7Error, match=r"il7 scenarios lists them; in Python: il7.list_scenarios\(\)\)"):
        il7.load_scenario(3)  # type: ignore[arg-type]
    with pytest.raises(Il7Error, match=r"readout \['IL7_serum_total'\]: give one readout's name as text"):
        il7.sensitivities("baseline", ["IL7_serum_total"])  # type: ignore[arg-type]


def _one_dose(
    at: float, time_unit: str, output: dict[str, object], *, route: str = "iv", readout: str = "IL7_serum"
) -> il7.Scenario:
    """A healthy adult given 10 ug/kg of IL-7 once, at ``at`` (in ``time_unit``), read as ``readout``."""
    return il7.load_scenario(
        {
            "name": f"10 ug/kg {route} at {at:g} {time_unit}",
            "description": "A single dose of IL-7 in the healthy adult",
            "context": "human_body",
            "time_unit": time_unit,
            "periods": [
                {"time": "-inf"},
                {"time": at, "dose": {"drug": "IL7", "amount": 10, "unit": "ug/kg", "route": route}},
            ],
            "readouts": [readout],
            "output": output,
        }
    )


def test_the_area_under_a_readout_ends_before_a_dose_made_at_an_output_time() -> None:
    # an IV bolus at the last output time: the output there is the level after the dose, 1e6 times
    # the level before; the trapezoid ending there counted the dose's rise (AUC 1.1e5 pg/mL*h
    # over two hours at 0.23 pg/mL), as it would between any two output times around a dose
    traj = il7.simulate(_one_dose(2, "h", {"t_end": 2, "n": 3}))
    serum = traj["IL7_serum"]
    assert serum[-1] > 1e5 * serum[0]  # after the dose
    assert traj.before_changes.shape == (1, 2) and traj.before_changes[0, 0] == 2.0
    assert traj.before_changes[0, 1] == pytest.approx(serum[0], rel=1e-6)  # the steady level
    assert traj.summary().loc["IL7_serum", "auc"] == pytest.approx(2.0 * serum[0], rel=1e-6)


def test_the_il7r_knockout_makes_no_soluble_receptor() -> None:
    # sIL-7R is spliced from IL7R transcripts (interventions.yaml), so the knockout body has none
    def serum_sil7r(knockout: list[str]) -> float:
        s = il7.load_scenario(
            {
                "name": "ko",
                "description": "a knockout body",
                "context": "human_body",
                "time_unit": "day",
                "periods": [{"time": "-inf", "knockout": knockout}],
                "readouts": ["sIL7R_serum"],
                "output": {"times": [0, 1]},
            }
        )
        return float(il7.simulate(s)["sIL7R_serum"][-1])

    wild = serum_sil7r([])
    assert wild > 50  # ng/mL, the healthy adult's (about 107, il7 validate)
    assert serum_sil7r(["IL7R"]) < 1e-9 * wild


def test_a_subcutaneous_dose_is_absorbed_over_hours() -> None:
    # SC IL-7 enters the plasma through the tissue at ka_rIL7_sc: it peaks hours after the
    # injection, where an IV dose puts all of it in plasma at once
    def serum(route: str) -> il7.Trajectory:
        return il7.simulate(_one_dose(0, "h", {"t_end": 48, "n": 97}, route=route, readout="IL7_serum_total"))

    sc, iv = serum("sc"), serum("iv")
    peak = int(np.argmax(sc["IL7_serum_total"]))
    assert sc.time[peak] >= 3.0  # h; the IV peak is at the dose
    assert int(np.argmax(iv["IL7_serum_total"])) == 0
    # half an hour after the dose the SC level is a small part of the IV level
    assert sc["IL7_serum_total"][1] < 0.05 * iv["IL7_serum_total"][1]


def test_a_dose_between_grid_times_one_rounding_apart_ends_the_right_interval() -> None:
    # 0.68 day is 16.32 h, and the grid's third time (1.7 / 5 x 2) is 0.6799999999999999 day: both
    # are the same hour, so the run doses there; the state before the dose was dated 0.68 and
    # found one row late, so the trapezoid into the dose kept its rise (AUC 87,434 for 57,231)
    traj = il7.simulate(_one_dose(0.68, "day", {"t_end": 1.7, "n": 6}))
    serum, time = traj["IL7_serum"], traj.time
    assert traj.before_changes[0, 0] == time[2]  # dated as the output it stands before
    ends = serum[1:].copy()
    ends[1] = traj.before_changes[0, 1]  # the interval into the dose ends before it
    assert ends[1] == pytest.approx(serum[0], rel=1e-6) and serum[2] > 1e5 * serum[0]
    area = float(np.sum((ends + serum[:-1]) / 2 * np.diff(time)))
    assert traj.summary().loc["IL7_serum", "auc"] == pytest.approx(area, rel=1e-12)
    with pytest.raises(Il7Error, match="before_changes must hold rows like data's"):
        il7.Trajectory("x", "day", ("IL7_serum",), ("pg/mL",), traj.data, before_changes=traj.data[:1])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros(3), r"data must have shape \(times, 2\).* not \(3,\)"),  # failed inside numpy
        (np.zeros((3, 4)), r"not \(3, 4\)"),  # two columns nobody named were kept without a word
        ([[0.0, "a"]], "data must be numbers"),
        ([[0.0, 1.0], [1.0]], "data must be numbers"),  # ragged rows
    ],
)
def test_a_trajectory_built_by_hand_says_what_is_wrong_with_its_data(data: object, message: str) -> None:
    with pytest.raises(Il7Error, match=message):
        il7.Trajectory("by hand", "day", ("IL7_serum",), ("pg/mL",), data)  # type: ignore[arg-type]
    with pytest.raises(Il7Error, match="give one unit per readout: 1 readouts, 2 units"):
        il7.Trajectory("by hand", "day", ("IL7_serum",), ("pg/mL", "1"), np.zeros((3, 2)))
    # before_changes as a list of rows is read as data is (it raised AttributeError)
    rows = [[1.0, 5.0]]
    built = il7.Trajectory(
        "by hand", "day", ("IL7_serum",), ("pg/mL",), [[0.0, 1.0], [1.0, 2.0]], before_changes=rows
    )
    assert built.before_changes.tolist() == rows
    with pytest.raises(Il7Error, match="before_changes must hold rows like data's"):
        il7.Trajectory(
            "by hand", "day", ("IL7_serum",), ("pg/mL",), [[0.0, 1.0]], before_changes=[[0.0, "a"]]
        )


def test_an_output_a_rounding_away_from_a_dose_is_read_at_the_dose() -> None:
    # --step 0.1 put an output at 0.30000000000000004 beside a dose at 0.3: the solver failed
    # (CV_TOO_CLOSE) on a step of 1e-16 days, and the grid showed the rounding
    grid = _one_dose(0.3, "day", {"t_end": 1, "n": 3}).with_output(step=0.1)
    assert grid.times[3] == 0.3  # 0.1 x 3 put on the dose's time
    stepped = il7.simulate(grid)
    given = il7.simulate(_one_dose(0.3, "day", {"times": [0, 0.1, 0.2, 0.1 * 3, 0.4]}))
    for traj in (stepped, given):
        assert traj["IL7_serum"][3] > 1e5 * traj["IL7_serum"][2]  # read after the dose, at it
        assert traj.before_changes.shape[0] == 1  # and the level before it kept for the area


def test_a_trajectory_built_by_hand_dates_no_peak_at_a_nan() -> None:
    """A run holds no NaN, but a Trajectory built from someone's own numbers may: its summary
    dates the lowest and highest of the numbers there are, and a readout of NaN only has neither."""
    from il7.trajectory import Trajectory

    nan = math.nan
    data = np.array([[0, 1, nan], [1, nan, nan], [2, 2, nan], [3, 3, nan]], dtype=float)
    summary = Trajectory("by hand", "day", ("a", "b"), ("1", "1"), data).summary()
    assert tuple(summary.loc["a", ["min", "t_min", "max", "t_max"]]) == (1.0, 0.0, 3.0, 3.0)
    assert summary.loc["b", ["min", "t_min", "max", "t_max"]].isna().all()


def test_api_slips_a_review_found_are_one_line_errors() -> None:
    """Each ended in a Python error from inside (TypeError, AttributeError, roadrunner's
    RuntimeError, KeyError, IndexError) or was read silently as something else."""
    s = il7.load_scenario("sportes_2008")
    slips: list[tuple[Callable[[], object], str]] = [
        (lambda: il7.parameter_table(["human_body"]), r"context \['human_body'\] is unknown \(did you mean"),
        (
            lambda: il7.population("baseline", {5: "cv 30%"}, n=3),
            r"not a parameter id; ids are strings, e.g. 'age' \(this is int\)",
        ),
        (lambda: il7.simulate("culture_dose").plot(readouts=5), r"plot: readouts: 5 is not a readout id"),
        (lambda: il7.simulate("culture_dose").plot(readouts=[]), r"readouts is empty"),
        (lambda: s.with_readouts("CD4_blood", add="no"), r"with_readouts: add 'no': give True or False"),
        (lambda: il7.load_scenario("baseline", steady_start="x"), r"steady_start 'x': give True or False"),
        # a Scenario changed with dataclasses.replace is checked as it is made
        (lambda: dataclasses.replace(s, readouts=("nope",)), r"readout 'nope': not an observable or species"),
        (lambda: dataclasses.replace(s, readouts="CD4_blood"), r"readouts must be a tuple of readout ids"),
        (lambda: dataclasses.replace(s, time_unit="fortnight"), r"time_unit 'fortnight' is none of min, h"),
        (lambda: dataclasses.replace(s, times=()), r"times must be a tuple of finite times in increasing"),
        (lambda: dataclasses.replace(s, times=(0.0, math.nan)), r"times must be a tuple of finite times"),
        (lambda: dataclasses.replace(s, times=(2.0, 1.0)), r"times must be a tuple of finite times"),
        (lambda: dataclasses.replace(s, body_weight_kg=-70.0), r"body_weight_kg -70.0 must be a positive"),
        (lambda: dataclasses.replace(s, context=["human_body"]), r"context \['human_body'\] is unknown"),
        (lambda: dataclasses.replace(s, readouts=None), r"readouts must be a tuple of readout ids"),
    ]
    for call, message in slips:
        with pytest.raises(il7.Il7Error, match=message):
            call()
    # a value echoed with its line breaks kept the message on several lines (a pandas Series)
    with pytest.raises(il7.Il7Error) as echoed:
        il7.simulate("baseline", overrides={"age": pd.Series([60.0])})
    assert "\n" not in str(echoed.value) and "0    60.0\\ndtype: float64" in str(echoed.value)
    # 1e308 years overflowed into hours and was said as 'inf years is more than 1000 times beyond'
    with pytest.raises(il7.Il7Error, match=r"age: 1e\+308 years is too large to be a number here"):
        il7.simulate("culture_dose", overrides={"age": 1e308})
    # a generator's times were read by the check and then lost; a set's order does not matter
    assert s.with_times(t for t in [7.33]).times == s.with_times([7.33]).times == s.with_times({7.33}).times
    # a mapping's keys were read as times or ids, its values dropped
    with pytest.raises(il7.Il7Error, match=r"times \{1: 2\}: give a list of numbers"):
        s.with_times({1: 2})
    with pytest.raises(il7.Il7Error, match=r"a mapping; give a list of ids"):
        s.with_readouts({"CD4_blood": 1})  # type: ignore[arg-type]
    # numpy's True is a yes, as Python's
    assert s.with_readouts("IL7_serum", add=np.True_).readouts[-1] == "IL7_serum"
