"""Meetups: handlers (being built)."""

from __future__ import annotations

from handlers.routing import HandlerSet

router = HandlerSet(__name__)
