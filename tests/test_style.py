"""Style: snakefmt formatting, ruff on the Python code and Snakemake's linter, as CI checks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, run_snakemake

SNAKEFMT = Path(sys.executable).with_name("snakefmt")
RUFF = Path(sys.executable).with_name("ruff")


def test_snakefmt_check_is_clean():
    exe = str(SNAKEFMT) if SNAKEFMT.is_file() else shutil.which("snakefmt")
    if exe is None:
        pytest.skip("snakefmt not installed (pip install --group test)")
    proc = subprocess.run([exe, "--check", "Snakefile", "workflow/rules"], cwd=REPO, capture_output=True,
                          text=True)
    assert proc.returncode == 0, f"snakefmt would reformat:\n{proc.stdout}{proc.stderr}"


def test_ruff_check_is_clean():
    """pyproject.toml [tool.ruff]: line length 120, pycodestyle, pyflakes and import order."""
    exe = str(RUFF) if RUFF.is_file() else shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff not installed (pip install --group test)")
    proc = subprocess.run([exe, "check", "--output-format", "concise", "workflow", "tests"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"ruff check:\n{proc.stdout}{proc.stderr}"


def test_snakemake_lint_is_clean():
    proc = run_snakemake("--lint")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr
