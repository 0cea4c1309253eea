"""A small hand-written config for the flow-test tests: one line with hours, a VIP policy,
a two-level menu and every kind of final action."""

from __future__ import annotations

from typing import Any

import yaml

from ivr.menus.scenarios import ScenarioResult, run_scenarios
from ivr.menus.schema import Config
from ivr.menus.validate import structural_problems

SMALL = """
queues:
  fault: {name: {zh-CN: 报修}, hold_prompt: {zh-CN: 报修电话排队中}}
  general: {name: {zh-CN: 人工}}
  vip: {name: {zh-CN: VIP}}
hotlines:
  - id: line
    name: 测试热线
    numbers: ["95598"]
    language: zh-CN
    greeting: {zh-CN: 欢迎致电测试热线}
    hours:
      weekly:
        mon: ["09:00-18:00"]
        tue: ["09:00-18:00"]
        wed: ["09:00-18:00"]
        thu: ["09:00-18:00"]
        fri: ["09:00-18:00"]
      cn_calendar: true
      makeup: ["09:00-18:00"]
    closed:
      prompt: {zh-CN: 现在是非工作时间}
      action: {type: voicemail, prompt: {zh-CN: 请在提示音后留言}}
    vip:
      classes: [gold]
      greeting: {zh-CN: 尊敬的VIP客户}
      action: {type: queue, queue: vip}
    operator: {type: queue, queue: general}
    messages:
      invalid: {zh-CN: 输入有误}
      no_input: {zh-CN: 没有收到按键}
      goodbye: {zh-CN: 再见}
      apology: {zh-CN: 抱歉}
      transfer: {zh-CN: 正在为您转接}
    menu:
      start: main
      nodes:
        main:
          prompt: {zh-CN: 报修请按1，查询请按2，转接请按3，留言请按4}
          retries: 1
          fallback: {type: hangup, prompt: {zh-CN: 未能识别您的选择}}
          options:
            - {key: "1", label: 报修, speech: [报修], action: {type: submenu, node: fault}}
            - key: "2"
              label: 查询
              action: {type: hangup, prompt: {zh-CN: 请登录网站查询}}
            - {key: "3", label: 转接, action: {type: transfer, number: "4008000000"}}
            - {key: "4", label: 留言, action: {type: voicemail, prompt: {zh-CN: 请留言}}}
        fault:
          prompt: {zh-CN: 停电请按1}
          options:
            - {key: "1", label: 停电, action: {type: queue, queue: fault}}
callers:
  - {phone: "+8613800138000", vip: gold}
  - {phone: "+8613900000001"}
"""

MONDAY_10 = "2026-03-02 10:00"


def small_document(*scenarios: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SMALL)
    document["scenarios"] = list(scenarios)
    return document


def small_config(*scenarios: dict[str, Any]) -> Config:
    config = Config.model_validate(small_document(*scenarios))
    assert structural_problems(config) == []
    return config


def scenario(inputs: list[Any], expect: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A scenario on the small line, on a Monday at 10:00 unless told otherwise."""
    base = {"name": "test", "dial": "95598", "at": MONDAY_10, "inputs": inputs, "expect": expect}
    return base | fields


def play_one(inputs: list[Any], expect: dict[str, Any], **fields: Any) -> ScenarioResult:
    (result,) = run_scenarios(small_config(scenario(inputs, expect, **fields)))
    return result
