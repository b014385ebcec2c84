"""Suite-wide pytest plugins. Keep this file minimal: fixtures live in tests/fixtures/."""

pytest_plugins = ["tests.fixtures.secret_service", "tests.fixtures.demo"]
