"""The embedded demo world: a loopback authorization server and MCP servers (`mcpdeck demo`).

Import :mod:`mcpdeck.demo.world` for :class:`DemoWorld` and :func:`run_demo_in_thread`; this
package's ``__init__`` stays import-free so that ``python -m mcpdeck.demo.stdio_server`` starts
without loading uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcpdeck.demo.world import DemoWorld, run_demo_in_thread

__all__ = ["DemoWorld", "run_demo_in_thread"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mcpdeck.demo import world

        return getattr(world, name)
    raise AttributeError(name)
