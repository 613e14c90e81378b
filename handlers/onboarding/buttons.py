"""The flow's buttons. Every button of a flow message carries the flow's id and the step it belongs to, so a
button from an older flow or an earlier step is recognised (and answered clearly) instead of acting blindly.

On the wire: action "onb", value "<flow>:<step>:<verb>:<arg>", well under Telegram's 64 bytes. Buttons of the
profile card are not tied to a flow: action "profile", value "<verb>:<arg>".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.replies import Button

FLOW_ACTION = "onb"
CARD_ACTION = "profile"


@dataclass(frozen=True, slots=True)
class Pressed:
    flow: str
    step: str
    verb: str
    arg: str


def new_flow_id() -> str:
    return secrets.token_hex(3)


def flow_button(label: str, flow: str, step: str, verb: str, arg: str = "", style: str = "default") -> Button:
    return Button(label, FLOW_ACTION, f"{flow}:{step}:{verb}:{arg}", style=style)


def card_button(label: str, verb: str, arg: str = "", style: str = "default") -> Button:
    return Button(label, CARD_ACTION, f"{verb}:{arg}", style=style)


def parse_flow_value(value: str) -> Pressed | None:
    parts = value.split(":", 3)
    if len(parts) != 4 or not all(parts[:3]):
        return None
    return Pressed(*parts)


def parse_card_value(value: str) -> tuple[str, str]:
    verb, _, arg = value.partition(":")
    return verb, arg
