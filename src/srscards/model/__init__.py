"""The data every layer shares: cards and courses, data only."""
