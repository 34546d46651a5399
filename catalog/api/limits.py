"""Argument limits from the settings, refused with a message that names the setting."""

from __future__ import annotations

from catalog.api.errors import BadArgument, LimitExceeded
from catalog.settings import Settings


def env_name(field: str) -> str:
    """The ``CATALOG_*`` variable that sets a field of ``Settings``."""
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


_env_name = env_name


def checked_depth(depth: int, settings: Settings) -> int:
    if depth < 1:
        raise BadArgument(f"depth {depth} is below 1; ask for depth 1 (direct) or more")
    if depth > settings.max_depth:
        raise LimitExceeded(f"depth {depth} exceeds the limit of {settings.max_depth} ({_env_name('max_depth')})")
    return depth


def checked_first(first: int, settings: Settings) -> int:
    if first < 0:
        raise BadArgument(f"first {first} is negative; ask for 0 or more items")
    if first > settings.max_page_size:
        raise LimitExceeded(
            f"first {first} exceeds the limit of {settings.max_page_size} ({_env_name('max_page_size')}); page with `after`"
        )
    return first
