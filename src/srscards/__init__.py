"""srscards: Markdown study notes into spaced-repetition practice."""

__version__ = "0.1.0"
