"""``evalledger migrate``: from a model card's legacy `model-index` to `.eval_results/` entries.

Imported only when the command runs: the lint hook never pays for it.
"""
