"""The Textual face of mcpdeck. Nothing outside this package imports it (layer rule)."""
