"""Typed errors. Library code raises these; only the CLI turns them into exit codes.

Exit codes follow pySHACL: 0 success/conforms, 1 the data does not conform or has errors,
2 usage or runtime error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class TidError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code = 2


class ConfigError(TidError):
    """A bad option, source list entry or parameter."""


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and when known a row (1-based, header = row 1) and column."""

    file: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.row is not None:
            text += f", row {self.row}"
        if self.column:
            text += f", column {self.column!r}"
        return text


class SourceError(TidError):
    """An input file that cannot be read as its source says (encoding, syntax, missing column...)."""

    exit_code = 1

    def __init__(self, location: Location, message: str):
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # raised in a loading process, re-raised in the build's: pickled with its two arguments
        return (type(self), (self.location, self.message))


class ChecksumError(SourceError):
    """A file whose checksum differs from the one pinned in the source list."""


class DataError(TidError):
    """The data were read but are wrong: rejected rows, or a graph that does not conform."""

    exit_code = 1


class QueryError(TidError):
    """An unknown query name, a missing or malformed parameter."""


class DownloadError(SourceError):
    """A source that cannot be downloaded: no network, a server that fails or answers something else
    than the file. A runtime error (exit 2), not bad data: the same command may work later."""

    exit_code = 2


class UnreadableInputError(SourceError):
    """A file given to ``tid validate`` that cannot be parsed: a runtime error (exit 2), as in pySHACL."""

    exit_code = 2
