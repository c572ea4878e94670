"""Customer health: drifting and dormant customers, the daily dormancy job."""
