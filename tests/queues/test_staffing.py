"""Erlang C against published figures and against its own definitions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queues.staffing import agents_needed, average_speed_of_answer, erlang_c, service_level


def erlang_c_by_the_formula(agents: int, traffic: float) -> float:
    """The closed form, summed directly (fine for small numbers)."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_a_case_worked_by_hand() -> None:
    # 3 agents, 2 erlangs: A^c/c! * c/(c-A) = 8/6 * 3 = 4; the terms A^k/k! for k < 3 sum
    # to 1 + 2 + 2 = 5; Erlang C is 4 / (5 + 4) = 4/9.
    assert erlang_c(3, 2) == pytest.approx(4 / 9)
    assert service_level(3, 2, 60, 60) == pytest.approx(1 - 4 / 9 * math.exp(-1))
    assert average_speed_of_answer(3, 2, 60) == pytest.approx(4 / 9 * 60)
    # 24 erlangs answered 80% within 20 s at 240 s a call: 28 agents are not enough.
    assert service_level(28, 24, 240, 20) < 0.8 <= service_level(29, 24, 240, 20)
    assert agents_needed(24, 240, 20, 0.8) == 29


@given(st.integers(1, 40), st.floats(0.05, 0.99))
def test_the_recurrence_agrees_with_the_closed_form(agents: int, occupancy: float) -> None:
    traffic = agents * occupancy
    assert erlang_c(agents, traffic) == pytest.approx(erlang_c_by_the_formula(agents, traffic))


def test_agents_that_cannot_keep_up_always_make_callers_wait() -> None:
    assert erlang_c(10, 10) == 1.0
    assert service_level(10, 12, 180, 20) == 0.0
    assert average_speed_of_answer(10, 12, 180) == math.inf


def test_no_traffic_no_wait() -> None:
    assert erlang_c(3, 0) == 0.0
    assert service_level(3, 0, 180, 20) == 1.0


def test_thousands_of_agents_stay_finite() -> None:
    # A national busy hour: about 2,000 erlangs.
    needed = agents_needed(2000, 130, 20, 0.8)
    assert 2000 < needed < 2100
    assert service_level(needed, 2000, 130, 20) >= 0.8
    assert service_level(needed - 1, 2000, 130, 20) < 0.8


@given(st.floats(1, 500), st.floats(30, 600))
def test_the_staff_found_is_the_fewest_that_reach_the_target(traffic: float, handle: float) -> None:
    needed = agents_needed(traffic, handle, 20, 0.8)
    assert service_level(needed, traffic, handle, 20) >= 0.8
    if needed - 1 > traffic:
        assert service_level(needed - 1, traffic, handle, 20) < 0.8


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        erlang_c(-1, 2)
    with pytest.raises(ValueError, match="handle time"):
        service_level(3, 1, 0, 20)
    with pytest.raises(ValueError, match="target"):
        agents_needed(3, 180, 20, 1.0)
