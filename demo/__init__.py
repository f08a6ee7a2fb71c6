"""The demo and the playground: the real bot driven through the project's Telegram emulator
by scripted or browser-driven officials. Kept out of `bot` so the product never imports its
test double; `disposisi demo` and `disposisi playground` load it only when asked.
"""
