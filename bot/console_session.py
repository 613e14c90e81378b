"""A chat in the terminal: the app with the console as its only platform (`agora chat` and `agora demo`).

The database is migrated first, so a fresh folder works at once; the session ends when the console's input
ends (end of file, or /quit) and the app then stops cleanly: everything queued is written and delivered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, cast

from bot.composition import build_app, console_adapter
from bot.config import Settings
from bot.demo import Demo, load_demo, seed
from bot.i18n import Catalogs, normalise_locale

DEMO_DATABASE = "agora-demo.db"


class _Console(Protocol):
    async def finished(self) -> None: ...


async def chat(settings: Settings, *, user: str | None = None, demo: Demo | None = None, **console: Any) -> int:
    """Run a console chat until its input ends. `console` goes to the ConsoleAdapter (stdin, stdout...)."""
    from bot.store.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    if demo is not None:
        console.setdefault("greeting", demo_greeting(settings, demo))
    adapter = console_adapter(settings, user=user, **console)
    app = build_app(settings, adapters=[adapter])
    try:
        if demo is not None:
            await seed(app.services.sessions, demo, app.services.clock.now())
        await app.start()
        await cast(_Console, adapter).finished()
    finally:
        await app.stop()
    return 0


def demo_settings(settings: Settings, demo: Demo, folder: Path) -> Settings:
    """The demo's community on DATABASE_URL when it is set, else on a SQLite file in `folder`."""
    updates: dict[str, Any] = {"community_slug": demo.slug, "community_name": demo.name,
                               "default_locale": demo.locale, "timezone": demo.timezone}
    if "database_url" not in settings.model_fields_set:
        updates["database_url"] = f"sqlite+aiosqlite:///{folder.resolve() / DEMO_DATABASE}"
    return settings.model_copy(update=updates)


async def demo_chat(settings: Settings, *, user: str | None = None, **console: Any) -> int:
    """`agora demo`: the demo association, seeded if needed, and a chat as one of its members."""
    demo = load_demo()
    return await chat(demo_settings(settings, demo, Path.cwd()), user=user or demo.start_as, demo=demo,
                      **console)


def demo_greeting(settings: Settings, demo: Demo) -> str:
    names = ", ".join(member.name for member in demo.members)
    lang = normalise_locale(settings.default_locale) or "fr"
    return Catalogs().translate(lang, "console.demo.members", names=names)
