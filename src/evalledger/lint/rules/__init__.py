"""Lint rules, one module per small family. Each module lists its rules in ``RULES``; each rule's
``doc`` is its user documentation (what it flags, why it matters, a bad and a fixed example). A
module's ``CHECKS`` are its check units (``evalledger.lint.places.Check``: the place each looks
at, the rules it emits, the function), dispatched by ``evalledger.lint.registry``."""
