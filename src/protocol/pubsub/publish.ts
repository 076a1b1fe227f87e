// XEP-0060 §7.1 publish, with publish-options (§7.1.5) when given.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { buildSubmitForm, type FormValues } from '../dataForm.js';
import { pubsubIq } from './pubsubIq.js';

export function publishIq(
  service: string,
  node: string,
  itemId: string | undefined,
  payload: Element,
  options?: FormValues,
): Element {
  return pubsubIq(
    'set',
    service,
    NS.pubsub,
    xml('publish', { node }, xml('item', itemId ? { id: itemId } : {}, payload)),
    options && xml('publish-options', {}, buildSubmitForm(NS.pubsubPublishOptions, options)),
  );
}

/** The id the service gave the item (it may differ from the one we asked for, or be new). */
export function publishedItemId(result: Element): string | undefined {
  return result.getChild('pubsub', NS.pubsub)?.getChild('publish')?.getChild('item')?.attrs.id;
}
