"""Boards: the Store cache of the ledger, the one metrics and ranking read model, tables, screens, my points."""
