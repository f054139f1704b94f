"""A diagram of the model's layers, drawn from the Antimony sources themselves."""

from __future__ import annotations

import re
import textwrap

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from il7 import build
from il7.build import LAYERS
from il7.report.figures import embed

_REACTION = re.compile(r"^\s*(J_\w+)\s*:", re.MULTILINE)
_SPECIES = re.compile(r"^\s*(?:substanceOnly\s+)?species\s+(\w+)", re.MULTILINE)
_RULE = re.compile(r"^\s*\w+\s*:=", re.MULTILINE)
_TITLE = re.compile(r"^// Layer \d+ - ([^:]+):", re.MULTILINE)
PER_ROW = 6
"""Layers per row of the diagram."""


def layer_summary() -> list[tuple[str, str, int, int, int]]:
    """``(file, title, species, reactions, rules)`` for each layer, in reading order."""
    out = []
    for name in LAYERS:
        text = build.model_file(name)
        title = _TITLE.search(text)
        out.append(
            (
                name,
                title.group(1) if title else name,
                len(_SPECIES.findall(text)),
                len(_REACTION.findall(text)),
                len(_RULE.findall(text)),
            )
        )
    return out


def layer_diagram() -> str:
    """The layers as boxes from source to readout, with their species and reaction counts, in
    rows of :data:`PER_ROW` (one row of twelve shrank its text to about 5 px on the page)."""
    layers = layer_summary()
    rows = -(-len(layers) // PER_ROW)
    fig, ax = plt.subplots(figsize=(1.6 * PER_ROW, 1.75 * rows), layout="constrained")
    width, gap, height, step = 1.0, 0.35, 1.0, 1.4
    for i, (name, title, species, reactions, rules) in enumerate(layers):
        x, y = (i % PER_ROW) * (width + gap), -(i // PER_ROW) * step
        ax.add_patch(
            FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.03", fc="#e8f0fa", ec="#36c")
        )
        ax.text(
            x + width / 2,
            y + 0.72,
            textwrap.fill(title, 14),
            ha="center",
            va="center",
            fontsize=9,
            weight="bold",
        )
        ax.text(
            x + width / 2,
            y + 0.3,
            f"{name}\n{species} species,\n{reactions} reactions,\n{rules} formulas",
            ha="center",
            va="center",
            fontsize=7.5,
        )
        if i % PER_ROW:
            ax.annotate(
                "",
                xy=(x - 0.03, y + 0.5),
                xytext=(x - gap + 0.03, y + 0.5),
                arrowprops={"arrowstyle": "->", "color": "#36c"},
            )
    ax.set_xlim(-0.1, PER_ROW * (width + gap) - gap + 0.1)
    ax.set_ylim(-(rows - 1) * step - 0.1, height + 0.1)
    ax.axis("off")
    return embed(
        fig,
        "model layers",
        "The model's layers in reading order (src/il7/model/*.ant), left to right and row by row, counted "
        "from the sources.",
    )
