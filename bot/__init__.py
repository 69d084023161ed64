"""Thi đua bot: the Telegram front end of a school's emulation and commendation work."""

import os

# Opt in to PTB's coming behaviour (retry_after as a timedelta) instead of a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
