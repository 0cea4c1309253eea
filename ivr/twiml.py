"""TwiML documents the server answers, built by pure functions with twilio's VoiceResponse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.menus.schema import Hotline, Node, Text

# Said when nothing better is known (no hotline resolved, config unreadable...).
FALLBACK_APOLOGY: Text = {
    "zh-CN": "抱歉，系统繁忙，正在为您转接人工服务。",
    "en-US": "Sorry, we are having trouble. Connecting you to an operator.",
}
FALLBACK_GOODBYE: Text = {
    "zh-CN": "抱歉，系统繁忙，请稍后再拨。再见。",
    "en-US": "Sorry, we are having trouble. Please call again later. Goodbye.",
}
UNKNOWN_NUMBER: Text = {
    "zh-CN": "您拨打的号码暂未开通服务，再见。",
    "en-US": "The number you dialled is not in service. Goodbye.",
}


@dataclass(frozen=True)
class Voice:
    """How prompts are spoken: the language chooses the text, the voice speaks it."""

    language: str
    voice: str = "alice"

    @classmethod
    def of(cls, hotline: Hotline) -> Voice:
        return cls(hotline.language, hotline.voice)

    def text(self, prompt: Text) -> str:
        """The prompt in this language; the first other language rather than silence."""
        if self.language in prompt:
            return prompt[self.language]
        return next(iter(prompt.values()), "")


DEFAULT_VOICE = Voice("zh-CN", "alice")


@dataclass(frozen=True)
class QueueTarget:
    """Where an Enqueue sends the caller: the queue's name and our two callback URLs."""

    name: str
    wait_url: str
    action_url: str


def _say(target: VoiceResponse | Gather, voice: Voice, prompt: Text) -> None:
    text = voice.text(prompt)
    if text:
        target.say(text, voice=voice.voice, language=voice.language)


def _render(response: VoiceResponse) -> str:
    return str(response.to_xml(xml_declaration=True))


def menu(
    voice: Voice,
    node: Node,
    action_url: str,
    *,
    lead: Sequence[Text] = (),
    speech: bool = False,
) -> str:
    """Say any lead-in (greeting, "invalid key"), then the node's prompt inside a Gather.

    When the Gather times out with no input, the Redirect posts to the same action URL
    without Digits, which the menu engine reads as a no-input retry. No finish key: with
    Twilio's default (`#`) the `#` key would end the input empty, a retry lost, instead
    of reaching the menu as the key that repeats it.
    """
    response = VoiceResponse()
    for text in lead:
        _say(response, voice, text)
    gather = Gather(
        input="dtmf speech" if speech else "dtmf",
        num_digits=1,
        finish_on_key="",
        timeout=node.timeout,
        action=action_url,
        method="POST",
        language=voice.language if speech else None,
        hints=None,
    )
    if node.audio:
        gather.play(node.audio)
    else:
        _say(gather, voice, node.prompt)
    response.append(gather)
    response.redirect(action_url, method="POST")
    return _render(response)


def enqueue(voice: Voice, target: QueueTarget, *, lead: Sequence[Text] = ()) -> str:
    response = VoiceResponse()
    for text in lead:
        _say(response, voice, text)
    response.enqueue(
        target.name,
        action=target.action_url,
        method="POST",
        wait_url=target.wait_url,
        wait_url_method="POST",
    )
    return _render(response)


def hold(voice: Voice, prompt: Text, music: str | None, seconds: int) -> str:
    """One waitUrl segment: the hold prompt, then music (or silence) for about `seconds`."""
    response = VoiceResponse()
    _say(response, voice, prompt)
    if music:
        response.play(music)
    else:
        response.pause(length=seconds)
    return _render(response)


def say_then_hangup(voice: Voice, *prompts: Text) -> str:
    response = VoiceResponse()
    for prompt in prompts:
        _say(response, voice, prompt)
    response.hangup()
    return _render(response)


def transfer(voice: Voice, number: str, action_url: str, *, lead: Sequence[Text] = ()) -> str:
    response = VoiceResponse()
    for text in lead:
        _say(response, voice, text)
    response.dial(number, action=action_url, method="POST", timeout=30)
    return _render(response)


def voicemail(
    voice: Voice, prompt: Text, action_url: str, max_seconds: int, *, lead: Sequence[Text] = ()
) -> str:
    response = VoiceResponse()
    for text in lead:
        _say(response, voice, text)
    _say(response, voice, prompt)
    response.record(
        action=action_url, method="POST", max_length=max_seconds, finish_on_key="#", play_beep=True
    )
    # Reached only if the caller records nothing: Record then falls through.
    response.hangup()
    return _render(response)


def empty() -> str:
    return _render(VoiceResponse())


def leave() -> str:
    response = VoiceResponse()
    response.leave()
    return _render(response)


@dataclass(frozen=True)
class AgentLeg:
    """How to ring an agent: their client identity, the ring time and our two callbacks."""

    agent_id: str
    ring_timeout_s: int
    action_url: str  # the Dial action, posted on the caller's call when the Dial ends
    status_url: str  # the Client leg's status callbacks (answered, completed)


def dial_agent(leg: AgentLeg, voice: Voice = DEFAULT_VOICE, lead: Sequence[Text] = ()) -> str:
    """Connect the caller to an agent's softphone, as TaskRouter's dequeue does."""
    response = VoiceResponse()
    for text in lead:
        _say(response, voice, text)
    dial = response.dial(action=leg.action_url, method="POST", timeout=leg.ring_timeout_s)
    dial.client(
        leg.agent_id,
        status_callback=leg.status_url,
        status_callback_event="initiated ringing answered completed",
        status_callback_method="POST",
    )
    return _render(response)


VOICEMAIL_PROMPT: Text = {
    "zh-CN": "请在提示音后留言，说完后按井号键结束。",
    "en-US": "Please leave a message after the tone, then press the pound key.",
}


def wait_segment(
    voice: Voice,
    said: Sequence[Text],
    music: str | None,
    seconds: int,
    key_action: str | None = None,
) -> str:
    """One waitUrl segment: announcements, then music (or silence); inside a one-key
    Gather when keys may be pressed while waiting. Uses only verbs a waitUrl may use."""
    response = VoiceResponse()
    target: VoiceResponse | Gather = response
    if key_action is not None:
        # No finish key, so `#` may be one of the queue's keys (see `menu`).
        target = Gather(
            input="dtmf",
            num_digits=1,
            finish_on_key="",
            timeout=1,
            action=key_action,
            method="POST",
        )
    for text in said:
        _say(target, voice, text)
    if music:
        target.play(music)
    else:
        target.pause(length=seconds)
    if key_action is not None:
        response.append(target)
    return _render(response)
