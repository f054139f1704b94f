"""Shared test settings."""

from hypothesis import settings

settings.register_profile("il7", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("il7")
