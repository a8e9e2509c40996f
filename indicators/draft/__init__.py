"""Drafting a catalogue from a document's text: `chitieu catalogue draft` (see docs/drafter.md)."""
