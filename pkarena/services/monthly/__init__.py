"""The monthly freeze: immutable checksummed snapshots, their reading, and the ledger exports."""
