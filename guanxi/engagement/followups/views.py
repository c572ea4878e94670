"""UI views (thin)."""
