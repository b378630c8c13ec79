"""The write token: missing (401) vs wrong (403), constant-time check, never shown."""

from __future__ import annotations

import pytest

from medkg.writes import AuthError, WriteToken, check_bearer, token_from

SECRET = "s3cret-token-for-tests-0123456789"


def test_no_token_configured_means_writes_off() -> None:
    assert token_from(None, {}) is None


def test_token_from_env_and_option() -> None:
    assert token_from(None, {"MEDKG_WRITE_TOKEN": SECRET}) == WriteToken("curator", SECRET)
    assert token_from("alice:" + SECRET, {"MEDKG_WRITE_TOKEN": "other-secret-0123456789"}) == WriteToken("alice", SECRET)


def test_short_token_refused() -> None:
    with pytest.raises(ValueError):
        token_from("short", {})


def test_secret_never_in_repr() -> None:
    token = WriteToken("alice", SECRET)
    assert SECRET not in repr(token) and SECRET not in str(token)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic " + SECRET, SECRET])
def test_missing_token_is_401(header: str | None) -> None:
    with pytest.raises(AuthError) as caught:
        check_bearer(header, WriteToken("alice", SECRET))
    assert caught.value.status == 401


@pytest.mark.parametrize("presented", ["not-the-token-4242", SECRET[:-1], SECRET + "x", SECRET.upper()])
def test_wrong_token_is_403(presented: str) -> None:
    with pytest.raises(AuthError) as caught:
        check_bearer("Bearer " + presented, WriteToken("alice", SECRET))
    assert caught.value.status == 403
    assert presented not in str(caught.value)


def test_right_token_gives_its_name() -> None:
    assert check_bearer("Bearer " + SECRET, WriteToken("alice", SECRET)) == "alice"
    assert check_bearer("bearer  " + SECRET + " ", WriteToken("alice", SECRET)) == "alice"
