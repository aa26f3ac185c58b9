"""The coordinators' forum group: one topic per person, opened on their first message.

Telegram's own support-bot pattern: the bot is an administrator of a forum supergroup
(COORDINATOR_CHAT_ID) allowed to manage topics; each person who writes to the coordinators
gets a topic, opened by a short header, and everything they send is copied into it. A
coordinator's answer in the topic goes back to that person (handlers.inbox).

Topics are made by the delivery worker, outside any transaction: the topic is created,
then its id is stored in a short transaction of its own, then the header is sent.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot

from delivery.outbox import Topic
from storage.db import SessionFactory
from storage.models import InboxThread
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

TITLE_LIMIT = 128  # Telegram's limit for a topic name


class ForumTopics:
    """Finds or opens a person's topic in the coordinators' forum group."""

    def __init__(self, session_factory: SessionFactory, bot: Bot, chat_id: int) -> None:
        self.session_factory = session_factory
        self.bot = bot
        self.chat_id = chat_id
        self._lock = asyncio.Lock()  # one topic per person, even with two rows in a batch

    async def thread_of(self, topic: Topic) -> int:
        """The topic's message_thread_id, opening the topic (with its header) first when
        the person has none in this group yet."""
        async with self._lock:
            known = await self._known(topic.person_id)
            if known is not None:
                return known
            created = await self.bot.create_forum_topic(self.chat_id, topic.title[:TITLE_LIMIT])
            thread_id = created.message_thread_id
            await self._remember(topic.person_id, thread_id)
            log.info("opened a forum topic for person %s", topic.person_id)
        await self.bot.send_message(
            self.chat_id,
            topic.header,
            message_thread_id=thread_id,
            reply_markup=topic.header_markup,
        )
        return thread_id

    async def forget(self, person_id: int) -> None:
        """The person's topic is gone (deleted in the group): the next message opens one."""
        async with UnitOfWork(self.session_factory) as uow:
            thread = await uow.inbox.of_person(person_id)
            if thread is not None:
                thread.topic_id = None
                await uow.commit()

    async def _known(self, person_id: int) -> int | None:
        async with UnitOfWork(self.session_factory) as uow:
            thread = await uow.inbox.of_person(person_id)
            if thread is None or thread.chat_id != self.chat_id:
                return None
            return thread.topic_id

    async def _remember(self, person_id: int, thread_id: int) -> None:
        async with UnitOfWork(self.session_factory) as uow:
            person = await uow.users.get(person_id)
            if person is None:  # erased meanwhile: nothing to remember
                return
            thread = await uow.inbox.of_person(person_id)
            if thread is None:
                thread = InboxThread(programme_id=person.programme_id, person_id=person_id)
                uow.inbox.add(thread)
            thread.chat_id, thread.topic_id = self.chat_id, thread_id
            await uow.commit()
