"""Onboarding through the console: in process (the console adapter on the real app) and through the real
`agora` command in subprocesses, in French and in English, ending in a directory entry another member finds.
The console has no buttons: choices are numbered, and typing a number or an option's name answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.sector_import import import_sectors
from bot.store.db import session_factory
from tests.e2e.agora_cli import agora, sqlite_url
from tests.e2e.test_console import converse, in_order
from tests.unit.onboarding_support import SECTORS

SECTOR_FILE = """\
sectors:
  - slug: batiment
    name_fr: Bâtiment et travaux
    name_en: Building and construction
    tags: [plomberie, isolation]
    channel: batiment
  - slug: numerique
    name_fr: Numérique
    name_en: Digital
    tags: [site web]
    channel: numerique
"""


async def test_console_onboarding_in_french(database_url: str, engine: AsyncEngine,
                                            clock: ManualClock) -> None:
    await import_sectors(session_factory(engine), "test", SECTORS, clock.now(), community_name="Test")
    script = "\n".join([
        "/join Zoé Martin", "/as Zoé Martin",
        "1",  # Français
        "bâtiment",  # sectors, typed
        "1", "chauffage", "terminé",  # a suggested skill by its number, one typed, then Done by its name
        "x" * 500,  # a region far too long: explained, asked again
        "Bretagne", "Europe/Paris",
        "1", "2", "1",  # expert: yes; news: monthly; directory: yes
        "terminer",  # the review's Finish
        "1",  # post the introduction
        "/as Bob", "annuaire plomberie",
    ]) + "\n"
    out = await converse(database_url, engine, clock, script)
    assert in_order(out, "Agora → Zoé Martin : Bienvenue dans Test, Zoé Martin ! / Welcome to Test",
                    "1. Français\n2. English",
                    "(2/8) Quelles sont vos filières", "(3/8) Dans quoi êtes-vous compétent",
                    "1. plomberie", "Choisi pour l'instant : chauffage, plomberie",
                    "(4/8) Où êtes-vous", "Cela fait 500 caractères", "(4/8) Où êtes-vous",
                    "(5/8) Dans quel fuseau", "(6/8) Aideriez-vous", "(7/8)", "(8/8)",
                    "Presque fini", "- Région : Bretagne", "Votre profil est prêt", "#batiment",
                    "Voulez-vous vous présenter dans #introductions",
                    "Agora dans #introductions : Nouveau membre : Zoé Martin",
                    "présentation est dans #introductions",
                    "1 membre(s) pour « plomberie »",
                    "Zoé Martin (expert) · Bâtiment et travaux · Bretagne"), out


async def test_console_onboarding_in_english(database_url: str, engine: AsyncEngine,
                                             clock: ManualClock) -> None:
    await import_sectors(session_factory(engine), "test", SECTORS, clock.now(), community_name="Test")
    script = "\n".join([
        "/join Sam Lee", "/as Sam Lee",
        "english",
        "digital", "web design, UX", "done",
        "🙂", "London", "Europe/London",
        "not now", "never", "yes, list me",
        "finish", "no thanks",
        "/as Bob", "directory ux",
    ]) + "\n"
    out = await converse(database_url, engine, clock, script)
    assert in_order(out, "Welcome to Test, Sam Lee!", "(2/8) Which sectors are yours?",
                    "(3/8) What are you good at?", "Chosen so far: ux, web design",
                    "(4/8) Where are you based?", "I need words here", "(5/8) Which time zone", "(6/8)",
                    "(7/8)", "(8/8)", "Nearly done!", "- Skills: ux, web design",
                    "Your profile is ready, Sam Lee!", "No problem, no introduction",
                    "1 membre(s) pour « ux »", "Sam Lee · Numérique · London"), out
    assert "dans #introductions : Nouveau membre" not in out  # declined: nothing posted


def test_agora_chat_onboarding_and_sector_import(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "asso.db")
    env = {"DATABASE_URL": url, "AGORA_COMMUNITY": "asso", "AGORA_COMMUNITY_NAME": "Mon Asso"}
    sectors = tmp_path / "sectors.yaml"
    sectors.write_text(SECTOR_FILE, encoding="utf-8")
    imported = agora("sectors", "import", str(sectors), cwd=tmp_path, **env)
    assert imported.returncode == 0, imported.stderr.decode()
    assert json.loads(imported.stdout) == {"community": "asso", "created": ["batiment", "numerique"],
                                           "updated": [], "retired": []}
    bad = tmp_path / "bad.yaml"
    bad.write_text("sectors: [{name: sans identifiant}]\n", encoding="utf-8")
    refused = agora("sectors", "import", str(bad), cwd=tmp_path, **env)
    assert refused.returncode == 1 and b"slug" in refused.stderr and b"Traceback" not in refused.stderr

    script = "\n".join([
        "/join Awa Diop", "/as Awa Diop", "1", "1", "terminé",  # French; Bâtiment toggled, then Done
        "isolation, devis", "terminé", "Dakar", "2",  # region typed; time zone: the 2nd choice
        "1", "1", "1", "terminer", "3",  # expert, weekly, listed; finish; no intro
        "/as Oliver", "langue en", "directory isolation",
    ]).encode() + b"\n"
    result = agora("chat", "--as", "Oliver", cwd=tmp_path, stdin=script, **env)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in err, err
    assert in_order(out, "Bienvenue dans Mon Asso, Awa Diop !", "(2/8)", "✓ Bâtiment et travaux", "(3/8)",
                    "Votre profil est prêt", "#batiment", "Pas de souci, pas de présentation",
                    "1 member(s) for “isolation”",
                    "Awa Diop (expert) · Building and construction · Dakar"), out
    with sqlite3.connect(tmp_path / "asso.db") as db:
        row = db.execute("select region, timezone, nudge_frequency, directory_consent_at is not null "
                         "from members where display_name = 'Awa Diop'").fetchone()
    assert row[0] == "Dakar" and row[2] == "weekly" and row[3] == 1 and row[1]


def test_the_demo_directory_has_people_in_it(tmp_path: Path) -> None:
    script = "annuaire plomberie\n/as Oliver\ndirectory accounting\nprofile\n"
    result = agora("demo", cwd=tmp_path, stdin=script.encode())
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert in_order(out, "Awa (expert) · Bâtiment et travaux · Auvergne-Rhône-Alpes",
                    "Oliver (expert) · Management, law and funding", "Profile of Oliver",
                    "- Directory: listed"), out
