"""Contests between organizations: managing them, standings, views, reports, series, queues."""
