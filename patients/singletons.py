"""One-row tables (the clinic's details, the protocol parameters) read through the cache.

Nearly every request reads them and they change a few times a year, so each is read from the
database once and kept in the cache (Redis when REDIS_URL is set, shared by every process;
otherwise this process's memory) until it is saved again. Saving forgets the cached copy at once
and again when the transaction commits, so no other request can cache the old row in between;
until then the transaction that saved it reads the row from the database and caches nothing, so
a change that is rolled back never reaches the cache.
Without a working cache the row is read from the database: a cache outage slows pages, it does
not stop them.
"""

import logging

from django.core.cache import cache
from django.db import connection, models, transaction

logger = logging.getLogger(__name__)


def _key(model: type[models.Model]) -> str:
    return f"singleton:{model._meta.label_lower}"


def _changed_here() -> set[str]:
    """Keys of the rows this connection has saved in a transaction not yet committed."""
    if not hasattr(connection, "singletons_changed"):
        connection.singletons_changed = set()
    return connection.singletons_changed


def singleton_get(model: type[models.Model]) -> models.Model:
    """The model's one row (pk 1, created with its defaults if missing), from the cache when it holds it."""
    key = _key(model)
    if key in _changed_here() and connection.in_atomic_block:
        row, _ = model.objects.get_or_create(pk=1)  # changed in this transaction: not for the cache yet
        return row
    try:
        row = cache.get(key)
    except Exception:  # any cache failure (e.g. Redis unreachable): read the database instead
        logger.warning("The cache could not be read; %s is read from the database.", key, exc_info=True)
        row = None
    if row is None:
        row, _ = model.objects.get_or_create(pk=1)
        try:
            cache.set(key, row, timeout=None)
        except Exception:
            logger.warning("The cache could not be written (%s).", key, exc_info=True)
    return row


def singleton_forget(model: type[models.Model]) -> None:
    """Drop the cached row, now and when the current transaction commits."""
    key = _key(model)

    def forget() -> None:
        try:
            cache.delete(key)
        except Exception:
            logger.warning("The cache could not be cleared (%s).", key, exc_info=True)

    def committed() -> None:
        _changed_here().discard(key)
        forget()

    forget()
    if connection.in_atomic_block:
        _changed_here().add(key)
    transaction.on_commit(committed)


class SingletonModel(models.Model):
    """A table of one row, pk 1: `current()` reads it through the cache, `save()` forgets the cached copy."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        singleton_forget(type(self))

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        singleton_forget(type(self))
        return result

    @classmethod
    def current(cls):
        return singleton_get(cls)
