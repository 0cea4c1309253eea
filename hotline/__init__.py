"""The composition root: settings, the app and its resources' lifetimes, app keys, the CLI."""
