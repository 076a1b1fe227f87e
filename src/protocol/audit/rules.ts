// `oxps node audit`'s rules: from what the service and the state say about one node, the ways in
// which it is less private than its owner thinks, each with the command that fixes it. Pure: the
// facts are gathered by src/app/audit.
import { readingAffiliates, type Affiliation } from '../pubsub/node.js';
import { byTimestamp, currentSecret, type NodeSecret } from '../oxps/secrets.js';
import { looksTitleDerived } from './titleIds.js';
import { WEAK_SECRET_LENGTH } from '../oxps/sharedSecret.js';

export type FindingKind =
  | 'access-model'
  | 'no-secret-known'
  | 'member-without-secret'
  | 'removed-holds-secret'
  | 'holder-not-whitelisted'
  | 'short-secret'
  | 'rotation-overdue'
  | 'plaintext-item'
  | 'revoked-secret-item'
  | 'title-derived-id'
  | 'attachments-access-model';

export interface Finding {
  kind: FindingKind;
  /** One line: what is wrong and why it matters. */
  message: string;
  /** The command that fixes it. */
  fix: string;
  jids?: string[];
  itemIds?: string[];
  secretId?: string;
  accessModel?: string;
  attachmentsNode?: string;
}

/** An item as the audit needs it: no payload, only whether it is in clear or which secret encrypts it. */
export interface AuditedItem {
  id: string;
  plaintext?: true;
  /** The secret id an `<encrypted/>` payload names (absent for a plaintext or malformed item). */
  secretId?: string;
}

export interface AttachmentsFacts {
  /** The attachments node's name. */
  node: string;
  itemId: string;
  /** Undefined when it could not be read. */
  accessModel?: string;
}

export interface NodeFacts {
  service: string;
  node: string;
  /** Our bare JID. */
  self: string;
  accessModel?: string;
  affiliations: ReadonlyMap<string, Affiliation>;
  /** The node's secrets we hold (candidates left out: they are never used to publish). */
  secrets: readonly NodeSecret[];
  /** Newest first, as the service lists them. */
  items: readonly AuditedItem[];
  attachments: readonly AttachmentsFacts[];
  maxAgeDays: number;
  now: Date;
}

/** XEP-0060 §4.5 access models, from the most open; an unknown one ranks as open. */
const ACCESS_RANK: Record<string, number> = { open: 0, presence: 1, roster: 1, authorize: 2, whitelist: 3 };
const rank = (model: string) => ACCESS_RANK[model] ?? 0;

/** Past this many ids or JIDs, a fix command names the first ones and says how many are left. */
const FIX_LIST_MAX = 20;
const DAY_MS = 86_400_000;

export function auditNode(facts: NodeFacts): Finding[] {
  const cmd = new Fixes(facts.service, facts.node);
  const findings: Finding[] = [];
  const add = (finding: Finding) => findings.push(finding);
  const { node, accessModel, secrets } = facts;

  if (accessModel !== undefined && accessModel !== 'whitelist') {
    add({
      kind: 'access-model',
      accessModel,
      message: `access model ${accessModel}: whoever it admits can read item ids, publishers and sizes, and every secret holder can read the items (XEP-0473 §6 asks for whitelist)`,
      fix: cmd.oxps('encrypt-node', ['--yes']),
    });
  }
  const encryptedItems = facts.items.some((item) => item.secretId !== undefined);
  if (secrets.length === 0 && encryptedItems) {
    add({
      kind: 'no-secret-known',
      message: `oxps holds no secret of ${node}, whose items are encrypted: membership, secret age and strength cannot be checked`,
      fix: `oxps secret import --from-libervia -n ${shellWord(node)}`,
    });
  }
  findings.push(...secretFindings(facts, cmd));
  if (secrets.length > 0 || encryptedItems) findings.push(...itemFindings(facts, cmd));
  const titled = facts.items.filter((item) => looksTitleDerived(item.id)).map((item) => item.id);
  if (titled.length) {
    add({
      kind: 'title-derived-id',
      itemIds: titled,
      message: `${titled.length} item id(s) look derived from their titles (Libervia's "words-of-the-title-XXXX"), which the encryption does not hide: ${preview(titled)}; publish each again under a random id (oxps fetch -i ID, then oxps publish), then retract the old one`,
      fix: cmd.oxps('retract', titled),
    });
  }
  const parentRank = rank(accessModel ?? 'whitelist');
  for (const attachments of facts.attachments) {
    if (attachments.accessModel === undefined || rank(attachments.accessModel) >= parentRank) continue;
    add({
      kind: 'attachments-access-model',
      attachmentsNode: attachments.node,
      accessModel: attachments.accessModel,
      message: `the attachments node of item ${attachments.itemId} (signatures, reactions) has access model ${attachments.accessModel}, weaker than the node's ${accessModel ?? 'whitelist'}: it shows who signed or reacted to what`,
      fix: attachmentsFix(facts.service, attachments.node, accessModel ?? 'whitelist'),
    });
  }
  return findings;
}

function secretFindings(facts: NodeFacts, cmd: Fixes): Finding[] {
  const findings: Finding[] = [];
  const { node, secrets } = facts;
  for (const secret of secrets) {
    if (!secret.revoked && secret.key.length < WEAK_SECRET_LENGTH) {
      findings.push({
        kind: 'short-secret',
        secretId: secret.id,
        message: `secret ${secret.id} has ${secret.key.length} characters, fewer than the ${WEAK_SECRET_LENGTH} XEP-0473 asks for: it may be guessed`,
        fix: cmd.oxps('secret rotate'),
      });
    }
  }
  const current = currentSecret(secrets);
  if (!current) return findings;
  const self = facts.self.toLowerCase();
  const readers = new Set(readingAffiliates(facts.affiliations, self));
  const listed = new Map(
    [...facts.affiliations].map(([jid, affiliation]) => [jid.toLowerCase(), affiliation]),
  );
  const holders = [...new Set(current.sharedWith.map((jid) => jid.toLowerCase()))].filter(
    (jid) => jid !== self,
  );
  const withoutSecret = [...readers].filter((jid) => !holders.includes(jid));
  if (withoutSecret.length) {
    findings.push({
      kind: 'member-without-secret',
      jids: withoutSecret,
      message: `${withoutSecret.join(', ')} on the whitelist of ${node} were not sent the current secret ${current.id} (from this device): they cannot read new items`,
      fix: cmd.oxps('secret share', withoutSecret),
    });
  }
  const removed = holders.filter((jid) => !readers.has(jid) && listed.has(jid));
  if (removed.length) {
    findings.push({
      kind: 'removed-holds-secret',
      jids: removed,
      message: `${removed.join(', ')} left the whitelist (affiliation ${removed.map((jid) => listed.get(jid)).join(', ')}) but hold the current secret ${current.id}: anything that leaks the items to them is readable`,
      fix: cmd.oxps(
        'secret rotate',
        removed.flatMap((jid) => ['--remove', jid]),
      ),
    });
  }
  const strangers = holders.filter((jid) => !readers.has(jid) && !listed.has(jid));
  if (strangers.length) {
    const rotate = cmd.oxps(
      'secret rotate',
      strangers.flatMap((jid) => ['--remove', jid]),
    );
    findings.push({
      kind: 'holder-not-whitelisted',
      jids: strangers,
      message: `${strangers.join(', ')} hold the current secret ${current.id} but are not on the whitelist: the service will not give them the items; if they should not read, instead: ${rotate}`,
      fix: cmd.oxps('secret share', strangers),
    });
  }
  const ageDays = (facts.now.getTime() - Date.parse(current.timestamp)) / DAY_MS;
  if (ageDays > facts.maxAgeDays) {
    findings.push({
      kind: 'rotation-overdue',
      secretId: current.id,
      message: `the current secret ${current.id} is ${Math.floor(ageDays)} days old (more than ${facts.maxAgeDays}): whoever kept it reads everything published since ${current.timestamp}`,
      fix: cmd.oxps('secret rotate'),
    });
  }
  return findings;
}

function itemFindings(facts: NodeFacts, cmd: Fixes): Finding[] {
  const findings: Finding[] = [];
  const plaintext = facts.items.filter((item) => item.plaintext).map((item) => item.id);
  if (plaintext.length) {
    findings.push({
      kind: 'plaintext-item',
      itemIds: plaintext,
      message: `${plaintext.length} item(s) in clear on the encrypted node ${facts.node}: ${preview(plaintext)}; publish again encrypted what should stay (oxps fetch -i ID, then oxps publish), then retract them`,
      fix: cmd.oxps('retract', plaintext),
    });
  }
  // Items carry no date: the service's order tells. Walking from the oldest, an item encrypted
  // with a revoked secret after an item of a later secret was published after the rotation.
  const byId = new Map(facts.secrets.map((s) => [s.id, s]));
  let latest: NodeSecret | undefined;
  const late = new Map<string, string[]>();
  for (const item of [...facts.items].reverse()) {
    const secret = item.secretId === undefined ? undefined : byId.get(item.secretId);
    if (!secret) continue;
    if (secret.revoked && latest && byTimestamp(latest, secret) > 0)
      late.set(secret.id, [...(late.get(secret.id) ?? []), item.id]);
    if (!latest || byTimestamp(secret, latest) > 0) latest = secret;
  }
  for (const [secretId, ids] of late) {
    findings.push({
      kind: 'revoked-secret-item',
      secretId,
      itemIds: ids.reverse(),
      message: `${ids.length} item(s) were encrypted with the revoked secret ${secretId} after a newer secret was in use (a device that missed the rotation?): whoever was removed at the rotation can read them: ${preview(ids)}`,
      fix: cmd.oxps('retract', ids),
    });
  }
  return findings;
}

/**
 * Libervia 0.9 creates attachments nodes open, and oxps has no command that sets the access
 * model of a node that is not encrypted itself: Libervia's does.
 */
function attachmentsFix(service: string, attachmentsNode: string, accessModel: string): string {
  return `libervia-cli pubsub node set -s ${shellWord(service)} -n ${shellWord(attachmentsNode)} -f access_model ${accessModel}`;
}

class Fixes {
  constructor(
    private readonly service: string,
    private readonly node: string,
  ) {}

  /** `oxps COMMAND -s SERVICE -n NODE ARGS…`, long argument lists cut short. */
  oxps(command: string, args: readonly string[] = []): string {
    const shown =
      args.length > FIX_LIST_MAX
        ? [
            ...args.slice(0, FIX_LIST_MAX).map(shellWord),
            `… (${args.length - FIX_LIST_MAX} more, all in --json)`,
          ]
        : args.map(shellWord);
    return ['oxps', command, '-s', shellWord(this.service), '-n', shellWord(this.node), ...shown].join(' ');
  }
}

function preview(ids: readonly string[]): string {
  return ids.length > 5 ? `${ids.slice(0, 5).join(', ')}, …` : ids.join(', ');
}

/** A word the shell reads back unchanged. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
