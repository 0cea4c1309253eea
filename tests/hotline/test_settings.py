"""Settings come from the environment, with clear errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import SETTINGS_DOC, CarrierKind, Settings, SettingsError, settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_embedded_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.carrier is CarrierKind.LOCAL
    assert settings.embedded_redis
    assert settings.embedded_database
    assert settings.database_url == "sqlite+aiosqlite:///var/hotline.db"
    assert settings.public_url == "http://127.0.0.1:8080"
    assert len(settings.twilio_auth_token) == 32  # random per start
    assert settings.demo_users


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({"TWILIO_AUTH_TOKEN": "s3cret-token"})
    assert "s3cret-token" not in repr(settings)


def test_production_settings() -> None:
    settings = Settings.from_env(
        {
            "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
            "TWILIO_AUTH_TOKEN": "tok",
            "HOTLINE_PUBLIC_URL": "https://hotline.example.com/",
            "REDIS_URL": "redis://r:6379/0",
            "DATABASE_URL": "postgresql://u@db/hotline",
        }
    )
    assert settings.carrier is CarrierKind.TWILIO
    assert settings.public_url == "https://hotline.example.com"
    assert settings.database_url == "postgresql+asyncpg://u@db/hotline"
    assert not settings.demo_users
    assert not settings.embedded_redis


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"HOTLINE_PORT": "http"}, "HOTLINE_PORT"),
        ({"HOTLINE_PORT": "70000"}, "HOTLINE_PORT"),
        ({"HOTLINE_PUBLIC_URL": "hotline.example.com"}, "HOTLINE_PUBLIC_URL"),
        ({"HOTLINE_CARRIER": "sip"}, "HOTLINE_CARRIER"),
        ({"HOTLINE_CARRIER": "twilio"}, "TWILIO_ACCOUNT_SID"),
        ({"HOTLINE_DEMO_USERS": "yes"}, "HOTLINE_DEMO_USERS"),
        ({"HOTLINE_EVENT_SINK": "off"}, "HOTLINE_EVENT_SINK"),
        ({"HOTLINE_CONFIG_POLL_S": "soon"}, "HOTLINE_CONFIG_POLL_S"),
        ({"HOTLINE_CONFIG_POLL_S": "0"}, "HOTLINE_CONFIG_POLL_S"),
        ({"HOTLINE_AGENT_ABSENT_S": "soon"}, "HOTLINE_AGENT_ABSENT_S"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(environ)


def test_config_poll_interval() -> None:
    assert Settings.from_env({}).config_poll_s == 1.0
    assert Settings.from_env({"HOTLINE_CONFIG_POLL_S": "0.2"}).config_poll_s == 0.2


def test_absent_agents_window() -> None:
    assert Settings.from_env({}).agent_absent_s == 30
    assert Settings.from_env({"HOTLINE_AGENT_ABSENT_S": "0"}).agent_absent_s == 0
    assert Settings.from_env({"HOTLINE_AGENT_ABSENT_S": "90"}).agent_absent_s == 90


def test_readme_documents_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    assert settings_table() in text, "README's settings table is stale: paste settings_table()"
    for doc in SETTINGS_DOC:
        assert f"`{doc.env}`" in text
