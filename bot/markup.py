"""The small neutral markup replies are written in, and its rendering per platform.

Markup: *bold*, _italic_, `code`, [label](https://url), @[user-id] (a mention of one member), lines starting
with "- " for lists. Anything a member
typed is inserted through `user_text()`, which escapes markup and neutralises mass mentions; the renderers
neutralise mass mentions once more over the whole text, so no path can ping everyone.
"""

from __future__ import annotations

import html
import re

_ZWSP = "\u200b"

# @everyone, @here, @channel (Discord, Telegram, plain) and Slack's <!channel>, <!here>, <!everyone>,
# <!subteam^...>, role mentions <@&id>.
_MASS_MENTION = re.compile(r"@(everyone|here|channel|all)\b", re.IGNORECASE)
_SLACK_SPECIAL = re.compile(r"<!(channel|here|everyone|subteam\^[^>]*)(\|[^>]*)?>", re.IGNORECASE)
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_ESCAPABLE = re.compile(r"([*_`\[\]\\])")
_TOKEN = re.compile(
    r"\\(?P<esc>[*_`\[\]\\])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\*(?P<bold>[^*\n]+)\*"
    r"|(?<![\w])_(?P<italic>[^_\n]+)_(?![\w])"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"|@\[(?P<mention>[A-Za-z0-9_.:-]{1,64})\]"
)


def neutralise_mentions(text: str) -> str:
    """Defuse every form of mass mention: the words stay readable, nobody is pinged."""
    text = _SLACK_SPECIAL.sub(lambda m: f"<{_ZWSP}!{m.group(1)}>", text)
    text = _ROLE_MENTION.sub(lambda m: f"<@{_ZWSP}&{m.group(1)}>", text)
    return _MASS_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)


def user_text(text: str) -> str:
    """Embed member-provided text in a reply: markup escaped, mass mentions neutralised."""
    return _ESCAPABLE.sub(r"\\\1", neutralise_mentions(text))


def _render(text: str, fmt: dict[str, str], escape: bool) -> str:
    out: list[str] = []
    pos = 0
    esc = html.escape if escape else (lambda s: s)
    for m in _TOKEN.finditer(text):
        out.append(esc(text[pos : m.start()]))
        pos = m.end()
        kind = m.lastgroup
        if kind == "esc":
            out.append(esc(fmt["literal"].format(m.group("esc"))))
        elif kind == "mention":
            out.append(fmt["mention"].format(esc(m.group("mention"))))
        elif kind == "url" or kind == "label":
            out.append(fmt["link"].format(label=esc(m.group("label")), url=esc(m.group("url"))))
        else:
            assert kind is not None
            out.append(fmt[kind].format(esc(m.group(kind))))
    out.append(esc(text[pos:]))
    return neutralise_mentions("".join(out))


_PLAIN = {"mention": "@{}", "literal": "{}", "code": "{}", "bold": "{}", "italic": "{}", "link": "{label} ({url})"}
_SLACK = {
    "mention": "<@{}>", "literal": "{}", "code": "`{}`", "bold": "*{}*", "italic": "_{}_", "link": "<{url}|{label}>"}
_DISCORD = {
    "mention": "<@{}>", "literal": "\\{}", "code": "`{}`", "bold": "**{}**", "italic": "*{}*",
    "link": "[{label}]({url})",
}
_TELEGRAM = {
    "mention": '<a href="tg://user?id={0}">{0}</a>',
    "literal": "{}",
    "code": "<code>{}</code>",
    "bold": "<b>{}</b>",
    "italic": "<i>{}</i>",
    "link": '<a href="{url}">{label}</a>',
}


def to_plain(text: str) -> str:
    """For terminals and logs-free previews."""
    return _render(text, _PLAIN, escape=False)


def to_slack(text: str) -> str:
    """Slack mrkdwn; &, < and > are escaped as Slack asks so member text cannot forge links or mentions."""
    rendered = _render(
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), _SLACK, escape=False
    )
    return rendered


def to_discord(text: str) -> str:
    """Discord markdown."""
    return _render(text, _DISCORD, escape=False)


def to_telegram_html(text: str) -> str:
    """Telegram's HTML parse mode: everything escaped, then the few tags Telegram knows."""
    return _render(text, _TELEGRAM, escape=True)
