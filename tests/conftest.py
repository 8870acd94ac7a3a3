"""Shared test setup: make the in-workflow package importable and locate the shared fixtures."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

# Real AlphaFold outputs with reference values live beside the checkout (../shared/fixtures), never in it.
FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES} (they live beside the checkout in ../shared)")
    return FIXTURES
