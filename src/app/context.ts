// What a use case works with: the account, its keystore and state, a lazily opened session,
// and a reporter. The CLI builds one per run; tests build them the same way.
import { readFile } from 'node:fs/promises';
import { OxpsError } from '../errors.js';
import { Session } from '../xmpp/session.js';
import { domainOf } from '../xmpp/jid.js';
import type { Keystore } from '../store/keystore/keystore.js';
import type { Reporter } from '../ui/reporter.js';
import type { TrustPolicy } from '../store/config.js';
import type { ProfileStateHandle } from './state.js';
import type { Keyring } from './ox/keyring.js';
import { profileStorage, type ContextStorage } from './storage.js';

export interface Account {
  profile: string;
  jid: string;
  host?: string;
  port?: number;
  tlsCa?: string;
  trust?: TrustPolicy;
}

export interface ContextOptions {
  timeoutSeconds: number;
  lockWaitMs: number;
  /** Where the password comes from when it is not in the keystore (OXPS_PASSWORD, --password-command). */
  passwordOverride?: () => Promise<string | undefined>;
  /** Asks the user a yes/no question; without a terminal it throws an error naming `instead`. */
  confirm: (question: string, instead: string) => Promise<boolean>;
}

export class AppContext {
  private sessionPromise: Promise<Session> | undefined;
  private stateHandle: ProfileStateHandle | undefined;
  private keyringPromise: Promise<Keyring> | undefined;

  constructor(
    readonly account: Account,
    readonly keystore: Keystore,
    readonly reporter: Reporter,
    readonly options: ContextOptions,
    readonly storage: ContextStorage = profileStorage(account.profile, keystore),
  ) {}

  get bareJid(): string {
    return this.account.jid;
  }

  /** The profile state, locked for the rest of the run (concurrent runs wait, see --lock-wait). */
  async state(): Promise<ProfileStateHandle> {
    this.stateHandle ??= await this.storage.openState(this.options.lockWaitMs);
    return this.stateHandle;
  }

  /** Unlocks the state (sync --watch holds it only while it processes a message). */
  async releaseState(): Promise<void> {
    await this.stateHandle?.release();
    this.stateHandle = undefined;
  }

  /** The OpenPGP keyring (loaded on first use: it brings in openpgp.js). */
  keyring(): Promise<Keyring> {
    this.keyringPromise ??= import('./ox/keyring.js').then(({ Keyring }) => new Keyring(this));
    return this.keyringPromise;
  }

  session(): Promise<Session> {
    this.sessionPromise ??= this.connect(false);
    return this.sessionPromise;
  }

  /**
   * Starts connecting now, TCP and TLS beside the keystore's unlocking, the login waiting for the
   * password; the session is handed out once `handOutAfter` settles too (what the first requests
   * need locally, so that they leave together). Only where the secrets come without a prompt:
   * the login timeout would run while somebody types.
   */
  startSession(handOutAfter: Promise<unknown>): void {
    this.sessionPromise ??= Promise.all([this.connect(true), handOutAfter.catch(() => undefined)]).then(
      ([session]) => session,
    );
    this.sessionPromise.catch(() => undefined);
  }

  /** Drops the current connection; the next session() call logs in again. */
  async reconnect(): Promise<void> {
    const session = this.sessionPromise;
    this.sessionPromise = undefined;
    await (await session?.catch(() => undefined))?.close();
  }

  /** What this run asked of the server, one line (-v): whether it logged in, requests and round trips. */
  async networkSummary(): Promise<string> {
    const session = await this.sessionPromise?.catch(() => undefined);
    if (!session) return 'network: none';
    const { requests, roundTrips } = session.traffic;
    return `network: login, then ${requests} request(s) in ${roundTrips} round trip(s)`;
  }

  async close(): Promise<void> {
    const session = this.sessionPromise;
    this.sessionPromise = undefined;
    await (await session?.catch(() => undefined))?.close();
    await this.stateHandle?.release();
    this.stateHandle = undefined;
  }

  private async connect(early: boolean): Promise<Session> {
    const { jid, host, port, tlsCa } = this.account;
    const password = this.password();
    password.catch(() => undefined);
    if (!early) await password;
    this.reporter.verbose(`connecting to ${host ?? domainOf(jid)} as ${jid}`);
    const session = await Session.open({
      jid,
      password,
      host,
      port,
      caPem: tlsCa ? await readCaFile(tlsCa) : undefined,
      timeoutSeconds: this.options.timeoutSeconds,
    });
    this.reporter.verbose(`online as ${session.fullJid}`);
    return session;
  }

  private async password(): Promise<string> {
    const { jid, profile } = this.account;
    const password =
      (await this.options.passwordOverride?.()) ?? (await this.keystore.get(profile, 'password'));
    if (!password) {
      throw new OxpsError(
        'PROFILE_NOT_FOUND',
        `no password stored for profile "${profile}" in ${this.keystore.description}`,
        `store one: oxps -p ${profile} profile add ${jid} --force (prompt, --password-file or OXPS_PASSWORD)`,
      );
    }
    return password;
  }
}

export async function readCaFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new OxpsError(
      'INPUT_INVALID',
      `cannot read the CA file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'give a readable PEM file to --tls-ca',
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new OxpsError(
      'INPUT_INVALID',
      `the CA file ${path} holds no PEM certificate`,
      'give a PEM file (-----BEGIN CERTIFICATE-----) to --tls-ca',
    );
  }
  return pem;
}
