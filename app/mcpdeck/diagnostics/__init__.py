"""The doctor: configuration + authentication + a live session → a report with findings.

Import the submodules directly: ``mcpdeck.diagnostics.doctor`` (diagnose, diagnose_all),
``mcpdeck.diagnostics.report`` (ServerReport, Finding), ``mcpdeck.diagnostics.rules`` (one
module per family of findings), ``mcpdeck.diagnostics.edits`` (the typed config edits and
describe_edit) and ``mcpdeck.diagnostics.fixes`` (apply_edit). No textual here; the ``mcp`` SDK
is imported only when a session opens.
"""
