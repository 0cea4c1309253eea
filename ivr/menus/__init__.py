"""Menus: the config format admins edit, its validation, versions and the menu engine."""
