"""Fixed-window rate limits in Django's cache (shared by the processes when the cache is Redis).

A window is `seconds` long and starts at a multiple of `seconds` since the epoch; each hit adds
one to the window's counter, which expires with the next window. Cheaper than a sliding window
(one add or incr per hit) and exact enough to bound guessing."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone


def hit(key: str, limit: int, seconds: int) -> bool:
    """Count one hit of `key`; True when this window has now seen more than `limit` hits.
    A limit of 0 (or None) means no limit."""
    if not limit:
        return False
    window = int(timezone.now().timestamp() // seconds)
    counter = f"gx:rl:{key}:{seconds}:{window}"
    if cache.add(counter, 1, timeout=seconds * 2):
        return 1 > limit
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.add(counter, 1, timeout=seconds * 2)
        count = 1
    return count > limit
