"""Settings come from the environment, with clear errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import (
    SETTINGS_DOC,
    CarrierKind,
    Settings,
    SettingsError,
    parse_sentinel_url,
    settings_table,
)

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
        ({"HOTLINE_TEST_CALLERS": "+8613800000999, alice"}, "HOTLINE_TEST_CALLERS"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(environ)


def test_config_poll_interval() -> None:
    assert Settings.from_env({}).config_poll_s == 1.0
    assert Settings.from_env({"HOTLINE_CONFIG_POLL_S": "0.2"}).config_poll_s == 0.2


def test_test_callers() -> None:
    assert Settings.from_env({}).test_callers == ()
    found = Settings.from_env({"HOTLINE_TEST_CALLERS": " +8613800000999, 13800000998 ,"})
    assert found.test_callers == ("+8613800000999", "13800000998")


def test_absent_agents_window() -> None:
    assert Settings.from_env({}).agent_absent_s == 30
    assert Settings.from_env({"HOTLINE_AGENT_ABSENT_S": "0"}).agent_absent_s == 0
    assert Settings.from_env({"HOTLINE_AGENT_ABSENT_S": "90"}).agent_absent_s == 90


def test_readme_documents_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    assert settings_table() in text, "README's settings table is stale: paste settings_table()"
    for doc in SETTINGS_DOC:
        assert f"`{doc.env}`" in text


def test_a_sentinel_url_names_the_sentinels_the_master_and_the_database() -> None:
    url = "redis+sentinel://:s3cr%40t@10.0.0.1:26379,[fd00::2]:26380,sentinel-c/hotline/2"
    address = parse_sentinel_url(url)
    assert address.sentinels == (("10.0.0.1", 26379), ("fd00::2", 26380), ("sentinel-c", 26379))
    assert (address.master, address.db) == ("hotline", 2)
    assert (address.username, address.password) == (None, "s3cr@t")
    assert address.sentinel_password is None
    assert Settings.from_env({"REDIS_URL": url}).redis_url == url


def test_a_sentinel_url_may_carry_the_sentinels_own_password() -> None:
    address = parse_sentinel_url("redis+sentinel://h1:1,h2:2/mymaster?sentinel_password=pw")
    assert (address.master, address.db, address.sentinel_password) == ("mymaster", 0, "pw")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis+sentinel:///mymaster", "at least one sentinel"),
        ("redis+sentinel://h1:26379", "master's name is missing"),
        ("redis+sentinel://h1:26379/", "master's name is missing"),
        ("redis+sentinel://h1:0/m", "port must be 1-65535"),
        ("redis+sentinel://h1:port/m", "port must be 1-65535"),
        ("redis+sentinel://h1/m/zero", "/MASTER or /MASTER/DB"),
        ("redis+sentinel://h1/m/0/x", "/MASTER or /MASTER/DB"),
        ("redis+sentinel://h1/m?password=x", "unknown parameter"),
    ],
)
def test_a_bad_sentinel_url_stops_the_start_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(SettingsError, match=f"REDIS_URL: .*{reason}"):
        Settings.from_env({"REDIS_URL": url})
