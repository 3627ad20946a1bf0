"""Shared pytest configuration."""

import os
from collections.abc import Iterator

import pytest


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022 umask, so a test of owner-only modes proves the code narrowed them."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)
