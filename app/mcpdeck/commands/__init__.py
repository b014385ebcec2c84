"""One module per CLI command group, each exposing ``run(args) -> int``. Imported lazily."""
