"""The report's cell-and-body section: the human baseline, the IL-7 sink, the mouse knockouts,
and the monocyte and bone modules (activated T cells and tumours are in the validation table)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullLocator

from il7 import experiments
from il7.claims import targets
from il7.claims.validate import body, depletion, measured, mouse
from il7.report.figures import embed, link, table, verdict
from il7.sensitivity import SHOWN, sensitivities
from il7.simulate import usable_cpus


def cells_section(out: Path, step: Callable[[str], None]) -> str:
    """Tables, figures and their CSVs for layers 6-9; ``step`` is told when the long runs start."""
    parts = ["<h2 id='cells'>Cells and body</h2>"]
    parts.append(_body_table(out))
    parts.append(_sink_figure(out))
    step("serum IL-7's sensitivity to each parameter")
    parts.append(_serum_il7_drivers(out))
    parts.append(_knockout_figure(out))
    parts.append(_myeloid_figure(out))
    return "\n".join(parts)


def _body_table(out: Path) -> str:
    state = body()
    rows = [
        ("total serum IL-7", state["IL7_serum_total"], "pg/mL"),
        ("soluble IL-7R", state["sIL7R_serum"], "ng/mL"),
        ("CD4 T cells in blood", state["CD4_blood"], "cells/uL"),
        ("CD8 T cells in blood", state["CD8_blood"], "cells/uL"),
        ("naive CD4 / memory CD4", state["naive_CD4_blood"] / state["memory_CD4_blood"], "ratio"),
        ("Treg in blood", state["Treg_blood"], "cells/uL"),
        ("B cells in blood", state["B_blood"], "cells/uL"),
        ("monocytes in blood", state["monocytes_blood"], "cells/uL"),
        ("thymocytes", state["thymus_cells"], "cells"),
        ("bone-marrow B precursors", state["B_precursors"], "cells"),
    ]
    for pool in ("naive_CD4", "naive_CD8", "memory_CD4", "memory_CD8"):
        rows.append(
            (
                f"{pool.replace('_', ' ')} half-life",
                experiments.half_life_years(state[f"turnover_{pool}"]),
                "years",
            )
        )
    share = measured("thymic_share_naive").observed
    rows.append(("thymic share of naive T-cell production", share, "fraction"))
    frame = pd.DataFrame(rows, columns=["quantity", "value", "unit"]).set_index("quantity")
    frame.to_csv(out / "body_baseline.csv")
    shown = table(frame)
    return (
        "<h3>The human adult at steady state</h3><p>Reference adult, 30 years old (data: "
        f"{link('body_baseline.csv')}). The half-lives are set from deuterium labelling (Vrisekoop 2008), so they "
        "check nothing; the thymic share of naive T-cell production "
        f"({share:.2f}) {verdict('thymic_share_naive')} its target, den Braber 2012's 10-20% "
        "(literature validation: thymic_share_naive).</p>"
        f"{shown}"
    )


def _sink_figure(out: Path) -> str:
    days, serum, cells = depletion()
    pd.DataFrame(
        {"day": days, "IL7_serum_total_pg_per_mL": serum, "T_cells_relative": cells / cells[0]}
    ).to_csv(out / "il7_sink.csv", index=False)
    fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
    x = np.asarray(days) + 1.0
    ax.semilogx(x, serum, "o-", color="#c33", label="total serum IL-7 (pg/mL)")
    ax.set(
        xlabel="days since the 90% T-cell depletion began (log scale of day + 1)", ylabel="serum IL-7 (pg/mL)"
    )
    twin = ax.twinx()
    twin.semilogx(x, cells / cells[0], "s--", color="#36c", label="T cells (relative)")
    shown_days = [int(d) for d in days]  # ticks at the days sampled, read as days
    ax.set_xticks([d + 1.0 for d in shown_days], [str(d) for d in shown_days])
    ax.xaxis.set_minor_locator(NullLocator())
    twin.set(ylabel="T cells (relative to before)")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], fontsize="small", loc="upper right")
    ax.set_title("The IL-7 sink: serum IL-7 follows the T-cell pool")
    return embed(
        fig,
        "IL-7 sink",
        "Total serum IL-7 (pg/mL, red, left axis) and the body's T cells relative to before (blue, right axis) "
        "after one day in which 90% of T cells are removed, as lymphodepleting conditioning would, in "
        "the healthy adult; the time axis is logarithmic in days since the depletion began plus one, so that "
        "day 0, before it, has a place (its ticks read in days). Serum IL-7 rises because "
        "fewer receptors consume it, and falls back as the pools regrow from the thymus and by "
        "division (targets sink_serum_rise_after_depletion and sink_serum_excess_left_after_two_years). Data: "
        "il7_sink.csv.",
    )


def _serum_il7_drivers(out: Path) -> str:
    """What sets serum IL-7 in the healthy adult: its local sensitivity to every free parameter."""
    result = sensitivities("baseline", "IL7_serum_total", jobs=min(usable_cpus(), 4))
    result.write(str(out / "serum_il7_sensitivity.csv"))
    coefficient = {r.parameter: r.coefficient for r in result.rows}
    top = ", ".join(f"{r.parameter} {r.coefficient:+.2f}" for r in result.rows[:4])
    one_side = sum(r.method.startswith(("lower side only", "upper side only")) for r in result.rows)
    strong = [r for r in result.rows if abs(r.coefficient) >= 0.05]
    mirrored = [  # equal and opposite to 1e-4 (a ratio gives 1e-8; chance pairs agree to 1e-3 at best)
        f"{a.parameter} {a.coefficient:+.2f} and {b.parameter} {b.coefficient:+.2f}"
        for i, a in enumerate(strong)
        for b in strong[i + 1 :]
        if abs(a.coefficient + b.coefficient) <= 1e-4 * abs(a.coefficient)
    ]
    pairs = (
        f" Pairs with equal and opposite coefficients act on serum IL-7 through their ratio, one "
        f"determinant each, not two: {'; '.join(mirrored)}."
        if mirrored
        else ""
    )
    sides = (
        f" ({one_side} on one side only, the other refused: see the file's method column)" if one_side else ""
    )
    caption = (
        f"d ln(total serum IL-7) / d ln(parameter) in the healthy adult at steady state (the baseline's last "
        f"output, day {result.at:g}, as the title says; {result.nominal:.3g} pg/mL), each of {len(result.rows)} parameters taken x{1 + result.step:g} and /{1 + result.step:g}{sides}, the {min(SHOWN, len(result.rows))} strongest drawn ({len(result.skipped)} more not varied, the file's method column says why; il7 sensitivity baseline "
        f"IL7_serum_total; data: serum_il7_sensitivity.csv). Strongest: {top}. IL-7 production (all five "
        f"sources together, IL7_production): {coefficient['IL7_production']:+.2f}: more production grows the T-cell pools that consume it, so serum IL-7 "
        "is set by what the cells need (their signalling thresholds and receptors) more than by "
        "production, and the total measured in serum follows the soluble receptor that holds it "
        f"(sIL7R_level {coefficient['sIL7R_level']:+.2f}).{pairs}"
    )
    return embed(result.figure(), "what sets serum IL-7", caption)


def _knockout_figure(out: Path) -> str:
    readouts = ("thymus_cells", "T_cells_total", "preB", "B_mature")
    frame = pd.DataFrame(
        {
            name: [mouse(gene)[r] for r in readouts]
            for name, gene in (("wild type", None), ("IL7-/-", "IL7"), ("IL7R-/-", "IL7R"))
        },
        index=pd.Index(readouts, name="cells at steady state"),
    )
    frame.to_csv(out / "mouse_knockouts.csv")
    thymus, t_cells = targets()["mouse_il7ko_thymus_fold"], targets()["mouse_il7ko_t_cell_fold"]
    fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
    floor = 1.0
    width = 0.27
    for i, column in enumerate(frame.columns):
        x = np.arange(len(readouts)) + (i - 1) * width
        drawn = np.maximum(frame[column], floor)
        ax.bar(x, drawn, width, label=column)
        if i == 0:
            continue
        for xi, top, cells, wild in zip(x, drawn, frame[column], frame["wild type"], strict=True):
            fold = f"1/{wild / cells:.3g}" if cells >= floor else "none"  # a fraction of the wild type
            ax.text(xi, top * 1.5, fold, ha="center", va="bottom", fontsize=6.5, rotation=90)
    ax.set_yscale("log")
    ax.set_ylim(top=ax.get_ylim()[1] * 30)  # room for the folds above the tallest knockout bars
    ax.set_xticks(np.arange(len(readouts)), ["thymocytes", "peripheral T", "pre-B", "mature B"])
    ax.set(ylabel="cells (floor 1)", title="Mouse knockouts (steady state)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))  # inside, it hid mature B
    return embed(
        fig,
        "mouse knockouts",
        "Cells of a wild-type, an IL-7-knockout and an IL-7Ralpha-knockout mouse at steady state, on a log "
        "axis, where a count below one cell (none: the knockouts' pre-B cells) is drawn at 1. The knockouts keep "
        "only the mature B cells that renew themselves without the marrow (marginal-zone and B-1 cells, a tenth "
        "of the wild type's, Carvalho 2001). Above each knockout's bar: its count as a fraction of the wild "
        f"type's (von Freeden-Jeffry 1995, as il7 validate checks it: thymus down {thymus.expected}-fold, "
        f"peripheral T down {t_cells.expected}-fold). The two knockouts' bars are the same: in il7 "
        "IL-7Ralpha has no ligand but IL-7 (TSLP, which also signals through it, is not modelled), so "
        "losing either loses the same signal; Peschon 1994 found the receptor's knockout at least as "
        "severe. Data: mouse_knockouts.csv.",
    )


def _myeloid_figure(out: Path) -> str:
    detection = targets()["monocyte_il6_undetected_at_1ng"].value  # pg/mL, an ELISA's (assumed)
    hours = np.linspace(0.0, 24.0, 25)
    il6 = {dose: experiments.monocyte_mediator(dose, list(hours)) for dose in (1.0, 10.0, 100.0)}
    oc = {
        (dose, t): experiments.osteoclast_formation(dose, t_cells=t)
        for dose in (1.0, 10.0)
        for t in (True, False)
    }
    pd.DataFrame(
        {"hour": hours, **{f"IL6_pg_per_mL_at_{d:g}_ng_per_mL_IL7": v for d, v in il6.items()}}
    ).to_csv(out / "monocyte_il6.csv", index=False)
    vehicle = {dose: experiments.osteoclasts_against_vehicle(dose) for dose in (1.0, 10.0)}
    lee = {1.0: 1.0 - 0.57, 10.0: 1.0 - 0.86}  # Lee 2003 (abstract): 57% and 86% inhibition
    pd.DataFrame(
        [
            {"IL7_ng_per_mL": d, "T_cells": t, "relative_to": "the well at day 0", "osteoclasts_relative": v}
            for (d, t), v in oc.items()
        ]
        + [
            {"IL7_ng_per_mL": d, "T_cells": False, "relative_to": "a vehicle well", "osteoclasts_relative": v}
            for d, v in vehicle.items()
        ]
    ).to_csv(out / "osteoclasts.csv", index=False)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for dose, values in il6.items():
        a.semilogy(hours[1:], values[1:], label=f"{dose:g} ng/mL IL-7")  # none at hour 0
    a.axhline(detection, color="k", ls="--", lw=0.8, label="detection limit (assumed)")
    a.set(xlabel="hours", ylabel="IL-6 (pg/mL)", title="Monocyte IL-6 (Alderson 1991 setting)")
    a.legend(fontsize="small")
    labels = [f"{d:g} ng/mL\n{'with' if t else 'without'} T" for (d, t) in oc]
    for t, colour in ((True, "#c33"), (False, "#36c")):  # one legend entry each: with and without T
        mine = [(i, v) for i, ((_, with_t), v) in enumerate(oc.items()) if with_t == t]
        b.bar(
            [i for i, _ in mine],
            [v for _, v in mine],
            color=colour,
            label=f"{'with' if t else 'without'} T cells, against day 0",
        )
    against = range(len(oc), len(oc) + len(vehicle))
    b.bar(
        against, list(vehicle.values()), color="#9bd", hatch="//", label="without T, against a vehicle well"
    )
    b.plot(against, [lee[d] for d in vehicle], "D", color="k", ms=5, label="Lee 2003, against vehicle")
    b.axhline(1.0, color="k", lw=0.8)  # no change (the caption says against what)
    b.set_xticks(
        [*range(len(oc)), *against], [*labels, *(f"{d:g} ng/mL\nvs vehicle" for d in vehicle)], fontsize=7
    )
    b.set(ylabel="osteoclasts after 7 days (relative)", title="IL-7 and osteoclasts: both ways")
    b.set_ylim(0.0, 1.35 * max(*oc.values(), 1.0))  # room for the legend above the bars
    b.legend(fontsize="x-small", loc="upper right")
    at_1 = measured("monocyte_il6_undetected_at_1ng").observed  # as il7 validate reads it
    return embed(
        fig,
        "monocytes and osteoclasts",
        "Left: IL-6 in the medium of 2e5 monocytes (1e6/mL) given IL-7 at hour 0, on a log axis, with "
        f"the {detection:g} pg/mL detection limit of a standard ELISA (assumed). Alderson 1991 "
        f"needed at least 10 ng/mL; the model makes {at_1:.3g} pg/mL by 24 h at 1 ng/mL "
        f"(monocyte_il6_undetected_at_1ng {verdict('monocyte_il6_undetected_at_1ng')}). Right: osteoclasts after 7 days of IL-7 relative to "
        "the same well at day 0 (1e5 precursors; with T cells, 1e6 of them, 10 per precursor, an "
        "assumed ratio on which the sign turns: with 3 or fewer per precursor 10 ng/mL IL-7 lowers them); "
        "the line at 1: no change; hatched, without T cells against a well given no IL-7, Lee 2003's comparison: "
        f"{vehicle[1.0]:.2g} at 1 ng/mL (Lee's 0.43, from which K_OC_inhibit was set) and {vehicle[10.0]:.2g} at "
        "10 ng/mL (Lee's 0.14, held out: osteoclast_inhibition_10ng). Data: monocyte_il6.csv, osteoclasts.csv.",
    )
