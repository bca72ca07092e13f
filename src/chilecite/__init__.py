"""chilecite: sources, quotations and citations of Mike Gonzalez, 'The left and the coup in Chile' (1984)."""

__version__ = "0.1.0"

from chilecite.loading import load_corpus  # noqa: E402

__all__ = ["__version__", "load_corpus"]
