"""A diagram of the model's layers, drawn from the Antimony sources themselves."""

from __future__ import annotations

import re
import textwrap
from importlib import resources

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from il7.build import LAYERS
from il7.report.figures import embed

_REACTION = re.compile(r"^\s*(J_\w+)\s*:", re.MULTILINE)
_SPECIES = re.compile(r"^\s*(?:substanceOnly\s+)?species\s+(\w+)", re.MULTILINE)
_RULE = re.compile(r"^\s*\w+\s*:=", re.MULTILINE)
_TITLE = re.compile(r"^// Layer \d+ - ([^:]+):", re.MULTILINE)


def layer_summary() -> list[tuple[str, str, int, int, int]]:
    """``(file, title, species, reactions, rules)`` for each layer, in reading order."""
    out = []
    for name in LAYERS:
        text = resources.files("il7.model").joinpath(name).read_text(encoding="utf-8")
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
    """The layers as boxes from source to readout, with their species and reaction counts."""
    layers = layer_summary()
    fig, ax = plt.subplots(figsize=(1.45 * len(layers), 2.6), layout="constrained")
    width, gap = 1.0, 0.35
    for i, (name, title, species, reactions, rules) in enumerate(layers):
        x = i * (width + gap)
        ax.add_patch(FancyBboxPatch((x, 0), width, 1, boxstyle="round,pad=0.03", fc="#e8f0fa", ec="#36c"))
        ax.text(
            x + width / 2, 0.7, textwrap.fill(title, 14), ha="center", va="center", fontsize=8, weight="bold"
        )
        ax.text(
            x + width / 2,
            0.3,
            f"{name}\n{species} species, {reactions} reactions,\n{rules} formulas",
            ha="center",
            va="center",
            fontsize=6.5,
        )
        if i:
            ax.annotate(
                "",
                xy=(x - 0.03, 0.5),
                xytext=(x - gap + 0.03, 0.5),
                arrowprops={"arrowstyle": "->", "color": "#36c"},
            )
    ax.set_xlim(-0.1, len(layers) * (width + gap) - gap + 0.1)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    return embed(
        fig,
        "model layers",
        "The model's layers in reading order (src/il7/model/*.ant), counted from the sources.",
    )
