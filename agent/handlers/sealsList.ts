// SPDX-License-Identifier: Apache-2.0
import { decide } from '../../shared/policy/Policy.js';
import type { SealView } from '../sealstore/SealStore.js';
import { str, type Handler } from './types.js';

/**
 * `seals.list`: the seals on the token with picture, name, type, validity and bound certificate;
 * for a portal only the seal types its policy rule allows.
 */
export const sealsList: Handler = async (scope, services) => {
  const serial = str(scope.params, 'tokenSerial');
  const wanted = str(scope.params, 'sealType');
  const includePictures = scope.params['includePictures'] === true;
  const rule = scope.origin === undefined ? undefined : decide(services.policy, scope.origin, 'seals.list');
  const seals = await services.tokens.withSession(
    serial,
    async (session) => {
      const out: SealView[] = [];
      for (const entry of await services.seals.list(session)) {
        if (rule !== undefined && (!rule.allowed || entry.sealType === undefined || !rule.rule.sealTypes.includes(entry.sealType))) continue;
        if (wanted !== undefined && entry.sealType !== wanted) continue;
        out.push(services.seals.view(entry, await services.seals.signerFor(session, entry), includePictures));
      }
      return out;
    },
    scope.signal,
  );
  return { seals };
};
