// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Writes the demo notice (通知) PDF: two A4 pages of real Chinese text, byte for byte reproducible.
 *
 * The machine this was made on has no CJK font file, so the text uses the PDF standard CJK font
 * STSong-Light (Adobe-GB1, not embedded; Acrobat, pdf.js and poppler substitute a Song face). Glyphs
 * are addressed by CID through Identity-H (no external CMap is needed to read the file), CIDs taken
 * from Adobe's UniGB-UCS2-H CMap (poppler-data, /usr/share/fonts/cmap/adobe-gb1/UniGB-UCS2-H), and
 * a /ToUnicode CMap makes the text extractable (pdftotext, pdf.js text layer, keyword placement).
 * `demo/public/notice.pdf` is the output of `node dist/demo/make-notice.mjs` (see demo/README.md).
 */

/** Unicode code point → Adobe-GB1 CID, from the text of a UniGB-UCS2-H CMap resource. */
export function parseUcs2CMap(text: string): Map<number, number> {
  const map = new Map<number, number>();
  const range = /<([0-9a-f]{4})>\s*<([0-9a-f]{4})>\s*(\d+)/gi;
  for (let m = range.exec(text); m; m = range.exec(text)) {
    const lo = parseInt(m[1] as string, 16);
    const hi = parseInt(m[2] as string, 16);
    for (let u = lo; u <= hi; u++) map.set(u, Number(m[3]) + (u - lo));
  }
  // single mappings (begincidchar) have one code, then the CID
  const single = /^<([0-9a-f]{4})>\s+(\d+)\s*$/gim;
  for (let m = single.exec(text); m; m = single.exec(text)) map.set(parseInt(m[1] as string, 16), Number(m[2]));
  return map;
}

const MM = 72 / 25.4;
const PAGE_W = 595.28;
const PAGE_H = 841.89;

type Run = { text: string; size: number; x: number; y: number; color?: [number, number, number]; bold?: boolean; latin?: boolean };

/** Proportional Latin CIDs 1..95 (U+0020..U+007E) are half width in Adobe-GB1; the rest full. */
function advance(ch: string, latin: boolean): number {
  const c = ch.codePointAt(0) ?? 0;
  if (latin) return c === 0x20 ? 0.278 : /[A-Z]/.test(ch) ? 0.667 : /[a-z0-9]/.test(ch) ? 0.556 : 0.4;
  return c >= 0x20 && c <= 0x7e ? 0.5 : 1;
}

export function textWidth(text: string, size: number, latin = false): number {
  let w = 0;
  for (const ch of text) w += advance(ch, latin) * size;
  return w;
}

/** Breaks a paragraph into lines no wider than `width` (CJK text may break between any two characters). */
function wrap(text: string, size: number, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  let w = indent;
  for (const ch of text) {
    const a = advance(ch, false) * size;
    // 标点不出现在行首 / no closing punctuation at the start of a line
    if (w + a > width && line && !'，。、；：）》”'.includes(ch)) {
      lines.push(line);
      line = '';
      w = 0;
    }
    line += ch;
    w += a;
  }
  if (line) lines.push(line);
  return lines;
}

function pdfString(s: string): string {
  return `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

export interface NoticePdf {
  readonly bytes: Uint8Array;
  /** Where the issuer line 某某市财政局 under the body sits on page 1 (mm from the top-left). */
  readonly issuerMm: { readonly page: number; readonly x: number; readonly y: number };
}

export function makeNoticePdf(ucs2CMap: string): NoticePdf {
  const cidOf = parseUcs2CMap(ucs2CMap);
  const used = new Map<number, number>(); // cid → unicode
  const encode = (text: string): string => {
    let hex = '';
    for (const ch of text) {
      const u = ch.codePointAt(0) ?? 0;
      const cid = cidOf.get(u);
      if (cid === undefined) throw new Error(`no Adobe-GB1 CID for U+${u.toString(16)}`);
      used.set(cid, u);
      hex += cid.toString(16).padStart(4, '0');
    }
    return `<${hex}>`;
  };
  const red: [number, number, number] = [0.8, 0.07, 0.07];
  const left = 28 * MM;
  const right = PAGE_W - 26 * MM;
  const body = 15;
  const lead = 28;

  const page1: Run[] = [];
  const page1Lines: string[] = [];
  const head = '某某市财政局文件';
  page1.push({ text: head, size: 34, x: (PAGE_W - textWidth(head, 34)) / 2, y: PAGE_H - 48 * MM, color: red, bold: true });
  const docNo = '某财库〔2026〕18号';
  page1.push({ text: docNo, size: body, x: (PAGE_W - textWidth(docNo, body)) / 2, y: PAGE_H - 64 * MM });
  page1Lines.push(`${left} ${PAGE_H - 68 * MM} m ${right} ${PAGE_H - 68 * MM} l`);
  const title = ['关于做好2026年度国库集中支付', '电子凭证试点工作的通知'];
  let y = PAGE_H - 84 * MM;
  for (const t of title) {
    page1.push({ text: t, size: 20, x: (PAGE_W - textWidth(t, 20)) / 2, y, bold: true });
    y -= 30;
  }
  const en = 'Notice on the 2026 pilot of electronic treasury payment vouchers (ESeal demo document)';
  page1.push({ text: en, size: 9, x: (PAGE_W - textWidth(en, 9, true)) / 2, y: y + 8, latin: true, color: [0.35, 0.35, 0.35] });
  y -= 22;
  page1.push({ text: '各预算单位、代理银行：', size: body, x: left, y });
  y -= lead;
  const paragraphs = [
    '为贯彻落实国库集中支付电子化管理要求，提高财政资金支付效率，经研究，决定自2026年12月1日起在全市开展国库集中支付电子凭证试点。现将有关事项通知如下：',
    '一、试点范围。市本级各预算单位的财政直接支付业务，全部使用电子凭证，并由单位电子公章签章后传递至代理银行。',
    '二、签章要求。电子凭证应使用符合GB/T 38540的电子印章签章，印章和数字证书须在有效期内，签章所用USB KEY由单位专人保管，PIN码不得外借。',
    '三、验证与归档。代理银行收到凭证后应验证签章，验证不通过的一律退回；经签章的凭证与本通知一并归档备查。',
    '附件：2026年度电子凭证试点进度安排',
  ];
  for (const p of paragraphs) {
    const indent = p.startsWith('附件') ? 0 : 2 * body;
    const lines = wrap(p, body, right - left, indent);
    lines.forEach((line, i) => {
      page1.push({ text: line, size: body, x: left + (i === 0 ? indent : 0), y });
      y -= lead;
    });
  }
  const issuer = '某某市财政局';
  const date = '2026年11月20日';
  const issuerY = y - 40;
  const dateX = right - 4 * body - textWidth(date, body);
  const issuerX = dateX + (textWidth(date, body) - textWidth(issuer, body)) / 2;
  page1.push({ text: issuer, size: body, x: issuerX, y: issuerY });
  page1.push({ text: date, size: body, x: dateX, y: issuerY - lead });
  const foot = '— 1 —';
  page1.push({ text: foot, size: 12, x: (PAGE_W - textWidth(foot, 12)) / 2, y: 18 * MM });

  const page2: Run[] = [];
  const page2Lines: string[] = [];
  y = PAGE_H - 40 * MM;
  page2.push({ text: '附件', size: body, x: left, y, bold: true });
  y -= 40;
  const t2 = '2026年度电子凭证试点进度安排';
  page2.push({ text: t2, size: 20, x: (PAGE_W - textWidth(t2, 20)) / 2, y, bold: true });
  y -= 36;
  const cols = [left, left + 30 * MM, left + 95 * MM, right];
  const rows = [
    ['阶段', '时间', '工作内容'],
    ['准备', '11月20日—11月30日', '发放USB KEY，制作单位电子公章'],
    ['试点', '12月1日—12月20日', '直接支付业务使用电子凭证'],
    ['推广', '12月21日—12月31日', '全部预算单位启用，纸质凭证停用'],
  ];
  const rowH = 12 * MM;
  const top = y + 18;
  rows.forEach((row, r) => {
    row.forEach((cell, c) => page2.push({ text: cell, size: 12, x: (cols[c] as number) + 3 * MM, y: top - r * rowH - 8 * MM, bold: r === 0 }));
  });
  for (let r = 0; r <= rows.length; r++) page2Lines.push(`${cols[0]} ${top - r * rowH} m ${right} ${top - r * rowH} l`);
  for (const x of cols) page2Lines.push(`${x} ${top} m ${x} ${top - rows.length * rowH} l`);
  const foot2 = '— 2 —';
  page2.push({ text: foot2, size: 12, x: (PAGE_W - textWidth(foot2, 12)) / 2, y: 18 * MM });

  const content = (runs: Run[], lines: string[], lineColor: string): string => {
    const ops: string[] = [];
    if (lines.length) ops.push(`q ${lineColor} RG 1 w ${lines.join(' ')} S Q`);
    for (const r of runs) {
      const [cr, cg, cb] = r.color ?? [0, 0, 0];
      const fill = `${cr} ${cg} ${cb} rg ${cr} ${cg} ${cb} RG`;
      // bold: fill and stroke the glyph outlines (render mode 2), the usual way without a bold face
      const mode = r.bold ? `2 Tr ${(r.size / 40).toFixed(2)} w` : '0 Tr';
      const text = r.latin ? pdfString(r.text) : encode(r.text);
      ops.push(`BT ${fill} ${mode} /${r.latin ? 'F2' : 'F1'} ${r.size} Tf ${r.x.toFixed(2)} ${r.y.toFixed(2)} Td ${text} Tj ET`);
    }
    return ops.join('\n');
  };
  const c1 = content(page1, page1Lines, '0.8 0.07 0.07');
  const c2 = content(page2, page2Lines, '0 0 0');

  const cids = [...used.keys()].sort((a, b) => a - b);
  const toUnicode = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def /CMapType 2 def',
    '1 begincodespacerange <0000> <FFFF> endcodespacerange',
  ];
  for (let i = 0; i < cids.length; i += 100) {
    const chunk = cids.slice(i, i + 100);
    toUnicode.push(`${chunk.length} beginbfchar`);
    for (const cid of chunk) toUnicode.push(`<${cid.toString(16).padStart(4, '0')}> <${(used.get(cid) as number).toString(16).padStart(4, '0')}>`);
    toUnicode.push('endbfchar');
  }
  toUnicode.push('endcmap CMapName currentdict /CMap defineresource pop end end');
  const tu = toUnicode.join('\n');

  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R /Lang (zh-CN) >>',
    '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}] /Resources 5 0 R /Contents 6 0 R >>`,
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}] /Resources 5 0 R /Contents 7 0 R >>`,
    '<< /Font << /F1 8 0 R /F2 12 0 R >> >>',
    `<< /Length ${Buffer.byteLength(c1)} >>\nstream\n${c1}\nendstream`,
    `<< /Length ${Buffer.byteLength(c2)} >>\nstream\n${c2}\nendstream`,
    '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [9 0 R] /ToUnicode 11 0 R >>',
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 10 0 R /DW 1000 /W [1 95 500] >>',
    '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    `<< /Length ${Buffer.byteLength(tu)} >>\nstream\n${tu}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Title <${Buffer.from('\ufeff关于做好2026年度国库集中支付电子凭证试点工作的通知', 'utf16le').swap16().toString('hex')}> /Producer (ESeal demo/notice/noticePdf.ts) >>`,
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 13 0 R /ID [<455365616c44656d6f4e6f7469636531> <455365616c44656d6f4e6f7469636531>] >>\nstartxref\n${xref}\n%%EOF\n`;
  // Every string above is ASCII except the binary comment, so latin1 gives the intended bytes.
  return {
    bytes: new Uint8Array(Buffer.from(out, 'latin1')),
    issuerMm: { page: 1, x: round((issuerX + textWidth(issuer, body) / 2) / MM), y: round((PAGE_H - issuerY) / MM) },
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
