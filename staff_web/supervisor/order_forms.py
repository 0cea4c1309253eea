"""One work order's action forms (dispatch, change status, urge, note, reopen) and the
labelled fields they are made of; a failed form keeps its values and errors."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from queues.work_orders.status import Status
from staff_web.auth.csrf import csrf_field
from staff_web.supervisor.layout import esc, field_error
from staff_web.supervisor.order_actions import ActionKind, next_step
from staff_web.supervisor.reading import OrderView
from staff_web.supervisor.texts import Words


def _options(options: list[tuple[str, str]], chosen: str) -> str:
    return "".join(
        f'<option value="{esc(value)}"{" selected" if value == chosen else ""}>{esc(text)}</option>'
        for value, text in options
    )


def select_field(
    name: str,
    label: str,
    options: list[tuple[str, str]],
    chosen: str,
    attrs: str = "",
    *,
    form: str = "f",
) -> str:
    """A labelled select, its <div> left open for an error message; its id is `form-name`,
    so two forms on a page may each have a field of the same name."""
    field_id = f"{form}-{name}"
    control = f'<select id="{field_id}" name="{name}"{attrs}>{_options(options, chosen)}</select>'
    return f'<div><label for="{field_id}">{esc(label)}</label>{control}'


def _text_input(
    name: str,
    label: str,
    value: str,
    errors: dict[str, str],
    *,
    area: bool = False,
    form: str = "f",
) -> str:
    field_id = f"{form}-{name}"
    attrs, message = field_error(name, errors, field_id)
    if area:
        control = f'<textarea id="{field_id}" name="{name}"{attrs}>{esc(value)}</textarea>'
    else:
        control = f'<input id="{field_id}" name="{name}" value="{esc(value)}"{attrs}>'
    return f'<div><label for="{field_id}">{esc(label)}</label>{control}{message}</div>'


def _form(
    request: web.Request, w: Words, view: OrderView, kind: ActionKind, title: str, inner: str
) -> str:
    url = request.app.router["desk_order_action"].url_for(
        number=view.order.number, action=kind.value
    )
    return (
        f'<form method="post" action="{esc(url)}" novalidate><h2>{esc(title)}</h2>'
        f"{csrf_field(request)}{inner}"
        f'<p><button class="primary" type="submit">{esc(w["submit"])}</button></p></form>'
    )


def action_forms(
    request: web.Request,
    w: Words,
    view: OrderView,
    failed: ActionKind | None,
    errors: dict[str, str],
    values: Mapping[str, str],
) -> str:
    """The forms a supervisor may use now; the failed one keeps its values and errors."""

    def mine(kind: ActionKind) -> tuple[dict[str, str], Mapping[str, str]]:
        return (errors, values) if kind is failed else ({}, {})

    order, forms = view.order, []
    if Status.DISPATCHED.value in view.moves:
        e, v = mine(ActionKind.DISPATCH)
        department = v.get("department", order.department)
        inner = _text_input("department", w["department"], department, e, form="dispatch")
        inner += _text_input("note", w["note"], v.get("note", ""), e, form="dispatch")
        forms.append(_form(request, w, view, ActionKind.DISPATCH, w["dispatch"], inner))
    if view.moves:
        e, v = mine(ActionKind.TRANSITION)
        attrs, message = field_error("to", e, "transition-to")
        moves = [(m, w.status(Status(m))) for m in view.moves]
        # Preselect the lifecycle's next step: the first option may be a step back.
        ahead = next_step(order.status, [Status(m) for m in view.moves])
        chosen = v.get("to", ahead.value if ahead else "")
        inner = (
            select_field("to", w["to"], moves, chosen, attrs, form="transition")
            + f"{message}</div>"
        )
        inner += _text_input("note", w["note"], v.get("note", ""), e, form="transition")
        forms.append(_form(request, w, view, ActionKind.TRANSITION, w["transition"], inner))
    elif order.status is not Status.CLOSED:
        forms.append(f'<p class="muted">{esc(w["no_moves"])}</p>')
    if order.status is Status.CLOSED:
        e, v = mine(ActionKind.REOPEN)
        targets = [(s.value, w.status(s)) for s in (Status.PROCESSING, Status.ACCEPTED)]
        inner = select_field("to", w["to"], targets, v.get("to", ""), form="reopen") + "</div>"
        inner += _text_input(
            "reason", w["reason"], v.get("reason", ""), e, area=True, form="reopen"
        )
        forms.append(_form(request, w, view, ActionKind.REOPEN, w["reopen"], inner))
    else:
        e, v = mine(ActionKind.URGE)
        inner = _text_input("note", w["note"], v.get("note", ""), e, form="urge")
        forms.append(_form(request, w, view, ActionKind.URGE, w["urge"], inner))
    e, v = mine(ActionKind.NOTE)
    inner = _text_input("text", w["note"], v.get("text", ""), e, area=True, form="note")
    forms.append(_form(request, w, view, ActionKind.NOTE, w["add_note"], inner))
    return f'<section class="card actions">{"".join(forms)}</section>'
