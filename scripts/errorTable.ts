// SPDX-License-Identifier: Apache-2.0
/** Renders docs/errors.md from the error registry (`node scripts/build.mjs docs` writes it). */
import { ERROR_CODES, ERROR_TABLE } from '../shared/errors/index.js';

export function renderErrorTable(): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# 错误代码 / Error codes',
    '',
    '<!-- Generated from shared/errors/ErrorCode.ts by `node scripts/build.mjs docs`; do not edit by hand. -->',
    '',
    'ESeal 的每个错误都带有一个稳定的字符串代码 `ERR_<领域>_<原因>`、中文与英文说明、类别，以及重试是否可能成功。',
    '跨进程或网络传递时只传 `{code, message, messageZh, details}`，从不携带调用栈；接收方按代码用本表重新生成说明。',
    '`{name}` 形式的占位符由 `details` 中的同名字段填充。',
    '',
    'Every ESeal error carries a stable string code `ERR_<AREA>_<REASON>`, a Chinese and an English message, a',
    'category, and whether retrying may succeed. On the wire only `{code, message, messageZh, details}` travels,',
    'never a stack; the receiver re-renders the messages from this table. `{name}` placeholders are filled from `details`.',
    '',
    'Categories: `input` (bad argument), `format` (malformed document or structure), `user` (the user must act),',
    '`token` (USB KEY or driver), `security` (refused by policy, pairing or origin checks), `environment`',
    '(something missing on this machine), `protocol` (a peer broke the protocol), `internal` (a bug in ESeal).',
    '',
    '| code | category | retriable | 中文 | English |',
    '|---|---|---|---|---|',
  ];
  for (const code of ERROR_CODES) {
    const s = ERROR_TABLE[code];
    lines.push(`| \`${code}\` | ${s.category} | ${s.retriable ? 'yes' : 'no'} | ${escape(s.zh)} | ${escape(s.en)} |`);
  }
  return lines.join('\n') + '\n';
}
