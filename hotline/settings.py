"""Settings: the one place that reads the environment."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEMO_CONFIG = Path(__file__).resolve().parent / "demo" / "hotlines.yaml"

# Auth token the local carrier signs with when no Twilio token is configured.
LOCAL_AUTH_TOKEN_BYTES = 16


class SettingsError(ValueError):
    """A setting has a value the server cannot use; the message names the variable."""


class CarrierKind(StrEnum):
    LOCAL = "local"
    TWILIO = "twilio"


@dataclass(frozen=True)
class SettingDoc:
    env: str
    default: str
    meaning: str


# The README's settings table is generated from (and tested against) this list.
SETTINGS_DOC: tuple[SettingDoc, ...] = (
    SettingDoc("HOTLINE_HOST", "127.0.0.1", "Address the server listens on."),
    SettingDoc("HOTLINE_PORT", "8080", "Port the server listens on."),
    SettingDoc(
        "HOTLINE_PUBLIC_URL",
        "http://HOST:PORT",
        "Public base URL the carrier reaches us at; signatures are checked against it.",
    ),
    SettingDoc(
        "HOTLINE_CARRIER",
        "local (twilio when TWILIO_ACCOUNT_SID is set)",
        "`local`: the built-in carrier; `twilio`: Twilio's REST API.",
    ),
    SettingDoc("TWILIO_ACCOUNT_SID", "(unset)", "Twilio account SID."),
    SettingDoc(
        "TWILIO_AUTH_TOKEN",
        "(random per start in local mode)",
        "Twilio auth token: signs and checks webhooks.",
    ),
    SettingDoc(
        "TWILIO_API_BASE_URL", "https://api.twilio.com", "Twilio REST base URL (overridable)."
    ),
    SettingDoc("TWILIO_API_KEY_SID", "(unset)", "API key (SK...) for softphone access tokens."),
    SettingDoc("TWILIO_API_KEY_SECRET", "(unset)", "That API key's secret."),
    SettingDoc(
        "TWILIO_TWIML_APP_SID", "(unset)", "TwiML app (AP...) the softphone's Voice SDK uses."
    ),
    SettingDoc(
        "REDIS_URL",
        "(unset: in-process stand-in)",
        "Redis URL for the router and call state; Redis 7.0 or newer. Through Redis "
        "Sentinel: `redis+sentinel://[:PASSWORD@]HOST:PORT,HOST:PORT,.../MASTER[/DB]` "
        "(the sentinels' addresses, the master's name; `?sentinel_password=` if the "
        "sentinels ask for one).",
    ),
    SettingDoc("HOTLINE_REDIS_PREFIX", "hotline", "Prefix of every Redis key."),
    SettingDoc(
        "DATABASE_URL",
        "sqlite+aiosqlite:///DATA_DIR/hotline.db",
        "SQLAlchemy URL; `postgresql+asyncpg://...` in production.",
    ),
    SettingDoc("HOTLINE_DATA_DIR", "./var", "Where the embedded SQLite file lives."),
    SettingDoc(
        "HOTLINE_CONFIG",
        "the shipped demo (hotline/demo/hotlines.yaml)",
        "Config imported and published at start when the database has none.",
    ),
    SettingDoc(
        "HOTLINE_CONFIG_POLL_S",
        "1",
        "Seconds between checks of the database for a config version published elsewhere "
        "(by the CLI beside an embedded server, say); 0.05-60.",
    ),
    SettingDoc(
        "HOTLINE_DEMO_USERS",
        "1 without DATABASE_URL, else 0",
        "Create the demo admin, supervisor and agents with fresh passwords printed at start.",
    ),
    SettingDoc(
        "HOTLINE_EVENT_SINK",
        "1",
        "1: this process writes the router's events into call records. With several "
        "processes, keep it on in at least one (they share the work); 0 frees web processes.",
    ),
    SettingDoc(
        "HOTLINE_AGENT_ABSENT_S",
        "30",
        "Seconds an agent's softphone page may be closed or cut off before the agent is put "
        "on break (reason `absent`) and offered no calls; 0: never.",
    ),
    SettingDoc(
        "HOTLINE_TEST_CALLERS",
        "(none)",
        "Comma-separated caller numbers whose calls hear the config draft on trial (if any) "
        "instead of the published config, e.g. `+8613800000999`.",
    ),
    SettingDoc("HOTLINE_LOG_LEVEL", "INFO", "Logging level."),
)


def settings_table() -> str:
    """The README's table of settings (a test keeps the README equal to it)."""
    rows = [f"| `{doc.env}` | {doc.default} | {doc.meaning} |" for doc in SETTINGS_DOC]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


PHONE = re.compile(r"\+?[0-9]{3,20}")
SENTINEL_SCHEME = "redis+sentinel"
DEFAULT_SENTINEL_PORT = 26379


@dataclass(frozen=True)
class SentinelAddress:
    """Where Redis Sentinel says the primary is: the sentinels, the name they watch it
    under, and what the primary itself asks of a client."""

    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    sentinel_password: str | None = field(default=None, repr=False)


def is_sentinel_url(url: str) -> bool:
    return url.lower().startswith(SENTINEL_SCHEME + "://")


def _sentinel_host(item: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` of one sentinel."""
    if item.startswith("["):
        host, _, rest = item[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif item.count(":") == 1:
        host, _, port_text = item.partition(":")
    else:
        host, port_text = item, ""
    if not host:
        raise SettingsError(f"REDIS_URL: a sentinel without a host in {item!r}")
    if not port_text:
        return host, DEFAULT_SENTINEL_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"REDIS_URL: sentinel {item!r}: the port must be 1-65535")
    return host, int(port_text)


def parse_sentinel_url(url: str) -> SentinelAddress:
    """`redis+sentinel://[[USER]:PASSWORD@]HOST[:PORT],...,HOST[:PORT]/MASTER[/DB]`, with
    `?sentinel_password=...` when the sentinels ask for a password of their own."""
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    sentinels = tuple(_sentinel_host(item.strip()) for item in hosts.split(",") if item.strip())
    if not sentinels:
        raise SettingsError("REDIS_URL: name at least one sentinel, as HOST:PORT")
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments:
        raise SettingsError("REDIS_URL: the master's name is missing (.../MASTER[/DB])")
    if len(segments) > 2 or (len(segments) == 2 and not segments[1].isdigit()):
        raise SettingsError(
            f"REDIS_URL: expected /MASTER or /MASTER/DB after the sentinels, got {parts.path!r}"
        )
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"sentinel_password"})
    if unknown:
        raise SettingsError(f"REDIS_URL: unknown parameter(s) {', '.join(unknown)}")
    return SentinelAddress(
        sentinels=sentinels,
        master=segments[0],
        db=int(segments[1]) if len(segments) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_password=query.get("sentinel_password", [None])[-1],
    )


def _redis_url(environ: Mapping[str, str]) -> str | None:
    url = environ.get("REDIS_URL", "").strip() or None
    if url is not None and is_sentinel_url(url):
        parse_sentinel_url(url)  # a mistake stops the start, naming the variable
    return url


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected an integer, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name}: must not be negative, got {value}")
    return value


def _phone_list(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    numbers = tuple(part.strip() for part in environ.get(name, "").split(",") if part.strip())
    for number in numbers:
        if not PHONE.fullmatch(number):
            raise SettingsError(f"{name}: {number!r} is not a phone number (digits, optional +)")
    return numbers


def _poll_seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a number of seconds, got {raw!r}") from None
    if not 0.05 <= value <= 60:
        raise SettingsError(f"{name}: must be 0.05-60 seconds, got {raw}")
    return value


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    carrier: CarrierKind = CarrierKind.LOCAL
    twilio_account_sid: str = "AC" + "0" * 32
    twilio_auth_token: str = field(default="local-carrier-token", repr=False)
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_api_key_sid: str = ""
    twilio_api_key_secret: str = field(default="", repr=False)
    twilio_twiml_app_sid: str = ""
    redis_url: str | None = None
    redis_prefix: str = "hotline"
    database_url: str = "sqlite+aiosqlite:///var/hotline.db"
    data_dir: Path = Path("var")
    config_path: Path = DEMO_CONFIG
    config_poll_s: float = 1.0
    demo_users: bool = False
    event_sink: bool = True
    agent_absent_s: int = 30
    test_callers: tuple[str, ...] = ()
    log_level: str = "INFO"

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        host = environ.get("HOTLINE_HOST", "127.0.0.1").strip() or "127.0.0.1"
        port = _int(environ, "HOTLINE_PORT", 8080)
        if not 0 < port < 65536:
            raise SettingsError(f"HOTLINE_PORT: must be 1-65535, got {port}")
        public_url = environ.get("HOTLINE_PUBLIC_URL", "").strip().rstrip("/")
        if not public_url:
            public_url = f"http://{host}:{port}"
        if not public_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"HOTLINE_PUBLIC_URL: must start with http(s)://, got {public_url!r}"
            )
        account_sid = environ.get("TWILIO_ACCOUNT_SID", "").strip()
        carrier_raw = environ.get("HOTLINE_CARRIER", "").strip().lower()
        if not carrier_raw:
            carrier_raw = CarrierKind.TWILIO if account_sid else CarrierKind.LOCAL
        try:
            carrier = CarrierKind(carrier_raw)
        except ValueError:
            raise SettingsError(
                f"HOTLINE_CARRIER: expected 'local' or 'twilio', got {carrier_raw!r}"
            ) from None
        token = environ.get("TWILIO_AUTH_TOKEN", "").strip()
        if carrier is CarrierKind.TWILIO and not (account_sid and token):
            raise SettingsError(
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required with HOTLINE_CARRIER=twilio"
            )
        if not token:
            token = secrets.token_hex(LOCAL_AUTH_TOKEN_BYTES)
        data_dir = Path(environ.get("HOTLINE_DATA_DIR", "").strip() or "var")
        database_url = environ.get("DATABASE_URL", "").strip()
        if not database_url:
            database_url = f"sqlite+aiosqlite:///{data_dir / 'hotline.db'}"
        elif database_url.startswith("postgres://"):
            database_url = "postgresql+asyncpg://" + database_url.removeprefix("postgres://")
        elif database_url.startswith("postgresql://"):
            database_url = "postgresql+asyncpg://" + database_url.removeprefix("postgresql://")
        config = environ.get("HOTLINE_CONFIG", "").strip()
        demo_raw = environ.get("HOTLINE_DEMO_USERS", "").strip()
        if demo_raw not in {"", "0", "1"}:
            raise SettingsError(f"HOTLINE_DEMO_USERS: expected 0 or 1, got {demo_raw!r}")
        demo_users = demo_raw == "1" if demo_raw else not environ.get("DATABASE_URL", "").strip()
        sink_raw = environ.get("HOTLINE_EVENT_SINK", "").strip() or "1"
        if sink_raw not in {"0", "1"}:
            raise SettingsError(f"HOTLINE_EVENT_SINK: expected 0 or 1, got {sink_raw!r}")
        return cls(
            host=host,
            port=port,
            public_url=public_url,
            carrier=carrier,
            twilio_account_sid=account_sid or cls.twilio_account_sid,
            twilio_auth_token=token,
            twilio_api_base_url=(
                environ.get("TWILIO_API_BASE_URL", "").strip().rstrip("/")
                or cls.twilio_api_base_url
            ),
            twilio_api_key_sid=environ.get("TWILIO_API_KEY_SID", "").strip(),
            twilio_api_key_secret=environ.get("TWILIO_API_KEY_SECRET", "").strip(),
            twilio_twiml_app_sid=environ.get("TWILIO_TWIML_APP_SID", "").strip(),
            redis_url=_redis_url(environ),
            redis_prefix=environ.get("HOTLINE_REDIS_PREFIX", "").strip() or "hotline",
            database_url=database_url,
            data_dir=data_dir,
            config_path=Path(config) if config else DEMO_CONFIG,
            config_poll_s=_poll_seconds(environ, "HOTLINE_CONFIG_POLL_S", 1.0),
            demo_users=demo_users,
            event_sink=sink_raw == "1",
            agent_absent_s=_int(environ, "HOTLINE_AGENT_ABSENT_S", 30),
            test_callers=_phone_list(environ, "HOTLINE_TEST_CALLERS"),
            log_level=environ.get("HOTLINE_LOG_LEVEL", "").strip().upper() or "INFO",
        )
