"""The queue catalogue: what each queue is called and what a waiting caller hears."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QueueSpec(BaseModel):
    """One queue as configured (VIP, fault repair, complaint, billing...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: dict[str, str] = Field(min_length=1)  # language → display name
    hold_prompt: dict[str, str] = {}
    hold_music: str | None = None
    hold_seconds: int = Field(default=20, ge=5, le=120)  # one waitUrl segment
