"""Rendering and sending: blank forms, receipts, workbooks, digests."""
