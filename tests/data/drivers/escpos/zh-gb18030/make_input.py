#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes input.bin: two receipts as a Chinese till sends them (GB18030 text), with a raster
# logo whose bytes spell a fake total line and a bit image, which must not become text.
ESC, GS = b'\x1b', b'\x1d'
def t(s): return s.encode('gb18030')
fake = b'TOTAL 99.99\n' * 4  # inside image data: must be skipped
raster = GS + b'v0\x00' + bytes([len(fake) // 2, 0, 2, 0]) + fake[: (len(fake) // 2) * 2]
bitimg = ESC + b'*\x00' + bytes([6, 0]) + b'\n\n\n\n\n\n'
r1 = (ESC + b'@' + ESC + b'a\x01' + raster + t('某某便利店 淮海路店\n') + ESC + b'a\x00' +
      t('单号: 20261127-0042\n收银员: 李娜\n2026-11-27 18:03:11\n') + bitimg +
      t('乌龙茶 500ml          9.00\n') + ESC + b'E\x01' + t('苹果 0.375kg          4.50\n') + ESC + b'E\x00' +
      t('小计                  13.50\n税额                  1.20\n') + ESC + b'!\x30' + t('合计: ¥13.50\n') + ESC + b'!\x00' +
      t('谢谢惠顾\n') + GS + b'VA\x03')
r2 = (ESC + b'@' + t('单号: 20261127-0043\n收银员: 李娜\n2026-11-27 18:20:00\n退货 乌龙茶 500ml     -4.50\n合计: -4.50\n') +
      ESC + b'i')
open('input.bin', 'wb').write(r1 + r2)
