"""Disposisi Bot: a government SOP run as a Telegram workflow.

The package is layered; each layer may import only the layers below it, and
`tests/test_layers.py` fails when an import crosses the wrong way:

    bot.tools      the operator's command line (outermost; nothing imports it)
    bot.app        the composition root: builds the PTB application from the layers below
    handlers       Telegram updates → one service call → a rendered reply
    bot.runtime    the Telegram machinery: inbox, outbox sender, jobs, message composition
    bot.records    the office's records (register, compliance report…), beside the runtime
    bot.services   the use cases, each one unit of work over the database
    bot.storage    database engine, SQLite driver, migrations, archive, audit chain
    models         the SQLAlchemy tables
    bot.core       the pure rules and words: SOP specs, engine, calendar, settings, templates

See docs/ARCHITECTURE.md for a picture and one approval followed file by file.
"""
