"""Pushed messages of this area, registered with handlers.notices.notice (being built)."""

from __future__ import annotations
