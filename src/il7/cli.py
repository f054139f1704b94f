"""The ``il7`` command.

User errors (unknown names, bad values, malformed files) print one line naming what, where
and the fix, and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from il7.errors import Il7Error
from il7.files import writing

if TYPE_CHECKING:
    from il7.claims.validate import Result
    from il7.scenario import Scenario

EXIT_USER_ERROR = 2
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""Errors of a write that failed for want of room (``il7 parameters > /dev/full``)."""


class _StoreOnce(argparse.Action):
    """argparse's ``store``, but an option given twice is an error: its last value used to win
    silently (``--t-end 5 --t-end 50`` ran to 50, ``-o a.xml --output b.xml`` wrote only b.xml)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: set[str] = namespace.__dict__.setdefault("_options_given", set())
        if option_string is not None:
            if self.dest in given:
                parser.error(f"{'/'.join(self.option_strings)} is given twice; give it once")
            given.add(self.dest)
        setattr(namespace, self.dest, values)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", "store", _StoreOnce)
        self.register("action", None, _StoreOnce)  # what add_argument uses when no action is named
        # argparse takes '-1e3' for an option (it knows -1 and -1.5 only): '--t-end -1e3' then
        # failed with 'expected one argument' instead of reaching the check of its value
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message: str) -> NoReturn:
        where = "" if self.prog == "il7" else f"{self.prog}: "  # _fail says "il7: error:" already
        _fail(f"{where}{message}; see '{self.prog} --help'")


MAX_ERROR_CHARS = 2000
"""Longest error line printed: a value echoed from a file can be huge (YAML aliases expand)."""


def _decimal(text: str) -> float:
    """A number option's value (:func:`il7.build.plain_float`: not '1_0')."""
    from il7.build import plain_float

    return plain_float(text)


_decimal.__name__ = "float"  # argparse says "invalid float value: '1_0'", as before


def _fail(message: str) -> NoReturn:
    # one line, whatever the message echoes: a newline inside a value read from a file stays visible
    line = message.replace("\r", "\\r").replace("\n", "\\n")
    if len(line) > MAX_ERROR_CHARS:
        line = f"{line[:MAX_ERROR_CHARS]}... ({len(line) - MAX_ERROR_CHARS} more characters)"
    print(f"il7: error: {line}", file=sys.stderr)
    raise SystemExit(EXIT_USER_ERROR)


def _set_option(parser: argparse.ArgumentParser, help: str) -> None:
    """The repeatable ``--set ID=VALUE`` option (read by :func:`_overrides`)."""
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="ID=VALUE", help=help)


def _dose_option(parser: argparse.ArgumentParser, when: str = "") -> None:
    """The ``--dose AMOUNT`` option: the scenario at another dose level (read by :func:`_scenario`)."""
    parser.add_argument(
        "--dose",
        metavar="AMOUNT",
        help=f"{when}give each of the scenario's bolus doses at this amount instead, on its schedule and "
        "route, e.g. --dose '30 ug/kg' (a bare number is in the scenario's own unit; infusions keep "
        "their rates)",
    )


def _scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, at ``--dose`` if one is given."""
    from il7 import scenario, values

    chosen = scenario.load(args.scenario)
    if args.dose is None:
        return chosen
    amount, unit = values.quantity(args.dose, where="--dose", example="30 ug/kg")
    return chosen.with_dose(amount, unit, where=f"--dose '{args.dose}'")


def _jobs_option(parser: argparse.ArgumentParser, what: str) -> None:
    """The ``--jobs N`` option: processes that run ``what`` (read by :func:`il7.simulate.workers`)."""
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help=f"processes to run the {what} in (default 1; 0: one per CPU; at most one per CPU)",
    )


def _parser() -> argparse.ArgumentParser:
    from il7 import calibrate, sensitivity  # their defaults are named in --help
    from il7.population import DEFAULT_N

    parser = _Parser(prog="il7", description="The interleukin-7 system as an executable model.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("scenarios", help="list the built-in scenarios")
    sub.add_parser("readouts", help="list the observables a scenario may read out, with units")

    sim = sub.add_parser("simulate", help="simulate a scenario (built-in name or YAML file)")
    sim.add_argument(
        "scenario",
        help="built-in scenario name, or path to a .yaml file (a built-in name wins over a local file of that name: write ./NAME for the file)",
    )
    _set_option(
        sim,
        "set a parameter of the body before the scenario's steady state (replacing the scenario's own "
        "value there); VALUE in the table's unit or with its own, e.g. age=60 or tissue='200 uL'",
    )
    _dose_option(sim)
    sim.add_argument("--t-end", type=_decimal, help="end of the output grid, in the scenario's time unit")
    sim.add_argument("--out", help="write the trajectory to FILE.csv or FILE.parquet")
    sim.add_argument("--plot", help="draw the readouts to FILE.png")

    par = sub.add_parser("parameters", help="the parameter table with units, status and sources")
    par.add_argument("--format", choices=("table", "csv", "json"), default="table")

    exp = sub.add_parser(
        "export",
        help="export the model, or a scenario in it, as SBML, a scenario as a COMBINE archive (SBML "
        "and SED-ML) that COPASI and Tellurium run, or a PEtab calibration problem (the Gonnord 2018 S3C "
        "fit, or a scenario with your measurements)",
    )
    exp.add_argument(
        "what",
        choices=("sbml", "omex", "petab"),
        help="sbml: the model (with --scenario, its state and doses); omex: a scenario's SBML with the "
        "SED-ML that runs it (needs --scenario and -o); petab: a PEtab v1 calibration problem, which "
        "pyPESTO and COPASI run (-o FOLDER): Gonnord 2018 S3C (pSTAT5 against IL-7), or with --scenario, "
        "--data and --estimate that scenario with your measurements",
    )
    exp.add_argument(
        "--scenario",
        help="write this scenario into the model (built-in name or .yaml file): species start at its "
        "steady state and its settings and doses are SBML events, so COPASI or Tellurium run it as il7 does",
    )
    _set_option(
        exp, "with --scenario (or petab): set a parameter before the steady state, as il7 simulate --set does"
    )
    _dose_option(exp, "with --scenario: ")
    exp.add_argument(
        "-o",
        "--output",
        help="file to write, .xml or .sbml for sbml (default: standard output), .omex for omex; for petab, a folder",
    )
    exp.add_argument(
        "--data",
        metavar="FILE",
        help="petab with --scenario: measurements, a .csv or .tsv with columns readout, time (the "
        "scenario's time unit), measurement (the readout's unit, see il7 readouts) and optionally sigma",
    )
    exp.add_argument(
        "--estimate",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="petab with --scenario: a parameter to estimate (repeat, or separate with commas); it must "
        "leave the scenario's starting state as it is: drug parameters such as ka_rIL7_sc, F_rIL7_sc, "
        "ka_CYT107, kon_Ab, CL_Ab",
    )

    cal = sub.add_parser(
        "calibrate",
        help="fit receptor and STAT5 parameters to Gonnord 2018 S3C/S3D, or (--sink) the non-T IL-7 "
        "consumers, or (--therapy) drug parameters",
    )
    which = cal.add_mutually_exclusive_group()
    which.add_argument(
        "--sink",
        action="store_true",
        help="set the non-T share of IL-7Ralpha from the lymphopenic rise of serum IL-7 (Ponchel 2005) instead",
    )
    which.add_argument(
        "--therapy",
        action="store_true",
        help="set CYT107 absorption (Daix 2023) and antibody binding (Herold 2019) instead",
    )
    cal.add_argument("--starts", type=int, help=f"number of multi-start points (default {calibrate.STARTS})")
    cal.add_argument("--seed", type=int, help=f"seed of the random starts (default {calibrate.SEED})")
    cal.add_argument(
        "--max-evaluations",
        type=int,
        help=f"objective evaluations per start (default {calibrate.MAX_EVALUATIONS})",
    )
    cal.add_argument(
        "--write", action="store_true", help="write the result into model/parameters.tsv (editable install)"
    )
    cal.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="ID=VALUE",
        help="hold a fitted parameter at a value within its bounds (e.g. --fix gc_per_T=13391, a measured "
        "count; repeatable) and fit the rest: how well the data are met, and S3B predicted (not with --write)",
    )

    val = sub.add_parser(
        "validate", help="check the model against every literature target (exit 1 if one fails)"
    )
    val.add_argument(
        "targets", nargs="*", metavar="TARGET", help="check only these targets (default: all; ids as listed)"
    )
    from il7.claims import BASES  # light: the targets file is read only when asked for

    val.add_argument(
        "--basis",
        choices=tuple(BASES),
        help="check only the targets of this basis (prediction: those nothing in the model was set from)",
    )
    val.add_argument("--json", action="store_true", help="print the results as JSON")

    cla = sub.add_parser(
        "claims", help="check every statement of the source article (exit 1 if one fails or is unchecked)"
    )
    cla.add_argument("--json", action="store_true", help="print the results as JSON")

    sen = sub.add_parser(
        "sensitivity",
        help="which parameters decide a readout: d ln(readout) / d ln(parameter) for every free "
        "parameter, strongest first, with status and source",
    )
    sen.add_argument("scenario", help="built-in scenario name, or path to a .yaml file")
    sen.add_argument("readout", help="the readout to explain (see il7 readouts), e.g. IL7_serum")
    sen.add_argument(
        "--at",
        type=_decimal,
        help="time to read it at, in the scenario's time unit (default: its last output time)",
    )
    sen.add_argument(
        "--fold-from",
        type=_decimal,
        metavar="T0",
        help="explain the fold change of the readout from this earlier time to --at instead of its level "
        "(e.g. --fold-from 0 --at 28: what a 4-week course did). An output at a dose's time is read after "
        "the dose; before its first output a scenario that starts at steady state is at that state "
        "(--fold-from -1 before a bolus at 0)",
    )
    _set_option(sen, "start from this parameter value instead of the table's, as il7 simulate --set does")
    _dose_option(sen)
    sen.add_argument(
        "--parameters",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="vary only these (repeat, or separate with commas; default: every parameter with bounds "
        "but the scenarios' on/off switches; those at 0 in the run are listed as not varied)",
    )
    sen.add_argument(
        "--step",
        type=_decimal,
        default=sensitivity.DEFAULT_STEP,
        help=f"relative step, {sensitivity.MIN_STEP:g} to 1 (default {sensitivity.DEFAULT_STEP:g}: "
        f"x{1 + sensitivity.DEFAULT_STEP:g} and /{1 + sensitivity.DEFAULT_STEP:g})",
    )
    _jobs_option(sen, "scenarios")
    sen.add_argument(
        "--top",
        type=int,
        default=sensitivity.SHOWN,
        help=f"rows shown and bars drawn (default {sensitivity.SHOWN})",
    )
    sen.add_argument("--out", help="write every row to FILE.csv")
    sen.add_argument("--plot", help="draw a tornado chart of the strongest to FILE.png")
    sen.add_argument(
        "--json",
        action="store_true",
        help="print the result as JSON: every row, and the parameters not varied",
    )

    pop = sub.add_parser(
        "population",
        help="run a scenario in virtual patients whose parameters vary: median and middle 50%%/90%% of "
        "each readout over time",
    )
    pop.add_argument("scenario", help="built-in scenario name, or path to a .yaml file")
    pop.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="ID=SPREAD",
        help="a parameter that differs between patients (at least one; repeatable): 'cv 30%%' draws it "
        "log-normally around its value in the scenario (redrawn within its bounds); 'LOW..HIGH [unit]' "
        "uniformly, e.g. --vary age='20..70 years' --vary halflife_naive_CD4='cv 30%%'",
    )
    pop.add_argument(
        "--correlate",
        action="append",
        default=[],
        metavar="ID,ID=R",
        help="two varied parameters that go together between patients, with the correlation R (-1 to 1) "
        "of their normal scores (repeatable), e.g. --correlate CL_Ab,ka_Ab=0.4",
    )
    pop.add_argument(
        "--n",
        type=int,
        default=DEFAULT_N,
        help=f"number of patients (default {DEFAULT_N})",
    )
    pop.add_argument("--seed", type=int, default=1, help="seed of the draw (default 1)")
    pop.add_argument(
        "--readouts",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="what to read out (repeat, or separate with commas; default: the scenario's readouts)",
    )
    _set_option(pop, "a parameter value every patient shares, as il7 simulate --set")
    _dose_option(pop)
    _jobs_option(pop, "patients")
    pop.add_argument(
        "--at",
        type=_decimal,
        help="an output time at which to give each varied parameter's partial rank correlation with "
        "each readout (the direction and consistency of its effect, not its size; default: the last "
        "output time)",
    )
    pop.add_argument(
        "--out", metavar="FILE", help="write the percentiles of each readout over time to FILE.csv"
    )
    pop.add_argument(
        "--patients",
        metavar="FILE",
        help="write each patient's drawn values and readouts over time to FILE.csv",
    )
    pop.add_argument(
        "--plot",
        metavar="FILE",
        help="draw the median and the 50%% and 90%% bands to FILE (.png, .svg or .pdf)",
    )
    pop.add_argument("--json", action="store_true", help="print the result as JSON")

    coh = sub.add_parser(
        "cohort", help="virtual transplant cohort: day +7/+14 serum IL-7 by acute GVHD status, and its ROC"
    )
    coh.add_argument("--n", type=int, default=300, help="number of patients (default 300)")
    coh.add_argument("--seed", type=int, default=2008, help="seed of the draw (default 2008)")
    _jobs_option(coh, "patients")
    coh.add_argument(
        "--out",
        metavar="FILE",
        help="write each patient's traits, day +7/+14 IL-7 and aGVHD reading to FILE.csv",
    )
    coh.add_argument(
        "--plot", metavar="FILE", help="draw IL-7 by aGVHD status and the ROC to FILE (.png, .svg or .pdf)"
    )
    coh.add_argument("--json", action="store_true", help="print the results as JSON")

    rep = sub.add_parser("report", help="run the model and write the HTML report")
    rep.add_argument("--out", default="il7-report", help="output folder (default: il7-report)")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``il7`` command."""
    if sys.stderr is None:  # started with stderr closed (2>&-): messages are lost, the exit status is not
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        sys.stderr = open(2, "w", closefd=False)
    if sys.stdout is None:  # started with stdout closed (>&-): what il7 prints would be lost unseen
        _fail(
            "standard output is closed (>&-), and il7 prints its results there; send it to a file or to /dev/null"
        )
    args = _parser().parse_args(argv)
    try:
        try:
            {
                "scenarios": _scenarios,
                "readouts": _readouts,
                "simulate": _simulate,
                "parameters": _parameters,
                "export": _export,
                "calibrate": _calibrate,
                "validate": _validate,
                "claims": _claims,
                "sensitivity": _sensitivity,
                "population": _population,
                "cohort": _cohort,
                "report": _report,
            }[args.command](args)
        except SystemExit:  # validate and claims exit 1 after printing a miss
            sys.stdout.flush()
            raise
        sys.stdout.flush()  # so that a full disk shows here, not as a traceback at exit
    except Il7Error as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except BrokenPipeError:
        # the reader stopped early (`il7 parameters | head`): not an error of il7's; leave quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(141) from None
    except OSError as exc:
        if exc.errno not in _NO_ROOM:  # files il7 writes itself are checked where it writes them
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what is left cannot go anywhere
        if exc.filename:  # a file of il7's own, e.g. multiprocessing's in /dev/shm
            _fail(f"cannot write '{exc.filename}': {exc.strerror}; free some space")
        _fail(f"cannot write the output: {exc.strerror}; free some space, or send the output to another file")


def _plain(text: str) -> str:
    """Text shown as written in a rich table: brackets such as ``[pg/mL]`` are not markup."""
    from rich.markup import escape

    return escape(text)


def _scenarios(args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    from il7 import scenario

    table = Table("scenario", "description", title="Built-in scenarios")
    for name in scenario.builtin_names():
        table.add_row(name, _plain(scenario.load(name).description))
    Console().print(table)


def _readouts(args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    from il7 import build

    table = Table(
        "readout",
        "unit",
        "meaning",
        title="Readouts",
        caption="a scenario's readouts: these observables, or any species id (molecules or cells)",
    )
    for o in build.observables():
        table.add_row(o.id, _plain(o.unit), _plain(o.description))
    Console().print(table)


def _overrides(sets: list[str], *, flag: str = "--set") -> dict[str, str]:
    out = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            example = {"--fix": "gc_per_T=13391", "--vary": "age='20..70 years'"}.get(flag, "age=60")
            raise Il7Error(f"{flag} '{item}': write ID=VALUE, e.g. {flag} {example}")
        if key.strip() in out:
            raise Il7Error(f"{flag} {key.strip()} is given twice; give each parameter once")
        out[key.strip()] = value.strip()
    return out


def _correlations(items: list[str]) -> dict[tuple[str, str], float]:
    """``--correlate A,B=R`` options as ``{(A, B): R}`` (checked further by the population)."""
    out: dict[tuple[str, str], float] = {}
    for item in items:
        pair, sep, value = item.rpartition("=")
        ids = [part.strip() for part in pair.split(",")]
        try:
            r = _decimal(value)
        except ValueError:
            r = math.nan
        if not sep or "=" in pair or len(ids) != 2 or not all(ids) or not math.isfinite(r):
            raise Il7Error(f"--correlate '{item}': write ID,ID=R, e.g. --correlate CL_Ab,ka_Ab=0.4")
        if (ids[0], ids[1]) in out or (ids[1], ids[0]) in out:
            raise Il7Error(f"--correlate {ids[0]},{ids[1]} is given twice; give each pair once")
        out[(ids[0], ids[1])] = r
    return out


PLOT_SUFFIXES = (".png", ".svg", ".pdf")
EXPORT_SUFFIXES = {"sbml": (".xml", ".sbml"), "omex": (".omex",)}


def _output_files(args: argparse.Namespace, options: Mapping[str, Sequence[str]]) -> None:
    """Check the output files given (``options`` maps each file option, e.g. ``--out`` or ``-o``,
    to the suffixes it takes) and make their folders now, so that a bad path fails before the
    computation, not after it."""
    if "--plot" in options and args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")  # no display: before any figure is made
    named: dict[Path, str] = {}
    read = {  # the files this command reads, which no output may replace
        Path(value).resolve(): what
        for what, value in (
            ("the scenario file", getattr(args, "scenario", None)),
            ("--data", getattr(args, "data", None)),
        )
        if value and Path(value).is_file()
    }
    for option, suffixes in options.items():
        value = getattr(args, "output" if option == "-o" else option.lstrip("-"))
        if value is None:
            continue
        target = Path(value)
        if target.resolve() in read:
            raise Il7Error(
                f"{option} '{value}' is {read[target.resolve()]} this command reads; writing would replace it: "
                "give another file name"
            )
        if target.resolve() in named:
            raise Il7Error(
                f"{named[target.resolve()]} and {option} both name '{value}'; the second would overwrite the "
                "first: give each its own file"
            )
        named[target.resolve()] = option
        if value.endswith(("/", os.sep)) or target.is_dir():
            raise Il7Error(
                f"{option} '{value}': a folder, not a file; give a file name ending in {' or '.join(suffixes)}"
            )
        if target.name.lower() in suffixes:  # '.csv' is a hidden file with no suffix, to Python
            raise Il7Error(
                f"{option} '{value}': give the file a name before {target.name}, e.g. out{target.name}"
            )
        if target.suffix.lower() not in suffixes:
            raise Il7Error(f"{option} '{value}': use a file name ending in {' or '.join(suffixes)}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from il7.files import why_not_made

            raise Il7Error(
                f"{option} '{value}': cannot make its folder ({why_not_made(target.parent, exc)}); "
                "choose a writable location"
            ) from None
        existed = os.path.lexists(target)  # a dangling link is the user's too
        try:  # a file that cannot be written is found now, not after the runs
            with open(target, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise Il7Error(
                f"{option} '{value}': cannot write it ({exc.strerror}); choose a writable location"
            ) from None
        if not existed:
            target.unlink()


def _save_figure(fig: Any, path: str) -> str:
    """Write a matplotlib figure (closed afterwards) and return the path."""
    import matplotlib.pyplot as plt

    try:
        with writing(path):
            fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
    return path


def _simulate(args: argparse.Namespace) -> None:
    from il7.simulate import simulate
    from il7.trajectory import FILE_SUFFIXES

    _output_files(args, {"--out": FILE_SUFFIXES, "--plot": PLOT_SUFFIXES})
    chosen = _scenario(args).with_output(t_end=args.t_end)
    trajectory = simulate(chosen, overrides=_overrides(args.sets))
    unseen = chosen.beyond_output()
    if unseen:
        print(
            f"il7: note: the output ends at {chosen.t_end:g} {chosen.time_unit}, before "
            f"{'; '.join(unseen)}, which it does not show; give a later --t-end to see them",
            file=sys.stderr,
        )
    if args.out:
        print(f"wrote {trajectory.write(args.out)}")
    if args.plot:
        print(f"wrote {_save_figure(trajectory.figure(), args.plot)}")  # one panel per unit
    if not args.out:
        frame = trajectory.to_pandas()
        step = max(1, len(frame) // 12)
        shown = frame.iloc[sorted({*range(0, len(frame), step), len(frame) - 1})]  # the last time too
        _print_numbers(
            trajectory.scenario,
            str(frame.index.name),
            [str(c) for c in frame.columns],
            [f"{t:g}" for t in shown.index],
            [[f"{v:.4g}" for v in row] for row in shown.to_numpy()],
        )


def _print_numbers(
    title: str, index: str, headers: list[str], index_cells: list[str], rows: list[list[str]]
) -> None:
    """Print a table of numbers as as many tables, one below the other, as the terminal's width
    needs, each repeating the index column: a number is never cut or wrapped (rich would print
    4.007e-11 as 4.007e-... or split it over two lines)."""
    from rich.console import Console
    from rich.table import Column, Table

    console = Console()

    def width(header: str, cells: list[str]) -> int:  # a header may wrap at its spaces; a number not
        return max([len(c) for c in cells] + [len(w) for w in header.split()]) + 3  # 3: padding, rule

    index_width = width(index, index_cells)
    widths = [width(header, [row[k] for row in rows]) for k, header in enumerate(headers)]
    groups: list[list[int]] = [[]]
    used = index_width + 1
    for k, need in enumerate(widths):
        if groups[-1] and used + need > console.width:
            groups.append([])
            used = index_width + 1
        groups[-1].append(k)
        used += need
    for n, group in enumerate(groups):
        table = Table(
            Column(_plain(index), min_width=index_width - 3),
            *(Column(_plain(headers[k]), min_width=widths[k] - 3) for k in group),
            title=title + (f" ({n + 1} of {len(groups)})" if len(groups) > 1 else ""),
        )
        for t, row in zip(index_cells, rows, strict=True):
            table.add_row(t, *(row[k] for k in group))
        console.print(table)


def _parameters(args: argparse.Namespace) -> None:
    from il7.simulate import parameter_table

    frame = parameter_table()
    if args.format == "csv":
        sys.stdout.write(frame.to_csv())
    elif args.format == "json":
        records = frame.reset_index().to_dict(orient="records")
        clean = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in records]
        json.dump(clean, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(
            "id",
            "value",
            "unit",
            "status",
            "source",
            title="il7 parameters",
            caption="derived: computed by the model for the healthy adult at steady state",
        )
        for pid, row in frame.iterrows():
            value = f"{row['value']:g}"
            source = row["source"] or f"(assumed) {row['note']}"
            table.add_row(str(pid), value, _plain(row["unit"]), row["status"], _plain(source))
        Console().print(table)


def _export_petab(args: argparse.Namespace) -> None:
    from il7 import petab_export

    if args.output is None or not args.output.strip():
        raise Il7Error("export petab writes a folder of files: add -o FOLDER, e.g. -o il7-petab")
    estimate = [item for item in args.estimate if item.strip()]  # ids split at commas by petab_export
    overrides = _overrides(args.sets)
    if args.scenario is None:
        if args.data is not None or estimate:
            raise Il7Error(
                "--data and --estimate go with --scenario (without it, export petab writes Gonnord 2018 S3C)"
            )
        problem = petab_export.write_s3c(args.output, overrides=overrides)
    else:
        if args.data is None:
            raise Il7Error("export petab --scenario needs your measurements: add --data FILE.csv")
        if not estimate:
            raise Il7Error(
                "export petab --scenario needs what to estimate: add --estimate ID, e.g. ka_rIL7_sc"
            )
        problem = petab_export.write_scenario(
            args.output, _scenario(args), args.data, estimate, overrides=overrides
        )
    print(f"wrote {problem} (and the model, tables and a README beside it)")


def _export(args: argparse.Namespace) -> None:
    from il7 import build, export
    from il7.simulate import start_time

    if args.dose is not None and args.scenario is None:
        raise Il7Error("--dose acts on a scenario's doses: add --scenario, e.g. --scenario sportes_2008")
    if args.what == "petab":
        _export_petab(args)
        return
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
    _output_files(args, {"-o": EXPORT_SUFFIXES[args.what]})
    chosen = None if args.scenario is None else _scenario(args)
    overrides = _overrides(args.sets)
    if chosen is not None and args.what == "omex":
        export.write_omex(args.output, chosen, overrides=overrides)
    else:
        text = build.sbml() if chosen is None else export.scenario_sbml(chosen, overrides=overrides)
        if not args.output:
            sys.stdout.write(text)
            return
        with writing(args.output):
            Path(args.output).write_text(text, encoding="utf-8")
    if chosen is None:
        print(f"wrote {args.output}")
    else:
        print(
            f"wrote {args.output}: scenario '{chosen.name}', model time 0 h = {chosen.time_unit} "
            f"{start_time(chosen):g}; simulate to {export.output_hours(chosen)[-1]:g} h"
            + (" (the archive's SED-ML says so)" if args.what == "omex" else "")
        )


def _calibrate(args: argparse.Namespace) -> None:
    from il7 import calibrate

    # the search options given; those left out take calibrate.fit's defaults
    search = {
        name: value
        for name, value in (
            ("starts", args.starts),
            ("seed", args.seed),
            ("max_evaluations", args.max_evaluations),
        )
        if value is not None
    }
    if args.sink or args.therapy:
        given = (["--fix"] if args.fix else []) + ["--" + name.replace("_", "-") for name in search]
        if given:
            raise Il7Error(
                f"{', '.join(given)} {'belongs' if len(given) == 1 else 'belong'} to the Gonnord fit; --sink and --therapy each solve for "
                "one published number and take none of them"
            )
    if args.sink:
        sink = calibrate.fit_sink(progress=print)
        if args.write:
            print(f"wrote {', '.join(str(p) for p in calibrate.write_sink(sink))}")
        return
    if args.therapy:
        therapy = calibrate.fit_therapy(progress=print)
        if args.write:
            print(f"wrote {', '.join(str(p) for p in calibrate.write_therapy(therapy))}")
        return
    fixed = _overrides(args.fix, flag="--fix")
    if fixed and args.write:
        raise Il7Error(f"--fix with --write: {calibrate.EXPLORATION_NOT_WRITTEN}")
    result = calibrate.fit(**search, fixed=fixed, progress=print)
    print(calibrate.describe(result))
    if args.write:
        print(f"wrote {calibrate.write(result)}")


def _validate(args: argparse.Namespace) -> None:
    from il7.claims import targets
    from il7.claims.validate import passes_by_basis, validate
    from il7.errors import did_you_mean

    known = targets()
    for target_id in args.targets:
        if target_id not in known:
            raise Il7Error(
                f"unknown target '{target_id}'{did_you_mean(target_id, known)}; "
                "`il7 validate --json` lists every target"
            )
    chosen = [t for t in (args.targets or known) if args.basis is None or known[t].basis == args.basis]
    if not chosen:
        raise Il7Error(f"none of the targets named has basis {args.basis}; leave out --basis or name others")
    with _steps("il7 validate", len(set(chosen))) as step:
        results = validate(chosen, progress=step)
    if args.json:
        _print_json([_target_row(r) for r in results])
    else:
        from rich.console import Console
        from rich.table import Column, Table

        model = Column("model", no_wrap=True, min_width=max(len(f"{r.observed:.4g}") for r in results))
        target = Column("target", overflow="fold")  # an id to copy: wrapped, not cut
        table = Table(target, "basis", "expected", model, "verdict", "source", title="il7 validate")
        for r in results:  # the model's number is never cut; the texts wrap around it
            verdict = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
            table.add_row(
                r.target.id,
                r.target.basis,
                _plain(r.target.expected),
                f"{r.observed:.4g}",
                verdict,
                _plain(r.target.source),
            )
        Console().print(table)
        print(passes_by_basis(results))
        _print_misses([r for r in results if not r.passed])
    if not all(r.passed for r in results):
        raise SystemExit(1)


def _target_row(r: Result) -> dict[str, object]:
    """One target's result for JSON output (shared by ``validate`` and ``claims``)."""
    return {
        "target": r.target.id,
        "description": r.target.description,
        "expected": r.target.expected,
        # strict JSON has no inf or nan: a complete loss (inf) or a failed measure (nan) is a string
        "model": r.observed if math.isfinite(r.observed) else str(r.observed),
        "unit": r.target.unit,
        "basis": r.target.basis,
        "passed": r.passed,
        "source": r.target.source,
        "known_miss": r.target.known_miss,
    }


@contextlib.contextmanager
def _steps(title: str, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr (transient; stdout stays clean for --json) advanced one labelled step at a time."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(title, total=total)
        yield lambda label: bar.update(task, advance=1, description=f"{title}: {label}")


def _print_misses(missed: Sequence[Result]) -> None:
    """After a table: each missed target once, with why the model misses it (targets.yaml)."""
    reasons = {r.target.id: r.target.known_miss or "not yet explained" for r in missed}
    if reasons:
        print("\nwhy the model misses (claims/targets.yaml known_miss):")
        for target_id, why in reasons.items():
            print(f"- {target_id}: {why}")


def _number(x: float) -> float | None:
    """A float for strict JSON: ``None`` for NaN and the infinities."""
    return x if math.isfinite(x) else None


def _print_json(rows: Sequence[Mapping[str, object]]) -> None:
    json.dump(rows, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


def _claims(args: argparse.Namespace) -> None:
    from il7.claims import claims
    from il7.claims.validate import check_claims, check_line

    with _steps("il7 claims", len(claims())) as step:
        results = check_claims(progress=step)
    if args.json:
        rows = [
            {
                "claim": c.claim.id,
                "statement": c.claim.statement,
                "reading": c.claim.reading,
                "passed": c.passed,
                "missing": c.claim.missing,
                "checks": [_target_row(r) for r in c.results],
            }
            for c in results
        ]
        _print_json(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("claim", "statement", "how il7 checks it", "verdict", title="il7 claims")
        for c in results:
            checks = "; ".join(check_line(r) for r in c.results)
            if c.claim.missing:
                checks += f"; not yet checked: {c.claim.missing}"
            verdict = "[green]PASS[/green]" if c.passed else "[red]FAIL[/red]"
            table.add_row(
                c.claim.id, _plain(c.claim.statement), _plain(f"{c.claim.reading} [{checks}]"), verdict
            )
        Console().print(table)
        print(f"{sum(c.passed for c in results)} of {len(results)} claims pass")
        _print_misses([r for c in results for r in c.results if not r.passed])
    if not all(c.passed for c in results):
        raise SystemExit(1)


def _sensitivity(args: argparse.Namespace) -> None:
    from il7 import build, units
    from il7.sensitivity import sensitivities, varied_parameters

    if args.top < 1:
        raise Il7Error(f"--top {args.top}: give a number of rows of at least 1")
    names = build.split_ids(args.parameters, where="--parameters")
    if args.parameters and not names:
        raise Il7Error("--parameters: name at least one parameter, e.g. --parameters CL_IL7,src_stroma")
    _output_files(args, {"--out": (".csv",), "--plot": PLOT_SUFFIXES})
    chosen = _scenario(args)
    with _steps(f"sensitivity of {args.readout}", len(names or varied_parameters())) as step:
        result = sensitivities(
            chosen,
            args.readout,
            at=args.at,
            fold_from=args.fold_from,
            overrides=_overrides(args.sets),
            parameters=names or None,
            step=args.step,
            jobs=args.jobs,
            progress=step,
        )
    said = sys.stderr if args.json else sys.stdout  # with --json, stdout carries only the JSON
    if args.out:
        print(f"wrote {result.write(args.out)}", file=said)
    if args.plot:
        print(f"wrote {_save_figure(result.figure(top=args.top), args.plot)}", file=said)
    if args.json:
        _print_json(
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
                        {**vars(r), "low": _number(r.low), "high": _number(r.high)} for r in result.rows
                    ],
                    "not_varied": [{"parameter": pid, "reason": why} for pid, why in result.skipped],
                }
            ]
        )
        return
    from rich.console import Console
    from rich.table import Column, Table

    shown = result.rows[: args.top]
    table = Table(
        Column("parameter", no_wrap=True, min_width=max((len(r.parameter) for r in shown), default=9)),
        "d ln|y| / d ln p",
        f"y at p/{1 + result.step:g}",
        f"y at px{1 + result.step:g}",
        "p",
        "status",
        title=f"{result.scenario}: y = {result.quantity} = {result.nominal:.4g}{units.suffix(result.unit)}",
        caption="sources and notes: il7 parameters (or --out FILE.csv)",
    )
    for r in shown:
        table.add_row(
            r.parameter,
            f"{r.coefficient:+.3f}" + ("" if r.method == "central" else " *"),
            f"{r.low:.4g}" if math.isfinite(r.low) else "refused",
            f"{r.high:.4g}" if math.isfinite(r.high) else "refused",
            _plain(f"{r.value:.4g}{units.suffix(r.unit)}"),
            r.status,
        )
    Console().print(table)
    weak = sum(1 for r in result.rows if abs(r.coefficient) < 0.01)
    print(
        f"parameters varied (x{1 + result.step:g} and /{1 + result.step:g}): {len(result.rows)}; "
        f"with |d ln|y| / d ln p| below 0.01: {weak}"
    )
    for r in result.rows:
        if r.method != "central":
            print(f"* {r.parameter}: {r.method}")
    reasons: dict[str, list[str]] = {}
    for pid, why in result.skipped:
        reasons.setdefault(why, []).append(pid)
    for why, pids in reasons.items():
        print(f"not varied: {', '.join(pids)}: {why}")


def _population(args: argparse.Namespace) -> None:
    from il7 import build, units
    from il7.population import output_index, population

    _output_files(args, {"--out": (".csv",), "--plot": PLOT_SUFFIXES, "--patients": (".csv",)})
    vary = _overrides(args.vary, flag="--vary")
    correlations = _correlations(args.correlate)
    chosen = _scenario(args)
    readouts = build.split_ids(args.readouts, where="--readouts", kind="readout", example="CD4_blood") or None
    if args.readouts and readouts is None:
        raise Il7Error(
            "--readouts names no readout; give ids (il7 readouts lists them), or leave it out for the scenario's"
        )
    output_index(chosen.times, args.at, where="--at", unit=chosen.time_unit)  # before the runs, not after
    with _steps(f"population of {chosen.name}", max(args.n, 0)) as step:
        result = population(
            chosen,
            vary,
            n=args.n,
            seed=args.seed,
            readouts=readouts,
            overrides=_overrides(args.sets),
            correlations=correlations,
            jobs=args.jobs,
            progress=lambda done, n: step(f"patient {done} of {n}"),
        )
    notes = sys.stderr if args.json else sys.stdout  # with --json, stdout carries only the JSON
    if args.out:
        print(f"wrote {result.write(args.out)}", file=notes)
    if args.patients:
        print(f"wrote {result.write(args.patients, patients=True)}", file=notes)
    if args.plot:
        print(f"wrote {_save_figure(result.figure(), args.plot)}", file=notes)
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
        _print_json(
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
                            "cv": _number(s.cv),
                            "low": _number(s.low),
                            "high": _number(s.high),
                            "redrawn": again,
                        }
                        for s, again in zip(result.spreads, result.redrawn, strict=True)
                    ],
                    "correlations": [{"parameters": [a, b], "r": r} for a, b, r in result.correlations],
                    "draws": [
                        {
                            "patient": i,
                            **{s.parameter: float(result.draws[i, k]) for k, s in enumerate(result.spreads)},
                        }
                        for i in range(result.n)
                    ],
                    "failed": [{"patient": i, "reason": why} for i, why in result.failed],
                    "percentiles": table.to_dict(orient="records"),
                    "prcc_at": at,
                    "relative_spread": {r: _number(x) for r, x in spreads.items()} or None,
                    "prcc": {
                        r: {pid: _number(c) for pid, c in coefficients.items()}
                        for r, coefficients in explained.items()
                    }
                    or None,
                    "prcc_p": {r: {pid: _number(x) for pid, x in ps.items()} for r, ps in chance.items()}
                    or None,
                    "prcc_missing": unexplained or None,
                }
            ]
        )
        return
    from rich.console import Console
    from rich.table import Table

    print(result.header())
    step_rows = max(1, len(result.times) // 8)
    shown = set(result.times[::step_rows]) | {result.times[-1]}
    for readout, unit in zip(result.readouts, result.units, strict=True):
        rows = table[(table["readout"] == readout) & table["time"].isin(shown)]
        out = Table(
            f"time ({result.time_unit})",
            "median",
            "middle 50%",
            "middle 90%",
            title=_plain(f"{readout} [{unit}]"),
        )
        for _, row in rows.iterrows():
            out.add_row(
                f"{row['time']:g}",
                f"{row['p50']:.4g}",
                f"{row['p25']:.4g}-{row['p75']:.4g}",
                f"{row['p5']:.4g}-{row['p95']:.4g}",
            )
        Console().print(out)
    if unexplained:
        print(f"no partial rank correlations: {unexplained}")
    else:
        print(
            f"at time {at:g} ({result.time_unit}), the middle 90% as a share of the median, and each varied "
            "parameter's partial rank correlation (-1 to +1: direction and consistency, not size) with its P "
            "against chance (Marino 2008 t test):"
        )
        for readout, coefficients in explained.items():
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
    for s, again in zip(result.spreads, result.redrawn, strict=True):
        if again:
            print(
                f"{s.parameter}: {again} {'draw' if again == 1 else 'draws'} fell outside its bounds "
                f"{s.low:g}-{s.high:g}{units.suffix(s.unit)}; {'that patient was' if again == 1 else 'those patients were'} "
                "drawn again"
            )
    if result.failed:
        print(f"{len(result.failed)} of {result.n} patients' runs failed and are left out; the first:")
        print(f"  patient {result.failed[0][0]}: {result.failed[0][1]}")
        if 2 * len(result.failed) > result.n:
            print(
                "more than half failed: the percentiles describe only the patients whose values the model "
                "admits; narrow the spread (--patients shows which values failed)"
            )


def _p_value(p: float, varied: int) -> str:
    """A PRCC's P value as printed, or why it has none (population.Population.significance)."""
    from il7.population import fewest_patients_for_p

    if math.isfinite(p):
        return f"(P {p:.2g})"
    return f"(no P below {fewest_patients_for_p(varied)} patients whose run went through)"


def _cohort(args: argparse.Namespace) -> None:
    from il7 import cohort

    _output_files(args, {"--out": (".csv",), "--plot": PLOT_SUFFIXES})
    with _steps("virtual transplant cohort", max(args.n, 0)) as step:
        result = cohort.run(
            args.n, args.seed, jobs=args.jobs, progress=lambda done, n: step(f"patient {done} of {n}")
        )
    notes = sys.stderr if args.json else sys.stdout
    if args.out:
        with writing(args.out):
            result.table().to_csv(args.out, index=False)
        print(f"wrote {args.out}", file=notes)
    if args.plot:
        print(f"wrote {_save_figure(result.figure(), args.plot)}", file=notes)
    cut, sensitivity, specificity = result.best_cutoff()
    day7, day14 = result.medians(result.il7_day7), result.medians(result.il7_day14)
    summary = {
        "patients": result.population.n,
        "seed": args.seed,
        "agvhd_incidence": float(result.agvhd.mean()),
        "il7_day7_median_agvhd_pg_ml": day7[0],
        "il7_day7_median_other_pg_ml": day7[1],
        "il7_day7_p": result.p_value(result.il7_day7),
        "il7_day14_median_agvhd_pg_ml": day14[0],
        "il7_day14_median_other_pg_ml": day14[1],
        "il7_day14_p": result.p_value(result.il7_day14),
        "il7_day14_auc": result.auc(),
        "best_cutoff_pg_ml": cut if math.isfinite(cut) else "none",
        "sensitivity": sensitivity,
        "specificity": specificity,
        "p_test": "two-sided Mann-Whitney U",
        "agrees_with_dean_2008": result.agrees_with_dean_2008(),
    }
    if args.json:
        _print_json([summary])
        return
    for key, value in summary.items():
        print(f"{key:30s} {value:.4g}" if isinstance(value, float) else f"{key:30s} {value}")
    print(
        "Dean 2008: IL-7 higher in aGVHD at day +7 (P = .01) and +14 (P = .00003); sensitivity up to 86%, specificity 100%"
    )
    print(
        result.verdict()
        + ("" if summary["agrees_with_dean_2008"] else " Why: il7 validate cohort_il7_day7_higher_in_agvhd")
    )


def _report(args: argparse.Namespace) -> None:
    from il7.report import step_count, write_report

    with _steps("il7 report", step_count()) as step:
        page = write_report(args.out, progress=step)
    print(f"wrote {page}")


if __name__ == "__main__":
    main()
