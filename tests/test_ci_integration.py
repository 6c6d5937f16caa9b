"""The CI integration files shipped for other repositories stay runnable."""

from __future__ import annotations

import re

from tests.helpers import REPO


def test_pre_commit_hooks_call_tid_validate() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    ids = re.findall(r"^- id: (\S+)", text, re.M)
    assert ids == ["tid-validate", "tid-validate-csv"]
    entries = re.findall(r"^  entry: (.+)$", text, re.M)
    for entry in entries:
        assert entry.startswith("tid validate ")
        _check_options(entry)
    # the CSV hook is given every CSV of a repository: it checks only those whose header is a source's
    assert "--only-source-csv" in entries[1] and "--only-source-csv" not in entries[0]


def test_github_workflow_example_uses_valid_options() -> None:
    text = (REPO / "docs" / "ci" / "github-actions-validate.yml").read_text(encoding="utf-8")
    commands = re.findall(r"run: (tid validate .+)$", text, re.M)
    assert len(commands) == 2
    for command in commands:
        _check_options(command)


def _check_options(command: str) -> None:
    from tid.cli import parser

    words = [w for w in command.split()[1:] if "*" not in w]
    args = parser().parse_args(words)
    assert args.command == "validate"
