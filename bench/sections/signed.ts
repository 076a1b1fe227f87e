// Verifying signed items (issue 13): a node of 256 oxps-made items, each signed by its publisher
// (an XEP-0475 signature as an XEP-0470 attachment, in clear as Libervia writes them), fetched
// with verification (the default) beside the same fetch with --no-verify. Target: at most 1.5×.
import xml from '@xmpp/xml';
import type { BenchConfig } from '../config.js';
import { PUBSUB, type World } from '../world.js';
import { formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';
import { withDevice } from '../lib/inProcess.js';
import { seedNode } from './fetch.js';

export const SIGNED_ITEMS = 256;

interface FetchDoc {
  items: Array<{ status: string; signature?: { status: string } }>;
}

/** Signs every item of the node as the device's account, below the CLI (the publishing side is `publish --sign`). */
async function signAll(world: World, node: string): Promise<void> {
  const [
    { fetchItems },
    { signDetached },
    { buildAttachments },
    { attachmentsNodeName },
    { buildSignatureElement, signedBytes },
    { createNodeIq },
    { publishIq },
    { parseXmlElement },
  ] = await Promise.all([
    import('../../src/app/fetch.js'),
    import('../../src/crypto/detachedSignature.js'),
    import('../../src/protocol/attachments/attachments.js'),
    import('../../src/protocol/attachments/nodeName.js'),
    import('../../src/protocol/signing/signData.js'),
    import('../../src/protocol/pubsub/node.js'),
    import('../../src/protocol/pubsub/publish.js'),
    import('../../src/protocol/xml.js'),
  ]);
  await withDevice(world.carol, async (ctx) => {
    const key = await (await ctx.keyring()).ownKey();
    const session = await ctx.session();
    const items: Array<{ id: string; xml: string }> = [];
    for await (const item of fetchItems(ctx, { service: PUBSUB, node, all: true, noCache: true })) {
      if (item.status !== 'decrypted')
        throw new Error(`seeding signatures: item ${item.id} is ${item.status}`);
      items.push(item);
    }
    // a few at a time: the server answers the fetches of other devices meanwhile
    const sign = async ({ id, xml: text }: { id: string; xml: string }) => {
      const stamp = new Date();
      const signature = await signDetached(
        signedBytes({
          service: PUBSUB,
          stamp,
          signer: ctx.bareJid,
          item: xml('item', {}, parseXmlElement(text, 'item')),
        }),
        key,
      );
      const attachmentsNode = attachmentsNodeName(PUBSUB, node, id);
      await session.iq(
        createNodeIq(PUBSUB, attachmentsNode, {
          'pubsub#access_model': 'open',
          'pubsub#publish_model': 'open',
        }),
        'creating an attachments node',
      );
      await session.iq(
        publishIq(
          PUBSUB,
          attachmentsNode,
          ctx.bareJid,
          buildAttachments([
            buildSignatureElement({ stamp, signer: ctx.bareJid, signatureBase64: signature }),
          ]),
        ),
        'publishing a signature',
      );
    };
    for (let i = 0; i < items.length; i += 8) await Promise.all(items.slice(i, i + 8).map(sign));
  });
}

export async function benchSigned(
  world: World,
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const seeded = await seedNode(world, world.carol, 'bench-signed', SIGNED_ITEMS);
  const t = Date.now();
  await signAll(world, seeded.node);
  log(`${seeded.node}: ${SIGNED_ITEMS} items signed in ${formatMs(Date.now() - t)}`);
  const fetch = async (flags: string[]) => {
    const { result, doc } = await world.carol.json<FetchDoc>(
      ['fetch', '-s', PUBSUB, '-n', seeded.node, '--all', '--no-cache', ...flags],
      { timeoutMs: 600_000 },
    );
    const verified = doc.items.filter((i) => i.signature?.status === 'verified').length;
    if (doc.items.length !== SIGNED_ITEMS || (!flags.includes('--no-verify') && verified !== SIGNED_ITEMS)) {
      throw new Error(
        `oxps fetch ${flags.join(' ')}: ${doc.items.length} items, ${verified} verified (expected ${SIGNED_ITEMS})`,
      );
    }
    return result.ms;
  };
  // a first run of each warms the key cache (the signer's key is looked up once, then kept)
  await fetch([]);
  const verifying: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < config.fetchRuns; i++) {
    verifying.push(await fetch([]));
    plain.push(await fetch(['--no-verify']));
  }
  const figure = (runs: number[]): Figure => ({
    value: median(runs),
    unit: 'ms',
    detail: `${formatMs(median(runs) / SIGNED_ITEMS)}/item`,
  });
  const oxps = figure(verifying);
  const baseline = figure(plain);
  const ratio = ratioOf(oxps, baseline);
  log(
    `${seeded.node}: verifying ${formatMs(oxps.value)}, --no-verify ${formatMs(baseline.value)} (medians of ${config.fetchRuns})`,
  );
  return {
    rows: [
      {
        group: `fetch ${SIGNED_ITEMS} signed items`,
        what: '`oxps fetch --all --no-cache` (decrypting, verifying)',
        oxps,
        versus: 'same, `--no-verify`',
        baseline,
        ratio,
        target: 'within 1.5×',
        met: ratio !== undefined && ratio <= 1.5,
      },
    ],
    raw: { node: seeded.node, verifyingMs: verifying, noVerifyMs: plain },
  };
}
