"""The domain core: rules, scoring and ranking in plain Python (no Flask, sockets or SQL)."""
