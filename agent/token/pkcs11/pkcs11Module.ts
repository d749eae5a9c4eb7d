// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * One loaded PKCS#11 library per path per process (specs/tokens.md §5 pitfall 3), reference
 * counted: the first `acquireModule` loads it and calls C_Initialize with CKF_OS_LOCKING_OK, the last
 * `release` calls C_Finalize explicitly and then unloads it (pitfall 4: never leave finalisation
 * to process teardown). Also the typed helpers around pkcs11js that the provider and the session share.
 */
import pkcs11js from 'pkcs11js';
import type { Attribute, PKCS11, Template } from 'pkcs11js';
import { CKF_OS_LOCKING_OK, CKR } from './constants.js';
import { mapPkcs11Error, pkcs11ErrorOf } from './mapPkcs11Error.js';

/** A slot, session or object handle as pkcs11js passes it (CK_ULONG in a Buffer). */
export type Handle = Buffer;

export interface LoadedModule {
  readonly path: string;
  readonly p11: PKCS11;
  /** Releases this reference; the last one finalises and unloads the library. */
  release(): void;
}

interface Entry {
  readonly p11: PKCS11;
  refs: number;
}

const modules = new Map<string, Entry>();

/** Loads and initialises the library at `path`, or shares the instance already loaded. */
export function acquireModule(path: string): LoadedModule {
  let entry = modules.get(path);
  if (!entry) {
    const p11 = new pkcs11js.PKCS11();
    try {
      p11.load(path);
    } catch (error) {
      throw mapPkcs11Error(error);
    }
    try {
      p11.C_Initialize({ flags: CKF_OS_LOCKING_OK });
    } catch (error) {
      // Another PKCS11 instance in this process (outside this registry) initialised it: usable as is (pkcs11js#62).
      if (pkcs11ErrorOf(error)?.code !== CKR.CRYPTOKI_ALREADY_INITIALIZED) {
        try {
          p11.close();
        } catch {
          // already failing; the initialisation error is the one to report
        }
        throw mapPkcs11Error(error);
      }
    }
    entry = { p11, refs: 0 };
    modules.set(path, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    path,
    p11: held.p11,
    release() {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs > 0) return;
      modules.delete(path);
      try {
        held.p11.C_Finalize();
      } finally {
        held.p11.close();
      }
    },
  };
}

/** The slot ID inside a handle, as a map key. */
export function handleKey(handle: Handle): string {
  return handle.length >= 8 ? handle.readBigUInt64LE(0).toString() : handle.toString('hex');
}

/** PKCS#11 blank-padded strings, trimmed (and NULs dropped: some modules pad with them). */
export function trimPadded(value: string): string {
  return value.replace(/\0+$/g, '').trim();
}

/** All objects matching `template` (FindObjectsInit/FindObjects/FindObjectsFinal). */
export function findObjects(p11: PKCS11, session: Handle, template: Template, max = 1024): Handle[] {
  p11.C_FindObjectsInit(session, template);
  try {
    const found: Handle[] = [];
    for (;;) {
      const batch = p11.C_FindObjects(session, 64);
      found.push(...batch);
      if (batch.length < 64 || found.length >= max) return found;
    }
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

/**
 * Attribute values by type; an attribute the object lacks (or keeps sensitive) is absent from the
 * result instead of failing the whole read: pkcs11js throws when any attribute of the template fails,
 * so on CKR_ATTRIBUTE_TYPE_INVALID / _SENSITIVE the attributes are read one by one.
 */
export function readAttributes(p11: PKCS11, session: Handle, object: Handle, types: readonly number[]): Map<number, Buffer> {
  const collect = (template: Attribute[]): Map<number, Buffer> => {
    const out = new Map<number, Buffer>();
    for (const a of p11.C_GetAttributeValue(session, object, template)) {
      if (Buffer.isBuffer(a.value)) out.set(a.type, a.value);
    }
    return out;
  };
  try {
    return collect(types.map((type) => ({ type })));
  } catch (error) {
    const code = pkcs11ErrorOf(error)?.code;
    if (code !== CKR.ATTRIBUTE_TYPE_INVALID && code !== CKR.ATTRIBUTE_SENSITIVE) throw error;
  }
  const out = new Map<number, Buffer>();
  for (const type of types) {
    try {
      for (const [k, v] of collect([{ type }])) out.set(k, v);
    } catch (error) {
      const code = pkcs11ErrorOf(error)?.code;
      if (code !== CKR.ATTRIBUTE_TYPE_INVALID && code !== CKR.ATTRIBUTE_SENSITIVE) throw error;
    }
  }
  return out;
}

/** A CK_ULONG attribute value (little-endian host order, 4 or 8 bytes). */
export function ulongOf(value: Buffer | undefined): number | undefined {
  if (!value) return undefined;
  if (value.length === 8) return Number(value.readBigUInt64LE(0));
  if (value.length === 4) return value.readUInt32LE(0);
  return undefined;
}
