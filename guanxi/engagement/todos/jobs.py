"""Periodic jobs of this feature (registered through guanxi/engagement/jobs.py)."""
