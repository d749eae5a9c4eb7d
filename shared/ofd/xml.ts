// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * XML parsing for OFD package files, namespace-agnostic.
 *
 * Design rationale: producers disagree on namespaces (`ofd:` prefix, default namespace, none), on
 * element order and on attributes vs child elements, so lookups go by local name and fall back to a
 * case-insensitive match. Parsing errors become ERR_OFD_XML_INVALID with the package path. A DOCTYPE is
 * refused outright: OFD never needs one, and refusing it rules out entity expansion attacks (xmldom does
 * not fetch external entities, but internal entity tricks are not worth supporting). Signed XML is never
 * re-serialised; digests are always computed over the raw bytes from the ZIP.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SealError } from '../errors/index.js';

/**
 * Largest XML file we parse (bytes). Only the signature structures are ever parsed (OFD.xml,
 * Signatures.xml, Signature.xml); page content is hashed, never parsed. A Signature.xml with 10,000
 * references is about 1 MiB.
 */
export const MAX_XML_BYTES = 8 * 1024 * 1024;
/** Most markup characters (`<`) we accept in one file: bounds parse time on hostile nesting. */
export const MAX_XML_TAGS = 200_000;

export type XmlElement = Element;

function decodeXml(bytes: Uint8Array, path: string): string {
  let b = bytes;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
    return new TextDecoder(b[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(b.subarray(2));
  }
  // Look at the declared encoding (ASCII-compatible prefix).
  const head = new TextDecoder('latin1').decode(b.subarray(0, Math.min(200, b.length)));
  const m = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/.exec(head);
  const label = m?.[1]?.toLowerCase() ?? 'utf-8';
  try {
    return new TextDecoder(label).decode(b);
  } catch {
    throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: `unsupported encoding ${label}` });
  }
}

/** Parses an XML file from the package and returns its document element. */
export function parseXml(bytes: Uint8Array, path: string): XmlElement {
  if (bytes.length > MAX_XML_BYTES) {
    throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: `file larger than ${MAX_XML_BYTES} bytes` });
  }
  const text = decodeXml(bytes, path);
  let tags = 0;
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    if (++tags > MAX_XML_TAGS) {
      throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: `more than ${MAX_XML_TAGS} tags` });
    }
  }
  if (/<!DOCTYPE/i.test(text)) {
    throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: 'DOCTYPE declarations are not allowed' });
  }
  let root: Element | null | undefined;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') return;
        throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: String(message).slice(0, 200) });
      },
    }).parseFromString(text, 'text/xml');
    root = doc.documentElement;
  } catch (err) {
    if (err instanceof SealError) throw err;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof SealError) throw cause;
    const reason = err instanceof Error ? err.message : String(err);
    throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: reason.slice(0, 200) });
  }
  if (root === null || root === undefined) {
    throw new SealError('ERR_OFD_XML_INVALID', { path: path.slice(0, 200), reason: 'no root element' });
  }
  return root;
}

function localNameOf(el: Element): string {
  const n = el.localName ?? el.nodeName;
  const i = n.indexOf(':');
  return i >= 0 ? n.slice(i + 1) : n;
}

/** The element's local name (no prefix). */
export function nameOf(el: XmlElement): string {
  return localNameOf(el);
}

/** Direct child elements, optionally filtered by local name (exact first, else case-insensitive). */
export function children(el: XmlElement, name?: string): XmlElement[] {
  const all: Element[] = [];
  for (let n = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1) all.push(n as Element);
  }
  if (name === undefined) return all;
  const exact = all.filter((c) => localNameOf(c) === name);
  if (exact.length > 0) return exact;
  const lower = name.toLowerCase();
  return all.filter((c) => localNameOf(c).toLowerCase() === lower);
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return children(el, name)[0];
}

/** Follows a path of local names through first matches. */
export function childPath(el: XmlElement, ...names: string[]): XmlElement | undefined {
  let cur: XmlElement | undefined = el;
  for (const n of names) {
    if (cur === undefined) return undefined;
    cur = child(cur, n);
  }
  return cur;
}

/** Attribute value by local name (exact, then case-insensitive); `undefined` when absent. */
export function attr(el: XmlElement, name: string): string | undefined {
  const attrs = el.attributes;
  let ci: string | undefined;
  const lower = name.toLowerCase();
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a === null) continue;
    const raw = a.localName ?? a.name;
    const local = raw.includes(':') ? raw.slice(raw.indexOf(':') + 1) : raw;
    if (local === name) return a.value;
    if (ci === undefined && local.toLowerCase() === lower) ci = a.value;
  }
  return ci;
}

/** Concatenated text content, trimmed. */
export function text(el: XmlElement | undefined): string | undefined {
  if (el === undefined) return undefined;
  return (el.textContent ?? '').trim();
}

/** Attribute, else the text of a child element of the same name (dms360 writes Provider fields as children). */
export function attrOrChild(el: XmlElement, name: string): string | undefined {
  const a = attr(el, name);
  if (a !== undefined) return a;
  const c = child(el, name);
  return c === undefined ? undefined : text(c);
}
