"""People: the org tree, pairings and joint groups, members, invites, member imports."""
