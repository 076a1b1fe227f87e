// `oxps secret list`: what we know of a node's secrets. Keys only when asked for.
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

export async function listSecrets(ctx: AppContext, service: string, node: string, showSecrets: boolean): Promise<SecretView[]> {
  const record = nodeRecord((await ctx.state()).data, service, node);
  return (record?.secrets ?? [])
    .slice()
    .sort(byTimestamp)
    .map(({ id, timestamp, origin, revoked, sharedWith, key }) => ({ id, timestamp, origin, revoked, sharedWith: [...sharedWith], ...(showSecrets ? { key } : {}) }));
}
