"""Imported by the fork server of `tests.processes` only: it builds the language detector
once, so each bot process forked from the server starts with it built, as a long-running
bot has it after its first seconds, instead of building it again (about a second of CPU
and 350 MB per process)."""

from domain.langid import get_detector

get_detector()
