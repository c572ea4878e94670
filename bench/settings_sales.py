"""Settings of the server bench/sales.py starts: the project's own, with the web form's
per-address rate limit off (every load-generator client posts from 127.0.0.1)."""

from guanxi.config.settings import *  # noqa: F403

LEAD_FORM_RATE_PER_MINUTE = 0
