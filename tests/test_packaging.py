"""The wheel carries the package data: every query (the federation examples the README tells
users to run included), the ontology, the shapes, the curated files and the endpoint's pages,
as ``pyproject.toml`` lists them (setuptools ships only the folders and patterns listed)."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest

from tests.helpers import REPO

DATA_FOLDERS = ("queries", "ontology", "shapes", "curated", "endpoint/templates", "endpoint/static")
CODE_FOLDERS = (".", "graph", "loaders", "endpoint")


def _setuptools() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _package(relative_dir: str) -> str:
    return "tid" if relative_dir in ("", ".") else "tid." + relative_dir.replace("/", ".")


@pytest.mark.parametrize("folder", DATA_FOLDERS)
def test_every_data_file_is_shipped(folder: str) -> None:
    config = _setuptools()
    packages, data = set(config["packages"]), config["package-data"]
    missing = []
    for path in sorted((REPO / folder).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        package = _package(path.parent.relative_to(REPO).as_posix())
        if package not in packages or not any(fnmatch.fnmatch(path.name, pattern) for pattern in data.get(package, ())):
            missing.append(path.relative_to(REPO).as_posix())
    assert not missing, f"not in the wheel (pyproject.toml [tool.setuptools] packages / package-data): {missing}"


def test_every_python_package_is_listed() -> None:
    packages = set(_setuptools()["packages"])
    for folder in CODE_FOLDERS:
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO).as_posix()
            if relative.split("/", 1)[0] in ("tests", "bench", ".venv", "build", "var"):
                continue
            assert _package(relative) in packages, relative
    assert "tid.queries.federation" in packages
