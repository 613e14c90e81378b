"""The Telegram adapter (python-telegram-bot v22): long polling by default, a webhook with a secret token when
TELEGRAM_WEBHOOK_URL is set. Modules: inbound (updates -> events), outbound (messages -> sendMessage, errors),
webhook (the HTTP endpoint), polling (the getUpdates connection), adapter (lifecycle), sdk_logs."""

from adapters.telegram_bot.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
