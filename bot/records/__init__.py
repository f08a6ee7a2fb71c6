"""The office's records, drawn from what the bot recorded: the register (rekap), the SOP
compliance report (laporan monev), the disposition sheet (lembar disposisi), letter drafts.

Every figure is measured once, in `timeline` (a step's working time against its standard, in the
office's calendar), and every case is read once, in `cases` (streamed in batches, so a register
of 100,000 cases never holds them all); the writers only lay them out.
"""
