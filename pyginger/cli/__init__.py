"""The command line: ``python -m pyginger demo`` and ``python -m pyginger bench``."""
