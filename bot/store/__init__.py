"""Persistence: SQLAlchemy 2 models, the engine, repositories, the unit of work and the batched writer."""
