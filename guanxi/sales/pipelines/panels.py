"""The account's opportunities on its 360° page (filled by the pipelines feature)."""
