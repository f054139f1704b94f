"""The commands that hold the model to its sources: il7 calibrate, validate and claims."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from il7.cli.output import (
    console,
    noted_warnings,
    parse_overrides,
    plain,
    print_json,
    progress_steps,
)
from il7.errors import Il7Error

if TYPE_CHECKING:
    from il7.claims.validate import Result


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
    fixed = parse_overrides(args.fix, flag="--fix")
    if fixed and args.write:
        raise Il7Error(f"--fix with --write: {calibrate.EXPLORATION_NOT_WRITTEN}")
    result = calibrate.fit(**search, fixed=fixed, progress=print)
    print(calibrate.describe(result))
    if args.write:
        print(f"wrote {calibrate.write(result)}")


def _validate(args: argparse.Namespace) -> None:
    from il7.claims.validate import chosen_targets, passes_by_basis, validate

    with noted_warnings():  # a named target of another basis, left out
        chosen = chosen_targets(args.targets or None, args.basis)  # refused before any run
    if args.list:
        _list_targets(chosen, as_json=args.json)
        return
    with progress_steps("il7 validate", len(chosen)) as step:
        results = validate(chosen, progress=step)
    if args.json:
        print_json([r.row() for r in results])
    else:
        from rich.table import Column, Table

        model = Column("model", no_wrap=True, min_width=max(len(r.shown()) for r in results))
        target = Column("target", overflow="fold")  # an id to copy: wrapped, not cut
        table = Table(target, "basis", "expected", model, "verdict", "source", title="il7 validate")
        for r in results:  # the model's number is never cut; the texts wrap around it
            verdict = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
            table.add_row(
                r.target.id,
                r.target.basis,
                plain(r.target.expected),
                r.shown(),
                verdict,
                plain(r.target.source),
            )
        console().print(table)
        print(passes_by_basis(results))
        _print_misses([r for r in results if not r.passed])
    if not all(r.passed for r in results):
        raise SystemExit(1)


def _list_targets(chosen: Sequence[str], *, as_json: bool) -> None:
    """The chosen targets as they stand in claims/targets.yaml, without running the model."""
    from il7.claims import targets

    known = targets()
    if as_json:
        print_json(
            [
                {
                    "target": t.id,
                    "basis": t.basis,
                    "expected": t.expected,
                    "unit": t.unit,
                    "description": t.description,
                    "source": t.source,
                }
                for t in (known[i] for i in chosen)
            ]
        )
        return
    from rich.table import Column, Table

    table = Table(
        Column("target", no_wrap=True),
        "basis",
        "expected",
        Column("description", overflow="fold"),
        title=f"il7 validate --list: {len(chosen)} targets (claims/targets.yaml)",
    )
    for t in (known[i] for i in chosen):
        table.add_row(t.id, t.basis, plain(t.expected), plain(t.description))
    console().print(table)


def _print_misses(missed: Sequence[Result]) -> None:
    """After a table: each missed target once, with why the model misses it (targets.yaml)."""
    reasons = {r.target.id: r.target.known_miss or "not yet explained" for r in missed}
    if reasons:
        print("\nwhy the model misses (claims/targets.yaml known_miss):")
        for target_id, why in reasons.items():
            print(f"- {target_id}: {why}")


def _claims(args: argparse.Namespace) -> None:
    from il7.claims import claims
    from il7.claims.validate import check_claims, check_line, claims_passing

    with progress_steps("il7 claims", len(claims())) as step:
        results = check_claims(progress=step)
    if args.json:
        print_json([c.row() for c in results])
    else:
        from rich.table import Table

        table = Table("claim", "statement", "how il7 checks it", "verdict", title="il7 claims")
        for c in results:
            checks = "; ".join(check_line(r) for r in c.results)
            if c.claim.missing:
                checks += f"; not yet checked: {c.claim.missing}"
            verdict = "[green]PASS[/green]" if c.passed else "[red]FAIL[/red]"
            table.add_row(
                c.claim.id, plain(c.claim.statement), plain(f"{c.claim.reading} [{checks}]"), verdict
            )
        console().print(table)
        print(claims_passing(results))
        _print_misses([r for c in results for r in c.results if not r.passed])
    if not all(c.passed for c in results):
        raise SystemExit(1)


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "calibrate": _calibrate,
    "validate": _validate,
    "claims": _claims,
}
