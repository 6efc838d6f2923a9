"""The demo world: orgs and people, the question bank, simulated history."""
