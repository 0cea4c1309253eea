"""The admin console's pages (mount at `/admin/` with `page_middlewares()`)."""
