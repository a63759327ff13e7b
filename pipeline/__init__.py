"""Link and metadata enrichment for curated Markdown lists of research papers."""

__version__ = "0.1.0"

__all__ = ["__version__"]
