"""The local carrier: a Twilio-compatible stand-in that calls the server without Twilio."""

from .call import CallHandle, CallResult
from .caller import CallerIO, GatherResult, QueueStatus, RecordResult
from .carrier import LocalCarrier
from .dialpad import create_carrier_app
from .interpreter import APPLICATION_ERROR
from .scripted import HangUp, LeaveMessage, Press, ScriptedCaller, Silence, Speak
from .session import CallEvent
from .terminal import run_terminal_call
from .websocket_caller import WebSocketCaller

__all__ = [
    "APPLICATION_ERROR",
    "CallEvent",
    "CallHandle",
    "CallResult",
    "CallerIO",
    "GatherResult",
    "HangUp",
    "LeaveMessage",
    "LocalCarrier",
    "Press",
    "QueueStatus",
    "RecordResult",
    "ScriptedCaller",
    "Silence",
    "Speak",
    "WebSocketCaller",
    "create_carrier_app",
    "run_terminal_call",
]
