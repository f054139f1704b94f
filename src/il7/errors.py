"""One error family for everything a user can get wrong, and for solves that fail.

Every message says what is wrong, where, and how to fix it, on one line. The command line
prints ``str(error)`` and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class Il7Error(Exception):
    """A problem the user can fix: bad input, unknown names, malformed files."""


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


class SolveError(Il7Error):
    """A simulation or steady-state search that failed.

    Parameters
    ----------
    message
        What failed, where (scenario, time) and a suggestion.
    """


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest known name, or an empty string.

    A name that differs only in case is found too (``AGE`` finds ``age``), after the names whose
    case matches: ``K_socs`` and ``k_SOCS`` are different parameters."""
    listed = [str(k) for k in known]
    close = difflib.get_close_matches(str(name), listed, n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in listed}
        close = [
            lowered[c] for c in difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
        ]
    return f"; did you mean '{close[0]}'?" if close else ""
