"""Sign-in and roles: passwords, sessions, API tokens, CSRF, login rate limits, pages."""
