"""The ``TID_*`` environment variables the commands read, and where releases live by default.

The endpoint's own settings (``TID_QUERY_TIMEOUT``…) are the fields of
:class:`tid.endpoint.settings.Settings`; the variables below are read by the commands
(``tid build``, ``tid fetch``, ``tid push``, ``tid serve``). Any other ``TID_*`` variable is a
typo the endpoint reports when it starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tid.errors import ConfigError

PREFIX = "TID_"
DEFAULT_DATA_DIR = "var"
"""Where the releases live when neither ``--data-dir`` nor ``TID_DATA_DIR`` says (relative to the
working directory)."""

COMMAND_VARIABLES: dict[str, str] = {
    "MIRROR": "the local mirror of the source files (tid build, tid fetch)",
    "DATA_DIR": f"where the releases live (every command; default ./{DEFAULT_DATA_DIR})",
    "BASE": "the canonical IRI base of a build",
    "CONTACT_EMAIL": "the catalogue's contact address (tid build)",
}
"""Variables without the prefix, with what they set."""


def data_dir_path(given: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``given`` (``--data-dir``), else ``TID_DATA_DIR``, else ``./var``; absolute."""
    path = Path(given or os.environ.get(PREFIX + "DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--data-dir / TID_DATA_DIR: {path} is not a directory; give the directory where the "
                          "releases live (created by `tid build`)")
    return path


def prefixed(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``TID_*`` variables of ``environ`` (the process's by default), without the prefix."""
    environ = os.environ if environ is None else environ
    return {key[len(PREFIX):]: value for key, value in environ.items() if key.startswith(PREFIX)}


def mirror_path(value: str | None) -> Path | None:
    """The mirror directory given (``--mirror``), else ``TID_MIRROR``; None when neither says."""
    value = value or os.environ.get(PREFIX + "MIRROR")
    if not value:
        return None
    path = Path(value).resolve()
    if not path.is_dir():
        raise ConfigError(f"--mirror / TID_MIRROR: {value!r} is not a directory")
    return path
