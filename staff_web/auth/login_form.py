"""The login page's HTML in Chinese (default) or English, with per-field error messages."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from html import escape
from string import Template

from yarl import URL


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


TEXTS: dict[Language, dict[str, str]] = {
    Language.ZH: {
        "html_lang": "zh-CN",
        "title": "登录 · 热线服务台",
        "heading": "坐席与管理登录",
        "username": "用户名",
        "password": "密码",
        "submit": "登录",
        "switch": "English",
        "username_missing": "请输入用户名",
        "password_missing": "请输入密码",
        "wrong": "用户名或密码错误",
        "too_many": "登录失败次数过多，请 {minutes} 分钟后再试",
        "expired": "页面已过期，请重新登录",
        "signed_out": "您已安全退出",
        "error_heading": "无法登录",
        "colon": "：",
    },
    Language.EN: {
        "html_lang": "en",
        "title": "Sign in · Hotline desk",
        "heading": "Sign in",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "switch": "中文",
        "username_missing": "Enter your username",
        "password_missing": "Enter your password",
        "wrong": "Wrong username or password",
        "too_many": "Too many failed sign-ins; try again in {minutes} min",
        "expired": "The page expired; please sign in again",
        "signed_out": "You have signed out",
        "error_heading": "Could not sign in",
        "colon": ": ",
    },
}

PAGE = Template("""<!doctype html>
<html lang="$html_lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body{font:16px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f6f8;
margin:0;display:grid;place-items:center;min-height:100vh;color:#1b1f23}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin-top:1rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;
font:inherit;border:1px solid #8a949e;border-radius:4px}
[aria-invalid=true]{border-color:#b3261e}.field-error{color:#b3261e;margin:.25rem 0 0}
.alert{border:1px solid #b3261e;background:#fdecea;padding:.5rem .75rem;border-radius:4px}
.notice{border:1px solid #1e6b3a;background:#e8f5ec;padding:.5rem .75rem;border-radius:4px}
button{margin-top:1.5rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#fff;
background:#0b5cad;border:0;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #f0a500}
nav{margin-top:1rem;text-align:right}
</style>
</head>
<body>
<main>
<h1>$heading</h1>
$banner<form method="post" action="$action" novalidate>
<input type="hidden" name="csrf_token" value="$csrf_token">
<input type="hidden" name="next" value="$next_path">
<label for="username">$username_label</label>
<input type="text" id="username" name="username" value="$username" autocomplete="username"
 autocapitalize="none" spellcheck="false" required$username_attrs>
$username_error<label for="password">$password_label</label>
<input type="password" id="password" name="password" autocomplete="current-password"
 required$password_attrs>
$password_error<button type="submit">$submit</button>
</form>
<nav><a href="$switch_href" lang="$switch_lang">$switch</a></nav>
</main>
</body>
</html>
""")


def _field(name: str, error: str | None) -> tuple[str, str]:
    """The input's extra attributes and the error paragraph tied to it."""
    if not error:
        return "", ""
    attrs = f' aria-invalid="true" aria-describedby="{name}-error"'
    return attrs, f'<p class="field-error" id="{name}-error">{escape(error)}</p>\n'


def render_login(
    language: Language,
    *,
    action: URL,
    csrf_token: str,
    next_path: str,
    username: str = "",
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> str:
    """The whole page; `errors` may hold `username`, `password` and `form` messages."""
    texts = TEXTS[language]
    errors = errors or {}
    banner = ""
    if errors.get("form"):
        banner = (
            f'<div class="alert" role="alert"><strong>{escape(texts["error_heading"])}</strong>'
            f"{texts['colon']}{escape(errors['form'])}</div>\n"
        )
    elif notice:
        banner = f'<p class="notice" role="status">{escape(notice)}</p>\n'
    username_attrs, username_error = _field("username", errors.get("username"))
    password_attrs, password_error = _field("password", errors.get("password"))
    other = Language.EN if language is Language.ZH else Language.ZH
    switch_query = {"lang": other.value, **({"next": next_path} if next_path else {})}
    return PAGE.substitute(
        html_lang=texts["html_lang"],
        title=escape(texts["title"]),
        heading=escape(texts["heading"]),
        banner=banner,
        action=escape(str(action)),
        csrf_token=escape(csrf_token),
        next_path=escape(next_path),
        username_label=escape(texts["username"]),
        username=escape(username),
        username_attrs=username_attrs,
        username_error=username_error,
        password_label=escape(texts["password"]),
        password_attrs=password_attrs,
        password_error=password_error,
        submit=escape(texts["submit"]),
        switch_href=escape(str(action.with_query(switch_query))),
        switch_lang=TEXTS[other]["html_lang"],
        switch=escape(texts["switch"]),
    )
