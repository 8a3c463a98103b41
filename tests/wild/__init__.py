"""Adversarial "wild" forms: the Dalarna template filled in the way tired coordinators do.

`builders` renders small document descriptions into real files (.docx with raw
XML where python-docx has no API, .xlsx, fillable PDFs); `cases` holds the
cases and what a careful county clerk would record for each; `test_wild`
runs the parser over them.
"""
