"""Only signed carrier requests get in; oversized and unsigned ones are refused and logged."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ivr.webhooks.signature import form_pairs
from tests.app_fixtures import PUBLIC_URL, TwilioPoster, new_call_sid

DEMO_NUMBER = "+8695598"
CALLER = "+8613700000001"


async def test_signed_request_is_answered(twilio: TwilioPoster) -> None:
    answer = await twilio.post(
        "/twilio/voice", twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    )
    assert answer.status == 200
    assert "Gather" in answer.verbs()


async def test_unsigned_request_is_forbidden(
    twilio: TwilioPoster, caplog: pytest.LogCaptureFixture
) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    answer = await twilio.post("/twilio/voice", params, signature="")
    assert answer.status == 403
    assert "missing signature" in caplog.text


async def test_forged_signature_is_forbidden(
    twilio: TwilioPoster, caplog: pytest.LogCaptureFixture
) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    answer = await twilio.post("/twilio/voice", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert answer.status == 403
    assert "wrong signature" in caplog.text


async def test_signature_for_other_params_is_forbidden(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    signature = twilio.validator.compute_signature(PUBLIC_URL + "/twilio/voice", params)
    tampered = {**params, "From": "+8613999999999"}
    answer = await twilio.post("/twilio/voice", tampered, signature=signature)
    assert answer.status == 403


async def test_signature_is_checked_against_the_public_url(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    internal = str(twilio.client.make_url("/twilio/voice"))
    signature = twilio.validator.compute_signature(internal, params)
    answer = await twilio.post("/twilio/voice", params, signature=signature)
    assert answer.status == 403


async def test_query_string_is_part_of_the_signed_url(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    signature = twilio.validator.compute_signature(PUBLIC_URL + "/twilio/menu?h=95598&v=1", params)
    answer = await twilio.post("/twilio/menu?h=95598&v=2", params, signature=signature)
    assert answer.status == 403


async def test_oversized_body_is_refused(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, DEMO_NUMBER)
    params["Padding"] = "x" * (65 * 1024)
    answer = await twilio.post("/twilio/voice", params)
    assert answer.status == 413


async def test_get_is_not_allowed(client: TestClient[Any, Any]) -> None:
    response = await client.get("/twilio/voice")
    assert response.status == 405


@given(st.text(alphabet="ab=&+%2Fü ", max_size=40))
def test_form_fields_are_read_as_parse_qsl_reads_them(body: str) -> None:
    assert form_pairs(body) == parse_qsl(body, keep_blank_values=True)
