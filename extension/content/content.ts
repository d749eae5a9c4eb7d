// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Content script: the relay between the page SDK and the background (relay.ts). It adds nothing
 * to the messages; the background takes the origin from the browser and refuses origins the
 * policy does not list (deny by default, no prompt).
 */
import { browserApi } from '../browserApi.js';
import { startRelay } from './relay.js';

const api = browserApi();
startRelay(window, {
  sendMessage: (m) => api.runtime.sendMessage(m),
  connect: (info) => api.runtime.connect(info),
  onMessage: { addListener: (listener) => api.runtime.onMessage.addListener((m) => (listener(m), undefined)) },
});
