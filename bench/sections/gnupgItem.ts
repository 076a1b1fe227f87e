// Decrypting one GnuPG-made item (Libervia's, S2K count 65,011,712, SHA-1): oxps in-process
// (decryptItem: native S2K, then openpgp.js with the derived session key) beside
// `gpg --batch --decrypt` of the same ciphertext as one process per message, runs interleaved.
// The recorded item and its secret come from the Libervia harness's samples.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as openpgp from 'openpgp';
import { decryptItem } from '../../src/crypto/itemCipher.js';
import type { BenchConfig } from '../config.js';
import { HARNESS_DIR } from '../lib/libervia.js';
import { run, runOk } from '../lib/proc.js';
import { formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';

const SAMPLES = resolve(HARNESS_DIR, 'samples');

export async function recordedLiberviaItem(): Promise<{
  ciphertext: Buffer;
  secret: string;
  secretId: string;
}> {
  const xml = await readFile(join(SAMPLES, '02-blog-set-encrypt.xml'), 'utf8');
  const item =
    /<encrypted key='([^']+)' xmlns='urn:xmpp:openpgp:pubsub:0'>([A-Za-z0-9+/=]+)<\/encrypted>/.exec(xml);
  if (!item) throw new Error('no <encrypted> item in 02-blog-set-encrypt.xml');
  const secretId = item[1]!;
  const message = await readFile(join(SAMPLES, '03-secret-share.ox-message-1.txt'), 'utf8');
  const secret = new RegExp(`<shared-secret [^>]*id='${secretId}'[^>]*>([^<]+)</shared-secret>`).exec(
    message,
  )?.[1];
  if (!secret) throw new Error(`no <shared-secret id='${secretId}'> in 03-secret-share.ox-message-1.txt`);
  return { ciphertext: Buffer.from(item[2]!, 'base64'), secret, secretId };
}

export async function benchGnupgItem(
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const { ciphertext, secret } = await recordedLiberviaItem();
  const home = await mkdtemp(join(tmpdir(), 'oxps-bench-gpg-'));
  const gpgEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LC_ALL: 'C', LANG: 'C' };
  try {
    const file = join(home, 'item.gpg');
    const passphrase = join(home, 'secret');
    await writeFile(file, ciphertext);
    await writeFile(passphrase, `${secret}\n`, { mode: 0o600 });
    // --no-symkey-cache: gpg-agent would otherwise remember the passphrase's derived key
    const gpgArgs = [
      '--homedir',
      home,
      '--batch',
      '--no-tty',
      '--quiet',
      '--pinentry-mode',
      'loopback',
      '--no-symkey-cache',
      '--passphrase-file',
      passphrase,
      '--decrypt',
      file,
    ];
    const reference = await runOk('gpg', gpgArgs, { env: gpgEnv }); // also starts the home's gpg-agent
    const ours = Buffer.from(await decryptItem(ciphertext, secret)).toString('utf8');
    if (ours !== reference.stdout) throw new Error('oxps and gpg decrypt the recorded item differently');

    const gpgMs: number[] = [];
    const oxpsMs: number[] = [];
    for (let i = 0; i < config.gpgRuns; i++) {
      gpgMs.push((await runOk('gpg', gpgArgs, { env: gpgEnv })).ms);
      const t = performance.now();
      await decryptItem(ciphertext, secret);
      oxpsMs.push(performance.now() - t);
    }
    // what the native S2K buys: openpgp.js deriving the key itself (a few runs: it is slow)
    const jsMs: number[] = [];
    for (let i = 0; i < Math.min(5, config.gpgRuns); i++) {
      const t = performance.now();
      await openpgp.decrypt({
        message: await openpgp.readMessage({ binaryMessage: ciphertext }),
        passwords: [secret],
        format: 'binary',
      });
      jsMs.push(performance.now() - t);
    }
    const oxps: Figure = {
      value: median(oxpsMs),
      unit: 'ms',
      detail: `median of ${oxpsMs.length}, in-process`,
    };
    const gpg: Figure = { value: median(gpgMs), unit: 'ms', detail: `median of ${gpgMs.length} processes` };
    const js: Figure = { value: median(jsMs), unit: 'ms', detail: `median of ${jsMs.length}` };
    log(
      `GnuPG-made item: oxps decryptItem ${formatMs(oxps.value)}, gpg --decrypt ${formatMs(gpg.value)}, openpgp.js S2K ${formatMs(js.value)}`,
    );
    const ratio = ratioOf(oxps, gpg);
    const group = 'decrypt one GnuPG-made item (S2K count 65,011,712)';
    return {
      rows: [
        {
          group,
          what: 'oxps `decryptItem` (native S2K)',
          oxps,
          versus: '`gpg --batch --decrypt` per message',
          baseline: gpg,
          ratio,
          target: '≤ 1.5× gpg',
          met: ratio !== undefined && ratio <= 1.5,
        },
        {
          group,
          what: 'oxps `decryptItem` (native S2K)',
          oxps,
          versus: 'openpgp.js deriving the S2K key itself',
          baseline: js,
          ratio: ratioOf(oxps, js),
        },
      ],
      raw: { oxpsMs, gpgMs, openpgpJsMs: jsMs, ciphertextBytes: ciphertext.length },
    };
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}
