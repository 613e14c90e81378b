"""`/agora stats`, `/agora retention` and `/agora export` over a seeded history: every figure exact, through
the computation and through the command's words; the chart is a PNG; the CSV files open with the csv module."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.contributions import Contributions, Figure
from bot.facilitator.periods import parse_period
from bot.facilitator.stats import compare
from bot.store.faq_models import FaqAnswer, FaqGap
from bot.store.models import Activity, AuditLog, Member
from bot.store.profile_models import Onboarding, Referral
from bot.store.uow import UnitOfWork
from bot.testing import BotTester
from tests.unit.facilitator_support import console

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def head(path: str) -> bytes:
    return Path(path).read_bytes()[:8]


def found(folder: Path, pattern: str) -> list[Path]:
    return list(folder.rglob(pattern))


def read_csv(path: str) -> list[dict[str, str]]:
    """The standard csv module, as a spreadsheet user's script would read the file."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def d(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def seed(bot: BotTester) -> dict[str, int]:
    """The history of docs/facilitator.md's worked example (period: the 30 days before 2026-03-01)."""
    async with UnitOfWork(bot.app.services.sessions) as uow:
        cid = (await uow.session.execute(select(Member.community_id).limit(1))).scalar_one()
        members = uow.members(cid)
        ids: dict[str, int] = {}
        for name, joined, left in (("Old1", d(12, 1, year=2025), None), ("Old2", d(12, 1, year=2025), d(2, 10)),
                                   ("Old3", d(12, 1, year=2025), d(1, 10)), ("New1", d(2, 5), None),
                                   ("New2", d(2, 20), None), ("Jan", d(1, 15), None)):
            member = await members.create(display_name=name, now=joined)
            member.left_at = left
            ids[name] = member.id
        activity = [("Old1", d(2, 28)), ("Old1", d(2, 27)), ("New1", d(2, 25)), ("New2", d(2, 10)),
                    ("Old2", d(2, 5)), ("Jan", d(1, 20)), ("Jan", d(1, 29))]
        await uow.session.execute(insert(Activity), [
            {"community_id": cid, "member_id": ids[n], "kind": "message", "platform": "test", "ts": ts}
            for n, ts in activity])
        for name, started, finished in (("New1", d(2, 5), d(2, 6)), ("New2", d(2, 20), None),
                                        ("Jan", d(1, 15), d(1, 16))):
            uow.session.add(Onboarding(member_id=ids[name], community_id=cid, started_at=started,
                                       progressed_at=started, furthest_step="sect", finished_at=finished))
        for ts in (d(2, 1), d(2, 2), d(2, 3), d(1, 5)):
            uow.session.add(FaqAnswer(community_id=cid, confidence=0.9, ts=ts))
        for ts in (d(2, 4), d(2, 14)):
            uow.session.add(FaqGap(community_id=cid, question="?", reason="abstained", created_at=ts))
        uow.session.add(Referral(community_id=cid, sponsor_id=ids["Old1"], newcomer_id=ids["New1"], code="P-AAAAAA",
                                 attributed_at=d(2, 5), counted_at=d(2, 28)))
        uow.session.add(Referral(community_id=cid, sponsor_id=ids["Old1"], newcomer_id=ids["Jan"], code="P-AAAAAA",
                                 attributed_at=d(1, 15)))
        ids["community"] = cid
    return ids


EXPECTED = {  # key: (this period, period before)
    "members": (4, 3), "newcomers": (2, 1), "left": (1, 1),
    "active_daily": (1, 1), "active_weekly": (2, 1), "active_monthly": (4, 1), "active_period": (4, 1),
    "onboarding_started": (2, 1), "onboarding_completion": (0.5, 1.0),
    "faq_answered": (3, 1), "faq_gaps": (2, 0), "referrals": (1, 1), "referrals_counted": (1, 0),
    "retention_base": (3, 3), "retention_kept": (2, 2), "retention_lost": (1, 1),
    "retention_rate": (pytest.approx(2 / 3), pytest.approx(2 / 3)), "retention_savings": (16.0, 16.0),
}


@pytest.fixture
def march(clock: ManualClock) -> ManualClock:
    clock.set(NOW)
    return clock


async def test_every_figure_matches_the_seeded_history(database_url: str, engine: AsyncEngine, march: ManualClock,
                                                       tmp_path: Path) -> None:
    async with console(database_url, engine, march, tmp_path, AGORA_TIMEZONE="UTC") as bot:
        await bot.say("bonjour", as_="fac")
        ids = await seed(bot)
        async with UnitOfWork(bot.app.services.sessions) as uow:
            compared = await compare(uow.session, ids["community"], parse_period("30d", NOW))
        got = {c.current.key: (c.current.value, c.previous.value if c.previous else None) for c in compared}
        assert got == EXPECTED
        # the same figures, with the calendar form of the period and the same result
        async with UnitOfWork(bot.app.services.sessions) as uow:
            same = await compare(uow.session, ids["community"], parse_period("2026-01-30..2026-02-28", NOW))
        assert {c.current.key: c.current.value for c in same} == {k: v[0] for k, v in EXPECTED.items()}

        replies = await bot.command("agora", "stats 30j", as_="fac")
        text = replies[0].text
        for line in ("Membres: 4 (avant : 3, +1)", "Nouveaux membres: 2 (avant : 1, +1)",
                     "Actifs sur le dernier jour: 1 (avant : 1, +0)",
                     "Actifs sur les 7 derniers jours: 2 (avant : 1, +1)",
                     "Actifs sur les 30 derniers jours: 4 (avant : 1, +3)",
                     "Accueils terminés: 50 % (avant : 100 %, −50 pts)",
                     "Réponses de la FAQ: 3 (avant : 1, +2)",
                     "Questions sans réponse (manques): 2 (avant : 0, +2)",
                     "Parrainages validés: 1 (avant : 0, +1)", "Membres perdus: 1 (avant : 1, +0)",
                     "Fidélisation: 66,7 % (avant : 66,7 %, +0 pts)",
                     "Économisé grâce à la fidélisation: 16 € (avant : 16 €, +0 €)"):
            assert line in text, line
        png = replies[0].message.attachments
        assert [a.name for a in png] == ["stats.png"]
        assert head(png[0].path) == b"\x89PNG\r\n\x1a\n"

        bot.locales["fac"] = "en"
        await bot.say("language en", as_="fac")
        english = (await bot.command("agora", "retention month", as_="fac"))[0].text
        assert "Members kept: 2 (before: 2, +0)" in english and "Saved by retention: €16 (before: €16, +€0)" in english
        await bot.command("agora", "settings retention.cost_recruited 21", as_="fac")
        english = (await bot.command("agora", "retention", as_="fac"))[0].text
        assert "Saved by retention: €40" in english  # 2 kept x (21 - 1)


async def test_contributed_figures_are_shown_with_their_comparison(database_url: str, engine: AsyncEngine,
                                                                   march: ManualClock, tmp_path: Path) -> None:
    async with console(database_url, engine, march, tmp_path) as bot:
        async def median_claim(session: object, community_id: int, start: datetime, end: datetime) -> list[Figure]:
            return [Figure("help_median", "facilitator.fig.referrals", 3.5 if start >= d(1, 29) else 5.0, "hours")]

        Contributions.of(bot.app.services).figures.append(median_claim)
        text = (await bot.command("agora", "stats", as_="fac"))[0].text
        assert "Parrainages: 3,5 h (avant : 5 h, −1,5 h)" in text


async def test_a_period_nobody_understands_changes_nothing(database_url: str, engine: AsyncEngine,
                                                           march: ManualClock, tmp_path: Path) -> None:
    async with console(database_url, engine, march, tmp_path) as bot:
        for args in ("stats last blue moon", "export last blue moon", "retention 0d", "stats 2026-13"):
            replies = await bot.command("agora", args, as_="fac")
            assert len(replies) == 1 and "Je ne comprends pas la période" in replies[0].text
            assert "Essayez 7j, 30j, semaine" in replies[0].text and not replies[0].message.attachments
        async with UnitOfWork(bot.app.services.sessions) as uow:
            assert (await uow.session.execute(select(AuditLog))).first() is None
        assert not found(tmp_path, "*.csv") and not found(tmp_path, "*.png")


async def test_export_gives_csv_files_the_csv_module_reads(database_url: str, engine: AsyncEngine,
                                                          march: ManualClock, tmp_path: Path) -> None:
    async with console(database_url, engine, march, tmp_path) as bot:
        await bot.say("bonjour", as_="fac")
        ids = await seed(bot)
        async with UnitOfWork(bot.app.services.sessions) as uow:
            member = await uow.members(ids["community"]).get(ids["New2"])
            assert member is not None
            member.display_name, member.region = "=HYPERLINK(\"x\"), \"Dupont\"", "Dakar"
        replies = await bot.command("agora", "export 30d", as_="fac")
        files = {a.name: a.path for a in replies[0].message.attachments}
        assert {"members.csv", "activity_daily.csv", "broadcasts.csv", "broadcast_recipients.csv"} <= set(files)
        rows = read_csv(files["members.csv"])
        by_id = {int(r["member_id"]): r for r in rows}
        assert len(rows) == 7 and by_id[ids["Old2"]]["left_at"].startswith("2026-02-10")
        assert by_id[ids["New2"]]["display_name"] == "'=HYPERLINK(\"x\"), \"Dupont\""
        assert by_id[ids["New2"]]["region"] == "Dakar"
        activity = [(int(r["member_id"]), r["day"], int(r["actions"])) for r in read_csv(files["activity_daily.csv"])]
        assert activity == sorted([(ids["Old2"], "2026-02-05", 1), (ids["New2"], "2026-02-10", 1),
                                   (ids["New1"], "2026-02-25", 1), (ids["Old1"], "2026-02-27", 1),
                                   (ids["Old1"], "2026-02-28", 1)], key=lambda r: (r[1], r[0]))
        assert "Voici l'export (" in replies[0].text
