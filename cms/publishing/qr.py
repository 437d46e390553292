"""Printable QR codes (SVG) for course and lesson pages.

The matrix comes from ``qrcode`` with a fixed mask (choosing the "best" mask costs 4× the time
and changes nothing for scanning a link); the SVG is one path of unit squares.
"""

import qrcode
from qrcode.constants import ERROR_CORRECT_M

BORDER = 2


def qr_svg(url: str) -> str:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                path.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * 8}" height="{size * 8}" '
        f'shape-rendering="crispEdges"><title>二维码</title><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>\n'
    )
