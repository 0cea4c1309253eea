"""The desk's words in Chinese (default) and English, and the page language of a request."""

from __future__ import annotations

from aiohttp import web

from queues.call_records.outcome import CAUSE_LABELS, OUTCOME_LABELS, CallOutcome, EndCause
from queues.work_orders.categories import Category
from queues.work_orders.deadlines import DeadlineKind
from queues.work_orders.orders import Action
from queues.work_orders.status import Status
from staff_web.auth.login_form import Language
from staff_web.auth.login_pages import page_language

ZH: dict[str, str] = {
    "html_lang": "zh-CN",
    "desk": "值班台",
    "orders": "工单",
    "dues": "超期与临期",
    "calls": "通话记录",
    "service_level": "服务水平",
    "reports": "统计报表",
    "wallboard": "监控大屏",
    "admin": "系统管理",
    "switch": "English",
    "sign_out": "退出",
    "filter": "筛选",
    "all": "全部",
    "status": "状态",
    "category": "类别",
    "agent": "坐席",
    "caller": "来电号码",
    "due": "时限",
    "overdue": "已超期",
    "soon": "即将到期",
    "number": "工单号",
    "created": "受理时间",
    "queue": "队列",
    "department": "派单部门",
    "urges": "催办次数",
    "none": "无记录",
    "total": "共 {n} 条",
    "prev": "上一页",
    "next": "下一页",
    "order": "工单",
    "details": "详情",
    "customer": "客户",
    "path": "IVR路径",
    "grade": "等级",
    "wait": "等待",
    "talk": "通话",
    "seconds": "{n} 秒",
    "zone_note": "北京时间 (UTC+8)",
    "address": "地址",
    "description": "描述",
    "deadlines": "时限",
    "deadline": "时限",
    "due_at": "到期时间",
    "met_at": "完成时间",
    "remaining": "剩余",
    "met": "已完成",
    "trail": "处理记录",
    "when": "时间",
    "who": "操作人",
    "what": "操作",
    "change": "变更",
    "note": "备注",
    "linked": "关联工单",
    "actions": "操作",
    "dispatch": "派单",
    "transition": "变更状态",
    "to": "目标状态",
    "urge": "催办",
    "add_note": "添加备注",
    "reopen": "重新打开",
    "reason": "原因",
    "submit": "提交",
    "no_moves": "当前状态无可用的变更",
    "saved": "已保存",
    "error_heading": "未能完成",
    "view_only": "坐席仅可查看自己的工单",
    "call": "来电",
    "arrived": "来电时间",
    "outcome": "结果",
    "cause": "原因",
    "offers": "振铃次数",
    "work_order": "工单号",
    "today": "今日",
    "offered": "进线量",
    "answered": "接通量",
    "abandoned": "放弃量",
    "timed_out": "超时量",
    "within": "{s}秒内接通",
    "sl": "服务水平",
    "answer_rate": "接通率",
    "abandon_rate": "放弃率",
    "avg_wait": "平均等待",
    "aht": "平均处理时长",
    "all_queues": "合计",
    "date": "日期",
    "sl_note": "服务水平 = {s} 秒内接通数 ÷（进线量 − 短时放弃）；平均处理时长含话后处理。"
    "各队列按其配置的阈值计算，定义见 docs/metrics.md。",
    "field_department": "请填写派单部门",
    "field_note": "请填写原因",
    "field_reason": "请填写重新打开的原因",
    "field_text": "备注不能为空",
    "field_to": "请选择目标状态",
    "field_bad": "取值无效",
}

EN: dict[str, str] = {
    "html_lang": "en",
    "desk": "Desk",
    "orders": "Work orders",
    "dues": "Overdue & due soon",
    "calls": "Call records",
    "service_level": "Service level",
    "reports": "Reports",
    "wallboard": "Wallboard",
    "admin": "Admin",
    "switch": "中文",
    "sign_out": "Sign out",
    "filter": "Filter",
    "all": "All",
    "status": "Status",
    "category": "Category",
    "agent": "Agent",
    "caller": "Caller",
    "due": "Deadline",
    "overdue": "Overdue",
    "soon": "Due soon",
    "number": "Number",
    "created": "Accepted",
    "queue": "Queue",
    "department": "Department",
    "urges": "Urges",
    "none": "Nothing to show",
    "total": "{n} in all",
    "prev": "Previous",
    "next": "Next",
    "order": "Work order",
    "details": "Details",
    "customer": "Customer",
    "path": "IVR path",
    "grade": "Grade",
    "wait": "Wait",
    "talk": "Talk",
    "seconds": "{n} s",
    "zone_note": "Beijing time (UTC+8)",
    "address": "Address",
    "description": "Description",
    "deadlines": "Deadlines",
    "deadline": "Deadline",
    "due_at": "Due",
    "met_at": "Met",
    "remaining": "Left",
    "met": "Met",
    "trail": "Audit trail",
    "when": "When",
    "who": "Who",
    "what": "What",
    "change": "Change",
    "note": "Note",
    "linked": "Linked orders",
    "actions": "Actions",
    "dispatch": "Dispatch",
    "transition": "Change status",
    "to": "New status",
    "urge": "Urge",
    "add_note": "Add note",
    "reopen": "Reopen",
    "reason": "Reason",
    "submit": "Submit",
    "no_moves": "No status change is allowed from here",
    "saved": "Saved",
    "error_heading": "Not done",
    "view_only": "Agents may only view their own orders",
    "call": "Call",
    "arrived": "Arrived",
    "outcome": "Outcome",
    "cause": "Cause",
    "offers": "Offers",
    "work_order": "Work order",
    "today": "Today",
    "offered": "Offered",
    "answered": "Answered",
    "abandoned": "Abandoned",
    "timed_out": "Timed out",
    "within": "Answered in {s} s",
    "sl": "Service level",
    "answer_rate": "Answer rate",
    "abandon_rate": "Abandon rate",
    "avg_wait": "Avg wait",
    "aht": "AHT",
    "all_queues": "All queues",
    "date": "Date",
    "sl_note": "Service level = answered within {s} s ÷ (offered − short abandons); AHT "
    "includes wrap-up. Each queue uses its configured threshold (docs/metrics.md).",
    "field_department": "Enter the department",
    "field_note": "Say why",
    "field_reason": "Say why the order is reopened",
    "field_text": "The note is empty",
    "field_to": "Choose a status",
    "field_bad": "Not a valid value",
}

STATUS_EN = {
    Status.ACCEPTED: "accepted",
    Status.DISPATCHED: "dispatched",
    Status.PROCESSING: "processing",
    Status.REPLIED: "replied",
    Status.CALLBACK: "callback visit",
    Status.CLOSED: "closed",
}
ACTION_LABELS = {
    Action.CREATED: ("受理", "created"),
    Action.TRANSITION: ("状态变更", "status change"),
    Action.EDITED: ("修改", "edited"),
    Action.URGED: ("催办", "urged"),
    Action.NOTE: ("备注", "note"),
    Action.CONTACTED: ("已联系客户", "contacted"),
}


class Words:
    """The words of one page in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.en = language is Language.EN
        self._texts = EN if self.en else ZH

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def status(self, status: Status) -> str:
        return STATUS_EN[status] if self.en else status.label

    def category(self, category: Category) -> str:
        return category.value.replace("_", " ") if self.en else category.label

    def deadline(self, kind: DeadlineKind) -> str:
        return kind.value if self.en else kind.label

    def action(self, action: Action) -> str:
        zh, en = ACTION_LABELS[action]
        return en if self.en else zh

    def outcome(self, value: str) -> str:
        try:
            zh, en = OUTCOME_LABELS[CallOutcome(value)]
        except ValueError:
            return value
        return en if self.en else zh

    def cause(self, value: str) -> str:
        try:
            zh, en = CAUSE_LABELS[EndCause(value)]
        except ValueError:
            return value
        return en if self.en else zh


def words(request: web.Request) -> Words:
    return Words(page_language(request))
