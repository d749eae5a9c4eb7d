// SPDX-License-Identifier: Apache-2.0
import type { PdfVectorAppearance } from '../preparePdfSignature.js';
import { pictureUnsupported } from './limits.js';

export function svgToVector(_data: Uint8Array): PdfVectorAppearance {
  throw pictureUnsupported('SVG (not yet)');
}
