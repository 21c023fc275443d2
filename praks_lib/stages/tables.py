"""How a notebook shows a table: readable at a laptop's width, in JupyterLab and in a saved notebook.

pandas' own HTML, in JupyterLab's stylesheet, right-aligns every cell, sets every column side by
side (the answer scrolls off to the right) and shows an empty table as a bare header row. Here a
table function marks its frame with a :class:`Layout` — key columns first, long ones folded into
each row's details, the words an empty table stands for — and the notebook's HTML formatter
(registered by :func:`praks_lib.stages.start`) draws it: left-aligned, as wide as the notebook and
no wider, long text wrapped between words. Only inline styles that JupyterLab keeps in an
untrusted notebook are used, so a freshly cloned notebook reads the same as one just run.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

LAYOUT = "praks_layout"  # the key of a frame's Layout in DataFrame.attrs

# Above this many characters side by side a table no longer fits JupyterLab's notebook next to an
# open file browser at 1366 px (about 930 px at 13 px type); it is then fixed to the notebook's width.
FITS_CHARACTERS = 110
WIDEST_COLUMN = 48  # characters a column may claim before its text wraps
LONGEST_WORD = 26  # a word longer than this (an FQDN, a resource id) may break
BREAKABLE = 20  # a word longer than this may break after a dot, slash or dash rather than anywhere

_CELL = "text-align:left;vertical-align:top;white-space:normal;overflow-wrap:break-word;padding:4px 8px"
_HEAD = _CELL + ";font-weight:bold;border-bottom:1px solid #9AA5B1"
_ROW_RULE = ";border-bottom:1px solid #E4E7EB"
_MUTED = "color:#52606D;font-size:90%"
# Values that carry a verdict, coloured the same everywhere (Okabe–Ito, as the diagrams).
_STATUS = {
    "PASS": "background-color:#DDF2EA;color:#00593F;font-weight:bold",
    "FAIL": "background-color:#FBE3D6;color:#8A3300;font-weight:bold",
    "error": "color:#B34700;font-weight:bold", "warning": "color:#8A5A00;font-weight:bold",
    "info": "color:#005A8C", "Allow": "color:#00593F;font-weight:bold", "Deny": "color:#B34700;font-weight:bold",
    "created": "color:#00593F", "updated": "color:#8A5A00", "unchanged": "color:#52606D",
}
_HIGHLIGHT = "background-color:#FFF4D6"


@dataclass(frozen=True)
class Layout:
    """How one table reads: which columns lead, which fold away, what an empty table means."""

    first: tuple[str, ...] = ()  # these columns first, in this order; the others follow
    folded: tuple[str, ...] = ()  # shown inside each row's "details" (long evidence, explanations)
    empty: str = "no rows"  # what the table says when it has none
    status: tuple[str, ...] = ()  # columns whose values are verdicts (PASS/FAIL, error/warning, Allow/Deny)
    beneath: tuple[tuple[str, str], ...] = ()  # (column, a column shown small under it)
    highlight: tuple[str, str] | None = None  # (column, value): rows to draw attention to
    summary: str = "details"  # the header of the column of each row's details
    collapsed: str = ""  # when set, the whole table folds behind these words (a long reference table)
    caption: str = ""  # a line above the table saying how to read it


def laid_out(frame: pd.DataFrame, **layout: Any) -> pd.DataFrame:
    """The frame, marked with how a notebook should show it (see Layout)."""
    if isinstance(layout.get("beneath"), dict):
        layout["beneath"] = tuple(layout["beneath"].items())
    frame.attrs[LAYOUT] = Layout(**{k: tuple(v) if isinstance(v, list) else v for k, v in layout.items()})
    return frame


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _cell(value: Any) -> str:
    """The value's text, escaped; a long name (an FQDN, a URL) may break after its dots and slashes."""
    words = []
    for word in html.escape(_text(value)).split(" "):
        if len(word) > BREAKABLE:
            word = "".join(f"{char}<wbr>" if char in "./-" else char for char in word)
        words.append(word)
    return " ".join(words).replace("\n", "<br>")


def _columns(frame: pd.DataFrame, layout: Layout) -> tuple[list[str], list[str]]:
    """(shown side by side, folded): key columns first; a column with no value in any row is left out."""
    used = [c for c in frame.columns if frame[c].map(_text).str.len().gt(0).any()]
    beneath = {under for _, under in layout.beneath}
    folded = [c for c in layout.folded if c in used]
    shown = [c for c in layout.first if c in used] + [c for c in used if c not in layout.first]
    return [c for c in shown if c not in folded and c not in beneath], folded


def _widths(frame: pd.DataFrame, columns: list[str]) -> list[tuple[int, int]]:
    """(narrowest, widest) characters of each column: its longest word, and its longest line (capped)."""
    widths = []
    for column in columns:
        lines = [line for value in frame[column] for line in _text(value).splitlines()] + [str(column)]
        words = [word for line in lines for word in line.split()]
        narrowest = min(LONGEST_WORD, max(3, *(len(word) for word in words))) + 1  # + 1: bold headers
        widths.append((narrowest, max(narrowest, min(WIDEST_COLUMN, max(len(line) for line in lines)))))
    return widths


def _shares(widths: list[tuple[int, int]]) -> list[float] | None:
    """Each column's share of a table fixed to the notebook's width, or None when it fits as it is.

    Every column keeps room for its longest word (up to LONGEST_WORD), so words do not break; the
    space left is shared in proportion to how much wider each column would like to be.
    """
    narrowest, widest = sum(n for n, _ in widths), sum(w for _, w in widths)
    if widest + 2 * len(widths) <= FITS_CHARACTERS:
        return None
    spare = max(0, FITS_CHARACTERS - 2 * len(widths) - narrowest)
    grow = spare / (widest - narrowest) if widest > narrowest else 0
    sizes = [n + (w - n) * min(1.0, grow) for n, w in widths]
    return [size / sum(sizes) for size in sizes]


def to_html(frame: pd.DataFrame) -> str:
    """The frame as a table that fits the notebook (the notebook's text/html for a DataFrame)."""
    layout = frame.attrs.get(LAYOUT) or Layout()
    if frame.empty:
        return f'<p style="{_MUTED};font-style:italic">{html.escape(layout.empty)}</p>'
    index = any(name is not None for name in frame.index.names)  # a named index (property, check) is data
    data = frame.reset_index() if index else frame
    shown, folded = _columns(data, layout)
    if index:  # the index (a property, a parameter, a check) always leads
        keys = [n for n in frame.index.names if n in data.columns]
        shown = keys + [c for c in shown if c not in keys]
    toggle = max(len(layout.summary), 6) + 3
    shares = _shares(_widths(data, shown) + ([(toggle, toggle)] if folded else []))
    table_style = "border-collapse:collapse;margin-left:0;margin-right:auto" + (
        "" if shares is None else ";width:100%;table-layout:fixed")
    names = shown + ([layout.summary] if folded else [])
    header = [f'<th style="{_HEAD}{"" if shares is None else f";width:{100 * share:.1f}%"}">'
              f"{html.escape(str(name))}</th>" for name, share in zip(names, shares or [0] * len(names))]
    beneath, rows = dict(layout.beneath), []
    for _, row in data.iterrows():
        marked = layout.highlight is not None and _text(row.get(layout.highlight[0])) == layout.highlight[1]
        row_style = _ROW_RULE + (f";{_HIGHLIGHT}" if marked else "")
        cells = []
        for column in shown:
            value = _cell(row[column])
            if column in beneath and _text(row[beneath[column]]):
                value += f'<br><span style="{_MUTED}">{_cell(row[beneath[column]])}</span>'
            status = _STATUS.get(_text(row[column]), "") if column in layout.status else ""
            cells.append(f'<td style="{_CELL}{row_style};{status}">{value}</td>')
        if folded:
            lines = "".join(f'<div><span style="{_MUTED}">{html.escape(str(c))}:</span> {_cell(row[c])}</div>'
                            for c in folded if _text(row[c]))
            body = f"<details><summary>show</summary>{lines}</details>" if lines else ""
            cells.append(f'<td style="{_CELL}{row_style}">{body}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = (f'<table style="{table_style}"><thead><tr>{"".join(header)}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>')
    if layout.caption:
        table = f'<p style="{_MUTED};margin:0 0 4px 0">{html.escape(layout.caption)}</p>{table}'
    if layout.collapsed:
        return f"<details><summary>{html.escape(layout.collapsed)}</summary>{table}</details>"
    return table


def to_text(frame: pd.DataFrame, printer, cycle: bool) -> None:
    """IPython's text/plain for a frame: pandas' own, or the Layout's words for an empty table."""
    layout = frame.attrs.get(LAYOUT) or Layout()
    printer.text(layout.empty if frame.empty else repr(frame))
