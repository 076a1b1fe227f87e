// What every benchmark runs against: one local Prosody (SQLite storage unless BENCH_STORAGE=
// internal), oxps devices for the accounts oxps plays, and Libervia where it is installed.
// Accounts follow the Libervia harness's convention: alice, bob (and mallory) are Libervia's;
// carol and dave are oxps's. alice and carol are the admins of pubsub.localhost, the only ones
// Prosody lets create nodes there; the readers (bob, dave) are not admins, so the whitelist
// really applies to them (Prosody's admins bypass access models).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMAIN, PUBSUB, startProsody, type ProsodyServer } from '../test/harness/prosody.js';
import { OxpsDevice, type ServerAddress } from './lib/oxpsDevice.js';
import { LiberviaPeer, liberviaMissing } from './lib/libervia.js';
import { generateAndPublishKey } from './lib/inProcess.js';
import type { BenchConfig } from './config.js';

export { PUBSUB };

export interface World {
  server: ProsodyServer;
  address: ServerAddress;
  storage: string;
  /** "file storage" or "SQLite", for row titles. */
  storageShort: string;
  root: string;
  /** oxps publisher (pubsub.localhost admin). */
  carol: OxpsDevice;
  /** oxps reader of Libervia-made items. */
  dave: OxpsDevice;
  /** Recipients with OX keys for `secret share` (the first `singles` are for one-recipient shares). */
  recipients: OxpsDevice[];
  singles: OxpsDevice[];
  libervia?: LiberviaPeer;
  /** Why Libervia is not compared with (not installed, failed to start). */
  liberviaAbsent?: string;
  timings: Record<string, number>;
  /** Figures one section measures and another reuses. */
  shared: {
    /** `li blog set -e` times (ms), one per Libervia-made item. */
    liberviaBlogSetMs?: number[];
  };
  stop(): Promise<void>;
}

export const SINGLE_SHARES = 3;

export async function buildWorld(
  config: BenchConfig,
  storage: BenchConfig['storages'][number],
  log: (message: string) => void,
): Promise<World> {
  const timings: Record<string, number> = {};
  const root = await mkdtemp(join(tmpdir(), 'oxps-bench-'));
  // The server's data in RAM (tmpfs) where there is one: Prosody's SQLite storage syncs to disk
  // on every publish, which made the server, not oxps, the bottleneck (55 items/s on this VM's
  // disk, 285/s on tmpfs). The oxps and Libervia clients keep their files on the normal disk.
  // Prosody's file storage as people run it: on disk (issue 14), unless BENCH_SERVER_DIR says otherwise
  const serverRoot = await mkdtemp(
    join(
      storage === 'internal' ? (config.serverDirGiven ? config.serverDir : tmpdir()) : config.serverDir,
      'oxps-bench-prosody-',
    ),
  );
  const recipientNames = Array.from(
    { length: config.recipients },
    (_, i) => `r${String(i + 1).padStart(2, '0')}`,
  );
  const singleNames = Array.from({ length: SINGLE_SHARES }, (_, i) => `single${i + 1}`);
  const sqlite = storage === 'sqlite';
  let t = Date.now();
  const server = await startProsody({
    sqlite,
    dir: serverRoot,
    extraAccounts: ['dave', ...singleNames, ...recipientNames],
    pubsubAdmins: [`alice@${DOMAIN}`, `carol@${DOMAIN}`],
  });
  timings.prosodyStartMs = Date.now() - t;
  log(
    `Prosody (${sqlite ? 'SQLite' : 'internal file'} storage) on 127.0.0.1:${server.port}, ${4 + 1 + singleNames.length + recipientNames.length} accounts, in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  const address: ServerAddress = { port: server.port, certFile: server.certFile, domain: DOMAIN };
  const devicesDir = join(root, 'devices');
  await mkdir(devicesDir, { recursive: true });

  let libervia: LiberviaPeer | undefined;
  let liberviaAbsent = config.libervia ? await liberviaMissing() : 'skipped (BENCH_LIBERVIA=0)';
  const stop = async () => {
    await libervia?.stop();
    await server.stop();
    if (!config.keep) {
      await rm(root, { recursive: true, force: true });
      await rm(serverRoot, { recursive: true, force: true });
    } else {
      log(`kept ${root} and ${serverRoot} (BENCH_KEEP=1)`);
    }
  };
  try {
    t = Date.now();
    const [carol, dave] = await Promise.all([
      OxpsDevice.create('carol', devicesDir, address),
      OxpsDevice.create('dave', devicesDir, address),
    ]);
    const recipients: OxpsDevice[] = [];
    const singles: OxpsDevice[] = [];
    for (const name of [...singleNames, ...recipientNames]) {
      const home = join(devicesDir, name);
      await mkdir(home, { recursive: true, mode: 0o700 });
      const device = new OxpsDevice(name, home, address);
      await generateAndPublishKey(device);
      (singleNames.includes(name) ? singles : recipients).push(device);
    }
    timings.devicesMs = Date.now() - t;
    log(
      `oxps devices carol, dave and ${singles.length + recipients.length} recipients with OX keys in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );

    if (!liberviaAbsent) {
      t = Date.now();
      libervia = new LiberviaPeer(config.liberviaDir, server.port);
      try {
        await libervia.start(['alice', 'bob']);
        timings.liberviaStartMs = Date.now() - t;
        log(
          `Libervia backend and profiles alice, bob (INTEROP_DIR=${config.liberviaDir}) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
        );
      } catch (error) {
        liberviaAbsent = `Libervia failed to start: ${(error as Error).message.split('\n')[0]}`;
        log(liberviaAbsent);
        await libervia.stop();
        libervia = undefined;
      }
    } else {
      log(`Libervia: ${liberviaAbsent}`);
    }
    return {
      server,
      address,
      storageShort: sqlite ? 'SQLite' : 'file storage',
      storage: `${sqlite ? 'SQLite (Prosody storage = "sql", lua-dbi-sqlite3)' : 'Prosody internal file storage'}, data in ${serverRoot}`,
      root,
      carol,
      dave,
      recipients,
      singles,
      libervia,
      liberviaAbsent,
      timings,
      shared: {},
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
