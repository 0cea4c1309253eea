"""The admin console: its pages (mounted at `/admin/`), config drafts and versions, users,
the audit trail."""
