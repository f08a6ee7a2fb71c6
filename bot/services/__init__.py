"""The use cases: each public function is one unit of work (`uow`) that reads, changes state
through the models' methods, records events, and lets `effects` derive the messages to send.

It may import `bot.core`, `bot.storage` and `models`; it knows nothing of PTB's updates or
the sender, so a use case runs the same from a handler, a job, the CLI or a test.
"""
