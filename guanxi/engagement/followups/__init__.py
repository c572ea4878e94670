"""Follow-ups (activities) and the 360° timeline."""
