"""WordprocessingML written directly, the way Microsoft Word (Swedish UI) saves a .docx.

Unlike python-docx's output this carries what Word leaves behind: w14:paraId
and rsid attributes, runs split at editing-session boundaries in the middle
of words, w:proofErr marks, a _GoBack bookmark, Swedish style ids ("Rubrik",
"Rubrik1", "Liststycke", "Tabellrutnt"), lists as "Liststycke" + w:numPr with
a Symbol-font bullet, content controls with the "Platshllartext" style,
legacy FORMDROPDOWN fields whose w:result is left out when it is 0, text boxes
as mc:AlternateContent (DrawingML + VML fallback), w:sym Wingdings symbols,
complex PAGE fields in the footer, tracked changes as w:ins/w:del.
"""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from xml.sax.saxutils import escape, quoteattr

from tests.builders import split_markup
from tests.variants.model import Box, FormField, Grid, Inline, Page, PageNo, Para, Run, Sdt, Sym

NS = (
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'mc:Ignorable="w14 wp14"'
)
_AUTHOR = 'w:author="Trygghetssamordnare" w:date="2026-10-28T09:12:00Z"'
_STYLE_IDS = {"title": "Rubrik", "heading": "Rubrik1", "bullet": "Liststycke", "number": "Liststycke"}


class _Writer:
    """Renders one Page; deterministic for a given seed."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.ids = 0
        self.nums: list[int] = []  # abstractNum id per w:num (numId = index + 1)
        self.list_kind = ""
        self.rsids = [f"{self.rng.getrandbits(32):08X}" for _ in range(4)]
        self.tracked = False

    def next_id(self) -> int:
        self.ids += 1
        return self.ids

    def hexid(self) -> str:
        return f"{self.rng.getrandbits(31):08X}"

    # -- runs --------------------------------------------------------------
    def _run(self, text: str, *, bold: bool = False, deleted: bool = False, style: str = "") -> str:
        props = ""
        if style or bold:
            inner = (f'<w:rStyle w:val="{style}"/>' if style else "") + ("<w:b/>" if bold else "")
            props = f"<w:rPr>{inner}</w:rPr>"
        tag = "w:delText" if deleted else "w:t"
        body = []
        for i, line in enumerate(text.split("\n")):
            if i:
                body.append("<w:br/>")
            for j, piece in enumerate(line.split("\t")):
                if j:
                    body.append("<w:tab/>")
                if piece:
                    body.append(f'<{tag} xml:space="preserve">{escape(piece)}</{tag}>')
        rsid = self.rng.choice(self.rsids)
        return f'<w:r w:rsidRPr="{rsid}">{props}{"".join(body)}</w:r>'

    def _split(self, text: str) -> list[str]:
        """Word splits runs where editing sessions met, often inside a word."""
        if len(text) < 6 or self.rng.random() < 0.4:
            return [text]
        cuts = sorted(self.rng.sample(range(1, len(text)), min(2, len(text) - 1)))
        pieces, last = [], 0
        for c in cuts:
            pieces.append(text[last:c])
            last = c
        pieces.append(text[last:])
        return [p for p in pieces if p]

    def text(self, part: Run) -> str:
        out = []
        for kind, chunk, _ in [("text", part.text, "")] if part.literal else split_markup(part.text):
            if kind in ("del", "ins"):
                self.tracked = True
            if kind == "del":
                out.append(f'<w:del w:id="{self.next_id()}" {_AUTHOR}>{self._run(chunk, deleted=True)}</w:del>')
            elif kind == "ins":
                out.append(f'<w:ins w:id="{self.next_id()}" {_AUTHOR}>{self._run(chunk, bold=part.bold)}</w:ins>')
            else:
                pieces = self._split(chunk)
                for n, piece in enumerate(pieces):
                    if n == 1 and self.rng.random() < 0.3:
                        out.append('<w:proofErr w:type="spellStart"/>')
                    out.append(self._run(piece, bold=part.bold))
        return "".join(out)

    def sdt(self, c: Sdt) -> str:
        pr = [f"<w:alias w:val={quoteattr(c.alias)}/>" if c.alias else "",
              f"<w:tag w:val={quoteattr(c.tag)}/>" if c.tag else "", f'<w:id w:val="{self.rng.getrandbits(31)}"/>']
        placeholder = c.kind == "placeholder"
        pr.append('<w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013438"/></w:placeholder>')
        if placeholder:
            pr.append("<w:showingPlcHdr/>")
        if c.kind in ("dropdown", "placeholder", "combo"):
            tag = "w:comboBox" if c.kind == "combo" else "w:dropDownList"
            items = "".join(f"<w:listItem w:displayText={quoteattr(d)} w:value={quoteattr(v)}/>" for d, v in c.items)
            first = '<w:listItem w:displayText="Välj ett objekt." w:value=""/>' if placeholder else ""
            pr.append(f"<{tag}>{first}{items}</{tag}>")
        else:
            pr.append("<w:text/>")
        run = self._run(c.value, style="Platshllartext" if placeholder else "")
        return f"<w:sdt><w:sdtPr>{''.join(pr)}</w:sdtPr><w:sdtEndPr/><w:sdtContent>{run}</w:sdtContent></w:sdt>"

    def form_field(self, f: FormField) -> str:
        name = quoteattr(f.name or f"Listruta{self.next_id()}")
        if f.kind == "dropdown":
            idx = f.items.index(f.value) if f.value in f.items else 0
            result = f'<w:result w:val="{idx}"/>' if idx else ""  # Word leaves out the default
            entries = "".join(f"<w:listEntry w:val={quoteattr(i)}/>" for i in f.items)
            spec, instr = f"<w:ddList>{result}{entries}</w:ddList>", "FORMDROPDOWN"
        else:
            spec, instr = "<w:textInput/>", "FORMTEXT"
        out = [f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val={name}/><w:enabled/>'
               f'<w:calcOnExit w:val="0"/>{spec}</w:ffData></w:fldChar></w:r>',
               f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>']
        if f.kind == "text":
            out += ['<w:r><w:fldChar w:fldCharType="separate"/></w:r>', self._run(f.value or "\u2002" * 5)]
        out.append('<w:r><w:fldChar w:fldCharType="end"/></w:r>')
        return "".join(out)

    def page_field(self, f: PageNo) -> str:
        return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> {f.instr}'
                r' \* MERGEFORMAT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                f'{self._run(f.shown)}<w:r><w:fldChar w:fldCharType="end"/></w:r>')

    def sym(self, s: Sym) -> str:
        return (f'<w:r><w:rPr><w:rFonts w:ascii="{s.font}" w:hAnsi="{s.font}"/></w:rPr>'
                f'<w:sym w:font="{s.font}" w:char="{s.char}"/></w:r>')

    def text_box(self, box: Box) -> str:
        n = self.next_id()
        saved = self.list_kind
        inner = "".join(self.para(p) for p in box.paras)
        self.list_kind = saved
        h = 300000 * max(1, len(box.paras)) + 200000
        return (
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            f'<wp:anchor distT="45720" distB="45720" distL="114300" distR="114300" simplePos="0" '
            f'relativeHeight="{251659264 + n}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
            '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset>'
            '</wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
            f'<wp:extent cx="5400000" cy="{h}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
            f'<wp:docPr id="{n}" name="Textruta {n}"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData '
            'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
            '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
            f'<a:ext cx="5400000" cy="{h}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
            f'<wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx><wps:bodyPr rot="0" vert="horz" '
            'wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720" anchor="t" anchorCtr="0">'
            '<a:spAutoFit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
            f'</mc:Choice><mc:Fallback><w:pict><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
            'path="m,l,21600r21600,l21600,xe"/><v:shape id="Textruta ' + str(n) + '" o:spid="_x0000_s'
            f'{1025 + n}" type="#_x0000_t202" style="position:absolute;margin-left:0;margin-top:0;width:425pt;'
            f'height:{h // 12700}pt;z-index:{n}"><v:textbox style="mso-fit-shape-to-text:t"><w:txbxContent>'
            f'{inner}</w:txbxContent></v:textbox><w10:wrap type="topAndBottom"/></v:shape></w:pict>'
            '</mc:Fallback></mc:AlternateContent></w:r>')

    def inline(self, part: Inline) -> str:
        if isinstance(part, Run):
            return self.text(part)
        if isinstance(part, Sym):
            return self.sym(part)
        if isinstance(part, Sdt):
            return self.sdt(part)
        if isinstance(part, FormField):
            return self.form_field(part)
        if isinstance(part, PageNo):
            return self.page_field(part)
        return self.text_box(part)

    # -- blocks ------------------------------------------------------------
    def para(self, p: Para, style_override: str = "") -> str:
        attrs = f'w14:paraId="{self.hexid()}" w14:textId="{self.hexid()}" w:rsidR="{self.rsids[0]}" ' \
                f'w:rsidRDefault="{self.rsids[1]}"'
        if p.style == "pagebreak":
            self.list_kind = ""
            return f'<w:p {attrs}><w:r><w:br w:type="page"/></w:r></w:p>'
        ppr = ""
        style = style_override or _STYLE_IDS.get(p.style, "")
        if p.style in ("bullet", "number"):
            if self.list_kind != p.style:
                self.nums.append(0 if p.style == "bullet" else 1)
                self.list_kind = p.style
            ppr = f'<w:pPr><w:pStyle w:val="{style}"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{len(self.nums)}"/>' \
                  '</w:numPr></w:pPr>'
        else:
            self.list_kind = ""
            if style:
                ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        return f"<w:p {attrs}>{ppr}{''.join(self.inline(x) for x in p.parts)}</w:p>"

    def grid(self, g: Grid) -> str:
        ncols = max(len(r) for r in g.rows)
        widths = [int((g.widths[i] if i < len(g.widths) else 3.0) * 567) for i in range(ncols)]
        out = ['<w:tbl><w:tblPr><w:tblStyle w:val="Tabellrutnt"/><w:tblW w:w="0" w:type="auto"/>'
               '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
               'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
        out.append("</w:tblGrid>")
        for row in g.rows:
            out.append(f'<w:tr w:rsidR="{self.rsids[2]}" w14:paraId="{self.hexid()}" w14:textId="{self.hexid()}">')
            for i, cell in enumerate(row):
                self.list_kind = ""
                paras = "".join(self.para(p) for p in cell) or self.para(Para(()))
                out.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[i]}" w:type="dxa"/></w:tcPr>{paras}</w:tc>')
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.list_kind = ""
        return "".join(out)

    def body(self, page: Page) -> str:
        parts = [self.para(b) if isinstance(b, Para) else self.grid(b) + self.para(Para(())) for b in page.body]
        last = '<w:p><w:bookmarkStart w:id="0" w:name="_GoBack"/><w:bookmarkEnd w:id="0"/></w:p>'
        refs = ""
        if page.header:
            refs += '<w:headerReference w:type="default" r:id="rIdH1"/>'
        if page.footer:
            refs += '<w:footerReference w:type="default" r:id="rIdF1"/>'
        size = ('<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>' if page.landscape
                else '<w:pgSz w:w="11906" w:h="16838"/>')
        sect = (f'<w:sectPr w:rsidR="{self.rsids[3]}">{refs}{size}'
                '<w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" w:header="708" '
                'w:footer="708" w:gutter="0"/><w:cols w:space="708"/><w:docGrid w:linePitch="360"/></w:sectPr>')
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:document {NS}><w:body>'
                f'{"".join(parts)}{last}{sect}</w:body></w:document>')

    def part(self, tag: str, paras: tuple[Para, ...], style: str) -> str:
        inner = "".join(self.para(p, style) for p in paras)
        return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:{tag} {NS}>{inner}</w:{tag}>'


_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr>
<w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi"/>
<w:sz w:val="22"/><w:lang w:val="sv-SE" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>
<w:spacing w:after="160" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Rubrik1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/>
<w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Rubrik"><w:name w:val="Title"/><w:basedOn w:val="Normal"/>
<w:next w:val="Normal"/><w:qFormat/><w:rPr><w:sz w:val="56"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Liststycke"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/>
<w:qFormat/><w:pPr><w:ind w:left="720"/><w:contextualSpacing/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Sidhuvud"><w:name w:val="header"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Sidfot"><w:name w:val="footer"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="character" w:default="1" w:styleId="Standardstycketeckensnitt"><w:name w:val="Default Paragraph Font"/>
<w:uiPriority w:val="1"/><w:semiHidden/></w:style>
<w:style w:type="character" w:styleId="Platshllartext"><w:name w:val="Placeholder Text"/><w:rPr>
<w:color w:val="808080"/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="Normaltabell"><w:name w:val="Normal Table"/><w:tblPr>
<w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>
</w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="Tabellrutnt"><w:name w:val="Table Grid"/><w:basedOn w:val="Normaltabell"/>
<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4"
w:space="0" w:color="auto"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single"
w:sz="4" w:space="0" w:color="auto"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV
w:val="single" w:sz="4" w:space="0" w:color="auto"/></w:tblBorders></w:tblPr></w:style></w:styles>"""


def _numbering(nums: list[int]) -> str:
    bullet = ('<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/><w:lvl w:ilvl="0">'
              '<w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/><w:lvlJc w:val="left"/>'
              '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr><w:rPr><w:rFonts w:ascii="Symbol" '
              'w:hAnsi="Symbol" w:hint="default"/></w:rPr></w:lvl></w:abstractNum>')
    decimal = ('<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="hybridMultilevel"/><w:lvl w:ilvl="0">'
               '<w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
               '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>')
    nums_xml = "".join(f'<w:num w:numId="{i + 1}"><w:abstractNumId w:val="{a}"/><w:lvlOverride w:ilvl="0">'
                       '<w:startOverride w:val="1"/></w:lvlOverride></w:num>' for i, a in enumerate(nums))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:numbering '
            'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"{bullet}{decimal}{nums_xml}</w:numbering>")


_W = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def render(page: Page, seed: str = "") -> bytes:
    """The page as a .docx package, written as Word writes it (deterministic for `seed`)."""
    w = _Writer(seed or hashlib.sha256(repr(page).encode()).hexdigest())
    document = w.body(page)
    header = w.part("hdr", page.header, "Sidhuvud") if page.header else ""
    footer = w.part("ftr", page.footer, "Sidfot") if page.footer else ""
    rels = [("rIdS", "styles", "styles.xml"), ("rIdN", "numbering", "numbering.xml"),
            ("rIdT", "settings", "settings.xml")]
    overrides = [("/word/document.xml", f"{_CT}.document.main+xml"), ("/word/styles.xml", f"{_CT}.styles+xml"),
                 ("/word/numbering.xml", f"{_CT}.numbering+xml"), ("/word/settings.xml", f"{_CT}.settings+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                 ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
    if header:
        rels.append(("rIdH1", "header", "header1.xml"))
        overrides.append(("/word/header1.xml", f"{_CT}.header+xml"))
    if footer:
        rels.append(("rIdF1", "footer", "footer1.xml"))
        overrides.append(("/word/footer1.xml", f"{_CT}.footer+xml"))
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides) + "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="{i}" Type="{_W}/{t}" Target="{target}"/>' for i, t, target in rels)
        + "</Relationships>",
        "word/document.xml": document,
        "word/styles.xml": _STYLES,
        "word/numbering.xml": _numbering(w.nums),
        "word/settings.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:settings xmlns:w="http:'
        '//schemas.openxmlformats.org/wordprocessingml/2006/main"><w:zoom w:percent="100"/>'
        + ("<w:trackRevisions/>" if w.tracked else "")
        + '<w:defaultTabStop w:val="1304"/><w:hyphenationZone w:val="425"/><w:characterSpacingControl '
        'w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.'
        'microsoft.com/office/word" w:val="15"/></w:compat><w:themeFontLang w:val="sv-SE"/></w:settings>',
        "docProps/core.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.'
        'org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/'
        'XMLSchema-instance"><dc:title>Lägesbild sociala risker</dc:title><dc:creator>Trygghetssamordnare'
        '</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2026-10-28T08:00:00Z</dcterms:created>'
        '</cp:coreProperties>',
        "docProps/app.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Properties xmlns="http://'
        'schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Template>Normal.dotm</Template>'
        '<Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion></Properties>',
    }
    if header:
        files["word/header1.xml"] = header
    if footer:
        files["word/footer1.xml"] = footer
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


__all__ = ["render"]
