"""The README documents what the code does: exit codes and the set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from wirebrief.errors import EXIT_CODES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_exactly_the_exit_codes_the_cli_uses():
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, flags=re.MULTILINE)}
    assert documented == set(EXIT_CODES)


def test_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "python -m pytest" in README.splitlines()[7]
    assert "pip install torch==2.13.0 -e '.[test]'" in README and "torch==2.13.0 -e '.[test]'" in ci
    assert ci.rstrip().endswith("python -m pytest")
