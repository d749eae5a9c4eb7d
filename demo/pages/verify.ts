// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * 验证签章: the documents the portal holds (the notices stamped in this session, from /api/archive,
 * and a shared OFD sample) or a local file, verified by the agent through `eseal.verify`; the
 * report shown in plain Chinese; a link to open the document in the extension's viewer.
 */
import { $, checkEnvironment, el, errorText, eseal, fetchBytes, formatTime, openPdf, renderPage, viewerUrl } from './common.js';

interface Doc {
  readonly key: string;
  readonly name: string;
  readonly url?: string;
  readonly bytes?: Uint8Array;
  readonly note: string;
}

const OFD_SAMPLE: Doc = { key: 'ofd-sample', name: 'ofdrw-v4-seal.ofd', url: 'samples/ofdrw-v4-seal.ofd', note: 'OFD 样例（ofdrw 开源项目的测试文件，GB/T 38540 v4 电子签章；签章时测试印章已过期，验证应判为无效） / OFD sample: its test seal had expired when signed, so it must verify as invalid' };

const INDICATION_ZH: Record<string, string> = {
  TOTAL_PASSED: '签章有效',
  TOTAL_FAILED: '签章无效',
  INDETERMINATE: '无法确定',
};

interface SigReport {
  indication: string;
  format?: string;
  subIndications?: string[];
  signer?: { subject?: string; status?: string };
  seal?: { name?: string; esID?: string; picture?: { format?: string; dataBase64?: string } };
  signingTime?: string;
  coverage?: { modifiedAfterSigning?: boolean };
  checks?: { id: string; status: string; messageZh?: string }[];
}

/** Pictures a browser can show directly (OFD vector pictures are left to the viewer). */
function pictureUrl(p: { format?: string; dataBase64?: string } | undefined): string | undefined {
  if (!p?.dataBase64) return undefined;
  const type = ({ png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml' } as Record<string, string>)[(p.format ?? '').toLowerCase()];
  return type ? `data:${type};base64,${p.dataBase64}` : undefined;
}

function renderReport(box: HTMLElement, report: Record<string, unknown>): void {
  const indication = typeof report['indication'] === 'string' ? report['indication'] : '';
  const sigs = (report['signatures'] as SigReport[] | undefined) ?? [];
  box.dataset['indication'] = indication;
  box.dataset['signatures'] = String(sigs.length);
  const error = report['error'] as { code?: string; messageZh?: string } | undefined;
  const json = el('pre', { class: 'report-json', text: JSON.stringify(report, (k, v: unknown) => (k === 'dataBase64' ? '…' : v), 2) });
  const details = el('details', {}, el('summary', { text: '完整验证报告（JSON） / full report' }), json);
  box.replaceChildren(
    el('p', { class: `verdict ${indication === 'TOTAL_PASSED' ? 'ok' : indication === 'TOTAL_FAILED' ? 'bad' : 'warn'}`, text: `总体结论：${INDICATION_ZH[indication] ?? indication}（${indication}）${error ? ` ${error.messageZh ?? ''} ${error.code ?? ''}` : ''}` }),
    ...sigs.map((s, i) => {
      const img = pictureUrl(s.seal?.picture);
      const failed = (s.checks ?? []).filter((c) => c.status === 'failed').map((c) => c.messageZh ?? c.id);
      return el(
        'div',
        { class: 'sig', 'data-indication': s.indication },
        ...(img ? [el('img', { src: img, alt: s.seal?.name ?? '印章', class: 'seal-pic' })] : []),
        el(
          'ul',
          {},
          el('li', { text: `第 ${i + 1} 个签章：${INDICATION_ZH[s.indication] ?? s.indication}（${s.format ?? ''}）${s.subIndications?.length ? `，${s.subIndications.join('、')}` : ''}` }),
          el('li', { text: `印章 / seal：${s.seal?.name ?? '—'}${s.seal?.esID ? `（编码 ${s.seal.esID}）` : ''}` }),
          el('li', { text: `签章人 / signer：${s.signer?.subject ?? '—'}，证书状态 ${s.signer?.status ?? '—'}` }),
          el('li', { text: `签章时间（签章方声明） / claimed time：${formatTime(s.signingTime) || '—'}` }),
          el('li', { text: `签章后是否被修改 / modified after sealing：${s.coverage?.modifiedAfterSigning === true ? '是 yes' : s.coverage?.modifiedAfterSigning === false ? '否 no' : '—'}` }),
          ...(failed.length ? [el('li', { class: 'bad', text: `未通过的检查：${failed.join('；')}` })] : []),
        ),
      );
    }),
    details,
  );
}

async function verifyDoc(doc: Doc, card: HTMLElement): Promise<void> {
  const sdk = eseal();
  const box = card.querySelector<HTMLElement>('.report') as HTMLElement;
  if (!sdk) return;
  box.dataset['indication'] = 'running';
  box.textContent = '验证中… / verifying…';
  try {
    const bytes = doc.bytes ?? (await fetchBytes(doc.url as string));
    const report = await sdk.verify({ document: bytes, fileName: doc.name, includePictures: true });
    const store = ((window as unknown as { esealDemoReports?: Record<string, unknown> }).esealDemoReports ??= {});
    store[doc.key] = report;
    renderReport(box, report);
  } catch (error) {
    box.dataset['indication'] = 'error';
    box.textContent = `验证未完成：${errorText(error)}`;
  }
}

async function addCard(doc: Doc): Promise<void> {
  const verify = el('button', { type: 'button', class: 'verify', text: '验证签章 / verify' });
  const actions = el('div', { class: 'actions' }, verify);
  const canvas = el('canvas', { class: 'thumb' });
  const card = el('section', { class: 'doc card', 'data-doc': doc.key }, el('h3', { text: doc.name }), el('p', { class: 'sub', text: doc.note }), actions, el('div', { class: 'doc-body' }, canvas, el('div', { class: 'report', 'data-indication': 'none' })));
  $('#documents').append(card);
  verify.addEventListener('click', () => void verifyDoc(doc, card));
  if (doc.url) {
    actions.append(el('a', { class: 'button', href: doc.url, download: doc.name, text: '下载 / download' }));
    // A web page may not navigate to an extension page itself (Chrome blocks it): the user opens
    // this address, or the page asks the extension through eseal.openViewer (below) when it has it.
    const viewer = await viewerUrl(doc.url);
    if (viewer) {
      card.append(
        el('details', { class: 'viewer-url' }, el('summary', { text: '在 ESeal 查看器中打开：复制此地址到浏览器地址栏 / viewer address (paste into the address bar)' }), el('code', { class: 'open-viewer', text: viewer })),
      );
    }
  }
  const sdk = eseal();
  if (sdk && typeof sdk.openViewer === 'function') {
    const open = el('button', { type: 'button', class: 'open-viewer-sdk', text: '用扩展查看器查看 / view' });
    open.addEventListener('click', () => {
      void (async () => {
        const bytes = doc.bytes ?? (await fetchBytes(doc.url as string));
        await sdk.openViewer?.({ document: bytes, fileName: doc.name });
      })().catch((e: unknown) => alert(errorText(e)));
    });
    actions.append(open);
  }
  if (doc.name.toLowerCase().endsWith('.pdf')) {
    try {
      const bytes = doc.bytes ?? (await fetchBytes(doc.url as string));
      const pdf = await openPdf(bytes);
      await renderPage(pdf, 1, canvas, 0.45);
    } catch {
      canvas.hidden = true;
    }
  } else canvas.hidden = true;
}

async function main(): Promise<void> {
  const env = await checkEnvironment();
  const archived = (await (await fetch('/api/archive')).json()) as { url: string; name: string; at: string }[];
  if (archived.length === 0) {
    $('#documents').append(el('p', { class: 'message info', id: 'no-archive', text: '本次会话还没有盖章的通知：请先在“通知盖章”页盖章。 / nothing stamped yet in this session.' }));
  }
  for (const a of archived.slice().reverse()) {
    await addCard({ key: `archive-${a.url.split('/')[2] ?? ''}`, name: a.name, url: a.url, note: `门户归档的已盖章 PDF，${formatTime(a.at)} / stamped in this session` });
  }
  await addCard(OFD_SAMPLE);
  $('#verify-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) return;
    void f.arrayBuffer().then((buf) => addCard({ key: `local-${Date.now()}`, name: f.name, bytes: new Uint8Array(buf), note: '本地文件 / a local file' }));
  });
  if (env.state === 'ready') document.body.dataset['ready'] = 'true';
}

main().catch((error: unknown) => {
  $('#documents').append(el('p', { class: 'message bad', text: errorText(error) }));
});
