"""Samples of everything today's code writes (tests/schemas/samples.py), made once."""


import pytest

from tests.schemas.samples import Samples, write_samples


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    return write_samples(tmp_path_factory.mktemp("schema-samples"))
