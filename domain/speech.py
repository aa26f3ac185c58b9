"""Speech for people who read little: a key message spoken offline by espeak-ng when no
coordinator has recorded it.

No network and no model download: espeak-ng and opusenc (opus-tools) come from Debian.
Both run as subprocesses from a worker thread (asyncio.to_thread), so the event loop never
waits for them. Telegram
plays a voice note only as OGG/Opus (sendVoice), hence the encoder; without either program
nothing is synthesised, and the 🔊 button shows only where a recording exists.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
from dataclasses import dataclass, field

from domain.languages import registry

log = logging.getLogger(__name__)

# Our languages and the espeak-ng voice that reads them: the registry's `espeak` field
# (locales/languages.toml). Tigrinya has none: reading it with the Amharic voice (same
# script, another language) would be wrong, so only a recording can speak it.
ESPEAK_VOICES: dict[str, str] = {lang.code: lang.espeak for lang in registry() if lang.espeak}

# A message is at most 60 words: a few seconds of speech. Longer means something is stuck.
TIMEOUT_SECONDS = 20.0
# Two cores serve everyone: at most this many syntheses at the same time.
PARALLEL = 2


class SpeechFailed(Exception):
    """espeak-ng or the encoder failed or took too long."""


@dataclass
class Synthesiser:
    """Paths of espeak-ng and opusenc (None where not installed)."""

    espeak: str | None
    encoder: str | None
    _slots: asyncio.Semaphore | None = field(default=None, repr=False)

    @classmethod
    def from_system(cls) -> Synthesiser:
        return cls(espeak=shutil.which("espeak-ng"), encoder=shutil.which("opusenc"))

    @property
    def installed(self) -> bool:
        return self.espeak is not None and self.encoder is not None

    def can_speak(self, locale: str) -> bool:
        """Whether a voice note in `locale` can be made here."""
        return self.installed and locale in ESPEAK_VOICES

    async def speak(self, text: str, locale: str) -> bytes:
        """`text` read aloud in `locale`, as OGG/Opus; SpeechFailed when it cannot be.

        The programs run from a worker thread: even asyncio's own subprocesses fork and
        exec on the event loop's thread, which was measured holding the loop 140 ms on a
        busy machine (bench/speech.py)."""
        if not self.can_speak(locale) or self.espeak is None or self.encoder is None:
            raise SpeechFailed(f"no voice for {locale}")
        if self._slots is None:
            self._slots = asyncio.Semaphore(PARALLEL)
        speaking = [self.espeak, "-v", ESPEAK_VOICES[locale], "--stdout"]
        encoding = [self.encoder, "--quiet", "-", "-"]
        async with self._slots:
            wave = await asyncio.to_thread(_run, speaking, text.encode("utf-8"))
            return await asyncio.to_thread(_run, encoding, wave)


def _run(command: list[str], given: bytes) -> bytes:
    """Run `command` with `given` on its standard input; its standard output. A program
    that takes longer than TIMEOUT_SECONDS is killed."""
    try:
        done = subprocess.run(
            command, input=given, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SpeechFailed(f"{command[0]}: {type(error).__name__}") from error
    if done.returncode != 0 or not done.stdout:
        log.warning("%s failed (%s): %s", command[0], done.returncode, done.stderr[:200])
        raise SpeechFailed(f"{command[0]} failed")
    return done.stdout
