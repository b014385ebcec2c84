"""The catalog server over stdio, run as `python tests/servers/stdio_server.py [options]`.

Options make it misbehave the ways real servers do:
  --pid-file PATH   write the process id first (the no-orphan tests read it)
  --hang            never answer (ignores stdin closing); --ignore-term also ignores SIGTERM
  --crash           print a reason on stderr and exit 3 before answering
  --no-prompts      do not offer prompts
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid-file")
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--no-prompts", action="store_true")
    opts = parser.parse_args()
    if opts.pid_file:
        Path(opts.pid_file).write_text(str(os.getpid()))
    if opts.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if opts.crash:
        print("fatal: CATALOG_DB is not configured", file=sys.stderr, flush=True)
        sys.exit(3)
    if opts.hang:
        while True:
            time.sleep(3600)

    import anyio
    from mcp.server.stdio import stdio_server

    from tests.servers.catalog import build_server

    server = build_server(prompts=not opts.no_prompts)

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(run)


if __name__ == "__main__":
    main()
