"""tgkit: collect Telegram data for research from Jupyter notebooks.

The public surface is what this module names; everything else may change.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
