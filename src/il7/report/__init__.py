"""The report: one self-contained HTML page with figures embedded, plus the CSVs behind them.

:func:`write_report` runs the baseline and every built-in scenario, and writes
``index.html`` (baseline table, a figure per scenario, or a table of its values for one that
holds a steady state, the parameter table with sources), one
CSV per table and figure, each scenario as a COMBINE archive (its SBML and the SED-ML that
runs it) and the Gonnord S3C fit as a PEtab problem, for other tools, into the output folder. A
scenario that fails to solve is shown as failed, with its message; the report still completes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from il7 import scenario as scenarios
from il7.errors import Il7Error, gathered
from il7.export import write_omex
from il7.files import filling, require_name
from il7.report.cells import cells_section
from il7.report.diagram import layer_diagram
from il7.report.figures import embed, link, table
from il7.report.molecular import molecular_section
from il7.report.therapy import therapy_section
from il7.simulate import parameter_table, readout_table, simulate
from il7.trajectory import FLAT, LOG_DECADES, Trajectory, flat, log_scaled

ProgressHook = Callable[[str], None]


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's outcome in the report: a trajectory, or the message of its failure."""

    name: str
    description: str
    trajectory: Trajectory | None
    error: str | None
    sources: tuple[str, ...] = ()


def step_count() -> int:
    """How many times :func:`write_report` calls its ``progress`` hook (for a progress bar)."""
    from il7.claims import targets

    return 2 * len(scenarios.builtin_names()) + 9 + len(targets())


def write_report(out_dir: str | Path = "il7-report", *, progress: ProgressHook | None = None) -> Path:
    """Run the report and write it to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing).
    progress
        Called with a short label as each step starts (for a progress bar).

    Returns
    -------
    pathlib.Path
        Path of the written ``index.html``.
    """
    require_name(out_dir, "report folder (--out)", "il7-report")
    # the run takes minutes: find out now, not at the end, whether its files can be written; an
    # earlier report in the folder stays whole if this one fails
    with filling(out_dir, "il7 report", "out_dir (--out)") as out:
        folder = out.parent
        blocked = sorted(
            p.name for p in folder.iterdir() if p.is_dir() and p.suffix in (".html", ".csv", ".png", ".omex")
        )
        if blocked:  # a folder where one of its files goes would fail only after the run
            raise Il7Error(
                f"report folder '{folder}' holds folders named like the report's files ({', '.join(blocked)}); "
                "remove them or choose another folder"
            )
        _write(out, progress or (lambda label: None))
    return folder / "index.html"


def _write(out: Path, step: ProgressHook) -> None:
    """Run the report and write its files into ``out``, what its runs say to distrust
    (:class:`~il7.errors.Il7Warning`: a built-in scenario's value outside its bounds) on the page."""
    with gathered() as said:
        sections, runs, checked, claim_verdicts = _sections(out, step)
    # each scenario's own notes with its name; what else the runs said (an export or a population
    # repeats a scenario's) once, as said
    own = [(r.name, note) for r in runs if r.trajectory is not None for note in r.trajectory.notes]
    texts = {note for _, note in own}
    notes = [*dict.fromkeys(f"{name}: {note}" for name, note in own), *(n for n in said if n not in texts)]
    sections.insert(1, _summary(checked, claim_verdicts, notes))
    (out / "index.html").write_text(_page("\n".join(sections)), encoding="utf-8")


def _sections(out: Path, step: ProgressHook) -> tuple[list[str], list[ScenarioResult], list[Any], str]:
    """The page's sections, and what the summary reads: the scenarios' runs, the validation's
    results and the claims' verdicts."""
    results = []
    for name in scenarios.builtin_names():
        step(f"scenario {name}")
        results.append(_run(name))
    step("tables")
    params = parameter_table()
    params.to_csv(out / "parameters.csv")
    others = {
        name: parameter_table(name) for name in scenarios.vocabulary()["contexts"] if name != "human_body"
    }
    for name, frame in others.items():
        frame.to_csv(out / f"parameters_{name}.csv")
    baseline = next((r for r in results if r.name == "baseline"), None)
    sections = [
        _header(params),
        _contents(),
        "<h2 id='layers'>Model layers</h2>" + layer_diagram(),
        _baseline_section(baseline, out),
    ]
    step("molecular layer")
    sections.append(molecular_section(out))
    step("cells and body")
    sections.append(cells_section(out, step))
    step("therapies and transplant cohort")
    sections.append(therapy_section(out, step))
    step("validation")
    validation, checked = _validation_section(out, step)
    sections.append(validation)
    step("claims")
    claims, claim_verdicts = _claims_section(out)
    sections.append(claims)
    sections.extend(
        (
            "<h2 id='scenarios'>Scenarios</h2><p>Each built-in scenario as il7 simulate runs it, with its data "
            "and a COMBINE archive (SBML with its state and doses, and the SED-ML that runs it) for COPASI "
            "or Tellurium.</p>",
            _readout_key(results),
        )
    )
    for result in results:
        step(f"figure {result.name}")
        sections.append(_scenario_section(result, out))
    sections.append(_parameter_section(params, others))
    return sections, results, checked, claim_verdicts


def _summary(results: list[Any], claims: str, notes: list[str]) -> str:
    """What a reader wants first: how much of the literature the model meets, where it misses, and
    what its runs said to distrust."""
    from il7.claims.validate import passes_by_basis

    misses = [r.target.id for r in results if not r.passed]
    said = (
        "<p>What the runs said to distrust:</p><ul>"
        + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        + "</ul>"
        if notes
        else ""
    )
    return (
        "<h2 id='summary'>In short</h2>"
        f"<p><b>Literature validation:</b> {html.escape(passes_by_basis(results))}. Only a prediction's PASS "
        "tests the model; an input's shows that it carries what was written into it. "
        f"<b>The article's claims:</b> {html.escape(claims)}. "
        f"<b>The {len(misses)} misses</b> (each with its reason in <a href='#validation'>the literature "
        f"validation</a>): {html.escape(', '.join(misses))}. Outputs that no target checks, and may be too "
        "strong or too weak, are listed under 'Known limits' in il7's README.</p>" + said
    )


def _run(name: str) -> ScenarioResult:
    s = scenarios.load(name)
    try:
        return ScenarioResult(name, s.description, simulate(s), None, s.sources)
    except Il7Error as exc:
        return ScenarioResult(name, s.description, None, str(exc), s.sources)


def _figure(trajectory: Trajectory) -> str:
    """A scenario's figure (:meth:`Trajectory.figure`), its caption saying what each panel plots."""
    unit = dict(zip(trajectory.columns, trajectory.units, strict=True))
    grouped = trajectory.panels()
    panels = "; ".join(f"{', '.join(readouts)} ({unit[readouts[0]]})" for readouts in grouped)
    hidden = [  # lines of one panel that lie on each other: the reader would miss one
        f"{a} and {b}"
        for readouts in grouped
        for i, a in enumerate(readouts)
        for b in readouts[i + 1 :]
        if np.allclose(trajectory[a], trajectory[b], rtol=0.01, atol=0.0)
    ]
    clipped = []  # readouts that fall below a log axis's depth: the figure cannot show them there
    for readouts in grouped:
        values = np.concatenate([trajectory[r] for r in readouts])
        values = values[np.isfinite(values)]
        if log_scaled(values):
            floor = values.max() * 10.0**-LOG_DECADES
            clipped += [r for r in readouts if np.nanmin(trajectory[r]) < floor]
    still = [r for r in trajectory.columns if flat(trajectory[r])]  # (not all: those runs get a table)
    caption = (
        f"{trajectory.scenario}: its readouts against time ({trajectory.time_unit}), a panel per unit; "
        f"readouts that share a unit but differ greatly in size have panels of their own: {panels}. "
        + (f"Lines that lie on each other (within 1% throughout): {'; '.join(hidden)}. " if hidden else "")
        + (
            f"{', '.join(still)} {'holds its' if len(still) == 1 else 'hold their'} value throughout "
            f"(moving by less than {FLAT:g} of {'its' if len(still) == 1 else 'their'} size). "
            if still
            else ""
        )
        + (
            f"A log axis shows {LOG_DECADES} decades below its panel's highest value; "
            f"{', '.join(clipped)} {'falls' if len(clipped) == 1 else 'fall'} below that (the CSV has "
            "every value). "
            if clipped
            else ""
        )
        + f"Data: scenario_{trajectory.scenario}.csv."
    )
    return embed(trajectory.figure(), trajectory.scenario, caption)


def _header(params: pd.DataFrame) -> str:
    from il7.engine import provenance

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    counts = params["status"].value_counts()
    statuses = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("measured", "derived", "fitted", "assumed"))
    return (
        "<h1>il7 report</h1>"
        f"<p class='meta'>Generated {stamp} by {provenance()}. il7 is an executable model of the interleukin-7 system: "
        "IL-7 sources, distribution and clearance, its receptor and the soluble receptor, the gc "
        "cytokines that compete for gc, the three signalling cascades in T cells, and the cells that "
        "live on IL-7 or answer it: T-cell pools, thymocytes, B-cell precursors, monocytes, "
        "osteoclasts and tumours, in a human and a mouse body, with recombinant IL-7 and anti-IL-7Ralpha "
        "dosing (the antibody also in virtual patients), transplant and a virtual transplant cohort. Every number "
        f"comes from the parameter table at the end of this page ({len(params)} values: {statuses}), with its "
        "source, or, for an assumed value, the reason it was chosen.</p>"
    )


def _contents() -> str:
    """Links to the page's sections."""
    sections = (
        ("summary", "In short"),
        ("layers", "Model layers"),
        ("baseline", "Baseline"),
        ("molecular", "Molecular layer against data"),
        ("cells", "Cells and body"),
        ("therapy", "Therapies and transplant"),
        ("validation", "Literature validation"),
        ("claims", "The article's claims"),
        ("scenarios", "Scenarios"),
        ("parameters", "Parameters"),
    )
    return (
        "<nav><b>Contents:</b> " + " | ".join(f"<a href='#{i}'>{name}</a>" for i, name in sections) + "</nav>"
    )


def _baseline_section(result: ScenarioResult | None, out: Path) -> str:
    if result is None or result.trajectory is None:
        message = result.error if result is not None else "no baseline scenario"
        return f"<h2>Baseline</h2><p class='failed'>FAILED: {html.escape(str(message))}</p>"
    frame = _last_values(result.trajectory)
    frame["meaning"] = [readout_table()["meaning"].get(r, "") for r in frame.index]
    frame.to_csv(out / "baseline.csv")
    return (
        f"<h2 id='baseline'>Baseline (steady state)</h2><p>{html.escape(result.description)} A serum IL-7 "
        "assay measures the total (free and held by soluble IL-7Ralpha); free IL-7 is what the receptors "
        f"see. Data: {link('baseline.csv')}.</p>{table(frame)}"
    )


def _readout_key(results: list[ScenarioResult]) -> str:
    """What each readout the scenario figures draw means, once for all of them: the figures name
    readouts by the ids that il7 simulate --readouts takes."""
    drawn = dict.fromkeys(
        r for result in results if result.trajectory is not None for r in result.trajectory.columns
    )
    if not drawn:
        return ""
    frame = readout_table().loc[list(drawn), ["unit", "meaning"]].rename_axis("readout")
    return (
        "<details><summary>What the readouts below mean (their ids are those of <code>il7 readouts</code> and "
        f"<code>il7 simulate --readouts</code>; {len(frame)} readouts)</summary>{table(frame)}</details>"
    )


def _scenario_section(result: ScenarioResult, out: Path) -> str:
    head = f"<h3 id='scenario-{result.name}'>{html.escape(result.name)}</h3><p>{html.escape(result.description)}</p>"
    if result.sources:  # the scenario file's own, as il7 scenarios NAME prints them
        head += f"<p class='sources'>Sources: {html.escape('; '.join(result.sources))}</p>"
    if result.trajectory is None:
        return head + f"<p class='failed'>FAILED: {html.escape(str(result.error))}</p>"
    result.trajectory.write(out / f"scenario_{result.name}.csv")
    links = [link(f"scenario_{result.name}.csv")]
    try:
        write_omex(out / f"scenario_{result.name}.omex", result.name)
        links.append(link(f"scenario_{result.name}.omex"))
    except Il7Error as exc:  # the run above solved, so this is unexpected; say so and go on
        links.append(f"no archive for other tools: {html.escape(str(exc))}")
    shown = _steady_table(result.trajectory) if result.trajectory.steady() else _figure(result.trajectory)
    return head + shown + f"<p class='files'>Files: {', '.join(links)}</p>"


def _last_values(trajectory: Trajectory) -> pd.DataFrame:
    """Each readout's value at the run's last output time, with its unit, indexed by readout."""
    return pd.DataFrame(
        {"value": trajectory.data[-1, 1:], "unit": trajectory.units},
        index=pd.Index(trajectory.columns, name="readout"),
    )


def _steady_table(trajectory: Trajectory) -> str:
    """A run in which no readout moves, as a table of their values: the figure drew a flat line
    per panel (baseline, the sIL-7R levels and the mouse knockouts hold their steady state)."""
    frame = _last_values(trajectory)
    start, end = trajectory.time[0], trajectory.time[-1]
    return (
        f"<p>Every readout holds its value from time {start:g} to {end:g} ({trajectory.time_unit}; each moves by "
        f"less than {FLAT:g} of its size: a steady state), so a table gives the values in place of flat "
        "lines.</p>" + table(frame)
    )


def _validation_section(out: Path, step: ProgressHook) -> tuple[str, list[Any]]:
    from il7.claims import BASES
    from il7.claims.validate import passes_by_basis, validate

    results = validate(progress=lambda t: step(f"validate {t}"))
    rows = [
        {
            "target": r.target.id,
            "verdict": "PASS" if r.passed else "FAIL",
            "basis": r.target.basis,
            "expected": r.target.expected,
            "model": r.shown(),
            "what": r.target.description,
            "why the model misses it": "" if r.passed else (r.target.known_miss or "not yet explained"),
            "source": r.target.source,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows).set_index("target")
    frame.to_csv(out / "validation.csv")
    misses = frame[frame["verdict"] == "FAIL"][["basis", "expected", "model", "what"]]
    return (
        f"<h2 id='validation'>Literature validation</h2><p>{passes_by_basis(results)} "
        f"(claims/targets.yaml; data: {link('validation.csv')}). The basis says what the model's value owes to "
        "the target: "
        + "; ".join(f"<i>{basis}</i>, {html.escape(meaning)}" for basis, meaning in BASES.items())
        + ". A target described as held out is a prediction written before the model was run against "
        "it. A FAIL is a recorded model miss, not a hidden one: its row in the table of every target says why, with figures.</p>"
        + f"<h3>The {len(misses)} misses</h3>"
        + table(misses, css="misses")
        + "<h3>Every target</h3>"
        + _verdicts(table(frame, css="validation")),
        results,
    )


def _verdicts(table: str) -> str:
    """A table's FAIL cells in red, so that a miss stands out among 90 rows."""
    return table.replace("<td>FAIL</td>", "<td class='failed'>FAIL</td>")


def _claims_section(out: Path) -> tuple[str, str]:
    from il7.claims.validate import check_claims, check_line, claims_passing

    rows = []
    results = check_claims()
    for c in results:
        checks = "; ".join(check_line(r) for r in c.results)
        if c.claim.missing:
            checks = (checks + "; " if checks else "") + f"not yet checked: {c.claim.missing}"
        rows.append(
            {
                "claim": c.claim.id,
                "the article says": c.claim.statement,
                "how il7 reads and checks it": f"{c.claim.reading} [{checks}]",
                "verdict": "PASS" if c.passed else "FAIL",
            }
        )
    frame = pd.DataFrame(rows).set_index("claim")
    frame.to_csv(out / "claims.csv")
    said = claims_passing(results)
    return (
        f"<h2 id='claims'>The article's claims</h2><p>Of the statements of the source article, the "
        f'encyclopedia entry "Interleukin-7" (Altmeyer, updated 29.10.2020), {html.escape(said)} '
        f"(claims/article.yaml; data: {link('claims.csv')}). Each check names its target and the target's basis "
        "(see the literature validation): a claim checked only by inputs shows that the model carries "
        "what was written into it, not that it predicts it.</p>" + _verdicts(table(frame, css="claims")),
        said,
    )


def _parameter_section(params: pd.DataFrame, others: dict[str, pd.DataFrame]) -> str:
    """The parameter table, then what each other context (the mouse, the culture well) sets."""
    page = (
        "<h2 id='parameters'>Parameters</h2><p>Every number with its unit, status and source "
        f"(data: {link('parameters.csv')}). A derived value is computed by the model for the healthy adult at "
        "steady state (the baseline scenario); its source gives the formula.</p>"
        + table(params, css="parameters")
    )
    for name, frame in others.items():
        own = frame[frame["set_by"] == name]
        shown = pd.DataFrame(
            {
                "value": own["value"],
                "unit": own["unit"],
                "human adult": params.loc[own.index, "value"],
                "status": own["status"],
                "source": own["source"],
            }
        )
        page += (
            f"<h3>The {name} context's own values</h3><p>{len(own)} values in place of the human adult's "
            f"(model/interventions.yaml; the whole table: {link(f'parameters_{name}.csv')}, or "
            f"<code>il7 parameters --context {name}</code>).</p>" + table(shown, css="parameters")
        )
    return page


def _page(body: str) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;font-size:.85rem}td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd;"
        "text-align:left;vertical-align:top;overflow-wrap:anywhere}.failed{color:#b00;font-weight:bold}"
        ".meta,.files{color:#555}img{max-width:100%}nav{margin:1rem 0;line-height:1.8}"
        # the long tables fit the page: fixed columns, the text ones wide, wrapped
        "table.validation,table.claims{table-layout:fixed;width:100%}"
        "table.validation th:nth-child(1){width:11%}table.validation th:nth-child(2){width:6%}"
        "table.validation th:nth-child(3){width:6%}table.validation th:nth-child(4){width:8%}"
        "table.validation th:nth-child(5){width:7%}table.validation th:nth-child(6){width:19%}"
        "table.validation th:nth-child(7){width:25%}table.validation th:nth-child(8){width:18%}"
        "table.claims th:nth-child(1){width:12%}table.claims th:nth-child(2){width:30%}"
        "table.claims th:nth-child(3){width:50%}table.claims th:nth-child(4){width:8%}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>il7 report</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )
