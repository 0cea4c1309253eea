"""The `/twilio/` sub-app: its middlewares (the answer's timing outside, the fail-safe, then
the signature, then the hang-up for a call that ended) and the caller's routes. The agent's
leg adds its own (`switchboard.agent_legs.add_agent_leg_routes`)."""

from __future__ import annotations

from aiohttp import web

from ivr.webhooks import endings, failsafe, queueing, voice
from ivr.webhooks.answer_timing import time_answer
from ivr.webhooks.ended import hang_up_after_the_end
from ivr.webhooks.signature import check_signature


def create_webhooks_app() -> web.Application:
    app = web.Application(
        middlewares=[time_answer, failsafe.answer_safely, check_signature, hang_up_after_the_end]
    )
    app.router.add_post("/voice", voice.incoming, name="voice")
    app.router.add_post("/menu", voice.menu, name="menu")
    app.router.add_post("/wait", queueing.wait, name="wait")
    app.router.add_post("/wait-key", queueing.wait_key, name="wait_key")
    app.router.add_post("/queue-result", queueing.queue_result, name="queue_result")
    app.router.add_post("/voicemail", endings.voicemail, name="voicemail")
    app.router.add_post("/transfer-result", endings.transfer_result, name="transfer_result")
    app.router.add_post("/status", endings.status, name="status")
    app.router.add_post("/wait-fallback", failsafe.wait_fallback, name="wait_fallback")
    app.router.add_post(
        "/queue-result-fallback", failsafe.queue_result_fallback, name="queue_result_fallback"
    )
    return app
