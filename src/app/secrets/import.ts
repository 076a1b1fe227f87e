// `oxps secret import`: secrets a Libervia client of this account holds (Libervia sends no copy
// to its own account), stored as if they had been received — origin, timestamps, revoked flags
// and shared_with kept — through the same rules as received secrets (receiving.ts). A secret
// whose origin is another account came to Libervia signed by that account; oxps cannot check
// that signature now, so such secrets are refused unless the user takes Libervia's word.
import {
  allSecrets,
  knownOwners,
  receiveSharedSecret,
  type NodeAuthority,
} from '../../protocol/oxps/receiving.js';
import { WEAK_SECRET_LENGTH } from '../../protocol/oxps/sharedSecret.js';
import { byTimestamp } from '../../protocol/oxps/secrets.js';
import type { AppContext } from '../context.js';
import { ensureNodeRecord, nodeKey } from '../state.js';
import { nodeOwners } from '../nodeOwners.js';
import type { ImportedSecret } from './importParse.js';

export interface NodeImport {
  node: string;
  secrets: ImportedSecret[];
}

export interface ImportedSecretView {
  node: string;
  id: string;
  timestamp: string;
  origin: string;
  revoked: boolean;
  sharedWith: string[];
  /** imported: new here; known: oxps had it already (shared_with merged); refused: see reason. */
  status: 'imported' | 'known' | 'refused';
  reason?: string;
  key?: string;
}

export interface ImportReport {
  service: string;
  secrets: ImportedSecretView[];
}

export async function importSecrets(
  ctx: AppContext,
  service: string,
  nodes: readonly NodeImport[],
  options: { trustOrigin: boolean; showSecrets: boolean },
): Promise<ImportReport> {
  const state = await ctx.state();
  const views: ImportedSecretView[] = [];
  for (const { node, secrets } of nodes) {
    const authority = await authorityOf(ctx, service, node);
    const existed = state.data.nodes[nodeKey(service, node)] !== undefined;
    const record = ensureNodeRecord(state.data, service, node);
    for (const secret of [...secrets].sort(byTimestamp)) {
      const view: ImportedSecretView = {
        node,
        id: secret.id,
        timestamp: secret.timestamp,
        origin: secret.origin,
        revoked: secret.revoked,
        sharedWith: secret.sharedWith,
        status: 'refused',
        ...(options.showSecrets ? { key: secret.key } : {}),
      };
      views.push(view);
      if (secret.origin !== ctx.bareJid && !options.trustOrigin) {
        view.reason = `made by ${secret.origin}, not by ${ctx.bareJid}: Libervia got it in a message signed by ${secret.origin}, which oxps cannot check now (--trust-origin takes Libervia's word; or ask ${secret.origin} to share it again)`;
        continue;
      }
      const verdict = receiveSharedSecret(
        record,
        { service, node, ...secret },
        secret.origin,
        new Date(),
        authority,
      );
      if (verdict.kind === 'rejected') {
        view.reason = verdict.reason;
        continue;
      }
      view.status = verdict.kind === 'accepted' ? 'imported' : 'known';
      const stored = allSecrets(record).find((s) => s.id === secret.id)!;
      stored.sharedWith = [...new Set([...stored.sharedWith, ...secret.sharedWith])];
      if (secret.key.length < WEAK_SECRET_LENGTH && !secret.revoked)
        ctx.reporter.warn(
          `secret ${secret.id} of ${node} is only ${secret.key.length} characters long: it may be guessed; rotate it (oxps secret rotate -s ${service} -n ${node})`,
        );
    }
    if (!existed && allSecrets(record).length === 0) delete state.data.nodes[nodeKey(service, node)];
  }
  await state.save();
  for (const view of views)
    if (view.reason) ctx.reporter.warn(`not imported: secret ${view.id} of ${view.node}: ${view.reason}`);
  return { service, secrets: views };
}

/** Who owns the node: a PEP node is its account's; a component's, as the service tells. */
async function authorityOf(ctx: AppContext, service: string, node: string): Promise<NodeAuthority> {
  if (knownOwners(service)) return {};
  const owners = await nodeOwners(await ctx.session(), service, node);
  return owners ? { owners } : {};
}
