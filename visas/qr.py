"""The visa's QR code, drawn on the server (segno, pure Python): an SVG for the page, the module
matrix for the PDF. It carries the visa number, the traveller's ID number, the type and the end of
the period, so a border officer's reader sees them without the network."""

import segno


def visa_qr_text(visa) -> str:
    until = visa.valid_until.isoformat() if visa.valid_until else ""
    return f"ERV:{visa.number};ID:{visa.person.id_number};T:{visa.type};UNTIL:{until}"


def visa_qr(visa) -> segno.QRCode:
    return segno.make(visa_qr_text(visa), error="m", micro=False)


def visa_qr_svg(visa, *, scale: int = 4) -> str:
    """An inline <svg> element (no XML declaration), safe to put in the page as is."""
    return visa_qr(visa).svg_inline(scale=scale, dark="#0b3d2a", light="#ffffff", title=f"QR {visa.number}")
