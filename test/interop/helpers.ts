// Test-side helpers of the Libervia interop suite: run libervia-cli (`li`) as alice/bob/mallory
// and the real oxps binary as carol, read what Libervia did (its GnuPG homes, Prosody's stanza log).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { runOxps } from './harness.js';
import { runProcess, type ProcessResult } from '../harness/process.js';
import { liberviaCli } from './libervia.js';
import type { Element } from '@xmpp/xml';
import { parseXmlElement } from '../../src/protocol/xml.js';
import { Session } from '../../src/xmpp/session.js';
import { setAffiliationsIq, type Affiliation } from '../../src/protocol/pubsub/node.js';
import { emptyReport, type SyncReport } from '../../src/app/sync.js';
import type { SecretView } from '../../src/app/secrets/list.js';
import type { FetchedItemJson } from '../../src/app/fetch.js';

export type { ProcessResult, SyncReport, SecretView, FetchedItemJson as FetchedItem };

export const harness = () => inject('libervia');
export const jidOf = (name: string) => `${name}@${harness().domain}`;

/** libervia-cli; throws with its output unless it exits 0 (or `allowFailure`). */
export async function li(
  args: string[],
  options: { input?: string; allowFailure?: boolean } = {},
): Promise<ProcessResult> {
  const result = await liberviaCli(harness().liberviaDir, args, options);
  if (result.code !== 0 && !options.allowFailure) {
    throw new Error(`li ${args.join(' ')} failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  }
  return result;
}

/** A Libervia secret as `li pubsub secret list -O json` prints it (timestamp: Unix seconds). */
export interface LiberviaSecret {
  id: string;
  key?: string;
  timestamp: number;
  origin: string;
  revoked: boolean;
  shared_with: string[];
}

export async function liberviaSecrets(
  profile: string,
  service: string,
  node: string,
): Promise<LiberviaSecret[]> {
  const result = await li([
    'pubsub',
    'secret',
    'list',
    '-p',
    profile,
    '-s',
    service,
    '-n',
    node,
    '-O',
    'json',
  ]);
  return JSON.parse(result.stdout) as LiberviaSecret[];
}

/**
 * Libervia processes incoming secret messages asynchronously (gpg decrypt + verify, then store):
 * polls `pubsub secret list` until `done` holds or the time is up, and returns the last list.
 */
export async function waitForLiberviaSecrets(
  profile: string,
  service: string,
  node: string,
  done: (secrets: LiberviaSecret[]) => boolean,
  timeoutMs = 20_000,
): Promise<LiberviaSecret[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const secrets = await liberviaSecrets(profile, service, node).catch(() => []);
    if (done(secrets) || Date.now() > deadline) return secrets;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `li pubsub get -O xml-raw`: one <item> per line, payloads decrypted by Libervia when it can. */
export async function liberviaItems(
  profile: string,
  service: string,
  node: string,
): Promise<Array<{ id: string; payload: Element }>> {
  const result = await li([
    'pubsub',
    'get',
    '-p',
    profile,
    '-s',
    service,
    '-n',
    node,
    '-M',
    '20',
    '-O',
    'xml-raw',
  ]);
  // one <item> per line, but an item's text may itself hold newlines: parse them all at once
  const all = parseXmlElement(`<items>${result.stdout}</items>`, 'libervia-cli output');
  return all.getChildren('item', 'http://jabber.org/protocol/pubsub').map((item) => {
    const payloads = item.children.filter((c): c is Element => typeof c !== 'string');
    if (payloads.length !== 1) throw new Error(`item with ${payloads.length} payloads: ${item.toString()}`);
    return { id: String(item.attrs.id), payload: payloads[0]! };
  });
}

/** The oxps CLI as one of the devices the global setup made (carol). */
export class OxpsDevice {
  readonly jid: string;
  constructor(readonly name: string) {
    this.jid = jidOf(name);
  }

  run(args: string[], options: { input?: string } = {}): Promise<ProcessResult> {
    const device = harness().devices[this.name];
    if (!device)
      throw new Error(`no oxps device for ${this.name} (see OXPS_ACCOUNTS in test/interop/setup.ts)`);
    return runOxps(device.env, args, options);
  }

  /** `oxps --json ARGS…`, which must exit with `code` (0): its JSON document. */
  async json<T>(args: string[], options: { input?: string; code?: number } = {}): Promise<T> {
    const result = await this.run(['--json', ...args], options);
    if (result.code !== (options.code ?? 0))
      throw new Error(`oxps ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    try {
      return JSON.parse(result.stdout) as T;
    } catch {
      throw new Error(`oxps ${args.join(' ')}: not JSON:\n${result.stdout}\n${result.stderr}`);
    }
  }

  /**
   * `oxps sync`, repeated until the secret messages about `node` that `done` waits for were
   * processed: a libervia-cli command returns once the backend has *sent* the message, so it may
   * reach the archive a moment later. Returns the sync reports merged.
   */
  async syncUntil(
    node: string,
    done: (report: SyncReport) => boolean,
    timeoutMs = 20_000,
  ): Promise<SyncReport> {
    const merged = emptyReport();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.json<SyncReport>(['sync']);
      merged.examined += report.examined;
      merged.accepted.push(...report.accepted.filter((a) => a.node === node));
      merged.revoked.push(...report.revoked.filter((r) => r.node === node));
      merged.rejected.push(...report.rejected.filter((r) => r.node === node));
      merged.unreadable.push(...report.unreadable);
      if (done(merged) || Date.now() > deadline) return merged;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async secrets(service: string, node: string): Promise<SecretView[]> {
    return (await this.json<{ secrets: SecretView[] }>(['secret', 'list', '-s', service, '-n', node]))
      .secrets;
  }

  /** Changes affiliations of one of our nodes from a second, bare session of the account. */
  async setAffiliations(node: string, changes: Record<string, Affiliation>): Promise<void> {
    const { port, certFile } = harness();
    const session = await Session.open({
      jid: this.jid,
      password: `${this.name}pass`,
      host: '127.0.0.1',
      port,
      caPem: await readFile(certFile, 'utf8'),
      timeoutSeconds: 20,
    });
    try {
      await session.iq(
        setAffiliationsIq(this.jid, node, new Map(Object.entries(changes))),
        'set affiliations',
      );
    } finally {
      await session.close();
    }
  }
}

/** Child text of `<name>` (Atom title, content…) in an element, or undefined. */
export function childText(element: Element, name: string): string | undefined {
  return element.getChild(name)?.getText();
}

/** A key in a GnuPG home, from `gpg --with-colons --list-keys`. */
export interface GpgKey {
  fingerprint: string;
  keyId: string;
  /** RFC 4880 public-key algorithm: 1 RSA, 22 EdDSA, 18 ECDH… */
  algorithm: number;
  bits: number;
  userIds: string[];
  subkeys: Array<{
    fingerprint: string;
    keyId: string;
    algorithm: number;
    bits: number;
    capabilities: string;
  }>;
}

/** The keys in a Libervia profile's OX GnuPG home. */
export async function liberviaGpgKeys(profile: string): Promise<GpgKey[]> {
  const result = await runProcess('gpg', [
    '--homedir',
    join(harness().gnupgHomes, profile),
    '--batch',
    '--with-colons',
    '--list-keys',
  ]);
  if (result.code !== 0) throw new Error(`gpg --list-keys in ${profile}'s home failed: ${result.stderr}`);
  const keys: GpgKey[] = [];
  let last: { fingerprint: string } | undefined;
  for (const line of result.stdout.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub') {
      const key: GpgKey = {
        fingerprint: '',
        keyId: f[4]!,
        algorithm: Number(f[3]),
        bits: Number(f[2]),
        userIds: [],
        subkeys: [],
      };
      keys.push(key);
      last = key;
    } else if (f[0] === 'sub') {
      const sub = {
        fingerprint: '',
        keyId: f[4]!,
        algorithm: Number(f[3]),
        bits: Number(f[2]),
        capabilities: f[11] ?? '',
      };
      keys.at(-1)!.subkeys.push(sub);
      last = sub;
    } else if (f[0] === 'fpr' && last && !last.fingerprint) {
      last.fingerprint = f[9]!;
    } else if (f[0] === 'uid') {
      keys.at(-1)?.userIds.push(f[9]!.replace(/\\x3a/g, ':'));
    }
  }
  return keys;
}

/**
 * The OX messages (base64 of the binary OpenPGP message) that Prosody delivered from `from`
 * (bare JID) to `to`, in order, read from Prosody's stanza log (mod_stanza_debug).
 */
export async function deliveredOxMessages(from: string, to: string): Promise<string[]> {
  const text = await readFile(harness().stanzaLog, 'utf8');
  const messages: string[] = [];
  for (const line of text.split('\n')) {
    const m = /\tSEND: (<message .*)$/.exec(line);
    if (!m) continue;
    const open = /^<message [^>]*>/.exec(m[1]!)?.[0] ?? '';
    if (
      !open.includes(`to='${to}'`) ||
      !new RegExp(`from='${from.replace(/\./g, '\\.')}(/[^']*)?'`).test(open)
    )
      continue;
    const body = /^<message [^>]*><openpgp xmlns='urn:xmpp:openpgp:0'>([A-Za-z0-9+/=]+)<\/openpgp>/.exec(
      m[1]!,
    );
    if (body) messages.push(body[1]!);
  }
  return messages;
}

/** `gpg --list-packets` of a binary OpenPGP message (no key needed for the outer packets). */
export async function listPackets(base64: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'oxps-interop-gpg-'));
  try {
    const file = join(home, 'message.gpg');
    await writeFile(file, Buffer.from(base64, 'base64'));
    const result = await runProcess('gpg', ['--homedir', home, '--batch', '--list-packets', file]);
    return result.stdout + result.stderr;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** A node name no other test of the run uses (the accounts and their PEP live for the whole run). */
export function freshNode(label: string): string {
  return `urn:example:oxps-interop:${label}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
