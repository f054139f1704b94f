"""Figures and tables for the report: matplotlib without a display, embedded in the page as PNG,
and pandas tables as HTML."""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")


def verdict(target_id: str) -> str:
    """'passes' or 'misses': how a caption says a literature target's verdict, taken from
    :func:`il7.claims.validate.measured`, so that the report and ``il7 validate`` judge the same
    value the same way."""
    from il7.claims.validate import measured

    return "passes" if measured(target_id).passed else "misses"


def embed(fig: Any, alt: str, caption: str) -> str:
    """Close ``fig`` and return it as an HTML ``<figure>`` with the PNG inlined."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # at 90 dpi the legends and the layer diagram were hard to read; "tight" keeps the legends
    # under the panels, which the constrained layout cut off, and the long axis labels whole
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    said = f"<figcaption>{_linked(html.escape(caption))}</figcaption>" if caption else ""
    return f"<figure><img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'/>{said}</figure>"


_DATA_FILE = re.compile(r"(?<![\w/.-])([\w-]+\.csv)(?![\w-]|\.\w)")
"""A CSV named bare in a caption: a file of the report's folder (a path, il7/data/..., is not)."""


def link(name: str) -> str:
    """A file of the report's folder, as a link (the CSVs and archives lie beside index.html)."""
    return f"<a href='{html.escape(name)}'>{html.escape(name)}</a>"


def _linked(text: str) -> str:
    """``text`` (HTML) with each CSV it names bare made a link to that file beside the page: the
    captions named about 20 files as plain text."""
    return _DATA_FILE.sub(r"<a href='\1'>\1</a>", text)


def table(frame: Any, *, css: str = "", digits: int = 4) -> str:
    """``frame`` (a pandas DataFrame) as an HTML table, a named index as its first column: pandas
    writes an index's name on a header row of its own, which read as an empty row above the table."""
    import pandas as pd

    shown = frame.reset_index() if frame.index.name is not None else frame
    labelled = not isinstance(shown.index, pd.RangeIndex)  # row labels without a name: kept
    return str(
        shown.to_html(
            classes=css, border=0, index=labelled, float_format=lambda v: f"{v:.{digits}g}", na_rep=""
        )
    )
