"""The baseline for `webhook_load`: aiohttp answering every POST with one static TwiML.

No signature check, no Redis, no menu: what the same framework costs when the handler does
nothing. The answer has a `<Gather action=...>` like a real menu step, so the load generator
walks it exactly as it walks the real server.
"""

from __future__ import annotations

import argparse

from aiohttp import web

# Shaped and sized like the real server's first menu answer on the 95598 line.
MENU_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="{base}/twilio/menu?h=95598&amp;v=1&amp;s=main&amp;t=0" '
    'actionOnEmptyResult="true" input="dtmf speech" language="zh-CN" method="POST" '
    'speechTimeout="auto" timeout="6" numDigits="1" '
    'hints="故障,报修,停电,没电,电费,缴费,账单,业务,办理,投诉,举报,表扬,建议,停电信息,人工">'
    '<Say language="zh-CN" voice="Polly.Zhiyu">欢迎致电国家电网95598供电服务热线。</Say>'
    '<Say language="zh-CN" voice="Polly.Zhiyu">故障报修请按1，电费缴费及账单请按2，'
    "业务办理请按3，投诉举报请按4，表扬建议请按5，停电信息查询请按9，人工服务请按0，"
    "重听请按井号键。</Say></Gather>"
    '<Redirect method="POST">{base}/twilio/menu?h=95598&amp;v=1&amp;s=main&amp;t=1</Redirect>'
    "</Response>"
)


def create_baseline_app(base_url: str) -> web.Application:
    body = MENU_TWIML.format(base=base_url)

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/xml")

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/healthz", health)
    app.router.add_post("/{tail:.*}", answer)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop  # type: ignore[import-not-found,unused-ignore]

        uvloop.install()
    app = create_baseline_app(f"http://{args.host}:{args.port}")
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
