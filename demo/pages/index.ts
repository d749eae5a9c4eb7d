// SPDX-License-Identifier: Apache-2.0
/** The portal's home page: the environment check (what to do when something is missing). */
import { checkEnvironment } from './common.js';

void checkEnvironment().then(({ state }) => {
  document.body.dataset['ready'] = String(state === 'ready');
});
