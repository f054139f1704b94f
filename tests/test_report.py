"""The report: one self-contained page with every section, and the CSV behind every figure."""

import html
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from il7 import scenario
from il7.errors import Il7Error, SolveError
from il7.report import step_count, write_report

SECTIONS = (
    "summary",
    "layers",
    "baseline",
    "molecular",
    "cells",
    "therapy",
    "validation",
    "claims",
    "scenarios",
    "parameters",
)
# layers, Gonnord fit, CD127 loss, graded outputs, IL-7 sink, what sets serum IL-7, knockouts,
# monocytes and osteoclasts, rhIL-7 dose-response, CYT107 in treated HIV, anti-IL-7Ralpha
# population, blood and marrow grafts, transplant cohort, and one per scenario whose readouts move
STEADY = (
    "baseline",
    "mouse_baseline",
    "mouse_il7_knockout",
    "mouse_il7r_knockout",
    "sil7r_high",
    "sil7r_low",
)
"""Scenarios that hold a steady state throughout: a table of their values, where a figure drew flat lines."""
FIGURES = 13 + len(scenario.builtin_names()) - len(STEADY)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The report, written once for the tests of this module."""
    steps: list[str] = []
    page = write_report(tmp_path_factory.mktemp("report") / "r", progress=steps.append)
    return page, steps


def test_the_page_opens_with_what_the_model_meets_and_what_its_runs_distrust(
    report: tuple[Path, list[str]],
) -> None:
    # a reader met the verdict 6,000 px down, and the runs' warnings never reached the page
    text = report[0].read_text()
    summary = text[text.index("<h2 id='summary'>") : text.index("<h2 id='layers'>")]
    assert text.index("<h2 id='summary'>") < text.index("<nav>")
    frame = pd.read_csv(report[0].parent / "validation.csv")
    passed = int((frame["verdict"] == "PASS").sum())
    assert f"{passed} of {len(frame)} targets pass" in summary
    for target in frame.query("verdict == 'FAIL'")["target"]:
        assert target in summary
    claims = pd.read_csv(report[0].parent / "claims.csv")
    assert f"{int((claims['verdict'] == 'PASS').sum())} of {len(claims)} claims pass (" in summary
    # sil7r_high sets the soluble receptor above its bounds: said once, with the scenario's name
    assert summary.count("sIL7R_level = 8.54 nM lies outside its bounds") == 1
    assert "<li>sil7r_high: periods[0].set.sIL7R_level" in summary


def test_report_writes_every_section_and_csv(report: tuple[Path, list[str]]) -> None:
    page, steps = report
    text = page.read_text()
    # the captions named about 20 data files as plain text; each named file is now a link, and
    # every link to a file of the page's folder finds it there
    files = re.findall(r"href='([^'#][^']*)'", text)
    assert "il7_sink.csv" in files and "transplant_cohort.csv" in files
    assert [f for f in files if not (page.parent / f).is_file()] == []
    for anchor in SECTIONS:
        assert f"id='{anchor}'" in text and f"<a href='#{anchor}'>" in text  # and the contents link it
    # a reader found the misses among 93 rows only by reading every verdict
    fails = pd.read_csv(page.parent / "validation.csv").query("verdict == 'FAIL'")
    assert f"<h3>The {len(fails)} misses</h3>" in text and text.count("<td class='failed'>FAIL</td>") >= len(
        fails
    )
    key = text[
        text.index("What the readouts below mean") : text.index("</details>", text.index("What the readouts"))
    ]
    for name in scenario.builtin_names():
        assert f"id='scenario-{name}'" in text
        start = text.index(f"id='scenario-{name}'")
        section = text[start : text.find("<h3", start + 1)]
        steady = "Every readout holds its value" in section
        assert steady == (name in STEADY) and (f"<img alt='{name}'" in section) == (not steady), name
        assert (page.parent / f"scenario_{name}.csv").is_file()
        # the scenario file's sources under its description, each whole
        assert all(html.escape(source) in section for source in scenario.load(name).sources), name
        # each readout the figure draws by its id is said in words once, above the figures
        drawn = pd.read_csv(page.parent / f"scenario_{name}.csv", comment="#").columns[1:]
        assert all(f"<td>{r.split(' [')[0]}</td>" in key for r in drawn)
        with zipfile.ZipFile(page.parent / f"scenario_{name}.omex") as archive:  # its run for other tools
            assert f'id="il7_{name}"' in archive.read("model.xml").decode()
            assert b'<task id="task" modelReference="model"' in archive.read("simulation.sedml")
    for csv in (
        "baseline",
        "parameters",
        "validation",
        "gonnord_S3C_model",
        "graded_outputs",
        "graded_outputs_by_density",
        "soluble_receptor",
        "soluble_receptor_levels",
        "body_baseline",
        "il7_sink",
        "serum_il7_sensitivity",
        "mouse_knockouts",
        "monocyte_il6",
        "osteoclasts",
        "claims",
        "sportes_dose_response",
        "levy_cd4_gain",
        "anti_cd127_population",
        "anti_cd127_patients",
        "transplant_grafts",
        "transplant_cohort",
    ):
        assert (page.parent / f"{csv}.csv").is_file()
    petab = page.parent / "gonnord_S3C_petab"  # the S3C fit for PEtab tools (tests/test_petab.py runs one)
    assert {"problem.yaml", "model.xml", "measurements.tsv"} <= {p.name for p in petab.iterdir()}
    assert "gonnord_S3C_petab/problem.yaml" in text
    assert text.count("data:image/png;base64,") == FIGURES
    assert "src='http" not in text  # self-contained: nothing fetched
    assert "FAILED" not in text  # no scenario failed to solve (a claim's FAIL verdict is not this)
    validation = pd.read_csv(page.parent / "validation.csv", index_col=0, keep_default_na=False)
    misses = validation[validation["verdict"] == "FAIL"]
    assert (misses["why the model misses it"] != "").all() and "not yet explained" not in text
    assert len(steps) == step_count() and steps[0].startswith("scenario")


def test_report_opens_in_a_headless_browser(report: tuple[Path, list[str]], tmp_path: Path) -> None:
    """Chromium renders the page: every figure decodes to an image and every table is there."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("IL7_REQUIRE_BROWSER"):
            pytest.fail("IL7_REQUIRE_BROWSER is set but no chromium is installed (apt-get install chromium)")
        pytest.skip("no chromium on this machine (CI installs Debian's chromium and runs this test)")
    page, _ = report
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    # a script in a copy of the page reports what the browser made of each image and table
    probe = page.parent / "probe.html"
    probe.write_text(
        page.read_text().replace(
            "</body>",
            "<script>window.addEventListener('load', () => {"
            "const imgs = [...document.images];"
            "document.title = 'images ' + imgs.length + ' decoded ' + imgs.filter(i => i.naturalWidth > 0).length"
            " + ' tables ' + document.querySelectorAll('table').length;});</script></body>",
        )
    )
    dom = subprocess.run(
        [browser, *flags, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r"<title>images (\d+) decoded (\d+) tables (\d+)</title>", dom)
    assert found is not None, "the page did not load in Chromium"
    images, decoded, tables = map(int, found.groups())
    assert images == decoded == FIGURES
    assert tables == page.read_text().count("<table")
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, "--window-size=1200,900", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one


def test_a_scenario_that_fails_to_solve_is_marked_and_the_report_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import il7.report as report_module

    def fail(s: object) -> None:
        raise SolveError(
            "scenario 'baseline': at day 3: the solver failed; check the overrides for extreme values"
        )

    monkeypatch.setattr(report_module, "simulate", fail)
    result = report_module._run("baseline")
    assert result.trajectory is None
    section = html.unescape(report_module._scenario_section(result, Path(".")))
    assert "FAILED: scenario 'baseline': at day 3" in section and "check the overrides" in section


def test_a_figure_caption_names_the_readouts_that_hold_still(tmp_path: Path) -> None:
    """After an IV bolus, sIL-7R (free plus IL-7-bound) does not move: its panel is a flat line,
    which the caption says, and it names no readout that moves."""
    import il7.report as report_module

    section = html.unescape(report_module._scenario_section(report_module._run("il7_iv_bolus"), tmp_path))
    assert "sIL7R_serum holds its value throughout (moving by less than 1e-06 of its size)" in section
    assert "<img alt='il7_iv_bolus'" in section


@pytest.mark.parametrize(
    ("p_value", "medians", "words"),
    [
        (0.3, (20.0, 20.5), "no significant difference"),
        (0.001, (30.0, 20.0), "like Dean 2008, predicts higher"),
        (0.001, (18.0, 20.0), "the opposite of Dean 2008"),
    ],
)
def test_cohort_verdict_follows_the_numbers(p_value: float, medians: tuple[float, float], words: str) -> None:
    from il7.cohort import dean_2008_verdict

    assert words in dean_2008_verdict(p_value, medians)


def test_the_antibody_population_is_the_scenario_in_patients_whose_antibody_kinetics_vary(
    report: tuple[Path, list[str]],
) -> None:
    from il7.report.therapy import ANTIBODY_PATIENTS, DAVDA_OMEGA

    page, _ = report
    patients = pd.read_csv(page.parent / "anti_cd127_patients.csv")
    assert len(patients) == ANTIBODY_PATIENTS  # none failed
    # the spreads asked for (SD of the log 0.314 and 0.645, Davda 2014) reach the patients: within
    # three standard errors of an SD from 100 draws (7% each), those outside the bounds drawn again
    for column, pid in (("CL_Ab_L_per_day", "CL_Ab"), ("ka_Ab_per_day", "ka_Ab")):
        assert np.std(np.log(patients[column])) == pytest.approx(DAVDA_OMEGA[pid], rel=3 / np.sqrt(2 * 99))
    # the occupancy follows the antibody's kinetics, monotonically (rank correlations, P < 0.01):
    # faster clearance, lower troughs and an earlier end of the blockade; faster absorption, higher
    # troughs (the first dose is taken up before day 14)
    from scipy.stats import spearmanr

    for x, y, sign in (
        ("CL_Ab_L_per_day", "lowest_occupancy_day14_to_84", -1),
        ("ka_Ab_per_day", "lowest_occupancy_day14_to_84", +1),
        ("CL_Ab_L_per_day", "first_day_below_half_occupancy_after_last_dose", -1),
    ):
        rank = spearmanr(patients[x], patients[y], nan_policy="omit")
        assert sign * rank.statistic > 0 and rank.pvalue < 0.01, (x, y, rank)
    # a blockade that outlasts the run (no day below half) belongs to the slowest clearances
    lasting = patients["first_day_below_half_occupancy_after_last_dose"].isna()
    assert (patients["CL_Ab_L_per_day"][lasting] < patients["CL_Ab_L_per_day"].quantile(0.1)).all()
    text = page.read_text(encoding="utf-8")
    share = float(re.search(r"lowest occupancy is below 90% in (\d+)% of patients", text).group(1)) / 100
    assert share == pytest.approx(float(np.mean(patients["lowest_occupancy_day14_to_84"] < 0.9)), abs=0.006)


@pytest.mark.parametrize("out", [5, ""])
def test_a_report_folder_that_is_no_name_is_refused_before_any_run(out: object) -> None:
    # write_report(5) raised TypeError from pathlib
    with pytest.raises(Il7Error, match=r"^report folder \(--out\) (5|''): give a name, e\.g\. 'il7-report'$"):
        write_report(out)  # type: ignore[arg-type]


def test_the_page_says_what_made_it() -> None:
    # a report read months later must say which il7, model, scenarios and data, and solver made it
    from il7.engine import provenance
    from il7.report import _header
    from il7.simulate import parameter_table

    header = _header(parameter_table())
    assert f"by {provenance()}." in header and "libroadrunner 2." in provenance()
    # and how many of its numbers are assumed, not "every number ... with its source"
    assert re.search(r"\(2\d\d values: \d+ measured, \d+ derived, \d+ fitted, \d+ assumed\)", header)
