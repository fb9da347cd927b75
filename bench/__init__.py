"""Benchmarks of Guanxi against the raw database (``make bench`` → ``python -m bench.run``)."""

import os

# The data sets draw company names from a small generator, so thousands of accounts share a
# normalised name: the sales module's registration check (one customer, one registration)
# would refuse the bulk creates measured here. The engine is measured without it; the
# check's own cost (one indexed SELECT per account create) is noted in bench/notes.md.
os.environ.setdefault("GUANXI_REGISTRATION_DUPLICATES", "off")
