"""help / aide: what the bot can do, in the member's language, listing only what their role allows.
Also the polite answer to an unknown command and to free text nobody understood in a DM."""

from __future__ import annotations

from bot.context import Context, Services
from bot.markup import user_text
from bot.router import Router


def setup(router: Router, services: Services) -> None:
    @router.command("help", "aide", help_key="help.cmd.help")
    async def show_help(ctx: Context) -> None:
        asked = (ctx.route.args if ctx.route else "").strip().lstrip("/").lower()
        if asked and _explain(ctx, router, asked):
            return
        lines = [ctx.t("help.intro")]
        for spec in router.commands:
            if spec.help_key is None:
                continue
            if ctx.member is not None and not ctx.member.has_role(spec.role):
                continue
            lines.append(f"- `{shown_name(ctx, spec.name, spec.aliases)}`: {ctx.t(spec.help_key)}")
        lines.append(ctx.t("help.outro"))
        ctx.reply("\n".join(lines))

    @router.unknown_command
    async def unknown(ctx: Context) -> None:
        word = (ctx.route.command or ctx.route.action or "") if ctx.route else ""
        ctx.say("help.unknown_command", command=user_text(word[:40]))

    @router.fallback
    async def not_understood(ctx: Context) -> None:
        ctx.say("help.not_understood")


def _explain(ctx: Context, router: Router, asked: str) -> bool:
    """`help <command>`: the command's line and, when its catalog has one (`<help_key>.usage`), how to use it.
    False when `asked` is no command the member may use (the general help follows)."""
    words = asked.split()
    candidates = [" ".join(words[:2]), words[0], f"agora {words[0]}"] if words else []
    for spec in router.commands:
        names = {n.lower() for n in (spec.name, *spec.aliases)}
        if spec.help_key is None or not names & set(candidates):
            continue
        if ctx.member is not None and not ctx.member.has_role(spec.role):
            return False
        usage = ctx.services.catalogs.raw(ctx.locale, spec.help_key + ".usage")
        lines = [f"`{shown_name(ctx, spec.name, spec.aliases)}`: {ctx.t(spec.help_key)}"]
        if usage is not None:
            lines.append(ctx.t(spec.help_key + ".usage"))
        ctx.reply("\n".join(lines))
        return True
    return False


def shown_name(ctx: Context, name: str, aliases: tuple[str, ...]) -> str:
    """The command's name in the member's language (catalog key `command.name.<name>`, one of its aliases),
    else its own name."""
    wanted = ctx.services.catalogs.raw(ctx.locale, f"command.name.{name}")
    return wanted if wanted is not None and wanted in (name, *aliases) else name
