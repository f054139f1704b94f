"""The report's molecular-layer section: the model against Gonnord 2018 and the other anchors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from il7 import calibrate, experiments
from il7.claims import targets
from il7.claims.validate import cd127_course, cd127_maximal_loss_time, faces, gonnord, graded, measured
from il7.errors import Il7Error
from il7.petab_export import write_s3c
from il7.report.figures import embed, link, table, verdict
from il7.scenario import load
from il7.simulate import readout_unit, simulate
from il7.trajectory import legend_below


def molecular_section(out: Path) -> str:
    """Figures and CSVs: pSTAT5 dose-response and cross-inhibition against the data, receptor
    loss after IL-7, the graded outputs, and the two faces of the soluble receptor."""
    parts = ["<h2 id='molecular'>Molecular layer against data</h2>"]
    parts.append(_gonnord_figure(out))
    parts.append(_receptor_figure(out))
    parts.append(_graded_figure(out))
    parts.append(_faces_table(out))
    return "\n".join(parts)


PETAB_FOLDER = "gonnord_S3C_petab"
"""The report's sub-folder holding ``il7 export petab``'s problem."""


def _gonnord_figure(out: Path) -> str:
    data, il4, il7 = gonnord()
    fine = np.logspace(0, 5, 41)
    curve = experiments.dose_response("IL7", "pSTAT5_MFI", fine)  # through the fitted observable map
    pd.DataFrame({"IL7_pg_per_mL": fine, "model_pSTAT5_MFI": curve}).to_csv(
        out / "gonnord_S3C_model.csv", index=False
    )
    pd.DataFrame(
        {
            "IL7_pretreatment_pg_per_mL": calibrate.S3D_IL7_PRE,
            "model_inhibition_of_IL4_pct": il4,
            "IL4_pretreatment_pg_per_mL": calibrate.S3D_IL4_PRE,
            "model_inhibition_of_IL7_pct": il7,
        }
    ).to_csv(out / "gonnord_S3D_model.csv", index=False)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    a.semilogx(fine, curve, label="model (fitted map)")
    for k in range(data.mfi.shape[1]):
        a.semilogx(
            data.doses_pg_ml, data.mfi[:, k], "o", color="k", ms=4, label="Gonnord S3C" if k == 0 else None
        )
    a.set(xlabel="IL-7 (pg/mL)", ylabel="pSTAT5 MFI", title="pSTAT5 at 10 min (fitted)")
    a.legend(fontsize="small")
    for pre, model, points, mark, colour, said in (  # each model line in its data's colour
        (calibrate.S3D_IL7_PRE, il4, data.inhibition_of_il4, "o", "C0", "IL-7 then IL-4 (pSTAT6)"),
        (calibrate.S3D_IL4_PRE, il7, data.inhibition_of_il7, "s", "C1", "IL-4 then IL-7 (pSTAT5)"),
    ):
        b.semilogx(pre, model, "-", color=colour, label=f"{said}: model")
        b.semilogx(np.repeat(pre, 3), points.ravel(), mark, color=colour, ms=4, label=f"{said}: S3D")
    b.set(xlabel="pre-treatment (pg/mL)", ylabel="% inhibition", title="gc cross-inhibition (fitted)")
    b.legend(fontsize="x-small", loc="upper left")  # above the low doses, where no point lies
    caption = (
        "Left: pSTAT5 in human CD4+CCR7hi T cells 10 min after IL-7 (Gonnord 2018 S3C, points as "
        "digitised), and the model's pSTAT5 fraction through the fitted observable map, offset plus scale "
        "times the fraction (the fitted offset lies below 0, so the map reads below 0 with no IL-7; "
        "targets pstat5_ec50_10min and pstat5_s3c_r2). Right: how much a pre-treatment lowers the other "
        "cytokine's response (S3D): IL-7 then IL-4 (pSTAT6), IL-4 then IL-7 (pSTAT5); both panels were "
        "fitted (il7 calibrate), so they show the fit, not a prediction. Data: gonnord_S3C_model.csv, "
        "gonnord_S3D_model.csv; the digitised points are in src/il7/data."
    )
    try:
        write_s3c(out / PETAB_FOLDER)
        caption += (
            f" The S3C fit as a PEtab problem for pyPESTO or COPASI: {PETAB_FOLDER}/problem.yaml "
            "(its README says what il7 calibrate fits beyond it)."
        )
    except Il7Error as exc:  # a file where the folder goes: say so, keep the report
        caption += f" No PEtab problem: {exc}"
    return embed(fig, "Gonnord 2018 fit", caption)


def _receptor_figure(out: Path) -> str:
    times, surface = cd127_course()
    pd.DataFrame({"time_h": times, "surface_CD127_relative": surface}).to_csv(
        out / "cd127_after_il7.csv", index=False
    )
    fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
    window = targets()["cd127_nadir_time"]
    assert window.low is not None and window.high is not None  # an in_range target
    ax.axvspan(window.low, window.high, color="0.9", lw=0, label=f"maximal loss wanted: {window.expected}")
    ax.plot(times, surface, label="model")
    lost = measured("cd127_loss_at_30min").observed  # as il7 validate reads it
    wanted = targets()["cd127_loss_at_30min"].expected
    ax.plot(
        0.5, 1.0 - lost / 100.0, "o", color="C1", ms=5, label=f"30 min: down {lost:.0f}% (wanted {wanted})"
    )
    nadir = cd127_maximal_loss_time(times, surface)
    ax.axvline(nadir, color="C2", ls=":", label=f"95% of the fall made: {nadir:.2g} h")
    ax.set(
        xlabel="time after 10 ng/mL IL-7 (h)",
        ylabel="surface CD127 (relative to its start)",
        title="CD127 loss after IL-7",
    )
    legend_below(ax)
    lowest = float(np.min(surface))
    nearly = float(times[int(np.argmax(surface <= 2 * lowest))])
    caption = (
        f"Surface CD127 per T cell after 10 ng/mL IL-7 in culture (cd127_loss_at_30min, cd127_nadir_time): "
        f"it is down to {lowest:.2g} of its start at its lowest, at {float(times[int(np.argmin(surface))]):.2g} h, "
        f"and within twice that by {nearly:.2g} h; the check reads the loss as maximal where 95% of the fall is "
        f"made ({nadir:.2g} h), since the last 5% moves CD127 by less than an assay resolves. The source (a "
        "meeting abstract) gives the onset, 20 min, and the time of maximal loss, 12 h, not its "
        "depth, so how far it falls is the model's, unchecked. Data: cd127_after_il7.csv."
    )
    return embed(fig, "CD127 after IL-7", caption)


DENSITIES = (1e3, 1e5, experiments.CULTURE_CELLS_PER_ML, 2e6)
"""Culture densities (cells/mL) at which the report shows the survival output: at 1e3 the cells
barely use up their IL-7, so that curve is the signalling threshold alone."""


def _graded_figure(out: Path) -> str:
    g = graded()
    frame = pd.DataFrame(
        {
            "IL7_ng_per_mL": g.doses_ng_ml,
            "pSTAT5_30min": g.stat5,
            "Bcl2_48h": g.survival,
            "cycling_72h": g.proliferation,
        }
    )
    frame.to_csv(out / "graded_outputs.csv", index=False)
    doses = np.logspace(-3, 2, 21)
    by_density = pd.DataFrame({"IL7_ng_per_mL": doses})
    ec50 = {}
    for density in DENSITIES:
        sweep = experiments.graded_outputs(tuple(doses), cells_per_ml=density)
        by_density[f"Bcl2_48h_at_{density:g}_cells_per_mL"] = sweep.survival
        ec50[density] = sweep.ec50_survival
    by_density.to_csv(out / "graded_outputs_by_density.csv", index=False)

    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.4), layout="constrained", sharey=True)
    wanted = {key: targets()[f"{key}_ec50"] for key in ("survival", "proliferation")}
    for column, label, key in (
        ("pSTAT5_30min", "pSTAT5, 30 min (fraction)", None),
        ("Bcl2_48h", "Bcl-2, 48 h (index, 1 = full)", "survival"),
        ("cycling_72h", "in cycle, 72 h (fraction of cells)", "proliferation"),
    ):
        (line,) = left.semilogx(frame["IL7_ng_per_mL"], frame[column], label=label)
        if key is not None:  # the EC50 the check wants, in the curve's colour
            t = wanted[key]
            left.axvspan(
                t.low,
                t.high,
                color=line.get_color(),
                alpha=0.15,
                lw=0,
                label=f"its EC50 target, {t.expected}",
            )
    left.set(
        xlabel=f"IL-7 (ng/mL), one dose, {experiments.CULTURE_CELLS_PER_ML:.0e} cells/mL",
        ylabel="output",
        title="graded outputs in culture",
    )
    legend_below(left)  # inside, any corner covered a curve
    right.axvspan(0.5, 1.0, color="0.85", label="Bcl-2 needs 0.5-1 ng/mL (JLB 2014, PMID 24072878)")
    greys = plt.get_cmap("Greys")(np.linspace(0.35, 0.9, len(DENSITIES)))
    bcl2_colour = left.get_lines()[1].get_color()  # the left panel's Bcl-2 curve
    for density, grey in zip(DENSITIES, greys, strict=True):
        own = density == experiments.CULTURE_CELLS_PER_ML  # the left panel's density, in its colour
        right.semilogx(
            doses,
            by_density[f"Bcl2_48h_at_{density:g}_cells_per_mL"],
            color=bcl2_colour if own else grey,
            label=f"{density:.0e} cells/mL" + (" (as left)" if own else ""),
        )
    right.set(
        xlabel="IL-7 (ng/mL), one dose",
        ylabel="Bcl-2 at 48 h (index, 1 = full)",
        title="Bcl-2 at 48 h: set by consumption",
    )
    right.yaxis.set_tick_params(labelleft=True)
    legend_below(right)
    shifts = ", ".join(f"{ec50[d]:.2g} at {d:.0e}" for d in DENSITIES)
    said = {
        key: f"{measured(f'{key}_ec50').observed:.3g} ng/mL ({verdict(f'{key}_ec50')} its target, "
        f"{wanted[key].expected})"
        for key in ("survival", "proliferation")
    }
    return embed(
        fig,
        "graded outputs",
        f"EC50: STAT5 {g.ec50_stat5:.3g} ng/mL, survival {said['survival']}, proliferation "
        f"{said['proliferation']}, at the assumed {experiments.CULTURE_CELLS_PER_ML:.0e} cells/mL; the "
        "shaded bands are the targets (il7 validate survival_ec50 proliferation_ec50 says why a miss "
        f"misses). The grid has four doses a decade, so each switch is drawn as a few straight segments. Right: the survival EC50 follows the density (ng/mL: {shifts} cells/mL), "
        "because it is where the cells stop using up the dose within 48 h; at 1e3 cells/mL they "
        "barely use it, and the curve is the signalling threshold alone. The density of the "
        "source experiment was not read. Data: graded_outputs.csv, graded_outputs_by_density.csv",
    )


def _faces_table(out: Path) -> str:
    f = faces()
    frame = pd.DataFrame(
        {
            "without sIL-7R": [f.culture_pstat5[0], f.body_total_il7_half_life_h[0], f.body_pstat5_7day[0]],
            "with sIL-7R": [f.culture_pstat5[1], f.body_total_il7_half_life_h[1], f.body_pstat5_7day[1]],
        },
        index=pd.Index(
            [
                "culture: pSTAT5 at 15 min, 100 pg/mL IL-7, fraction phosphorylated (Crawley 2010)",
                "body: total plasma IL-7 half-life after 10 ug/kg IV, h (Lundstrom 2013)",
                "body: T-cell pSTAT5 over 7 days, fraction x day (Lundstrom 2013)",
            ],
            name="soluble IL-7Ralpha",
        ),
    )
    frame.to_csv(out / "soluble_receptor.csv")
    levels = pd.DataFrame(  # the steady states of the three soluble-receptor bodies, side by side
        {
            name: {readout: float(run[readout][0]) for readout in SIL7R_READOUTS}
            for name, run in (
                (name, simulate(dataclasses.replace(load(name), readouts=SIL7R_READOUTS)))
                for name in ("sil7r_low", "baseline", "sil7r_high")
            )
        }
    )
    levels.index = pd.Index([f"{r} ({readout_unit(r)})" for r in SIL7R_READOUTS], name="steady state")
    levels.to_csv(out / "soluble_receptor_levels.csv")
    return (
        f"<h3>Soluble IL-7Ralpha: both faces</h3><p>Data: {link('soluble_receptor.csv')}.</p>"
        + table(frame, digits=3)
        + "<p>The steady states of the scenarios sil7r_low, baseline and sil7r_high, which set the "
        "soluble receptor's production low and high (each also under Scenarios): more sIL-7R "
        "holds more IL-7 in serum, while free IL-7, the T cells' signal and their counts barely "
        f"move. Data: {link('soluble_receptor_levels.csv')}.</p>" + table(levels, digits=3)
    )


SIL7R_READOUTS = ("sIL7R_serum", "IL7_serum_total", "IL7_serum", "pSTAT5_frac", "CD4_blood")
"""What the soluble-receptor table compares (each a readout of the three scenarios)."""
