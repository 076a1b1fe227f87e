// Settling who a node's origin is (issue 12 #4): `secret trust-origin` keeps one sender's secrets
// and refuses everyone else's from then on; `secret forget` drops everything known for the node.
import { OxpsError } from '../../errors.js';
import { allSecrets } from '../../protocol/oxps/receiving.js';
import type { AppContext } from '../context.js';
import { ensureNodeRecord, nodeKey, nodeRecord } from '../state.js';
import { checkBareJid } from '../../xmpp/jid.js';

export interface TrustOriginResult {
  service: string;
  node: string;
  origin: string;
  /** Secrets of the chosen origin, now the node's. */
  kept: string[];
  /** Secrets of others, dropped. */
  dropped: Array<{ origin: string; secretId: string }>;
}

export async function trustOrigin(
  ctx: AppContext,
  service: string,
  node: string,
  jid: string,
): Promise<TrustOriginResult> {
  const origin = checkBareJid(jid);
  const handle = await ctx.state();
  const record = ensureNodeRecord(handle.data, service, node);
  const all = allSecrets(record);
  record.secrets = all.filter((s) => s.origin === origin);
  delete record.candidates;
  record.trustedOrigin = origin;
  await handle.save();
  return {
    service,
    node,
    origin,
    kept: record.secrets.map((s) => s.id),
    dropped: all.filter((s) => s.origin !== origin).map((s) => ({ origin: s.origin, secretId: s.id })),
  };
}

export interface ForgetResult {
  service: string;
  node: string;
  /** Secrets dropped, by origin. */
  forgotten: Array<{ origin: string; secretId: string }>;
}

export async function forgetNode(
  ctx: AppContext,
  service: string,
  node: string,
  confirm: (question: string) => Promise<boolean>,
): Promise<ForgetResult> {
  const handle = await ctx.state();
  const record = nodeRecord(handle.data, service, node);
  if (!record)
    throw new OxpsError(
      'NODE_NOT_FOUND',
      `nothing is known for node ${node} on ${service}`,
      `list what is known: oxps secret list -s ${service} -n ${node}`,
    );
  const all = allSecrets(record);
  const ours = all.filter((s) => s.origin === ctx.bareJid).length;
  const question = `Forget the ${all.length} secret(s) known for node ${node} on ${service}${ours ? ` (${ours} made by you: items encrypted with them become unreadable)` : ''}?`;
  if (!(await confirm(question)))
    throw new OxpsError('USAGE', `node ${node} on ${service} was left as it was`, 'pass --yes to forget it');
  delete handle.data.nodes[nodeKey(service, node)];
  await handle.save();
  return { service, node, forgotten: all.map((s) => ({ origin: s.origin, secretId: s.id })) };
}
