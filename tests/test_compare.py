"""A run beside the user's measurements (il7.compare, il7 simulate --data)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import il7
from il7.cli import main


def _measured(
    times: list[float], values: list[float], readout: str, sigma: list[float] | None = None
) -> pd.DataFrame:
    frame = pd.DataFrame({"readout": readout, "time [h]": times, "measurement": values})
    if sigma is not None:
        frame["sigma"] = sigma
    return frame


def test_each_measurement_meets_the_model_at_its_own_time() -> None:
    # 0.37 h lies between the scenario's half-hourly output times, and IL7_tissue_conc is not
    # among its readouts: the comparison reads it there, as a run whose grid holds 0.37 h does
    scenario = il7.load_scenario("il7_iv_bolus")
    assert 0.37 not in scenario.times and "IL7_tissue_conc" not in scenario.readouts
    fine = il7.simulate(scenario.with_readouts(["IL7_tissue_conc"]).with_output(step=0.01))
    at = int(np.argmin(np.abs(fine.time - 0.37)))
    assert fine.time[at] == pytest.approx(0.37)
    expected = float(fine["IL7_tissue_conc"][at])
    # measured at twice and half the model: model / measured 0.5 and 2, geometric mean 1
    data = pd.concat(
        [
            _measured([0.37], [2 * expected], "IL7_tissue_conc", [expected]),
            _measured([0.37], [expected / 2], "IL7_tissue_conc", [expected]),
        ]
    )
    comparison = il7.compare(scenario, data)
    assert comparison.model == pytest.approx([expected, expected], rel=1e-6)
    table = comparison.to_pandas()
    assert list(table["model/measured"]) == pytest.approx([0.5, 2.0], rel=1e-6)
    row = comparison.summary().loc["IL7_tissue_conc"]
    assert row["n"] == 2 and row["model/measured (geometric mean)"] == pytest.approx(1.0, rel=1e-6)
    # the errors are -1 and +0.5 sigma: rms sqrt((1 + 0.25) / 2)
    assert row["rms (model - measured) / sigma"] == pytest.approx(np.sqrt(0.625), rel=1e-6)
    # the scenario's own readouts and output times stay in the run
    assert set(scenario.readouts) <= set(comparison.trajectory.columns)
    assert set(scenario.times) <= set(comparison.trajectory.time)


def test_a_ratio_is_left_out_where_it_says_nothing() -> None:
    # a measured 0 (pSTAT5 before the dose falls to background): no ratio, and no sigma: no rms
    comparison = il7.compare("il7_iv_bolus", _measured([1.0, 2.0], [0.0, 0.5], "pSTAT5_frac"))
    table = comparison.to_pandas()
    assert np.isnan(table["model/measured"].iloc[0]) and np.isfinite(table["model/measured"].iloc[1])
    assert np.isnan(comparison.summary().loc["pSTAT5_frac", "rms (model - measured) / sigma"])
    assert repr(comparison) == "Comparison(scenario='il7_iv_bolus', 2 measurements of ['pSTAT5_frac'])"


def test_the_figure_draws_each_measurement_on_its_readouts_panel() -> None:
    data = pd.concat(
        [
            _measured([1.0, 24.0], [500.0, 30.0], "IL7_serum_total", [50.0, 3.0]),
            _measured([6.0], [0.4], "pSTAT5_frac"),
        ]
    )
    fig = il7.compare("il7_iv_bolus", data).figure()
    points = {ax.get_ylabel(): [bars.get_label() for bars in ax.containers] for ax in fig.axes}
    assert points["pg/mL"] == ["IL7_serum_total: measured"]
    assert points["dimensionless (1)"] == ["pSTAT5_frac: measured"]


def test_measurements_outside_the_run_or_none_are_refused_with_the_line() -> None:
    with pytest.raises(
        il7.Il7Error, match=r"^DataFrame row 0: a measurement of CD127_per_T at 300 h comes after .* --t-end"
    ):
        il7.compare("il7_iv_bolus", _measured([300.0], [1e4], "CD127_per_T"))
    with pytest.raises(il7.Il7Error, match="no measurements"):
        il7.compare("il7_iv_bolus", [])


def test_simulate_data_prints_the_measurements_beside_the_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "serum.csv"
    _measured([1.0, 24.0], [500.0, 30.0], "IL7_serum_total", [50.0, 3.0]).to_csv(data, index=False)
    expected = il7.compare("il7_iv_bolus", data).to_pandas()
    plot = tmp_path / "run.png"
    main(["simulate", "il7_iv_bolus", "--data", str(data), "--plot", str(plot), "--summary"])
    out = capsys.readouterr().out
    assert "your measurements beside the model" in out and "model / measured per readout" in out
    for model in expected["model"]:
        assert f"{model:.4g}" in out
    # the summary's row: each number under its own head (a column added once shifted them all)
    row = il7.compare("il7_iv_bolus", data).summary().loc["IL7_serum_total"]
    summary = out[out.index("model / measured per readout") :]  # its rows, over as many tables as needed
    cells = [
        c.strip()
        for x in summary.splitlines()
        if x.startswith("│ IL7_serum_total")
        for c in x.split("│")[2:-1]
    ]
    heads = ("model/measured (geometric mean)", "lowest", "highest", "rms (model - measured) / sigma")
    assert cells == ["pg/mL", "2", "2", *(f"{row[h]:.4g}" for h in heads)]
    assert plot.stat().st_size > 0
    data.write_text("readout,time [h],measurement\nIL7_serum_total,1,five hundred\n")
    with pytest.raises(SystemExit) as stop:
        main(["simulate", "il7_iv_bolus", "--data", str(data)])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and err.startswith("il7: error:") and "serum.csv:2" in err
    assert len(err.splitlines()) == 1


def test_extra_output_times_join_the_run_and_stay_within_it() -> None:
    scenario = il7.load_scenario("il7_iv_bolus")
    merged = scenario.with_times([0.37, 0.5])  # 0.5 h is already an output time
    assert 0.37 in merged.times and len(merged.times) == len(scenario.times) + 1
    assert list(merged.times) == sorted(merged.times)
    for bad, said in (
        (float("nan"), "not a finite number"),
        (300.0, "lies outside its run"),
        (True, "not a finite"),
    ):
        with pytest.raises(il7.Il7Error, match=said):
            scenario.with_times([bad])
    with pytest.raises(il7.Il7Error, match=r"times 'abc': give a list of numbers"):  # was "time 'a'"
        scenario.with_times("abc")  # type: ignore[arg-type]


def test_a_sample_at_a_doses_time_meets_the_level_before_the_dose() -> None:
    # il7_iv_bolus doses at 0 h, where its run starts: the sample there is the baseline, a trough
    before = il7.simulate("baseline")["IL7_serum_total"][-1]
    comparison = il7.compare("il7_iv_bolus", _measured([0.0, 1.0], [5.0, 5.0], "IL7_serum_total"))
    assert comparison.model[0] == pytest.approx(before, rel=1e-6)
    assert comparison.model[1] > 1000 * before  # an hour after 10 ug/kg IV


def test_a_time_a_unit_leaves_a_hair_off_the_end_is_the_end() -> None:
    # 16.8 h is day 0.7000000000000001: it is the end of a run that ends on day 0.7, not after it
    short = il7.load_scenario("baseline").with_output(t_end=0.7)
    assert short.time_unit == "day" and 16.8 / 24 > 0.7
    comparison = il7.compare(short, _measured([16.8], [600.0], "CD4_blood"))
    assert comparison.measurements[0].time == 0.7 and list(comparison.trajectory.time).count(0.7) == 1


def test_a_point_is_drawn_within_its_panel_and_unlikely_data_are_said() -> None:
    # sIL7R_serum stays flat in sportes_2008, whose panel is drawn +-5% around it; 100 ng/mL lies below
    comparison = il7.compare("sportes_2008", _measured([7.0 * 24], [100.0], "sIL7R_serum"))
    ax = next(a for a in comparison.figure().axes if a.get_ylabel() == "ng/mL")
    low, high = ax.get_ylim()
    assert low <= 100.0 <= high
    with pytest.warns(il7.Il7Warning, match="CD4_blood is 0 all through culture_dose"):
        il7.compare("culture_dose", _measured([1.0], [600.0], "CD4_blood"))
    with pytest.warns(il7.Il7Warning, match=r"a unit slip \(il7 reads IL7_serum_total in pg/mL\)"):
        il7.compare("il7_iv_bolus", _measured([1.0, 24.0], [0.2, 0.03], "IL7_serum_total"))


def test_a_file_may_say_days_or_hours_and_carry_comment_lines(tmp_path: Path) -> None:
    from il7.measurements import read_measurements

    data = tmp_path / "clinic.csv"
    data.write_text(
        "# CD4 counts, patient 7\nreadout,time [days],measurement\n# before the first dose\nCD4_blood,7,900\n"
    )
    (only,) = read_measurements(data)
    assert (only.readout, only.time, only.time_unit, only.value) == ("CD4_blood", 7.0, "day", 900.0)
    data.write_text("readout,time [hours],measurement\nIL7_serum_total,2,4000\n")
    assert read_measurements(data)[0].time_unit == "h"
    data.write_text("readout,time [s],measurement\nIL7_serum_total,2,4000\n")
    with pytest.raises(il7.Il7Error, match=r"the time column's unit 's' is unknown"):
        read_measurements(data)


def test_rows_of_one_dose_arm_run_at_that_dose_and_two_arms_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "arm.csv"
    data.write_text("readout,time [day],measurement,dose\nCD4_blood,28,1800,30 ug/kg\n")
    at_30 = il7.simulate(il7.load_scenario("sportes_2008").with_dose("30 ug/kg"))
    expected = float(np.interp(28.0, at_30.time, at_30["CD4_blood"]))
    assert il7.compare("sportes_2008", data).model == pytest.approx([expected], rel=1e-6)
    # --dose beside the column would set the doses twice
    with pytest.raises(SystemExit) as stop:
        main(["simulate", "sportes_2008", "--data", str(data), "--dose", "10"])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and "--dose '10' and the dose column of" in err and len(err.splitlines()) == 1
    data.write_text(
        "readout,time [day],measurement,dose\nCD4_blood,28,1800,30 ug/kg\nCD4_blood,28,1200,3 ug/kg\n"
    )
    with pytest.raises(
        il7.Il7Error, match=r"arm.csv:3: the measurements name 2 dose arms \(30 ug/kg, 3 ug/kg\)"
    ):
        il7.compare("sportes_2008", data)
    # one dose written two ways is one arm, not two ("a comparison is one run")
    data.write_text(
        "readout,time [day],measurement,dose\nCD4_blood,28,1800,30 ug/kg\nCD4_blood,28,1200,0.03 mg/kg\n"
    )
    assert il7.compare("sportes_2008", data).model == pytest.approx([expected] * 2, rel=1e-6)
    # but a concentration and an amount with the same molecules per litre and per bolus are two
    data.write_text("readout,time [h],measurement,dose\npSTAT5_frac,1,0.5,1 ng/mL\npSTAT5_frac,1,0.5,1 ug\n")
    with pytest.raises(il7.Il7Error, match=r"the measurements name 2 dose arms \(1 ng/mL, 1 ug\)"):
        il7.compare("culture_dose", data)
