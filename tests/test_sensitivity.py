"""Local sensitivities (il7.sensitivity): exact on relations known in closed form, one-sided
where a side is refused, each parameter scaled from its value in the scenario, and one-line
errors for bad questions (the command's cases are in test_cli.py)."""

from __future__ import annotations

import math

import pytest

from il7 import build
from il7.claims import NOISE, targets
from il7.errors import Il7Error
from il7.scenario import load, vocabulary
from il7.sensitivity import sensitivities, varied_parameters
from il7.simulate import parameter_table, simulate


def test_linear_observable_map_is_exact() -> None:
    """pSTAT5_MFI = offset + scale x fraction, so the runs at scale x (1 + step) and / (1 + step)
    give MFI = offset + (MFI - offset) x (1 + step)^(+-1), and the coefficient is the log slope
    between them, exactly at any step (and (MFI - offset) / MFI as the step shrinks); likewise for
    the offset. A tumour parameter, in a well without tumour, moves nothing."""
    result = sensitivities(
        "culture_dose",
        "pSTAT5_MFI",
        at=0.5,
        parameters=["pSTAT5_MFI_scale", "pSTAT5_MFI_offset", "r_tumour"],
        step=0.3,
    )
    table = {p.id: p.value for p in build.parameters()}
    mfi, offset = result.nominal, table["pSTAT5_MFI_offset"]
    assert offset is not None and mfi > 1000  # a real response at 1 ng/mL, 30 min
    rows = {r.parameter: r for r in result.rows}
    up, signal = 1.3, mfi - offset

    def slope(high: float, low: float) -> float:
        return math.log(high / low) / (2 * math.log(up))

    scale, shift = rows["pSTAT5_MFI_scale"], rows["pSTAT5_MFI_offset"]
    assert scale.coefficient == pytest.approx(slope(offset + signal * up, offset + signal / up), rel=1e-9)
    assert shift.coefficient == pytest.approx(slope(offset * up + signal, offset / up + signal), rel=1e-9)
    assert scale.coefficient == pytest.approx(
        signal / mfi, rel=0.01
    )  # the derivative, to the step's precision
    assert rows["r_tumour"].coefficient == 0.0
    assert result.rows[0].parameter == "pSTAT5_MFI_scale"  # strongest first
    assert all(r.method == "central" for r in result.rows)


def test_serum_il7_in_pg_ml_scales_with_molecular_weight() -> None:
    """The body counts IL-7 in molecules; pg/mL multiplies by the mass of one, so the serum
    level is proportional to mw_IL7 (coefficient 1) and the readout values are the runs'."""
    result = sensitivities("baseline", "IL7_serum_total", parameters=["mw_IL7"])
    (row,) = result.rows
    assert row.coefficient == pytest.approx(1.0, abs=1e-6)
    again = simulate("baseline", overrides={"mw_IL7": 17.4 * 1.1})["IL7_serum_total"][-1]
    assert row.high == pytest.approx(float(again), rel=1e-9)
    assert result.nominal == pytest.approx(float(simulate("baseline")["IL7_serum_total"][-1]), rel=1e-9)


def test_a_refused_side_gives_a_one_sided_estimate_and_a_scenario_setting_is_not_varied() -> None:
    result = sensitivities(
        "il7ra_turnover_chx", "IL7Ra_total_per_T", parameters=["B_step_IL7_free", "translation"]
    )
    (row,) = result.rows
    assert row.parameter == "B_step_IL7_free"
    # a fraction at 1 is not scaled up: said as such, not as an override the user got wrong
    assert row.method == "lower side only (upper refused: a fraction at 1, which x1.1 would take past 1)"
    assert math.isnan(row.high) and row.coefficient == 0.0  # B-cell development: not in a T-cell well
    (skipped,) = result.skipped
    assert skipped.method == "the scenario sets it after its start"
    assert skipped.parameter == "translation" and math.isnan(skipped.coefficient)
    # the row of a parameter not varied still says its value and where that value comes from
    assert skipped.value == 1.0 and skipped.unit and skipped.status


def test_each_parameter_is_scaled_from_its_value_in_the_scenario() -> None:
    """The well switches the body's IL-7 sources off (0: not varied, rather than scaled from the
    table's body value), and levy_2012's treated-HIV CD4 loss is scaled from the scenario's
    0.00369/day, not from the table's 0."""
    well = sensitivities("culture_dose", "pSTAT5_frac", at=0.5, parameters=["src_stroma", "k_pSTAT5"])
    assert [r.parameter for r in well.rows] == ["k_pSTAT5"]
    assert [(r.parameter, r.value, r.method) for r in well.skipped] == [
        ("src_stroma", 0.0, "0 in this run: nothing to scale")
    ]
    hiv = sensitivities("levy_2012", "CD4_blood", at=0.0, parameters=["k_deplete_CD4"])
    (row,) = hiv.rows
    assert row.value == pytest.approx(0.00369) and row.coefficient < -0.1  # more loss, fewer CD4
    assert row.status == "set" and "set by the scenario" in row.note  # not the table's 0, assumed


def test_a_step_past_a_bound_is_said() -> None:
    """gc_per_T is fitted on its lower bound (300 per cell): the lower side of its step runs at
    272.7, where no check covers the model, and the row says so; a step within the bounds does not."""
    result = sensitivities("baseline", "IL7_serum_total", parameters=["gc_per_T", "CL_IL7"])
    method = {r.parameter: r.method for r in result.rows}
    assert (
        method["gc_per_T"]
        == "central; the lower side (272.7 molecules/cell) lies below the table's bound 300"
    )
    assert method["CL_IL7"] == "central"
    # a mouse's own value is not held to the human adult's bounds (d_noIL7: 0.1/day, the bound's top)
    (mouse,) = sensitivities("mouse_baseline", "T_cells_total", parameters=["d_noIL7"]).rows
    assert mouse.method == "central"


def test_a_value_from_the_context_carries_the_context_status_and_source() -> None:
    """A mouse's self-renewing B-cell niche is the mouse's, derived (Carvalho 2001), where the
    human adult's is assumed; an override is the user's choice."""
    mouse = vocabulary()["contexts"]["mouse_body"]["values"]["B_self_niche"]
    result = sensitivities(
        "mouse_baseline",
        "B_mature",
        overrides={"IL7_production": 0.9},
        parameters="B_self_niche, IL7_production",
    )
    rows = {r.parameter: r for r in result.rows}
    niche, production = rows["B_self_niche"], rows["IL7_production"]
    assert build.parameters_by_id()["B_self_niche"].status == "assumed"
    assert (niche.status, niche.source) == (mouse.status, mouse.source) == ("derived", mouse.source)
    assert production.status == "set" and "--set" in production.note


def test_processes_give_the_same_rows() -> None:
    """Run in two spawned processes, the rows are those of one process, number for number."""
    ids = ["CL_IL7", "src_stroma", "B_step_IL7_free", "k_deplete", "halflife_naive_CD4"]
    one = sensitivities("baseline", "IL7_serum_total", parameters=ids)
    two = sensitivities("baseline", "IL7_serum_total", parameters=ids, jobs=2)
    assert two == one and len(one.rows) == 4 and one.skipped[0].parameter == "k_deplete"


def test_default_parameters_are_those_with_bounds() -> None:
    """Unit constants and the anchor have no bounds, and on/off switches are left to be named;
    quantities a scenario sets are varied where a run turns them on (the well's cell number is
    among the strongest there)."""
    varied = set(varied_parameters())
    switches = {
        "translation",
        "cells_in_body",
        "IL7R_expression",
        "preBCR_signal",
        "TCR_stimulus",
        "IL7R_gof",
        "thymus_present",
        "mono_in_blood",
    }
    assert {"N_avogadro", "pSTAT5_ref", "one_cell", *switches}.isdisjoint(varied)
    assert {"CL_IL7", "src_stroma", "gc_per_T", "halflife_naive_CD4", "T_fixed", "k_deplete"} <= varied
    # a scenario control that is a rate, not a switch: the treated-HIV body's CD4 loss (bounds 0-1/day)
    assert "k_deplete_CD4" in varied
    well = sensitivities("culture_dose", "IL7_tissue_conc", at=2.0, parameters="T_fixed, tissue")
    rows = {r.parameter: r.coefficient for r in well.rows}
    # IL-7 is nearly used up at 2 h, so its level answers the density several-fold; more medium
    # dilutes the same cells' consumption
    assert rows["T_fixed"] < -1 and rows["tissue"] > 1


def test_overrides_in_their_own_unit_and_over_the_scenario() -> None:
    well = sensitivities(
        "culture_dose", "IL7_tissue_conc", at=2.0, overrides={"tissue": "300 uL"}, parameters=["tissue"]
    )
    (row,) = well.rows
    assert row.value == pytest.approx(3e-4) and row.unit == "L"
    plain = simulate("culture_dose", overrides={"tissue": "300 uL"})
    assert well.nominal == pytest.approx(float(plain["IL7_tissue_conc"][plain.time == 2.0][0]), rel=1e-9)
    hiv = sensitivities(
        "levy_2012", "CD4_blood", at=0.0, overrides={"k_deplete_CD4": 0.005}, parameters="k_deplete_CD4"
    )
    assert hiv.rows[0].value == pytest.approx(0.005)  # the override, not the scenario's 0.00369


def test_a_scenario_without_steady_state_keeps_its_start() -> None:
    """A scenario that starts from the model's initial state (a body may in Python, not in a
    scenario file) is read at --at after running from its own first output time (not started
    afresh at --at)."""
    fresh = load(
        {
            "name": "fresh",
            "description": "from the initial state",
            "context": "human_body",
            "time_unit": "day",
            "periods": [{"time": 50, "set": {"src_stroma": "0 molecules/h"}}],
            "readouts": ["IL7_serum_total"],
            "output": {"t_end": 100, "n": 11},
        },
        steady_start=False,
    )
    result = sensitivities(fresh, "IL7_serum_total", at=20.0, parameters=["mw_IL7"])
    traj = simulate(fresh)
    expected = float(traj["IL7_serum_total"][traj.time == 20.0][0])
    assert result.nominal == pytest.approx(expected, rel=1e-9) and result.nominal > 1
    assert result.rows[0].coefficient == pytest.approx(1.0, abs=1e-6)
    # it has no state before its first output, so no fold from there
    with pytest.raises(
        Il7Error, match=r"-1 must be a finite time before .*, and not before the scenario's first output, 0"
    ):
        sensitivities(fresh, "IL7_serum_total", at=20.0, fold_from=-1.0, parameters=["mw_IL7"])


def test_a_readout_below_one_molecule_is_refused_and_one_at_rest_after_a_bolus_is_not() -> None:
    """Surface CD127 after a day without translation and with IL-7 is gone (1e-13 per cell): its
    relative changes are solver noise, and il7 says so instead of printing coefficients of 1e3."""
    with pytest.raises(Il7Error, match=r"less than one molecule or cell .* choose another time or readout"):
        sensitivities("il7ra_turnover_chx", "CD127_per_T", parameters=["k_sort"])
    # at fold_from too, in the state of that time: no antibody before its dose
    late = load(
        {
            "name": "late antibody",
            "description": "an antibody dose on day 1",
            "context": "human_body",
            "time_unit": "day",
            "periods": [
                {"time": "-inf"},
                {"time": 1, "dose": {"drug": "anti_CD127", "amount": 1, "unit": "mg/kg", "route": "iv"}},
            ],
            "readouts": ["Ab_plasma"],
            "output": {"times": [0, 2, 3]},
        }
    )
    with pytest.raises(Il7Error, match=r"Ab_plasma at day 0 is 0 molecules, less than one molecule"):
        sensitivities(late, "Ab_plasma", at=3.0, fold_from=0.0, parameters=["CL_Ab"])
    assert (
        sensitivities(late, "Ab_plasma", at=3.0, fold_from=2.0, parameters=["CL_Ab"]).rows[0].coefficient < 0
    )
    # free serum IL-7 back at rest ten days after a bolus is a millionth of its peak, which was
    # refused as noise, but resolved: within 1e-6 of a run at a relative tolerance of 1e-11
    row = sensitivities("il7_iv_bolus", "IL7_serum", at=240.0, parameters=["age"]).rows[0]
    assert row.parameter == "age" and 0.02 < row.coefficient < 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"readout": "IL7_serumm"},
            "readout 'IL7_serumm' is not an observable or species (did you mean 'IL7_serum'",
        ),
        ({"readout": "IL7_serum,CD4_blood"}, "a sensitivity analysis reads one readout: name one"),
        ({"at": -1.0}, "must be a finite time at or after the scenario's first output, day 0"),
        ({"at": math.nan}, "must be a finite time"),
        ({"fold_from": -math.inf}, "fold_from (--fold-from) -inf must be a finite time before"),
        ({"step": 0.0}, "must be a number from 0.001 to 1"),
        ({"jobs": -1}, "jobs (--jobs) -1 must be a whole number >= 0"),
        ({"parameters": ["CL_IL8"]}, "'CL_IL8' is not a parameter (did you mean 'CL_IL7'"),
        ({"parameters": ["Kd_IL7Ra"]}, "'Kd_IL7Ra' is computed by the model"),
        ({"parameters": ["N_avogadro"]}, "'N_avogadro' is an exact constant"),
        ({"parameters": [" , "]}, "name at least one parameter to vary"),
        ({"parameters": [1]}, "1 is not a parameter id; ids are strings"),
        ({"parameters": 5}, "5 is not a parameter id; give an id or a list of ids"),  # was a TypeError
        ({"step": 1e-4}, "smaller steps drown in the solver's tolerances"),
        ({"overrides": {"CL_IL7": -1}}, "is negative"),
    ],
)
def test_bad_questions_are_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"readout": "IL7_serum", "parameters": ["CL_IL7"], **kwargs}
    readout = args.pop("readout")
    with pytest.raises(Il7Error) as info:
        sensitivities("baseline", readout, **args)  # type: ignore[arg-type]
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_fold_change_is_the_difference_of_the_two_levels_coefficients() -> None:
    """d ln(y(28)/y(0)) = d ln y(28) - d ln y(0): the fold's runs give the ratio of the levels' runs
    (to 1e-6: the runs have different output grids, so the solver steps differ at its 1e-8
    tolerance); and the blood volume, which scales both levels alike, drops out of the fold (0)
    though not of the level (-1)."""
    ids = ["V_blood", "ka_rIL7_sc", "halflife_naive_CD4"]
    fold = sensitivities("sportes_2008", "CD4_blood", at=28.0, fold_from=0.0, parameters=ids)
    late = sensitivities("sportes_2008", "CD4_blood", at=28.0, parameters=ids)
    early = sensitivities("sportes_2008", "CD4_blood", at=0.0, parameters=ids)
    assert fold.unit == "1" and fold.nominal == pytest.approx(late.nominal / early.nominal, rel=1e-6)
    # rhIL-7 10 ug/kg every other day raises CD4 by day 28 at least as far as Sportes 2008's peak target
    assert fold.nominal >= targets()["sportes_cd4_rise_10ugkg"].value
    by = {
        name: {r.parameter: r for r in result.rows}
        for name, result in (("fold", fold), ("late", late), ("early", early))
    }
    for pid in ids:
        high = by["late"][pid].high / by["early"][pid].high
        low = by["late"][pid].low / by["early"][pid].low
        assert (by["fold"][pid].high, by["fold"][pid].low) == pytest.approx((high, low), rel=1e-6)
    assert by["fold"]["V_blood"].coefficient == pytest.approx(0.0, abs=1e-6)
    assert by["late"]["V_blood"].coefficient == pytest.approx(-1.0, abs=1e-6)
    assert fold.quantity == "CD4_blood at day 28 / at day 0"
    with pytest.raises(
        Il7Error,
        match=r"fold_from \(--fold-from\) 28 must be a finite time before the time read, day 28 \(--at\)",
    ):
        sensitivities("sportes_2008", "CD4_blood", at=28.0, fold_from=28.0, parameters=ids)


def test_a_fold_from_before_a_bolus_reads_the_steady_state() -> None:
    """An output at a dose's time is read after the dose (as simulate reports it): from 0 h the
    IV bolus's serum IL-7 has fallen 5-fold by 24 h; from -1 h, the steady state before it, it is
    thousands of times the healthy level."""
    ask = {"at": 24.0, "parameters": ["CL_IL7"]}
    before = sensitivities("il7_iv_bolus", "IL7_serum_total", fold_from=-1.0, **ask)  # type: ignore[arg-type]
    after = sensitivities("il7_iv_bolus", "IL7_serum_total", fold_from=0.0, **ask)  # type: ignore[arg-type]
    traj = simulate("il7_iv_bolus")
    level = float(traj["IL7_serum_total"][traj.time == 24.0][0])
    healthy = float(simulate("baseline")["IL7_serum_total"][-1])
    # runs on other output grids agree to the solver's noise (il7.claims.NOISE, 1e-4): 1e-5 held
    # until the transitional B stage changed the solver's steps (1.04e-5 apart)
    assert before.nominal == pytest.approx(level / healthy, rel=NOISE) and before.nominal > 1000
    assert after.nominal == pytest.approx(level / float(traj["IL7_serum_total"][0]), rel=NOISE)
    assert after.nominal < 0.5


@pytest.mark.parametrize("top", ["3", 0, 2.5])
def test_a_tornado_of_no_whole_number_of_bars_is_refused_in_one_line(top: object) -> None:
    # figure(top='3') raised TypeError from a slice
    result = sensitivities("baseline", "IL7_serum_total", parameters=["mw_IL7"])
    with pytest.raises(Il7Error, match="give a whole number of bars of at least 1"):
        result.figure(top=top)  # type: ignore[arg-type]


def test_a_response_far_from_linear_is_marked() -> None:
    """A row whose two sides alone give log slopes more than 2-fold apart is marked: here the
    readout grows 10-fold for x1.1 and falls 5% for /1.1 (a threshold just above the value)."""
    from il7.sensitivity import _row

    p = build.parameters_by_id()["r_allo"]
    row = _row(p, 0.3, 1.0, {"high": 10.0, "low": 0.95}, {}, 1.1)
    up, down = math.log(10.0) / math.log(1.1), -math.log(0.95) / math.log(1.1)
    assert row.method == (
        f"central, far from linear here: the upper side alone gives {up:+.3g}, the lower {down:+.3g}; "
        "no one slope describes the response"
    )
    assert row.coefficient == pytest.approx(math.log(10.0 / 0.95) / (2 * math.log(1.1)), rel=1e-12)
    flat = _row(p, 0.3, 1.0, {"high": 1.0 + 1e-4, "low": 1.0 - 1e-4}, {}, 1.1)
    assert flat.method == "central"
    # a nominal value across 0 from both sides: not monotone, so no one slope either
    across = _row(p, 0.3, -0.1, {"high": 1.2, "low": 1.1}, {}, 1.1)
    assert across.method.startswith("central, far from linear here: the readout reaches 0 or changes sign")


def test_the_coefficient_is_a_log_slope_where_a_readout_grows_exponentially() -> None:
    """Gain-of-function blasts grow as exp((r_leuk_max - d_leuk) t), so ln(blasts) at day 21 is
    linear in r_leuk_max: both sides give the same log slope, d ln y / d ln p = r_leuk_max x 21
    days x (its share of the signal); the relative change (Delta y / y) / (Delta p / p) gave +18
    where the slope was +14 (at the 0.7/day r_leuk_max then), and marked it far from linear (a
    leukaemia biologist's walk-through)."""
    result = sensitivities("leukaemia_il7r_gof", "Leuk", at=21.0, parameters=["r_leuk_max", "d_leuk"])
    rows = {r.parameter: r for r in result.rows}
    for row in rows.values():
        assert row.method == "central"
        assert row.coefficient == pytest.approx(math.log(row.high / row.low) / (2 * math.log(1.1)), rel=1e-12)
    table = parameter_table()["value"]
    assert rows["r_leuk_max"].coefficient == pytest.approx(table["r_leuk_max"] * 21.0, rel=0.01)
    assert rows["d_leuk"].coefficient == pytest.approx(-table["d_leuk"] * 21.0, rel=0.01)
    # a value's source and its note, which says how it was derived, travel with the row (CSV, JSON)
    assert "PMID 9326202" in rows["r_leuk_max"].source and "birth rate in vivo" in rows["r_leuk_max"].note
    assert "birth rate in vivo" in result.to_pandas().loc["r_leuk_max", "note"]


def test_a_readout_absent_from_the_whole_run_is_refused() -> None:
    # IL-4 in a body without IL-4 (3e-27 pg/mL all along) got a coefficient of -703,286 for
    # IL7_production: the noise check compared it only with its own largest value. It is 0 now
    # (since the SBML writes out the rates that named other reactions), less than one molecule
    with pytest.raises(
        Il7Error, match=r"IL4_medium at day 7 is .* less than one molecule or cell more of any species"
    ):
        sensitivities("baseline", "IL4_medium", parameters="IL7_production")


def test_a_readout_below_one_molecule_is_refused() -> None:
    # a trace of IL-4 (1e-12 pg/mL, a millionth of one molecule in the well): not noise, for it is
    # the run's largest value, but no relative change of it means anything
    trace = load(
        {
            "name": "trace",
            "description": "a trace of IL-4 in a well",
            "context": "culture_well",
            "time_unit": "h",
            "periods": [
                {"time": "-inf"},
                {"time": 0, "dose": {"drug": "IL4", "amount": 1e-12, "unit": "pg/mL", "route": "medium"}},
            ],
            "readouts": ["IL4_medium"],
            "output": {"times": [0, 1]},
        }
    )
    with pytest.raises(
        Il7Error,
        match=r"IL4_medium at 1 h is [0-9.]+e-13 pg/mL, less than one molecule or cell more of any species",
    ):
        sensitivities(trace, "IL4_medium", at=1.0, parameters="kon_IL7")


def test_bad_arguments_to_a_sensitivity_are_one_line_errors() -> None:
    # overrides as text failed in dict(); --at 1e15 (h) ran 1e11 years; --fold-from -1e300 failed
    # in the solver, which then pointed at the parameters
    run = {"scenario": "il7_iv_bolus", "readout": "IL7_serum_total", "parameters": "age"}
    with pytest.raises(Il7Error, match=r"overrides: give a mapping of parameter id to value, .* not a str"):
        sensitivities(**run, overrides="age=5")  # type: ignore[arg-type]
    with pytest.raises(Il7Error, match=r"at \(--at\): the run from 0 to 1e\+15 h is longer than 1,000 years"):
        sensitivities(**run, at=1e15)
    with pytest.raises(Il7Error, match=r"fold_from \(--fold-from\): the run from -1e\+300 to 1 h"):
        sensitivities(**run, at=1.0, fold_from=-1e300)
    with pytest.raises(Il7Error, match="progress 'x' is not a function"):
        sensitivities(**run, progress="x")  # type: ignore[arg-type]
