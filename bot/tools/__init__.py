"""The operator's tools: the `disposisi` command line and what only it runs (the reminder
simulation, the demo and playground launchers, the benchmarks' entry). This is the outermost
layer: it may import anything in the product (bot, handlers, models, bench, the demo), and
nothing in the product imports it, so a tool can never become something the running bot needs.
"""
