"""Shared pytest fixtures. Plain helpers (paths, Snakemake runner, demo configs) are in helpers.py."""

from pathlib import Path

import pytest

from helpers import FIXTURES  # also puts the in-workflow package on sys.path


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES} (they live beside the checkout in ../shared)")
    return FIXTURES
