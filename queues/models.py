"""Every table, imported in one place so migrations and tests see the whole schema."""

from queues.call_records import CallRecord
from queues.config_versions import ConfigVersion
from queues.router_events import RouterEventRow
from queues.staff import User
from queues.voicemails import Voicemail
from queues.work_order_numbers import WorkOrderCounter
from queues.work_orders import WorkOrder, WorkOrderDeadline, WorkOrderEvent

__all__ = [
    "CallRecord",
    "ConfigVersion",
    "RouterEventRow",
    "User",
    "Voicemail",
    "WorkOrder",
    "WorkOrderCounter",
    "WorkOrderDeadline",
    "WorkOrderEvent",
]
