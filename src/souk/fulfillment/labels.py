"""Box labels for inbound shipments: a printable PDF, one label per box, each with
the shipment id and box number as a Code 128 barcode the centre scans on arrival,
and one FNSKU-style barcode per SKU line for unit labelling."""

from __future__ import annotations

from io import BytesIO

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from souk.fulfillment.network import PlanView


def box_label_id(shipment_id: str, box: int) -> str:
    """What a box's barcode encodes: ``<shipment>U<box, 6 digits>``."""
    return f"{shipment_id}U{box:06d}"


def unit_label_id(offer_id: int) -> str:
    """The platform's unit label for an offer's units (X + 9 digits)."""
    return f"X{offer_id:09d}"


def labels_pdf(view: PlanView, seller_name: str) -> bytes:
    """Four 4 x 5 inch box labels per letter page."""
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.setTitle(f"Box labels {view.plan.id}")
    pdf.setAuthor("souk")
    width, height = letter
    slots = [(0.25, 5.5), (4.25, 5.5), (0.25, 0.5), (4.25, 0.5)]
    index = 0
    for shipment, centre, lines in view.shipments:
        for box in range(1, shipment.boxes + 1):
            if index and index % 4 == 0:
                pdf.showPage()
            x, y = slots[index % 4]
            _label(pdf, x * inch, y * inch, view, shipment, centre, lines, box, seller_name)
            index += 1
    # A sheet of unit labels for SKUs the seller labels.
    pdf.showPage()
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(0.5 * inch, height - 0.7 * inch, f"Unit labels, plan {view.plan.id}")
    row = 0
    for _shipment, _centre, lines in view.shipments:
        for line, offer in lines:
            y = height - 1.6 * inch - row * 1.1 * inch
            if y < 0.8 * inch:
                pdf.showPage()
                row = 0
                y = height - 1.6 * inch
            code = unit_label_id(offer.id)
            barcode = code128.Code128(code, barHeight=0.45 * inch, barWidth=1.1)
            barcode.drawOn(pdf, 0.5 * inch, y)
            pdf.setFont("Helvetica", 9)
            pdf.drawString(0.6 * inch, y - 12, f"{code}  {offer.sku[:40]}  x{line.expected}")
            row += 1
    pdf.save()
    del width
    return buffer.getvalue()


def _label(pdf, x, y, view, shipment, centre, lines, box, seller_name) -> None:  # type: ignore[no-untyped-def]
    w, h = 4 * inch, 5 * inch
    pdf.setLineWidth(1.2)
    pdf.rect(x, y, w, h)
    top = y + h
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x + 10, top - 14, "FROM")
    pdf.setFont("Helvetica", 9)
    pdf.drawString(x + 10, top - 26, seller_name[:45])
    for offset, text in enumerate(view.plan.ship_from.splitlines()[:2]):
        pdf.drawString(x + 10, top - 38 - 11 * offset, text[:50])
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x + 10, top - 68, "SHIP TO")
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(x + 10, top - 82, f"souk {centre.code}")
    pdf.setFont("Helvetica", 9)
    pdf.drawString(x + 10, top - 95, centre.address[:48])
    pdf.drawString(x + 10, top - 107, f"{centre.city} {centre.postal_code} {centre.country}")
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawRightString(x + w - 10, top - 40, centre.code)
    pdf.setFont("Helvetica", 9)
    pdf.drawRightString(x + w - 10, top - 56, f"Box {box} of {shipment.boxes}")
    code = box_label_id(shipment.id, box)
    barcode = code128.Code128(code, barHeight=0.9 * inch, barWidth=1.15)
    barcode.drawOn(pdf, x + (w - barcode.width) / 2, y + 2.0 * inch)
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawCentredString(x + w / 2, y + 1.8 * inch, code)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x + 10, y + 1.45 * inch, f"Plan {view.plan.id} · shipment {shipment.id}")
    for offset, (line, offer) in enumerate(lines[:5]):
        pdf.drawString(x + 10, y + 1.25 * inch - 10 * offset, f"{offer.sku[:34]}  x{line.expected}")
    pdf.setFont("Helvetica-Bold", 8)
    pdf.drawString(x + 10, y + 10, "PLEASE LEAVE THIS LABEL UNCOVERED")
