"""Property tests: receptors are conserved in a closed system, and no species goes negative."""

import numpy as np
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

import il7
from il7 import experiments
from il7.build import parameters
from il7.errors import Il7Error, SolveError
from il7.scenario import load

# binding and recycling parameters drawn log-uniformly within the table's bounds
DRAWN = (
    "kon_IL7",
    "Kd_IL7Ra_unglyc",
    "glyco_affinity_gain",
    "K_pre",
    "k_gc_on",
    "k_gc_off",
    "k_pre_off",
    "k_rec",
    "Kd_IL4Ra",
    "Kd_IL2Rb",
    "k_gc_off_IL4",
    "k_gc_off_IL2",
    "IL7Ra_per_T",
    "gc_per_T",
    "IL4Ra_per_T",
)
# a closed well: nothing made or degraded; active complexes are endocytosed but never sorted, so
# every chain stays in one of its pools, the endosomal ones included
CLOSED = {"translation": 0, "k_int": 0, "k_deg_int": 0, "k_sort": 0, "k_turn_IL7Ra": 0}
TOTALS = {
    "IL-7": (
        "IL7_tissue",
        "IL7_IL7Ra_T",
        "IL7_IL7Ra_gc_T",
        "IL7_IL7Ra_int_T",
        "IL7R_endo_T",
        "IL7_sIL7R_tissue",
    ),
    "IL-7Ralpha": (
        "IL7Ra_T",
        "IL7Ra_gc_T",
        "IL7_IL7Ra_T",
        "IL7_IL7Ra_gc_T",
        "IL7Ra_int_T",
        "IL7_IL7Ra_int_T",
        "IL7R_endo_T",
        "IL7Ra_doomed_T",
    ),
    "gc": (
        "gc_T",
        "IL7Ra_gc_T",
        "IL7_IL7Ra_gc_T",
        "IL4_IL4Ra_gc_T",
        "IL2_IL2Rb_gc_T",
        "IL15_IL2Rb_gc_T",
        "gc_int_T",
        "IL7R_endo_T",
        "IL4R_endo_T",
        "IL2Rb_endo_T",
    ),
    "IL-4Ralpha": ("IL4Ra_T", "IL4_IL4Ra_T", "IL4_IL4Ra_gc_T", "IL4R_endo_T"),
    "IL-2Rbeta": (
        "IL2Rb_T",
        "IL2_IL2Rb_T",
        "IL2_IL2Rb_gc_T",
        "IL15_IL2Rb_T",
        "IL15_IL2Rb_gc_T",
        "IL2Rb_endo_T",
    ),
    # STAT5_T is N_T - pSTAT5_T: this total is the closed well's cells, and the check below that
    # STAT5_T stays non-negative is that pSTAT5_T never exceeds them
    "STAT5 (the cells)": ("STAT5_T", "pSTAT5_T"),
}
BOUNDS = {p.id: (p.lower, p.upper) for p in parameters()}


def scenario(species: tuple[str, ...]) -> il7.Scenario:
    doses = [
        {"drug": d, "amount": a, "unit": "ng/mL", "route": "medium"}
        for d, a in (("IL7", 10), ("IL4", 1), ("IL2", 1))
    ]
    return load(
        {
            "name": "closed well",
            "description": "binding only",
            "context": "culture_well",
            "time_unit": "h",
            "periods": [{"time": 0, "set": CLOSED, "dose": doses}],
            "readouts": list(species),
            "output": {"times": [0, 0.01, 0.1, 1, 6, 24]},
        }
    )


ALL = tuple(sorted({s for group in TOTALS.values() for s in group}))
SCENARIO = scenario(ALL)


@given(st.lists(st.floats(0.0, 1.0), min_size=len(DRAWN), max_size=len(DRAWN)))
def test_closed_system_conserves_receptors_and_stays_non_negative(u: list[float]) -> None:
    overrides = {}
    for key, x in zip(DRAWN, u, strict=True):
        lo, hi = BOUNDS[key]
        overrides[key] = float(10 ** (np.log10(lo) + x * (np.log10(hi) - np.log10(lo))))
    traj = il7.simulate(SCENARIO, overrides=overrides)
    for name, group in TOTALS.items():
        total = sum(traj[s] for s in group)
        assert np.all(np.abs(total - total[0]) <= 1e-6 * abs(total[0])), f"{name} total drifted: {total}"
    scale = max(abs(traj[s]).max() for s in ALL)
    for s in ALL:
        assert traj[s].min() >= -1e-9 * scale, f"{s} went negative: {traj[s].min():.3g}"


BOUNDED = tuple(
    p
    for p in parameters()
    if p.value is not None
    and p.lower is not None
    and p.upper is not None
    and 0 < p.lower < p.upper
    and p.id != "translation"
)


@given(st.lists(st.floats(0.0, 1.0), min_size=len(BOUNDED), max_size=len(BOUNDED)))
def test_body_reaches_steady_state_and_stays_non_negative_for_any_parameters_in_bounds(
    u: list[float],
) -> None:
    from il7.engine import engine

    overrides = {
        p.id: f"{10 ** (np.log10(p.lower) + x * (np.log10(p.upper) - np.log10(p.lower))):.6g} {p.unit}"
        for p, x in zip(BOUNDED, u, strict=True)
    }
    species = engine().species
    scenario = load(
        {
            "name": "bolus, all species",
            "description": "random parameters",
            "context": "human_body",
            "time_unit": "h",
            "periods": [
                {"time": "-inf"},
                {"time": 0, "dose": {"drug": "IL7", "amount": 10, "unit": "ug/kg", "route": "iv"}},
            ],
            "readouts": list(species),
            "output": {"times": [0, 1, 24, 96]},
        }
    )
    try:  # reaching the steady state: simulate raises SolveError where the pre-equilibration does not settle
        traj = il7.simulate(scenario, overrides=overrides)
    except Il7Error as exc:
        # il7 refuses, with a message, parameter sets for which no reference adult exists
        # (the T-cell thresholds are derived there); those are not valid bodies to test
        if "admit no reference adult" not in str(exc) or isinstance(exc, SolveError):
            raise
        reject()
    for sp in species:
        values = traj[sp]
        assert np.all(np.isfinite(values)), sp
        assert values.min() >= -1e-6, f"{sp} went negative: {values.min():.3g}"


@pytest.mark.parametrize("context", ["human_body", "mouse_body"])
def test_pstat5_anchor_is_the_reference_body_signal(context: str) -> None:
    """pSTAT5_ref (parameters.tsv; mouse: interventions.yaml) is the signal of the reference body.

    experiments.reference_signal replaces the dynamic T-cell pools by the same receptor
    equivalents held fixed (the body's other IL-7Ralpha-bearing cells stay) and lets the
    molecular layer settle; its pSTAT5 must equal the anchor the thresholds are derived from (to
    its written digits), or the body would not settle at its pools.
    """
    signal = experiments.reference_signal(context)
    anchor = {p.id: p.value for p in parameters()}["pSTAT5_ref"]
    if context == "mouse_body":
        from il7.scenario import vocabulary

        anchor = float(vocabulary()["contexts"]["mouse_body"]["set"]["pSTAT5_ref"])
    assert signal == pytest.approx(anchor, rel=1.5e-3)


MOUSE_OFFSET = (
    "the mouse settles off its reference pools by up to 0.2% (naive CD4 +0.20%, Treg +0.13%, memory "
    "CD4 +0.09%, naive CD8 +0.06%, memory CD8 -0.07%; so it did before the non-T consumers), probably "
    "because its thymus, which sustains the naive pools, sees the tissue's IL-7 on top of its own "
    "niche, which the derivation of the thymic influx (a half-occupied niche) leaves out"
)


def _settled_pools(context: str) -> tuple[dict[str, float], dict[str, float]]:
    """Each resting T-cell pool at the body's steady state, and its *_ref size."""
    from il7.scenario import vocabulary

    pools = ("Tn4", "Tm4", "Tn8", "Tm8", "Treg")
    scenario = load(
        {
            "name": "steady body",
            "description": "steady state",
            "context": context,
            "time_unit": "h",
            "periods": [{"time": "-inf"}],
            "readouts": list(pools),
            "output": {"times": [0, 1]},
        }
    )
    traj = il7.simulate(scenario)
    reference = {p.id: p.value for p in parameters()}
    if context == "mouse_body":
        setting = vocabulary()["contexts"]["mouse_body"]["set"]
        reference |= {f"{pool}_ref": float(str(setting[f"{pool}_ref"]).split()[0]) for pool in pools}
    return {pool: float(traj[pool][0]) for pool in pools}, {
        pool: float(reference[f"{pool}_ref"]) for pool in pools
    }


@pytest.mark.parametrize(
    "context",
    [
        "human_body",
        pytest.param(
            "mouse_body", marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=MOUSE_OFFSET)
        ),
    ],
)
def test_the_body_settles_at_its_reference_pools(context: str) -> None:
    """With the anchor as written, the dynamic body's steady state is the reference adult: every
    resting T-cell pool at its *_ref size (a check of the anchor that does not go through the
    function that computed it)."""
    settled, reference = _settled_pools(context)
    for pool, size in settled.items():
        assert size == pytest.approx(reference[pool], rel=1e-3), pool


def test_the_mouse_stays_within_its_known_offset() -> None:
    """The mouse's known offset (MOUSE_OFFSET, an expected failure at 1e-3) does not grow: every
    pool within 0.25% of its reference, a little above the largest offset it states (0.20%)."""
    settled, reference = _settled_pools("mouse_body")
    for pool, size in settled.items():
        assert size == pytest.approx(reference[pool], rel=2.5e-3), pool


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("transplant", -3.0),  # conditioning empties the pools
        ("transplant", 0.5),  # the graft's naive, memory and alloreactive cells arrive
        ("transplant", 30.0),  # regrowth: thymic export, division, conversion
        ("sportes_2008", 5.0),  # rhIL-7 drives division
        ("levy_2012", 10.0),  # the treated-HIV body's extra CD4 loss
    ],
)
def test_cells_carry_their_receptors_at_the_pools_own_rate(name: str, day: float) -> None:
    """dN_T_dt, the sum of every flux into and out of the T-cell pools that moves the receptor
    totals with the cells (tcells.ant), is the slope of N_T itself: a reaction added to a pool but
    not to that sum (as the graft's naive cells once were) shows here."""
    import dataclasses

    from il7.scenario import load

    step = 1e-3  # day
    s = dataclasses.replace(load(name), readouts=("N_T", "dN_T_dt"), times=(day - step, day, day + step))
    traj = il7.simulate(s)
    slope = (traj["N_T"][2] - traj["N_T"][0]) / (2 * step * 24.0)  # cells/h, the model's time unit
    assert traj["dN_T_dt"][1] == pytest.approx(slope, rel=1e-3)


TCR_STIMULATED = {
    "name": "tcr_stimulated",
    "description": "A strong polyclonal TCR stimulus from day 0 in the healthy adult.",
    "context": "human_body",
    "time_unit": "day",
    "periods": [{"time": "-inf"}, {"time": 0, "set": {"TCR_stimulus": 1}}],
    "readouts": ["T_cells_total", "Tact", "N_T", "dN_T_dt", "Tn4", "Tm4", "Tn8", "Tm8"],
    "output": {"times": [0, 0.999, 1, 1.001, 4]},
}


def test_tcr_activation_moves_resting_cells_and_makes_none() -> None:
    """Activated T cells come from the resting pools: the recruitment once made them from nothing
    (a review found the body's T cells 3.7-fold after two weeks of stimulus, the resting pools
    unmoved), and their receptors and IL-7 uptake with them."""
    kept = il7.simulate(load(TCR_STIMULATED), overrides={"d_act": "0 1/day"})  # effectors kept
    total, active = kept["T_cells_total"], kept["Tact"]
    resting = sum(kept[p] for p in ("Tn4", "Tm4", "Tn8", "Tm8"))
    assert (
        active[-1] > 0.4 * total[0] and resting[-1] < 0.25 * resting[0]
    )  # the resting pools empty into Tact
    assert total[-1] == pytest.approx(total[0], rel=0.01)  # moved, not made (the pools' own division: +0.5%)
    traj = il7.simulate(load(TCR_STIMULATED))
    total = traj["T_cells_total"]
    assert (
        total[-1] < total[0]
    )  # the effectors die at d_act; the resting pools' division cannot make up for it
    slope = (traj["N_T"][3] - traj["N_T"][1]) / (0.002 * 24.0)  # receptor equivalents per hour
    assert traj["dN_T_dt"][2] == pytest.approx(slope, rel=1e-3)  # each resting cell's receptors leave with it


def test_a_wells_t_cells_are_counted() -> None:
    """T_cells_total counts a well's fixed cells (it read 0 beside 1e6 cells in culture_dose)."""
    import dataclasses

    well = il7.simulate(dataclasses.replace(load("culture_dose"), readouts=("T_cells_total",)))
    assert well["T_cells_total"][0] == pytest.approx(1e6)
