"""The source article's statements as checks (il7 claims)."""

import json
import math

import pytest

from il7.claims import claims, targets
from il7.claims.validate import Result, check_claims
from il7.cli import main
from il7.errors import Il7Error


def _known_failure(claim_id: str) -> str | None:
    """Why a claim fails today: the known misses of its targets (claims/targets.yaml), and what
    it does not yet check (its ``missing``)."""
    known = targets()
    claim = claims()[claim_id]
    reasons = [f"{t}: {known[t].known_miss}" for t in claim.checks if known[t].known_miss]
    if claim.missing:
        reasons.append(f"not yet checked: {claim.missing}")
    return "; ".join(reasons) or None


def test_every_claim_is_checked_by_known_targets_or_says_what_is_missing() -> None:
    known = targets()
    for claim in claims().values():
        assert claim.statement and claim.reading
        assert claim.checks or claim.missing, f"{claim.id}: no check and no reason"
        assert set(claim.checks) <= set(known)


@pytest.mark.parametrize(
    "claim_id",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=_known_failure(c)))
        if _known_failure(c)
        else c
        for c in claims()
    ],
)
def test_claim(claim_id: str) -> None:
    result = next(r for r in check_claims() if r.claim.id == claim_id)
    known = targets()
    unmeasured = [r.target.id for r in result.results if math.isnan(r.observed)]
    if unmeasured:  # a NaN fails its target, and must not pass for a known miss
        pytest.fail(f"{claim_id}: not measured (NaN): {', '.join(unmeasured)}")
    failing = {r.target.id for r in result.results if not r.passed}
    unexplained = failing - {t for t in failing if known[t].known_miss}
    if unexplained:  # pytest.fail, not assert: a new miss must not hide behind the claim's known ones
        pytest.fail(f"{claim_id}: targets fail without a known_miss: {', '.join(sorted(unexplained))}")
    misses = [
        f"{r.target.id}: {r.observed:.4g}, want {r.target.expected}" for r in result.results if not r.passed
    ]
    assert result.passed, f"{claim_id}: {'; '.join(misses) or result.claim.missing}"


def test_claims_cli_writes_strict_json_and_exits_1_while_one_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["claims", "--json"])
    rows = json.loads(
        capsys.readouterr().out, parse_constant=lambda token: pytest.fail(f"not strict JSON: {token}")
    )
    assert [r["claim"] for r in rows] == list(claims())
    assert stop.value.code == (0 if all(r["passed"] for r in rows) else 1)
    with pytest.raises(SystemExit):
        main(["claims"])
    text = capsys.readouterr().out
    missed = {c["target"] for r in rows for c in r["checks"] if not c["passed"]}
    assert ("why the model misses" in text) == bool(missed)
    assert all(f"- {t}: " in text for t in missed) and "not yet explained" not in text
    # each claim's measured values reach the table (a bracketed list once vanished as rich markup)
    assert text.count("(want") == sum(len(r["checks"]) for r in rows)  # one "(want ...)" per check


def test_a_ratio_criterion_reads_without_a_unit_of_one() -> None:
    known = targets()
    assert known["pstat5_s3c_r2"].expected == ">= 0.9"
    assert known["pstat5_ec50_10min"].expected == "100 pg/mL within x2"


def test_an_asserted_effect_is_not_met_by_no_effect() -> None:
    """``above`` and ``below`` are strict beyond solver noise: a ratio of exactly 1, or 1 within
    the solver's last digits, does not show that IL-7 raises or lowers anything."""
    from il7.claims import NOISE, Target

    raises = Target("r", "a rise", "1", "above", "test", "prediction", value=1.0)
    lowers = Target("l", "a fall", "1", "below", "test", "prediction", value=1.0)
    for no_effect in (1.0, 1.0 + NOISE / 10, 1.0 - NOISE / 10):
        assert not raises.passes(no_effect) and not lowers.passes(no_effect)
    assert raises.passes(1.01) and not raises.passes(0.99) and raises.passes(float("inf"))
    assert lowers.passes(0.99) and not lowers.passes(1.01) and not lowers.passes(float("inf"))
    assert (
        lowers.passes(float("-inf")) and not raises.passes(float("-inf")) and not raises.passes(float("nan"))
    )
    positive = Target("p", "any rise from 0", "1", "above", "test", "prediction", value=0.0)
    assert positive.passes(1e-9) and not positive.passes(0.0) and not positive.passes(-1e-9)
    assert (raises.expected, lowers.expected) == ("> 1", "< 1")


def test_every_target_says_what_the_models_value_owes_it() -> None:
    from il7.claims import BASES

    known = targets()
    assert {t.basis for t in known.values()} == set(BASES)
    # the half-lives are the Vrisekoop inputs; the Gonnord pSTAT5 curve is fitted
    assert known["halflife_naive_cd4"].basis == "input"
    assert known["pstat5_ec50_10min"].basis == "fitted"


def test_the_cd127_loss_is_maximal_where_95_percent_of_its_fall_is_made() -> None:
    import numpy as np

    from il7.claims.validate import cd127_maximal_loss_time

    # the lowest point of a floor that wobbles by a tenth of a percent read 13.5 h for a loss made by 2 h
    times = np.array([0.0, 1.0, 2.0, 3.0, 13.5, 48.0])
    surface = np.array([1.0, 0.2, 0.04, 0.004, 0.0025, 0.004])
    assert cd127_maximal_loss_time(times, surface) == 2.0
    # a loss still deepening is maximal where it ends
    assert cd127_maximal_loss_time(times, np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5])) == 48.0


def test_the_python_api_gives_what_the_commands_give() -> None:
    import il7

    named = il7.validate(["thymic_share_naive", "body_serum_il7"])
    frame = named.to_pandas()
    assert list(frame.index) == ["body_serum_il7", "thymic_share_naive"]  # the file's order
    assert list(frame.columns) == [
        "description", "expected", "model", "unit", "basis", "passed", "source", "known_miss",
    ]  # fmt: skip
    assert named.passed == bool(frame["passed"].all())
    assert [r.target.id for r in named.misses] == list(frame.index[~frame["passed"].astype(bool)])
    assert all(r.target.known_miss for r in named.misses)
    assert repr(named).startswith(f"Validation({int(frame['passed'].sum())} of 2 targets pass")
    assert [
        r.target.id for r in il7.validate(["thymic_share_naive", "body_serum_il7"], basis="fitted").results
    ] == ["body_serum_il7"]
    with pytest.raises(
        il7.Il7Error, match=r"basis \(--basis\) 'predicted' .* \(did you mean 'prediction'\?\)"
    ):
        il7.validate(basis="predicted")
    with pytest.raises(il7.Il7Error, match="unknown target 'nope'"):
        il7.validate("nope")
    for wrong, said in (
        ([], "no target named"),
        (5, "5 is not a target id"),
        ("prediction", r"'prediction' is a basis, not a target: give basis='prediction'"),
    ):
        with pytest.raises(il7.Il7Error, match=said):
            il7.validate(wrong)  # type: ignore[arg-type]
    with pytest.raises(il7.Il7Error, match=r"validate: jobs \(--jobs\) -1 must be a whole number"):
        il7.validate("body_serum_il7", jobs=-1)
    assert frame["model"].dtype == float  # a complete loss is inf, a number, not the JSON's text
    miss = named.misses[0]
    assert repr(miss) == (
        f"Result({miss.target.id} [{miss.target.basis}]: {miss.observed:.4g} (want {miss.target.expected}, MISS))"
    )
    # a complete loss is said in words, with the unit where there is one
    loss = Result(miss.target, math.inf)
    assert loss.shown() == "infinite (none left)" and "infinite (none left) (want" in repr(loss)

    checked = il7.check_claims()
    table = checked.to_pandas()
    assert list(table.index) == list(claims())
    assert checked.passed == bool(table["passed"].all())
    assert repr(checked).startswith(f"ClaimChecks({int(table['passed'].sum())} of {len(table)} claims pass (")
    # and how many of those pass on inputs alone: checks of what was written into the model
    alone = [c for c in checked.results if c.on_inputs_alone]
    assert alone and all(r.target.basis == "input" for c in alone for r in c.results)
    assert f"({len(alone)} of them on inputs alone" in repr(checked)
    assert [c.claim.id for c in checked.misses] == list(table.index[~table["passed"].astype(bool)])
    read = checked.targets().to_pandas()
    assert set(read.index) == {t for c in claims().values() for t in c.checks}
    first = read.index[0]
    assert read.loc[first, "model"] == il7.validate(first).to_pandas().loc[first, "model"]


def test_validate_takes_ids_separated_by_commas_as_the_command_line_does() -> None:
    from il7.claims.validate import require_targets

    assert require_targets("thymic_share_naive, survival_ec50") == ["thymic_share_naive", "survival_ec50"]
    assert require_targets(["thymic_share_naive,", "survival_ec50"]) == [
        "thymic_share_naive",
        "survival_ec50",
    ]
    with pytest.raises(Il7Error, match=r"unknown target 'foo'.*\(in Python: il7.claims.targets\(\)\)"):
        require_targets("thymic_share_naive,foo")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # PyYAML reads 5.0e6 (no sign) as text, which reached the comparison as a TypeError
        (
            {"check": "in_range", "range": ["5.0e6", 1e7]},
            r"low '5.0e6' is not a number \(YAML reads 5.0e6, .*5.0e\+6",
        ),
        ({"check": "at_least", "value": True}, r"value True is not a number$"),
        ({"check": "within_factor", "value": 2}, r"check 'within_factor' needs value and factor$"),
        ({"check": "in_range", "range": 5}, r"range 5 is not \[LOW, HIGH\]; give two numbers"),
        ({"check": "in_range"}, r"check 'in_range' needs low and high; give range: \[LOW, HIGH\]"),
    ],
)
def test_a_target_without_its_numbers_is_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, spec: dict[str, object], message: str
) -> None:
    import il7.claims

    entry = {"description": "d", "unit": "1", "source": "s", "basis": "input"} | spec
    monkeypatch.setattr(il7.claims, "_read_yaml", lambda name: {"t": entry})
    with pytest.raises(Il7Error, match=r"claims/targets.yaml t: " + message):
        targets.__wrapped__()
