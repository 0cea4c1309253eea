"""The audit view's filters and paging from a query string: `kind`, `object`, `actor`,
`limit`, `offset`; a bad value names its field."""

from __future__ import annotations

import re
from collections.abc import Mapping

from queues.audit import AuditFilters
from staff_web.supervisor.filters import Paging, paging
from staff_web.supervisor.order_actions import ActionRefused

# As long as the columns they are compared with; no control characters.
LIMITS = {"kind": 32, "object": 128, "actor": 64}
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def audit_filters(query: Mapping[str, str]) -> tuple[AuditFilters, Paging]:
    """The filters and the page asked for; ActionRefused (400) naming the bad field."""
    values = {}
    for name, longest in LIMITS.items():
        raw = query.get(name, "").strip()
        if len(raw) > longest or CONTROL.search(raw):
            raise ActionRefused(400, f"{name}: at most {longest} characters", {name: "field_bad"})
        values[name] = raw or None
    filters = AuditFilters(
        object_kind=values["kind"], object_id=values["object"], actor=values["actor"]
    )
    return filters, paging(query)
