"""The command line: outputs, and one-line errors with exit status 2 and no traceback."""

import json
import math
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from il7.claims import targets
from il7.cli import main
from il7.cli.output import PIPED_WIDTH
from il7.simulate import simulate


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_vocabulary_lists_what_a_scenario_file_may_name(capsys: pytest.CaptureFixture[str]) -> None:
    """A newcomer writing a scenario found the drugs, their routes and the knockouts only in the README's prose."""
    from il7 import scenario

    code, out, _ = run(capsys, "scenarios", "--vocabulary")
    words = scenario.vocabulary()
    assert code == 0
    for kind in ("contexts", "drugs", "knockouts", "seeds"):
        assert all(f"│ {name} " in out for name in words[kind]), kind
    # each drug's own routes, in its row (a route the drug lacks is refused in a file)
    assert all(f"│ {name} " in out and ", ".join(d["routes"]) in out for name, d in words["drugs"].items())
    assert "60 ug/kg" in out and "ug/kg/h" in out and "PF-06342674" in out
    code, _, err = run(capsys, "scenarios", "baseline", "--vocabulary")
    assert code == 2 and "give a scenario's name or --vocabulary, not both" in err


def test_scenarios_lists_descriptions_and_doses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenarios")
    assert code == 0 and "baseline" in out and "culture_dose" in out
    # what --dose would change: each scenario's boluses, counted
    assert "doses: IL7 10 ug/kg sc x8 every 2 days" in out and "doses: CYT107 20 ug/kg sc x3 every 7" in out
    assert "doses: IL7 10 ng/mL medium; IL4 6.25 pM medium" in out
    # each scenario's time unit and output end, in which --t-end, --at and --step are given
    assert "time in h, output to 504" in out and "time in min, output to 30" in out


def test_scenarios_prints_a_built_in_file_to_copy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A newcomer wanting a scenario of their own found the built-in files only in the source tree."""
    code, out, _ = run(capsys, "scenarios", "sereti_2009")
    assert code == 0 and out.startswith("name: sereti_2009\n")
    from il7.scenario import load

    copy = tmp_path / "mine.yaml"
    copy.write_text(out, encoding="utf-8")
    mine, builtin = load(str(copy)), load("sereti_2009")
    assert mine.periods == builtin.periods and mine.readouts == builtin.readouts
    code, _, err = run(capsys, "scenarios", "sereti")
    assert (
        code == 2
        and "no built-in scenario 'sereti' (did you mean 'sereti_2009'?); il7 scenarios lists" in err
    )
    code, _, err = run(capsys, "scenarios", str(copy))  # a file of one's own: no built-in of that name
    assert code == 2 and "is a file already: il7 scenarios NAME prints a built-in" in err


def test_version_names_the_model_and_data_fingerprints(capsys: pytest.CaptureFixture[str]) -> None:
    from il7 import __version__, build

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith(f"il7 {__version__} (model {build.digest()[:12]}, scenarios and data ")
    assert build.data_digest()[:12] in out and build.data_digest() != build.digest()


def test_readouts_lists_every_observable_with_its_unit(capsys: pytest.CaptureFixture[str]) -> None:
    from il7 import build

    code, out, _ = run(capsys, "readouts")
    assert code == 0 and all(o.id in out for o in build.observables()) and "pg/mL" in out
    # the species too, which the table only mentioned: a user could not find Leuk or DN
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert all(s in rows for s in build.libsbml_species_ids())
    assert "leukaemic blasts" in rows["Leuk"] and "cells" in rows["Leuk"]


def test_simulate_reads_out_what_readouts_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "leukaemia_il7r_gof", "--readouts", "+S_leuk", "--t-end", "2")
    header = next(line for line in out.splitlines() if "Leuk" in line)
    assert (
        code == 0
        and ["Leuk", "IL7_serum_total", "S_leuk"] == [c.strip() for c in header.strip("┃").split("┃")][1:]
    )
    code, out, _ = run(capsys, "simulate", "baseline", "--readouts", "Tumour,DN", "--t-end", "1")
    assert code == 0 and "Tumour" in out and "IL7_serum" not in out
    code, _, err = run(capsys, "simulate", "baseline", "--readouts", "leuk")
    assert code == 2 and "--readouts 'leuk': not an observable or species (did you mean 'Leuk'?)" in err
    code, _, err = run(capsys, "simulate", "baseline", "--readouts", "blood_CD4")  # the words swapped
    assert (
        code == 2
        and "--readouts 'blood_CD4': not an observable or species (did you mean 'CD4_blood'?)" in err
    )


def test_simulate_writes_csv_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, png = tmp_path / "b.csv", tmp_path / "plots" / "b.PNG"  # a new folder; any case of suffix
    code, _, err = run(
        capsys,
        "simulate",
        "il7_iv_bolus",
        "--set",
        "T_fixed=1e11",
        "--t-end",
        "48",
        "--out",
        str(csv),
        "--plot",
        str(png),
    )
    assert code == 0, err
    assert f"--plot: made the folder '{png.parent}', which did not exist" in err  # a typo shows
    assert "--out: made the folder" not in err
    text = csv.read_text().splitlines()
    assert text[0].startswith("time [h],IL7_serum_total [pg/mL]")
    assert float(text[-1].split(",")[0]) == 48.0
    assert png.stat().st_size > 1000


def test_simulate_summary_reads_the_peak_and_its_area(capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    import il7

    code, out, _ = run(capsys, "simulate", "sereti_2009", "--step", "1", "--t-end", "96", "--summary")
    assert code == 0 and "t_max" in out and "pg/mL*h" in out
    assert "min, max and auc are read on the 97 output times" in out  # Cmax is the grid's
    traj = il7.simulate(il7.load_scenario("sereti_2009").with_output(step=1.0, t_end=96))
    course = traj.summary().loc["IL7_serum_total"]
    serum = traj["IL7_serum_total"]
    # the SC dose peaks after its absorption, not at the dose, and the area is the trapezoids'
    assert 12 < course["t_max"] < 72 and course["max"] == serum.max() > 100 * course["first"]
    trapezoids = float(np.sum((serum[1:] + serum[:-1]) / 2 * np.diff(traj.time)))
    assert course["auc"] == pytest.approx(trapezoids, rel=1e-12) and course["auc"] > 0
    # a flat readout has no time of its peak (Treg_blood read t_max = 504 h, the last time, by noise)
    treg = traj.summary().loc["Treg_blood"]
    assert math.isnan(treg["t_max"]) and math.isnan(treg["t_min"])
    assert f"{course['max']:.4g}" in out
    code, out, _ = run(capsys, "simulate", "baseline", "--summary", "--t-end", "3")
    cells = [c.strip() for line in out.splitlines() if line.startswith("│") for c in line.split("│")]
    assert code == 0 and "flat" in cells and "nan" not in cells  # a steady readout has no t_max


def test_simulate_table_shows_units(capsys: pytest.CaptureFixture[str]) -> None:
    # units are written in brackets, which rich would otherwise take for markup and drop
    code, out, _ = run(capsys, "simulate", "baseline", "--t-end", "1")
    assert code == 0 and "time [" in out and "[pg/mL]" in out


def test_simulate_table_never_cuts_or_splits_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    # on 80 columns rich printed 4.007e-11 as "4.007e-…", or over two lines as "4.007e-1" and "1"
    code, out, _ = run(capsys, "simulate", "culture_dose")
    rows = [line.strip("│").split("│") for line in out.splitlines() if line.startswith("│")]
    cells = [cell.strip() for row in rows for cell in row]
    # pSTAT5 at 12 h (about 1e-11), a whole number with a two-digit exponent, printed in full
    at_12 = [row for row in rows if row[0].strip() == "12"]  # a row in each of the two tables
    assert code == 0 and len(at_12) == 2 and re.fullmatch(r"\d\.\d+e-1\d", at_12[1][1].strip())
    assert out.count("┏") == 2  # split into two tables
    assert all(math.isfinite(float(cell)) for cell in cells)  # every cell a whole number
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_readout_that_is_0_all_through_the_run_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    """A newcomer read a column of zeros for serum IL-7 in a well of 1 ng/mL as no IL-7."""
    code, _, err = run(capsys, "simulate", "culture_dose", "--readouts", "IL7_serum_total,IL7_tissue_conc")
    assert code == 0 and "il7: note: IL7_serum_total is 0 at every output time" in err
    (zero,) = [line for line in err.splitlines() if "at every output time" in line]
    assert "(culture_well)" in zero and "IL7_tissue_conc" not in zero
    _, _, err = run(capsys, "simulate", "baseline")
    assert "at every output time" not in err


def test_a_table_written_to_a_file_is_not_wrapped_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # il7 claims > claims.txt wrapped each claim over many lines of an 80-column table
    monkeypatch.delenv("COLUMNS")
    code, out, _ = run(capsys, "simulate", "culture_dose")
    assert code == 0 and out.count("┏") == 1  # one table, where 80 columns take two
    assert 80 < max(len(line) for line in out.splitlines()) <= PIPED_WIDTH


def test_a_note_that_explains_an_error_is_said_before_it(capsys: pytest.CaptureFixture[str]) -> None:
    # the notes were said after the command's block, so an error lost them: here a 50-fold dose's
    # note before a readout the body lacks
    code, _, err = run(
        capsys, "sensitivity", "sportes_2008", "IL4_medium", "--dose", "3000 ug/kg", "--parameters", "CL_IL7"
    )
    lines = err.strip().splitlines()
    assert code == 2 and lines[-1].startswith("il7: error: ") and "less than one molecule" in lines[-1]
    assert lines[-2].startswith("il7: note: a dose of IL7 is 50 times the highest studied")


def test_a_dose_level_over_a_loading_regimen_says_it_levels_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --dose 2 ran a 3 mg/kg loading dose and five of 1 mg/kg as six of 2 mg/kg, with no word
    path = tmp_path / "load.yaml"
    path.write_text(
        "name: load\ndescription: a loading dose\ncontext: human_body\ntime_unit: day\nperiods:\n"
        "  - time: -inf\n  - time: 0\n    dose: {drug: anti_CD127, amount: 3, unit: mg/kg, route: sc}\n"
        "  - time: 14\n    dose: {drug: anti_CD127, amount: 1, unit: mg/kg, route: sc, every: 14, count: 5}\n"
        "readouts: [anti_CD127_occupancy]\noutput: {t_end: 28, n: 3}\n"
    )
    code, _, err = run(capsys, "simulate", str(path), "--dose", "2 mg/kg")
    assert (
        code == 0
        and (
            "il7: note: --dose '2 mg/kg' replaces each of the scenario's 6 doses, which were not all the same "
            "(3 mg/kg, 1 mg/kg)"
        )
        in err
    )
    code, _, err = run(capsys, "simulate", "sportes_2008", "--dose", "3 ug/kg", "--t-end", "1")
    assert code == 0 and "replaces each" not in err  # one level already: nothing levelled


def test_export_says_a_value_outside_its_bounds_as_simulate_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # simulate said it; export wrote the document with only 'wrote ...'
    said = "il7: note: CL_IL7 = 100 L/h lies outside its bounds (0.05 to 3 L/h"
    for what, name in (("sbml", "y.xml"), ("omex", "y.omex")):
        code, out, err = run(
            capsys,
            "export",
            what,
            "--scenario",
            "baseline",
            "--set",
            "CL_IL7=100",
            "-o",
            str(tmp_path / name),
        )
        assert code == 0 and out.startswith("wrote ") and err.count(said) == 1, what
    # PEtab builds several documents: the note once, not once each, nor as a Python warning
    data = tmp_path / "my.csv"
    data.write_text("readout,time [day],measurement,sigma\nCD4_blood,7,900,90\n")
    for argv in (
        [
            "--scenario",
            "sportes_2008",
            "--data",
            str(data),
            "--estimate",
            "ka_rIL7_sc",
            "-o",
            str(tmp_path / "p1"),
        ],
        ["-o", str(tmp_path / "p2")],
    ):
        code, _, err = run(capsys, "export", "petab", *argv, "--set", "CL_IL7=100")
        assert code == 0 and err.count(said) == 1 and "Il7Warning" not in err, argv


def test_a_file_named_as_a_built_in_scenario_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a scenario saved as 'baseline' in the working folder: the built-in ran, with no word
    monkeypatch.chdir(tmp_path)
    _healthy_course(tmp_path / "baseline", t_end=1, n=2)
    code, _, err = run(capsys, "simulate", "baseline", "--t-end", "1")
    assert code == 0 and "il7: note: a file 'baseline' is here too; il7 runs its built-in" in err
    code, out, err = run(capsys, "simulate", "./baseline")
    assert code == 0 and "note" not in err and "CD4_blood" in out


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("tissue=200 ul", "unknown unit 'ul' (did you mean 'uL'?); tissue takes L, mL, uL"),
        ("age=60 Years", "unknown unit 'Years' (did you mean 'years'?)"),
        (
            "body_weight=60",
            "for a lighter or heavier patient set plasma, tissue, V_blood, Q_lymph and CL_IL7",
        ),
    ],
)
def test_a_unit_in_another_case_and_a_body_weight_are_answered_with_the_fix(
    setting: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'ul' and 'Years' listed the units without pointing at the one meant; a body weight advised a
    # flat dose, which gives the same 70-kg body another amount
    code, _, err = run(capsys, "simulate", "baseline", "--set", setting)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_body_weight_gets_the_same_answer_in_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    # --set explained the fixed weight; --vary, sensitivity and PEtab said only "not a parameter"
    said = "not a parameter; a scenario's body weight is its context's, fixed (human_body 70 kg"
    for argv in (
        ["population", "baseline", "--vary", "body_weight=cv 20%", "--n", "2"],
        ["sensitivity", "baseline", "IL7_serum_total", "--parameters", "bw"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2 and said in err, argv


def test_a_table_on_a_terminal_takes_the_terminals_width(monkeypatch: pytest.MonkeyPatch) -> None:
    from il7.cli import output

    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(output.sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(os, "get_terminal_size", lambda *fd: os.terminal_size((123, 40)))
    assert output.console().width == 123  # (it asserted only "not the piped width")
    monkeypatch.setattr(output.sys.stdout, "isatty", lambda: False)
    assert output.console().width == output.PIPED_WIDTH


def test_export_takes_the_output_options_of_simulate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # export omex refused --t-end, --step and --readouts ("unrecognized arguments"); a modeller
    # wanting hourly output in COPASI had to copy the scenario file
    import zipfile

    archive = tmp_path / "s.omex"
    code, out, _ = run(
        capsys, "export", "omex", "--scenario", "sereti_2009", "--t-end", "96", "--step", "1",
        "--readouts", "IL7_serum_total", "-o", str(archive),
    )  # fmt: skip
    sedml = zipfile.ZipFile(archive).read("simulation.sedml").decode()
    assert code == 0 and "simulate to 96 h" in out
    assert 'numberOfSteps="96"' in sedml and "IL7_serum_total" in sedml and "CD127_per_T" not in sedml
    code, _, err = run(capsys, "export", "petab", "--t-end", "3", "-o", str(tmp_path / "p"))
    assert code == 2 and "--t-end goes with --scenario (for measurements after its end)" in err
    code, _, err = run(capsys, "export", "petab", "--step", "3", "-o", str(tmp_path / "p"))
    assert code == 2 and "--step shapes a scenario's run: give it with export sbml or omex" in err
    code, _, err = run(capsys, "export", "sbml", "--readouts", "CD4_blood", "-o", str(tmp_path / "m.xml"))
    assert code == 2 and "--readouts shapes a scenario's run: give it with --scenario" in err
    # a measurement after the scenario's end was told to use --t-end, which export petab refused
    data = tmp_path / "late.csv"
    data.write_text("readout,time [day],measurement\nIL7_serum_total,1,60\nCD4_blood,60,900\n")
    petab = ["export", "petab", "--scenario", "sereti_2009", "--data", str(data), "--estimate", "ka_rIL7_sc"]
    code, _, err = run(capsys, *petab, "-o", str(tmp_path / "p1"))
    assert code == 2 and "comes after the scenario's last output time (504 h)" in err and "--t-end" in err
    code, _, err = run(capsys, *petab, "--t-end", "1500", "-o", str(tmp_path / "p2"))
    assert code == 0, err
    written = (tmp_path / "p2" / "measurements.tsv").read_text().splitlines()
    assert [line.split("\t")[3] for line in written[1:]] == ["24.0", "1440.0"]  # the time column


def _healthy_course(path: Path, *, t_end: float, n: int) -> Path:
    """A small scenario file: a healthy adult's blood CD4 on n output times to day t_end."""
    path.write_text(
        "name: course\ndescription: a healthy adult\ncontext: human_body\ntime_unit: day\nperiods:\n  - time: -inf\n"
        f"readouts: [CD4_blood]\noutput: {{t_end: {t_end:g}, n: {n}}}\n"
    )
    return path


def test_simulate_says_what_comes_after_the_output_ends(capsys: pytest.CaptureFixture[str]) -> None:
    # --t-end 5 on a course of 8 doses every 2 days: the last 5 doses were left out without a word
    code, out, err = run(capsys, "simulate", "sportes_2008", "--t-end", "5")
    assert code == 0 and "time [day]" in out
    assert err.strip() == (
        "il7: note: the output ends at day 5, before 5 of the scenario's 8 doses (from day 6), which it "
        "does not show; give a later --t-end to see them"
    )
    code, _, err = run(capsys, "simulate", "sportes_2008")
    assert code == 0 and err == ""


def test_export_and_population_say_what_comes_after_the_output_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # only simulate said it: the exported SBML held no dose event at all, without a word
    course = tmp_path / "late.yaml"
    course.write_text(
        "name: late\ndescription: a dose after the output ends\ncontext: human_body\ntime_unit: day\n"
        "periods:\n  - time: -inf\n  - time: 10\n    dose: {drug: IL7, amount: 10, unit: ug/kg, route: sc}\n"
        "readouts: [IL7_serum_total]\noutput: {t_end: 3, n: 4}\n"
    )
    code, _, err = run(capsys, "export", "sbml", "--scenario", str(course), "-o", str(tmp_path / "late.xml"))
    assert code == 0 and "before the dose at day 10, which the exported model does not hold" in err
    code, _, err = run(capsys, "population", str(course), "--n", "3", "--vary", "CL_IL7=cv 30%")
    assert code == 0 and "before the dose at day 10, which the patients' runs do not show" in err


def test_a_flat_dose_for_per_kg_doses_runs_with_a_note_of_its_size_per_kg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # '1 mg' for '1 mg/kg' is a 70-fold slip: it runs (a flat dose is a dose) and says what it is
    code, _, err = run(
        capsys, "simulate", "anti_cd127_q2w", "--dose", "1 mg", "--out", str(tmp_path / "a.csv")
    )
    assert code == 0, err
    assert "--dose '1 mg' is a flat amount per body, 0.0143 mg/kg in this 70-kg body" in err
    assert "write '1 mg/kg'" in err
    code, _, err = run(
        capsys, "simulate", "anti_cd127_q2w", "--dose", "1 mg/kg", "--out", str(tmp_path / "b.csv")
    )
    assert code == 0 and "flat amount" not in err
    # grams are a dose unit, within the same cap as the others (at most 100 mg/kg: 7 g in 70 kg)
    code, _, err = run(
        capsys, "simulate", "anti_cd127_q2w", "--dose", "8 g", "--out", str(tmp_path / "c.csv")
    )
    assert code == 2 and "at most 7 g, 100 mg/kg" in err


def test_dose_gives_the_scenario_at_another_dose_level_as_its_file_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from il7 import scenario

    # Sportes 2008's 30 ug/kg arm: the same as a copy of the file with amount 30, and more than 10
    own = tmp_path / "sportes_30.yaml"
    own.write_text(
        scenario.builtin_dir().joinpath("sportes_2008.yaml").read_text().replace("amount: 10,", "amount: 30,")
    )
    rows = {}
    for name, argv in {
        "option": ["sportes_2008", "--dose", "30 ug/kg"],
        "bare": ["sportes_2008", "--dose", "30"],
        "mg": ["sportes_2008", "--dose", "0.03 mg/kg"],
        "file": [str(own)],
        "scenario's": ["sportes_2008"],
    }.items():
        out = tmp_path / f"{name}.csv"
        code, _, err = run(capsys, "simulate", *argv, "--out", str(out))
        assert code == 0, err
        rows[name] = np.loadtxt(out, delimiter=",", skiprows=1)
    assert np.allclose(rows["option"], rows["file"], rtol=1e-6)
    assert np.allclose(rows["bare"], rows["file"], rtol=1e-6)
    assert np.allclose(rows["mg"], rows["file"], rtol=1e-6)
    peak_cd4 = {name: r[:, 2].max() for name, r in rows.items()}  # columns: time, IL-7, CD4, ...
    assert peak_cd4["option"] > 1.2 * peak_cd4["scenario's"]


def test_simulate_table_ends_at_the_last_output_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 26 output times (days 0-25), every 2nd shown: the last, day 25, must be shown too
    course = _healthy_course(tmp_path / "course.yaml", t_end=25, n=26)
    code, out, _ = run(capsys, "simulate", str(course))
    first_cells = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert code == 0 and first_cells[0] == "0" and first_cells[-1] == "25"


def test_simulate_table_shows_each_readouts_peak_and_says_what_it_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # every 30th of levy_2012's 365 days only: serum IL-7's peak, on day 9, was not shown (it read
    # as a fall, 6.1 -> 3.9 pg/mL), and nothing said that rows were left out
    code, out, _ = run(capsys, "simulate", "levy_2012")
    peak = simulate("levy_2012")
    il7 = np.asarray(peak["IL7_serum_total"])
    at = f"{float(peak.time[int(np.argmax(il7))]):g}"
    first_cells = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert code == 0 and at in first_cells and len(first_cells) < len(il7)
    assert f"of {len(il7)} output times shown" in out and "--out FILE.csv writes them all" in out


def test_a_folder_of_other_files_is_refused_and_a_folder_il7_wrote_is_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "README.md").write_text("my notes")
    code, _, err = run(capsys, "export", "petab", "-o", str(mine))
    assert code == 2 and "did not write (README.md)" in err
    assert (mine / "README.md").read_text() == "my notes"
    for _ in range(2):  # the second run writes over the first's files
        code, _, err = run(capsys, "export", "petab", "-o", str(tmp_path / "s3c"))
        assert code == 0, err
    code, _, err = run(capsys, "report", "--out", str(tmp_path / "s3c"))  # another command's folder
    assert code == 2 and "il7 report did not write" in err
    # a folder an older il7 filled, before markers: known by what it wrote, so it is reused
    (tmp_path / "s3c" / ".il7-export-petab").unlink()
    code, _, err = run(capsys, "export", "petab", "-o", str(tmp_path / "s3c"))
    assert code == 0, err
    # in the report's own folder, a folder named like one of its files is found before the run
    (tmp_path / "old-report").mkdir()
    (tmp_path / "old-report" / "index.html").write_text("<title>il7 report</title>")
    (tmp_path / "old-report" / "parameters.csv").mkdir()
    code, _, err = run(capsys, "report", "--out", str(tmp_path / "old-report"))
    assert code == 2 and "holds folders named like the report's files (parameters.csv)" in err


def test_parameters_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parameters", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["id"] for r in rows} >= {"T_fixed", "Kd_IL7Ra"}
    code, out, _ = run(capsys, "parameters", "--format", "csv")
    assert out.startswith("id,value,unit,lower,upper,status,source,note")
    code, out, _ = run(capsys, "parameters", "--context", "mouse_body")
    assert code == 0 and "il7 parameters (mouse_body)" in out
    code, out, _ = run(capsys, "parameters", "--context", "mouse_body", "--format", "csv")
    mouse = {line.split(",")[0]: line for line in out.splitlines()}
    assert (
        code == 0
        and mouse["Q_lymph"].startswith("Q_lymph,0.000312,L/h,")
        and mouse["Q_lymph"].endswith(",mouse_body")
    )
    code, _, err = run(capsys, "parameters", "--context", "mouse")
    assert code != 0 and "context 'mouse' is unknown (did you mean 'mouse_body'?)" in err


def test_export_sbml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "il7.xml"
    code, _, _ = run(capsys, "export", "sbml", "-o", str(out_file))
    assert code == 0 and "<sbml" in out_file.read_text() and "<event " not in out_file.read_text()


def test_export_sbml_with_a_scenario_says_where_its_time_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "transplant.xml"
    code, out, _ = run(
        capsys, "export", "sbml", "--scenario", "transplant", "--set", "age=50", "-o", str(out_file)
    )
    assert code == 0
    # the scenario starts with conditioning at day -7, 107 days before its last output time
    assert "model time 0 h = day -7; simulate to 2568 h" in out
    # conditioning, at model time 0, is in the start values; the graft (day 0) and its end (day 1) are events
    assert out_file.read_text().count("<event ") == 2


def test_export_omex_writes_the_scenario_and_its_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "tx.omex"
    code, out, _ = run(capsys, "export", "omex", "--scenario", "transplant", "-o", str(out_file))
    assert code == 0 and "model time 0 h = day -7; simulate to 2568 h (the archive's SED-ML says so)" in out
    with zipfile.ZipFile(out_file) as archive:
        assert {"manifest.xml", "model.xml", "simulation.sedml"} <= set(archive.namelist())


def test_export_petab_writes_the_problem_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "s3c"
    code, out, _ = run(capsys, "export", "petab", "-o", str(folder))
    assert code == 0 and f"wrote {folder / 'problem.yaml'}" in out
    names = {p.name for p in folder.iterdir()}
    assert "Written with these values" not in (folder / "README.md").read_text()
    assert names == {
        "problem.yaml",
        "model.xml",
        "conditions.tsv",
        "measurements.tsv",
        "observables.tsv",
        "parameters.tsv",
        "README.md",
        ".il7-export-petab",  # marks the folder as this command's (il7.files)
    }
    # --set changes the cells (a fixed receptor parameter) or where an estimated one starts
    code, _, _ = run(
        capsys, "export", "petab", "--set", "k_pSTAT5=0.5", "--set", "gc_per_T=600", "-o", str(folder)
    )
    assert code == 0
    rows = {r.split("\t")[0]: r.split("\t") for r in (folder / "parameters.tsv").read_text().splitlines()}
    assert float(rows["k_pSTAT5"][rows["parameterId"].index("nominalValue")]) == 0.5
    assert "k_pSTAT5 = 0.5, gc_per_T = 600" in (folder / "README.md").read_text()
    # an override the culture well cannot feel is said, not written silently
    code, _, err = run(capsys, "export", "petab", "--set", "age=60", "-o", str(folder))
    assert code == 0 and "age=60 moves none of the readouts of scenario 'gonnord2018_S3C'" in err


def test_simulate_says_which_readouts_fall_below_one_molecule(capsys: pytest.CaptureFixture[str]) -> None:
    # the well's used-up IL-7 printed as 7.4e-26 pg/mL at 24 h, with nothing to say it is no molecule
    code, _, err = run(capsys, "simulate", "culture_dose")
    one = 1 / 6.02214076e23 * 17.4e3 * 1e12 / 200e-3  # pg/mL of one 17.4-kDa molecule in 200 uL
    last = simulate("culture_dose").to_pandas()["IL7_tissue_conc [pg/mL]"].iloc[-1]
    # the solver's tail (7.4e-26 then; 0 since the solver's path leaves it within tolerance of 0)
    assert code == 0 and 0 <= last < one * 1e-10
    (note,) = [line for line in err.splitlines() if "below what one molecule" in line]
    assert f"IL7_tissue_conc ({one:.2g} pg/mL, first at 9 h)" in note and "read them as 0" in note
    assert "pSTAT5_frac (1e-06, first at 7.5 h)" in note  # one cell's worth among the well's 1e6
    code, _, err = run(capsys, "simulate", "baseline")
    assert code == 0 and "below what one molecule" not in err


def test_a_readout_of_cells_that_are_not_there_is_called_undefined(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a well without T cells printed pSTAT5_frac 0.52 with a note to read it as 0
    code, _, err = run(capsys, "simulate", "osteoclast_culture", "--set", "T_fixed=0 cells", "--summary")
    assert code == 0 and "pSTAT5_frac: every value lies within what one molecule" in err
    assert "read it as undefined" in err and "read them as 0" not in err
    # a well with its cells, given next to no IL-7, reads a tail near 0, not an undefined fraction
    code, _, err = run(capsys, "simulate", "culture_dose", "--dose", "1e-5 pg/mL", "--summary")
    assert code == 0 and "pSTAT5_frac (1e-06, first at" in err and "undefined" not in err


def test_bounds_are_carried_to_the_contexts_value_not_the_scenarios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # sil7r_high sets 8.54 nM, and 3 nM, within the table's 2-8 nM, was called outside "4 to 16 nM"
    code, _, err = run(capsys, "simulate", "sil7r_high", "--set", "sIL7R_level=3nM", "--summary")
    assert code == 0 and "sIL7R_level = 3 nM lies outside" not in err
    # nor is the scenario's own 8.54 nM, which the 3 nM replaces, said to lie outside them
    assert "8.54 nM lies outside" not in err and "replaces the 8.54 nM" in err
    code, _, err = run(capsys, "simulate", "sil7r_high", "--set", "sIL7R_level=0.003nM", "--summary")
    assert code == 0 and "sIL7R_level = 0.003 nM lies outside its bounds (2 to 8 nM);" in err


def test_simulate_says_an_override_that_moves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", "culture_dose", "--set", "age=60", "--summary")
    assert code == 0 and "age=60 moves none of the readouts of scenario 'culture_dose'" in err
    code, _, err = run(capsys, "simulate", "culture_dose", "--set", "kon_IL7=2e7", "--summary")
    assert code == 0 and "moves none" not in err
    # the many-run commands judge the readout they read, not the scenario's own
    sens = ["sensitivity", "baseline", "--set", "q_IL6=1e5", "--parameters", "CL_IL7"]
    code, _, err = run(capsys, *sens[:2], "CD4_blood", *sens[2:])
    assert code == 0 and "q_IL6=1e5 moves none of the readouts of scenario 'baseline'" in err
    code, _, err = run(capsys, *sens[:2], "IL6_conc", *sens[2:])
    assert code == 0 and "moves none" not in err


def test_export_petab_with_a_scenario_and_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "serum.csv"
    data.write_text("readout,time [day],measurement\nIL7_serum_total,1,5000\nIL7_serum_total,7,40000\n")
    argv = ["export", "petab", "--scenario", "sportes_2008", "--data", str(data), "-o", str(tmp_path / "p")]
    code, out, _ = run(capsys, *argv, "--estimate", "ka_rIL7_sc,F_rIL7_sc")
    assert code == 0 and "problem.yaml" in out
    estimated = [r.split("\t")[0] for r in (tmp_path / "p" / "parameters.tsv").read_text().splitlines()[1:]]
    assert estimated == ["ka_rIL7_sc", "F_rIL7_sc", "sigma_IL7_serum_total"]
    # a byte-order mark (Excel's "CSV UTF-8") and blank lines are fine
    data.write_bytes(b"\xef\xbb\xbfreadout,time [day],measurement\r\n\r\nCD4_blood,7,700\r\n")
    code, _, err = run(capsys, *argv, "--estimate", "ka_rIL7_sc")
    assert code == 0, err
    # --dose: the model's dose events carry three times the amount
    amounts = {}
    for dose in ("10", "30"):
        code, _, err = run(capsys, *argv, "--estimate", "ka_rIL7_sc", "--dose", dose)
        assert code == 0, err
        model = (tmp_path / "p" / "model.xml").read_text()
        found = re.search(
            r'name="day 2: rIL7_sc_depot \+ ([0-9.e+]+) item"', model
        )  # day 0's is in the start
        assert found is not None
        amounts[dose] = float(found.group(1))
    assert "--dose" in (tmp_path / "p" / "README.md").read_text()
    assert amounts["30"] == pytest.approx(3 * amounts["10"], rel=1e-4)
    # a scenario file inside the output folder is an input, and is not written over
    own = tmp_path / "p" / "problem.yaml"
    from il7 import scenario

    own.write_text((scenario.builtin_dir() / "sportes_2008.yaml").read_text())
    code, _, err = run(
        capsys,
        "export",
        "petab",
        "--scenario",
        str(own),
        "--data",
        str(data),
        "-o",
        str(tmp_path / "p"),
        "--estimate",
        "ka_rIL7_sc",
    )
    assert code == 2 and "would write over your input" in err
    assert own.read_text().startswith("name: sportes_2008")


PETAB_DATA = {
    "GOOD.csv": "readout,time [day],measurement\nCD4_blood,7,700\n",
    "TYPO.csv": "readout,time [day],measurement\nCD4_blod,7,700\n",
    "NOCOLUMN.csv": "readout,time [day],value\nCD4_blood,7,700\n",
    "NAN.csv": "readout,time [day],measurement\nCD4_blood,7,nan\n",
    "TEXT.csv": "readout,time [day],measurement\nCD4_blood,day 7,700\n",
    "EARLY.csv": "readout,time [day],measurement\nCD4_blood,-1,700\n",
    "MIXED.csv": "readout,time [day],measurement,sigma\nCD4_blood,7,700,50\nCD4_blood,14,800,\n",
    "NEGSIGMA.csv": "readout,time [day],measurement,sigma\nCD4_blood,7,700,-5\n",
    "HEADER.csv": "readout,time [day],measurement\n",
    "DATA.xlsx": "not a table",
    "LATE.csv": "readout,time [day],measurement\nCD4_blood,500,700\n",
    "EXTRA.csv": "readout,time [day],measurement\nCD4_blood,7,700,9\n",
    "TWICE.csv": "readout,time [day],measurement,time [h]\nCD4_blood,7,700,8\n",
    "PLAINTIME.csv": "readout,time,measurement\nCD4_blood,7,700\n",
    "SECONDS.csv": "readout,time [s],measurement\nCD4_blood,604800,700\n",
    "SD.csv": "readout,time [day],measurement,sd\nCD4_blood,7,700,50\n",
    "NEG.csv": "readout,time [day],measurement\nCD4_blood,7,-700\n",
    "PERCENT.csv": "readout,time [day],measurement\npSTAT5_frac,7,45\n",
    "CAPITALS.csv": "Readout,time [day],Measurement\nCD4_blood,7,700\n",
    "UNDERSCORE.csv": "readout,time [day],measurement\nCD4_blood,1_0,700\n",  # Python's float reads 10
    "COMMA.tsv": "readout,time [day],measurement\nCD4_blood,7,700\n",
    "p/measurements.tsv": "readout\ttime [day]\tmeasurement\nCD4_blood\t7\t700\n",  # in the output folder
    "NOTE.csv": "readout,time [day],measurement,note\nCD4_blood,7,700,ok\n",
    "TWOTYPOS.csv": "readout,time [day],measurement\nCD4_blod,7,700\nCD4_blood,8,700\nCD8_blod,9,300\n",
    "SEMICOLON.csv": "readout;time [day];measurement\nCD4_blood;7;700\n",
    "BLANKFIRST.csv": "\n\nreadout,time [day],measurement\nCD4_blood,7,700\nCD4_blod,8,700\n",
}


@pytest.mark.parametrize(
    ("data", "extra", "pattern"),
    [
        ("GOOD.csv", [], "needs what to estimate: add --estimate ID"),
        (None, ["--estimate", "ka_rIL7_sc"], "needs your measurements: add --data"),
        (
            "TYPO.csv",
            ["--estimate", "ka_rIL7_sc"],
            "TYPO.csv:2: readout 'CD4_blod' is not an observable or species (did you mean 'CD4_blood'?)",
        ),
        (
            "NOCOLUMN.csv",
            ["--estimate", "ka_rIL7_sc"],
            "must name readout, time [UNIT], measurement and optionally sigma, unit and dose, and found readout, time [day], value",
        ),
        ("NAN.csv", ["--estimate", "ka_rIL7_sc"], "NAN.csv:2: measurement: 'nan' is not finite"),
        ("TEXT.csv", ["--estimate", "ka_rIL7_sc"], "TEXT.csv:2: time: 'day 7' is not a number"),
        ("UNDERSCORE.csv", ["--estimate", "ka_rIL7_sc"], "UNDERSCORE.csv:2: time: '1_0' is not a number"),
        ("CAPITALS.csv", ["--estimate", "ka_rIL7_sc"], "(write the names in lower case)"),
        (
            "PERCENT.csv",
            ["--estimate", "ka_rIL7_sc"],
            "pSTAT5_frac, a fraction, is not between 0 and 1 (a percentage? write 0.45)",
        ),
        (
            "EARLY.csv",
            ["--estimate", "ka_rIL7_sc"],
            "EARLY.csv:2: a measurement of CD4_blood at day -1 comes before",
        ),
        # an unknown column was told to 'write the names in lower case'
        ("NOTE.csv", ["--estimate", "ka_rIL7_sc"], "(unknown: note; a standard deviation goes in sigma"),
        # only the first faulty row was named; scenario files name every problem at once
        ("TWOTYPOS.csv", ["--estimate", "ka_rIL7_sc"], "TWOTYPOS.csv: 2 rows with problems: (1) "),
        ("SEMICOLON.csv", ["--estimate", "ka_rIL7_sc"], "its columns are separated by semicolons; il7 reads"),
        (
            "BLANKFIRST.csv",
            ["--estimate", "ka_rIL7_sc"],
            "BLANKFIRST.csv:5: readout 'CD4_blod' is not an observable",
        ),
        ("MIXED.csv", ["--estimate", "ka_rIL7_sc"], "sigma is given for some measurements and not others"),
        ("NEGSIGMA.csv", ["--estimate", "ka_rIL7_sc"], "sigma -5 must be positive"),
        ("HEADER.csv", ["--estimate", "ka_rIL7_sc"], "no measurements below the header"),
        ("DATA.xlsx", ["--estimate", "ka_rIL7_sc"], "give the measurements as .csv or .tsv"),
        ("MISSING.csv", ["--estimate", "ka_rIL7_sc"], "cannot read"),
        ("GOOD.csv", ["--estimate", "CL_IL7"], "moves the scenario's starting steady state"),
        # 'not a parameter; did you mean IL7Ra_per_T?' for a readout
        (
            "GOOD.csv",
            ["--estimate", "CD4_blood"],
            "cannot estimate 'CD4_blood': a readout the model computes, not a parameter; set or estimate the "
            "parameters that decide it (`il7 sensitivity SCENARIO CD4_blood` ranks them)",
        ),
        ("GOOD.csv", ["--estimate", "n_commit"], "at its lower bound (1) it moves the scenario's starting"),
        (
            "GOOD.csv",
            ["--estimate", "ka_CYT107"],
            "changes none of CD4_blood at the measured times in scenario 'sportes_2008'",
        ),
        ("GOOD.csv", ["--estimate", "ka_rIL7_sc", "--set", "ka_rIL7_sc=2"], "starts at 2 1/h here"),
        (
            "LATE.csv",
            ["--estimate", "ka_rIL7_sc"],
            "LATE.csv:2: a measurement of CD4_blood at day 500 comes after",
        ),
        ("EXTRA.csv", ["--estimate", "ka_rIL7_sc"], "EXTRA.csv:2: 4 cells where the header names 3 columns"),
        ("TWICE.csv", ["--estimate", "ka_rIL7_sc"], "(time twice)"),
        # hours read as days put every measurement 24 times too late
        (
            "PLAINTIME.csv",
            ["--estimate", "ka_rIL7_sc"],
            "the time column must say its unit, as il7 simulate --out",
        ),
        (
            "SECONDS.csv",
            ["--estimate", "ka_rIL7_sc"],
            "the time column's unit 's' is unknown; write time [min], time [h]",
        ),
        (
            "SD.csv",
            ["--estimate", "ka_rIL7_sc"],
            "and found readout, time [day], measurement, sd (unknown: sd;",
        ),
        ("NEG.csv", ["--estimate", "ka_rIL7_sc"], "NEG.csv:2: measurement -700 of CD4_blood is negative"),
        ("COMMA.tsv", ["--estimate", "ka_rIL7_sc"], "separated by commas, but a file named .tsv is read as"),
        ("p/measurements.tsv", ["--estimate", "ka_rIL7_sc"], "would write over your input"),
    ],
)
def test_export_petab_scenario_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: str | None, extra: list[str], pattern: str
) -> None:
    for name, text in PETAB_DATA.items():
        if "/" in name and name != data:  # a file in the output folder only where the case needs it
            continue
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    argv = ["export", "petab", "--scenario", "sportes_2008", "-o", str(tmp_path / "p"), *extra]
    if data is not None:
        argv += ["--data", str(tmp_path / data)]
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    # the error is one line, the last; a note the run gave before it (a value outside its bounds, a
    # measurement on a dose's time) is said first, on lines of its own
    *notes, error = err.strip().splitlines()
    assert error.startswith("il7: error: ") and pattern in error
    assert all(line.startswith("il7: note: ") for line in notes)


BAD = """name: bad
description: three mistakes
context: human_bdy
time_unit: day
periods:
  - time: 0
    dose: {drug: IL7, amount: 10, unit: ug/kg, route: sc}
readouts: [IL7_serun]
output: {t_end: 10, n: 1}
"""


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["simulate", "nosuch"], "unknown scenario 'nosuch'"),
        (["simulate", "baseline", "--set", "N_Q=3"], "override 'N_Q': not a parameter"),
        # each of these had a misleading answer: a folder, a list of all, a near name, no hint
        (["simulate", "baseline", "--out", ""], "--out '': give a file name, e.g. --out out.csv"),
        (["simulate", "baseline", "--plot", ""], "--plot '': give a file name, e.g. --plot out.png"),
        (["scenarios", ""], "no built-in scenario ''"),
        (
            ["simulate", "baseline", "--readouts", "age"],
            "'age': a parameter (a run holds it fixed), not a readout",
        ),
        (  # p_IL7_n4 moves with IL-7 in a run, and was called a parameter a run holds fixed
            ["simulate", "baseline", "--readouts", "p_IL7_n4"],
            "'p_IL7_n4': a quantity the model derives (tcells.ant: p_max x S_n4^2",
        ),
        (
            ["simulate", "baseline", "--readouts", "IL7_serum;CD4_blood"],
            "separate readouts with commas, e.g. IL7_serum,CD127_per_T",
        ),
        (["simulate", "baseline", "--set", "knockout=IL7"], "a knockout goes in a period of a scenario file"),
        (
            ["simulate", "baseline", "--vary", "age=cv 30%"],
            "unrecognized arguments: --vary age=cv 30% (--vary is an option of il7 population)",
        ),
        (  # was "--readouts is an option of il7 export, il7 population", as if simulate had none
            ["simulate", "sereti_2009", "--", "--readouts", "CD4_blood"],
            "(--readouts is an option of il7 simulate, read as a word after '--', which ends the options: "
            "leave out the '--')",
        ),
        (
            ["--out=x.csv", "simulate", "baseline"],
            "--out=x.csv is given before the command; a command's options go after it: il7 simulate ... --out=x.csv",
        ),
        (["--bogus", "parameters"], "il7: error: unrecognized arguments: --bogus; see 'il7 --help'"),
        # was "invalid float value: '10 days'", without the fix
        (
            ["simulate", "sereti_2009", "--t-end", "10 days"],
            "argument --t-end: '10 days' has a unit; write the bare number, a time in the scenario's time unit",
        ),
        (
            ["sensitivity", "baseline", "IL7_serum_total", "--step", "10%"],
            "argument --step: '10%' has a unit; write the bare number, a fraction: 0.1 for 10%",
        ),
        (  # it read '1_0' as 10 and said "invalid float value" for a unit
            ["cohort", "--n", "10", "--threshold", "3e7 cells"],
            "argument --threshold: '3e7 cells' has a unit; write the bare number, a number of cells",
        ),
        (  # a traceback while the option type above raised for a unit
            ["population", "baseline", "--vary", "age=20..70", "--correlate", "age,CL_IL7=0.5 r"],
            "--correlate 'age,CL_IL7=0.5 r': write ID,ID=R",
        ),
        # was "the following arguments are required: command", without a word on --bogus
        (
            ["--bogus"],
            "il7: error: --bogus is no option of il7 itself (it has --help and --version), and no command",
        ),
        # was "invalid choice: '5'", as if 5 were meant for a command
        (
            ["--t-end", "5", "simulate", "baseline"],
            "--t-end is given before the command; a command's options go after",
        ),
        (["simulate", "baseline", "--set", "AGE=60"], "did you mean 'age'?"),
        # two parameters in one --set read as a value with the unit ',F_rIL7_sc=0.5'
        (
            ["simulate", "sereti_2009", "--set", "ka_rIL7_sc=0.25,F_rIL7_sc=0.5"],
            "one parameter per --set; repeat",
        ),
        # argparse took -1e3 for an option and said 'expected one argument'
        (
            ["simulate", "baseline", "--t-end", "-1e3"],
            "t_end (--t-end) -1000 must be a finite time after day 0 (a number in the scenario's time unit, day)",
        ),
        (["simulate", "sportes_2008", "--dose", "-inf"], "--dose '-inf': the amount is not a finite number"),
        (["simulate", "baseline", "--t-end", "1_0"], "argument --t-end: invalid float value: '1_0'"),
        # the last of an option given twice won silently
        (["simulate", "baseline", "--t-end", "5", "--t-end", "50"], "--t-end is given twice; give it once"),
        (["export", "sbml", "-o", "a.xml", "--output", "b.xml"], "-o/--output is given twice; give it once"),
        # an option a command does not take pointed to 'il7 --help', which lists no command's options
        (
            ["simulate", "baseline", "--bogus"],
            "il7: error: il7 simulate: unrecognized arguments: --bogus; see 'il7 simulate --help'",
        ),
        # far beyond the bounds the steady-state search ran for hours; a mouse's own volume is fine
        (
            ["simulate", "baseline", "--set", "tissue=1e-300 uL"],
            "more than 1000 times beyond the bounds of tissue",
        ),
        # 0 passed as an off switch for every parameter: a newborn ran as an adult, and a Kd of 0
        # as infinitely tight binding, both without a word
        (["simulate", "baseline", "--set", "age=0"], "0 is not an off switch for age but a newborn"),
        # the range offered is the context's: a mouse's age is held near its own 0.2 years
        (["simulate", "mouse_baseline", "--set", "age=0"], "give a value in 0.12 to 0.7 years"),
        (
            ["simulate", "baseline", "--set", "Kd_IL7Ra_unglyc=0"],
            "not an off switch for Kd_IL7Ra_unglyc but binding infinitely tight; give a value in 10 to 100 nM",
        ),
        # the bounds are carried to a mouse's own volume: a human's 5 L of blood in a mouse ran
        (["simulate", "mouse_baseline", "--set", "tissue=1e-9 uL"], "give a value from 2.86e-06 to 5.72 L"),
        (["simulate", "mouse_baseline", "--set", "V_blood=5 L"], "carried to this context's own 0.0018 L"),
        # an IL-7 source given back to an IL-7 knockout silently undid the knockout
        (["simulate", "mouse_il7_knockout", "--set", "src_stroma=3e8"], "knocks out IL7, which sets it"),
        (["simulate", "baseline", "--set", "Tumour=1e9"], "seed it in a period of a scenario file"),
        (["simulate", "baseline", "--set", "T_fixed=abc"], "'abc' is not a number with a unit"),
        (["simulate", "baseline", "--set", "T_fixed=1_0e11 cells"], "write 10e11 if that is meant"),
        (["simulate", "baseline", "--set", "T_fixed=-5"], "-5 is negative; T_fixed must be >= 0"),
        (["simulate", "baseline", "--set", "T_fixed=5 molecules"], "unit 'molecules' does not fit T_fixed"),
        (
            ["simulate", "baseline", "--set", "IL7Ra_per_T=2000 cell/molecule"],
            "unit 'cell/molecule' does not fit IL7Ra_per_T; use molecules/cell",
        ),
        # a half-life given for a rate, answered with the rate; the units offered count nothing
        (
            ["simulate", "leukaemia_il7r_gof", "--set", "d_leuk=5 days"],
            "(a rate, not a time: a half-life of 5 days is a rate of ln 2 / (5 days) = 0.139 1/day); "
            "use 1/h, 1/min, 1/s, 1/day, 1/week, 1/year",
        ),
        (["simulate", "baseline", "--set", "k_deplete=0,250"], "'0,250' has a comma in its number"),
        (
            ["simulate", "baseline", "--set", "thymic_output_young=5e10", "--set", "Tn4_ref=1e10"],
            "these parameters admit no reference adult: the thymus alone would more than fill the naive CD4",
        ),
        (["simulate", "baseline", "--set", "T_fixed"], "--set 'T_fixed': write ID=VALUE"),
        (
            ["simulate", "baseline", "--t-end", "-3"],
            "t_end (--t-end) -3 must be a finite time after day 0 (a number in the scenario's time unit, day)",
        ),
        (
            ["simulate", "baseline", "--dose", "3"],
            "--dose '3': scenario 'baseline' gives no bolus dose to change",
        ),
        (
            ["simulate", "gc_cross_inhibition", "--dose", "3"],
            "doses IL4 and IL7, and a dose level is one drug's",
        ),
        (
            ["simulate", "sportes_2008", "--dose", "-3 ug/kg"],
            "--dose '-3 ug/kg': the amount is negative; a dose must be >= 0",
        ),
        (["simulate", "sportes_2008", "--dose", "nan"], "--dose 'nan': the amount is not a finite number"),
        (
            ["simulate", "sportes_2008", "--dose", "1e400 ug/kg"],
            "--dose '1e400 ug/kg': the amount is not a finite number",
        ),
        (
            ["simulate", "sportes_2008", "--dose", "30 ug/kg/day"],
            "'ug/kg/day' is not a dose unit (did you mean 'ug/kg'?)",
        ),
        (
            ["simulate", "sportes_2008", "--dose", "30 ng/mL"],
            "a concentration ('ng/mL') only makes sense for route 'medium'",
        ),
        (
            ["simulate", "culture_dose", "--dose", "3 ug/kg"],
            "--dose '3 ug/kg': 'ug/kg' needs a body weight, which this context has not",
        ),
        (
            ["simulate", "TWOUNITS", "--dose", "30"],
            "gives its doses in mg and ug/kg; give the unit too, e.g. 30 mg",
        ),
        (
            ["simulate", "sportes_2008", "--dose", "ten"],
            "--dose 'ten': 'ten' is not a number with a unit; write e.g. '30 ug/kg'",
        ),
        (["simulate", "sportes_2008", "--dose", "3", "--dose", "4"], "--dose is given twice; give it once"),
        (
            ["simulate", "baseline", "--out", "x.xlsx"],
            "--out 'x.xlsx': use a file name ending in .csv or .parquet",
        ),
        (["simulate", "BAD"], "3 problems"),
        (["simulate", "MALFORMED"], "not valid YAML at its end: "),
        (["simulate", "BACKWARDS"], "output.times goes backwards"),
        (["frobnicate"], "invalid choice"),
        (["export", "sbml", "--set", "age=60"], "--set acts on a scenario's body: add --scenario"),
        (["export", "sbml", "--scenario", "nosuch"], "unknown scenario 'nosuch'"),
        (["export", "omex", "-o", "x.omex"], "export omex writes a scenario's run: add --scenario"),
        (["export", "petab", "--dose", "30", "-o", "x"], "--dose acts on a scenario's doses: add --scenario"),
        (["export", "omex", "--scenario", "baseline"], "writes an archive, not text: add -o FILE.omex"),
        (
            ["export", "sbml", "--scenario", "transplant", "--set", "k_deplete=1"],
            "itself changes it at day -7",
        ),
    ],
)
def test_user_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], pattern: str
) -> None:
    files = {
        "TWOUNITS": BAD.replace("human_bdy", "human_body")
        .replace("IL7_serun", "IL7_serum")
        .replace("periods:\n", "periods:\n  - time: -inf\n")
        .replace(
            "readouts:", "  - time: 7\n    dose: {drug: IL7, amount: 0.7, unit: mg, route: sc}\nreadouts:"
        )
        .replace("n: 1}", "n: 11}"),
        "BAD": BAD,
        "MALFORMED": "name: x\ndescription: [unclosed\n",
        "BACKWARDS": BAD.replace("human_bdy", "human_body")
        .replace("sc}", "iv}")
        .replace("IL7_serun", "IL7_serum")
        .replace("{t_end: 10, n: 1}", "{times: [0, 2, 1]}")
        .replace("periods:\n", "periods:\n  - time: -inf\n"),
    }
    argv = [str(tmp_path / f"{a}.yaml") if a in files else a for a in argv]
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert pattern in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("il7: error: ")
    assert "Traceback" not in err + out


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`il7 export sbml | head -c 100`: the pipe closes under il7, which leaves quietly.

    The reading end is closed before il7 has started up, so its write meets the closed pipe."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "il7.cli", "export", "sbml"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == b""


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "culture_dose", "--out", "{long}.csv"],
        ["scenarios", "{long}"],
        ["simulate", "culture_dose", "--data", "{long}.csv"],
        ["report", "--out", "{long}"],
    ],
)
def test_a_path_too_long_for_the_file_system_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    # Path.is_dir raised OSError (File name too long) from 13 places: a traceback and exit 1
    long = str(tmp_path / ("a" * 300))
    code, _, err = run(capsys, *(word.format(long=long) for word in argv))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"il7: error: '{long[:60]}...(") and err.endswith(
        "File name too long; give a shorter path\n"
    )


def test_every_commands_help_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """`il7 export --help` ended in argparse's traceback: a bare '%' in its help text."""
    from il7.cli import COMMANDS

    for command in COMMANDS:
        code, out, err = run(capsys, command, "--help")
        assert (code, err) == (0, ""), command
        assert out.startswith(f"usage: il7 {command}"), command


def test_a_full_disk_or_a_closed_output_gets_no_traceback() -> None:
    # `il7 parameters > /dev/full` ended in OSError's traceback, and with stdout closed
    # (`il7 parameters >&-`) the engine's flush of sys.stdout (None) raised AttributeError
    command = [sys.executable, "-m", "il7.cli", "parameters", "--format", "csv"]
    # --version ended in a traceback from inside argparse, and --help's text was lost with exit 0
    for argv in (command, [*command[:3], "--version"], [*command[:3], "--help"]):
        with open("/dev/full", "w") as full:  # Linux's always-full device
            proc = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True, check=False)
        assert proc.returncode == 2, argv
        assert proc.stderr.strip().splitlines() == [
            "il7: error: cannot write the output: No space left on device; free some space, "
            "or send the output to another file"
        ]
    closed = subprocess.run(
        ["bash", "-c", '"$@" >&-', "il7", *command], capture_output=True, text=True, check=False
    )
    assert closed.returncode == 2
    assert closed.stderr.strip().splitlines() == [
        "il7: error: standard output is closed (>&-), and il7 prints its results there; "
        "send it to a file or to /dev/null"
    ]


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "il7.cli", "simulate", "baseline", "--set", "T_fixed=nan"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "il7: error: override T_fixed: nan is not a finite number; give a finite value in cells"
    ]


def test_calibrate_starts_from_the_stored_fit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from il7 import calibrate
    from il7.claims.validate import measure
    from il7.errors import Il7Error

    code, out, _ = run(capsys, "calibrate", "--starts", "1", "--max-evaluations", "3")
    assert code == 0
    r2 = float(out.split("S3C R^2 = ")[1].split()[0])
    assert targets()["pstat5_s3c_r2"].passes(
        r2
    )  # the table holds the fitted optimum, so a short run stays there
    # every fit reports the held-out S3B; at the stored optimum it is the validation's own value
    s3b = float(out.split("held-out S3B: IL-4 pSTAT6 EC50 at 10 min = ")[1].split()[0])
    assert s3b == pytest.approx(measure("pstat6_ec50_10min").observed, rel=0.01)
    held_out = targets()["pstat6_ec50_10min"]  # the verdict is said, as validate says it
    assert f"(want {held_out.expected}, {'ok' if held_out.passes(s3b) else 'MISS'})" in out
    # three evaluations do not converge: said, and such a fit is not written (it looked like a fit)
    assert "NOT CONVERGED: the best start stopped at the evaluation limit (3)" in out
    table = tmp_path / "parameters.tsv"
    table.write_text("untouched")
    fit = calibrate.Fit({}, 1.0, 0.0, 0.9, 100.0, 0.1, 1, (np.zeros(5), np.zeros(5)), 170.0, {}, 3)
    with pytest.raises(
        Il7Error, match=r"stopped at its evaluation limit \(3, --max-evaluations\) before converging"
    ):
        calibrate.write(fit, table)
    assert table.read_text() == "untouched"


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["--fix", "kon_IL7=1"], "only the fitted parameters (k_pSTAT5, K_pre, gc_per_T, pSTAT6_background)"),
        (["--fix", "gc_per_T"], "write ID=VALUE, e.g. --fix gc_per_T=13391"),
        # said ">= 0", and the next try, 3, was refused for the bounds
        (
            ["--fix", "gc_per_T=-3"],
            "-3 is negative; gc_per_T must be >= 0 (molecules/cell); the fit takes 300 to 20000",
        ),
        (["--fix", "gc_per_T=13391", "--write"], "is an exploration and is not written"),
        (["--fix", "gc_per_T=0"], "outside the fit's bounds 300 to 20000 molecules/cell"),
        (
            ["--fix", "K_pre=20"],
            "fixed (--fix) K_pre=20 cell/molecule is outside the fit's bounds 1e-06 to 10 cell/molecule;",
        ),
        (["--fix", "gc_per_T=500", "--fix", "gc_per_T=600"], "--fix gc_per_T is given twice"),
        (["--sink", "--fix", "gc_per_T=300"], "--fix belongs to the Gonnord fit; --sink and --therapy"),
        # options of the multi-start fit were silently ignored by the one-number solves
        (["--therapy", "--starts", "0", "--seed", "3"], "--starts, --seed belong to the Gonnord fit"),
    ],
)
def test_calibrate_fix_errors_come_before_any_fitting(
    capsys: pytest.CaptureFixture[str], argv: list[str], pattern: str
) -> None:
    code, _, err = run(capsys, "calibrate", *argv)
    assert code == 2 and pattern in err and len(err.strip().splitlines()) == 1


def test_calibrate_fix_holds_the_value_and_fits_the_rest() -> None:
    from il7 import calibrate

    fit = calibrate.fit(starts=1, max_evaluations=2, fixed={"gc_per_T": "13391 molecules/cell"})
    assert set(fit.values) == {"k_pSTAT5", "K_pre", "pSTAT6_background"}
    assert fit.fixed == {"gc_per_T": 13391.0}
    assert "gc_per_T = 1.339e+04 molecules/cell (held, --fix)" in calibrate.describe(fit)
    # the held value reaches the simulations: with plentiful gc, IL-7 no longer blocks IL-4
    # (the stored fit, 300 gc, blocks it by 88% at the top dose)
    assert fit.s3d[0][-1] < 50
    with pytest.raises(calibrate.Il7Error, match="is an exploration and is not written"):
        calibrate.write(fit)


def test_calibrate_write_marks_rows_fitted(tmp_path: Path) -> None:
    from importlib import resources

    from il7 import calibrate

    table = tmp_path / "parameters.tsv"
    table.write_text(resources.files("il7.model").joinpath("parameters.tsv").read_text())
    fit = calibrate.Fit(
        {"k_pSTAT5": 0.5, "K_pre": 0.01, "gc_per_T": 400.0, "pSTAT6_background": 1e-4},
        6000.0,
        -10.0,
        0.99,
        100.0,
        0.1,
        1,
        (np.zeros(5), np.zeros(5)),
        170.0,
        {},
    )
    calibrate.write(fit, table)
    rows = {line.split("\t")[0]: line.split("\t") for line in table.read_text().splitlines()}
    assert rows["gc_per_T"][1:2] == ["400"] and rows["gc_per_T"][5] == "fitted"
    assert rows["pSTAT5_MFI_offset"][1] == "-10"


def test_the_stored_observable_map_belongs_to_the_stored_fit() -> None:
    # the table's MFI map is the least-squares map of the table's own fitted values: a change of
    # the model's STAT5 dynamics without a refit (il7 calibrate --write) leaves it stale. Writing
    # each value to 4 significant figures alone moves the offset by 0.16%.
    from il7 import build, calibrate, experiments

    table = {p.id: p.value for p in build.parameters()}
    data = calibrate.load_data()
    scale, offset = calibrate.observable_map(experiments.pstat5_dose_response(data.doses_pg_ml), data.mfi)
    assert scale == pytest.approx(table["pSTAT5_MFI_scale"], rel=0.005)
    assert offset == pytest.approx(table["pSTAT5_MFI_offset"], rel=0.005)


def test_calibrate_says_which_fitted_value_sits_on_a_bound() -> None:
    from il7 import calibrate

    values = {"k_pSTAT5": 0.5, "K_pre": 0.01, "gc_per_T": 300.0, "pSTAT6_background": 1e-4}
    fit = calibrate.Fit(values, 6000.0, -10.0, 0.99, 100.0, 0.1, 1, (np.zeros(5), np.zeros(5)), 170.0, {})
    lines = calibrate.describe(fit).splitlines()
    assert "gc_per_T = 300 (on its lower bound: the data would take it further)" in lines
    assert "k_pSTAT5 = 0.5" in lines


def test_validate_lists_every_target_and_fails_on_a_miss(capsys: pytest.CaptureFixture[str]) -> None:
    from il7.claims import targets

    code, out, _ = run(capsys, "validate", "--json")

    def strict(token: str) -> None:
        raise AssertionError(f"not strict JSON: {token}")

    rows = json.loads(out, parse_constant=strict)  # no NaN or Infinity literals
    assert {r["target"] for r in rows} == set(targets())
    assert code == (0 if all(r["passed"] for r in rows) else 1)
    # every miss is explained (known_miss), and only misses are
    assert all(bool(r["known_miss"]) != r["passed"] for r in rows)


def test_validate_checks_only_the_targets_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--json", "thymic_share_naive", "body_serum_il7")
    rows = json.loads(out)
    assert [r["target"] for r in rows] == ["body_serum_il7", "thymic_share_naive"]  # the file's order
    assert code == (0 if all(r["passed"] for r in rows) else 1)
    code, _, err = run(capsys, "validate", ",")  # was "unknown target ''"
    assert code == 2 and "an empty target id: give target ids separated by commas" in err
    code, _, err = run(capsys, "validate", "levy_gain")
    assert code == 2 and "unknown target 'levy_gain' (did you mean 'levy_cd4_gain_week12'?)" in err
    # --basis keeps the named targets of that basis, says which it left out (without a word, once),
    # and says so when none is left
    code, out, err = run(capsys, "validate", "--json", "--basis", "input", "thymic_share_naive", "body_sil7r")
    assert [r["target"] for r in json.loads(out)] == ["body_sil7r"] and code == 0
    assert (
        err
        == "il7: note: basis (--basis) input: left out thymic_share_naive (prediction), of another basis\n"
    )
    code, _, err = run(capsys, "validate", "--basis", "fitted", "thymic_share_naive")
    assert code == 2 and err.strip() == (
        "il7: error: none of the targets named has basis fitted; leave out basis (--basis) or name others"
    )


def test_validate_lists_its_targets_without_running_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    """A newcomer looking for a target's id ran the whole validation (a minute) to list them."""
    from il7.claims import targets

    code, out, _ = run(capsys, "validate", "--list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["target"] for r in rows] == list(targets())
    assert all(r["expected"] and r["description"] and r["source"] for r in rows)
    code, out, _ = run(capsys, "validate", "--list", "--json", "--basis", "fitted")
    assert {r["basis"] for r in json.loads(out)} == {"fitted"}
    # ids separated by commas, as the README's validate line and il7.validate take them, in any argument
    code, out, _ = run(
        capsys, "validate", "--list", "--json", "survival_ec50,thymic_share_naive", "body_cd4_blood"
    )
    assert code == 0 and {r["target"] for r in json.loads(out)} == {
        "survival_ec50",
        "thymic_share_naive",
        "body_cd4_blood",
    }
    # a part of ids, too far from any one for a spelling suggestion, names the ids that hold it
    code, _, err = run(capsys, "validate", "osteoclast")
    assert code == 2 and "unknown target 'osteoclast' (names with it: 'osteoclasts_with_t_cells'" in err
    assert "`il7 validate --list` lists every target" in err


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["simulate", "EMPTY"], "the file must be a mapping of fields"),
        (["simulate", "LIST"], "the file must be a mapping of fields"),
        (["simulate", "TABLE"], "a table of measurements goes to --data, beside a scenario"),
        (["simulate", "BINARY"], "is not UTF-8 text"),
        # was "is not valid YAML: syntax error; fix the syntax", without where or what
        (
            ["simulate", "NUL"],
            "YAML at line 2, column 15: the control character U+0000, which YAML does not allow; delete it",
        ),
        (["simulate", "baseline", "--plot", "UNDERFILE/x.png"], "EMPTY.yaml' is a file, not a folder"),
        (["simulate", "baseline", "--out", ".csv"], "--out '.csv': give the file a name before .csv"),
        (["export", "sbml", "-o", "UNDERFILE/x.xml"], "cannot make its folder"),
        (["export", "sbml", "-o", ""], "-o '': give a file name"),
        (["export", "omex", "--scenario", "baseline", "-o", "UNDERFILE/x.omex"], "cannot make its folder"),
        (
            ["export", "omex", "--scenario", "baseline", "-o", "/proc/x.omex"],
            "-o '/proc/x.omex': cannot write it",
        ),
        (
            ["export", "omex", "--scenario", "baseline", "-o", "TAKEN"],
            "a folder, not a file; give a file name ending in .omex",
        ),
        (["export", "omex", "--scenario", "UNEVEN", "-o", "x.omex"], "evenly spaced grid"),
        (["export", "petab"], "add -o FOLDER"),
        (["export", "petab", "--data", "x.csv", "-o", "x"], "--data and --estimate go with --scenario"),
        (
            ["export", "petab", "--set", "k_pSTAT5=0", "-o", "x"],
            "with these overrides (--set) cannot estimate k_pSTAT5",
        ),
        (["export", "sbml", "--estimate", "ka_rIL7_sc"], "belong to export petab, not export sbml"),
        (["export", "petab", "-o", "EMPTY"], "it is a file; give a folder"),
        (["export", "petab", "-o", "UNDERFILE/petab"], "EMPTY.yaml' is a file, not a folder"),
        (["report", "--out", "/proc/il7-report"], "cannot write there"),
        # a device said 'cannot write there (File exists)'; a page's name made a folder of that name
        (["report", "--out", "/dev/full"], "(--out) '/dev/full': it is not a folder (a device or a pipe?)"),
        (
            ["report", "--out", "report.html"],
            "il7 report fills a folder, and this names a file; give a folder",
        ),
        (["report", "--out", ""], "report folder (--out) '': give a name, e.g. 'il7-report'"),
        # the report takes minutes: a folder of other files is refused before, not after
        (["report", "--out", "TAKEN"], "holds files that il7 report did not write (index.html)"),
        (["export", "petab", "-o", "TAKEN"], "holds files that il7 export petab did not write (index.html)"),
        (["simulate", "TAKEN"], "is a folder, not a scenario file"),
        (["simulate", "NOSUFFIX"], "LIST' not found (did you mean '"),
        (["simulate", "baseline", "--out", " x.csv"], "--out ' x.csv': a name with blanks at its ends"),
        (["export", "petab", "-o", "pe\ntab"], "(-o) 'pe\\ntab': a name with blanks at its ends or control"),
        (
            ["simulate", "baseline", "--out", "a\nb.csv"],
            "--out 'a\\nb.csv': a name with blanks at its ends or control",
        ),
        # a device was 'not found', and as measurements it was read until memory ran out
        (["simulate", "ZERO.yaml"], "is not a regular file (a device or a pipe?); give the path of a .yaml"),
        (
            [
                "export",
                "petab",
                "--scenario",
                "sereti_2009",
                "--data",
                "ZERO.csv",
                "--estimate",
                "CL_IL7",
                "-o",
                "x",
            ],
            "ZERO.csv: not a regular file (a device or a pipe?)",
        ),
        (["cohort", "--n", "10", "--seed", "-1"], "seed (--seed) -1: give a whole number >= 0"),
        (["calibrate", "--seed", "-1"], "seed (--seed) -1: give a whole number >= 0"),
        (["calibrate", "--starts", "0"], "starts (--starts) 0: give a whole number from 1 to 10000"),
        # 1e9 starts filled the memory with their starting points before the first ran
        (
            ["calibrate", "--starts", "1000000000"],
            "starts (--starts) 1000000000: give a whole number from 1 to 10000",
        ),
        (["export", "sbml", "-o", "x.omex"], "-o 'x.omex': use a file name ending in .xml or .sbml"),
        (
            ["export", "omex", "--scenario", "baseline", "-o", "x.xml"],
            "-o 'x.xml': use a file name ending in .omex",
        ),
        (["simulate", "NOINF"], "a body (human_body) starts from its steady state: make the first period"),
        (
            ["population", "transplant", "--vary", "graft_T=cv 30%", "--out", "SAME", "--patients", "SAME"],
            "--out and --patients both name",
        ),
        (
            ["population", "transplant", "--vary", "graft_T=cv 30%", "--readouts", ","],
            "--readouts names no readout",
        ),
        (
            ["sensitivity", "transplant", "alloreactive_blood", "--parameters", "k_deplete"],
            "no parameter to vary (k_deplete: the scenario sets it after its start)",
        ),
        (
            ["cohort", "--n", "10", "--out", "cohort.txt"],
            "--out 'cohort.txt': use a file name ending in .csv",
        ),
    ],
)
def test_file_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], pattern: str
) -> None:
    (tmp_path / "EMPTY.yaml").write_text("")
    (tmp_path / "LIST.yaml").write_text("- a\n- b\n")
    (tmp_path / "TABLE.csv").write_text("readout,time [day],measurement\nCD4_blood,1,500\n")
    (tmp_path / "BINARY.yaml").write_bytes(b"\xff\xfe\x00name")
    (tmp_path / "NUL.yaml").write_text("name: x\ndescription: a\x00b\n")
    (tmp_path / "UNEVEN.yaml").write_text(
        "name: uneven\ndescription: output at uneven times\ncontext: human_body\ntime_unit: day\nperiods:\n"
        "  - time: -inf\nreadouts: [CD4_blood]\noutput: {times: [0, 1, 5]}\n"
    )
    (tmp_path / "NOINF.yaml").write_text(
        "name: noinf\ndescription: a body without its steady state\ntime_unit: day\nperiods:\n  - time: 0\n"
        "readouts: [CD4_blood]\noutput: {t_end: 2, n: 3}\n"
    )
    argv = [
        str(tmp_path / f"{a}.yaml") if a in ("EMPTY", "LIST", "BINARY", "NUL", "UNEVEN", "NOINF") else a
        for a in argv
    ]
    argv = [str(tmp_path / "same.csv") if a == "SAME" else a for a in argv]
    argv = [str(tmp_path / "TABLE.csv") if a == "TABLE" else a for a in argv]
    (tmp_path / "TAKEN" / "index.html").mkdir(parents=True)
    argv = [a.replace("UNDERFILE", str(tmp_path / "EMPTY.yaml" / "deeper")) for a in argv]
    argv = [str(tmp_path / "TAKEN") if a == "TAKEN" else a for a in argv]
    argv = [str(tmp_path / "LIST") if a == "NOSUFFIX" else a for a in argv]
    for name in ("ZERO.yaml", "ZERO.csv"):
        (tmp_path / name).symlink_to("/dev/zero")
    argv = [str(tmp_path / a) if a in ("ZERO.yaml", "ZERO.csv") else a for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert pattern in err and len(err.strip().splitlines()) == 1


def test_calibrate_sink_reproduces_the_tables_value(capsys: pytest.CaptureFixture[str]) -> None:
    """The sink fit, run again without --write, finds the non-T share the model ships (the anchors
    it also prints are pinned by test_conservation)."""
    from il7.build import parameters

    code, out, _ = run(capsys, "calibrate", "--sink")
    assert code == 0
    ratio = float(out.split("nonT_receptor_ratio = ")[1].split()[0])
    assert ratio == pytest.approx({p.id: p.value for p in parameters()}["nonT_receptor_ratio"], rel=1e-3)


def test_calibrate_takes_one_of_sink_and_therapy(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "calibrate", "--sink", "--therapy")
    assert code == 2 and "not allowed with" in err


def test_sensitivity_and_population_run_the_scenario_at_the_dose_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def nominal(*dose: str) -> float:
        argv = ["sereti_2009", "CD4_blood", "--at", "120", "--parameters", "p_max", "--json"]
        code, out, err = run(capsys, "sensitivity", *argv, *dose)
        assert code == 0, err
        (answer,) = json.loads(out)
        return float(answer["nominal"])

    def median(*dose: str) -> tuple[str, float]:
        argv = ["sereti_2009", "--vary", "p_max=cv 30%", "--n", "3", "--readouts", "CD4_blood", "--json"]
        code, out, err = run(capsys, "population", *argv, *dose)
        assert code == 0, err
        (answer,) = json.loads(out)
        (last,) = [row for row in answer["percentiles"] if row["time"] == 504.0]  # day 21
        return answer["scenario"], float(last["p50"])

    at_own = nominal()  # CD4 on day 5 after the scenario's 10 ug/kg
    assert nominal("--dose", "10 ug/kg") == pytest.approx(at_own, rel=1e-9)
    assert nominal("--dose", "30") > 1.05 * at_own
    (name_30, at_30), (name, at_10) = median("--dose", "30"), median()
    assert (name_30, name) == ("sereti_2009 at 30 ug/kg", "sereti_2009") and at_30 > at_10


def test_sensitivity_json_and_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    csv, png = tmp_path / "new" / "s.csv", tmp_path / "s.png"
    ask = ("sensitivity", "culture_dose", "pSTAT5_MFI", "--at", "0.5", "--parameters")
    code, out, err = run(
        capsys,
        *ask,
        "pSTAT5_MFI_offset,pSTAT5_MFI_scale",
        "--parameters",
        "src_stroma",
        "--json",
        "--out",
        str(csv),
    )
    assert code == 0 and f"wrote {csv}" in err  # stdout is the JSON alone
    (answer,) = json.loads(out)
    assert (answer["scenario"], answer["unit"], answer["at"], answer["time_unit"]) == (
        "culture_dose",
        "1",
        0.5,
        "h",
    )
    assert [r["parameter"] for r in answer["rows"]] == ["pSTAT5_MFI_scale", "pSTAT5_MFI_offset"]
    (stroma_row,) = answer["not_varied"]
    assert stroma_row["parameter"] == "src_stroma" and stroma_row["value"] == 0
    assert stroma_row["reason"] == "0 in this run: nothing to scale"
    assert stroma_row["unit"] == "molecules/h" and "a well has no IL-7" in stroma_row["source"]
    text = csv.read_text()
    assert text.startswith("# d ln|y| / d ln(parameter), y = pSTAT5_MFI at 0.5 h in scenario culture_dose")
    assert "src_stroma" in text and "not varied: 0 in this run" in text
    stroma = pd.read_csv(csv, comment="#", index_col="parameter").loc["src_stroma"]
    # the well switches the body's sources off, and the row says so with its own source
    assert (
        stroma["value"] == 0 and stroma["unit"] == "molecules/h" and "a well has no IL-7" in stroma["source"]
    )
    code, out, _ = run(capsys, *ask, "translation", "--plot", str(png))
    assert code == 0 and "translation" in out and "lower side only" in out and "refused" in out
    assert png.stat().st_size > 5000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["baseline", "IL7_serum", "--top", "0"], "--top 0: give a number of rows of at least 1"),
        (["baseline", "IL7_serum", "--out", "s.xlsx"], "--out 's.xlsx': use a file name ending in .csv"),
        (["baseline", "IL7_serum", "--at", "soon"], "argument --at: invalid float value: 'soon'"),
        (["baseline", "IL7_serum", "--parameters", " , "], "--parameters: name at least one parameter"),
        (["baseline", "IL7_serum", "--step", "1e-5"], "must be a number from 0.001 to 1"),
        (["baseline", "nope", "--parameters", "CL_IL7"], "readout 'nope' is not an observable or species"),
        (["nope", "IL7_serum"], "unknown scenario 'nope'; built-in: "),
    ],
)
def test_sensitivity_errors_exit_2_on_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "sensitivity", *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_an_error_is_one_line_whatever_it_echoes(capsys: pytest.CaptureFixture[str]) -> None:
    # a newline inside a value read from a file split the message; YAML aliases made it 347 MB
    from il7.cli import MAX_ERROR_CHARS, _fail

    with pytest.raises(SystemExit):
        _fail("readouts: 'CD4\nblood' is not a readout" + "x" * 2 * MAX_ERROR_CHARS)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'CD4\\nblood'" in err and "more characters)" in err
    assert len(err) < MAX_ERROR_CHARS + 100


def test_an_output_that_is_the_scenario_file_read_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a scenario file named .csv was replaced by the run's table
    scenario_file = _healthy_course(tmp_path / "course.csv", t_end=2, n=3)
    before = scenario_file.read_text()
    code, _, err = run(capsys, "simulate", str(scenario_file), "--out", str(scenario_file))
    assert code == 2 and "is the scenario file this command reads" in err
    assert scenario_file.read_text() == before


def test_a_failed_write_after_the_run_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # cohort --out onto a full disk ended in an OSError traceback
    import errno

    import pandas as pd

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    code, _, err = run(capsys, "cohort", "--n", "10", "--out", str(tmp_path / "c.csv"))
    assert code == 2 and "cannot write" in err and "No space left on device" in err
    assert len(err.strip().splitlines()) == 1


def test_every_subcommand_has_one_function() -> None:
    # main runs COMMANDS[name]: a subcommand missing there was a KeyError traceback, and a name
    # listed by two command modules would have run the later one silently
    import argparse

    from il7.cli import COMMANDS, _parser, analysis, checks, run

    (sub,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == set(COMMANDS)
    listed = [*run.COMMANDS, *checks.COMMANDS, *analysis.COMMANDS]
    assert len(listed) == len(set(listed))


def test_a_p_value_that_underflows_is_not_printed_as_0() -> None:
    # a PRCC of +-1 among 100 patients gives t = inf and P = 0.0, printed as 'P 0'
    from il7.cli.analysis import _p_value

    assert _p_value(0.0, 1) == "(P < 1e-300)" and _p_value(4.3e-78, 1) == "(P 4.3e-78)"


def test_an_interrupted_command_says_so_and_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ctrl-C during a long population exited 130 with nothing on stdout or stderr
    from il7 import cli

    def interrupted(args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "parameters", interrupted)
    code, out, err = run(capsys, "parameters")
    assert code == 130 and out == ""
    assert err == cli.INTERRUPTED.format(how="interrupted") + "\n"


def test_a_terminated_report_leaves_its_folder_as_it_was(tmp_path: Path) -> None:
    # kill (SIGTERM) ended the process at once and left the report's staging folder, with the
    # figures made so far, in the output folder; and Ctrl-C's message said finished files were
    # written, where a report writes none until all are done
    import signal
    import time

    from il7 import cli

    out = tmp_path / "rep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "il7.cli", "report", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(".il7-partial-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert list(out.glob(".il7-partial-*")), "the report never started staging its files"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGTERM  # tidied, then ended by the signal, as a caller expects
    assert err.strip().splitlines()[-1] == cli.INTERRUPTED.format(how="terminated")
    assert sorted(p.name for p in out.iterdir()) == [".il7-report"]  # the marker alone


def test_progress_in_a_log_says_what_is_done_not_what_has_started(capsys: pytest.CaptureFixture[str]) -> None:
    # the report's log said 100% as its last step started, minutes before it was done
    from il7.cli.output import progress_steps

    with progress_steps("job", 20, log=True) as step:
        for k in range(20):
            step(f"step {k + 1}")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "job: 0% done; now step 1"
    assert lines[-2:] == ["job: 90% done; now step 19", "job: 100% done"]
    assert len(lines) == 11
    with pytest.raises(RuntimeError), progress_steps("failing job", 2, log=True) as step:
        step("step 1")
        raise RuntimeError("a step failed")
    assert "100%" not in capsys.readouterr().err


def test_progress_in_a_log_names_a_step_that_starts_after_a_quiet_stretch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the report's log said nothing for about two minutes while its long runs went between tenths
    from il7.cli.output import LOG_QUIET_S, progress_steps

    now = [0.0]
    with progress_steps("job", 100, log=True, clock=lambda: now[0]) as step:
        step("step 1")
        now[0] += LOG_QUIET_S - 1
        step("step 2")  # soon after the last line, between tenths: not named
        now[0] += 1
        step("step 3")  # LOG_QUIET_S after the last line
        now[0] += LOG_QUIET_S / 2
        step("step 4")
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["job: 0% done; now step 1", "job: 2% done; now step 3", "job: 100% done"]


def test_sensitivity_past_the_scenarios_end_says_the_run_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    # population refused --at past the end and sensitivity ran on without a word (a walk-through)
    main(["sensitivity", "leukaemia_il7r_gof", "Leuk", "--at", "30", "--parameters", "d_leuk", "--json"])
    err = capsys.readouterr().err
    assert (
        "il7: note: --at 30 is after the scenario's last output time (day 21); the run continues to it" in err
    )


def test_an_export_says_a_dose_far_above_the_studied_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        ["export", "sbml", "--scenario", "sportes_2008", "--dose", "10 mg/kg", "-o", str(tmp_path / "hi.xml")]
    )
    assert "il7: note: a dose of IL7 is 167 times the highest studied" in capsys.readouterr().err


def test_a_scenario_named_with_brackets_is_printed_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # rich read '[/]' in a file's name as markup and stopped with a traceback
    _, text, _ = run(capsys, "scenarios", "il7_iv_bolus")
    mine = tmp_path / "mk.yaml"
    mine.write_text(re.sub(r"^name: .*$", 'name: "x[/]"', text, flags=re.M), encoding="utf-8")
    code, out, err = run(capsys, "simulate", str(mine), "--summary")
    assert code == 0 and "x[/]" in out and not err
    code, out, err = run(capsys, "sensitivity", str(mine), "IL7_serum_total", "--parameters", "CL_IL7")
    assert code == 0 and "x[/]: y = IL7_serum_total" in out
