"""Write the seed SOP's two letter templates, sops/letters/*.docx, with python-docx.

    .venv/bin/python tools/letter_templates.py

The layout is an Indonesian official letter (*tata naskah dinas*): the letterhead (kop) with a
rule under it, place and date, Nomor / Sifat / Lampiran / Hal, "Yth." and the addressee, the
body, the signature block and the copies (tembusan). The fields are docxtpl's Jinja
placeholders, filled by the bot when the step starts (the names are in sops/README.md,
*letter*); an office edits the .docx files themselves in Word afterwards (its address, its
signatory), and runs this script only to start again from the seed's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

OUT = Path(__file__).resolve().parent.parent / "sops" / "letters"
SIGNATORY = "GUBERNUR KEPULAUAN BANGKA BELITUNG,"
PLACE = "Pangkalpinang"


def _new() -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(12)
    style.paragraph_format.space_after = Pt(0)
    return document


def _line(
    document: DocumentObject,
    text: str = "",
    *,
    bold: bool = False,
    size: int | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: float | None = None,
    after: int = 0,
) -> Paragraph:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    if indent is not None:
        paragraph.paragraph_format.left_indent = Cm(indent)
    paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def _rule_under(paragraph: Paragraph) -> None:
    """The kop's double rule: a bottom border on its last line."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("val", "thickThinSmallGap"), ("sz", "24"), ("space", "1")):
        bottom.set(qn(f"w:{name}"), value)
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _kop(document: DocumentObject) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _line(document, "{{ office.institution | upper }}", bold=True, size=14, align=center)
    _line(document, "{{ office.unit | upper }}", bold=True, size=13, align=center)
    last = _line(document, "[Alamat kantor · Telepon · Laman · Pos-el]", size=10, align=center)
    _rule_under(last)
    _line(document)


def _heading(document: DocumentObject, hal: str, lampiran: str) -> None:
    _line(document, f"{PLACE}, {{{{ today }}}}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=6)
    table = document.add_table(rows=4, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    rows = (
        ("Nomor", "………/………/Biro Pem"),
        ("Sifat", "{{ fields.urgency | default('Biasa', true) }}"),
        ("Lampiran", lampiran),
        ("Hal", hal),
    )
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text, row.cells[2].text = label, ":", value
        row.cells[0].width, row.cells[1].width, row.cells[2].width = Cm(2.5), Cm(0.5), Cm(13.5)
    _line(document)
    _line(document, "Yth. {{ case.origin }}", indent=3)
    _line(document, "di", indent=3)
    _line(document, "Tempat", indent=4, after=12)


def _body(document: DocumentObject, paragraphs: list[str]) -> None:
    for text in paragraphs:
        paragraph = _line(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=8)
        paragraph.paragraph_format.first_line_indent = Cm(1.25)


def _signature(document: DocumentObject, name: str) -> None:
    _line(document)
    _line(document, SIGNATORY, bold=True, indent=9)
    for _ in range(4):  # room for the signature and the seal
        _line(document)
    _line(document, name, bold=True, indent=9, after=12)


def _copies(document: DocumentObject) -> None:
    _line(document, "Tembusan:")
    _line(document, "1. Sekretaris Daerah Provinsi Kepulauan Bangka Belitung;")
    _line(document, "2. Kepala Biro Pemerintahan Setda Provinsi Kepulauan Bangka Belitung.")


def _initials(document: DocumentObject) -> None:
    """The *paraf koordinasi*: who has seen the case before the draft, from its history."""
    _line(document)
    _line(document, "Paraf koordinasi (hapus sebelum surat dikirim):", size=9)
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    heads = ("Jabatan", "Nama", "Hasil", "Tanggal")
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for h in history %}"
    values = ("{{ h.role }}", "{{ h.by }}", "{{ h.result }}", "{{ h.date }}")
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)


def konsep_surat_usulan() -> DocumentObject:
    """Step 8: the TKKSD's draft of the letter the Governor signs at step 9."""
    document = _new()
    _kop(document)
    _heading(
        document,
        hal="Usulan Kerja Sama “{{ case.title }}”",
        lampiran="1 (satu) berkas",
    )
    _body(
        document,
        [
            "Menindaklanjuti usulan kerja sama “{{ case.title }}” dari {{ case.origin }}, "
            "berupa {{ case.kind }}, yang kami terima dan catat dengan nomor registrasi "
            "{{ case.number }} pada tanggal {{ case.registered }}, dengan hormat kami "
            "sampaikan bahwa usulan tersebut telah ditelaah oleh {{ office.unit }} dan "
            "dibahas dalam rapat Tim Koordinasi Kerja Sama Daerah (TKKSD).",
            "Berdasarkan hasil pembahasan tersebut, {{ office.institution }} pada prinsipnya "
            "dapat menerima usulan dimaksud untuk ditindaklanjuti sesuai Peraturan Menteri "
            "Dalam Negeri Nomor 22 Tahun 2020 tentang Tata Cara Kerja Sama Daerah dengan "
            "Daerah Lain dan Kerja Sama Daerah dengan Pihak Ketiga. Pokok-pokok hasil "
            "pembahasan TKKSD kami sampaikan sebagaimana terlampir.",
            "Demikian kami sampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.",
        ],
    )
    _signature(document, "[Nama Gubernur]")
    _copies(document)
    _initials(document)
    return document


def surat_usulan() -> DocumentObject:
    """Step 10: the letter as the Governor decided it, for the Karo to send."""
    document = _new()
    _kop(document)
    _heading(
        document,
        hal="Tindak Lanjut Usulan Kerja Sama “{{ case.title }}”",
        lampiran="-",
    )
    gubernur = "decided.gubernur_tandatangani"
    _body(
        document,
        [
            "Sehubungan dengan usulan kerja sama “{{ case.title }}” dari {{ case.origin }}, "
            "berupa {{ case.kind }}, dengan nomor registrasi {{ case.number }} tanggal "
            "{{ case.registered }}, dan memperhatikan hasil pembahasan Tim Koordinasi Kerja "
            "Sama Daerah (TKKSD), dengan hormat kami sampaikan hal-hal sebagai berikut.",
            f"{{%p if {gubernur}.option == 'tolak' %}}",
            "Usulan tersebut belum dapat kami setujui"
            f"{{% if {gubernur}.note %}}, dengan pertimbangan: {{{{ {gubernur}.note }}}}"
            "{% endif %}. Berkas usulan kami kembalikan untuk menjadi perhatian.",
            "{%p else %}",
            "Usulan tersebut kami setujui untuk ditindaklanjuti dengan penyusunan Kesepakatan "
            "Bersama dan Perjanjian Kerja Sama sesuai ketentuan peraturan perundang-undangan. "
            "Untuk itu, kami minta Saudara berkoordinasi dengan {{ office.unit }}.",
            "{%p endif %}",
            "Demikian kami sampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.",
        ],
    )
    _signature(document, f"{{{{ {gubernur}.by | default('[Nama Gubernur]', true) }}}}")
    _copies(document)
    return document


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in (
        ("konsep_surat_usulan", konsep_surat_usulan),
        ("surat_usulan", surat_usulan),
    ):
        path = OUT / f"{name}.docx"
        make().save(str(path))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
