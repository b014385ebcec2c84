"""Adversarial tests: hostile MCP servers, authorization servers and repositories, as real
loopback servers, real processes and real files, one test per attack (issue 12)."""
