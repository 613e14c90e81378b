"""The FAQ feature: members ask (`ask`/`faq`, a DM, a mention, or a question spotted in an opted-in channel),
rate the answer, and facilitators manage entries and knowledge gaps with `agora faq ...`.

The matching itself lives in bot.faq (the engine, the store and the service); these handlers only talk to it.
"""

from __future__ import annotations

from bot.context import Services
from bot.faq.openai_path import composer_from_settings
from bot.faq.service import FaqService
from bot.router import Router
from handlers.faq import admin, ask, feedback


def setup(router: Router, services: Services) -> None:
    service = FaqService()
    services.extras["faq"] = service
    key = services.settings.openai_api_key
    services.extras["faq.composer"] = composer_from_settings(
        key.get_secret_value() if key is not None else None, services.settings.openai_base_url)
    ask.setup(router, services, service)
    feedback.setup(router, services, service)
    admin.setup(router, services, service)
