"""A scenario's run beside your measurements: what il7 predicts where you measured.

:func:`compare` reads measurements (a file, a DataFrame or :class:`~il7.measurements.Measurement`
objects, as :func:`il7.petab_export.write_scenario` takes them), runs the scenario with the
measured readouts added and the measured times among its output times, so that each measurement
meets the model at its own time (not between two grid times; one at a dose's time meets the level
just before the dose, as a sample taken then is a trough), and returns a :class:`Comparison`:
a table of each measurement beside the model, a summary per readout, and the run's figure with
the measurements drawn on it. ``il7 simulate --data FILE`` prints and plots the same.

Nothing is fitted: to estimate parameters from the measurements, ``il7 export petab`` writes
them as a calibration problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from il7.errors import Il7Error, warn
from il7.measurements import Measurement, dose_arms, given_measurements, in_scenario
from il7.scenario import Scenario, load, same_time
from il7.trajectory import Trajectory, fit_y_axis, legend_below

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BEFORE_DOSE = 1e-6
"""How far before a dose (the scenario's time unit) a measurement at the dose's time is read."""

SLIP = 100.0
"""A readout whose model is this many times its measurements (or as many times less) is said to
be off by more than biology: a unit slip (ng/mL read as pg/mL, 1e9/L as cells/uL)?"""


@dataclass(frozen=True, eq=False)
class Comparison:
    """A run and the measurements it is compared with.

    Attributes
    ----------
    trajectory
        The run: the scenario's readouts and the measured ones, at its output times and the
        measured times.
    measurements
        The measurements, each time in the scenario's time unit.
    model
        The model's value of each measurement's readout at its time (the readout's unit).
    """

    trajectory: Trajectory
    measurements: tuple[Measurement, ...]
    model: np.ndarray

    def to_pandas(self) -> pd.DataFrame:
        """One row per measurement, in the data's order: readout, unit, time, measured, sigma
        (NaN where none was given), model, and model / measured (NaN where either is not
        positive: a ratio of a fraction that falls to 0 says nothing)."""
        measured = np.array([m.value for m in self.measurements], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where((measured > 0) & (self.model > 0), self.model / measured, np.nan)
        return pd.DataFrame(
            {
                "readout": [m.readout for m in self.measurements],
                "unit": [self.trajectory.unit_of(m.readout) for m in self.measurements],
                f"time [{self.trajectory.time_unit}]": [m.time for m in self.measurements],
                "measured": measured,
                "sigma": [np.nan if m.sigma is None else m.sigma for m in self.measurements],
                "model": self.model,
                "model/measured": ratio,
            }
        )

    def summary(self) -> pd.DataFrame:
        """One row per measured readout: how many measurements, how many of them have a ratio (a
        measured 0 has none), the geometric mean of model / measured with its lowest and highest
        (NaN where no ratio is defined), and, where sigmas
        were given, the root mean square of (model - measured) / sigma (about 1 when the model
        lies within the noise)."""
        table = self.to_pandas()
        rows = []
        for readout, group in table.groupby("readout", sort=False):
            ratios = group["model/measured"].dropna()
            scaled = ((group["model"] - group["measured"]) / group["sigma"]).dropna()
            rows.append(
                {
                    "readout": readout,
                    "unit": group["unit"].iloc[0],
                    "n": len(group),
                    "n with a ratio": len(ratios),
                    "model/measured (geometric mean)": float(np.exp(np.log(ratios).mean()))
                    if len(ratios)
                    else np.nan,
                    "lowest": float(ratios.min()) if len(ratios) else np.nan,
                    "highest": float(ratios.max()) if len(ratios) else np.nan,
                    "rms (model - measured) / sigma": float(np.sqrt(np.mean(scaled**2)))
                    if len(scaled)
                    else np.nan,
                }
            )
        return pd.DataFrame(rows).set_index("readout")

    def figure(self) -> Figure:
        """The run's figure (:meth:`Trajectory.figure`: a panel per unit) with each measurement
        drawn as a point, in its readout's colour, with its sigma as an error bar where given."""
        fig = self.trajectory.figure()
        units = list(dict.fromkeys(self.trajectory.units))
        table = self.to_pandas()
        time = table.columns[2]
        for ax, unit in zip(fig.axes, units, strict=False):
            colours = {str(line.get_label()).split(" [")[0]: line.get_color() for line in ax.get_lines()}
            shown = table[table["unit"] == unit]
            for readout, group in shown.groupby("readout", sort=False):
                ax.errorbar(
                    group[time],
                    group["measured"],
                    yerr=None if group["sigma"].isna().all() else group["sigma"].fillna(0.0),
                    fmt="o",
                    markersize=4 if len(group) <= 50 else 2,
                    alpha=1.0 if len(group) <= 50 else 0.4,  # many points: the line stays visible
                    zorder=1,  # under the model's lines
                    color=colours.get(str(readout)),
                    label=f"{readout}: measured",
                )
            if len(shown):
                # the run's panel was fitted to its lines alone (drawn flat, or logarithmic):
                # fit it again to lines and points, so that no point lies outside it
                ax.set_yscale("linear")
                ax.set_autoscaley_on(True)
                ax.relim()
                ax.autoscale_view()
                lines = np.concatenate([self.trajectory[c] for c in colours if c in self.trajectory])
                fit_y_axis(ax, np.concatenate([lines, shown["measured"].to_numpy()]))
                legend_below(ax)
        return fig

    def __repr__(self) -> str:
        """One line: the scenario, how many measurements of which readouts."""
        readouts = list(dict.fromkeys(m.readout for m in self.measurements))
        return f"Comparison(scenario={self.trajectory.scenario!r}, {len(self.measurements)} measurements of {readouts})"


def compare(
    scenario: Scenario | str,
    data: str | Path | pd.DataFrame | Iterable[Measurement],
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Comparison:
    """Run ``scenario`` (with ``overrides``, as :func:`il7.simulate`) and set its readouts beside
    the measurements in ``data``.

    Parameters
    ----------
    scenario
        A :class:`~il7.scenario.Scenario`, a built-in name, or a path to a YAML file.
    data
        A measurement file (.csv or .tsv: readout, time [UNIT], measurement, optionally sigma and
        unit; see :func:`~il7.measurements.read_measurements`), a DataFrame with those columns,
        or the measurements themselves.
    overrides
        Parameter values set before the scenario's steady state, as in :func:`il7.simulate`.

    Raises
    ------
    Il7Error
        Bad data (naming the file and line), a measurement outside the scenario's run, bad
        overrides; a run that fails to solve (:class:`~il7.errors.SolveError`).

    Rows that name their dose arm (a ``dose`` column) run the scenario at that dose
    (:meth:`~il7.scenario.Scenario.with_dose`); rows of two arms are refused (``il7 export petab``
    takes them). A measurement at a dose's time is read just before the dose (a trough). What the run says to
    distrust is in ``comparison.trajectory.notes`` (:func:`il7.compare` issues it as
    :class:`~il7.errors.Il7Warning`); a measured readout that is 0 all through the run, or that the
    model puts :data:`SLIP` times off its measurements, is warned of here.
    """
    from il7.simulate import simulate

    chosen = load(scenario)
    given = given_measurements(data, chosen.time_unit)
    arms, given = dose_arms(chosen, given)
    if len(arms) > 1:
        first = next(m for m in given if m.dose != given[0].dose)
        raise Il7Error(
            f"{first.at}the measurements name {len(arms)} dose arms ({', '.join(arms)}), and a comparison is "
            "one run: keep one arm's rows (it then runs at that dose), or write every arm as a condition of "
            "a PEtab problem with il7 export petab --scenario ... --data FILE (in Python: il7.export_petab(folder, "
            "scenario=..., data=...))"
        )
    if arms:  # the arm the rows name: the run gives every bolus that amount
        chosen = next(iter(arms.values()))
    measurements = in_scenario(given, chosen, at_dose="before")
    doses = [d.time for d in chosen.boluses]
    reads = [
        m.time - BEFORE_DOSE if any(same_time(m.time, d) for d in doses) else m.time for m in measurements
    ]
    run = chosen.with_readouts([m.readout for m in measurements], add=True)
    # with_times keeps the run's start; a read just before a first dose starts it that much earlier
    start = run.times[0]
    run = run.with_times([t for t in reads if t >= start] or [start])
    run = dataclasses.replace(run, times=tuple(sorted({*run.times, *(t for t in reads if t < start)})))
    trajectory = simulate(run, overrides=overrides)
    times = trajectory.time
    model = np.array(
        [
            trajectory[m.readout][int(np.argmin(np.abs(times - t)))]
            for m, t in zip(measurements, reads, strict=True)
        ],
        dtype=float,
    )
    comparison = Comparison(trajectory, tuple(measurements), model)
    _say_what_looks_wrong(comparison, chosen)
    return comparison


def _say_what_looks_wrong(comparison: Comparison, scenario: Scenario) -> None:
    """Warn (:class:`~il7.errors.Il7Warning`) of a measured readout that is 0 all through the
    run (nothing in the scenario's context makes it: blood counts in a culture well), and of one
    whose model is :data:`SLIP` times its measurements or less than a hundredth of them."""
    summary = comparison.summary()
    zero = comparison.trajectory.zero_throughout()
    for readout, row in summary.iterrows():
        measured = [m.value for m in comparison.measurements if m.readout == readout]
        if readout in zero and any(measured):
            warn(
                f"{readout} is 0 all through {scenario.name} (nothing in its context, {scenario.context}, "
                "makes it), so the measurements meet nothing; check the readout (il7 readouts)"
            )
            continue
        ratio = row["model/measured (geometric mean)"]
        if np.isfinite(ratio) and not 1 / SLIP <= ratio <= SLIP:
            warn(
                f"the model's {readout} is {ratio:.3g} times your measurements (geometric mean): a unit "
                f"slip (il7 reads {readout} in {row['unit']}), or the model far off"
            )
