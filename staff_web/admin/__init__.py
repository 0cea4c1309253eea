"""The admin console: menus and config versions, users, the audit trail."""
