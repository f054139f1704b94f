"""Figures for the report: matplotlib without a display, embedded in the page as PNG."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")


def embed(fig: Any, alt: str, caption: str) -> str:
    """Close ``fig`` and return it as an HTML ``<figure>`` with the PNG inlined."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)  # at 90 the legends and the layer diagram were hard to read
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    said = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f"<figure><img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'/>{said}</figure>"
