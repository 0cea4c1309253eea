"""TwiML as the carrier reads it: parsing a document and each verb's attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

VERBS = frozenset(
    {
        "Say",
        "Play",
        "Pause",
        "Gather",
        "Redirect",
        "Hangup",
        "Reject",
        "Record",
        "Enqueue",
        "Leave",
        "Dial",
    }
)
PROMPT_VERBS = frozenset({"Say", "Play", "Pause"})
WAIT_VERBS = frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"})


class TwimlError(Exception):
    """The document is not TwiML the carrier can follow (Twilio's "application error")."""


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed TwiML document and the URL it came from (relative URLs resolve against it)."""

    url: str
    verbs: tuple[ET.Element, ...]


def parse_document(text: str, url: str, *, allowed: frozenset[str] = VERBS) -> Document:
    try:
        root = ET.fromstring(text)  # noqa: S314 - see the import
    except ET.ParseError as exc:
        raise TwimlError(f"{url}: not XML ({exc})") from exc
    if root.tag != "Response":
        raise TwimlError(f"{url}: root element is <{root.tag}>, not <Response>")
    for verb in root:
        if verb.tag not in allowed:
            raise TwimlError(f"{url}: <{verb.tag}> is not allowed here")
        if verb.tag == "Gather":
            for child in verb:
                if child.tag not in PROMPT_VERBS:
                    raise TwimlError(f"{url}: <{child.tag}> is not allowed in <Gather>")
    return Document(url=url, verbs=tuple(root))


def text_of(verb: ET.Element) -> str:
    return (verb.text or "").strip()


def int_attr(verb: ET.Element, name: str, default: int) -> int:
    raw = verb.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise TwimlError(f"<{verb.tag} {name}={raw!r}>: not an integer") from exc


def bool_attr(verb: ET.Element, name: str, default: bool) -> bool:
    raw = verb.get(name)
    if raw is None:
        return default
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    raise TwimlError(f"<{verb.tag} {name}={raw!r}>: not true or false")


def method_attr(verb: ET.Element, name: str = "method") -> str:
    raw = (verb.get(name) or "POST").upper()
    if raw not in {"GET", "POST"}:
        raise TwimlError(f"<{verb.tag} {name}={raw!r}>: not GET or POST")
    return raw


@dataclass(frozen=True, slots=True)
class GatherSpec:
    """What a <Gather> listens for."""

    dtmf: bool = True
    speech: bool = False
    num_digits: int | None = None
    finish_on_key: str = "#"
    timeout: int = 5
    action: str | None = None
    method: str = "POST"
    action_on_empty_result: bool = False
    language: str = "en-US"


def gather_spec(verb: ET.Element) -> GatherSpec:
    inputs = set((verb.get("input") or "dtmf").split())
    if not inputs or not inputs <= {"dtmf", "speech"}:
        raise TwimlError(f"<Gather input={verb.get('input')!r}>: dtmf and/or speech")
    num_digits = int_attr(verb, "numDigits", 0)
    finish = verb.get("finishOnKey", "#")
    if len(finish) > 1 or (finish and finish not in "0123456789*#"):
        raise TwimlError(f"<Gather finishOnKey={finish!r}>: one key or empty")
    return GatherSpec(
        dtmf="dtmf" in inputs,
        speech="speech" in inputs,
        num_digits=num_digits if num_digits > 0 else None,
        finish_on_key=finish,
        timeout=int_attr(verb, "timeout", 5),
        action=verb.get("action"),
        method=method_attr(verb),
        action_on_empty_result=bool_attr(verb, "actionOnEmptyResult", False),
        language=verb.get("language", "en-US"),
    )


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """How a <Record> records."""

    max_length: int = 3600
    finish_on_key: str = "1234567890*#"
    play_beep: bool = True
    timeout: int = 5
    action: str | None = None
    method: str = "POST"


def record_spec(verb: ET.Element) -> RecordSpec:
    return RecordSpec(
        max_length=int_attr(verb, "maxLength", 3600),
        finish_on_key=verb.get("finishOnKey", "1234567890*#"),
        play_beep=bool_attr(verb, "playBeep", True),
        timeout=int_attr(verb, "timeout", 5),
        action=verb.get("action"),
        method=method_attr(verb),
    )


@dataclass(frozen=True, slots=True)
class EnqueueSpec:
    """Where an <Enqueue> puts the call and what it plays meanwhile."""

    queue: str
    action: str | None
    method: str
    wait_url: str | None
    wait_url_method: str
    max_queue_size: int


def enqueue_spec(verb: ET.Element) -> EnqueueSpec:
    name = text_of(verb)
    if not name:
        raise TwimlError("<Enqueue>: no queue name")
    return EnqueueSpec(
        queue=name,
        action=verb.get("action"),
        method=method_attr(verb),
        wait_url=verb.get("waitUrl"),
        wait_url_method=method_attr(verb, "waitUrlMethod"),
        max_queue_size=int_attr(verb, "maxQueueSize", 100),
    )


DIAL_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})


@dataclass(frozen=True, slots=True)
class DialTarget:
    """The party a <Dial> calls: a `<Client>` identity or a `<Number>`, and where its leg
    reports its progress."""

    kind: str  # "client" or "number"
    address: str
    status_callback: str | None = None
    status_callback_method: str = "POST"
    events: frozenset[str] = frozenset({"completed"})

    @property
    def to(self) -> str:
        """The leg's `To`, as Twilio writes it."""
        return f"client:{self.address}" if self.kind == "client" else self.address


@dataclass(frozen=True, slots=True)
class DialSpec:
    """How a <Dial> connects the caller."""

    target: DialTarget
    action: str | None = None
    method: str = "POST"
    timeout: int = 30
    time_limit: int = 14400
    caller_id: str | None = None


def _dial_target(noun: ET.Element) -> DialTarget:
    kind = "client" if noun.tag == "Client" else "number"
    identity = noun.find("Identity")
    address = text_of(identity) if identity is not None else text_of(noun)
    if not address:
        raise TwimlError(f"<Dial><{noun.tag}>: empty")
    raw = (noun.get("statusCallbackEvent") or "completed").replace(",", " ").split()
    events = frozenset(raw)
    if not events <= DIAL_EVENTS:
        unknown = ", ".join(sorted(events - DIAL_EVENTS))
        raise TwimlError(f"<{noun.tag} statusCallbackEvent>: unknown event(s) {unknown}")
    return DialTarget(
        kind=kind,
        address=address,
        status_callback=noun.get("statusCallback"),
        status_callback_method=method_attr(noun, "statusCallbackMethod"),
        events=events,
    )


def dial_spec(verb: ET.Element) -> DialSpec:
    """A <Dial> with one party: a `<Client>`, a `<Number>` or a bare number as its text (the
    local carrier rings one party at a time)."""
    nouns = list(verb)
    unknown = [n.tag for n in nouns if n.tag not in {"Client", "Number"}]
    if unknown:
        raise TwimlError(f"<Dial>: the local carrier cannot dial <{unknown[0]}>")
    if len(nouns) > 1:
        raise TwimlError("<Dial>: the local carrier dials one <Client> or <Number> at a time")
    if nouns:
        target = _dial_target(nouns[0])
    elif text_of(verb):
        target = DialTarget(kind="number", address=text_of(verb))
    else:
        raise TwimlError("<Dial>: nobody to dial")
    timeout = int_attr(verb, "timeout", 30)
    time_limit = int_attr(verb, "timeLimit", 14400)
    if timeout <= 0 or time_limit <= 0:
        raise TwimlError("<Dial>: timeout and timeLimit must be positive")
    return DialSpec(
        target=target,
        action=verb.get("action"),
        method=method_attr(verb),
        timeout=min(timeout, 600),  # Twilio caps the ring timeout at 600 s
        time_limit=time_limit,
        caller_id=verb.get("callerId"),
    )
