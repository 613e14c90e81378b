"""`agora run`: one long-running bot process. Migrates the database, starts the App and its adapters, serves
HTTP (health, webhooks) when a port is set, then waits for SIGTERM or SIGINT, or, when every adapter is one
whose input can end (the console at end of file), for that end.

Shutdown keeps every message: no new events are taken (the HTTP listener closes first, since webhooks are
adapter input, then `App.stop` stops the adapters), the events in flight finish, the writer persists what was
submitted, the sender finishes the sends in progress and leaves the rest pending for the next start, and the
database is released last. A second signal during shutdown is not intercepted any more, so it forces the exit.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.composition import App, build_app
from bot.config import Settings
from bot.http import WAITING, Health, HttpServer, adapter_routes, create_web_app
from bot.ports import Adapter
from bot.store.migrate import upgrade_async
from bot.store.models import Outbox

log = logging.getLogger("agora.runner")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@runtime_checkable
class Finite(Protocol):
    """An adapter whose input can end (the console reading a file or a closed terminal)."""

    async def finished(self) -> None:
        """Return once no more events will come from this adapter (the console's end of input or /quit)."""
        ...


async def run(settings: Settings, *, clock: Clock | None = None, adapters: Sequence[Adapter] | None = None,
              ready: asyncio.Event | None = None) -> int:
    """Run until told to stop; returns the process exit code. `ready` is set once everything is serving."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    reason: list[str] = []
    installed = _catch_signals(loop, stop, reason)
    app: App | None = None
    health: Health | None = None
    server: HttpServer | None = None
    try:
        await upgrade_async(settings.database_url)
        app = build_app(settings, clock=clock, adapters=adapters)
        health = Health(app.engine, sorted(app.adapters))
        await app.start()
        health.started = True
        routes = adapter_routes(app.adapters.values())
        if settings.http_port is not None:
            server = HttpServer(create_web_app(health, routes), settings.http_host, settings.http_port)
            await server.start()
        elif routes:
            log.warning("adapters have webhook routes but AGORA_HTTP_PORT is not set", extra={"routes": len(routes)})
        log.info("agora running", extra={"platforms": ",".join(sorted(app.adapters)),
                                         "community": settings.community_slug})
        if ready is not None:
            ready.set()
        reason.append(await _until_stopped(stop, app.adapters.values()))
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if health is not None:
            health.started = False
        log.info("agora stopping", extra={"reason": reason[0] if reason else "error"})
        if app is not None:
            await _shutdown(app, server)
    return 0


def _catch_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event, reason: list[str]) -> list[signal.Signals]:
    """SIGTERM and SIGINT set `stop`. Not possible outside the main thread or on Windows: then the caller's own
    cancellation (asyncio.run on Ctrl-C) still goes through the same shutdown."""

    def on_signal(sig: signal.Signals) -> None:
        if not stop.is_set():
            reason.append(sig.name)
            stop.set()

    installed = []
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            log.debug("signal handler not installed", extra={"signal": sig.name})
            continue
        installed.append(sig)
    return installed


async def _until_stopped(stop: asyncio.Event, adapters: Iterable[Adapter]) -> str:
    """Wait for a stop signal; or, when every adapter's input can end (only the console, say), for all of them
    to end. Returns why it stopped."""
    chosen = list(adapters)
    finite = [a for a in chosen if isinstance(a, Finite)]
    waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
    if chosen and len(finite) == len(chosen):
        waiters.append(asyncio.ensure_future(asyncio.gather(*(a.finished() for a in finite))))
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
    return "signal" if stop.is_set() else "input ended"


async def _shutdown(app: App, server: HttpServer | None) -> None:
    if server is not None:
        await server.stop()
    await app.stop()
    # App.stop released the pool; one more short connection tells the operator what is kept for next time.
    try:
        waiting = await _waiting(app.engine)
        log.info("agora stopped", extra={"outbox_waiting": waiting})
    except Exception as exc:
        log.warning("agora stopped; outbox not counted", extra={"error": type(exc).__name__})
    finally:
        await app.engine.dispose()


async def _waiting(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.execute(select(func.count()).select_from(Outbox).where(Outbox.status.in_(WAITING)))
        return int(count.scalar_one())


__all__ = ["Finite", "run"]
