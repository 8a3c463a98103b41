"""Reading a message holds no copy of it: its attachments, decoded, are all it adds (issue 14, item 9).

The fast MIME splitter works on positions in the message's bytes and leaves big
base64 parts there; they are decoded straight from the bytes. Before, reading
a 30 MB message with one big attachment allocated 5.5 times its size at the
peak (copies of each entity's text, the email package's encode-split-join
before decoding); now its decoded files (three quarters of it) are the peak.
bench/message_memory.py measures the whole intake.
"""

from __future__ import annotations

import os
import tracemalloc

import pytest

from ingest.message import read_message
from tests.builders import mail as mails

MB = 1024 * 1024


def _message(shape: str) -> bytes:
    form = [("Lägesbild Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)]
    if shape == "one big attachment":
        extra = [("bilder.bin", os.urandom(6 * MB), "application/octet-stream")]
    else:
        extra = [(f"bild-{i}.bin", os.urandom(60_000), "application/octet-stream") for i in range(100)]
    return mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!", form + extra)


@pytest.mark.parametrize("shape", ["one big attachment", "many small attachments"])
def test_reading_a_big_message_costs_its_decoded_files_and_no_copy_of_it(shape: str) -> None:
    raw = _message(shape)
    tracemalloc.start()
    try:
        message = read_message(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    files = sum(len(a.content) for a in message.attachments)
    assert len(message.attachments) in (2, 101) and files > 0.7 * len(raw)
    assert peak < files + 0.15 * len(raw), (peak / len(raw), files / len(raw))
