"""One error family for everything a user can get wrong, and for solves that fail; and il7's
warning, for what a run that goes ahead should not be trusted on.

Every message says what is wrong, where, and how to fix it, on one line. The command line
prints ``str(error)`` and exits with status 2; it never shows a traceback for these. A warning
(:func:`warn`) points at the user's own line; where many runs would repeat one, :func:`gathered`
collects each once (the command line says them as notes, the report on its page).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


class Il7Error(Exception):
    """A problem the user can fix: bad input, unknown names, malformed files. Its message is one
    line: a value it echoes keeps its line breaks visible as ``\\n`` (a pandas Series, a CSV text
    given as a path), as the command line prints it."""

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (one_line(args[0]),)
        super().__init__(*args)


def one_line(text: str) -> str:
    """``text`` on one line, its line breaks kept visible as ``\\n`` and ``\\r``."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class Il7Warning(UserWarning):
    """Something in a run to distrust, issued by :func:`il7.simulate` (a value set outside its
    bounds, a cell population beyond what a body holds, a dose after the last output time), and
    by the functions that run or build a scenario many times or for another tool (population,
    sensitivities, the exports), which also say an override that moves none of the readouts; the
    run's :attr:`~il7.trajectory.Trajectory.notes` hold those about the run itself, the first
    two."""


def warn(message: str) -> None:
    """Issue ``message`` as an :class:`Il7Warning` at the first line outside il7 that led to it (a
    notebook cell's, a script's), however deep in il7 it was found: Python shows a warning once per
    line, and one placed on a line inside il7 had hidden the next export's."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, Il7Warning, stacklevel=level)


@contextlib.contextmanager
def gathered() -> Iterator[list[str]]:
    """Run the block and fill the list it gives with each :class:`Il7Warning` the block issued,
    once, in order, also when the block ends in an error (a note that explains the error is kept);
    other warnings pass on as issued. Used where many runs would repeat a note: the command line
    says them as notes, the report on its page."""
    said: list[str] = []
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield said
    finally:
        for w in caught:
            if not issubclass(w.category, Il7Warning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        said.extend(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, Il7Warning)))


class ScenarioError(Il7Error):
    """A scenario file with one or more problems, all reported at once.

    Parameters
    ----------
    source
        The scenario's name and file, e.g. ``"scenario 'x' (x.yaml)"``.
    problems
        One message per problem, each naming the field and the fix.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        if len(problems) == 1:
            text = f"{source}: {problems[0]}"
        else:
            listed = "; ".join(f"({i}) {p}" for i, p in enumerate(problems, 1))
            text = f"{source}: {len(problems)} problems: {listed}"
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:  # its two arguments, across processes (pickle)
        return (type(self), (self.source, self.problems))


class SolveError(Il7Error):
    """A simulation or steady-state search that failed.

    Parameters
    ----------
    message
        What failed, where (scenario, time) and a suggestion.
    """


class Unsettled(SolveError):
    """A steady-state search whose species are still moving (not one whose rates are undefined):
    a failed run names an override at 0 as the likely cause."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest known name, ``" (names with it: ...)"``
    for the names that hold it, or an empty string.

    A name that differs only in case comes first (``leuk`` finds ``Leuk``, not ``S_leuk``; where
    several do, ``K_socs`` and ``k_SOCS``, both are named), then one with the same words in
    another order (``serum_IL7`` finds ``IL7_serum``). Otherwise the closest name, and a
    second one as close (``immatureB``: ``matB`` or ``immB``), by spelling and, failing that,
    by spelling regardless of case. Failing both, the names that hold it as a part (``osteoclast``:
    ``osteoclasts_with_t_cells``, ...), the first three and how many more."""
    listed = [str(k) for k in known]
    same = [k for k in listed if k.lower() == str(name).lower() and k != str(name)]
    if not same:  # the same words in another order: serum_IL7 for IL7_serum
        words = _words(str(name))
        same = [k for k in listed if _words(k) == words and k != str(name)] if len(words) > 1 else []
    if same:
        return " (did you mean " + " or ".join(f"'{k}'" for k in same[:3]) + "?)"
    close = _closest(str(name), listed)
    if not close:
        lowered = {k.lower(): k for k in listed}
        close = [lowered[c] for c in _closest(str(name).lower(), list(lowered))]
    if close:
        return " (did you mean " + " or ".join(f"'{k}'" for k in close) + "?)"
    holding = [k for k in listed if len(str(name)) >= 4 and str(name).lower() in k.lower()]
    if not holding:
        return ""
    return " (names with it: " + few([f"'{k}'" for k in holding], 3) + ")"


def few(names: Sequence[str], shown: int = 5) -> str:
    """The first ``shown`` names, then how many more: an error message stays one readable line."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _words(name: str) -> tuple[str, ...]:
    """The words of a name split at underscores, in lower case and sorted (``IL7_serum`` -> il7,
    serum); a repeated word counts each time."""
    return tuple(sorted(w for w in name.lower().split("_") if w))


def _closest(name: str, listed: list[str]) -> list[str]:
    """The closest of ``listed`` to ``name`` (similarity at least 0.6), and the next if as close."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, name, k).ratio(), k) for k in listed), key=lambda x: -x[0]
    )
    scored = [(r, k) for r, k in scored if r >= 0.6]
    if not scored:
        return []
    best = scored[0][0]
    return [k for r, k in scored[:2] if r >= best - 1e-9]
