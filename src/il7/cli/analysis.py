"""The commands that ask what decides a result and how it varies: il7 sensitivity, population
and cohort."""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from il7.build import plain_float
from il7.cli.output import (
    PLOT_SUFFIXES,
    chosen_scenario,
    console,
    json_number,
    noted_warnings,
    notes_stream,
    output_files,
    parse_overrides,
    plain,
    print_json,
    progress_steps,
    rows_note,
    rows_shown,
    save_figure,
    say_notes,
)
from il7.errors import Il7Error

if TYPE_CHECKING:
    from il7.scenario import Scenario


def _parse_correlations(items: list[str]) -> dict[tuple[str, str], float]:
    """``--correlate A,B=R`` options as ``{(A, B): R}`` (checked further by the population)."""
    out: dict[tuple[str, str], float] = {}
    for item in items:
        pair, sep, value = item.rpartition("=")
        ids = [part.strip() for part in pair.split(",")]
        try:
            r = plain_float(value)
        except ValueError:
            r = math.nan
        if not sep or "=" in pair or len(ids) != 2 or not all(ids) or not math.isfinite(r):
            raise Il7Error(f"--correlate '{item}': write ID,ID=R, e.g. --correlate CL_Ab,ka_Ab=0.4")
        if (ids[0], ids[1]) in out or (ids[1], ids[0]) in out:
            raise Il7Error(f"--correlate {ids[0]},{ids[1]} is given twice; give each pair once")
        out[(ids[0], ids[1])] = r
    return out


def _sensitivity(args: argparse.Namespace) -> None:
    from il7 import build, units
    from il7.scenario import clock
    from il7.sensitivity import sensitivities, varied_parameters

    if args.top < 1:
        raise Il7Error(f"--top {args.top}: give a number of rows of at least 1")
    names = build.split_ids(args.parameters, where="--parameters")
    if args.parameters and not names:
        raise Il7Error("--parameters: name at least one parameter, e.g. --parameters CL_IL7,src_stroma")
    output_files(args, {"--out": (".csv",), "--plot": PLOT_SUFFIXES})
    chosen = chosen_scenario(args)
    with (
        noted_warnings(),
        progress_steps(f"sensitivity of {args.readout}", len(names or varied_parameters())) as step,
    ):
        result = sensitivities(
            chosen,
            args.readout,
            at=args.at,
            fold_from=args.fold_from,
            overrides=parse_overrides(args.sets),
            parameters=names or None,
            step=args.step,
            jobs=args.jobs,
            progress=step,
        )
    if args.at is not None and args.at > chosen.t_end:  # population refuses this; sensitivity runs on
        say_notes(
            f"--at {args.at:g} is after the scenario's last output time "
            f"({clock(chosen.t_end, chosen.time_unit)}); the run continues to it with nothing more given"
        )
    said = notes_stream(args)
    if args.out:
        print(f"wrote {result.write(args.out)}", file=said)
    if args.plot:
        print(f"wrote {save_figure(result.figure(top=args.top), args.plot)}", file=said)
    if args.json:
        print_json(
            [
                {
                    "scenario": result.scenario,
                    "readout": result.readout,
                    "unit": result.unit,
                    "at": result.at,
                    "fold_from": result.fold_from,
                    "time_unit": result.time_unit,
                    "nominal": result.nominal,
                    "step": result.step,
                    "rows": [
                        {**vars(r), "low": json_number(r.low), "high": json_number(r.high)}
                        for r in result.rows
                    ],
                    "not_varied": [
                        {
                            "parameter": r.parameter,
                            "reason": r.method,
                            "value": r.value,
                            "unit": r.unit,
                            "status": r.status,
                            "source": r.source,
                        }
                        for r in result.skipped
                    ],
                }
            ]
        )
        return
    from rich.table import Column, Table

    shown = result.rows[: args.top]
    table = Table(
        Column("parameter", no_wrap=True, min_width=max((len(r.parameter) for r in shown), default=9)),
        "d ln|y| / d ln p",
        f"y at p/{1 + result.step:g}",
        f"y at px{1 + result.step:g}",
        Column("p", overflow="fold"),  # a value with its unit, wrapped rather than cut ('cell/mol…')
        "status",
        title=plain(
            f"{result.scenario}: y = {result.quantity} = {result.nominal:.4g}{units.suffix(result.unit)}"
        ),
        caption="sources and notes: --out FILE.csv (the table's: il7 parameters)",
    )
    for r in shown:
        table.add_row(
            r.parameter,
            f"{r.coefficient:+.3f}" + ("" if r.method == "central" else " *"),  # said below the table
            f"{r.low:.4g}" if math.isfinite(r.low) else "refused",
            f"{r.high:.4g}" if math.isfinite(r.high) else "refused",
            plain(f"{r.value:.4g}{units.suffix(r.unit)}"),
            r.status,
        )
    console().print(table)
    weak = sum(1 for r in result.rows if abs(r.coefficient) < 0.01)
    print(
        f"parameters varied (x{1 + result.step:g} and /{1 + result.step:g}): {len(result.rows)}; "
        f"with |d ln|y| / d ln p| below 0.01: {weak}"
    )
    if len(shown) < len(result.rows) - weak:
        print(
            f"{len(shown)} of the {len(result.rows) - weak} at or above 0.01 shown: "
            "--top N shows more, --out FILE.csv writes every row"
        )
    for r in shown:
        if r.method != "central":
            print(f"* {r.parameter}: {r.method}")
    reasons: dict[str, list[str]] = {}
    for r in result.skipped:
        reasons.setdefault(r.method, []).append(r.parameter)
    for why, pids in reasons.items():
        print(f"not varied: {', '.join(pids)}: {why}")


def _population(args: argparse.Namespace) -> None:
    from il7 import build, units
    from il7.engine import absent_fraction
    from il7.population import output_index, population

    output_files(args, {"--out": (".csv",), "--plot": PLOT_SUFFIXES, "--patients": (".csv",)})
    vary = parse_overrides(args.vary, flag="--vary")
    correlations = _parse_correlations(args.correlate)
    chosen = chosen_scenario(args)
    readouts = build.split_ids(args.readouts, where="--readouts", kind="readout", example="CD4_blood") or None
    if args.readouts and readouts is None:
        raise Il7Error(
            "--readouts names no readout; give ids (il7 readouts lists them), or leave it out for the scenario's"
        )
    chosen = _with_output_time(chosen, args.at)  # before the runs, not after
    with noted_warnings(), progress_steps(f"population of {chosen.name}", max(args.n, 0)) as step:
        result = population(
            chosen,
            vary,
            n=args.n,
            seed=args.seed,
            readouts=readouts,
            overrides=parse_overrides(args.sets),
            correlations=correlations,
            jobs=args.jobs,
            progress=lambda done, n: step(f"patient {done} of {n}"),
        )
    notes = notes_stream(args)
    if args.out:
        print(f"wrote {result.write(args.out)}", file=notes)
    if args.patients:
        print(f"wrote {result.write(args.patients, patients=True)}", file=notes)
    if args.plot:
        print(f"wrote {save_figure(result.figure(), args.plot)}", file=notes)
    table = result.percentiles()
    at = float(result.times[-1]) if args.at is None else args.at
    unexplained = ""
    try:
        explained = {r: result.explain(r, at) for r in result.readouts}
    except Il7Error as exc:  # too few patients went through: the rest of the result still stands
        explained, unexplained = {}, str(exc)
    chance = {r: result.significance(coefficients) for r, coefficients in explained.items()}
    spreads = {r: result.relative_spread(r, at) for r in explained}
    if args.json:
        print_json(
            [
                {
                    "scenario": result.scenario,
                    "patients": result.n,
                    "seed": result.seed,
                    "time_unit": result.time_unit,
                    "varied": [
                        {
                            "parameter": s.parameter,
                            "spread": s.describe(),
                            "kind": s.kind,
                            "unit": s.unit,
                            "cv": json_number(s.cv),
                            "low": json_number(s.low),
                            "high": json_number(s.high),
                            "redrawn": again,
                            "median_drawn": result.drawn_median(s.parameter),
                            "cv_drawn": result.drawn_cv(s.parameter) if s.kind == "lognormal" else None,
                        }
                        for s, again in zip(result.spreads, result.redrawn, strict=True)
                    ],
                    "correlations": [
                        {
                            "parameters": [a, b],
                            "r": r,
                            "r_drawn": json_number(result.drawn_correlation(a, b)),
                        }
                        for a, b, r in result.correlations
                    ],
                    "draws": [
                        {
                            "patient": i,
                            **{s.parameter: float(result.draws[i, k]) for k, s in enumerate(result.spreads)},
                        }
                        for i in range(result.n)
                    ],
                    "failed": [{"patient": i, "reason": why} for i, why in result.failed],
                    # the unit is time_unit's, beside: "time" as in the other commands' JSON
                    "percentiles": table.rename(columns={result.time_column: "time"}).to_dict(
                        orient="records"
                    ),
                    "prcc_at": at,
                    "relative_spread": {r: json_number(x) for r, x in spreads.items()} or None,
                    "prcc": {
                        r: {pid: json_number(c) for pid, c in coefficients.items()}
                        for r, coefficients in explained.items()
                    }
                    or None,
                    "prcc_p": {r: {pid: json_number(x) for pid, x in ps.items()} for r, ps in chance.items()}
                    or None,
                    "prcc_missing": unexplained or None,
                }
            ]
        )
        return
    from rich.table import Table

    print(result.header())
    at_row = output_index(result.times, args.at, where="--at", unit=result.time_unit)
    most = 0  # rows the fullest table shows
    for readout, unit in zip(result.readouts, result.units, strict=True):
        median = table[table["readout"] == readout]
        shown = rows_shown(len(result.times), [median["p50"]], about=8, also=[at_row])
        most = max(most, len(shown))
        rows = median.iloc[shown]
        out = Table(
            plain(result.time_column),
            "median",
            "middle 50%",
            "middle 90%",
            title=plain(f"{readout} [{unit}]"),
        )
        for _, row in rows.iterrows():
            out.add_row(
                f"{row[result.time_column]:g}",
                f"{row['p50']:.4g}",
                f"{row['p25']:.4g}-{row['p75']:.4g}",
                f"{row['p5']:.4g}-{row['p95']:.4g}",
            )
        console().print(out)
    note = rows_note(most, len(result.times), "--out FILE.csv", tables=True)
    if note:
        print(note)
    if unexplained:
        print(f"no partial rank correlations: {unexplained}")
    else:
        print(
            f"at time {at:g} ({result.time_unit}), the middle 90% as a share of the median, and each varied "
            "parameter's partial rank correlation (-1 to +1: direction and consistency, not size) with its P "
            "against chance (Marino 2008 t test):"
        )
        for readout, coefficients in explained.items():
            if not result.resolved(readout, at):
                column = result.readouts.index(readout)
                absent = absent_fraction(result.units[column], result.resolution[column])
                reading = "undefined: a fraction of cells the run lacks" if absent else "read it as 0"
                print(f"  {readout}: below what one molecule or cell more would change; {reading}")
                continue
            if not result.varies(readout, at):
                print(f"  {readout}: no spread beyond the solver's precision")
                continue
            listed = ", ".join(
                f"{pid} {c:+.2f} " + _p_value(chance[readout][pid], len(result.spreads))
                if math.isfinite(c)
                else f"{pid} (undefined: the others order it completely)"
                for pid, c in coefficients.items()
            )
            print(f"  {readout}: {spreads[readout]:.2g}; {listed}")
    for s in result.spreads:
        shift = result.median_shift(s.parameter)
        if shift is not None:  # the bounds cut the draws more on one side
            unit = units.suffix(s.unit)
            print(
                f"{s.parameter}: its bounds ({s.low:g}-{s.high:g}{unit}) cut the CV {100 * s.cv:.4g}% spread "
                f"around {s.center:.4g}{unit} more on one side, so its median moves {100 * shift:+.0f}% (as "
                f"drawn: {result.drawn_median(s.parameter):.4g}{unit}): the patients are not centred on the "
                "run's value; give a smaller CV, or a range (LOW..HIGH) where you want them"
            )
    for s, again in zip(result.spreads, result.redrawn, strict=True):
        if again:
            allowed = s.bounded_cv()
            narrowed = (
                f"; the values drawn have a CV of {100 * result.drawn_cv(s.parameter):.3g}% (from their logarithms)"
                + (
                    f" (cut to its bounds, a log-normal of {100 * s.cv:.4g}% has a CV of about {100 * allowed:.3g}%, "
                    "which a finite draw scatters around: ask for a CV the bounds allow)"
                    if allowed < 0.9 * s.cv
                    else ""
                )
            )
            print(
                f"{s.parameter}: {again} {'draw' if again == 1 else 'draws'} fell outside its bounds "
                f"{s.low:g}-{s.high:g}{units.suffix(s.unit)}; {'that patient was' if again == 1 else 'those patients were'} "
                f"drawn again{narrowed}"
            )
    for s in result.spreads:
        if result.cut_by_a_partner(s.parameter):
            cv = (
                f" and its CV {100 * result.drawn_cv(s.parameter):.3g}% (asked: {100 * s.cv:.4g}%)"
                if s.kind == "lognormal"
                else ""
            )
            print(
                f"{s.parameter}: none of its values left its bounds, but patients whose correlated partner's "
                f"did were drawn again whole, so its median as drawn is {result.drawn_median(s.parameter):.4g}"
                f"{units.suffix(s.unit)} (asked: {s.center:.4g}){cv}"
            )
    for a, b, r in result.correlations:
        if result.correlation_cut(a, b):
            print(
                f"{a} and {b}: correlated r = {result.drawn_correlation(a, b):.2f} as drawn (asked: {r:g}), "
                "as patients were drawn again"
            )
    if result.failed:
        print(f"{len(result.failed)} of {result.n} patients' runs failed and are left out; the first:")
        print(f"  patient {result.failed[0][0]}: {result.failed[0][1]}")
        if 2 * len(result.failed) > result.n:
            print(
                "more than half failed: the percentiles describe only the patients whose values the model "
                "admits; narrow the spread (--patients shows which values failed)"
            )


def _with_output_time(chosen: Scenario, at: float | None) -> Scenario:
    """``chosen`` with ``at`` (``--at``) among its output times: any time from its first output to
    its end may be read, as ``il7 sensitivity --at`` reads any."""
    from il7.population import output_index

    if at is None:
        return chosen
    try:  # an output time as il7 prints it (0.142857 for 1/7 day) is that time, not a twin of it
        output_index(chosen.times, at, where="--at", unit=chosen.time_unit)
        return chosen
    except Il7Error:
        pass
    first, last = chosen.times[0], chosen.t_end
    if not (math.isfinite(at) and first <= at <= last):
        raise Il7Error(
            f"--at {at:g} lies outside the run; give a number from {first:g} to {last:g}, in the scenario's time unit ({chosen.time_unit})"
        )
    return dataclasses.replace(chosen, times=tuple(sorted({*chosen.times, float(at)})))


def _p_value(p: float, varied: int) -> str:
    """A PRCC's P value as printed, or why it has none (population.Population.significance)."""
    from il7.population import fewest_patients_for_p

    if p == 0.0:  # 2 / N! underflows past about 170 patients; it is not 0
        return "(P < 1e-300)"
    if math.isfinite(p):
        return f"(P {p:.2g})"
    return f"(no P below {fewest_patients_for_p(varied)} patients whose run went through)"


def _cohort(args: argparse.Namespace) -> None:
    from il7 import cohort
    from il7.errors import warn
    from il7.experiments import with_setting
    from il7.simulate import checked_overrides

    output_files(args, {"--out": (".csv",), "--plot": PLOT_SUFFIXES})
    chosen = chosen_scenario(args)
    resolved, said = checked_overrides(chosen, parse_overrides(args.sets))
    for key, value in resolved.items():
        chosen = with_setting(chosen, key, value)  # before the steady state, as a trait's median
    with noted_warnings(), progress_steps("virtual transplant cohort", max(args.n, 0)) as step:
        # a value outside its bounds, as il7 simulate says it (graft_T in cells, not cells/kg): the
        # --set values become the scenario's own (a trait's median), which the population checks not
        for note in said:
            warn(note)
        try:
            result = cohort.run(
                args.n,
                args.seed,
                scenario=chosen,
                threshold=args.threshold,
                jobs=args.jobs,
                progress=lambda done, n: step(f"patient {done} of {n}"),
            )
        except cohort.NoGroups as exc:  # the patients' runs are not lost to a threshold
            if not args.out:
                raise
            raise Il7Error(f"{exc} (wrote the patients to {exc.result.write(args.out)})") from None
    notes = notes_stream(args)
    if args.out:
        print(f"wrote {result.write(args.out)}", file=notes)
    if args.plot:
        print(f"wrote {save_figure(result.figure(), args.plot)}", file=notes)
    failed = result.population.failed
    if failed:
        say_notes(
            f"{len(failed)} of {result.population.n} patients' runs failed and are left out of the "
            f"statistics, threshold included, which may bias them if failures follow a trait (patient "
            f"{failed[0][0]}: {failed[0][1]}); --out lists each with the reason"
        )
    cut, sensitivity, specificity = result.best_cutoff()
    day7, day14 = result.medians(result.il7_day7), result.medians(result.il7_day14)
    summary = {
        "scenario": result.population.scenario,
        "patients": len(result.patient),
        "patients_failed": len(failed),
        "seed": args.seed,
        "agvhd_incidence": float(result.agvhd.mean()),
        "agvhd_threshold_cells": result.threshold,
        "il7_day7_median_agvhd_pg_ml": day7[0],
        "il7_day7_median_other_pg_ml": day7[1],
        "il7_day7_p": result.p_value(result.il7_day7),
        "il7_day7_p_one_sided": result.p_value(result.il7_day7, "greater"),
        "il7_day14_median_agvhd_pg_ml": day14[0],
        "il7_day14_median_other_pg_ml": day14[1],
        "il7_day14_p": result.p_value(result.il7_day14),
        "il7_day14_p_one_sided": result.p_value(result.il7_day14, "greater"),
        "il7_day14_auc": result.auc(),
        "il7_day14_best_cutoff_pg_ml": cut if math.isfinite(cut) else "none",
        "il7_day14_sensitivity": sensitivity,
        "il7_day14_specificity": specificity,
        "p_test": "Mann-Whitney U: _p two-sided; _p_one_sided that IL-7 is higher in aGVHD, as il7 validate reads Dean 2008",
        "agrees_with_dean_2008": result.agrees_with_dean_2008(),
    }
    if args.json:
        print_json([summary])
        return
    for key, value in summary.items():
        print(f"{key:30s} {value:.4g}" if isinstance(value, float) else f"{key:30s} {value}")
    if args.threshold is None:
        print(
            f"The incidence is set, not found: the threshold is the alloreactive peak that {cohort.AGVHD_INCIDENCE:.0%} "
            "of the cohort's patients reach to day +100 (Blood 2003;102:470); to compare arms, give each "
            "--threshold with the same number. The cut-off, its sensitivity and specificity are the best on "
            "these same patients."
        )
    else:
        print(
            f"The incidence is found: patients whose alloreactive cells pass {args.threshold:.4g} by day +100. "
            "The cut-off, its sensitivity and specificity are the best on these same patients."
        )
    print(
        "Dean 2008: IL-7 higher in aGVHD at day +7 (P = .01) and +14 (P = .00003); sensitivity up to 86%, specificity 100%"
    )
    print(
        result.verdict()
        + (
            ""
            if summary["agrees_with_dean_2008"]
            else " Why: il7 validate cohort_il7_day14_auc cohort_il7_day7_higher_in_agvhd"
        )
    )


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "sensitivity": _sensitivity,
    "population": _population,
    "cohort": _cohort,
}
