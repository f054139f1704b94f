"""The ``il7`` command.

This module holds its options (:func:`_parser`) and :func:`main`, which runs a command and turns
errors into one line. The commands themselves live in :mod:`il7.cli.run` (scenarios, readouts,
simulate, parameters, export, report), :mod:`il7.cli.checks` (calibrate, validate, claims) and
:mod:`il7.cli.analysis` (sensitivity, population, cohort); what they share in
:mod:`il7.cli.output`.

User errors (unknown names, bad values, malformed files) print one line naming what, where
and the fix, and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from il7.cli import analysis, checks, run
from il7.cli.output import PLOT_SUFFIXES, cells_option, fraction_option, time_option
from il7.errors import Il7Error, one_line

_PLOTS = ", ".join(PLOT_SUFFIXES)
"""The plot formats a --plot option takes, for its help."""

EXIT_USER_ERROR = 2
COMMANDS = {**run.COMMANDS, **checks.COMMANDS, **analysis.COMMANDS}
"""Every subcommand's function, by name (each module of commands lists its own)."""
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""Errors of a write that failed for want of room (``il7 parameters > /dev/full``)."""
_BAD_PATH = {
    errno.ENAMETOOLONG: "give a shorter path",
    errno.EACCES: "choose a file or folder you may read and write",
    errno.EPERM: "choose a file or folder you may read and write",
}
"""Errors of a path given on the command line, found wherever il7 first looks at it (Python's
``Path.is_dir`` raises them rather than answering False), each with its fix."""
INTERRUPTED = (
    "il7: {how}; no file is left half-written (each is replaced whole or not at all), and il7 report "
    "and il7 export petab move their files in only once all are written"
)
"""What an interrupted command says (Ctrl-C, or a SIGTERM from ``kill`` or a batch scheduler)."""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command runs so that its files are tidied as after Ctrl-C
    (by default the process ended at once and left a report's staging folder behind)."""


def _terminate(signum: int, frame: object) -> NoReturn:
    raise _Terminated


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


class _Version(argparse.Action):
    """``--version``: il7's version with the fingerprints of its model and data and the solver's
    version (:func:`il7.engine.provenance`), as a report's first line gives them."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            help="print il7's version, the fingerprints of its model and data, and the solver's version",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from il7.engine import provenance

        print(provenance())
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", "store", _StoreOnce)
        self.register("action", None, _StoreOnce)  # what add_argument uses when no action is named
        # argparse takes '-1e3' or '-inf' for an option (it knows -1 and -1.5 only): '--t-end -1e3'
        # then failed with 'expected one argument' instead of reaching the check of its value
        self._negative_number_matcher = re.compile(
            r"^-((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE
        )

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops a failed write of --help silently (exit 0, the text lost); let main say it
        if message:
            (file or sys.stderr).write(message)

    given: Sequence[str] = ()
    """The words parsed (set by :func:`_run` on the top parser)."""

    def error(self, message: str) -> NoReturn:
        if (
            message.startswith("argument command: invalid choice")
            and self.given
            and self.given[0].startswith("--")
        ):
            # 'il7 --t-end 5 simulate baseline' was told that '5' is no command
            _before_the_command(self.given[0])
        if message.endswith("required: command") and self.given and self.given[0].startswith("-"):
            # 'il7 --foo' was told only that a command is missing
            _fail(
                f"{self.given[0]} is no option of il7 itself (it has --help and --version), and no command "
                "follows; give one: il7 COMMAND [options] (il7 --help lists them)"
            )
        where = "" if self.prog == "il7" else f"{self.prog}: "  # _fail says "il7: error:" already
        _fail(f"{where}{message}; see '{self.prog} --help'")


def _before_the_command(option: str, command: str = "COMMAND") -> NoReturn:
    _fail(
        f"{option} is given before the command; a command's options go after it: il7 {command} ... {option}"
    )


MAX_ERROR_CHARS = 2000
"""Longest error line printed: a value echoed from a file can be huge (YAML aliases expand)."""


def _fail(message: str) -> NoReturn:
    # one line, whatever the message echoes: a newline inside a value read from a file stays visible
    line = one_line(message)  # argparse's messages are no Il7Error
    if len(line) > MAX_ERROR_CHARS:
        line = f"{line[:MAX_ERROR_CHARS]}... ({len(line) - MAX_ERROR_CHARS} more characters)"
    print(f"il7: error: {line}", file=sys.stderr)
    raise SystemExit(EXIT_USER_ERROR)


def _set_option(parser: argparse.ArgumentParser, help: str) -> None:
    """The repeatable ``--set ID=VALUE`` option (read by :func:`il7.cli.output.parse_overrides`)."""
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="ID=VALUE", help=help)


def _dose_option(parser: argparse.ArgumentParser, when: str = "") -> None:
    """The ``--dose AMOUNT`` option: the scenario at another dose level (read by :func:`il7.cli.output.chosen_scenario`)."""
    parser.add_argument(
        "--dose",
        metavar="AMOUNT",
        help=f"{when}give each of the scenario's bolus doses at this amount instead, on its schedule and "
        "route, e.g. --dose '30 ug/kg' (a bare number is in the scenario's own unit; infusions keep "
        "their rates)",
    )


def _output_options(parser: argparse.ArgumentParser, when: str = "", t_end_when: str | None = None) -> None:
    """``--t-end``, ``--readouts`` and ``--step``: what a scenario's run gives (read by
    :func:`il7.cli.output.shaped`); ``when`` prefixes their help, ``t_end_when`` (default ``when``)
    that of ``--t-end`` alone."""
    parser.add_argument(
        "--t-end",
        type=time_option,
        help=f"{when if t_end_when is None else t_end_when}end of the output, in the scenario's time unit: the scenario's output times before "
        "it, then times at their mean step",
    )
    parser.add_argument(
        "--readouts",
        metavar="IDS",
        help=f"{when}read out these observables or species (comma-separated, as `il7 readouts` lists "
        "them) instead of the scenario's own; a leading + adds them to its own, e.g. +S_leuk,IL7_tissue_conc",
    )
    parser.add_argument(
        "--step",
        type=time_option,
        help=f"{when}output every STEP (in the scenario's time unit) from its first output time to its "
        "end (or --t-end), e.g. --step 1 for hourly in a scenario counted in hours",
    )


def _jobs_option(parser: argparse.ArgumentParser, what: str) -> None:
    """The ``--jobs N`` option: processes that run ``what`` (read by :func:`il7.simulate.workers`)."""
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help=f"processes to run the {what} in (default 1; 0: one per CPU; at most one per CPU)",
    )


def _parser() -> _Parser:
    from il7 import calibrate, sensitivity  # their defaults are named in --help
    from il7.population import DEFAULT_N, MAX_PATIENTS

    parser = _Parser(prog="il7", description="The interleukin-7 system as an executable model.")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scn = sub.add_parser("scenarios", help="list the built-in scenarios, or print one's file to copy")
    scn.add_argument(
        "name",
        nargs="?",
        help="print this built-in scenario's YAML file (to copy and edit: il7 simulate takes the copy)",
    )
    scn.add_argument(
        "--vocabulary",
        action="store_true",
        help="list what a scenario file may name besides parameters and readouts: contexts, drugs (routes, "
        "units), knockouts and the cells it may seed",
    )
    sub.add_parser(
        "readouts", help="list what a scenario may read out (observables, then species), with units"
    )

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
    _output_options(sim)
    sim.add_argument(
        "--summary",
        action="store_true",
        help="print each readout's course in one row instead of its values: first, lowest and highest "
        "and when (Tmax; no time for a flat readout), last, and the area under the curve over the output times",
    )
    sim.add_argument(
        "--out",
        help="write the trajectory (every output time, also with --summary) to FILE.csv or FILE.parquet",
    )
    sim.add_argument("--plot", metavar="FILE", help=f"draw the readouts to FILE ({_PLOTS})")
    sim.add_argument(
        "--data",
        metavar="FILE",
        help="your measurements (.csv or .tsv: readout, time [UNIT], measurement, optionally sigma, "
        "unit and dose, the rows' dose arm, at which the scenario then runs): the run adds their readouts and times (a sample at a dose's time meets the level "
        "just before it), prints each beside the model and model / measured per readout, and --plot "
        "draws them on the run; nothing is fitted",
    )

    par = sub.add_parser("parameters", help="the parameter table with units, status and sources")
    par.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="a table on the terminal (default), or every column as CSV or JSON on stdout",
    )
    par.add_argument(
        "--context",
        default="human_body",
        help="whose values: human_body (the table as written, default), mouse_body or culture_well, "
        "whose own values, statuses and sources replace the table's where it sets them",
    )

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
        "steady state (with the changes at time 0 made) and its later settings and doses are SBML events, so "
        "COPASI or Tellurium run it as il7 does",
    )
    _set_option(
        exp, "with --scenario (or petab): set a parameter before the steady state, as il7 simulate --set does"
    )
    _dose_option(exp, "with --scenario: ")
    _output_options(
        exp,
        "sbml or omex with --scenario: ",
        "with --scenario (petab too, to take measurements after the scenario's end): ",
    )
    exp.add_argument(
        "-o",
        "--output",
        help="file to write, .xml or .sbml for sbml (default: standard output), .omex for omex; for petab, a folder",
    )
    exp.add_argument(
        "--data",
        metavar="FILE",
        help="petab with --scenario: measurements, a .csv or .tsv with columns readout, time [UNIT] "
        "(min, h, day or week, as il7 simulate --out writes it), measurement (the readout's unit, see il7 readouts) and optionally sigma, unit (the readout's, "
        "or one il7 converts to it, e.g. ng/mL, cells/mm3, 1e9/L, %%; or measurement [UNIT] in the header) and dose (each row's dose arm, as --dose "
        "takes it: a condition per arm)",
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
        help="set the non-T share of IL-7Ralpha from the lymphopenic rise of serum IL-7 (Ponchel 2005) instead; "
        "it also re-derives the reference signal pSTAT5_ref (human, and mouse in interventions.yaml)",
    )
    which.add_argument(
        "--therapy",
        action="store_true",
        help="set CYT107's absorbed share (Daix 2023) and antibody binding (Herold 2019) instead; it also "
        "sets the treated-HIV body's extra CD4 loss (k_deplete_CD4 in the levy_2012 scenario)",
    )
    cal.add_argument(
        "--starts",
        type=int,
        help=f"number of multi-start points, 1 to {calibrate.MOST_STARTS} (default {calibrate.STARTS})",
    )
    cal.add_argument("--seed", type=int, help=f"seed of the random starts (default {calibrate.SEED})")
    cal.add_argument(
        "--max-evaluations",
        type=int,
        help=f"objective evaluations per start, 1 to {calibrate.MOST_EVALUATIONS} (default {calibrate.MAX_EVALUATIONS})",
    )
    cal.add_argument(
        "--write",
        action="store_true",
        help="write the result into model/parameters.tsv and the files named above (an editable install); "
        "without it nothing is changed",
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
        "targets",
        nargs="*",
        metavar="TARGET",
        help="check only these targets (default: all; ids as listed, each its own argument or several separated by commas)",
    )
    from il7.claims import BASES  # light: the targets file is read only when asked for

    val.add_argument(
        "--basis",
        choices=tuple(BASES),
        help="check only the targets of this basis (prediction: those nothing in the model was set from)",
    )
    val.add_argument(
        "--list",
        action="store_true",
        help="list the targets (id, basis, expected, description) without running the model",
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
        type=time_option,
        help="time to read it at, in the scenario's time unit (default: its last output time)",
    )
    sen.add_argument(
        "--fold-from",
        type=time_option,
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
        "but the scenarios' on/off switches and the molar masses, mw_*, which only convert units; those at 0 in "
        "the run are listed as not varied)",
    )
    sen.add_argument(
        "--step",
        type=fraction_option,
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
    sen.add_argument(
        "--plot", metavar="FILE", help=f"draw a tornado chart of the strongest to FILE ({_PLOTS})"
    )
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
        help="two varied parameters that go together between patients, with the correlation R (strictly between -1 and 1) "
        "of their normal scores (repeatable), e.g. --correlate CL_Ab,ka_Ab=0.4",
    )
    pop.add_argument(
        "--n",
        type=int,
        default=DEFAULT_N,
        help=f"number of patients, 2 to {MAX_PATIENTS:,} (default {DEFAULT_N})",
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
        type=time_option,
        help="a time (the scenario's unit, within its run) at which to give each varied parameter's "
        "partial rank correlation with each readout (the direction and consistency of its effect, not its "
        "size; default: the last output time)",
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
        help=f"draw the median and the 50%% and 90%% bands to FILE ({_PLOTS})",
    )
    pop.add_argument("--json", action="store_true", help="print the result as JSON")

    coh = sub.add_parser(
        "cohort", help="virtual transplant cohort: day +7/+14 serum IL-7 by acute GVHD status, and its ROC"
    )
    coh.add_argument(
        "scenario",
        nargs="?",
        default="transplant",
        help="the transplant the patients receive: transplant (default), or a YAML copy of it with "
        "your changes (another graft, conditioning or prophylaxis)",
    )
    _set_option(
        coh,
        'set a parameter before the patients\' steady state, e.g. --set graft_T="2.7e7 cells/kg" for marrow '
        "grafts (a trait the cohort draws, such as graft_T, moves its median; repeatable)",
    )
    _dose_option(coh, "with a copy of transplant that gives a drug (rhIL-7 after the graft): ")
    coh.add_argument(
        "--n", type=int, default=300, help=f"number of patients, 10 to {MAX_PATIENTS:,} (default 300)"
    )
    coh.add_argument("--seed", type=int, default=2008, help="seed of the draw (default 2008)")
    coh.add_argument(
        "--threshold",
        type=cells_option,
        metavar="CELLS",
        help="alloreactive donor T cells that count as acute GVHD when passed by day +100; default: this "
        "cohort's own, the peak 36%% of its patients reach (the incidence is then set, not found). To compare arms, give each "
        "the same number, e.g. the built-in cohort's (gvhd_threshold in il7 parameters)",
    )
    _jobs_option(coh, "patients")
    coh.add_argument(
        "--out",
        metavar="FILE",
        help="write each patient's traits, day +7/+14 IL-7, aGVHD reading and day +100 CD4 and CD8 to FILE.csv",
    )
    coh.add_argument(
        "--plot", metavar="FILE", help=f"draw IL-7 by aGVHD status and the ROC to FILE ({_PLOTS})"
    )
    coh.add_argument("--json", action="store_true", help="print the results as JSON")

    rep = sub.add_parser("report", help="run the model and write the HTML report")
    rep.add_argument("--out", default="il7-report", help="output folder (default: il7-report)")
    for command in sub.choices.values():  # so that a word it does not take points to its own --help
        command.set_defaults(command_parser=command, commands=sub.choices)
    return parser


def _stray(args: argparse.Namespace, stray: Sequence[str], argv: Sequence[str]) -> NoReturn:
    """Refuse the words no parser took: before the command, as il7's own (options go after it);
    after it, as the command's, naming the other commands that take such an option."""
    words = list(argv)
    before = words[: words.index(args.command)] if args.command in words else []
    own = [w for w in stray if w.split("=", 1)[0] in args.command_parser._option_string_actions]
    early = [w for w in stray if w in before]
    if early:
        own_early = [w for w in early if w in own]
        if own_early:
            _before_the_command(own_early[0], args.command)
        _fail(f"unrecognized arguments: {' '.join(early)}; see 'il7 --help'")
    if "--" in words:  # after '--' the command's own options are words, which it does not take
        if own:
            args.command_parser.error(
                f"unrecognized arguments: {' '.join(stray)} ({own[0].split('=', 1)[0]} is an option of il7 "
                f"{args.command}, read as a word after '--', which ends the options: leave out the '--')"
            )
    args.command_parser.error(f"unrecognized arguments: {' '.join(stray)}{_elsewhere(args, stray)}")
    raise AssertionError  # error() exits


def _elsewhere(args: argparse.Namespace, stray: Sequence[str]) -> str:
    """Which other commands take the options in ``stray`` (``il7 simulate --vary``: population's)."""
    said = []
    for word in stray:
        option = word.split("=", 1)[0]
        if not option.startswith("--"):
            continue
        takers = [
            f"il7 {name}"
            for name, command in args.commands.items()
            if name != args.command and option in command._option_string_actions
        ]
        if takers:
            said.append(f"{option} is an option of {', '.join(takers)}")
    return f" ({'; '.join(said)})" if said else ""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``il7`` command."""
    if sys.stderr is None:  # started with stderr closed (2>&-): messages are lost, the exit status is not
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        sys.stderr = open(2, "w", closefd=False)
    if sys.stdout is None:  # started with stdout closed (>&-): what il7 prints would be lost unseen
        _fail(
            "standard output is closed (>&-), and il7 prints its results there; send it to a file or to /dev/null"
        )
    # SIGTERM tidies as Ctrl-C does; not where a host program set its own, or off the main thread
    own = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    )
    if own:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        _run(argv)
    finally:
        if own:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(argv: Sequence[str] | None) -> None:
    """Run the command ``argv`` names, its errors turned into one line and an exit status."""
    try:
        try:
            # inside: --version and --help print here, and a full disk or a closed pipe shows as for
            # any command's output
            parser = _parser()
            parser.given = words = list(sys.argv[1:] if argv is None else argv)
            args, stray = parser.parse_known_args(words)
            if stray:  # the top parser's own message pointed to 'il7 --help', which lists no options
                _stray(args, stray, words)
            COMMANDS[args.command](args)
        except SystemExit:  # --help and --version exit 0; validate and claims 1 after printing a miss
            sys.stdout.flush()
            raise
        sys.stdout.flush()  # so that a full disk shows here, not as a traceback at exit
    except Il7Error as exc:
        _fail(str(exc))
    except KeyboardInterrupt as exc:
        # a long population or report stopped without a word; files are written whole or not at all
        terminated = isinstance(exc, _Terminated)
        print(INTERRUPTED.format(how="terminated" if terminated else "interrupted"), file=sys.stderr)
        if terminated:  # tidied: now end as the signal would have, also inside a program that called main()
            sys.stderr.flush()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + (signal.SIGTERM if terminated else signal.SIGINT)) from None
    except BrokenPipeError:
        # the reader stopped early (`il7 parameters | head`): not an error of il7's; leave quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(141) from None
    except OSError as exc:
        if exc.errno in _BAD_PATH and exc.filename:
            name = str(exc.filename)
            shown = name if len(name) <= 80 else f"{name[:60]}...({len(name)} characters)"
            _fail(f"'{shown}': {exc.strerror}; {_BAD_PATH[exc.errno]}")
        if exc.errno not in _NO_ROOM:  # files il7 writes itself are checked where it writes them
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what is left cannot go anywhere
        if exc.filename:  # a file of il7's own, e.g. multiprocessing's in /dev/shm
            _fail(f"cannot write '{exc.filename}': {exc.strerror}; free some space")
        _fail(f"cannot write the output: {exc.strerror}; free some space, or send the output to another file")
