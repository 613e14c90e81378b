"""The facilitator's console (issue 07): `/agora role|stats|retention|export|broadcast|inactive|settings`, in
French and English, on every platform. Every command is registered with `role="facilitator"`, so the core
refuses members before any handler runs (bot.middleware.permissions); every action is written to the audit
log. The logic lives in bot.facilitator; these handlers parse and word."""

from __future__ import annotations

from bot.context import Services
from bot.events import ScheduledTick
from bot.router import Router
from handlers.facilitator import admin, broadcast, roles, stats

FAC = "facilitator"


def setup(router: Router, services: Services) -> None:
    router.command("agora role", "agora roles", "agora rôle", "agora rôles", role=FAC,
                   help_key="facilitator.cmd.role")(roles.role_command)
    router.command("agora stats", "agora statistiques", "agora chiffres", role=FAC,
                   help_key="facilitator.cmd.stats")(stats.stats_command)
    router.command("agora retention", "agora rétention", role=FAC,
                   help_key="facilitator.cmd.retention")(stats.retention_command)
    router.command("agora export", "agora exporter", role=FAC,
                   help_key="facilitator.cmd.export")(stats.export_command)
    router.command("agora broadcast", "agora diffusion", "agora diffuser", role=FAC,
                   help_key="facilitator.cmd.broadcast")(broadcast.broadcast_command)
    router.command("agora inactive", "agora inactifs", role=FAC,
                   help_key="facilitator.cmd.inactive")(admin.inactive_command)
    router.command("agora settings", "agora reglages", "agora réglages", "agora parametres", "agora paramètres",
                   role=FAC, help_key="facilitator.cmd.settings")(admin.settings_command)
    router.action(broadcast.SEND_ACTION, role=FAC)(broadcast.send_clicked)
    router.action(broadcast.DROP_ACTION, role=FAC)(broadcast.drop_clicked)
    router.action("bc.ack")(broadcast.acknowledge_clicked)
    router.on(ScheduledTick)(broadcast.automatic_reminders)
