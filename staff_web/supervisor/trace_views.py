"""The decision trace as the desk shows it: every offer of the call, and for the offer whose
trace was kept the step in force, the candidates per grade, the chosen agent and why each
other agent was passed over; as HTML and as the API's structured data."""

from __future__ import annotations

from typing import Any

from routing.trace import DecisionTrace
from staff_web.supervisor.layout import esc, table
from staff_web.supervisor.trace_texts import TraceWords
from staff_web.supervisor.traces import OfferTry
from staff_web.supervisor.units import api_time, api_time_ms, local_time_s, seconds_text


def _since_wait(t: TraceWords, trace: DecisionTrace, at_ms: int) -> str:
    """An instant of the trace as the wait it came after (the wait began at decided − waited)."""
    began = trace.decided_ms - trace.waited_ms
    return t["after_wait"].format(t=seconds_text(t.w, max(0, at_ms - began)))


def _trace_html(t: TraceWords, trace: DecisionTrace) -> str:
    lo, hi = trace.grades
    grades = t.grade(lo) if lo == hi else f"{t.grade(lo)} – {t.grade(hi)}"
    chosen = f"<strong>{esc(trace.chosen_agent)}</strong> ({esc(t.grade(trace.chosen_grade))})"
    facts = [
        (t["step"], esc(t["step_n"].format(n=trace.step + 1))),
        (t["grades"], esc(grades)),
        (t["floor"], esc(t.grade(trace.floor))),
        (t["opened"], esc(_since_wait(t, trace, trace.step_opened_ms))),
        (t["direction"], esc(t.direction(trace.direction))),
        (t["strategy"], esc(t.strategy(trace.strategy))),
        (t["waited"], esc(seconds_text(t.w, trace.waited_ms))),
        (t["chosen"], chosen),
    ]  # fmt: skip
    parts = ["<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"]
    if trace.skipped:
        rows = [
            [esc(t["step_n"].format(n=s.step + 1)), esc(t.step_status(s.why)),
             esc(_since_wait(t, trace, s.at_ms))]
            for s in trace.skipped
        ]  # fmt: skip
        parts.append(f"<h4>{esc(t['skipped'])}</h4>")
        parts.append(table([esc(t["step"]), esc(t["why"]), esc(t["at"])], rows, ""))
    yes, no = t["yes"], t["no"]
    rows = [
        [esc(t.grade(c.grade)), esc(yes if c.in_range else no), esc(c.logged_in),
         esc(c.on_break), esc(c.idle)]
        for c in trace.candidates
    ]  # fmt: skip
    headers = [esc(t["grade"]), esc(t["in_range"])]
    headers += ["#" + esc(t[k]) for k in ("logged_in", "on_break", "idle")]
    parts.append(f"<h4>{esc(t['candidates'])}</h4>" + table(headers, rows, t.w["none"]))
    rows = [
        [esc(p.agent_id), esc(t.grade(p.grade)), esc(t.reason(p.why))] for p in trace.passed_over
    ]
    headers = [esc(t["agent"]), esc(t["grade"]), esc(t["why"])]
    parts.append(f"<h4>{esc(t['passed_over'])}</h4>" + table(headers, rows, t.w["none"]))
    parts.append(f'<p class="muted">{esc(t["sampled"])}</p>')
    return "".join(parts)


def trace_section(t: TraceWords, offers: list[OfferTry]) -> str:
    """Every offer in a table, then each kept trace under its offer's number."""
    rows = [
        [esc(n), esc(local_time_s(o.at)), esc(o.agent_id),
         esc(t["step_n"].format(n=o.step + 1) if o.step is not None else ""),
         esc(t.grade(o.grade) if o.grade is not None else ""), esc(t.ended(o.ended))]
        for n, o in enumerate(offers, start=1)
    ]  # fmt: skip
    headers = ["#", esc(t["at"]), esc(t["agent"]), esc(t["step"]), esc(t["grade"]), esc(t["ended"])]
    parts = [f'<section class="trace"><h2>{esc(t["trace"])}</h2>']
    parts.append(f"<h3>{esc(t['offers'])}</h3>" + table(headers, rows, t.w["none"]))
    kept = [(n, o.trace) for n, o in enumerate(offers, start=1) if o.trace is not None]
    for n, trace in kept:
        parts.append(f"<h3>{esc(t['offer_n'].format(n=n))}</h3>" + _trace_html(t, trace))
    if not kept:
        parts.append(f'<p class="muted">{esc(t["no_trace"])}</p>')
    parts.append("</section>")
    return "".join(parts)


def trace_data(trace: DecisionTrace) -> dict[str, Any]:
    """The trace as stored, plus its instants as times; durations stay in ms."""
    return {**trace.to_dict(), "decided_at": api_time_ms(trace.decided_ms)}


def offers_data(offers: list[OfferTry]) -> list[dict[str, Any]]:
    return [
        {
            "at": api_time(o.at),
            "agent_id": o.agent_id,
            "step": o.step,
            "grade": o.grade,
            "ended": o.ended or None,
            "trace": trace_data(o.trace) if o.trace is not None else None,
        }
        for o in offers
    ]
