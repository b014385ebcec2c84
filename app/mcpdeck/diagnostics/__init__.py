"""The doctor: configuration + authentication + a live session → a report with findings.

Import the submodules directly: ``mcpdeck.diagnostics.doctor`` (diagnose, diagnose_all),
``mcpdeck.diagnostics.report`` (ServerReport, Finding), ``mcpdeck.diagnostics.fixes``
(apply_edit). No textual here; the ``mcp`` SDK is imported only when a session opens.
"""
