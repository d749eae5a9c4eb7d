// SPDX-License-Identifier: Apache-2.0
import { verifyDocument } from '../../shared/verify/verifyDocument.js';
import { str, type Handler } from './types.js';

/** `verify`: the verification report of a document or bare seal/signature (shared/verify). */
export const verify: Handler = async (scope, services) => {
  const bytes = new Uint8Array(Buffer.from(str(scope.params, 'document') ?? '', 'base64'));
  const fileName = str(scope.params, 'fileName');
  const report = await verifyDocument(bytes, {
    ...(fileName !== undefined && { fileName }),
    trustAnchors: services.trust.roots,
    crls: services.trust.crls,
    includePictures: scope.params['includePictures'] === true,
  });
  scope.audit.extra = { indication: report.indication };
  return report;
};
