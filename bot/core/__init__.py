"""The pure core: what an SOP is (`sop`), how a proposal moves through it (`engine`), working
time (`calendar`, `office_hours`, `clock`), the settings (`config`), the words (`texts`,
`render`, `fit`), and small pure helpers (callback data, file types, rate windows, redaction).

It may import nothing of the bot's other layers, the models, Telegram or the database: it is
what a test can use without any of them, and what every other layer may use.
"""
