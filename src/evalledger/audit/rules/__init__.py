"""Audit rules, one module per rule family. Each module has ``RULES`` (its Rule objects, with the
user documentation) and ``check(ctx)`` for events; the registry is built from these modules."""

from __future__ import annotations

from evalledger.audit.rules import copies, dates, edits, published, retraction, verify

EVENT_MODULES = (edits, verify, dates, retraction)
MODULES = (edits, verify, dates, retraction, published, copies)
