// `oxps secret list`: what we know of a node's secrets. Keys only when asked for. For a node we
// own, each secret also shows its readers (the whitelist: who should have it) and those of them
// this device did not send it to, so a gap left by another device or an interrupted run shows.
import type { AppContext } from './context.js';
import { byTimestamp } from '../protocol/oxps/secrets.js';
import { nodeRecord } from './state.js';
import { nodeReaders } from './secrets/readers.js';

export interface SecretView {
  id: string;
  timestamp: string;
  origin: string;
  revoked: boolean;
  sharedWith: string[];
  /** The node's whitelist (ourselves left out), when we may read it. */
  readers?: string[];
  /** Readers this device is not known to have sent the secret to. */
  missing?: string[];
  key?: string;
}

export async function listSecrets(ctx: AppContext, service: string, node: string, showSecrets: boolean): Promise<SecretView[]> {
  const record = nodeRecord((await ctx.state()).data, service, node);
  const secrets = record?.secrets ?? [];
  const readers = secrets.length ? await nodeReaders(ctx, service, node) : undefined;
  if (readers && !readers.known) ctx.reporter.verbose(`readers of node ${node} unknown: ${readers.reason}`);
  return secrets
    .slice()
    .sort(byTimestamp)
    .map(({ id, timestamp, origin, revoked, sharedWith, key }) => ({
      id, timestamp, origin, revoked, sharedWith: [...sharedWith],
      ...(readers?.known ? { readers: [...readers.jids], missing: readers.jids.filter((jid) => !sharedWith.includes(jid)) } : {}),
      ...(showSecrets ? { key } : {}),
    }));
}
