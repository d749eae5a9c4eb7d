// SPDX-License-Identifier: Apache-2.0
import { PROTOCOL_VERSIONS } from '../../shared/protocol/index.js';
import type { Handler } from './types.js';

/** `status`: agent version, protocol, tokens present, policy source. Never a secret. */
export const status: Handler = async (_scope, services) => {
  const tokens = await services.tokens.list();
  return {
    agentVersion: services.version,
    instanceId: services.instanceId(),
    protocol: Math.max(...PROTOCOL_VERSIONS),
    development: services.development,
    policy: { source: services.policySource, pinEntry: services.policy.pin.entry, batch: services.policy.batch.enabled },
    tokens: tokens.map((t) => ({ label: t.label, serial: t.serial, backend: t.backend, developmentOnly: t.developmentOnly })),
  };
};
