// `oxps secret list`: what we know of a node's secrets. Keys only when asked for.
import { OxpsError } from '../errors.js';
import type { AppContext } from './context.js';
import { byTimestamp } from '../protocol/oxps/secrets.js';
import { nodeRecord } from './state.js';

export interface SecretView {
  id: string;
  timestamp: string;
  origin: string;
  revoked: boolean;
  sharedWith: string[];
  key?: string;
}

/** Throws NODE_NOT_FOUND for a node oxps has no record of (a typo, or nothing shared yet). */
export async function listSecrets(ctx: AppContext, service: string, node: string, showSecrets: boolean): Promise<SecretView[]> {
  const record = nodeRecord((await ctx.state()).data, service, node);
  if (!record) {
    throw new OxpsError('NODE_NOT_FOUND', `oxps knows no secret of node ${node} on ${service}`, 'check the node name and -s; secrets shared with you arrive with oxps sync, your own nodes start with oxps encrypt-node');
  }
  return record.secrets
    .slice()
    .sort(byTimestamp)
    .map(({ id, timestamp, origin, revoked, sharedWith, key }) => ({ id, timestamp, origin, revoked, sharedWith: [...sharedWith], ...(showSecrets ? { key } : {}) }));
}
