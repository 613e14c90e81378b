"""The outbox: replies persisted before delivery (enqueue), then delivered, paced and retried (sender)."""
