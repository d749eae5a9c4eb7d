// SPDX-License-Identifier: Apache-2.0
export { ERROR_TABLE, ERROR_CODES, isErrorCode, type ErrorCode, type ErrorCategory, type ErrorSpec } from './ErrorCode.js';
export { SealError, isSealError, toSealError, formatErrorMessage, type ErrorDetails, type Locale } from './SealError.js';
export { serializeError, deserializeError, type SerializedError } from './serialize.js';
