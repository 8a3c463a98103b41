"""Form variants with the truth known by construction, and the parser measured on their product.

A variant is one value on each of several independent axes (axes.py):
producer (how the file was written), layout, how an impact is given, an
anomaly (blank, untouched "1-5", invalid), the style of the comments, document
features (page header, text boxes, tracked changes, page breaks), a
coordinator's habit, how the municipality and month are written, question
order and a missing question. content.py decides a variant's content and
its truth from a seed; layouts.py / sheets.py / acroform.py draw it;
wordml.py, printpdf.py, tests/builders' python-docx renderer and LibreOffice
(lo.py) write it; build.py parses and judges it (compare.py); report.py and
runner.py give the figures (`./run variants`).
"""
