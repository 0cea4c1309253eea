"""The agent softphone: the desk page, the agent API, and live updates through Redis.

Wiring (in `create_app`, whose `softphone_ctx`, after `router_ctx`, runs this process's
fan-out of agent events, `fanout.AgentEventHub`, and `desk_presence_ctx` the sweep that
puts agents whose desk is gone on break, `desk_presence.DeskPresence`):

    from staff_web.softphone.agent_api import add_agent_api_routes
    from staff_web.softphone.page import create_softphone_app

    app.cleanup_ctx.append(softphone_ctx)          # after router_ctx
    api = create_api_app(); add_agent_api_routes(api); app.add_subapp("/api/", api)
    app.add_subapp("/softphone/", create_softphone_app())

Routes. API (JSON; cookie + X-CSRF-Token, or bearer): GET /api/agent/state, POST
/api/agent/ready, POST /api/agent/break {reason}, POST /api/agent/offline, GET
/api/agent/work-orders?limit&offset (own orders carry `draft` and `wrap_up_pending`), GET
/api/agent/call/{call_sid}, POST /api/agent/wrap-up {call_sid, category, sub_type, area,
address, description, department, ready} → {state: saved, order, desk}, PUT
/api/agent/wrap-up/draft {call_sid, any form fields} → 200 {state: saved} or 202 {state:
saving}, GET /api/agent/voice-token (Twilio mode), GET /api/agent/phone-token (embedded: the
token /carrier/agent-ws requires). GET reads take `?agent=<id>` for supervisors. Pages:
GET /softphone/ (`?agent=<id>` read-only for supervisors), GET /softphone/ws (WebSocket,
see `socket`), /softphone/static/.

Page elements for tests (stable ids and data attributes):
- `body[data-mode]` embedded|twilio, `body[data-readonly]` 1|0, `#lang` language switch;
- `#state[data-state]` offline|ready|reserved|busy|wrap_up|break, `#state-label`,
  `#state-since` (m:ss in that state), `#state-reason`; `#live[data-connected]` 1|0 (the
  desk socket), `#phone[data-phone]` off|connecting|registered|error (the carrier phone);
- `#btn-ready`, `#btn-break` with `#break-reason` (select) and `#break-other` (free text),
  `#btn-offline`;
- `body[data-ringing]` 1|0 and `body[data-ring-sound]` playing|blocked while an offer rings
  (with a notification and the tab title blinking; 接听 takes the focus);
- `#offer` (hidden unless ringing; `data-call-sid`): `#offer-caller`, `#offer-name`,
  `#offer-vip`, `#offer-queue`, `#offer-path`, `#offer-waited`, `#offer-countdown`,
  `#offer-orders` (li[data-number]), `#btn-accept`, `#btn-reject`;
- `#incall` (`data-call-sid`): `#call-timer`, `#call-caller`, `#call-name`, `#call-vip`,
  `#call-queue`, `#call-path`, `#call-work-order`,
  `#btn-mute` (Twilio mode only), `#btn-hangup`;
- `#wrapup` (`data-call-sid`): `#wrapup-order`, `#wrapup-countdown`, form `#wrapup-form`
  with `#wu-category`, `#wu-subtype`, `#wu-area`, `#wu-address`, `#wu-description`,
  `#wu-department`, `#wu-save`; errors in `[data-error-for=<field>]`; `#wu-autosave[data-state]`
  idle|saving|saved (保存中… / 已保存 of the draft);
- `#orders` table, rows `tr[data-number]` (`.wo-pending` while the wrap-up is owed) with
  `.wo-number`, `.wo-path`, `.wo-status`, `.wo-finish` (opens the form to finish it);
  `#orders-total`, `#orders-more`; `#message` (aria-live notices).
"""
