// The library (`import { openAccount } from 'oxps'`): the CLI's use cases for code that seeds
// or reads encrypted nodes (CI fixtures, bots), through the same src/app functions the commands
// call. Every failure is an OxpsError whose code is the one `--json` prints and whose exitCode
// is the CLI's exit status.
import { OxpsError, toOxpsError } from '../errors.js';
import type { AppContext } from '../app/context.js';
import type { ContextOptions } from '../app/context.js';
import type { Attached, FetchedItem, FetchedItemJson, ItemBase, Payload } from '../app/fetch.js';
import type { EncryptNodeResult, NodeSecret } from '../app/encryptNode.js';
import type { PublishedItem } from '../app/publish.js';
import type { BulkResult } from '../app/bulkPublish.js';
import type { ShareResult } from '../app/secrets/share.js';
import type { RotateResult } from '../app/secrets/rotate.js';
import type { SecretListing, SecretView } from '../app/secrets/list.js';
import type { SyncReport } from '../app/sync.js';
import type { DeliveryReport } from '../app/secrets/notify.js';
import type { AttachmentView, SignatureStatus, SignatureView } from '../app/signatures.js';
import type { TrustPolicy } from '../store/config.js';
import type { KeystoreChoice, KeystoreKind } from '../store/keystore/keystore.js';
import type { LogSink } from '../app/openContext.js';

export { OxpsError, EXIT, isOxpsError, type ErrorCode, type ExitCode } from '../errors.js';
export type {
  FetchedItem,
  FetchedItemJson,
  ItemBase,
  Payload,
  Attached,
  AttachmentView,
  SignatureView,
  SignatureStatus,
  SecretView,
  NodeSecret,
  KeystoreChoice,
  KeystoreKind,
  EncryptNodeResult,
  PublishedItem,
  BulkResult,
  ShareResult,
  RotateResult,
  SecretListing,
  SyncReport,
  DeliveryReport,
  TrustPolicy,
  LogSink,
};

/** Where the server is, when DNS SRV records of the JID's domain do not say. */
export interface ServerOptions {
  /** Host to connect to (default: the JID's domain, via SRV). */
  host?: string;
  port?: number;
  /** Path of a PEM file holding the CA that signed the server's certificate (self-signed test servers). */
  tlsCa?: string;
  /** Which contacts' keys are used: btbv (default: blind trust before verification), manual, always. */
  trust?: TrustPolicy;
}

/**
 * An account used without a profile: nothing is read from or written to disk (no configuration,
 * keystore, state, journal or cache). See {@link openAccount} for what is lost at close().
 */
export interface AccountOptions extends ServerOptions {
  /** Bare JID, e.g. `ci@example.org`. */
  jid: string;
  password: string;
  /**
   * Armored OpenPGP private key of the account (`oxps key backup`-style export, or one kept
   * from an earlier run). Absent: a key is generated in memory and published on first use.
   */
  key?: string;
}

export interface OpenOptions {
  /** Seconds to wait for the server (connection, each request). Default 30. */
  timeoutSeconds?: number;
  /** Profile only: seconds to wait for another oxps run holding the profile. Default 30. */
  lockWaitSeconds?: number;
  /** Profile only: which keystore holds the profile's secrets (default: the profile's). */
  keystore?: KeystoreChoice;
  /** Profile only: passphrase of the vault keystore (default: OXPS_PASSPHRASE). */
  passphrase?: string;
  /**
   * Before each call, process pending secret messages (secrets shared with this account, notices
   * a killed run left), as every CLI command does unless --no-sync. Default true.
   */
  sync?: boolean;
  /** Notices and warnings (what the CLI prints on stderr). Default: written to stderr. */
  log?: LogSink;
}

/** A node: on `service` (a pubsub component), or on the account's own PEP service when absent. */
export interface NodeAddress {
  node: string;
  service?: string;
}

export interface EncryptNodeOptions extends NodeAddress {
  /** Convert an existing node that is not whitelisted (its items stay as they are). Default false. */
  convert?: boolean;
}

export interface PublishOptions extends NodeAddress {
  /** One XML element that declares its namespace, e.g. `<entry xmlns="http://www.w3.org/2005/Atom">…</entry>`. */
  payload: string;
  /** Item id (default: random, as XEP-0473 advises). */
  id?: string;
  /** Publish in clear; on an encrypted node only with `force`. */
  plaintext?: boolean;
  force?: boolean;
  /** Sign the item with the account's key (XEP-0475). */
  sign?: boolean;
}

export interface BatchItem {
  id?: string;
  payload: string;
  sign?: boolean;
}

export interface PublishManyOptions extends NodeAddress {
  items: readonly BatchItem[];
  plaintext?: boolean;
  force?: boolean;
  sign?: boolean;
  /** Publish requests in flight at once. Default 16. */
  window?: number;
  /** Reconnections allowed when the connection drops. Default 5. */
  retries?: number;
  /** Publish even when the node keeps fewer items than the batch (the oldest are dropped). */
  allowDrop?: boolean;
  /**
   * Stops the batch after the requests in flight (rejects with code INTERRUPTED). Publishing the
   * same items again resumes it: with a profile, from its journal file, even in another process;
   * without one, within this Oxps object.
   */
  signal?: AbortSignal;
  /** Called after each acknowledged item: items of the batch on the server, of `total`. */
  onProgress?: (published: number, total: number) => void;
}

export interface FetchOptions extends NodeAddress {
  /** The newest `max` items (default 10, as `oxps fetch`). */
  max?: number;
  /** Every item, in pages (for nodes the service cuts short). */
  all?: boolean;
  /** These items only. */
  ids?: string[];
  /** Check each item's signature (XEP-0475), as `oxps fetch` does. Default true. */
  verify?: boolean;
  /** Give each item's attachments (XEP-0470), decrypted. */
  attachments?: boolean;
  /** Largest decrypted payload accepted, in bytes (default 1 MiB); bigger items come as failed. */
  maxItemBytes?: number;
}

export interface ShareOptions extends NodeAddress {
  /** Bare JIDs of the readers. */
  with: string[];
  /** Only these secrets (default: the node's current ones). */
  secretIds?: string[];
  /** Whitelist now; readers without a usable key get the secrets once it appears (on a later call). */
  whitelistOnly?: boolean;
}

export interface RevokeOptions extends NodeAddress {
  secretId: string;
  /** Whom to notify (default: everyone the secret was shared with). */
  recipients?: string[];
  reason?: string;
}

export interface RotateOptions extends NodeAddress {
  /** Who gets the new secret (default: the node's whitelist, less `remove`). */
  recipients?: string[];
  /** Readers removed from the whitelist, who do not get the new secret. */
  remove?: string[];
  reason?: string;
}

export interface ListSecretsOptions extends NodeAddress {
  /** Include each secret's key (XEP-0473 `key`). Default false. */
  showKeys?: boolean;
}

export interface SyncOptions {
  /** Read the whole message archive again, not only what came since the last sync. */
  full?: boolean;
}

/**
 * Opens an account: a profile of the oxps configuration (by name; `undefined`: OXPS_PROFILE,
 * OXPS_JID or the default profile, as the CLI; the password from OXPS_PASSWORD or the keystore),
 * or a JID and password with no profile at all.
 *
 * Without a profile nothing touches the disk, and what the account learns lives in this object:
 * at `close()` it loses the secrets it received (shared with it by others) and the OpenPGP key
 * if it was generated here. To keep them, give `key` (the armored key, e.g. read back with
 * {@link Oxps.exportKey} before close and stored as a CI secret) and re-read shared secrets with
 * `sync({ full: true })`, or use a profile (`oxps profile add`, then `openAccount('name')`),
 * which keeps key, secrets and state in its keystore and state file as the CLI does.
 */
export function openAccount(
  account: string | AccountOptions | undefined,
  options: OpenOptions = {},
): Promise<Oxps> {
  return open(account, options).catch((error: unknown) => Promise.reject(toOxpsError(error)));
}

async function open(account: string | AccountOptions | undefined, options: OpenOptions): Promise<Oxps> {
  const { logReporter, openMemoryContext, openProfileContext } = await import('../app/openContext.js');
  const reporter = logReporter(options.log);
  const contextOptions: ContextOptions = {
    timeoutSeconds: options.timeoutSeconds ?? 30,
    lockWaitMs: (options.lockWaitSeconds ?? 30) * 1000,
    confirm: (question, instead) =>
      Promise.reject(new OxpsError('USAGE', `${question}: a library call cannot ask`, instead)),
  };
  if (typeof account === 'object') {
    const ctx = await openMemoryContext(account, reporter, contextOptions);
    return new Oxps(ctx, options, { generateKey: account.key === undefined, publishKey: true });
  }
  const { openKeystore } = await import('../store/keystore/open.js');
  const { checkProfileName } = await import('../store/paths.js');
  const ctx = await openProfileContext({
    profile: account === undefined ? undefined : checkProfileName(account, 'openAccount'),
    keystore: (profileChoice) =>
      openKeystore({
        choice: options.keystore ?? profileChoice ?? 'auto',
        passphrase: ({ attempt }) =>
          Promise.resolve(attempt === 1 ? (options.passphrase ?? process.env.OXPS_PASSPHRASE) : undefined),
        notice: (message) => reporter.notice(message),
        verbose: () => undefined,
        lockWaitMs: contextOptions.lockWaitMs,
      }),
    reporter,
    // as the CLI: OXPS_PASSWORD, else the keystore's (the CI form of OXPS_JID needs no keystore entry)
    options: {
      ...contextOptions,
      passwordOverride: () => Promise.resolve(process.env.OXPS_PASSWORD || undefined),
    },
  });
  return new Oxps(ctx, options, { generateKey: false, publishKey: false });
}

/** An open account. Calls run one after the other (a fetch holds the account until its iteration ends). */
export class Oxps {
  private queue: Promise<void> = Promise.resolve();
  private keyReady: Promise<void> | undefined;
  private closed = false;

  /** @internal built by {@link openAccount} */
  constructor(
    private readonly ctx: AppContext,
    private readonly options: OpenOptions,
    private readonly ownKey: { generateKey: boolean; publishKey: boolean },
  ) {}

  /** The account's bare JID. */
  get jid(): string {
    return this.ctx.bareJid;
  }

  /** Makes the node encrypted (XEP-0473): created whitelisted if absent, with a first secret. */
  encryptNode(options: EncryptNodeOptions): Promise<EncryptNodeResult> {
    return this.run(async (ctx) => {
      const { encryptNode } = await import('../app/encryptNode.js');
      return encryptNode(ctx, {
        service: this.service(options),
        node: options.node,
        confirmConversion: () => Promise.resolve(options.convert ?? false),
      });
    });
  }

  /** Publishes one item, encrypted with the node's current secret unless `plaintext`. */
  publish(options: PublishOptions): Promise<PublishedItem & { service: string; node: string }> {
    return this.run(async (ctx) => {
      const { parsePayload, publishItem } = await import('../app/publish.js');
      const service = this.service(options);
      const payload = parsePayload(options.payload, 'the payload');
      const published = await publishItem(
        ctx,
        {
          service,
          node: options.node,
          plaintext: options.plaintext,
          force: options.force,
          sign: options.sign,
        },
        { ...(options.id ? { id: options.id } : {}), payload },
      );
      return { service, node: options.node, ...published };
    });
  }

  /** Publishes a batch, pipelined and resumable (`oxps publish --jsonl`). */
  publishMany(options: PublishManyOptions): Promise<BulkResult> {
    return this.run(async (ctx) => {
      const { bulkPublish } = await import('../app/bulkPublish.js');
      return bulkPublish(ctx, {
        service: this.service(options),
        node: options.node,
        plaintext: options.plaintext,
        force: options.force,
        sign: options.sign,
        text: options.items.map((item) => JSON.stringify(item)).join('\n'),
        window: options.window ?? 16,
        retries: options.retries ?? 5,
        allowDrop: options.allowDrop,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    });
  }

  /**
   * The node's items, decrypted, in the shape `oxps fetch --json` prints each of them. Items that
   * cannot be read come with `status` failed and a reason, never dropped.
   */
  async *fetch(options: FetchOptions): AsyncGenerator<FetchedItemJson, void, undefined> {
    let release!: () => void;
    const turn = this.take(new Promise<void>((resolve) => (release = resolve)));
    try {
      await turn;
      const ctx = await this.ready();
      const { fetchItems } = await import('../app/fetch.js');
      const request = {
        service: this.service(options),
        node: options.node,
        max: options.max,
        all: options.all,
        ids: options.ids,
        verify: options.verify ?? true,
        attachments: options.attachments,
        maxItemBytes: options.maxItemBytes,
      };
      for await (const item of fetchItems(ctx, request)) yield withoutElement(item);
    } catch (error) {
      throw toOxpsError(error);
    } finally {
      await this.ctx.releaseState().catch(() => undefined);
      release();
    }
  }

  /** Whitelists readers and sends them the node's secrets (`oxps secret share`). */
  share(options: ShareOptions): Promise<ShareResult> {
    return this.run(async (ctx) => {
      const { shareSecrets } = await import('../app/secrets/share.js');
      return shareSecrets(ctx, {
        service: this.service(options),
        node: options.node,
        recipients: options.with,
        secretIds: options.secretIds,
        whitelistOnly: options.whitelistOnly,
      });
    });
  }

  /** Marks a secret revoked and tells its holders (`oxps secret revoke`). */
  revoke(
    options: RevokeOptions,
  ): Promise<DeliveryReport & { service: string; node: string; secretId: string; recipients: string[] }> {
    return this.run(async (ctx) => {
      const { revokeSecret } = await import('../app/secrets/revoke.js');
      return revokeSecret(ctx, { ...options, service: this.service(options) });
    });
  }

  /** Revokes the current secret and sends a new one to the remaining readers (`oxps secret rotate`). */
  rotate(options: RotateOptions): Promise<RotateResult> {
    return this.run(async (ctx) => {
      const { rotateSecret } = await import('../app/secrets/rotate.js');
      return (await rotateSecret(ctx, { ...options, service: this.service(options) })) as RotateResult;
    });
  }

  /** The node's secrets known to this account (`oxps secret list`). */
  listSecrets(options: ListSecretsOptions): Promise<SecretListing> {
    return this.run(async (ctx) => {
      const { listSecrets } = await import('../app/secrets/list.js');
      return listSecrets(ctx, this.service(options), options.node, Boolean(options.showKeys));
    });
  }

  /** Processes secret messages: the archive and offline storage (`oxps sync`). */
  sync(options: SyncOptions = {}): Promise<SyncReport> {
    return this.run(
      async (ctx) => {
        const { deliverPending } = await import('../app/secrets/notify.js');
        const { syncMessages } = await import('../app/sync.js');
        await deliverPending(ctx);
        return syncMessages(ctx, { offline: true, full: options.full });
      },
      { quickSync: false },
    );
  }

  /** The account's armored OpenPGP private key (to keep a key generated without a profile). */
  exportKey(): Promise<string> {
    return this.run(async (ctx) => (await (await ctx.keyring()).ownKey()).armor(), { quickSync: false });
  }

  /**
   * Logs out and releases the profile, after the calls under way (end or break a fetch loop
   * first). Without a profile, everything the object held is gone.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.ctx.close();
  }

  private service(address: NodeAddress): string {
    return address.service ?? this.ctx.bareJid;
  }

  /** Runs `work` when the calls before it are done, then releases the profile for other runs. */
  private run<T>(work: (ctx: AppContext) => Promise<T>, { quickSync = true } = {}): Promise<T> {
    const result = this.take(Promise.resolve()).then(async () => {
      try {
        return await work(await this.ready(quickSync));
      } catch (error) {
        throw toOxpsError(error);
      } finally {
        await this.ctx.releaseState();
      }
    });
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Waits for the calls before, and makes the next ones wait for `until`. */
  private take(until: Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new OxpsError('USAGE', 'this oxps account is closed'));
    const previous = this.queue;
    this.queue = previous.then(() => until);
    return previous;
  }

  /** The context, with the account's key made and published if needed, and pending messages processed. */
  private async ready(quickSync = true): Promise<AppContext> {
    const ctx = this.ctx;
    this.keyReady ??= this.prepareKey().catch((error: unknown) => {
      this.keyReady = undefined;
      throw error;
    });
    await this.keyReady;
    if (quickSync && this.options.sync !== false) {
      const { quickSync: sync } = await import('../app/sync.js');
      await sync(ctx);
    }
    return ctx;
  }

  private async prepareKey(): Promise<void> {
    const { generateOwnKey, publishOwnKey } = await import('../app/ox/keys.js');
    if (this.ownKey.generateKey) await generateOwnKey(this.ctx, 'curve25519', false);
    if (this.ownKey.publishKey) await publishOwnKey(this.ctx);
  }
}

function withoutElement(item: FetchedItem): FetchedItemJson {
  if (!('element' in item)) return item;
  const json: Partial<typeof item> = { ...item };
  delete json.element;
  return json as FetchedItemJson;
}
