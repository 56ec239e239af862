"""evalledger: keep LLM evaluation results honest where they live, in git."""

__version__ = "0.1.0"
