"""The commands that run the model and hand it on: il7 scenarios, readouts, simulate, parameters,
export and report."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from il7.cli.output import (
    PLOT_SUFFIXES,
    chosen_scenario,
    console,
    json_number,
    no_dose_twice,
    note_unseen,
    noted_warnings,
    output_files,
    parse_overrides,
    plain,
    print_json,
    progress_steps,
    rows_note,
    rows_shown,
    save_figure,
    say_notes,
    shaped,
)
from il7.errors import Il7Error

if TYPE_CHECKING:
    from il7.comparison import Comparison
    from il7.trajectory import Trajectory


def _print_numbers(
    title: str, index: str, headers: list[str], index_cells: list[str], rows: list[list[str]]
) -> None:
    """Print a table of numbers as as many tables, one below the other, as the console's width
    (:func:`il7.cli.output.console`) needs, each repeating the index column: a number is never
    cut or wrapped (rich would print 4.007e-11 as 4.007e-... or split it over two lines)."""
    from rich.table import Column, Table

    screen = console()

    def width(header: str, cells: list[str]) -> int:  # a header may wrap at its spaces; a number not
        return max([len(c) for c in cells] + [len(w) for w in header.split()]) + 3  # 3: padding, rule

    index_width = max(width(index, index_cells), len(index) + 3)  # 'time [day]' unwrapped
    widths = [width(header, [row[k] for row in rows]) for k, header in enumerate(headers)]
    groups: list[list[int]] = [[]]
    used = index_width + 1
    for k, need in enumerate(widths):
        if groups[-1] and used + need > screen.width:
            groups.append([])
            used = index_width + 1
        groups[-1].append(k)
        used += need
    for n, group in enumerate(groups):
        table = Table(
            # fixed widths: rich's own fitting of minimum widths overran the terminal by a character
            Column(plain(index), width=index_width - 3),
            *(Column(plain(headers[k]), width=widths[k] - 3) for k in group),
            title=plain(title + (f" ({n + 1} of {len(groups)})" if len(groups) > 1 else "")),  # a file's name
        )
        for t, row in zip(index_cells, rows, strict=True):
            table.add_row(t, *(row[k] for k in group))
        screen.print(table)


def _scenarios(args: argparse.Namespace) -> None:
    from rich.table import Table

    from il7 import scenario

    if args.vocabulary:
        if args.name is not None:
            raise Il7Error("scenarios: give a scenario's name or --vocabulary, not both")
        _vocabulary()
        return
    if args.name is not None:  # '' is a name that is not there, not "list them all"
        print(scenario.builtin_file(args.name).read_text(encoding="utf-8"), end="")
        return
    table = Table("scenario", "description", title="Built-in scenarios")
    for name in scenario.builtin_names():
        s = scenario.load(name)
        doses = s.doses_in_words()
        # --t-end, --at, --step and a file's times are in the scenario's own unit
        time = f"time in {s.time_unit}, output to {s.t_end:g}"
        table.add_row(name, plain(s.description + (f"\ndoses: {doses}" if doses else "") + f"\n{time}"))
    console().print(table)
    print("il7 simulate NAME --dose AMOUNT runs a scenario whose doses are of one drug at another amount")
    print("il7 scenarios NAME > mine.yaml writes a scenario's file to edit; il7 simulate mine.yaml runs it")


def _vocabulary() -> None:
    """The names a scenario file may use besides parameters and readouts, from model/interventions.yaml."""
    from rich.table import Table

    from il7 import scenario, units

    words = scenario.vocabulary()
    out = console()
    contexts = Table("context", "dose routes", "description", title="Contexts (context:)")
    for name, c in words["contexts"].items():
        contexts.add_row(name, ", ".join(c["routes"]), plain(c["description"]))
    out.print(contexts)
    drugs = Table(
        "drug", "routes", "infusion", "highest dose studied", "description", title="Drugs (dose: {drug: ...})"
    )
    for name, d in words["drugs"].items():
        called = f" Also called: {', '.join(d['also_called'])}." if d.get("also_called") else ""
        highest = d.get("highest_studied", {}).get("amount", "")
        drugs.add_row(
            name,
            ", ".join(d["routes"]),
            "yes" if "infusion" in d else "no",
            highest,
            plain(d["description"] + called),
        )
    out.print(drugs)
    genes = Table("gene", "description", title="Knockouts (knockout: [...])")
    for name, k in words["knockouts"].items():
        genes.add_row(name, plain(k["description"]))
    out.print(genes)
    seeds = Table("cells", "description", title="Cells a later period may add (set: {ID: N cells})")
    for name, text in words["seeds"].items():
        seeds.add_row(name, plain(text))
    out.print(seeds)
    print(f"dose units: {', '.join(units.DOSE_UNITS)} (a concentration only into a culture well's medium)")
    print(f"infusion rates: {', '.join(units.RATE_UNITS)}")


def _readouts(args: argparse.Namespace) -> None:
    from rich.table import Table

    from il7.simulate import readout_table

    table = Table(
        "readout",
        "unit",
        "meaning",
        title="Readouts",
        caption="a scenario's readouts (its file's readouts:, or simulate --readouts): the observables, then the species",
    )
    readouts = readout_table()
    for kind in ("observable", "species"):
        for rid, row in readouts[readouts["kind"] == kind].iterrows():
            table.add_row(str(rid), plain(row["unit"]), plain(row["meaning"]))
        table.add_section()
    console().print(table)


def _none_all_through(trajectory: Trajectory, context: str) -> list[str]:
    """One note naming the readouts that are 0 at every output time, which a table of zeros leaves to be
    read as a measured nothing: blood counts or serum IL-7 in a culture well, a knockout's cells."""
    zero = trajectory.zero_throughout()
    if not zero:
        return []
    return [
        f"{', '.join(zero)} {'is' if len(zero) == 1 else 'are'} 0 at every output time: nothing in "
        f"this context ({context}) makes {'it' if len(zero) == 1 else 'them'}, or the run leaves none "
        "(il7 readouts says what each readout counts)"
    ]


def _below_one_molecule(trajectory: Trajectory) -> list[str]:
    """A note naming the readouts that, at some output time, are above 0 but below what one
    molecule or cell more of any species would change them (:meth:`il7.engine.Engine.one_molecule`,
    at the run's last state, which the engine holds): a culture well's used-up IL-7 read about 1e-25
    pg/mL, the continuous model's tail, not molecules. A second note names the fractions that one
    molecule would move by half or more, all of whose values lie below that (a fraction of cells the
    run lacks): those are undefined, not 0. Readouts that may be negative (rates, an offset) are
    left out."""
    from il7.engine import absent_fraction, engine
    from il7.scenario import clock
    from il7.simulate import signed_readouts
    from il7.units import suffix

    signed = signed_readouts()
    eng = engine()
    low, unresolved = [], []
    for name, unit in zip(trajectory.columns, trajectory.units, strict=True):
        if name in signed:
            continue
        values = trajectory[name]
        floor = eng.one_molecule(name)
        positive = values > 0
        tiny = positive & (values < floor)
        if absent_fraction(unit, floor) and positive.any() and tiny[positive].all():
            unresolved.append(name)
        elif tiny.any():
            first = clock(float(trajectory.time[tiny][0]), trajectory.time_unit)
            low.append(f"{name} ({floor:.2g}{suffix(unit)}, first at {first})")
    notes = []
    if low:
        notes.append(
            f"below what one molecule or cell more would change: {', '.join(low)}; values that small are "
            "the continuous model's tail, not molecules: read them as 0"
        )
    if unresolved:
        notes.append(
            f"{', '.join(unresolved)}: every value lies within what one molecule or cell more would change, "
            "so what it measures is not there (a fraction of the cells of a run without them): read it as "
            "undefined"
        )
    return notes


def _simulate(args: argparse.Namespace) -> None:
    from il7.simulate import simulate, unmoved_overrides
    from il7.trajectory import FILE_SUFFIXES

    output_files(args, {"--out": FILE_SUFFIXES, "--plot": PLOT_SUFFIXES})
    no_dose_twice(args)
    chosen = shaped(args, chosen_scenario(args))
    overrides = parse_overrides(args.sets)
    comparison = None
    if args.data:
        from il7.comparison import compare

        with noted_warnings():  # a readout 0 all through the run, or 100 times off the data
            comparison = compare(chosen, args.data, overrides=overrides)
        trajectory = comparison.trajectory
    else:
        trajectory = simulate(chosen, overrides=overrides)
    note_unseen(chosen, "it does not show", "give a later --t-end to see them")
    say_notes(*trajectory.notes, *_below_one_molecule(trajectory))  # before other runs move the engine
    run = trajectory if comparison is None else None  # --data's run has the data's times
    say_notes(*unmoved_overrides(chosen, overrides, run=run))
    if comparison is None:  # --data says it of the readouts it measures
        say_notes(*_none_all_through(trajectory, chosen.context))
    if args.out:  # the time course, also with --summary, whose table is printed only
        course_only = " (every output time; the --summary table below is printed, not written)"
        print(f"wrote {trajectory.write(args.out)}{course_only if args.summary else ''}")
    if args.plot:  # one panel per unit, the measurements on theirs
        print(f"wrote {save_figure((comparison or trajectory).figure(), args.plot)}")
    if args.summary:
        course = trajectory.summary()
        _print_numbers(
            trajectory.scenario,
            "readout",
            [
                "unit",
                "first",
                "min",
                f"t_min [{trajectory.time_unit}]",
                "max",
                f"t_max [{trajectory.time_unit}]",
                "last",
                "auc",
                "auc unit",
            ],
            [str(r) for r in course.index],
            [
                [
                    row["unit"],
                    *(
                        "flat" if c.startswith("t_") and math.isnan(row[c]) else f"{row[c]:.4g}"
                        for c in ("first", "min", "t_min", "max", "t_max", "last", "auc")
                    ),
                    row["auc_unit"],
                ]
                for _, row in course.iterrows()
            ],
        )
        flat = "; flat: no peak or dip" if course["t_max"].isna().any() else ""
        print(
            f"min, max and auc are read on the {len(trajectory.time)} output times (a peak between two "
            f"of them is missed: --step makes the grid finer){flat}"
        )
    elif not args.out:
        frame = trajectory.to_pandas()
        shown = frame.iloc[rows_shown(len(frame), [frame[c] for c in frame.columns], about=12)]
        _print_numbers(
            trajectory.scenario,
            str(frame.index.name),
            [str(c) for c in frame.columns],
            [f"{t:g}" for t in shown.index],
            [[f"{v:.4g}" for v in row] for row in shown.to_numpy()],
        )
        note = rows_note(len(shown), len(frame), "--out FILE.csv")
        if note:
            console().print(plain(note))  # wrapped to the console's width, as the tables are
    if comparison is not None:
        _print_comparison(comparison)


MEASUREMENTS_SHOWN = 30
"""Most measurements ``il7 simulate --data`` lists one by one (the summary covers them all)."""


def _print_comparison(comparison: Comparison) -> None:
    """Each measurement beside the model (the first :data:`MEASUREMENTS_SHOWN`), then per readout
    the geometric mean of model / measured, its range and, with sigmas, the error in sigmas."""
    table = comparison.to_pandas()
    time = str(table.columns[2])
    shown = table.head(MEASUREMENTS_SHOWN)
    _print_numbers(
        f"{comparison.trajectory.scenario}: your measurements beside the model",
        "readout",
        ["unit", time, "measured", "sigma", "model", "model/measured"],
        [str(r) for r in shown["readout"]],
        [
            [row["unit"], *(_cell(row[c]) for c in (time, "measured", "sigma", "model", "model/measured"))]
            for _, row in shown.iterrows()
        ],
    )
    if len(table) > len(shown):
        console().print(
            plain(
                f"the first {len(shown)} of {len(table)} measurements; all of them: "
                "il7.compare(scenario, data).to_pandas() in Python"
            )
        )
    summary = comparison.summary()
    numbers = {  # the summary's columns, as the table heads them
        "model/measured (geometric mean)": "geometric mean",
        "lowest": "lowest",
        "highest": "highest",
        "rms (model - measured) / sigma": "rms error / sigma",
    }
    _print_numbers(
        "model / measured per readout",
        "readout",
        ["unit", "n", "n with a ratio", *numbers.values()],
        [str(r) for r in summary.index],
        [
            [row["unit"], str(row["n"]), str(row["n with a ratio"]), *(_cell(row[c]) for c in numbers)]
            for _, row in summary.iterrows()
        ],
    )


def _cell(value: object) -> str:
    """A number for a table, or '-' where there is none (no sigma given, no ratio defined)."""
    number = float(value)  # type: ignore[arg-type]
    return "-" if math.isnan(number) else f"{number:.4g}"


def _parameters(args: argparse.Namespace) -> None:
    from il7.simulate import parameter_table

    frame = parameter_table(args.context)
    if args.format == "csv":
        sys.stdout.write(frame.to_csv())
    elif args.format == "json":
        records = frame.reset_index().to_dict(orient="records")
        print_json(
            [{str(k): (json_number(v) if isinstance(v, float) else v) for k, v in r.items()} for r in records]
        )
    else:
        from rich.table import Table

        table = Table(
            "id",
            "value",
            "unit",
            "status",
            "source",
            title=f"il7 parameters ({args.context})",
            caption=(
                "derived: computed by the model for the healthy adult at steady state"
                if args.context == "human_body"
                else f"derived: computed by the model at the steady state of {args.context}; "
                f"'{args.context}': the context's own value (model/interventions.yaml), in place of the human adult's"
            ),
        )
        for pid, row in frame.iterrows():
            value = f"{row['value']:g}"
            source = row["source"] or f"(assumed) {row['note']}"
            status = row["status"] + (f" (at its {row['at_bound']} bound)" if row["at_bound"] else "")
            status += f", {row['set_by']}" if row["set_by"] else ""
            table.add_row(str(pid), value, plain(row["unit"]), status, plain(source))
        console().print(table)


def _export_petab(args: argparse.Namespace) -> None:
    from il7 import petab_export

    if args.output is None or not args.output.strip():
        raise Il7Error("export petab writes a folder of files: add -o FOLDER, e.g. -o il7-petab")
    estimate = [item for item in args.estimate if item.strip()]  # ids split at commas by petab_export
    overrides = parse_overrides(args.sets)
    if args.scenario is None:
        if args.data is not None or estimate:
            raise Il7Error(
                "--data and --estimate go with --scenario (without it, export petab writes Gonnord 2018 S3C)"
            )
        with noted_warnings():
            problem = petab_export.write_s3c(args.output, overrides=overrides)
    else:
        if args.data is None:
            raise Il7Error("export petab --scenario needs your measurements: add --data FILE.csv")
        if not estimate:
            raise Il7Error(
                "export petab --scenario needs what to estimate: add --estimate ID, e.g. ka_rIL7_sc"
            )
        no_dose_twice(args)
        chosen = chosen_scenario(args).with_output(t_end=args.t_end)  # measurements after its end
        with noted_warnings():  # a dose far above the studied ones, a value outside its bounds
            problem = petab_export.write_scenario(
                args.output, chosen, args.data, estimate, overrides=overrides
            )
    print(f"wrote {problem} (and the model, tables and a README beside it)")


def _export(args: argparse.Namespace) -> None:
    from il7 import export
    from il7.scenario import clock
    from il7.simulate import start_time

    if args.dose is not None and args.scenario is None:
        raise Il7Error("--dose acts on a scenario's doses: add --scenario, e.g. --scenario sportes_2008")
    shaping = [
        flag
        for flag, v in (("--t-end", args.t_end), ("--step", args.step), ("--readouts", args.readouts))
        if v is not None
    ]
    if args.what == "petab":  # a problem's times and readouts are its measurements'
        if args.t_end is not None and args.scenario is None:
            raise Il7Error(
                "--t-end goes with --scenario (for measurements after its end); without it, export "
                "petab writes Gonnord 2018 S3C, whose times are its data's"
            )
        shaping = [flag for flag in shaping if flag != "--t-end"]
        if shaping:
            raise Il7Error(
                f"{shaping[0]} shapes a scenario's run: give it with export sbml or omex and --scenario "
                "(a PEtab problem's times and readouts are its measurements')"
            )
        _export_petab(args)
        return
    if shaping and args.scenario is None:
        raise Il7Error(f"{shaping[0]} shapes a scenario's run: give it with --scenario")
    if args.data is not None or args.estimate:
        raise Il7Error(f"--data and --estimate belong to export petab, not export {args.what}")
    if args.output is not None and not args.output.strip():
        if args.what == "omex":
            raise Il7Error("-o '': give a file name, e.g. -o run.omex")
        raise Il7Error("-o '': give a file name, e.g. -o il7.xml, or leave -o out to print the SBML")
    if args.what == "omex" and args.scenario is None:
        raise Il7Error("export omex writes a scenario's run: add --scenario, e.g. --scenario baseline")
    if args.what == "omex" and args.output is None:
        raise Il7Error("export omex writes an archive, not text: add -o FILE.omex")
    if args.sets and args.scenario is None:
        raise Il7Error("--set acts on a scenario's body: add --scenario, e.g. --scenario baseline")
    output_files(args, {"-o": export.SUFFIXES[args.what]})
    chosen = None if args.scenario is None else shaped(args, chosen_scenario(args))
    overrides = parse_overrides(args.sets)
    # as for a Python user: a dose far above the studied ones, a value outside its bounds, doses
    # after the last output time (il7 records a scenario's changes by running it to that time)
    with noted_warnings():
        if chosen is not None and args.what == "omex":
            from il7 import export_omex

            export_omex(args.output, scenario=chosen, overrides=overrides)
            text = None
        else:
            from il7 import export_sbml  # chooses the document and writes it whole

            text = export_sbml(args.output or None, scenario=chosen, overrides=overrides or None)
    if text is not None and not args.output:
        sys.stdout.write(text)
        return
    if chosen is None:
        print(f"wrote {args.output}")
    else:
        print(
            f"wrote {args.output}: scenario '{chosen.name}', model time 0 h = "
            f"{clock(start_time(chosen), chosen.time_unit)}; simulate to {export.output_hours(chosen)[-1]:g} h"
            + (" (the archive's SED-ML says so)" if args.what == "omex" else "")
        )


def _report(args: argparse.Namespace) -> None:
    from il7.report import step_count, write_report

    with progress_steps("il7 report", step_count(), log=True) as step:
        page = write_report(args.out, progress=step)
    print(f"wrote {page}")


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "scenarios": _scenarios,
    "readouts": _readouts,
    "simulate": _simulate,
    "parameters": _parameters,
    "export": _export,
    "report": _report,
}
