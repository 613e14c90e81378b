"""Platform adapters: one package per platform. Each only translates platform events into core events and
core messages into platform calls; the core never imports this package except in bot.composition."""
