"""A Secret never renders its value, whichever way it is printed."""

import logging
import pickle

import pytest

from adapters.common.secret import Secret
from adapters.okx.credentials import OkxCredentials

VALUE = "sup3r-s3cret-value"


def test_no_rendering_of_a_secret_shows_its_value() -> None:
    secret = Secret(VALUE)
    # every formatting route on purpose, old ones included
    old_style = ["%s" % secret, "%r" % (secret,), "{}".format(secret)]  # noqa: UP031, UP032
    renderings = [str(secret), repr(secret), f"{secret}", f"{secret!r}", f"{secret:>40}",
                  str([secret]), str({"k": secret}), *old_style]
    assert all(VALUE not in text for text in renderings)
    assert secret.reveal() == VALUE


def test_credentials_repr_hides_all_three_values() -> None:
    creds = OkxCredentials(api_key="key-value-1", secret="secret-value-2",
                           passphrase="pass-value-3")
    text = repr(creds) + str(creds)
    for value in creds.values():
        assert value not in text


def test_a_logged_secret_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("okx-test").info("creds %s %r", Secret(VALUE), Secret(VALUE))
    assert VALUE not in caplog.text
    assert "[redacted]" in caplog.text


def test_a_secret_refuses_to_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(VALUE))


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        Secret("")


def test_secrets_compare_by_value() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
