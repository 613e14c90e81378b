"""The features. Each module exposes `setup(router, services)`; they use the core's ports only."""
