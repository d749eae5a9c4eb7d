// SPDX-License-Identifier: Apache-2.0
import { base64Encode } from '../crypto/bytes.js';
import type { CertificateSummary, SealSummary } from '../verify/VerificationReport.js';
import { normalisePictureType, sniffPictureFormat } from './SES_ESPictrueInfo.js';
import type { SESeal } from './SESeal.js';

export interface SealSummaryOptions {
  readonly maker?: CertificateSummary;
  readonly makerSignatureConvention?: 'sealInfo' | 'sealInfo+cert+alg';
  /** Include the picture as Base64 (default false). */
  readonly includePictures?: boolean;
}

/** The report view of a seal (shared by `seal show --json` and verification results). */
export function summarizeSeal(seal: SESeal, o: SealSummaryOptions = {}): SealSummary {
  const i = seal.eSealInfo;
  const p = i.picture;
  const declared = normalisePictureType(p.type);
  const format = declared === 'unknown' ? sniffPictureFormat(p.data) : declared;
  return {
    format: seal.format,
    headerVersion: i.header.version,
    vendorId: i.header.Vid,
    esID: i.esID,
    name: i.property.name,
    type: i.property.type,
    createDate: i.property.createDate.toISOString(),
    validStart: i.property.validStart.toISOString(),
    validEnd: i.property.validEnd.toISOString(),
    ...(o.maker === undefined ? {} : { maker: o.maker }),
    picture: {
      type: p.type,
      format: format === 'unknown' ? p.type.toLowerCase() : format,
      byteLength: p.data.length,
      widthMm: p.width,
      heightMm: p.height,
      ...(o.includePictures === true ? { dataBase64: base64Encode(p.data) } : {}),
    },
    ...(o.makerSignatureConvention === undefined ? {} : { makerSignatureConvention: o.makerSignatureConvention }),
  };
}
