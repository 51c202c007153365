"""Browser tests (Playwright + Debian chromium); see conftest.py."""
