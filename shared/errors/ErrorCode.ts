// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The one error registry of ESeal. Every failure that crosses a function boundary visible to a user,
 * a process boundary or the wire carries one of these string codes `ERR_<AREA>_<REASON>`.
 *
 * Design rationale: codes are strings (readable in logs, stable across versions, ws-style), each with
 * a Chinese message first and an English one, a category (what kind of cause: user action, bad input,
 * environment, security, internal) and whether retrying the same request may succeed. Messages may
 * carry `{placeholders}` filled from the error's details. `docs/errors.md` is generated from this table
 * (`node scripts/gen-error-docs.mjs`) and a test keeps the two in step.
 */

/** What kind of cause an error has; the UI picks its wording and icon from this. */
export type ErrorCategory =
  | 'input' // the caller sent something malformed or out of range
  | 'format' // a document, seal, certificate or signature is malformed
  | 'user' // the user cancelled, typed a wrong PIN, or must act (insert the key)
  | 'token' // the USB KEY or its driver failed
  | 'security' // refused by policy, pairing, origin or host checks
  | 'environment' // something missing or unavailable on this machine (agent, tool, file)
  | 'protocol' // a peer broke the message protocol
  | 'internal'; // a bug in ESeal

export interface ErrorSpec {
  readonly category: ErrorCategory;
  /** Whether retrying the same request unchanged may succeed. */
  readonly retriable: boolean;
  /**
   * Chinese (zh-CN) message; `{name}` placeholders are filled from details. A `[...]` segment is
   * optional: it is dropped when a placeholder inside it has no value.
   */
  readonly zh: string;
  /** English message; same placeholders. */
  readonly en: string;
}

export const ERROR_TABLE = {
  // ── generic ────────────────────────────────────────────────────────────────────────────────
  ERR_UNKNOWN: { category: 'internal', retriable: false, zh: '未知错误', en: 'Unknown error' },
  ERR_INTERNAL: { category: 'internal', retriable: false, zh: '内部错误：{reason}', en: 'Internal error: {reason}' },
  ERR_INPUT_INVALID: { category: 'input', retriable: false, zh: '参数 {name} 无效：{reason}', en: 'Invalid argument {name}: {reason}' },
  ERR_INPUT_TOO_LARGE: { category: 'input', retriable: false, zh: '{name} 过大（上限 {limit}）', en: '{name} is too large (limit {limit})' },
  ERR_DOC_UNKNOWN: { category: 'input', retriable: false, zh: '文档引用 {docId} 不存在或已过期', en: 'Document reference {docId} is unknown or has expired' },
  ERR_NOT_IMPLEMENTED: { category: 'internal', retriable: false, zh: '尚未支持：{feature}', en: 'Not supported yet: {feature}' },
  ERR_USER_CANCELLED: { category: 'user', retriable: false, zh: '用户已取消操作', en: 'The user cancelled the operation' },
  ERR_TIMEOUT: { category: 'environment', retriable: true, zh: '操作超时', en: 'The operation timed out' },

  // ── crypto (SM2/SM3/SM4, WebCrypto) ────────────────────────────────────────────────────────
  ERR_CRYPTO_KEY_INVALID: { category: 'input', retriable: false, zh: '密钥无效：{reason}', en: 'Invalid key: {reason}' },
  ERR_CRYPTO_POINT_INVALID: { category: 'format', retriable: false, zh: '椭圆曲线点无效：{reason}', en: 'Invalid elliptic-curve point: {reason}' },
  ERR_CRYPTO_SIGNATURE_MALFORMED: { category: 'format', retriable: false, zh: '签名值格式错误：{reason}', en: 'Malformed signature value: {reason}' },
  ERR_CRYPTO_ALGORITHM_UNSUPPORTED: { category: 'format', retriable: false, zh: '不支持的算法：{algorithm}', en: 'Unsupported algorithm: {algorithm}' },
  ERR_CRYPTO_DECRYPT_FAILED: { category: 'format', retriable: false, zh: '解密失败（密钥错误或数据被篡改）', en: 'Decryption failed (wrong key or tampered data)' },
  ERR_CRYPTO_UNAVAILABLE: { category: 'environment', retriable: false, zh: '运行环境缺少密码功能：{feature}', en: 'Cryptographic function unavailable here: {feature}' },

  // ── ASN.1 / DER ───────────────────────────────────────────────────────────────────────────
  ERR_ASN1_MALFORMED: { category: 'format', retriable: false, zh: 'ASN.1 数据格式错误：{reason}', en: 'Malformed ASN.1 data: {reason}' },
  ERR_ASN1_UNEXPECTED: { category: 'format', retriable: false, zh: 'ASN.1 结构不符：{path} 处应为 {expected}', en: 'Unexpected ASN.1 structure: expected {expected} at {path}' },

  // ── X.509 certificates and CRLs ──────────────────────────────────────────────────────────
  ERR_X509_MALFORMED: { category: 'format', retriable: false, zh: '证书格式错误：{reason}', en: 'Malformed certificate: {reason}' },
  ERR_X509_CRL_MALFORMED: { category: 'format', retriable: false, zh: '证书吊销列表格式错误：{reason}', en: 'Malformed certificate revocation list: {reason}' },
  ERR_X509_PEM_INVALID: { category: 'format', retriable: false, zh: 'PEM 文件格式错误：{reason}', en: 'Invalid PEM data: {reason}' },

  // ── seals (GM/T 0031, GB/T 38540) ────────────────────────────────────────────────────────
  ERR_SEAL_MALFORMED: { category: 'format', retriable: false, zh: '电子印章数据格式错误：{reason}', en: 'Malformed electronic seal: {reason}' },
  ERR_SEAL_SIGNATURE_MALFORMED: { category: 'format', retriable: false, zh: '电子签章数据格式错误：{reason}', en: 'Malformed electronic signature (SES_Signature): {reason}' },
  ERR_SEAL_VERSION_UNKNOWN: { category: 'format', retriable: false, zh: '无法识别的电子印章版本', en: 'Unrecognised electronic seal version' },
  ERR_SEAL_PICTURE_UNSUPPORTED: { category: 'input', retriable: false, zh: '不支持的印章图片格式：{type}', en: 'Unsupported seal picture format: {type}' },
  ERR_SEAL_PICTURE_INVALID: { category: 'format', retriable: false, zh: '印章图片已损坏或无法解码（{type}）：{reason}', en: 'The seal picture ({type}) is corrupt or cannot be decoded: {reason}' },
  ERR_SEAL_PICTURE_TOO_LARGE: { category: 'input', retriable: false, zh: '印章图片超出限制（{type}）：{limit}', en: 'The seal picture ({type}) exceeds a limit: {limit}' },
  ERR_PDF_PLACEMENT_OFF_PAGE: { category: 'input', retriable: false, zh: '印章位置超出页面范围：{reason}', en: 'The seal would be placed outside the page: {reason}' },
  ERR_SEAL_VALIDITY_INVALID: { category: 'input', retriable: false, zh: '印章有效期无效：{reason}', en: 'Invalid seal validity period: {reason}' },
  ERR_SEAL_CERT_NOT_BOUND: { category: 'security', retriable: false, zh: '签章人证书未绑定到该印章', en: "The signer's certificate is not bound to this seal" },

  // ── CMS (GM/T 0010, RFC 5652) ───────────────────────────────────────────────────────────
  ERR_CMS_MALFORMED: { category: 'format', retriable: false, zh: 'CMS 签名数据格式错误：{reason}', en: 'Malformed CMS signed data: {reason}' },

  // ── OFD packages ────────────────────────────────────────────────────────────────────────
  ERR_OFD_ZIP_INVALID: { category: 'format', retriable: false, zh: 'OFD 文件不是有效的 ZIP 包：{reason}', en: 'The OFD file is not a valid ZIP package: {reason}' },
  ERR_OFD_ZIP_UNSAFE: { category: 'security', retriable: false, zh: 'OFD 包含不安全的条目：{reason}', en: 'The OFD package contains an unsafe entry: {reason}' },
  ERR_OFD_TOO_LARGE: { category: 'input', retriable: false, zh: 'OFD 包超出大小限制：{reason}', en: 'The OFD package exceeds a size limit: {reason}' },
  ERR_OFD_XML_INVALID: { category: 'format', retriable: false, zh: 'OFD 中的 XML 文件 {path} 格式错误：{reason}', en: 'Malformed XML in the OFD package at {path}: {reason}' },
  ERR_OFD_ENTRY_MISSING: { category: 'format', retriable: false, zh: 'OFD 包缺少文件：{path}', en: 'The OFD package lacks the file {path}' },

  // ── PDF documents ───────────────────────────────────────────────────────────────────────
  ERR_PDF_MALFORMED: { category: 'format', retriable: false, zh: 'PDF 文件格式错误：{reason}', en: 'Malformed PDF file: {reason}' },
  ERR_PDF_ENCRYPTED: { category: 'input', retriable: false, zh: '暂不支持加密的 PDF 文件', en: 'Encrypted PDF files are not supported yet' },
  ERR_PDF_CHANGES_FORBIDDEN: { category: 'security', retriable: false, zh: '该 PDF 已被认证签名锁定，不允许再修改', en: 'The PDF is certified and forbids further changes' },
  ERR_PDF_PAGE_OUT_OF_RANGE: { category: 'input', retriable: false, zh: '页码 {page} 超出范围（文档共 {pageCount} 页）', en: 'Page {page} is out of range (the document has {pageCount} pages)' },
  ERR_PDF_KEYWORD_NOT_FOUND: { category: 'input', retriable: false, zh: '在文档中找不到关键字“{keyword}”[（第 {occurrence} 处）]', en: 'The keyword "{keyword}" was not found in the document[ (occurrence {occurrence})]' },
  ERR_PDF_SEAL_UNUSABLE: { category: 'input', retriable: false, zh: '该印章不能用于 PDF 签章：{reason}', en: 'This seal cannot be used to seal a PDF: {reason}' },

  // ── viewer (extension/viewer) ───────────────────────────────────────────────────────────
  ERR_VIEWER_SOURCE_DENIED: { category: 'security', retriable: false, zh: '查看器不能打开该来源的文档：{origin}（不在策略允许的网站中）', en: 'The viewer may not open documents from {origin} (not a site the policy allows)' },
  ERR_VIEWER_FETCH_FAILED: { category: 'environment', retriable: true, zh: '无法下载文档[（HTTP {status}）]', en: 'Could not download the document[ (HTTP {status})]' },
  ERR_VIEWER_RENDER_FAILED: { category: 'format', retriable: false, zh: '无法显示该 PDF 页面：{reason}', en: 'Could not display the PDF page: {reason}' },

  // ── files and command line ──────────────────────────────────────────────────────────────
  ERR_FILE_NOT_FOUND: { category: 'environment', retriable: false, zh: '找不到文件：{path}', en: 'File not found: {path}' },
  ERR_FILE_TYPE_UNKNOWN: { category: 'input', retriable: false, zh: '无法识别的文件类型：{path}', en: 'Unrecognised file type: {path}' },
  ERR_FILE_EXISTS: { category: 'input', retriable: false, zh: '文件已存在：{path}（如需覆盖请加 --force）', en: 'The file already exists: {path} (use --force to overwrite)' },
  ERR_FILE_WRITE_FAILED: { category: 'environment', retriable: true, zh: '写入文件失败：{path}', en: 'Could not write the file {path}' },
  ERR_CLI_USAGE: { category: 'input', retriable: false, zh: '命令用法错误：{reason}', en: 'Command usage error: {reason}' },

  // ── protocol (page ↔ extension ↔ agent) ─────────────────────────────────────────────────
  ERR_PROTOCOL_MALFORMED: { category: 'protocol', retriable: false, zh: '消息格式错误：{reason}', en: 'Malformed message: {reason}' },
  ERR_PROTOCOL_VERSION: { category: 'protocol', retriable: false, zh: '协议版本不兼容（支持 {supported}）', en: 'Incompatible protocol version (supported: {supported})' },
  ERR_PROTOCOL_UNKNOWN_METHOD: { category: 'protocol', retriable: false, zh: '未知的方法：{method}', en: 'Unknown method: {method}' },
  ERR_PROTOCOL_TOO_LARGE: { category: 'protocol', retriable: false, zh: '消息过大（上限 {limit} 字节）', en: 'Message too large (limit {limit} bytes)' },
  ERR_ACTION_PENDING: { category: 'input', retriable: true, zh: '同类操作（{action}）仍在进行，请等它结束', en: 'An operation of the same kind ({action}) is still in progress; wait for it to finish' },
  ERR_PROTOCOL_BUSY: { category: 'environment', retriable: true, zh: '请求过多，请稍后重试', en: 'Too many requests; try again shortly' },

  // ── agent, pairing, policy ──────────────────────────────────────────────────────────────
  ERR_AGENT_UNAVAILABLE: { category: 'environment', retriable: true, zh: '未检测到 ESeal 签章服务，请确认已安装并启动', en: 'The ESeal signing agent is not running; check that it is installed and started' },
  ERR_AGENT_NOT_PAIRED: { category: 'security', retriable: false, zh: '浏览器尚未与签章服务配对，请在扩展设置中输入配对码', en: 'This browser is not paired with the signing agent; enter the pairing code in the extension options' },
  ERR_AGENT_AUTH_FAILED: { category: 'security', retriable: false, zh: '签章服务身份验证失败', en: 'Signing agent authentication failed' },
  ERR_AGENT_IMPOSTOR: { category: 'security', retriable: false, zh: '本机端口上的程序不是可信的 ESeal 签章服务', en: 'The program on the agent port is not the trusted ESeal agent' },
  ERR_AGENT_ORIGIN_REJECTED: { category: 'security', retriable: false, zh: '来源 {origin} 不允许连接签章服务', en: 'Origin {origin} may not connect to the signing agent' },
  ERR_AGENT_HOST_REJECTED: { category: 'security', retriable: false, zh: '主机头 {host} 不是本机地址', en: 'Host header {host} is not a loopback address' },
  ERR_EXTENSION_MISSING: { category: 'environment', retriable: false, zh: '未安装 ESeal 浏览器扩展', en: 'The ESeal browser extension is not installed' },
  ERR_POLICY_INVALID: { category: 'environment', retriable: false, zh: '策略文件无效：字段 {field}：{reason}', en: 'Invalid policy: field {field}: {reason}' },
  ERR_POLICY_DENIED: { category: 'security', retriable: false, zh: '策略不允许 {origin} 执行 {action}', en: 'Policy does not allow {origin} to perform {action}' },
  // Declarative form (data-eseal-* attributes on a portal page, extension/page/declarative.ts).
  ERR_DECLARATIVE_ATTRIBUTE: { category: 'input', retriable: false, zh: '页面元素的 {attribute} 属性无效：{reason}', en: 'Invalid {attribute} attribute on the page element: {reason}' },
  ERR_DECLARATIVE_FETCH: { category: 'environment', retriable: true, zh: '无法读取要处理的文档（{reason}）', en: 'Could not fetch the document to process ({reason})' },
  ERR_DECLARATIVE_NO_SEAL: { category: 'user', retriable: true, zh: '未找到类型为 {sealType} 的印章，请插入相应的 USB KEY', en: 'No seal of type {sealType} found; insert the USB KEY that holds it' },

  // ── tokens (USB KEY) ────────────────────────────────────────────────────────────────────
  ERR_TOKEN_NOT_PRESENT: { category: 'user', retriable: true, zh: '未检测到 USB KEY，请插入', en: 'No USB KEY detected; please insert it' },
  ERR_TOKEN_REMOVED: { category: 'user', retriable: true, zh: 'USB KEY 已被拔出', en: 'The USB KEY was removed' },
  ERR_TOKEN_PIN_INCORRECT: { category: 'user', retriable: true, zh: 'PIN 码错误[，还可尝试 {retriesLeft} 次]', en: 'Wrong PIN[; {retriesLeft} attempts left]' },
  ERR_TOKEN_PIN_LOCKED: { category: 'user', retriable: false, zh: 'PIN 码已锁定，请联系管理员解锁', en: 'The PIN is locked; ask your administrator to unlock it' },
  ERR_TOKEN_PIN_INVALID: { category: 'input', retriable: false, zh: 'PIN 码不符合要求：{reason}', en: 'The PIN does not meet the rules: {reason}' },
  ERR_TOKEN_LOGIN_REQUIRED: { category: 'user', retriable: true, zh: '请先输入 PIN 码登录 USB KEY', en: 'Log in to the USB KEY with its PIN first' },
  ERR_TOKEN_KEY_NOT_FOUND: { category: 'token', retriable: false, zh: 'USB KEY 中找不到对应的密钥', en: 'The key was not found on the USB KEY' },
  ERR_TOKEN_MECHANISM_UNSUPPORTED: { category: 'token', retriable: false, zh: 'USB KEY 不支持该算法：{mechanism}', en: 'The USB KEY does not support the mechanism {mechanism}' },
  // The driver's own code (CKR_*/SAR_*) stays in details.reason for diagnostics, not in the message.
  ERR_TOKEN_LIBRARY: { category: 'token', retriable: false, zh: 'USB KEY 驱动出错，请查看诊断信息', en: 'The USB KEY driver reported an error; see the diagnostics' },

  // ── audit log ───────────────────────────────────────────────────────────────────────────
  ERR_AUDIT_WRITE_FAILED: { category: 'environment', retriable: false, zh: '审计日志写入失败，操作已中止', en: 'Writing the audit log failed; the operation was aborted' },
  ERR_AUDIT_CHAIN_BROKEN: { category: 'security', retriable: false, zh: '审计日志校验失败：第 {line} 条记录 {reason}', en: 'Audit log check failed: record {line} {reason}' },
} as const satisfies Record<`ERR_${string}`, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export const ERROR_CODES: readonly ErrorCode[] = Object.keys(ERROR_TABLE) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TABLE, value);
}
