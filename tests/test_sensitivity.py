"""Local sensitivities (il7.sensitivity): exact on relations known in closed form, one-sided
where a side is refused, each parameter scaled from its value in the scenario, and one-line
errors for bad questions (the command's cases are in test_cli.py)."""

from __future__ import annotations

import math

import pytest

from il7 import build
from il7.errors import Il7Error
from il7.sensitivity import sensitivities, varied_parameters
from il7.simulate import simulate


def test_linear_observable_map_is_exact() -> None:
    """pSTAT5_MFI = offset + scale x fraction, so d ln MFI / d ln scale = (MFI - offset) / MFI and
    d ln MFI / d ln offset = offset / MFI, exactly at any step; a tumour parameter, in a well
    without tumour, moves nothing."""
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
    assert rows["pSTAT5_MFI_scale"].coefficient == pytest.approx((mfi - offset) / mfi, rel=1e-9)
    assert rows["pSTAT5_MFI_offset"].coefficient == pytest.approx(offset / mfi, rel=1e-9)
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
    assert row.parameter == "B_step_IL7_free" and row.method.startswith("lower side only")
    assert math.isnan(row.high) and row.coefficient == 0.0  # B-cell development: not in a T-cell well
    assert result.skipped == (("translation", "scenario 'il7ra_turnover_chx' sets it after its start"),)


def test_each_parameter_is_scaled_from_its_value_in_the_scenario() -> None:
    """The well switches the body's IL-7 sources off (0: not varied, rather than scaled from the
    table's body value), and levy_2012's treated-HIV CD4 loss is scaled from the scenario's
    0.0033/day, not from the table's 0."""
    well = sensitivities("culture_dose", "pSTAT5_frac", at=0.5, parameters=["src_stroma", "k_pSTAT5"])
    assert [r.parameter for r in well.rows] == ["k_pSTAT5"]
    assert well.skipped == (
        ("src_stroma", "0 in scenario 'culture_dose' (switched off there): nothing to scale"),
    )
    hiv = sensitivities("levy_2012", "CD4_blood", at=0.0, parameters=["k_deplete_CD4"])
    (row,) = hiv.rows
    assert row.value == pytest.approx(0.0033) and row.coefficient < -0.1  # more loss, fewer CD4


def test_processes_give_the_same_rows() -> None:
    """Run in two spawned processes, the rows are those of one process, number for number."""
    ids = ["CL_IL7", "src_stroma", "B_step_IL7_free", "k_deplete", "halflife_naive_CD4"]
    one = sensitivities("baseline", "IL7_serum_total", parameters=ids)
    two = sensitivities("baseline", "IL7_serum_total", parameters=ids, jobs=2)
    assert two == one and len(one.rows) == 4 and one.skipped[0][0] == "k_deplete"


def test_default_parameters_leave_out_constants_switches_and_the_anchor() -> None:
    varied = set(varied_parameters())
    assert {"N_avogadro", "pSTAT5_ref", "translation", "k_deplete", "tumour_seed"}.isdisjoint(varied)
    assert {"CL_IL7", "src_stroma", "gc_per_T", "halflife_naive_CD4"} <= varied


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"readout": "IL7_serumm"}, "unknown readout 'IL7_serumm'; did you mean 'IL7_serum'"),
        ({"at": -1.0}, "must be a finite time at or after the scenario's first output, 0 day"),
        ({"at": math.nan}, "must be a finite time"),
        ({"step": 0.0}, "must be a number above 0 and at most 1"),
        ({"jobs": -1}, "jobs -1 must be a whole number >= 0"),
        ({"parameters": ["CL_IL8"]}, "'CL_IL8' is not a parameter; did you mean 'CL_IL7'"),
        ({"parameters": ["Kd_IL7Ra"]}, "'Kd_IL7Ra' is computed by the model"),
        ({"parameters": ["CL_IL7", "CL_IL7"]}, "listed twice"),
        ({"overrides": {"CL_IL7": -1}}, "is negative"),
    ],
)
def test_bad_questions_are_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"readout": "IL7_serum", "parameters": ["CL_IL7"], **kwargs}
    readout = args.pop("readout")
    with pytest.raises(Il7Error) as info:
        sensitivities("baseline", readout, **args)  # type: ignore[arg-type]
    assert message in str(info.value) and "\n" not in str(info.value)
