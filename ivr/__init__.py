"""Hotline's phone line and people: the aiohttp app, webhooks, menus, carrier and pages."""
