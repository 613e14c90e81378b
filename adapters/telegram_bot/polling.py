"""The getUpdates connection used in long-polling mode, with one safeguard PTB does not have.

PTB parses a getUpdates batch as a whole. One update it cannot read (a shape from a newer Bot API, a broken
proxy) makes the whole batch fail: the offset never moves and PTB fetches the same batch forever, logging its
raw contents each time. This request class checks each update of a successful getUpdates answer first and
replaces an unreadable one by an empty update with the same id: PTB then confirms it, the adapter ignores it,
and the updates after it still arrive. It is PTB's documented extension point (a BaseRequest): nothing is
patched.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger("agora.telegram")


class UpdatesRequest(HTTPXRequest):
    """HTTPXRequest for getUpdates whose answers reach PTB with every update readable."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,  # PTB's "not given" marker: its own default applies
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                                 connect_timeout, pool_timeout)
        if 200 <= code < 300 and url.endswith("/getUpdates"):
            payload = readable_updates(payload)
        return code, payload


def readable_updates(payload: bytes) -> bytes:
    """The getUpdates answer with each unreadable update replaced by `{"update_id": id}`."""
    try:
        data: Any = json.loads(payload)
    except (ValueError, RecursionError):
        return payload  # PTB reports an invalid answer itself and retries
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        return payload
    kept: list[Any] = []
    changed = False
    for item in data["result"]:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.warning("telegram update without an id dropped")
            changed = True
            continue
        try:
            Update.de_json(item, None)
        except Exception as exc:  # whatever PTB's parser raises for a shape it does not expect
            log.warning("unreadable telegram update skipped", extra={"update_id": update_id,
                                                                     "error": type(exc).__name__})
            item, changed = {"update_id": update_id}, True
        kept.append(item)
    if not changed:
        return payload
    data["result"] = kept
    return json.dumps(data).encode("utf-8")
