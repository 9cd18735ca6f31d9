"""Print the README's two set-up commands, one per line: the main job, then the tests.

They are the commands of the README's first ``sh`` block that are not comments. `.ci/run`
runs exactly these, so CI cannot drift from what a new user types; tests/test_readme.py
keeps the block in the shape this reader expects.
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands(text: str) -> list[str]:
    """The non-comment lines of the first ```sh block of `text`."""
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def main() -> int:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    if len(commands) != 2:
        print(f"readme_commands: expected 2 commands in the README's first sh block, found {len(commands)}", file=sys.stderr)
        return 1
    print("\n".join(commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
