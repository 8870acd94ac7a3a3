"""The README is a user's guide (issue 21): its user part is short, and the stage commands it prints run as
written in the checkout with .venv activated (dry runs here: the commands' targets, rules and options exist).
The "Your screen" block is run for real by tests/test_workflow_readme.py."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

README = (REPO / "README.md").read_text()


def section(heading: str) -> str:
    return README.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_users_part_of_the_readme_is_at_most_300_lines():
    user_part = README.split("\n## Tests\n", 1)[0]  # Tests and Layout follow, for developers
    assert len(user_part.splitlines()) <= 300
    for moved in ("docs/performance.md", "docs/evaluation.md", "docs/scale.md", "docs/bad_inputs.md"):
        assert moved in user_part and (REPO / moved).is_file(), moved
    assert "../shared" not in user_part  # folders a user does not have


def stage_commands() -> list[str]:
    found = re.findall(r"`(snakemake [^`]*)`", section("## Stages and named targets"))
    # --report needs a finished run, --unlock a locked one: the others are planned
    return [c for c in found if "--report" not in c and "--unlock" not in c]


def test_the_stage_section_prints_commands():
    assert len(stage_commands()) >= 5


@pytest.mark.slow
@pytest.mark.parametrize("command", stage_commands())
def test_stage_command_runs_as_written_in_the_checkout(command):
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "snakemake").is_file():
        pytest.skip(f"no snakemake beside {sys.executable} (the README's commands use the activated .venv)")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([*shlex.split(command), "-n", "--quiet"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, (command, proc.stderr[-2000:])
