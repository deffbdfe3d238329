"""Summit: an educational strategy game and agent-based model of great-power diplomacy.

Built on D. A. Andelman, "Why Putin is a better match for Kim Jong Un than Trump is",
Euronews / NBC Think, April 2019. The game models that article's argument; it does
not endorse it.
"""

__version__ = "0.1.0"
