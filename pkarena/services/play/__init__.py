"""Play: matches, settlement into the ledger, matchmaking queues, daily progress, demo bots."""
