"""Every table, imported in one place so migrations and tests see the whole schema."""

from queues.audit import AuditEntry
from queues.call_records.cdr import CallRecord
from queues.call_records.router_events import RouterEventRow
from queues.config_drafts import ConfigDraft
from queues.config_versions import ConfigVersion
from queues.staff import User
from queues.staff_sessions import StaffSession
from queues.voicemails import Voicemail
from queues.work_orders.numbers import WorkOrderCounter
from queues.work_orders.orders import WorkOrder, WorkOrderDeadline, WorkOrderEvent

__all__ = [
    "AuditEntry",
    "CallRecord",
    "ConfigDraft",
    "ConfigVersion",
    "RouterEventRow",
    "StaffSession",
    "User",
    "Voicemail",
    "WorkOrder",
    "WorkOrderCounter",
    "WorkOrderDeadline",
    "WorkOrderEvent",
]
