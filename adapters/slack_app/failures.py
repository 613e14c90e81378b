"""What a Slack answer means for the outbox: retry later, retry with backoff, or never (and why).

Slack answers most errors with HTTP 200 and `{"ok": false, "error": CODE}`; rate limits with HTTP 429 and a
Retry-After header (seconds). The error codes are safe to keep in logs and in the outbox: they name the
problem, never the message.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.ports import PermanentFailure, RetryLater, SendError, TransientFailure

DEFAULT_RETRY_AFTER = 1.0

# A DM that will never go through: the member cannot be messaged by the bot.
DM_REFUSED = frozenset({
    "cannot_dm_bot", "user_not_found", "user_not_visible", "user_disabled", "channel_not_found",
    "is_archived", "restricted_action",
})
# Slack's own trouble, answered with HTTP 200: worth another try.
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def retry_after(headers: Any) -> float:
    """Seconds from a Retry-After header (any mapping, any case), else a default."""
    try:
        for key, value in headers.items():
            if str(key).lower() == "retry-after":
                return max(0.0, float(value))
    except (AttributeError, TypeError, ValueError):
        pass
    return DEFAULT_RETRY_AFTER


def error_code(err: SlackApiError) -> str:
    data = getattr(err.response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    return str(code) if code else f"http_{err.response.status_code}"


def api_failure(err: SlackApiError, *, dm: bool) -> SendError:
    """The SendError for a Web API error. `dm`: the call was part of delivering a DM."""
    status = int(err.response.status_code)
    code = error_code(err)
    if status == 429 or code == "ratelimited":
        return RetryLater(retry_after(err.response.headers))
    if status >= 500 or code in TRANSIENT:
        return TransientFailure(code)
    if dm and code in DM_REFUSED:
        return PermanentFailure(code, unreachable=True)
    return PermanentFailure(code)


def webhook_failure(status: int, headers: Any) -> SendError | None:
    """For a response_url answer: a SendError, or None when the URL is just spent (expired or used up)."""
    if status == 429:
        return RetryLater(retry_after(headers))
    if status >= 500:
        return TransientFailure(f"response_url_http_{status}")
    return None
