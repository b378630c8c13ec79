"""Logins for a remote store (medkg.store.remote_auth) and the endpoints derived from a query URL."""

from __future__ import annotations

import pytest

from medkg.store.remote import endpoints
from medkg.store.remote_auth import Challenge, Credentials, credentials_from_env

# RFC 7616 section 3.9.1: the worked example, with its expected responses for MD5 and SHA-256.
_RFC_CHALLENGE = ('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={alg}, '
                  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
                  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
_RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
MUFASA = Credentials("Mufasa", "Circle of Life")


@pytest.mark.parametrize(("algorithm", "response"), [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_digest_answers_rfc_7616s_example(algorithm: str, response: str) -> None:
    challenge = Challenge.parse(_RFC_CHALLENGE.format(alg=algorithm))
    assert challenge is not None and challenge.qop and challenge.realm == "http-auth@example.org"
    header = challenge.answer(MUFASA, "GET", "http://www.example.org/dir/index.html", cnonce=_RFC_CNONCE)
    assert header.startswith("Digest ")
    assert f'response="{response}"' in header
    assert 'uri="/dir/index.html"' in header and "nc=00000001" in header and 'username="Mufasa"' in header
    assert 'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"' in header
    second = challenge.answer(MUFASA, "GET", "http://www.example.org/dir/index.html", cnonce=_RFC_CNONCE)
    assert "nc=00000002" in second and f'response="{response}"' not in second  # a nonce count is used once


def test_basic_answers_rfc_7617s_example() -> None:
    challenge = Challenge.parse('Basic realm="WallyWorld"')
    assert challenge is not None
    assert challenge.answer(Credentials("Aladdin", "open sesame"), "GET", "http://x/") == \
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="  # RFC 7617 section 2


@pytest.mark.parametrize("header", ['Bearer realm="x"', 'Digest realm="x"', 'Digest nonce="n", algorithm=SHA-512-256',
                                    'Digest nonce="n", qop="auth-int"', ""])
def test_challenges_medkg_cannot_answer_are_none(header: str) -> None:
    assert Challenge.parse(header) is None


def test_credentials_come_from_the_environment_and_never_show() -> None:
    assert credentials_from_env({}) is None
    found = credentials_from_env({"MEDKG_STORE_USER": "loader", "MEDKG_STORE_PASSWORD": "s3cret-pw"})
    assert found == Credentials("loader", "s3cret-pw")
    assert "s3cret-pw" not in repr(found) and "s3cret-pw" not in str(found)
    with pytest.raises(ValueError, match="MEDKG_STORE_PASSWORD is not set"):
        credentials_from_env({"MEDKG_STORE_USER": "loader"})


def test_endpoints_follow_each_servers_layout() -> None:
    oxigraph = endpoints("http://h:7878/query")
    assert (oxigraph.update, oxigraph.store) == ("http://h:7878/update", "http://h:7878/store")
    virtuoso = endpoints("http://h:8890/sparql")
    assert (virtuoso.update, virtuoso.store) == ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud")
    login = endpoints("http://h:8890/sparql", credentials=MUFASA)
    assert (login.update, login.store) == ("http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth")
    other = endpoints("http://h/ds", store="http://h/ds/data")
    assert (other.update, other.store) == ("http://h/ds", "http://h/ds/data")


def test_a_password_in_a_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(ValueError, match="MEDKG_STORE_USER") as refused:
        endpoints("http://dba:hunter2@h:8890/sparql")
    assert "hunter2" not in str(refused.value)
    with pytest.raises(ValueError, match="not an http"):
        endpoints("ftp://h/sparql")
