// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Options and diagnostics page: pairing with the agent (the one-time code printed by
 * `eseal pair`), paired state, agent version, policy source, last errors, and a diagnostic report
 * to copy (no secrets: the background never sends the pairing key here).
 */
import { browserApi } from '../browserApi.js';
import type { OptionsResponse, OptionsState } from '../background/optionsApi.js';

const api = browserApi();
const zh = (api.i18n.getUILanguage?.() ?? 'zh-CN').toLowerCase().startsWith('zh');
const t = (name: string, subs?: string | string[]) => api.i18n.getMessage(name, subs) || name;
const el = (id: string) => document.getElementById(id);
const set = (id: string, text: string, cls?: string) => {
  const e = el(id);
  if (!e) return;
  e.textContent = text;
  if (cls !== undefined) e.className = cls;
};

for (const id of ['title', 'extensionVersionLabel', 'agentStatusLabel', 'pairingStatusLabel', 'lnaLabel', 'tokensLabel', 'policySourceLabel', 'policyOriginLabel', 'policyErrorLabel', 'pairingTitle', 'pairingHelp', 'pairButton', 'unpairButton', 'diagnosticsTitle', 'refreshButton', 'copyReportButton', 'reportPreviewLabel', 'lastErrorsLabel']) {
  set(id, t(id === 'title' ? 'optionsTitle' : id === 'extensionVersionLabel' ? 'extensionVersion' : id === 'agentStatusLabel' ? 'agentStatus' : id));
}
set('extensionVersion', api.runtime.getManifest().version);
set('agentStatus', t('checking'));

function ask(op: string, extra: Record<string, unknown> = {}): Promise<OptionsResponse> {
  return api.runtime.sendMessage({ type: 'eseal:options', op, ...extra }) as Promise<OptionsResponse>;
}

function errorText(e: { messageZh: string; message: string; code: string }): string {
  return `${zh ? e.messageZh : e.message} (${e.code})`;
}

function render(s: OptionsState): void {
  const a = s.agent;
  set('agentStatus', a.state === 'ready' ? t('agentConnected', a.agentVersion ?? '?') + (a.development ? ` — ${t('agentDevelopment')}` : '') : `${t('agentNotConnected')}${a.lastError ? ` (${a.lastError})` : ''} — ${a.url}`, a.state === 'ready' ? 'ok' : 'error');
  set('pairingStatus', s.pairing.paired ? t('pairedSince', [s.pairing.pairedAt ?? '', s.pairing.keyId ?? '']) : t('notPaired'), s.pairing.paired ? 'ok' : 'error');
  // Local Network Access: "denied" (or the agent unreachable while it runs) → the admin policy fixes it.
  const lnaStates = Object.values(s.localNetworkAccess);
  const lnaDenied = lnaStates.includes('denied');
  const lnaText = lnaStates.every((v) => v === 'unsupported') ? t('lnaUnsupported') : Object.entries(s.localNetworkAccess).map(([k, v]) => `${k}: ${v}`).join(', ');
  set('lna', `${lnaText}${lnaDenied || (a.state !== 'ready' && a.lastError === 'ERR_AGENT_UNAVAILABLE') ? ` — ${t('lnaHint')}` : ''}`, lnaDenied ? 'error' : '');
  const tokens = a.tokens;
  set('tokens', tokens === undefined ? t('unknownYet') : tokens.length === 0 ? t('noTokens') : tokens.map((k) => `${k.label} (${k.backend}${k.serial ? ` ${k.serial}` : ''})`).join('; '), tokens !== undefined && tokens.length > 0 ? 'ok' : 'error');
  set('policySource', `${t(`policySource_${s.policy.source.replace('-', '_')}`)}${s.policy.portals.length ? `: ${s.policy.portals.join(', ')}` : ''}`, s.policy.error ? 'error' : '');
  const fields = s.policy.fields?.length ? ` — ${t('policyFields', s.policy.fields.join(', '))}` : '';
  set('policyOrigin', `${s.policy.origin ?? '—'}${fields}; ${t('policyAgentPort', String(s.policy.agentPort))}${a.policySource ? `; ${t('agentPolicySource', a.policySource)}` : ''}`);
  // The validator's finding, with the field named, so the administrator can fix the policy.
  set('policyError', s.policy.error ? errorText(s.policy.error) : t('noErrors'), s.policy.error ? 'error' : 'ok');
  const list = el('lastErrors');
  if (list) {
    list.textContent = '';
    for (const r of [...s.lastErrors].reverse()) {
      const li = document.createElement('li');
      li.textContent = `${r.at} ${r.origin} ${r.action}: ${zh ? r.messageZh : r.message} (${r.code})`;
      list.appendChild(li);
    }
    if (s.lastErrors.length === 0) list.textContent = t('noErrors');
  }
}

function show(r: OptionsResponse, target?: string): void {
  if (r.state) render(r.state);
  if (target) set(target, r.ok ? t('done') : errorText(r.error), r.ok ? 'ok' : 'error');
}

el('pairForm')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = el('pairCode') as HTMLInputElement | null;
  set('pairResult', t('checking'), '');
  void ask('pair', { code: input?.value ?? '', label: navigator.userAgent.replace(/^.*(Chrome|Chromium|Firefox|Edg)\/(\d+).*$/, '$1 $2') }).then((r) => {
    if (input) input.value = '';
    show(r, 'pairResult');
  });
});
el('unpairButton')?.addEventListener('click', () => void ask('unpair').then((r) => show(r, 'pairResult')));
el('refreshButton')?.addEventListener('click', () => void ask('refresh').then((r) => show(r, 'copyResult')));
el('copyReportButton')?.addEventListener('click', () => {
  void ask('report').then(async (r) => {
    show(r);
    if (!r.ok || r.report === undefined) return show(r, 'copyResult');
    // What was copied stays visible, so the user can see it holds no secret before sending it.
    set('reportPreview', r.report);
    el('reportDetails')?.removeAttribute('hidden');
    try {
      await navigator.clipboard.writeText(r.report);
      set('copyResult', t('reportCopied'), 'ok');
    } catch {
      set('copyResult', t('reportNotCopied'), 'error');
    }
  });
});

void ask('refresh').then((r) => show(r));
