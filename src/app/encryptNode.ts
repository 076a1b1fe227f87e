// `oxps encrypt-node`: make a node ready for encrypted items — whitelist access model
// (XEP-0473 §6), created or converted — and give it a first secret.
import { OxpsError } from '../errors.js';
import {
  currentSecret,
  generateSecret,
  mayGenerateSecret,
  origins,
  type NodeSecret,
} from '../protocol/oxps/secrets.js';
import type { AppContext } from './context.js';
import { ensureNodeRecord } from './state.js';
import { noticeForeignSecret, settleBeforeEncrypting } from './nodeOrigin.js';
import { ENCRYPTED_NODE_CONFIG, configureNode, createNode, nodeConfiguration } from './pubsubNode.js';
import { raiseMaxItems } from './nodeCapacity.js';

/** What EncryptNodeResult.secret is a part of (for the library's documentation). */
export type { NodeSecret };

export interface EncryptNodeRequest {
  service: string;
  node: string;
  /** Asked before an existing node's access model is changed; false aborts. */
  confirmConversion: (currentAccessModel: string) => Promise<boolean>;
}

export interface EncryptNodeResult {
  service: string;
  node: string;
  created: boolean;
  converted: boolean;
  previousAccessModel?: string;
  secret: Pick<NodeSecret, 'id' | 'timestamp' | 'origin'>;
  newSecret: boolean;
  /** How many items the node keeps (pubsub#max_items, raised to the service's maximum), when known. */
  keeps?: number;
}

export async function encryptNode(
  ctx: AppContext,
  { service, node, confirmConversion }: EncryptNodeRequest,
): Promise<EncryptNodeResult> {
  const session = await ctx.session();
  const config = await nodeConfiguration(session, service, node);
  let created = false;
  let converted = false;
  const previousAccessModel = config?.['pubsub#access_model'] as string | undefined;
  if (!config) {
    await createNode(session, service, node, ENCRYPTED_NODE_CONFIG);
    created = true;
    ctx.reporter.verbose(`created node ${node} on ${service} (access model whitelist)`);
  } else if (previousAccessModel !== 'whitelist') {
    if (!(await confirmConversion(previousAccessModel ?? 'unknown'))) {
      throw new OxpsError(
        'USAGE',
        `node ${node} on ${service} was left unchanged (access model ${previousAccessModel})`,
        'pass --yes to convert it to the whitelist access model',
      );
    }
    await configureNode(session, service, node, { 'pubsub#access_model': 'whitelist' });
    converted = true;
    ctx.reporter.verbose(`node ${node}: access model ${previousAccessModel} → whitelist`);
  }
  const keeps = await raiseMaxItems(ctx, service, node);

  const state = await ctx.state();
  const record = ensureNodeRecord(state.data, service, node);
  await settleBeforeEncrypting(ctx, record, 'no secret chosen');
  let secret = currentSecret(record.secrets);
  const newSecret = !secret;
  if (!secret) {
    if (!mayGenerateSecret(record.secrets, ctx.bareJid)) {
      throw new OxpsError(
        'NOT_ORIGIN',
        `only ${origins(record.secrets).join(', ')} may make a new secret for node ${node}`,
        'ask them to rotate the secret (oxps secret rotate)',
      );
    }
    secret = generateSecret(ctx.bareJid);
    record.secrets.push(secret);
    await state.save();
  } else {
    noticeForeignSecret(ctx, record, secret);
  }
  return {
    service,
    node,
    created,
    converted,
    previousAccessModel,
    secret: { id: secret.id, timestamp: secret.timestamp, origin: secret.origin },
    newSecret,
    ...(keeps !== undefined && Number.isFinite(keeps) ? { keeps } : {}),
  };
}
