"""Agora's platform-neutral core: events, replies, the pipeline, the store, the outbox and the CLI."""
