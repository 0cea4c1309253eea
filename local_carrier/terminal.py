"""`hotline call`: a caller in the terminal, on a running server's dial pad socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any, TextIO

import aiohttp

HELP = "keys: type digits (e.g. 1 or 123#) and Enter · 'say TEXT' to speak · 'h' to hang up"


def describe(message: dict[str, Any]) -> str | None:
    """The line printed for a message from the carrier (None: nothing to show)."""
    match message.get("type"):
        case "ringing":
            return f"… calling {message.get('to')} ({message.get('call_sid')})"
        case "say":
            return f"🔊 [{message.get('language')}] {message.get('text')}"
        case "play":
            return f"♪ {message.get('url')}"
        case "beep":
            return "♪ beep"
        case "gather":
            return f"⌨  {HELP}"
        case "record":
            return "● recording: 'say YOUR MESSAGE', then # to finish"
        case "queued":
            return (
                f"⏳ waiting in queue {message.get('queue')} — position {message.get('position')}"
            )
        case "connecting":
            return f"… connecting you to {message.get('to')}"
        case "connected":
            return f"☎ connected to {message.get('to')}"
        case "ended":
            return f"☎ call ended: {message.get('reason')}"
        case "error":
            return f"! {message.get('message')}"
    return None


def parse_line(line: str) -> dict[str, str] | None:
    """A message for one line typed by the user (None: not understood)."""
    line = line.strip()
    if line.lower() in {"h", "q", "hangup", "quit", "exit"}:
        return {"type": "hangup"}
    if line.lower().startswith("say "):
        return {"type": "speech", "text": line[4:].strip()}
    if line and all(k in "0123456789*#" for k in line):
        return {"type": "digits", "digits": line}
    return None


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin, read by a daemon thread so an unfinished read never blocks exit."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="hotline-call-stdin", daemon=True).start()
    while (line := await lines.get()) is not None:
        yield line


async def _forward(
    ws: aiohttp.ClientWebSocketResponse, keys: AsyncIterator[str], out: TextIO
) -> None:
    async for line in keys:
        message = parse_line(line)
        if message is None:
            if line.strip():
                print(HELP, file=out, flush=True)
            continue
        await ws.send_json(message)
    await ws.send_json({"type": "hangup"})  # end of input hangs up


async def run_terminal_call(
    base_url: str,
    to: str,
    from_: str,
    *,
    keys: AsyncIterator[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Call `to` from `from_` through the server at `base_url`; 0 when the call ran to its
    end, 1 when the carrier refused it, 2 when the server could not be reached."""
    out = out or sys.stdout
    ws_url = base_url.rstrip("/") + "/carrier/ws"
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(ws_url)
        except (aiohttp.ClientError, OSError) as exc:
            print(f"cannot reach {ws_url}: {exc}", file=out, flush=True)
            return 2
        async with ws:
            await ws.send_json({"type": "dial", "to": to, "from": from_})
            forwarder = asyncio.create_task(_forward(ws, keys or stdin_lines(), out))
            try:
                async for msg in ws:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        continue
                    message = json.loads(msg.data)
                    line = describe(message)
                    if line:
                        print(line, file=out, flush=True)
                    if message.get("type") == "ended":
                        return 0
                    refused = str(message.get("message", "")).startswith(("to:", "from:"))
                    if message.get("type") == "error" and refused:
                        return 1
            finally:
                forwarder.cancel()
                with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                    await forwarder
    print("the carrier closed the line", file=out, flush=True)
    return 1
