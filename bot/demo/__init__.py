"""The demo association that `agora demo` seeds, so a newcomer can chat with a populated community at once."""

from bot.demo.seed import Demo, DemoError, DemoMember, DemoSector, SeedReport, load_demo, seed

__all__ = ["Demo", "DemoError", "DemoMember", "DemoSector", "SeedReport", "load_demo", "seed"]
