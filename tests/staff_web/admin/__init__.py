"""Tests of the admin console."""
