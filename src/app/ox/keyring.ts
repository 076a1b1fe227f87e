// The profile's OpenPGP keyring (XEP-0373): our private key (from the keystore), contacts'
// public keys (fetched from their PEP, cached in the state with their trust), and which of
// them may be used under the trust policy. Parsed keys are kept for the run.
import type * as openpgp from 'openpgp';
import { OxpsError, isOxpsError } from '../../errors.js';
import {
  KeyParseError,
  armorPublic,
  fingerprintOf,
  readArmoredPublicKey,
  readPrivateKey,
  readPublishedKey,
} from '../../crypto/keys.js';
import {
  PUBLIC_KEYS_LIST_NODE,
  PUBLIC_KEYS_LIST_ITEM,
  parsePubkey,
  parsePublicKeysList,
  publicKeyNode,
  MalformedKeyElement,
  type PublicKeyMetadata,
} from '../../protocol/ox/publicKeys.js';
import { xep82DateTime } from '../../protocol/datetime.js';
import type { TrustPolicy } from '../../store/config.js';
import type { AppContext } from '../context.js';
import type { ContactKey, ContactRecord, KeyTrust } from '../state.js';
import { fetchOneItem } from '../pubsubNode.js';
import { discoInfoIq } from '../../protocol/pubsub/disco.js';
import { IqError } from '../../xmpp/session.js';
import { domainOf } from '../../xmpp/jid.js';

/** A hostile or broken list may announce thousands of keys; nobody has more than a few devices. */
export const MAX_KEYS_PER_CONTACT = 32;

/** Bad keys whose warning is remembered (the oldest are forgotten, then warned about again). */
const MAX_WARNED_KEYS = 256;

const NO_ACCESS = new Set([
  'forbidden',
  'not-authorized',
  'not-allowed',
  'presence-subscription-required',
  'registration-required',
  'item-not-found',
]);
/** How a server answers for an account on a domain it cannot reach (or that does not exist). */
const UNREACHABLE = new Set(['remote-server-not-found', 'remote-server-timeout', 'service-unavailable']);

export type KeyUse = 'encrypt to' | 'accept signatures of';

/** No key for a contact; `unreachable` when its server answered that the account cannot be reached (a typo in the domain). */
export class ContactKeyNotFound extends OxpsError {
  constructor(
    readonly jid: string,
    readonly unreachable: boolean,
    message: string,
    hint: string,
  ) {
    super('KEY_NOT_FOUND', message, hint);
  }
}

export class Keyring {
  private own: openpgp.PrivateKey | undefined;
  private ownKeyStored: Promise<boolean> | undefined;
  private readonly parsed = new Map<string, openpgp.PublicKey>();
  /** Contacts whose keys were fetched from PEP during this run. */
  private readonly fresh = new Set<string>();
  /** Contacts whose key list their server would not give us, with its answer. */
  private readonly refused = new Map<string, string>();

  constructor(private readonly ctx: AppContext) {}

  /** Read once per run: the quick sync asks, and the session waits for its answer (see startSession). */
  hasOwnKey(): Promise<boolean> {
    this.ownKeyStored ??= this.own
      ? Promise.resolve(true)
      : this.ctx.keystore.get(this.ctx.account.profile, 'openpgp-key').then(Boolean);
    return this.ownKeyStored;
  }

  async ownKey(): Promise<openpgp.PrivateKey> {
    if (this.own) return this.own;
    const armored = await this.ctx.keystore.get(this.ctx.account.profile, 'openpgp-key');
    if (!armored) {
      throw new OxpsError(
        'KEY_NOT_FOUND',
        `profile "${this.ctx.account.profile}" has no OpenPGP key in ${this.ctx.keystore.description}`,
        'make one: oxps key generate (or restore a backup: oxps key restore)',
      );
    }
    this.own = await readPrivateKey(armored);
    return this.own;
  }

  async setOwnKey(key: openpgp.PrivateKey): Promise<void> {
    await this.ctx.keystore.set(this.ctx.account.profile, 'openpgp-key', key.armor());
    this.own = key;
    this.ownKeyStored = Promise.resolve(true);
  }

  /**
   * The contact's keys, fetched from PEP (new ones only) and merged into the state's record: a
   * list we cannot read leaves the record as it was, and a key gone from the list is kept with
   * its trust, flagged withdrawn (a closed or emptied list must not wipe verified/distrusted marks).
   */
  async refreshContact(jid: string): Promise<ContactRecord | undefined> {
    const state = (await this.ctx.state()).data;
    const previous = state.contacts[jid];
    const announced = await this.fetchKeyList(jid);
    this.fresh.add(jid);
    if (!announced) return previous;
    const keys = await this.mergeKeys(jid, previous?.keys ?? [], announced);
    if (keys.length === 0 && !previous) return undefined;
    const record: ContactRecord = { jid, keys, fetched: xep82DateTime(new Date()) };
    state.contacts[jid] = record;
    return record;
  }

  /** The contact's public keys list; undefined when the server does not let us read it. */
  private async fetchKeyList(jid: string): Promise<PublicKeyMetadata[] | undefined> {
    const session = await this.ctx.session();
    let listItem;
    try {
      // XEP-0373 names the item "current"; should a client name it otherwise, take the latest
      listItem =
        (await fetchOneItem(session, jid, PUBLIC_KEYS_LIST_NODE, PUBLIC_KEYS_LIST_ITEM)) ??
        (await fetchOneItem(session, jid, PUBLIC_KEYS_LIST_NODE));
    } catch (error) {
      // Prosody answers forbidden for a PEP node that does not exist; a closed node is no better
      if (!(error instanceof IqError && (NO_ACCESS.has(error.condition) || UNREACHABLE.has(error.condition))))
        throw error;
      this.refused.set(jid, error.condition);
      this.ctx.reporter.verbose(
        `${jid}'s public keys list: ${error.condition} (cached keys kept as they were)`,
      );
      return undefined;
    }
    const { keys, skipped } = parsePublicKeysList(listItem, MAX_KEYS_PER_CONTACT);
    if (skipped > 0)
      this.ctx.reporter.warn(
        `${jid}'s public key list: ${skipped} entr${skipped === 1 ? 'y' : 'ies'} ignored (malformed, duplicate, or beyond ${MAX_KEYS_PER_CONTACT})`,
      );
    return keys;
  }

  private async mergeKeys(
    jid: string,
    previous: ContactKey[],
    announced: PublicKeyMetadata[],
  ): Promise<ContactKey[]> {
    const local =
      jid === this.ctx.bareJid && (await this.hasOwnKey()) ? fingerprintOf(await this.ownKey()) : undefined;
    const listed: ContactKey[] = [];
    for (const meta of announced) {
      const known = previous.find((k) => k.fingerprint === meta.fingerprint);
      if (known) {
        const { withdrawn: _, ...kept } = known;
        listed.push({ ...kept, published: meta.date });
        continue;
      }
      const key = await this.downloadKey(jid, meta);
      if (!key) continue;
      listed.push({
        fingerprint: meta.fingerprint,
        armored: armorPublic(key),
        created: xep82DateTime(key.getCreationTime()),
        published: meta.date,
        trust: 'undecided',
      });
      if (jid === this.ctx.bareJid && meta.fingerprint !== local) this.announceOwnKey(meta.fingerprint);
    }
    const now = xep82DateTime(new Date());
    const gone = previous
      .filter((k) => !announced.some((m) => m.fingerprint === k.fingerprint))
      .map((k) => ({ ...k, withdrawn: k.withdrawn ?? now }));
    return [...listed, ...boundedHistory(gone)];
  }

  /**
   * Whoever can write our PEP (the server's operator, someone with our password) can add a key
   * to our list: say so once, when the key first appears, with the command that shuts it out.
   */
  private announceOwnKey(fingerprint: string): void {
    const jid = this.ctx.bareJid;
    this.ctx.reporter.warn(
      `a new key ${fingerprint} is on your own public keys list (${jid}), not this device's: if it is not one of your devices, ` +
        `distrust it: oxps key trust ${jid} ${fingerprint} --distrust (if it is, compare the fingerprint there, then: oxps key trust ${jid} ${fingerprint})`,
    );
  }

  private async downloadKey(jid: string, meta: PublicKeyMetadata): Promise<openpgp.PublicKey | undefined> {
    try {
      const item = await fetchOneItem(await this.ctx.session(), jid, publicKeyNode(meta.fingerprint));
      const key = await readPublishedKey(parsePubkey(item), { fingerprint: meta.fingerprint, bareJid: jid });
      this.parsed.set(meta.fingerprint, key);
      return key;
    } catch (error) {
      const unreadable = error instanceof IqError && NO_ACCESS.has(error.condition);
      if (error instanceof KeyParseError || error instanceof MalformedKeyElement || unreadable) {
        await this.warnOnce(jid, meta, unreadable ? `its node answered ${error.condition}` : error.message);
        return undefined;
      }
      throw error;
    }
  }

  /**
   * A bad key stays bad on every refresh: warn when its list entry or the problem changes, and
   * only in verbose output otherwise (the state remembers what was said, for a bounded number).
   */
  private async warnOnce(jid: string, meta: PublicKeyMetadata, problem: string): Promise<void> {
    const message = `${jid}'s key ${meta.fingerprint} ignored: ${problem}`;
    const warned = ((await this.ctx.state()).data.warnedKeys ??= {});
    const entry = `${jid} ${meta.fingerprint}`;
    const said = `${meta.date} ${problem}`;
    if (warned[entry] === said) {
      this.ctx.reporter.verbose(`${message} (as warned before)`);
      return;
    }
    this.ctx.reporter.warn(message);
    delete warned[entry];
    warned[entry] = said;
    for (const oldest of Object.keys(warned).slice(0, -MAX_WARNED_KEYS)) delete warned[oldest];
  }

  /**
   * The contact's keys we may use under the trust policy. Refreshes from PEP first when asked
   * (or when nothing is cached). Fails with the exact command to run when no key qualifies.
   */
  async usableKeys(jid: string, use: KeyUse, refresh: boolean): Promise<openpgp.PublicKey[]> {
    const state = (await this.ctx.state()).data;
    const stale = !state.contacts[jid] || (refresh && !this.fresh.has(jid));
    const record = stale ? await this.refreshContact(jid) : state.contacts[jid];
    if (!record?.keys.some((k) => !k.withdrawn)) throw await this.noKeyError(jid);
    const chosen = await this.applyTrust(jid, record, use);
    return Promise.all(chosen.map((k) => this.publicKey(k)));
  }

  /**
   * Why there is no key: a domain that does not answer (a typo such as bob@locahost) is told
   * apart from an account without a key. Servers answer alike for an account that does not
   * exist and one that has published nothing (forbidden, item-not-found), so that stays open.
   */
  private async noKeyError(jid: string): Promise<ContactKeyNotFound> {
    const refused = this.refused.get(jid);
    const domain = domainOf(jid);
    if (refused !== undefined && domain !== domainOf(this.ctx.bareJid)) {
      const unreachable = await (
        await this.ctx.session()
      )
        .iq(discoInfoIq(domain), `asking ${domain} what it is`)
        .then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof IqError) return error.condition;
            if (isOxpsError(error, 'TIMEOUT')) return 'no answer';
            throw error;
          },
        );
      if (unreachable !== undefined) {
        return new ContactKeyNotFound(
          jid,
          true,
          `${jid} does not exist or cannot be reached: its server ${domain} answered ${unreachable}`,
          `check the address (a typo in the domain?)`,
        );
      }
    }
    const answered = refused
      ? ` (${domain} answered ${refused}: the account may not exist, or has published no key)`
      : '';
    return new ContactKeyNotFound(
      jid,
      false,
      `no OpenPGP key published for ${jid}${answered}`,
      `check the address; if it is right, ${jid} needs an OX client (oxps key generate, Libervia, Gajim) that publishes a key to PEP node ${PUBLIC_KEYS_LIST_NODE}`,
    );
  }

  private async applyTrust(jid: string, record: ContactRecord, use: KeyUse): Promise<ContactKey[]> {
    const policy = this.policy();
    const live = record.keys.filter(isLive);
    const chosen = keysUnderPolicy(record.keys, policy);
    if (policy === 'manual' && chosen.length === 0) {
      // manual trust: ask on a terminal, else say which command trusts the key. Without a
      // terminal the key stays untrusted (UNTRUSTED_KEY below): a usage error here would abort
      // a whole sync on the first message of an unverified contact.
      for (const key of live.filter((k) => k.trust === 'undecided')) {
        const command = `oxps key trust ${jid} ${key.fingerprint}`;
        const confirmed = await this.ctx.options
          .confirm(
            `Trust ${jid}'s key ${key.fingerprint} (created ${key.created}) to ${use} them?`,
            `run: ${command}`,
          )
          .catch((error: unknown) => {
            if (isOxpsError(error, 'NEEDS_TTY')) return false;
            throw error;
          });
        if (confirmed) {
          key.trust = 'verified';
          chosen.push(key);
        }
      }
    }
    if (chosen.length > 0) return chosen;
    const example = live.find((k) => k.trust === 'undecided') ?? live[0] ?? record.keys[0];
    throw new OxpsError(
      'UNTRUSTED_KEY',
      `no trusted OpenPGP key of ${jid} to ${use} (trust policy ${policy})`,
      example
        ? `check the fingerprint with ${jid}, then: oxps key trust ${jid} ${example.fingerprint}`
        : undefined,
    );
  }

  /**
   * Keys of `jid` on their list and not distrusted that the trust policy does not let us use
   * (yet): a message signed by one is kept for a later sync --full instead of being dropped.
   */
  async heldBackKeys(jid: string): Promise<openpgp.PublicKey[]> {
    const keys = await this.candidateKeys(jid);
    const used = new Set(keysUnderPolicy(keys, this.policy()));
    return Promise.all(keys.filter((k) => isLive(k) && !used.has(k)).map((k) => this.publicKey(k)));
  }

  /**
   * The keys a signature by `jid` may be checked with — every cached key, distrusted and
   * withdrawn ones included, so that such a signature is told apart from a bad one — and the
   * fingerprints the trust policy accepts without asking (this device's own key always). Looks
   * the contact up on PEP when nothing is cached or when asked.
   */
  async signatureKeys(
    jid: string,
    refresh: boolean,
  ): Promise<{ keys: openpgp.PublicKey[]; trusted: Set<string> }> {
    const state = (await this.ctx.state()).data;
    if (!state.contacts[jid] || (refresh && !this.fresh.has(jid))) await this.refreshContact(jid);
    const cached = await this.candidateKeys(jid);
    const keys = await Promise.all(cached.map((k) => this.publicKey(k)));
    const trusted = new Set(keysUnderPolicy(cached, this.policy()).map((k) => k.fingerprint));
    if (jid === this.ctx.bareJid && (await this.hasOwnKey())) {
      const own = await this.ownKey();
      keys.push(own.toPublic());
      trusted.add(fingerprintOf(own));
    }
    return { keys, trusted };
  }

  /** The cached keys of `jid` the trust policy applies to: for our own account, all but this device's. */
  private async candidateKeys(jid: string): Promise<ContactKey[]> {
    const keys = (await this.ctx.state()).data.contacts[jid]?.keys ?? [];
    if (jid !== this.ctx.bareJid || !(await this.hasOwnKey())) return keys;
    const local = fingerprintOf(await this.ownKey());
    return keys.filter((k) => k.fingerprint !== local);
  }

  private policy(): TrustPolicy {
    return this.ctx.account.trust ?? 'btbv';
  }

  /** Sets the trust of a contact's key (fetching the contact's keys if needed). */
  async setTrust(jid: string, fingerprint: string, trust: KeyTrust): Promise<ContactKey> {
    const state = (await this.ctx.state()).data;
    const wanted = fingerprint.replace(/\s+/g, '').toUpperCase();
    if (
      jid === this.ctx.bareJid &&
      (await this.hasOwnKey()) &&
      wanted === fingerprintOf(await this.ownKey())
    ) {
      throw new OxpsError(
        'USAGE',
        `${wanted} is this device's own key: it is always trusted`,
        'to stop using it, replace it: oxps key generate --force',
      );
    }
    let key = state.contacts[jid]?.keys.find((k) => k.fingerprint === wanted);
    if (!key) key = (await this.refreshContact(jid))?.keys.find((k) => k.fingerprint === wanted);
    if (!key)
      throw new OxpsError(
        'KEY_NOT_FOUND',
        `${jid} has no published key ${wanted}`,
        `list them: oxps key list ${jid}`,
      );
    key.trust = trust;
    return key;
  }

  /**
   * Our own key, and the other keys on our list that the trust policy accepts (as a contact's
   * would be): copies of what we send are encrypted to them, and they may sign messages "from us".
   */
  async ownEncryptionKeys(): Promise<openpgp.PublicKey[]> {
    const own = (await this.ownKey()).toPublic();
    if (!this.fresh.has(this.ctx.bareJid)) await this.refreshContact(this.ctx.bareJid);
    const others = keysUnderPolicy(await this.candidateKeys(this.ctx.bareJid), this.policy());
    return [own, ...(await Promise.all(others.map((k) => this.publicKey(k))))];
  }

  async publicKey(key: ContactKey): Promise<openpgp.PublicKey> {
    let parsed = this.parsed.get(key.fingerprint);
    if (!parsed) {
      parsed = await readArmoredPublicKey(key.armored);
      if (fingerprintOf(parsed) !== key.fingerprint)
        throw new OxpsError('STATE_CORRUPT', `cached key ${key.fingerprint} does not match its fingerprint`);
      this.parsed.set(key.fingerprint, parsed);
    }
    return parsed;
  }
}

function isLive(key: ContactKey): boolean {
  return key.trust !== 'distrusted' && !key.withdrawn;
}

/**
 * The keys a policy uses without asking, never distrusted or withdrawn ones. always: all the
 * others; manual: verified ones; btbv: all until one key was ever verified, then verified ones
 * (so that a key announced after the verified one was withdrawn is not used blindly).
 */
export function keysUnderPolicy(keys: ContactKey[], policy: TrustPolicy): ContactKey[] {
  const live = keys.filter(isLive);
  if (policy === 'always' || (policy === 'btbv' && !keys.some((k) => k.trust === 'verified'))) return live;
  return live.filter((k) => k.trust === 'verified');
}

/**
 * Withdrawn keys kept in a record: all those the user decided on (verified, distrusted), and the
 * latest undecided ones up to MAX_KEYS_PER_CONTACT, so that a list rewritten again and again
 * cannot grow the state without end.
 */
function boundedHistory(withdrawn: ContactKey[]): ContactKey[] {
  const undecided = withdrawn
    .filter((k) => k.trust === 'undecided')
    .sort((a, b) => (b.withdrawn ?? '').localeCompare(a.withdrawn ?? ''));
  const dropped = new Set(undecided.slice(MAX_KEYS_PER_CONTACT));
  return withdrawn.filter((k) => !dropped.has(k));
}
