"""The process's HTTP server: `GET /healthz` for load balancers and orchestrators, plus the routes adapters
need for platform webhooks (Slack events, Telegram updates...).

How an adapter adds routes: it exposes `routes()` returning `(method, path, handler)` tuples, where `handler`
is an aiohttp handler (`async def handler(request) -> web.Response`). The runner collects them from every
adapter (`adapter_routes`) after the adapters started and before the server starts, since aiohttp freezes its
router once serving. Adapters without webhooks simply have no `routes` attribute.

Access logs are off: webhook paths and query strings can carry secrets (a Telegram token in the path, say).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from aiohttp import web
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.models import Outbox

log = logging.getLogger("agora.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, Handler]  # (method, path, handler), e.g. ("POST", "/slack/events", handle)

WAITING = ("pending", "sending")  # outbox rows not delivered yet


@runtime_checkable
class HasRoutes(Protocol):
    """An adapter that receives platform calls over HTTP."""

    def routes(self) -> Sequence[Route]:
        ...


def adapter_routes(adapters: Iterable[object]) -> list[Route]:
    """Every route the given adapters ask for, in adapter order."""
    found: list[Route] = []
    for adapter in adapters:
        if isinstance(adapter, HasRoutes):
            found.extend(adapter.routes())
    return found


@dataclass
class Health:
    """What /healthz reports. `started` is set by the runner once the adapters run, cleared when stopping."""

    engine: AsyncEngine
    platforms: list[str] = field(default_factory=list)
    started: bool = False
    timeout: float = 5.0

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, body): healthy when the database answers and the adapters are started."""
        db_ok, pending = False, None
        try:
            async with asyncio.timeout(self.timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                pending = int((await conn.execute(
                    select(func.count()).select_from(Outbox).where(Outbox.status.in_(WAITING))
                )).scalar_one())
            db_ok = True
        except Exception as exc:  # the point is to report it, not to crash the probe
            log.warning("health check: database unreachable", extra={"error": type(exc).__name__})
        healthy = db_ok and self.started
        body = {
            "status": "ok" if healthy else "unavailable",
            "db": db_ok,
            "adapters": {"started": self.started, "platforms": self.platforms},
            "outbox_pending": pending,
        }
        return healthy, body


def create_web_app(health: Health, routes: Sequence[Route] = ()) -> web.Application:
    """The aiohttp application: /healthz plus the adapters' routes."""

    async def healthz(_request: web.Request) -> web.Response:
        healthy, body = await health.report()
        return web.json_response(body, status=200 if healthy else 503)

    application = web.Application()
    application.router.add_get("/healthz", healthz)
    for method, path, handler in routes:
        application.router.add_route(method, path, handler)
    return application


class HttpServer:
    """Serves a web application on exactly `host:port` (port 0: any free port, see `port`)."""

    def __init__(self, application: web.Application, host: str, port: int, shutdown_timeout: float = 10.0) -> None:
        self.application = application
        self.host = host
        self.requested_port = port
        self.shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        """The port actually bound (differs from the requested one when that was 0)."""
        if self._runner is not None:
            for address in self._runner.addresses:
                if isinstance(address, tuple) and len(address) >= 2:
                    return int(address[1])
        return self.requested_port

    async def start(self) -> None:
        runner = web.AppRunner(self.application, access_log=None, handle_signals=False,
                               shutdown_timeout=self.shutdown_timeout)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        log.info("http listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        """Stop listening, let the requests in progress finish (up to shutdown_timeout), release the socket."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner, self._site = None, None
            log.info("http stopped")
