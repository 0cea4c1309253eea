"""The desk's HTML holds together: ids unique on every page, and each number column's cells
aligned as its header is."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.app_fixtures import FakeClock
from tests.queues.call_records.cdr_samples import at
from tests.staff_web.auth.conftest import Browser
from tests.staff_web.supervisor.conftest import page_token
from tests.staff_web.supervisor.trace_samples import CALL, quick_call, traced_call


class Ids(HTMLParser):
    """Every id attribute of a document, and each table's header and cell classes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.tables: list[tuple[list[str], list[list[str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[str(found["id"])] += 1
        css = found.get("class") or ""
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag == "th" and self.tables:
            self.tables[-1][0].append(css)
        elif tag == "td" and self.tables and found.get("colspan") is None:
            self.tables[-1][1][-1].append(css)


def parsed(text: str) -> Ids:
    parser = Ids()
    parser.feed(text)
    parser.close()
    return parser


async def test_every_desk_page_has_unique_ids(
    browser: Browser,
    orders: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    number = await traced_call(sessionmaker)
    clock.now = at(60_000)
    await browser.sign_in("leader")
    closed = f"/desk/orders/{orders['theirs']}"
    token = await page_token(browser, closed)
    done = await browser.post(f"{closed}/transition", data={"csrf_token": token, "to": "closed"})
    assert done.status == 303
    mine = f"/desk/orders/{orders['mine']}"
    refused = await browser.post(f"{mine}/transition", data={"csrf_token": token, "to": ""})
    assert refused.status == 400
    pages = {"refused transition": await refused.text()}
    statuses = {}
    for path in (mine, closed, "/desk/orders", f"/desk/orders/{number}", "/desk/dues",
                 "/desk/calls", f"/desk/calls/{CALL}", "/desk/service-level"):  # fmt: skip
        response = await browser.get(path)
        statuses[path] = response.status
        pages[path] = await response.text()
    assert sum(parsed(pages[mine]).ids.values()) >= 6  # the forms are there to be checked
    twice = {
        path: sorted(name for name, n in parsed(text).ids.items() if n > 1)
        for path, text in pages.items()
    }
    assert twice == {path: [] for path in pages}
    for path, text in pages.items():
        ids = parsed(text).ids
        for name in ("for", "aria-describedby"):  # what points at an id finds one
            for target in parsed_refs(text, name):
                assert target in ids, (path, name, target)
    assert statuses == dict.fromkeys(statuses, 200)


def parsed_refs(text: str, attribute: str) -> list[str]:
    refs: list[str] = []

    class Refs(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            refs.extend(str(v) for k, v in attrs if k == attribute and v)

    Refs().feed(text)
    return refs


async def test_service_level_numbers_sit_under_their_headers(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await quick_call(sessionmaker)
    clock.now = at(200_000)
    await browser.sign_in("leader")
    for path in ("/desk/service-level", "/desk/calls"):
        tables = parsed(await (await browser.get(path)).text()).tables
        assert tables, path
        for headers, rows in tables:
            body = [cells for cells in rows if cells]  # the header's row has no cells
            assert body, path
            for cells in body:
                assert cells == headers, (path, headers, cells)
    headers, rows = parsed(await (await browser.get("/desk/service-level")).text()).tables[0]
    assert headers[0] == ""
    assert set(headers[1:]) == {"num"}
    assert len([cells for cells in rows if cells]) == 2  # the queue and the total
