"""`/agora role grant|revoke <member> <facilitator|admin>` (fr: `donner|retirer`), and `/agora role` alone to
list the facilitators and administrators. The change takes effect at once in this process (the identity
cache forgets the member) and within the cache's lifetime elsewhere."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.errors import PermissionDenied, UserFacingError
from bot.facilitator.roles import GRANT_WORDS, REVOKE_WORDS, RoleProblem, change_role, find_member, parse_role
from bot.markup import user_text
from bot.store.models import Member
from handlers.facilitator.common import args_of, audit, private


async def role_command(ctx: Context) -> None:
    assert ctx.member is not None
    words = args_of(ctx).split()
    uow = await ctx.uow()
    if not words:
        rows = await uow.session.execute(select(Member.display_name, Member.role).where(
            Member.community_id == ctx.community_id, Member.role.in_(("facilitator", "admin")),
            Member.left_at.is_(None)).order_by(Member.role, Member.display_name))
        lines = [ctx.t("facilitator.role.list")]
        lines += [f"- {user_text(name)}: {ctx.t(f'facilitator.role.name.{role}')}" for name, role in rows]
        await audit(ctx, "facilitator.role.list")
        ctx.reply("\n".join(lines), visibility=private(ctx))
        return
    verb, role = words[0].lower(), parse_role(words[-1]) if len(words) >= 3 else None
    if verb not in GRANT_WORDS | REVOKE_WORDS or role is None:
        raise UserFacingError("facilitator.role.usage")
    try:
        target = await find_member(uow.session, ctx.community_id, " ".join(words[1:-1]))
        before = target.role
        new = await change_role(uow.session, ctx.community_id, ctx.member.role, target, verb in GRANT_WORDS, role)
    except RoleProblem as problem:
        params = {k: user_text(str(v)) for k, v in problem.params.items()}
        if "role" in problem.params:
            params["role"] = ctx.t(f"facilitator.role.name.{problem.params['role']}")
        raise UserFacingError(problem.reason, **params) from None
    except PermissionError:
        raise PermissionDenied("admin") from None
    await audit(ctx, "facilitator.role." + ("grant" if verb in GRANT_WORDS else "revoke"), f"member:{target.id}",
                role=role, before=before, after=new)
    identities, member_id = ctx.services.identities, target.id
    ctx.on_commit.append(lambda: identities.forget_member(member_id))
    ctx.reply(ctx.t("facilitator.role.done", name=user_text(target.display_name),
                    role=ctx.t(f"facilitator.role.name.{new}")), visibility=private(ctx))
