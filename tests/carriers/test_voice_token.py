"""Voice SDK access tokens: identity, grants, lifetime, signed with the API key secret."""

from __future__ import annotations

import time

import jwt
import pytest

from carriers.voice_token import mint_voice_token

pytestmark = pytest.mark.timeout(5)

ACCOUNT = "AC" + "1" * 32
KEY_SID = "SK" + "2" * 32
SECRET = "s" * 32
APP_SID = "AP" + "3" * 32


def test_the_token_carries_identity_and_voice_grant() -> None:
    before = int(time.time())
    token = mint_voice_token(ACCOUNT, KEY_SID, SECRET, APP_SID, "a1001", ttl=600)
    header = jwt.get_unverified_header(token)
    assert header["cty"] == "twilio-fpa;v=1"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == KEY_SID
    assert claims["sub"] == ACCOUNT
    assert claims["jti"].startswith(KEY_SID + "-")
    assert claims["grants"]["identity"] == "a1001"
    assert claims["grants"]["voice"] == {
        "incoming": {"allow": True},
        "outgoing": {"application_sid": APP_SID},
    }
    assert before + 600 <= claims["exp"] <= int(time.time()) + 600


def test_another_secret_does_not_verify() -> None:
    token = mint_voice_token(ACCOUNT, KEY_SID, SECRET, APP_SID, "a1001")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "x" * 32, algorithms=["HS256"])


@pytest.mark.parametrize(("identity", "ttl"), [("", 3600), ("a1", 0), ("a1", 86401)])
def test_bad_arguments_are_refused(identity: str, ttl: int) -> None:
    with pytest.raises(ValueError, match=r"^(identity|ttl):"):
        mint_voice_token(ACCOUNT, KEY_SID, SECRET, APP_SID, identity, ttl=ttl)
