"""hypercare: triage, measure and hand over the weeks after a go-live."""

__version__ = "0.1.0"
