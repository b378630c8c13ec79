"""A bounded cache of complete query responses, for a store that does not change while served.

Apps ask the same small queries again and again (a concept's page, its labels); answering those
from memory skips the round trip to a query worker. Keyed by everything that shapes the bytes:
query text, dataset and Accept header. Bounded by bytes (keys count too), least recently used
first out. The server keys answers by the engine's generation too and clears the cache after
each curated write (issue 7), so an answer from before a write is never served after it.
"""

from __future__ import annotations

from collections import OrderedDict

CacheKey = tuple[object, ...]  # strings, bytes and tuples of strings: what shapes the answer


class ResponseCache:
    """LRU of (content type, body) by key, at most ``max_bytes`` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # One entry may take a sixteenth of the room, so a few big answers cannot evict everything.
        self.max_entry = max_bytes // 16
        self._entries: OrderedDict[CacheKey, tuple[bytes, bytes]] = OrderedDict()
        self._size = 0

    @staticmethod
    def _cost(key: CacheKey, value: tuple[bytes, bytes]) -> int:
        size = len(value[0]) + len(value[1]) + 200
        for part in key:
            if isinstance(part, (str, bytes)):
                size += len(part)
            elif isinstance(part, tuple):
                size += sum(len(item) for item in part if isinstance(item, (str, bytes)))
        return size

    def get(self, key: CacheKey) -> tuple[bytes, bytes] | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: CacheKey, content_type: bytes, body: bytes) -> None:
        value = (content_type, body)
        cost = self._cost(key, value)
        if cost > self.max_entry or key in self._entries:
            return
        self._entries[key] = value
        self._size += cost
        while self._size > self.max_bytes:
            old_key, old_value = self._entries.popitem(last=False)
            self._size -= self._cost(old_key, old_value)

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._size
