# aiogram's types first, with validators built on first use (bot/lean_types.py: ~100 MB).
from bot.lean_types import import_types_lazily

import_types_lazily()
