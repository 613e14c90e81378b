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
            name = spec.name if ctx.locale == "en" or not spec.aliases else _french_name(spec.name, spec.aliases)
            lines.append(f"- `{name}`: {ctx.t(spec.help_key)}")
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
        lines = [f"`{spec.name}`: {ctx.t(spec.help_key)}"]
        if usage is not None:
            lines.append(ctx.t(spec.help_key + ".usage"))
        ctx.reply("\n".join(lines))
        return True
    return False


def _french_name(name: str, aliases: tuple[str, ...]) -> str:
    """The French alias when one exists (aide for help), else the command's own name."""
    french = {"help": "aide", "language": "langue", "link": "lier", "profile": "profil",
              "directory": "annuaire", "invite": "parrainer", "referrals": "parrainages", "sector": "filiere",
              "funnel": "entonnoir"}
    wanted = french.get(name)
    return wanted if wanted in aliases else name
