"""Where placebo kept its decorator: ``from placebo.utils import placebo_session``."""
from .decorators import placebo_session

__all__ = ["placebo_session"]
