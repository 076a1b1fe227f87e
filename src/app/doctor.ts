// `oxps doctor`: checks, one by one, what oxps needs — a keystore, a profile, a login over
// verified TLS, our OpenPGP key on our PEP, the server features XEP-0473 relies on, a sane
// clock, a readable state — and says for each what is wrong and what to do.
import { stat } from 'node:fs/promises';
import { OxpsError } from '../errors.js';
import { paths } from '../store/paths.js';
import type { Keystore, KeystoreChoice } from '../store/keystore/keystore.js';
import { IqError, serviceAddress, type Session } from '../xmpp/session.js';
import { domainOf } from '../xmpp/jid.js';
import { discoInfoIq, parseDiscoFeatures } from '../protocol/pubsub/disco.js';
import { defaultConfigurationIq, parseAccessModels } from '../protocol/pubsub/defaultConfig.js';
import { entityTimeIq, parseEntityTime } from '../protocol/entityTime.js';
import {
  PUBLIC_KEYS_LIST_ITEM,
  PUBLIC_KEYS_LIST_NODE,
  parsePublicKeysList,
} from '../protocol/ox/publicKeys.js';
import { NS } from '../protocol/namespaces.js';
import type { Account, AppContext } from './context.js';
import { fetchOneItem } from './pubsubNode.js';
import { MAX_KEYS_PER_CONTACT } from './ox/keyring.js';
import type { KeyListEntry } from './ox/keys.js';
import type { PendingShare } from './state.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
  /** Not run, because a check it depends on failed (ok is false then). */
  skipped?: true;
  /** openpgp-key: the keys on our own list (and this device's), with their trust. */
  keys?: KeyListEntry[];
  /** state: readers waiting for a usable key (share --whitelist-only). */
  pendingShares?: PendingShare[];
}

/** How the run would get its account, keystore and context (the CLI's runtime provides them). */
export interface DoctorSetup {
  account(): Promise<{ account: Account; keystoreChoice?: KeystoreChoice }>;
  /** The keystore for the profile's choice, and which kind was asked for (auto may fall back). */
  keystore(choice: KeystoreChoice | undefined): Promise<{ keystore: Keystore; requested: KeystoreChoice }>;
  context(): Promise<AppContext>;
}

/**
 * How far our clock may be from the server's before doctor warns: well inside what a peer accepts
 * (MAX_FUTURE_TIME_MS of a signcrypt <time/>), since a skewed clock also misorders secret timestamps.
 */
export const CLOCK_SKEW_WARNING_MS = 60_000;

export const FEATURES = {
  mam: NS.mam,
  offline: 'msgoffline',
  publishOptions: NS.pubsubPublishOptions,
  whitelist: `${NS.pubsub}#access-whitelist`,
} as const;

type DiscoInfo = ReturnType<typeof parseDiscoFeatures>;

type Outcome<T> = { ok: true; value: T } | { ok: false; check: Omit<DoctorCheck, 'name'> };

async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, check: failed(error) };
  }
}

function failed(error: unknown): Omit<DoctorCheck, 'name'> {
  if (error instanceof OxpsError)
    return { ok: false, detail: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return {
    ok: false,
    detail: `unexpected error: ${(error as Error)?.message ?? String(error)}`,
    hint: 'run again with -v; if it persists, report it',
  };
}

function skipped(name: string, because: string): DoctorCheck {
  return { name, ok: false, detail: `not checked: ${because}`, skipped: true };
}

const SERVER_CHECKS = [
  'openpgp-key',
  'pep',
  'mam',
  'offline-storage',
  'publish-options',
  'whitelist',
  'clock',
] as const;

export async function runDoctor(setup: DoctorSetup, now: () => number = Date.now): Promise<DoctorCheck[]> {
  const profile = await attempt(() => setup.account());
  const profileName = profile.ok ? profile.value.account.profile : undefined;
  const store = await attempt(() => setup.keystore(profile.ok ? profile.value.keystoreChoice : undefined));
  const keystore = store.ok
    ? await keystoreCheck(store.value.keystore, store.value.requested, profileName)
    : { name: 'keystore', ...store.check };
  const checks: DoctorCheck[] = [
    keystore,
    profile.ok ? await profileCheck(profile.value.account) : { name: 'profile', ...profile.check },
  ];
  const skipRest = (because: string) => [
    ...checks,
    ...['login', ...SERVER_CHECKS, 'state'].map((name) => skipped(name, because)),
  ];

  if (!profile.ok) return skipRest('no profile');
  if (!keystore.ok) return skipRest('the keystore is not usable');
  const context = await attempt(() => setup.context());
  if (!context.ok) return skipRest(context.check.detail);
  const ctx = context.value;
  const login = await attempt(() => ctx.session());
  checks.push(login.ok ? loginCheck(ctx, login.value) : { name: 'login', ...login.check });
  if (login.ok) checks.push(...(await serverChecks(ctx, login.value, now)));
  else
    checks.push(
      await ownKeyCheck(ctx, undefined),
      ...SERVER_CHECKS.slice(1).map((name) => skipped(name, 'login failed')),
    );
  checks.push(await stateCheck(ctx));
  return checks;
}

async function keystoreCheck(
  keystore: Keystore,
  requested: KeystoreChoice,
  profile: string | undefined,
): Promise<DoctorCheck> {
  // reading an entry proves that the keychain answers, or that the vault passphrase is right
  const read = await attempt(() => keystore.get(profile ?? 'doctor', 'password'));
  if (!read.ok) return { name: 'keystore', ...read.check };
  if (keystore.kind === 'keychain')
    return { name: 'keystore', ok: true, detail: `${keystore.description} answers` };
  const exists = await stat(paths.vaultFile()).then(
    () => true,
    () => false,
  );
  const why = requested === 'auto' ? ' (the OS keychain did not answer)' : '';
  return {
    name: 'keystore',
    ok: true,
    detail: `${keystore.description}${exists ? ' opens with the passphrase' : ' (made on first use)'}${why}`,
  };
}

async function profileCheck(account: Account): Promise<DoctorCheck> {
  const domain = domainOf(account.jid);
  const { host, port, source } = await serviceAddress(domain, account);
  const origin = {
    host: 'host given: profile add --host or OXPS_HOST',
    srv: `DNS SRV record _xmpp-client._tcp.${domain}`,
    domain:
      domain === 'localhost'
        ? 'the domain itself'
        : `the domain: no DNS SRV record _xmpp-client._tcp.${domain}`,
  }[source];
  const server = `${host}:${port} (${origin})`;
  const ca = account.tlsCa ? `TLS CA ${account.tlsCa}` : 'system TLS roots';
  return { name: 'profile', ok: true, detail: `${account.profile}: ${account.jid} via ${server}, ${ca}` };
}

function loginCheck(ctx: AppContext, session: Session): DoctorCheck {
  const trust = ctx.account.tlsCa ? `the system roots and ${ctx.account.tlsCa}` : 'the system roots';
  return {
    name: 'login',
    ok: true,
    detail: `logged in as ${session.fullJid} over TLS (certificate verified against ${trust})`,
  };
}

async function serverChecks(ctx: AppContext, session: Session, now: () => number): Promise<DoctorCheck[]> {
  const domain = domainOf(ctx.bareJid);
  const discover = async (jid: string) => {
    const info = parseDiscoFeatures(await session.iq(discoInfoIq(jid), `service discovery on ${jid}`));
    const identities = info.identities.map((i) => `${i.category}/${i.type}`).join(', ');
    ctx.reporter.verbose(`${jid} is ${identities || 'nothing'}; features: ${info.features.join(' ')}`);
    return info;
  };
  const [key, serverInfo, accountInfo, clock, accessModels] = await Promise.all([
    ownKeyCheck(ctx, session),
    attempt(() => discover(domain)),
    attempt(() => discover(ctx.bareJid)),
    clockCheck(session, domain, now),
    attempt(async () => {
      const models = parseAccessModels(
        await session.iq(
          defaultConfigurationIq(ctx.bareJid),
          `reading the default node configuration of ${ctx.bareJid}`,
        ),
      );
      ctx.reporter.verbose(
        `access models in the default node configuration of ${ctx.bareJid}: ${models?.join(' ') ?? 'none listed'}`,
      );
      return models;
    }),
  ]);
  const feature = (
    name: string,
    where: 'account' | 'server',
    wanted: string,
    missing: Omit<DoctorCheck, 'name' | 'ok'>,
  ): DoctorCheck => {
    const [jid, info] = where === 'account' ? [ctx.bareJid, accountInfo] : [domain, serverInfo];
    if (!info.ok) return { name, ...info.check };
    return info.value.features.includes(wanted)
      ? { name, ok: true, detail: `${wanted} advertised by ${jid}` }
      : { name, ok: false, ...missing };
  };
  return [
    key,
    pepCheck(ctx.bareJid, accountInfo),
    // XEP-0313 §7: a server archiving its users' messages advertises the feature on their bare JIDs
    feature('mam', 'account', FEATURES.mam, {
      detail: `no message archive (${FEATURES.mam}) for ${ctx.bareJid}`,
      hint: 'oxps sync then misses secrets sent while another client was online: ask for Prosody mod_mam or ejabberd mod_mam',
    }),
    feature('offline-storage', 'server', FEATURES.offline, {
      detail: `${domain} does not advertise offline storage (msgoffline)`,
      hint: 'secrets sent while you are offline may be lost: ask for Prosody mod_offline or ejabberd mod_offline',
    }),
    feature('publish-options', 'account', FEATURES.publishOptions, {
      detail: `${ctx.bareJid} does not advertise publish-options (XEP-0060 §7.1.5)`,
      hint: 'oxps then configures key nodes with a separate request; other OX clients may fail to publish their keys',
    }),
    whitelistCheck(ctx.bareJid, domain, accountInfo, serverInfo, accessModels),
    clock,
  ];
}

function pepCheck(account: string, accountInfo: Outcome<DiscoInfo>): DoctorCheck {
  const name = 'pep';
  if (!accountInfo.ok) return { name, ...accountInfo.check };
  if (accountInfo.value.identities.some((i) => i.category === 'pubsub' && i.type === 'pep')) {
    return { name, ok: true, detail: `${account} is a PEP service (identity pubsub/pep)` };
  }
  return {
    name,
    ok: false,
    detail: `${account} has no PEP service (no identity pubsub/pep)`,
    hint: 'OpenPGP keys live on PEP (XEP-0163): ask the server admin to enable it (Prosody mod_pep, ejabberd mod_pubsub with the pep plugin)',
  };
}

/**
 * XEP-0473 §6 wants encrypted nodes to be whitelist nodes. Servers say so in different places:
 * ejabberd advertises pubsub#access-whitelist on the domain (not on the account), Prosody
 * nowhere, but offers "whitelist" in the access_model field of the PEP default configuration.
 */
function whitelistCheck(
  account: string,
  domain: string,
  accountInfo: Outcome<DiscoInfo>,
  serverInfo: Outcome<DiscoInfo>,
  accessModels: Outcome<string[] | undefined>,
): DoctorCheck {
  const name = 'whitelist';
  const sources: Array<[string, Outcome<DiscoInfo>]> = [
    [account, accountInfo],
    [domain, serverInfo],
  ];
  const advertisedBy = sources.find(
    ([, info]) => info.ok && info.value.features.includes(FEATURES.whitelist),
  )?.[0];
  if (advertisedBy) return { name, ok: true, detail: `${FEATURES.whitelist} advertised by ${advertisedBy}` };
  if (accessModels.ok && accessModels.value?.includes('whitelist')) {
    return {
      name,
      ok: true,
      detail: `the default node configuration of ${account} offers the whitelist access model`,
    };
  }
  return {
    name,
    ok: false,
    detail: `neither ${account} nor ${domain} offers the whitelist access model`,
    hint: 'XEP-0473 nodes should be whitelist nodes: use a pubsub service that has it (-s SERVICE)',
  };
}

/** Our key in the keystore, and (once logged in) on our public keys list. */
async function ownKeyCheck(ctx: AppContext, session: Session | undefined): Promise<DoctorCheck> {
  const name = 'openpgp-key';
  const found = await attempt(async () => {
    const keyring = await ctx.keyring();
    if (!(await keyring.hasOwnKey())) return undefined;
    const { fingerprintOf } = await import('../crypto/keys.js');
    return fingerprintOf(await keyring.ownKey());
  });
  if (!found.ok) return { name, ...found.check };
  const fingerprint = found.value;
  if (!fingerprint) {
    return {
      name,
      ok: false,
      detail: `profile "${ctx.account.profile}" has no OpenPGP key in ${ctx.keystore.description}`,
      hint: 'make one: oxps key generate (or restore a backup: oxps key restore)',
    };
  }
  if (!session)
    return {
      name,
      ok: false,
      detail: `key ${fingerprint} present; not checked whether it is published (login failed)`,
      skipped: true,
    };
  const listed = await attempt(() => publishedFingerprints(session, ctx.bareJid));
  if (!listed.ok) return { name, ...listed.check };
  if (!listed.value.includes(fingerprint)) {
    return {
      name,
      ok: false,
      detail: `key ${fingerprint} is not on the public keys list of ${ctx.bareJid} (PEP node ${PUBLIC_KEYS_LIST_NODE})`,
      hint: 'contacts cannot send you secrets until it is: oxps key publish',
    };
  }
  const keys = await attempt(
    async () => (await (await import('./ox/keys.js')).listKeys(ctx, undefined)).keys,
  );
  if (!keys.ok) return { name, ...keys.check };
  const others = keys.value.filter((k) => !k.local && !k.withdrawn);
  const undecided = others.filter((k) => k.trust === 'undecided');
  return {
    name,
    ok: true,
    detail: `key ${fingerprint}, on the public keys list of ${ctx.bareJid}${others.length ? ` with ${plural(others.length, 'other key')}` : ''}`,
    keys: keys.value,
    ...(undecided.length
      ? {
          hint: `make sure every other key is one of your devices: oxps key trust ${ctx.bareJid} FINGERPRINT (or add --distrust)`,
        }
      : {}),
  };
}

async function publishedFingerprints(session: Session, bareJid: string): Promise<string[]> {
  let item;
  try {
    item =
      (await fetchOneItem(session, bareJid, PUBLIC_KEYS_LIST_NODE, PUBLIC_KEYS_LIST_ITEM)) ??
      (await fetchOneItem(session, bareJid, PUBLIC_KEYS_LIST_NODE));
  } catch (error) {
    // Prosody answers forbidden for a PEP node that does not exist
    if (error instanceof IqError && (error.condition === 'forbidden' || error.condition === 'item-not-found'))
      return [];
    throw error;
  }
  return parsePublicKeysList(item, MAX_KEYS_PER_CONTACT).keys.map((k) => k.fingerprint);
}

/** XEP-0202: our clock against the server's, measured at the middle of the round trip. */
async function clockCheck(session: Session, domain: string, now: () => number): Promise<DoctorCheck> {
  const name = 'clock';
  const sent = now();
  const answer = await attempt(() =>
    session.iq(entityTimeIq(domain), `asking ${domain} for its time (XEP-0202)`),
  );
  const received = now();
  if (!answer.ok)
    return {
      name,
      ...answer.check,
      hint: 'the server does not tell its time (XEP-0202: Prosody mod_time, ejabberd mod_time)',
    };
  const serverTime = parseEntityTime(answer.value);
  if (!serverTime) return { name, ok: false, detail: `${domain} answered no valid time (XEP-0202)` };
  const skew = (sent + received) / 2 - serverTime.getTime();
  const amount = `${(Math.abs(skew) / 1000).toFixed(1)} s`;
  const detail = `our clock is ${amount} ${skew >= 0 ? 'ahead of' : 'behind'} ${domain}'s`;
  if (Math.abs(skew) <= CLOCK_SKEW_WARNING_MS) return { name, ok: true, detail };
  return {
    name,
    ok: false,
    detail,
    hint: 'signature times and secret timestamps depend on it: set the system clock (e.g. timedatectl set-ntp true)',
  };
}

/** The state file opens and decrypts; what it holds. */
async function stateCheck(ctx: AppContext): Promise<DoctorCheck> {
  const name = 'state';
  const file = paths.stateFile(ctx.account.profile);
  // a file that exists but cannot be stat'ed is for ctx.state() to explain
  const exists = await stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );
  if (!exists) return { name, ok: true, detail: `${file}: none yet (made on first use)` };
  const opened = await attempt(() => ctx.state());
  if (!opened.ok) return { name, ...opened.check };
  const { nodes, pending, pendingShares = [] } = opened.value.data;
  const records = Object.values(nodes);
  const secrets = records.reduce((n, r) => n + r.secrets.length, 0);
  await ctx.releaseState();
  const shares = pendingShares.length ? `, ${plural(pendingShares.length, 'pending share')}` : '';
  return {
    name,
    ok: true,
    detail: `${file}: ${plural(records.length, 'node')}, ${plural(secrets, 'secret')}, ${plural(pending.length, 'pending notification')}${shares}`,
    ...(pendingShares.length ? { pendingShares: pendingShares.map((p) => ({ ...p })) } : {}),
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
