"""The OAuth 2.1 client: discovery, client identity, login, callback listener, refresh, step-up.

No Textual here. Every step is reported as a redacted :class:`mcpdeck.oauth.trace.FlowEvent`.
"""
