"""What the commands share: reading options into values, checking output files before a run,
printing tables and JSON, and progress."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from il7.errors import Il7Error
from il7.files import make_parent, unclear_name, writing

if TYPE_CHECKING:
    from rich.console import Console

    from il7.scenario import Scenario


def number_option(text: str, *, what: str) -> float:
    """A number option's value (:func:`il7.build.plain_float`: not '1_0'); a number written with a
    unit ('10 days') is told to write the bare number, ``what`` it is (``", a fraction"``)."""
    import argparse

    from il7.build import plain_float
    from il7.values import quantity

    try:
        return plain_float(text)
    except ValueError:
        try:  # a number and a unit, as values.quantity splits them
            unit = quantity(text, where=text)[1]
        except Il7Error:
            unit = None
        if unit is not None:
            raise argparse.ArgumentTypeError(f"'{text}' has a unit; write the bare number{what}") from None
        raise


def time_option(text: str) -> float:
    """A time option's value, a bare number in the scenario's time unit (:func:`number_option`)."""
    return number_option(
        text, what=", a time in the scenario's time unit (il7 scenarios shows each scenario's)"
    )


def fraction_option(text: str) -> float:
    """A relative step's value, a bare fraction (:func:`number_option`)."""
    return number_option(text, what=", a fraction: 0.1 for 10%")


def cells_option(text: str) -> float:
    """A number of cells, bare (:func:`number_option`)."""
    return number_option(text, what=", a number of cells, e.g. 3.25e7")


# argparse says "invalid float value: '1_0'", as before
time_option.__name__ = fraction_option.__name__ = cells_option.__name__ = "float"


def chosen_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, at ``--dose`` if one is given, with a note where a
    flat amount replaces per-kg doses ('1 mg' for '1 mg/kg' is a 70-fold slip that runs), where
    the dose levels a regimen whose doses differ (a loading dose), and where a file in the working
    folder has a built-in scenario's name (the built-in runs; ./NAME runs the file)."""
    from il7 import scenario

    chosen = scenario.load(args.scenario)
    if args.scenario in scenario.builtin_names() and Path(args.scenario).is_file():
        say_notes(
            f"a file '{args.scenario}' is here too; il7 runs its built-in scenario of that name: "
            f"write ./{args.scenario} for the file"
        )
    if args.dose is None:
        return chosen
    with noted_warnings():  # a flat amount for per-kg doses, a loading dose levelled
        return chosen.with_dose(args.dose, where=f"--dose '{args.dose}'")


def no_dose_twice(args: argparse.Namespace) -> None:
    """Refuse ``--dose`` beside a data file whose ``dose`` column names the arms: both would set
    the doses, and one would silently win."""
    if args.dose is None or not args.data:
        return
    from il7.measurements import read_measurements

    if any(m.dose for m in read_measurements(args.data)):
        raise Il7Error(
            f"--dose '{args.dose}' and the dose column of {args.data} both set the doses; give them once: "
            "in the column (each row's arm), or with --dose and a file without that column"
        )


def shaped(args: argparse.Namespace, chosen: Scenario) -> Scenario:
    """``chosen`` with the output the command line asks (``--t-end``, ``--step``, ``--readouts``)."""
    chosen = chosen.with_output(t_end=args.t_end, step=args.step)
    if args.readouts is not None:
        add = args.readouts.startswith("+")
        names = args.readouts.removeprefix("+").split(",")
        chosen = chosen.with_readouts(names, add=add, where="--readouts")
    return chosen


@contextlib.contextmanager
def noted_warnings() -> Iterator[None]:
    """Run the block, then say each :class:`~il7.errors.Il7Warning` it issued once, as a note, also
    before the block's error (an export builds several documents, each warning alike); other
    warnings pass on as issued."""
    from il7.errors import gathered

    said: list[str] = []
    try:
        with gathered() as said:
            yield
    finally:
        say_notes(*said)


def say_notes(*notes: str | None) -> None:
    """Print each note on stderr as 'il7: note: ...', one a line; an empty or None note says nothing."""
    for note in notes:
        if note:
            print(f"il7: note: {note}", file=sys.stderr)


PIPED_WIDTH = 160
"""Columns of a table written to a file or a pipe, where rich would take 80 and wrap the claims
and parameter tables beyond reading; the COLUMNS variable still decides where it is set."""


def console() -> Console:
    """The rich console the tables print on: the terminal's width, or :data:`PIPED_WIDTH` where
    standard output is no terminal (``il7 claims > claims.txt``; ``COLUMNS=80 il7 claims | less``
    keeps 80)."""
    from rich.console import Console

    piped = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    return Console(width=PIPED_WIDTH if piped else None)


def plain(text: str) -> str:
    """Text shown as written in a rich table: brackets such as ``[pg/mL]`` are not markup."""
    from rich.markup import escape

    return escape(text)


def parse_overrides(sets: list[str], *, flag: str = "--set") -> dict[str, str]:
    """``ID=VALUE`` items of a repeatable option (``--set``, ``--vary``, ``--fix``) as a mapping, each
    id once; the values stay text, read later against the parameter table."""
    out = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            example = {"--fix": "gc_per_T=13391", "--vary": "age='20..70 years'"}.get(flag, "age=60")
            raise Il7Error(f"{flag} '{item}': write ID=VALUE, e.g. {flag} {example}")
        if "=" in value and re.search(r"[,;]\s*[A-Za-z_]\w*\s*=", value):  # 'ka=0.25,F=0.5'
            raise Il7Error(f"{flag} '{item}': one parameter per {flag}; repeat the option for each")
        if key.strip() in out:
            raise Il7Error(f"{flag} {key.strip()} is given twice; give each parameter once")
        out[key.strip()] = value.strip()
    return out


PLOT_SUFFIXES = (".png", ".svg", ".pdf")
"""File suffixes a --plot option takes (matplotlib writes each format)."""


def output_files(args: argparse.Namespace, options: Mapping[str, Sequence[str]]) -> None:
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
        unclear_name(value, option)
        if not value:  # Path('') is the current folder, so it was called "a folder, not a file"
            raise Il7Error(f"{option} '': give a file name, e.g. {option} out{suffixes[0]}")
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
        made = not target.parent.exists()
        make_parent(target, f"{option} '{value}'")
        if made:  # a typo in a path makes folders: say so
            say_notes(f"{option}: made the folder '{target.parent}', which did not exist")
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


def save_figure(fig: Any, path: str) -> str:
    """Write a matplotlib figure (closed afterwards) and return the path."""
    import matplotlib.pyplot as plt

    try:
        with writing(path) as partial:
            fig.savefig(partial, dpi=100, bbox_inches="tight")  # legends under the panels stay whole
    finally:
        plt.close(fig)
    return path


LOG_QUIET_S = 20.0
"""Seconds after which a progress log names the next step even between tenths of the way."""


@contextlib.contextmanager
def progress_steps(
    title: str, total: int, *, log: bool = False, clock: Callable[[], float] = time.monotonic
) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr (transient; stdout stays clean for --json) advanced one labelled
    step at a time, each as it starts; with ``log``, where stderr is no terminal (a log, a
    notebook's cell), a line at the start, at every tenth of the way, at a step that starts
    :data:`LOG_QUIET_S` or more after the last line (``clock`` tells the time, in s), and at the
    end instead, with the share already done (il7 report's minutes passed without a word, and
    then its long runs, a tenth of the steps apart, without one)."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if log and not console.is_terminal:
        done = [0]
        said = [clock()]

        def line(label: str) -> None:  # called as a step starts: the steps before it are done
            before = done[0]
            done[0] += 1
            tenth = total and (before == 0 or (10 * before) // total > (10 * (before - 1)) // total)
            now = clock()
            if tenth or now - said[0] >= LOG_QUIET_S:
                print(
                    f"{title}: {100 * before // max(total, 1)}% done; now {label}",
                    file=sys.stderr,
                    flush=True,
                )
                said[0] = now

        yield line
        print(f"{title}: 100% done", file=sys.stderr, flush=True)  # not reached if a step raised
        return
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(title, total=total)
        yield lambda label: bar.update(task, advance=1, description=f"{title}: {label}")


def notes_stream(args: argparse.Namespace) -> TextIO:
    """Where a command's notes ('wrote FILE') go: standard error with ``--json``, so that standard
    output carries only the JSON; standard output otherwise."""
    return sys.stderr if args.json else sys.stdout


def json_number(x: float) -> float | None:
    """A float for strict JSON: ``None`` for NaN and the infinities."""
    return x if math.isfinite(x) else None


def print_json(rows: Sequence[Mapping[str, object]]) -> None:
    """Print ``rows`` as strict JSON: a non-finite number must have been made ``None`` before."""
    json.dump(rows, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


def rows_shown(n: int, series: Sequence[Any], *, about: int, also: Sequence[int] = ()) -> list[int]:
    """Which of a run's ``n`` output times a console table shows: about ``about`` evenly spaced,
    the last, the rows ``also`` names, and where each of ``series`` (a column per readout) is
    highest and lowest, so that a peak between two evenly spaced rows (a drug's, hours after a
    dose) is not hidden."""
    import numpy as np

    from il7.trajectory import flat

    keep = {*range(0, n, max(1, n // about)), n - 1, *also}
    for column in series:
        values = np.asarray(column, dtype=float)
        if not flat(values):  # (an all-NaN column is flat)
            keep |= {int(np.nanargmax(values)), int(np.nanargmin(values))}
    return sorted(keep)


def rows_note(shown: int, n: int, option: str, *, tables: bool = False) -> str | None:
    """The line under a table that shows ``shown`` of ``n`` output times (:func:`rows_shown`), or
    ``None`` for all; ``tables``: under several, one per readout, each showing its own rows
    (``shown`` then the most any shows), --at's time among them."""
    if shown >= n:
        return None
    if tables:
        return (
            f"each table shows some of the {n} output times: evenly spaced, the last, --at's, and where "
            f"its median is highest and lowest; {option} writes them all"
        )
    return (
        f"{shown} of {n} output times shown: evenly spaced, the last, and where each readout is highest "
        f"and lowest; {option} writes them all"
    )


def note_unseen(chosen: Scenario, consequence: str, fix: str) -> None:
    """Say on stderr what of ``chosen`` comes after its last output time (later doses, settings,
    infusions), which ``consequence`` describes, and ``fix``; nothing when nothing does."""
    say_notes(chosen.beyond_output_note(consequence, fix))
