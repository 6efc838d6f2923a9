"""Test support shared by the test suites and the bench scripts: real servers, real services, the browser.

`servers` (free ports, starting a real server and waiting for it) needs nothing but the standard library,
so `bench/pk.py` imports it too; `services` (database and Redis URLs, fail-under-CI/skip-elsewhere) and
`browser` are for the tests.
"""
