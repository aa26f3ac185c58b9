"""A local Telegram Bot API emulator for tests: ``Emulator`` and its simulated users."""

from emulator.api import DEFAULT_TOKEN, BotApi, RequestRecord
from emulator.groups import SimulatedGroup
from emulator.limits import RateLimit, RateStats
from emulator.server import create_app, run_standalone
from emulator.state import BotCommandEntry, BotMessage, CallbackAnswer, StoredFile
from emulator.testing import Emulator
from emulator.users import SimulatedUser

__all__ = [
    "DEFAULT_TOKEN",
    "BotApi",
    "BotCommandEntry",
    "BotMessage",
    "CallbackAnswer",
    "Emulator",
    "RateLimit",
    "RateStats",
    "RequestRecord",
    "SimulatedGroup",
    "SimulatedUser",
    "StoredFile",
    "create_app",
    "run_standalone",
]
