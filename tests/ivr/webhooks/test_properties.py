"""Whatever a carrier (or an attacker who knows the token) posts, the answer is valid TwiML."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app_fixtures import TwilioPoster, new_call_sid

ROUTES = [
    "/twilio/voice",
    "/twilio/menu",
    "/twilio/wait",
    "/twilio/queue-result",
    "/twilio/voicemail",
    "/twilio/transfer-result",
    "/twilio/status",
]
NUMBERS = st.sampled_from(["95598", "+8695598", "4008000000", "+8613800138000", "", "x" * 40])
ANY_TEXT = st.text(max_size=60)
QUERY_VALUES = st.one_of(
    st.sampled_from(["95598", "400", "1", "2", "main", "main.fault", "fault", "vip", "0"]),
    st.text(alphabet=string.printable, max_size=20),
)
PARAM_NAMES = st.sampled_from(
    [
        "Digits",
        "SpeechResult",
        "Confidence",
        "QueueResult",
        "QueueTime",
        "QueuePosition",
        "CallStatus",
        "CallDuration",
        "RecordingUrl",
        "RecordingDuration",
        "DialCallStatus",
        "From",
        "To",
        "CallSid",
    ]
)
PARAM_VALUES = st.one_of(
    st.sampled_from(
        [
            "1",
            "0",
            "*",
            "#",
            "12",
            "",
            "hangup",
            "leave",
            "queue-full",
            "bridged",
            "completed",
            "no-answer",
            "busy",
            "-5",
            "9" * 30,
            "停电",
            "投诉",
        ]
    ),
    ANY_TEXT,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    dialled=NUMBERS,
    caller=NUMBERS,
    query=st.dictionaries(st.sampled_from(["h", "v", "s", "t", "q"]), QUERY_VALUES, max_size=5),
    extra=st.dictionaries(PARAM_NAMES, PARAM_VALUES, max_size=6),
)
async def test_any_signed_request_gets_valid_twiml(
    twilio: TwilioPoster,
    route: str,
    dialled: str,
    caller: str,
    query: dict[str, str],
    extra: dict[str, str],
) -> None:
    params: dict[str, Any] = {**twilio.base_params(new_call_sid(), caller, dialled), **extra}
    path = str(twilio.client.make_url(route).with_query(query).relative()) if query else route
    answer = await twilio.post(path, params)  # TwilioPoster asserts schema-valid TwiML
    assert answer.status == 200, answer.text


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dialled=st.sampled_from(["95598", "4008000000"]),
    keys=st.lists(
        st.one_of(st.sampled_from([*list("0123456789*#"), ""]), st.text(max_size=4)),
        max_size=12,
    ),
)
async def test_any_key_sequence_stays_on_valid_twiml(
    twilio: TwilioPoster, dialled: str, keys: list[str]
) -> None:
    sid = new_call_sid()
    params = twilio.base_params(sid, "+8613600000000", dialled)
    answer = await twilio.post("/twilio/voice", params)
    for key in keys:
        if "Gather" not in answer.verbs():
            break
        answer = await twilio.post(answer.url("//Gather/@action"), {**params, "Digits": key})
        assert answer.status == 200
    assert answer.verbs(), "a caller is never left with an empty document mid-menu"
