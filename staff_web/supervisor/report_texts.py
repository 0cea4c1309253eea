"""The report pages' words in Chinese (default) and English, as texts.py keeps the desk's."""

from __future__ import annotations

from aiohttp import web

from queues.work_orders.categories import Category
from staff_web.auth.login_form import Language
from staff_web.auth.login_pages import page_language

ZH: dict[str, str] = {
    "reports": "统计报表",
    "from": "开始日期",
    "to": "结束日期",
    "interval": "时段",
    "view": "报表",
    "queues": "队列报表",
    "agents": "坐席报表",
    "min": "{n} 分钟",
    "day": "按天",
    "show": "查询",
    "csv": "导出 CSV",
    "zone": "时间为北京时间（Asia/Shanghai）。",
    "none": "所选日期内无数据",
    "queue": "队列",
    "all_queues": "全部队列",
    "start": "时段开始（北京时间）",
    "offered": "进线量",
    "answered": "接通量",
    "abandoned": "放弃量",
    "short_abandoned": "短时放弃",
    "within": "阈值内接通",
    "sl": "服务水平",
    "asa": "平均应答时长",
    "aht": "平均处理时长",
    "longest": "最长等待",
    "overflowed": "溢出量",
    "timed_out": "排队超时",
    "agent": "坐席",
    "talk": "通话时长",
    "wrap": "话后处理时长",
    "occupancy": "占用率",
    "rejects": "拒接",
    "no_answers": "未应答",
    "signed_in": "签入时长",
    "breaks": "小休时长",
    "orders": "工单",
    "complaints": "关联投诉",
    "seconds": "{v} 秒",
    "hours": "{v} 小时",
    "note": "服务水平 = 阈值内接通 ÷（进线量 − 短时放弃）；平均处理时长含话后处理。"
    "定义见 docs/metrics.md。",
    "bad": "请求有误：{m}",
    "chart": "图表",
}

EN: dict[str, str] = {
    "reports": "Reports",
    "from": "From",
    "to": "To",
    "interval": "Interval",
    "view": "Report",
    "queues": "Queues",
    "agents": "Agents",
    "min": "{n} min",
    "day": "Per day",
    "show": "Show",
    "csv": "Export CSV",
    "zone": "Times are Beijing time (Asia/Shanghai).",
    "none": "No data on the chosen days",
    "queue": "Queue",
    "all_queues": "All queues",
    "start": "Interval start (Beijing time)",
    "offered": "Offered",
    "answered": "Answered",
    "abandoned": "Abandoned",
    "short_abandoned": "Short abandons",
    "within": "Answered in threshold",
    "sl": "Service level",
    "asa": "ASA",
    "aht": "AHT",
    "longest": "Longest wait",
    "overflowed": "Overflowed",
    "timed_out": "Timed out",
    "agent": "Agent",
    "talk": "Talk time",
    "wrap": "Wrap-up time",
    "occupancy": "Occupancy",
    "rejects": "Rejects",
    "no_answers": "No answers",
    "signed_in": "Signed in",
    "breaks": "Breaks",
    "orders": "Work orders",
    "complaints": "Complaints linked",
    "seconds": "{v} s",
    "hours": "{v} h",
    "note": "Service level = answered in threshold ÷ (offered − short abandons); AHT "
    "includes wrap-up. Definitions: docs/metrics.md.",
    "bad": "Bad request: {m}",
    "chart": "Chart",
}


class ReportWords:
    """The report pages' words in one language."""

    def __init__(self, language: Language) -> None:
        self.en = language is Language.EN
        self._texts = EN if self.en else ZH

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def category(self, category: Category) -> str:
        return category.value.replace("_", " ") if self.en else category.label

    def seconds(self, value: float | None) -> str:
        """A duration in seconds, one decimal, with its unit; '' when there is none."""
        return "" if value is None else self["seconds"].format(v=f"{value:.1f}")

    def hours(self, ms: int) -> str:
        return self["hours"].format(v=f"{ms / 3_600_000:.1f}")


def report_words(request: web.Request) -> ReportWords:
    return ReportWords(page_language(request))
