"""Settings, from the environment and a .env file (pydantic-settings). Names follow each ecosystem's habits."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting Agora reads. `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite+aiosqlite:///agora.db", alias="DATABASE_URL")

    community_slug: str = Field(default="demo", alias="AGORA_COMMUNITY")
    community_name: str = Field(default="Agora", alias="AGORA_COMMUNITY_NAME")
    default_locale: str = Field(default="fr", alias="AGORA_DEFAULT_LOCALE")
    timezone: str = Field(default="Europe/Paris", alias="AGORA_TIMEZONE")
    # Platform user ids that are facilitators from the start, e.g. "slack:U123,telegram:42".
    facilitators: str = Field(default="", alias="AGORA_FACILITATORS")

    http_host: str = Field(default="127.0.0.1", alias="AGORA_HTTP_HOST")
    http_port: int | None = Field(default=None, alias="AGORA_HTTP_PORT")

    log_level: str = Field(default="INFO", alias="AGORA_LOG_LEVEL")
    log_format: str = Field(default="json", alias="AGORA_LOG_FORMAT")  # json | text

    console: bool | None = Field(default=None, alias="AGORA_CONSOLE")  # None: on when no platform is set
    console_user: str = Field(default="", alias="AGORA_CONSOLE_USER")

    outbox_poll_seconds: float = Field(default=0.5, alias="AGORA_OUTBOX_POLL_SECONDS")
    outbox_max_attempts: int = Field(default=8, alias="AGORA_OUTBOX_MAX_ATTEMPTS")
    outbox_lease_seconds: float = Field(default=60.0, alias="AGORA_OUTBOX_LEASE_SECONDS")

    # Onboarding and referrals (issue 03). Days may be fractions (0.5 is twelve hours).
    onboarding_expiry_days: float = Field(default=14.0, gt=0, alias="AGORA_ONBOARDING_EXPIRY_DAYS")
    onboarding_reminder_days: float = Field(default=3.0, gt=0, alias="AGORA_ONBOARDING_REMINDER_DAYS")
    referral_stay_days: float = Field(default=30.0, ge=0, alias="AGORA_REFERRAL_STAY_DAYS")
    # Where approved introductions are posted: "platform:workspace=channel" or "platform=channel" pairs.
    intro_channels: str = Field(default="console=introductions", alias="AGORA_INTRO_CHANNELS")
    # The bot's Telegram username (without @), for t.me/<bot>?start=CODE invitation links.
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")

    # Platforms (issue 02 wires the adapters; the names are fixed here so .env files stay stable).
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str | None = Field(default=None, alias="TELEGRAM_API_URL")
    discord_bot_token: SecretStr | None = Field(default=None, alias="DISCORD_BOT_TOKEN")
    discord_api_url: str | None = Field(default=None, alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(default=None, alias="DISCORD_GATEWAY_URL")

    # Several communities in one process: "platform:workspace=community-slug" pairs, comma-separated, e.g.
    # "slack:T0123=cci-dakar,telegram:<bot id>=cci-dakar,discord:<guild id>=syndicat" (a Telegram bot is one
    # workspace: its groups are channels). When set, a workspace that is
    # not listed is ignored; when empty, every workspace joins AGORA_COMMUNITY.
    workspaces: str = Field(default="", alias="AGORA_WORKSPACES")
    # Where to mention a member whose DMs are closed: "platform:workspace=channel" pairs, or "platform=channel"
    # for every workspace of that platform.
    fallback_channels: str = Field(default="", alias="AGORA_FALLBACK_CHANNELS")

    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    discord_public_key: str | None = Field(default=None, alias="DISCORD_PUBLIC_KEY")

    # Where files the bot makes are kept (CSV exports, charts): sent as files where the platform can, else
    # their paths are given to the facilitator.
    data_dir: str = Field(default="agora-data", alias="AGORA_DATA_DIR")

    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")

    def facilitator_ids(self) -> set[str]:
        return {item.strip() for item in self.facilitators.split(",") if item.strip()}

    def workspace_map(self) -> dict[tuple[str, str], str]:
        """(platform, workspace external id) -> community slug, from AGORA_WORKSPACES."""
        return {key: slug for key, slug in _pairs(self.workspaces).items() if key[1]}

    def fallback_channel(self, platform: str, workspace: str) -> str | None:
        pairs = _pairs(self.fallback_channels)
        return pairs.get((platform, workspace)) or pairs.get((platform, ""))

    def intro_channel(self, platform: str, workspace: str) -> str | None:
        pairs = _pairs(self.intro_channels)
        return pairs.get((platform, workspace)) or pairs.get((platform, ""))

    def platforms(self) -> list[str]:
        """The platforms whose credentials are set."""
        found = []
        if self.slack_bot_token is not None:
            found.append("slack")
        if self.discord_bot_token is not None:
            found.append("discord")
        if self.telegram_bot_token is not None:
            found.append("telegram")
        return found

    def console_enabled(self) -> bool:
        return self.console if self.console is not None else not self.platforms()


def _pairs(raw: str) -> dict[tuple[str, str], str]:
    """Parse "platform:workspace=value,platform=value" lists."""
    out: dict[tuple[str, str], str] = {}
    for item in raw.split(","):
        left, sep, value = item.strip().partition("=")
        if not sep or not value.strip():
            continue
        platform, _, workspace = left.strip().partition(":")
        out[(platform.strip().lower(), workspace.strip())] = value.strip()
    return out
