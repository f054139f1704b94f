"""Shared test settings."""

import pytest
from hypothesis import settings

settings.register_profile("il7", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("il7")


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables print on 80 columns, a terminal's, whatever the machine running the tests sets:
    captured output is no terminal, and the CLI would otherwise widen it to a file's 160."""
    monkeypatch.setenv("COLUMNS", "80")
