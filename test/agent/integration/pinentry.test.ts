// SPDX-License-Identifier: Apache-2.0
// Policy pin.entry = "pinentry": consent through the extension, PIN through a native pinentry program
// speaking Assuan (a scripted stand-in here), never over the socket.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PIN, digestItem, EXT_ORIGIN, pairedClient, PORTAL, startAgent, type StartedAgent, type TestClient } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'eseal-pinentry-'));
const program = join(dir, 'pinentry-fake.cjs');
const log = join(dir, 'log.txt');
const pins = join(dir, 'pins.json');

// A minimal Assuan pinentry: greets, acknowledges SET*, answers GETPIN with the next scripted PIN
// (or cancels when the script says null), logs every command.
writeFileSync(
  program,
  `#!/usr/bin/env node
const fs = require('fs');
const log = ${JSON.stringify(log)};
const pinsFile = ${JSON.stringify(pins)};
process.stdout.write('OK Pleased to meet you\\n');
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => {
  buf += c;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    fs.appendFileSync(log, line + '\\n');
    if (line === 'BYE') { process.stdout.write('OK closing connection\\n'); process.exit(0); }
    if (line === 'GETPIN') {
      const list = JSON.parse(fs.readFileSync(pinsFile, 'utf8'));
      const pin = list.shift();
      fs.writeFileSync(pinsFile, JSON.stringify(list));
      if (pin === null || pin === undefined) process.stdout.write('ERR 83886179 Operation cancelled <Pinentry>\\n');
      else process.stdout.write('D ' + pin.replace(/%/g, '%25') + '\\nOK\\n');
    } else process.stdout.write('OK\\n');
  }
});
`,
);
chmodSync(program, 0o755);

let agent: StartedAgent;
let client: TestClient;

beforeAll(async () => {
  agent = await startAgent({
    policy: {
      extensionOrigins: [EXT_ORIGIN],
      portals: [{ origin: PORTAL, actions: ['seal.sign'], sealTypes: ['official'] }],
      pin: { entry: 'pinentry', pinentryProgram: program },
      development: { allowHttpLocalhost: true },
    },
  });
  client = (await pairedClient(agent)).client;
});

afterAll(async () => {
  client.close();
  await agent.stop();
});

describe('pin.entry = pinentry', () => {
  it('asks the PIN in the pinentry window (wrong, then right) and ignores a PIN sent over the socket', async () => {
    writeFileSync(pins, JSON.stringify(['999999', DEV_PIN]));
    const { res, progress } = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(1) }, { ctx: { origin: PORTAL }, consent: { pins: ['not-used-1'], pinWithConsent: true } });
    expect(res).toMatchObject({ ok: true });
    expect(progress.map((p) => p['stage'])).toEqual(['awaiting_consent', 'awaiting_pin', 'awaiting_pin', 'signing']);
    expect(progress[2]).toMatchObject({ data: { pinEntry: 'pinentry', error: 'ERR_TOKEN_PIN_INCORRECT' } });
    const commands = readFileSync(log, 'utf8');
    expect(commands).toMatch(/^SETDESC .*localhost:8080.*SM3: /m);
    expect(commands).toMatch(/^SETERROR PIN 错误/m);
    expect(commands.match(/^GETPIN$/gm)).toHaveLength(2);
  });

  it('a cancel in the pinentry window is ERR_USER_CANCELLED', async () => {
    writeFileSync(pins, JSON.stringify([null]));
    const { res } = await client.request('seal.sign', { sealId: 'dev-official', item: digestItem(2) }, { ctx: { origin: PORTAL }, consent: {} });
    expect(res).toMatchObject({ ok: false, error: { code: 'ERR_USER_CANCELLED' } });
    expect(existsSync(log)).toBe(true);
  });
});
