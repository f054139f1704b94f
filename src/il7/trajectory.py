"""Trajectory: a simulation's readouts over time, with units; tables, files and plots."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from il7 import build
from il7.errors import Il7Error, did_you_mean
from il7.files import writing

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


LOG_SPAN = 1e2
"""How many-fold a panel's values must span for :meth:`Trajectory.figure` to draw it on a log axis
(at 1e3, serum IL-7 rising 190-fold under an anti-IL-7Ralpha antibody was drawn linear, its
baseline flat on zero, and a tumour growing 600-fold hid its start)."""

PANEL_SPAN = 10.0
"""How many-fold one readout may peak above another of the same unit and still share a linear
panel with it in :meth:`Trajectory.figure`; past that the smaller gets a panel of its own."""

SMALL_CHANGE = 0.02
"""A change of positive values below this fraction of their largest is drawn on an axis from zero
by :func:`fit_y_axis`, not stretched to fill the panel."""

LINE_STYLES = ("-", "--", ":", "-.")
"""The line styles of a panel's readouts, in turn with the colours, so that two readouts with the
same values stay apart (a mouse's T cells and mature B cells, once both about 7.4e7, drew one line)."""

FLAT = 1e-6
"""A readout that changes by less than this fraction of its size over a run is flat:
:meth:`Trajectory.summary` gives it no time of its peak or dip, and a panel draws it flat. Steady
states hold far closer (baseline's readouts move by about 1e-14), and a small real response keeps
its peak and dip in the summary: Treg in sereti_2009 move by 4.7e-6, the IL-7 they answer (0
without the dose); a panel draws changes below :data:`SMALL_CHANGE` from zero, so it shows them
as the small changes they are."""


def flat(values: Any) -> bool:
    """Whether ``values`` (a readout over a run; NaN ignored) change by no more than :data:`FLAT`
    of their size: a steady state, or no response."""
    y = np.asarray(values, dtype=float)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return True
    high, low = float(y.max()), float(y.min())
    return not high - low > FLAT * max(abs(high), abs(low))


PANELS_PER_ROW = 4
"""Panels side by side in :meth:`Trajectory.figure`; more units start another row (nine units in
one row made a figure 38 inches wide)."""

LOG_DECADES = 6
"""How many decades below its highest value a logarithmic panel reaches: IL-7 used up in a well
fell to 1e-24 pg/mL, far below one molecule, where the solver's small steps drew kinks (at 9,
surface CD127 without synthesis was drawn down to 1e-4 molecules per cell)."""


def read_only(array: np.ndarray, dtype: Any = float) -> np.ndarray:
    """A read-only copy of ``array`` (floats, or ``dtype``), for a frozen result: the caller's
    array stays theirs to change, and ``traj["CD4_blood"] /= ...`` no longer edits a run under its
    own unit."""
    frozen = np.array(array, dtype=dtype, copy=True)
    frozen.setflags(write=False)
    return frozen


FILE_SUFFIXES = (".csv", ".parquet")
"""The file types :meth:`Trajectory.write` writes, chosen by the file name's suffix."""


@dataclass(frozen=True, eq=False)  # two runs are compared by their numbers (np.array_equal), not ==
class Trajectory:
    """Readouts of one simulation.

    Attributes
    ----------
    scenario
        Name of the scenario that produced it, with the overrides of the run if any
        (``'baseline with age=60 years'``; a bare number is in the parameter's table unit).
    time_unit
        Unit of the time column (``min``, ``h``, ``day`` or ``week``).
    columns
        Readout ids, in order.
    units
        Unit label of each readout (e.g. ``pg/mL``, ``molecules/cell``).
    data
        Array of shape ``(n_times, 1 + len(columns))``; column 0 is time. At an output time
        where the run changed something (a dose, a setting), the readouts just after the change.
    notes
        What in the run to distrust, one sentence each (a value set outside its bounds, a cell
        population that ends beyond what a body holds); empty for a run within them.
    before_changes
        The readouts just before each such change after the first output time, rows as in
        ``data`` (shape ``(k, 1 + len(columns))``, each at one of its output times); none when
        ``None`` is given. :meth:`summary`'s area under the curve ends each interval at a change
        on them.
    """

    scenario: str
    time_unit: str
    columns: tuple[str, ...]
    units: tuple[str, ...]
    data: np.ndarray
    notes: tuple[str, ...] = ()
    before_changes: np.ndarray | None = None

    def __post_init__(self) -> None:
        where = f"trajectory of '{self.scenario}'"
        try:
            data = read_only(self.data)  # frozen through
        except (TypeError, ValueError):  # a string among the numbers, ragged rows
            raise Il7Error(f"{where}: data must be numbers (an array of floats)") from None
        width = 1 + len(self.columns)
        if data.ndim != 2 or data.shape[1] != width:
            # a 1-D array failed inside numpy; extra columns were taken without a word
            raise Il7Error(
                f"{where}: data must have shape (times, {width}): time, then one column per readout "
                f"({len(self.columns)} named), not {data.shape}"
            )
        if len(self.units) != len(self.columns):
            raise Il7Error(
                f"{where}: give one unit per readout: {len(self.columns)} readouts, {len(self.units)} units"
            )
        object.__setattr__(self, "data", data)
        try:
            before = read_only(np.empty((0, width)) if self.before_changes is None else self.before_changes)
        except (TypeError, ValueError):
            before = np.empty(0)  # refused below, in before_changes' own words
        if (
            before.ndim != 2
            or before.shape[1] != self.data.shape[1]
            or not np.isin(before[:, 0], self.time[1:]).all()
        ):
            raise Il7Error(
                f"{where}: before_changes must hold rows like data's, each at one of its output times "
                "after the first"
            )
        object.__setattr__(self, "before_changes", before)

    def __repr__(self) -> str:
        """One line, not the whole array (a notebook cell printed thousands of numbers)."""
        times = self.time
        span = f"{times[0]:g} to {times[-1]:g} {self.time_unit}" if len(times) else "no times"
        notes = f", {len(self.notes)} notes" if self.notes else ""
        return (
            f"Trajectory(scenario={self.scenario!r}, {len(times)} times from {span}, "
            f"readouts={list(self.columns)}{notes})"
        )

    @property
    def time(self) -> np.ndarray:
        """Output times, in :attr:`time_unit`."""
        return self.data[:, 0]

    def __contains__(self, readout: object) -> bool:
        """Whether the trajectory has this readout (``"IL7_serum" in traj``)."""
        return readout in self.columns

    def __iter__(self) -> Iterator[str]:
        """The readout names, as a mapping's keys."""
        return iter(self.columns)

    def __getitem__(self, readout: str) -> np.ndarray:
        """Values of one readout over time: a bare array in the readout's unit (``units``), one
        per output time (:attr:`time`); an :class:`Il7Error` for a readout the run lacks."""
        if not isinstance(readout, str):
            example = f"traj['{self.columns[0]}']" if self.columns else "a readout name"
            raise Il7Error(
                f"trajectory of '{self.scenario}' is indexed by readout name, not by a "
                f"{type(readout).__name__}; use {example} or traj.time"
            )
        try:
            return self.data[:, 1 + self.columns.index(readout)]
        except ValueError:
            raise Il7Error(
                f"trajectory of '{self.scenario}' has no readout '{readout}'"
                f"{did_you_mean(readout, self.columns)}; it has: {', '.join(self.columns)}"
            ) from None

    def unit_of(self, readout: str) -> str:
        """Unit label of one readout."""
        self[readout]
        return self.units[self.columns.index(readout)]

    def zero_throughout(self) -> tuple[str, ...]:
        """The readouts that are 0 at every output time: nothing in the run's context makes them
        (blood counts in a culture well), or the run leaves none (a knockout's pre-B cells)."""
        return tuple(c for c in self.columns if not np.any(self[c]))

    def steady(self) -> bool:
        """Whether no readout moves over the run (:func:`flat`): a steady state held throughout."""
        return all(flat(self[c]) for c in self.columns)

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame indexed by time; column names carry units, e.g. ``IL7_serum [pg/mL]``."""
        frame = pd.DataFrame(
            self.data[:, 1:].copy(),  # the user's to edit; the run stays as it was
            columns=[f"{c} [{u}]" for c, u in zip(self.columns, self.units, strict=True)],
        )
        frame.index = pd.Index(self.time, name=f"time [{self.time_unit}]")
        return frame

    def summary(self) -> pd.DataFrame:
        """Each readout's course in one row: its unit, first value (at the first output time, after
        a change made then, such as a dose at time 0) and last, lowest and highest with their times
        (``max`` at ``t_max``: Cmax and Tmax for a concentration; ``t_min`` and ``t_max`` are NaN
        for a readout that changes by less than :data:`FLAT` of its size, which has neither), and
        its area under the curve over the output times (``auc``, trapezoids, in ``auc_unit``: the
        readout's unit x the time unit; an interval that ends at a dose or other change ends on
        the level just before it, :attr:`before_changes`). As exact as the output grid:
        ``il7 simulate --step`` makes it finer.
        """
        time = self.time
        before = self.before_changes
        assert before is not None  # (__post_init__ fills it)
        at_row = {t: i for i, t in enumerate(time)}  # the output times, exactly: each change is at one
        ends = np.array([at_row[t] for t in before[:, 0]], dtype=int)
        rows = []
        for j, (readout, unit) in enumerate(zip(self.columns, self.units, strict=True), start=1):
            y = self[readout]
            end = y[1:].copy()  # each interval's last level
            end[ends - 1] = before[:, j]
            # a run holds no NaN; a Trajectory built by hand may, and then its NaN dates nothing
            top, bottom = (int(np.nanargmax(y)), int(np.nanargmin(y))) if np.isfinite(y).any() else (0, 0)
            still = flat(y)  # no peak, no dip
            rows.append(
                {
                    "readout": readout,
                    "unit": unit,
                    "first": y[0],
                    "min": y[bottom],
                    "t_min": math.nan if still else time[bottom],
                    "max": y[top],
                    "t_max": math.nan if still else time[top],
                    "last": y[-1],
                    "auc": float(np.sum((end + y[:-1]) / 2.0 * np.diff(time))),  # trapezoids
                    "auc_unit": f"{unit}*{self.time_unit}" if unit != "1" else self.time_unit,
                }
            )
        return pd.DataFrame(rows).set_index("readout")

    def write(self, path: str | Path) -> Path:
        """Write the trajectory to ``.csv`` or ``.parquet`` (chosen by the file's suffix).

        Returns
        -------
        pathlib.Path
            The path written.
        """
        if not isinstance(path, str | Path) or not str(path).strip():
            raise Il7Error(f"cannot write to {path!r}: give a file name ending in .csv or .parquet")
        path = Path(path).expanduser()
        if path.suffix.lower() not in FILE_SUFFIXES:
            raise Il7Error(f"cannot write '{path}': use a .csv or .parquet file name")
        frame = self.to_pandas()
        with writing(path) as partial:
            if path.suffix.lower() == ".csv":
                frame.to_csv(partial)
            else:
                frame.to_parquet(partial)
        return path

    def plot(
        self, ax: Axes | None = None, readouts: tuple[str, ...] | None = None, *, label: str | None = None
    ) -> Axes:
        """Plot readouts over time on ``ax`` (a new figure if ``None``) and return the axes.

        Pass ``readouts`` to choose which to draw; readouts of different units share the axis
        (labelled "value (see legend)"; :meth:`figure` gives each unit its own panel). Each line
        is labelled by its readout and unit, after ``label`` if given: to compare runs on one
        axes, draw each with its own (``traj.plot(ax, ("CD4_blood",), label="30 ug/kg")``); onto
        given axes without one, the scenario's name is the label.
        """
        import matplotlib.pyplot as plt
        from matplotlib.axes import Axes as _Axes

        if ax is not None and not isinstance(ax, _Axes):  # a file name, as il7 simulate --plot takes
            raise Il7Error(
                f"plot draws on matplotlib axes (ax), not on {type(ax).__name__} {ax!r}; to write a "
                "picture, traj.figure().savefig(path)"
            )
        chosen = self.columns
        if readouts is not None:  # as with_readouts reads them; 5 ended in TypeError
            chosen = tuple(
                build.split_ids(readouts, where="plot: readouts", kind="readout", example="CD4_blood")
            )
            if not chosen:  # [] plotted every readout
                raise Il7Error("plot: readouts is empty; name at least one, or leave it out for all")
        fresh = ax is None
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        prefix = label if label is not None else (None if fresh else self.scenario)
        for k, readout in enumerate(chosen):
            said = f"{readout} [{self.unit_of(readout)}]"
            style = LINE_STYLES[k % len(LINE_STYLES)]
            ax.plot(self.time, self[readout], style, label=f"{prefix}: {said}" if prefix else said)
        ax.set_xlabel(f"time ({self.time_unit})")
        units = {self.unit_of(r) for r in chosen}
        shown = units.pop() if len(units) == 1 else "value (see legend)"
        ax.set_ylabel("dimensionless (1)" if shown == "1" else shown)
        if fresh:
            ax.set_title(self.scenario)
        ax.legend(fontsize="small")
        return ax

    def figure(self) -> Figure:
        """A figure with one panel per unit (at most :data:`PANELS_PER_ROW` a row), so that readouts
        of different scales stay readable.

        Used by ``il7 simulate --plot`` and the report; the panels come in the order the
        readouts' units first appear, and readouts of one unit that differ by more than
        :data:`PANEL_SPAN` on a linear axis take panels of their own (:meth:`_by_size`). A panel
        whose values are all positive and span more than
        :data:`LOG_SPAN` (blasts growing from 1e6 to 1e10 cells) has a logarithmic axis, down to
        :data:`LOG_DECADES` decades below its highest value; one whose values change by less than
        :data:`FLAT` of their size is drawn flat, not as solver noise stretched to fill it, and one
        of positive values that change by less than :data:`SMALL_CHANGE` is drawn from zero.
        """
        import matplotlib.pyplot as plt
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        panels = self.panels()
        columns = min(len(panels), PANELS_PER_ROW)
        rows = math.ceil(len(panels) / columns)
        fig, axes = plt.subplots(
            rows,
            columns,
            figsize=(4.2 * columns, 3.2 * rows),
            layout=ConstrainedLayoutEngine(wspace=0.06),  # a y label clear of the panel before it
            squeeze=False,
        )
        for ax in axes.flat[len(panels) :]:  # the last row's empty places
            fig.delaxes(ax)
        for ax, chosen in zip(axes.flat, panels, strict=False):
            self.plot(ax=ax, readouts=chosen, label="")  # the scenario's name is the figure's title
            fit_y_axis(ax, np.concatenate([self[c] for c in chosen]))
            legend_below(ax)
            if len(chosen) == 1:  # what the panel reads, above it as well as in the legend below
                ax.set_title(chosen[0], fontsize=9)
        fig.suptitle(self.scenario)
        return fig

    def panels(self) -> list[tuple[str, ...]]:
        """The readouts of each panel :meth:`figure` draws, in its order: a panel per unit, the
        readouts of one unit that differ too much in size apart (:meth:`_by_size`)."""
        return [
            group
            for unit in dict.fromkeys(self.units)
            for group in self._by_size(
                tuple(c for c, u in zip(self.columns, self.units, strict=True) if u == unit)
            )
        ]

    def _by_size(self, chosen: tuple[str, ...]) -> list[tuple[str, ...]]:
        """``chosen`` (readouts of one unit) as the panels :meth:`figure` draws them: one, unless
        the panel would be linear (:func:`fit_y_axis`: a value at or below 0, or positive values
        within :data:`LOG_SPAN` of each other) and the largest readout peaks more than
        :data:`PANEL_SPAN` times above another, which would then lie flat near zero (pSTAT6 at
        1e-4 beside pSTAT5 at 0.9, free serum IL-7 at 0.23 pg/mL beside the total at 5.3, Treg at
        60 beside CD4 at 733 cells/uL): those go to panels of their own size, largest first. A
        readout that is 0 throughout joins the smallest panel, where it lies at zero anyway."""
        values = np.concatenate([self[c] for c in chosen])
        if log_scaled(values[np.isfinite(values)]):
            return [chosen]  # a log axis shows them all
        peaks = {c: float(np.nanmax(np.abs(self[c]))) for c in chosen}
        groups: list[list[str]] = []
        for readout in sorted((c for c in chosen if peaks[c] > 0), key=lambda c: -peaks[c]):
            if groups and peaks[readout] * PANEL_SPAN >= peaks[groups[-1][0]]:
                groups[-1].append(readout)
            else:
                groups.append([readout])
        zeros = [c for c in chosen if not peaks[c] > 0]
        if zeros:
            groups = [*groups[:-1], [*groups[-1], *zeros]] if groups else [zeros]
        order = {c: k for k, c in enumerate(chosen)}  # within a panel, the readouts' own order
        return [tuple(sorted(group, key=order.__getitem__)) for group in groups]


def legend_below(ax: Any) -> None:
    """Put the panel's legend under it, where no line or point can lie (inside, matplotlib's
    best place still covered sportes_2008's whole CD4 rise, which fills its panel)."""
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.3), frameon=False)


def log_scaled(values: np.ndarray) -> bool:
    """Whether finite ``values`` go on a logarithmic axis: all positive, spanning more than
    :data:`LOG_SPAN` (:func:`fit_y_axis`; :meth:`Trajectory.figure` keeps such readouts in one panel)."""
    return bool(values.size and np.all(values > 0) and values.max() > LOG_SPAN * values.min())


def fit_y_axis(ax: Any, values: np.ndarray) -> None:
    """Scale a panel's y axis to ``values``: logarithmic where positive values span more than
    :data:`LOG_SPAN` (down to :data:`LOG_DECADES` decades below the highest); otherwise linear
    without an offset; a panel whose values change by less than :data:`FLAT` of their size is
    drawn flat (+-5%), not as solver noise stretched to fill it, and one of positive values that
    change by less than :data:`SMALL_CHANGE` of their size is drawn from zero, so that a small
    drift reads as small (sil7r_culture's CD127, 0.3% over the run, filled its panel as a fall)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    if log_scaled(values):
        ax.set_yscale("log")
        floor = values.max() * 10.0**-LOG_DECADES
        if values.min() < floor:
            ax.set_ylim(bottom=floor)
        return
    ax.ticklabel_format(axis="y", useOffset=False)
    middle, spread = float(np.median(values)), float(np.ptp(values))
    if spread > 0 and flat(values):
        ax.set_ylim(middle - 0.05 * abs(middle), middle + 0.05 * abs(middle))
    elif np.all(values > 0) and spread <= SMALL_CHANGE * values.max():
        ax.set_ylim(0.0, 1.1 * values.max())
