"""Shared pytest fixtures. Plain helpers (paths, Snakemake runner, demo configs) are in helpers.py."""

from pathlib import Path

import pytest

from helpers import shared_fixtures  # also puts the in-workflow package on sys.path


@pytest.fixture
def fixtures_dir() -> Path:
    return shared_fixtures()
