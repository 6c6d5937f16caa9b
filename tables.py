"""Query results as a person reads them on a terminal (``tid query --format table``).

A wide result is not wrapped into a soup of folded columns. Instead, within the terminal's width
(``COLUMNS`` when set), one line per row:

* IRIs are written short: ``org:Membership`` for a vocabulary of :data:`tid.namespaces.PREFIXES`,
  ``id/commune/64430`` for a thing of the release's base; the abbreviations used are stated under
  the table; numbers are right-aligned;
* when the columns do not fit, a column with the same value in every row (the territory asked
  about, the date) is said once above the table; then an IRI beside its label (``site`` and
  ``siteLabel``) is left out; then the widest columns are cut first, each to the same width, with
  an ellipsis: a text loses its end, an IRI its middle (its kind and its code stay);
* when even that leaves a column too narrow to read (many columns on a narrow terminal), each row
  is written as a block of ``column  value`` lines instead, as ``psql``'s expanded mode does.

The line under the table says what was left out or cut. ``--format csv`` and ``--format json``
give every cell whole: they are for programs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tid.namespaces import DEFAULT_BASE, PREFIXES

LABEL_SUFFIXES = ("label", "titre", "nom", "title", "name")
"""How the queries name a thing's label beside its IRI: ``site`` and ``siteLabel``."""

MIN_WIDTH = 12
"""The narrowest a cut column may be: below it, rows are written as blocks."""

NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
"""Line breaks, tabs and other control characters: one space in a cell (one line per row)."""


@dataclass(frozen=True)
class Cell:
    text: str
    iri: bool = False
    """An IRI is cut in its middle (its start says what kind of thing, its end which one); a text
    at its end."""

    def fit(self, width: int) -> str:
        if cell_len(self.text) <= width:
            return self.text
        if not self.iri or width < 5:
            return _head(self.text, width - 1) + "…"
        tail = _head(self.text[::-1], (width - 1) // 2)[::-1]
        return _head(self.text, width - 1 - cell_len(tail)) + "…" + tail


def _head(text: str, width: int) -> str:
    """The longest start of ``text`` that takes at most ``width`` cells."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return text[:index]
    return text


@dataclass
class Shortener:
    """Writes IRIs short and remembers which abbreviations it used, to state them under the table."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        self.used: dict[str, str] = {}
        # The release's things (``{base}id/…``) and the graphs (``{base}graph/…``), then the
        # vocabularies; the longest namespace that matches wins.
        self.namespaces = sorted(
            [(f"{segment}/", self.base + f"{segment}/") for segment in ("id", "graph")]
            + [(f"{prefix}:", namespace) for prefix, namespace in PREFIXES.items()],
            key=lambda pair: len(pair[1]), reverse=True)

    def iri(self, iri: str) -> str:
        for short, namespace in self.namespaces:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                self.used[short] = namespace
                return short + iri[len(namespace):]
        return iri

    def cell(self, term: object) -> Cell:
        if term is None:
            return Cell("")
        if isinstance(term, NamedNode):
            return Cell(self.iri(term.value), iri=True)
        if isinstance(term, BlankNode):
            return Cell(f"_:{term.value}", iri=True)
        text = term.value if isinstance(term, Literal) else str(term)
        return Cell(CONTROL.sub(" ", text))


def column_widths(natural: Sequence[int], available: int) -> list[int] | None:
    """Each column's width for ``available`` cells of content: its natural width when all fit;
    else the widest cut down to one common width (the largest that fits), never below
    :data:`MIN_WIDTH` (or the natural width, when smaller). ``None`` when even that does not fit."""
    if sum(natural) <= available:
        return list(natural)
    floor = [min(width, MIN_WIDTH) for width in natural]
    if sum(floor) > available:
        return None
    low, high = MIN_WIDTH, max(natural)  # the widest common cap that fits: low fits, high does not
    while high - low > 1:
        middle = (low + high) // 2
        if sum(min(width, middle) for width in natural) <= available:
            low = middle
        else:
            high = middle
    widths = [min(width, low) for width in natural]
    spare = available - sum(widths)
    for index in sorted(range(len(natural)), key=lambda i: natural[i] - widths[i], reverse=True):
        give = min(spare, natural[index] - widths[index])  # leftover cells to the most cut columns
        widths[index] += give
        spare -= give
    return widths


def print_table(console: Console, variables: Sequence[str], terms: Sequence[Sequence[object]],
                base: str = DEFAULT_BASE) -> None:
    """Print ``terms`` (rows of pyoxigraph terms, ``None`` for an unbound variable) for a person,
    within ``console.width`` columns, then the row count and the abbreviations used."""
    shortener = Shortener(base)
    names = list(variables)
    rows = [[shortener.cell(term) for term in row] for row in terms]
    notes = [f"{len(rows)} row(s)"]
    partial = False
    if not fits(console, names, rows) and len(rows) > 1:
        # A column with the same value in every row (the territory asked about, the date…) is
        # said once, above the table, rather than repeated at the cost of the columns that vary.
        same = [i for i in range(len(names)) if len({row[i].text for row in rows}) == 1]
        if same and len(same) < len(names):
            label = min(max(cell_len(names[i]) for i in same), console.width // 3)
            for i in same:
                value = rows[0][i].fit(console.width - label - 2) if rows[0][i].text else "(empty in every row)"
                console.print(Text(Cell(names[i]).fit(label).ljust(label) + "  " + value), soft_wrap=True)
            console.print()
            names, rows = _without(names, rows, same)
            notes.append(f"the {len(same)} column(s) above have the same value in every row")
    if not fits(console, names, rows):
        # A thing's IRI beside its label (``site`` and ``siteLabel``): a person reads the label.
        lower = {name.lower() for name in names}
        labelled = [i for i, name in enumerate(names)
                    if any(name.lower() + suffix in lower for suffix in LABEL_SUFFIXES)
                    and all(row[i].iri or not row[i].text for row in rows)]
        if labelled:
            notes.append(f"not shown: {', '.join(names[i] for i in labelled)} (the IRIs of the labels shown)")
            partial = True
            names, rows = _without(names, rows, labelled)
    if print_columns(console, names, rows) if names else False:
        notes.append("… marks a cut cell")
        partial = True
    console.print(Text("; ".join(notes) + "." + (" --format csv or json gives every cell whole." if partial else "")))
    for short, namespace in sorted(shortener.used.items()):
        console.print(Text(f"{short} = {namespace}"), soft_wrap=True)


def _without(names: Sequence[str], rows: Sequence[Sequence[Cell]],
             drop: Sequence[int]) -> tuple[list[str], list[list[Cell]]]:
    return ([name for i, name in enumerate(names) if i not in drop],
            [[cell for i, cell in enumerate(row) if i not in drop] for row in rows])


# No edges; one cell of padding either side of each column separator, which is a space:
# 3 cells between two columns.
def _room(console: Console, columns: int) -> int:
    return console.width - 3 * (columns - 1)


def _natural(names: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[int]:
    return [max([cell_len(name), *(cell_len(row[i].text) for row in rows)]) for i, name in enumerate(names)]


def fits(console: Console, names: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bool:
    return sum(_natural(names, rows)) <= _room(console, len(names))


def print_columns(console: Console, names: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bool:
    """A table of ``rows`` within the console's width, or one block per row when the columns do not
    fit even cut (:func:`print_blocks`). Whether a cell was cut."""
    natural = _natural(names, rows)
    widths = column_widths(natural, _room(console, len(names)))
    if widths is None:
        return print_blocks(console, names, rows)
    numeric = [bool(rows) and all(not row[i].text or NUMBER.match(row[i].text) for row in rows)
               for i in range(len(names))]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, width, number in zip(names, widths, numeric, strict=True):
        table.add_column(Text(Cell(name).fit(width)), width=width, no_wrap=True, justify="right" if number else "left")
    for row in rows:
        table.add_row(*(Text(cell.fit(width)) for cell, width in zip(row, widths, strict=True)))
    console.print(table)
    return widths != natural


def print_blocks(console: Console, variables: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bool:
    """Each row as a block of ``name  value`` lines: for results with more columns than fit.
    Whether a value was cut."""
    label = min(max(cell_len(name) for name in variables), console.width // 3)
    room = max(console.width - label - 2, MIN_WIDTH)
    cut = False
    for number, row in enumerate(rows, start=1):
        console.print(Text(f"-[ row {number} ]".ljust(min(console.width, 40), "-")), soft_wrap=True)
        for name, cell in zip(variables, row, strict=True):
            value = cell.fit(room)
            cut = cut or value != cell.text
            console.print(Text(Cell(name).fit(label).ljust(label) + "  " + value), soft_wrap=True)
    return cut
