"""A cursor move redraws the two lines it touches, not every visible line of the table."""

from __future__ import annotations

from textual.strip import Strip

from mcpdeck.tui.screens.main import MainScreen
from mcpdeck.tui.widgets.server_table import ServerTable

from .conftest import World, build, settle

SERVERS = 30


async def test_moving_the_cursor_renders_only_the_old_and_new_lines(world: World) -> None:
    world.write_user(
        "".join(f'[mcp_servers.s{i:02d}]\ncommand = "true"\n\n' for i in range(SERVERS))
    )
    app = build(world)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        table = app.screen.query_one(ServerTable)
        await pilot.press("down")  # leave row 0 so the next move needs no scrolling
        await pilot.pause()
        rendered: list[int] = []
        render_line = table.render_line

        def counted(y: int) -> Strip:
            rendered.append(y)
            return render_line(y)

        table.render_line = counted  # type: ignore[method-assign]
        await pilot.press("down")
        await pilot.pause()
        await pilot.pause()
        assert table.cursor == 2
        assert sorted(set(rendered)) == [1, 2]
