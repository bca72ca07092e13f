"""chilecite: sources, quotations and citations of Mike Gonzalez, 'The left and the coup in Chile' (1984).

The library API: `load_corpus()` loads the records; `quotation(words_or_id)` finds a quotation
to cite (`chilecite.quotation("history is ours").cite(style="apa", format="html")`).
"""

__version__ = "0.1.0"

from chilecite.citing import quotation  # noqa: E402
from chilecite.loading import load_corpus  # noqa: E402

__all__ = ["__version__", "load_corpus", "quotation"]
