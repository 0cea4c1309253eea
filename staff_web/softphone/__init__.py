"""The agent softphone: the desk page, the agent API, and live updates through Redis.

Wiring (in `create_app`, whose `softphone_ctx`, after `router_ctx`, runs this process's
fan-out of agent events, `fanout.AgentEventHub`):

    from staff_web.softphone.agent_api import add_agent_api_routes
    from staff_web.softphone.page import create_softphone_app

    app.cleanup_ctx.append(softphone_ctx)          # after router_ctx
    api = create_api_app(); add_agent_api_routes(api); app.add_subapp("/api/", api)
    app.add_subapp("/softphone/", create_softphone_app())

Routes. API (JSON; cookie + X-CSRF-Token, or bearer): GET /api/agent/state, POST
/api/agent/ready, POST /api/agent/break {reason}, POST /api/agent/offline, GET
/api/agent/work-orders?limit&offset, GET /api/agent/call/{call_sid}, POST /api/agent/wrap-up
{call_sid, category, sub_type, area, address, description, department}, GET
/api/agent/voice-token. GET reads take `?agent=<id>` for supervisors. Pages: GET /softphone/
(`?agent=<id>` read-only for supervisors), GET /softphone/ws (WebSocket, see `socket`),
/softphone/static/.

Page elements for tests (stable ids and data attributes):
- `body[data-mode]` embedded|twilio, `body[data-readonly]` 1|0, `#lang` language switch;
- `#state[data-state]` offline|ready|reserved|busy|wrap_up|break, `#state-label`,
  `#state-since` (m:ss in that state), `#state-reason`; `#live[data-connected]` 1|0 (the
  desk socket), `#phone[data-phone]` off|connecting|registered|error (the carrier phone);
- `#btn-ready`, `#btn-break` with `#break-reason` (select) and `#break-other` (free text),
  `#btn-offline`;
- `#offer` (hidden unless ringing; `data-call-sid`): `#offer-caller`, `#offer-name`,
  `#offer-vip`, `#offer-queue`, `#offer-path`, `#offer-waited`, `#offer-countdown`,
  `#offer-orders` (li[data-number]), `#btn-accept`, `#btn-reject`;
- `#incall` (`data-call-sid`): `#call-timer`, `#call-caller`, `#call-work-order`,
  `#btn-mute` (Twilio mode only), `#btn-hangup`;
- `#wrapup` (`data-call-sid`): `#wrapup-order`, `#wrapup-countdown`, form `#wrapup-form`
  with `#wu-category`, `#wu-subtype`, `#wu-area`, `#wu-address`, `#wu-description`,
  `#wu-department`, `#wu-save`; errors in `[data-error-for=<field>]`;
- `#orders` table, rows `tr[data-number]` with `.wo-number`, `.wo-path`, `.wo-status`;
  `#orders-total`, `#orders-more`; `#message` (aria-live notices).
"""
