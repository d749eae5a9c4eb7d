// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The background's side of the consent window: one popup window per request (focused), fed over
 * a runtime Port, closed at the end. Written against small interfaces so unit tests drive it
 * without a browser.
 *
 * - `open(view, onDecision)` creates the window `consent.html#<session>`; messages for it are
 *   queued until the window connects and says `hello` with that session id (a port from any other
 *   page, or with another id, is disconnected);
 * - the decision (and the PIN, only ever here) goes to `onDecision` — the caller turns it into the
 *   agent's `consent.reply`; nothing here keeps the PIN;
 * - the window closed by the user while a decision is awaited = reject; closed while signing = the
 *   caller cancels (`onClosed`);
 * - `finish`: success closes the window after a short pause (the user sees "done"; a batch's list
 *   a little longer); a failure
 *   other than the user's own cancel stays on screen (per-item results of a stopped batch) until
 *   the user closes it.
 */
import type { RuntimePort } from '../browserApi.js';
import { CONSENT_PAGE, SESSION_PATTERN, type ConsentView, type FromWindow, type ToWindow } from './protocol.js';

export interface WindowsApi {
  create(info: { url: string; type: 'popup'; width: number; height: number; focused: boolean }): Promise<{ id?: number }>;
  remove(windowId: number): Promise<void>;
}

export interface Decision {
  readonly approved: boolean;
  readonly pin?: string;
}

export interface ConsentHandle {
  /** True while the window waits for the user's decision (consent or a PIN round). */
  readonly awaiting: boolean;
  send(message: ToWindow): void;
  /** Marks that a decision is awaited again (a PIN round). */
  expectDecision(): void;
  finish(message: Extract<ToWindow, { type: 'done' }>, close: 'now' | 'soon' | 'stay'): void;
}

interface Session {
  readonly id: string;
  readonly queue: ToWindow[];
  port: RuntimePort | undefined;
  windowId: number | undefined;
  awaiting: boolean;
  finished: boolean;
  closeWhenCreated: boolean;
  readonly onDecision: (d: Decision) => void;
  readonly onClosed: () => void;
}

export interface ConsentWindowsOptions {
  readonly windows: WindowsApi;
  /** `chrome-extension://<id>` (or moz-extension): the only origin whose page may connect. */
  readonly ownOrigin: string;
  readonly getURL: (path: string) => string;
  readonly randomHex: (bytes: number) => string;
  /** How long a successful window stays before it closes (ms). */
  readonly lingerMs?: number;
}

function isConsentPage(url: string, ownOrigin: string): boolean {
  // A string comparison: URL parsers differ on extension schemes (Node gives origin "null").
  const page = `${ownOrigin}/${CONSENT_PAGE}`;
  return url.startsWith(page) && (url.length === page.length || url[page.length] === '#' || url[page.length] === '?');
}

const WIDTH = 520;
const HEIGHT = 760;

export class ConsentWindows {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly o: ConsentWindowsOptions) {}

  get open(): number {
    return this.sessions.size;
  }

  /** Opens a window for one request; `onClosed` runs when the user closed it outside a decision. */
  show(view: ConsentView, onDecision: (d: Decision) => void, onClosed: () => void): ConsentHandle {
    const id = this.o.randomHex(16);
    const s: Session = { id, queue: [{ type: 'show', view }], port: undefined, windowId: undefined, awaiting: true, finished: false, closeWhenCreated: false, onDecision, onClosed };
    this.sessions.set(id, s);
    this.o.windows.create({ url: `${this.o.getURL(CONSENT_PAGE)}#${id}`, type: 'popup', width: WIDTH, height: HEIGHT, focused: true }).then(
      (w) => {
        s.windowId = w.id;
        if (s.closeWhenCreated) this.closeWindow(s);
      },
      () => this.closed(s), // no window = no consent
    );
    const send = (m: ToWindow): void => {
      if (s.port) s.port.postMessage(m);
      else s.queue.push(m);
    };
    return {
      get awaiting() {
        return s.awaiting;
      },
      send,
      expectDecision: () => {
        s.awaiting = true;
      },
      finish: (message, close) => {
        if (s.finished) return;
        s.finished = true;
        s.awaiting = false;
        send(message);
        if (close === 'now') this.closeWindow(s);
        // A batch's per-item list stays up a little longer than a single seal's "done".
        else if (close === 'soon') setTimeout(() => this.closeWindow(s), (this.o.lingerMs ?? 1500) * (message.ok && message.items ? 3 : 1));
        // 'stay': the session ends when the user closes the window.
      },
    };
  }

  /** A Port named CONSENT_PORT connected: accept it only from our own consent page. */
  attach(port: RuntimePort): void {
    const url = port.sender?.url ?? '';
    if (!isConsentPage(url, this.o.ownOrigin)) return port.disconnect();
    let session: Session | undefined;
    port.onMessage.addListener((raw) => {
      const m = (raw ?? {}) as Partial<FromWindow> & { session?: unknown; approved?: unknown; pin?: unknown };
      if (!session) {
        const s = m.type === 'hello' && typeof m.session === 'string' && SESSION_PATTERN.test(m.session) ? this.sessions.get(m.session) : undefined;
        if (!s || s.port) return port.disconnect();
        session = s;
        s.port = port;
        for (const q of s.queue.splice(0)) port.postMessage(q);
        return;
      }
      if (m.type === 'decision' && typeof m.approved === 'boolean' && session.awaiting && !session.finished) {
        session.awaiting = false;
        const pin = typeof m.pin === 'string' && m.pin !== '' ? m.pin : undefined;
        session.onDecision({ approved: m.approved, ...(pin !== undefined && { pin }) });
      }
    });
    port.onDisconnect.addListener(() => {
      if (session) this.closed(session);
    });
  }

  private closed(s: Session): void {
    if (!this.sessions.delete(s.id)) return;
    s.port = undefined;
    if (s.finished) return;
    s.finished = true;
    if (s.awaiting) {
      s.awaiting = false;
      s.onDecision({ approved: false });
    } else s.onClosed();
  }

  private closeWindow(s: Session): void {
    this.sessions.delete(s.id);
    if (s.windowId === undefined) {
      s.closeWhenCreated = true;
      return;
    }
    const id = s.windowId;
    s.windowId = undefined;
    this.o.windows.remove(id).catch(() => undefined);
  }
}
