"""The local carrier: a Twilio-compatible stand-in that calls the server without Twilio."""

from .agent_socket import AgentVerifier, WebSocketAgent
from .call import CallHandle, CallResult
from .caller import CallerIO, GatherResult, QueueStatus, RecordResult
from .carrier import LocalCarrier
from .dialpad import create_carrier_app
from .interpreter import APPLICATION_ERROR
from .phones import AgentPhone, DialLeg, PhoneBook
from .scripted_phone import Answer, Ignore, PhoneEvent, Reject, ScriptedAgent, outside_line
from .session import CallEvent
from .terminal import run_terminal_call
from .websocket_caller import WebSocketCaller

__all__ = [
    "APPLICATION_ERROR",
    "AgentPhone",
    "AgentVerifier",
    "Answer",
    "CallEvent",
    "CallHandle",
    "CallResult",
    "CallerIO",
    "DialLeg",
    "GatherResult",
    "Ignore",
    "LocalCarrier",
    "PhoneBook",
    "PhoneEvent",
    "QueueStatus",
    "RecordResult",
    "Reject",
    "ScriptedAgent",
    "WebSocketAgent",
    "WebSocketCaller",
    "create_carrier_app",
    "outside_line",
    "run_terminal_call",
]
