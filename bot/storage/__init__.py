"""Storage: the database engine and sessions (`db`, with the in-process SQLite driver
`sqlite_inline`), schema migrations (`migrate`), the document archive (`archive`) and the
tamper-evident audit chain (`audit`).

It may import `bot.core` and `models`, never the services, the Telegram runtime or the tools.
"""
