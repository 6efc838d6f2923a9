"""Use cases: each owns its transaction and calls the engine, the ledger and the Store."""
