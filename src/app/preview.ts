// --dry-run of `oxps publish` and `oxps blog post`: the requests that would be sent, built
// exactly as publishing builds them, and nothing sent.
import type { AppContext } from './context.js';
import { openPublisher, type ItemToPublish, type PublishOptions } from './publish.js';

export interface PublishPreview {
  dryRun: true;
  service: string;
  node: string;
  items: Array<{
    id: string;
    encrypted: boolean;
    secretId?: string;
    bytes: number;
    stanza: string;
    signature?: SignaturePreview;
  }>;
}

/** The requests that would publish an item's signature, sent before the item's. */
export interface SignaturePreview {
  node: string;
  encrypted: boolean;
  stanzas: string[];
}

export async function previewPublish(
  ctx: AppContext,
  options: PublishOptions,
  items: ItemToPublish[],
): Promise<PublishPreview> {
  const publisher = await openPublisher(ctx, options);
  const previews: PublishPreview['items'] = [];
  for (const item of items) {
    const { id, iq, published, attachment } = await publisher.build(item);
    const stanza = iq.toString();
    const signature = attachment && {
      node: attachment.node,
      encrypted: attachment.encrypted,
      stanzas: [...attachment.creation, attachment.iq].map((request) => request.toString()),
    };
    previews.push({
      id,
      encrypted: published.encrypted,
      ...(published.secretId ? { secretId: published.secretId } : {}),
      bytes: Buffer.byteLength(stanza),
      stanza,
      ...(signature ? { signature } : {}),
    });
  }
  return { dryRun: true, service: options.service, node: options.node, items: previews };
}
