// `oxps key …`: our OX identity — generate, publish (XEP-0373 §4), list, trust, back up and
// restore (§5).
import { OxpsError } from '../../errors.js';
import {
  generateKey as generateOpenpgpKey,
  keyInfo,
  fingerprintOf,
  publicKeyBytes,
  hasXmppUserId,
  type KeyAlgorithm,
} from '../../crypto/keys.js';
import { encryptSecretKey, decryptSecretKey, BackupCodeError } from '../../crypto/keyBackup.js';
import {
  PUBLIC_KEYS_LIST_ITEM,
  PUBLIC_KEYS_LIST_NODE,
  PUBLIC_KEY_PUBLISH_OPTIONS,
  buildPubkey,
  buildPublicKeysList,
  parsePublicKeysList,
  publicKeyNode,
  type PublicKeyMetadata,
} from '../../protocol/ox/publicKeys.js';
import {
  SECRET_KEY_NODE,
  SECRET_KEY_PUBLISH_OPTIONS,
  buildSecretKey,
  generateBackupCode,
  normalizeBackupCode,
  parseSecretKey,
} from '../../protocol/ox/secretKey.js';
import { xep82DateTime } from '../../protocol/datetime.js';
import type { AppContext } from '../context.js';
import type { KeyTrust } from '../state.js';
import { fetchOneItem, publishWithOptions } from '../pubsubNode.js';
import { MAX_KEYS_PER_CONTACT } from './keyring.js';

export interface OwnKeyView {
  fingerprint: string;
  created: string;
  algorithm: string;
  published: boolean;
}

export async function generateOwnKey(
  ctx: AppContext,
  algorithm: KeyAlgorithm,
  replace: boolean,
): Promise<{ key: OwnKeyView; replaced?: string }> {
  const keyring = await ctx.keyring();
  let replaced: string | undefined;
  if (await keyring.hasOwnKey()) {
    const current = fingerprintOf(await keyring.ownKey());
    if (!replace) {
      throw new OxpsError(
        'USAGE',
        `profile "${ctx.account.profile}" already has the key ${current}`,
        'keep it, or replace it with: oxps key generate --force',
      );
    }
    replaced = current;
  }
  const key = await generateOpenpgpKey(ctx.bareJid, algorithm);
  await keyring.setOwnKey(key);
  const info = keyInfo(key);
  return {
    key: {
      fingerprint: info.fingerprint,
      created: xep82DateTime(info.created),
      algorithm: info.algorithm,
      published: false,
    },
    replaced,
  };
}

/**
 * Publishes our public key, then adds it to our public keys list, keeping the other devices'
 * keys (and dropping `withdraw`, a key we replaced).
 */
export async function publishOwnKey(
  ctx: AppContext,
  withdraw?: string,
): Promise<OwnKeyView & { list: PublicKeyMetadata[] }> {
  const session = await ctx.session();
  const key = await (await ctx.keyring()).ownKey();
  const { fingerprint, created, algorithm } = keyInfo(key);
  const date = xep82DateTime(created);
  await publishWithOptions(
    session,
    ctx.bareJid,
    publicKeyNode(fingerprint),
    date,
    buildPubkey(publicKeyBytes(key)),
    PUBLIC_KEY_PUBLISH_OPTIONS,
  );
  ctx.reporter.verbose(`published key ${fingerprint} on ${publicKeyNode(fingerprint)}`);
  const current = await ownPublishedList(ctx);
  const list = [
    ...current.filter((k) => k.fingerprint !== fingerprint && k.fingerprint !== withdraw),
    { fingerprint, date },
  ];
  await publishWithOptions(
    session,
    ctx.bareJid,
    PUBLIC_KEYS_LIST_NODE,
    PUBLIC_KEYS_LIST_ITEM,
    buildPublicKeysList(list),
    PUBLIC_KEY_PUBLISH_OPTIONS,
  );
  ctx.reporter.verbose(`public keys list: ${list.map((k) => k.fingerprint).join(', ')}`);
  return { fingerprint, created: date, algorithm, published: true, list };
}

async function ownPublishedList(ctx: AppContext): Promise<PublicKeyMetadata[]> {
  const session = await ctx.session();
  const item =
    (await fetchOneItem(session, ctx.bareJid, PUBLIC_KEYS_LIST_NODE, PUBLIC_KEYS_LIST_ITEM)) ??
    (await fetchOneItem(session, ctx.bareJid, PUBLIC_KEYS_LIST_NODE));
  return parsePublicKeysList(item, MAX_KEYS_PER_CONTACT).keys;
}

/** Re-publishes our key if our list lacks it (another client may have overwritten the list). */
export async function ensureOwnKeyPublished(ctx: AppContext): Promise<void> {
  const fingerprint = fingerprintOf(await (await ctx.keyring()).ownKey());
  if ((await ownPublishedList(ctx)).some((k) => k.fingerprint === fingerprint)) return;
  ctx.reporter.notice(`our key ${fingerprint} was missing from our published list: publishing it again`);
  await publishOwnKey(ctx);
}

export interface KeyListEntry {
  fingerprint: string;
  created: string;
  published?: string;
  trust: KeyTrust | 'own';
  local?: boolean;
  /** Since when the key is missing from the list (not used any more; its trust is kept). */
  withdrawn?: string;
}

export async function listKeys(
  ctx: AppContext,
  jid: string | undefined,
): Promise<{ jid: string; keys: KeyListEntry[] }> {
  const keyring = await ctx.keyring();
  const target = jid ?? ctx.bareJid;
  const record = await keyring.refreshContact(target);
  const keys: KeyListEntry[] = (record?.keys ?? []).map((k) => ({
    fingerprint: k.fingerprint,
    created: k.created,
    published: k.published,
    trust: k.trust,
    ...(k.withdrawn ? { withdrawn: k.withdrawn } : {}),
  }));
  if (target === ctx.bareJid && (await keyring.hasOwnKey())) {
    const own = keyInfo(await keyring.ownKey());
    const entry = keys.find((k) => k.fingerprint === own.fingerprint);
    if (entry) Object.assign(entry, { trust: 'own', local: true });
    else
      keys.unshift({
        fingerprint: own.fingerprint,
        created: xep82DateTime(own.created),
        trust: 'own',
        local: true,
      });
  }
  await (await ctx.state()).save();
  if (keys.length === 0) {
    throw new OxpsError(
      'KEY_NOT_FOUND',
      `no OpenPGP key published for ${target} (PEP node ${PUBLIC_KEYS_LIST_NODE})`,
      target === ctx.bareJid
        ? 'make one: oxps key generate'
        : `${target} needs an OX client that publishes a key`,
    );
  }
  return { jid: target, keys };
}

export async function trustKey(ctx: AppContext, jid: string, fingerprint: string, trust: KeyTrust) {
  const key = await (await ctx.keyring()).setTrust(jid, fingerprint, trust);
  await (await ctx.state()).save();
  return { jid, fingerprint: key.fingerprint, trust: key.trust };
}

/** XEP-0373 §5: encrypts our secret key with a new backup code and stores it on our PEP. */
export async function backupOwnKey(ctx: AppContext): Promise<{ fingerprint: string; backupCode: string }> {
  const key = await (await ctx.keyring()).ownKey();
  const backupCode = generateBackupCode();
  const encrypted = await encryptSecretKey(key, backupCode);
  await publishWithOptions(
    await ctx.session(),
    ctx.bareJid,
    SECRET_KEY_NODE,
    'current',
    buildSecretKey(encrypted),
    SECRET_KEY_PUBLISH_OPTIONS,
  );
  return { fingerprint: fingerprintOf(key), backupCode };
}

export async function restoreOwnKey(
  ctx: AppContext,
  code: string,
  replace: boolean,
): Promise<{ fingerprint: string; created: string }> {
  const keyring = await ctx.keyring();
  if (!replace && (await keyring.hasOwnKey())) {
    throw new OxpsError(
      'USAGE',
      `profile "${ctx.account.profile}" already has a key (${fingerprintOf(await keyring.ownKey())})`,
      'replace it with: oxps key restore --force',
    );
  }
  const normalized = normalizeBackupCode(code);
  if (!normalized)
    throw new OxpsError(
      'INPUT_INVALID',
      'that is not a backup code (6 groups of 4 characters from 1-9 and A-Z without O, joined by -)',
      'check the code you wrote down',
    );
  const item = await fetchOneItem(await ctx.session(), ctx.bareJid, SECRET_KEY_NODE);
  const encrypted = parseSecretKey(item);
  if (!encrypted)
    throw new OxpsError(
      'KEY_NOT_FOUND',
      `no secret key backup on ${ctx.bareJid} (PEP node ${SECRET_KEY_NODE})`,
      'make one from a device that has the key: oxps key backup',
    );
  let key;
  try {
    key = await decryptSecretKey(encrypted, normalized);
  } catch (error) {
    if (error instanceof BackupCodeError)
      throw new OxpsError(
        'DECRYPT_FAILED',
        'wrong backup code: it does not open the backup on the server',
        'check the code (it was shown once by oxps key backup)',
      );
    throw error;
  }
  if (!(await hasXmppUserId(key, ctx.bareJid))) {
    throw new OxpsError(
      'SIGNATURE_INVALID',
      `the backed-up key has no user ID xmpp:${ctx.bareJid}`,
      'this backup belongs to another account',
    );
  }
  await keyring.setOwnKey(key);
  const info = keyInfo(key);
  return { fingerprint: info.fingerprint, created: xep82DateTime(info.created) };
}
