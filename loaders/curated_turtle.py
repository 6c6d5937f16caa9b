"""Curated facts: hand-written Turtle under version control, one file per source document.

Each file in ``curated/`` holds what one document states (a seed document, the data sources'
documentation), so that the named graph it is loaded into names the document that supports
every one of its statements. Parsed with Oxigraph; a syntax error names line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

from tid.errors import Location, SourceError
from tid.loaders.base import LoadContext, read_text

VERSION = "1"


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    text = read_text(path)
    try:
        quads = list(parse(text, format=RdfFormat.TURTLE, base_iri=ctx.minter.base))
    except SyntaxError as exc:
        position = getattr(exc, "lineno", None)
        raise SourceError(Location(str(path), position), f"invalid Turtle: {exc}") from None
    ctx.report.rows_read = len(quads)
    for quad in quads:
        yield quad.triple
