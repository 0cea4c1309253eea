"""The admin's landing page: what an admin can open today, and the config versions."""

from __future__ import annotations

from aiohttp import web

from hotline.appkeys import DESK_PAGES, HOMES, SESSIONMAKER
from queues import config_versions
from queues.config_versions import ConfigVersion
from queues.staff import Role
from staff_web.auth.identity import require_role
from staff_web.auth.middleware import page_middlewares
from staff_web.supervisor.layout import ADMIN_NAV, NAV, esc, page, table
from staff_web.supervisor.texts import Words, words
from staff_web.supervisor.units import local_time

ZH = {
    "title": "系统管理",
    "pages": "可以打开的页面",
    "config": "菜单配置（草稿、校验、对比、试拨、发布、回滚）",
    "users": "用户与角色（创建、停用、重置密码、角色、绑定坐席）",
    "audit": "审计记录（谁在何时改了什么）",
    "softphone": "坐席软电话（选择坐席，只读查看其工作台）",
    "health": "服务健康状态（Redis、数据库、后台任务，JSON）",
    "versions": "配置版本",
    "version": "版本",
    "created": "创建时间",
    "author": "提交人",
    "comment": "说明",
    "published": "当前发布",
    "no_versions": "尚无配置版本",
    "cli": "也可在命令行导入、发布与回滚配置：hotline config import / history / rollback。",
}
EN = {
    "title": "Admin",
    "pages": "Pages you can open",
    "config": "Menu config (drafts, checks, diff, trial, publish, roll back)",
    "users": "Users and roles (create, deactivate, reset passwords, roles, agent ids)",
    "audit": "Audit trail (who changed what, and when)",
    "softphone": "Softphone (pick an agent to watch its desk, read-only)",
    "health": "Service health (Redis, database, background loops; JSON)",
    "versions": "Config versions",
    "version": "Version",
    "created": "Created",
    "author": "Author",
    "comment": "Comment",
    "published": "Published",
    "no_versions": "No config versions yet",
    "cli": "Configs can also be imported, published and rolled back from the command line: "
    "hotline config import / history / rollback.",
}
HISTORY_SHOWN = 20
ADMIN_PAGES = [
    ("admin_config", "config"),
    ("admin_users", "users"),
    ("admin_audit", "audit"),
]  # route name, text key


def _links(request: web.Request, w: Words, t: dict[str, str], desk: web.UrlDispatcher) -> str:
    """Only pages this app serves: the console's own, the desk's, the softphone, the health
    check."""
    admin = request.match_info.apps[-1].router
    items = [(str(admin[name].url_for()), t[key]) for name, key in ADMIN_PAGES if name in admin]
    items += [(str(desk[name].url_for()), w[key]) for name, key in NAV]
    softphone = request.config_dict.get(HOMES, {}).get(Role.AGENT)
    if softphone:
        items.append((softphone, t["softphone"]))
    root = request.match_info.apps[0].router
    if "health" in root:
        items.append((str(root["health"].url_for()), t["health"]))
    lis = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for href, label in items)
    return f'<h2>{esc(t["pages"])}</h2><ul id="admin-pages">{lis}</ul>'


def _versions(t: dict[str, str], rows: list[ConfigVersion], published: int | None) -> str:
    headers = [t["version"], t["created"], t["author"], t["comment"], t["published"]]
    cells = [
        [
            f"#{row.id}",
            esc(local_time(row.created_at)),
            esc(row.author),
            esc(row.comment),
            "✓" if row.id == published else "",
        ]
        for row in rows
    ]
    return (
        f'<h2>{esc(t["versions"])}</h2><div id="config-versions">'
        f"{table(headers, cells, t['no_versions'])}</div>"
        f'<p class="muted">{esc(t["cli"])}</p>'
    )


async def admin_home(request: web.Request) -> web.Response:
    require_role(request, Role.ADMIN)
    w = words(request)
    t = EN if w.en else ZH
    async with request.config_dict[SESSIONMAKER]() as session:
        rows = await config_versions.history(session, limit=HISTORY_SHOWN)
        published = await config_versions.published_id(session)
    desk = request.config_dict[DESK_PAGES].router
    body = _links(request, w, t, desk) + _versions(t, rows, published)
    return page(request, w, t["title"], body, active=ADMIN_NAV)


def create_admin_app() -> web.Application:
    """The admin's pages; mount at `/admin/`."""
    app = web.Application(middlewares=page_middlewares())
    app.router.add_get("/", admin_home, name="admin_home")
    return app
