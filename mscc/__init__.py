"""mscc — the M-series config compiler."""

__version__ = "0.1.0"
