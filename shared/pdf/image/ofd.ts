// SPDX-License-Identifier: Apache-2.0
import type { PdfVectorAppearance } from '../preparePdfSignature.js';
import { pictureUnsupported } from './limits.js';

export function ofdPictureToVector(_data: Uint8Array): PdfVectorAppearance {
  throw pictureUnsupported('OFD (not yet)');
}
