"""The Telegram runtime: the typed PTB context (`types`), the inbox that stores and leases
updates before handling (`inbox`), the outbox sender that delivers committed messages within
Telegram's limits (`sender`), message composition (`messages`) and the scheduled jobs (`jobs`).

It may import `bot.core`, `bot.storage`, `models` and `bot.services`; the handlers use it, and
only `bot.app` (the composition root) and the tools sit above it.
"""
