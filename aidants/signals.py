"""Seam for journaling authentication events (filled by the login work)."""
