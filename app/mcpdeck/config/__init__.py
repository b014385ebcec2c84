"""Codex configuration: read the layers, validate, merge with provenance, edit with tomlkit.

No network here. Import the submodules directly (``mcpdeck.config.model``,
``mcpdeck.config.loader``, ``mcpdeck.config.edit``, ``mcpdeck.config.paths``).
"""
