// SPDX-License-Identifier: Apache-2.0
import { SealError } from '../../shared/errors/index.js';
import { str, type Handler } from './types.js';

/**
 * `pin.change`: extension-internal (never for a portal). Sends `awaiting_pin` with `change: true`;
 * the consent window answers with `pin` and `newPin`. A wrong old PIN asks again with retries left.
 */
export const pinChange: Handler = async (scope, services) => {
  if (scope.origin !== undefined) throw new SealError('ERR_POLICY_DENIED', { origin: scope.origin, action: 'pin.change' });
  return services.tokens.withSession(
    str(scope.params, 'tokenSerial'),
    async (session) => {
      let lastError: string | undefined;
      let retriesLeft = session.token.pinRetriesLeft;
      for (let prompt = 0; prompt < 12; prompt++) {
        const answer = await services.consent.ask(scope, 'awaiting_pin', { change: true, retriesLeft: retriesLeft ?? null, tokenLabel: session.token.label, ...(lastError !== undefined && { error: lastError }) });
        if (!answer.approved) throw new SealError('ERR_USER_CANCELLED');
        if (answer.pin === undefined || answer.newPin === undefined) {
          lastError = 'ERR_TOKEN_PIN_INVALID';
          continue;
        }
        try {
          await session.changePin(answer.pin, answer.newPin);
          services.care.notePinChanged(session.token);
          return { changed: true };
        } catch (error) {
          if (error instanceof SealError && (error.code === 'ERR_TOKEN_PIN_INCORRECT' || error.code === 'ERR_TOKEN_PIN_INVALID')) {
            if (typeof error.details['retriesLeft'] === 'number') retriesLeft = error.details['retriesLeft'];
            lastError = error.code;
            continue;
          }
          throw error;
        }
      }
      throw new SealError('ERR_USER_CANCELLED');
    },
    scope.signal,
  );
};
