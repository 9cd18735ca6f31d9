"""The README documents what the code does: exit codes and the set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from fakes import load_script

from wirebrief.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_exactly_the_exit_codes_the_cli_uses():
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, flags=re.MULTILINE)}
    assert documented == set(EXIT_CODES)


def _readme_commands() -> list[str]:
    return load_script("readme_commands").readme_commands(README)


def test_readme_opens_with_the_two_set_up_commands():
    main_job, tests = _readme_commands()
    # Both are on the README's first lines, as a new user meets them.
    head = README.splitlines()[:10]
    assert main_job in head and tests in head
    for command in (main_job, tests):
        # --upgrade-deps: the pip a venv brings on Python 3.11 (23.2) cannot match jusText's
        # `lxml[html_clean]` to lxml's `html-clean` extra and warns on every install.
        assert command.startswith("python3 -m venv --upgrade-deps .venv && . .venv/bin/activate && pip install torch==2.13.0 -e ")
    assert "wirebrief brief examples/article-nl-2025-02.txt" in main_job
    assert tests.endswith("&& python -m pytest")


def test_ci_runs_the_readmes_commands_not_a_copy_of_them():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 scripts/readme_commands.py" in ci
    # No install or test command of its own that could drift from the README's, and no pip
    # upgrade: the pip that `python3 -m venv` brings is the one a new user has.
    assert "pip install" not in ci and "pytest" not in ci.replace("`browser`", "")
    assert "--upgrade" not in ci
