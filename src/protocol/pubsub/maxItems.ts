// XEP-0060 §8.2 pubsub#max_items: how many items a node keeps (the oldest are dropped beyond),
// and the service's cap on it when the form says (XEP-0122 <validate><range max=…/>, as Prosody
// sends; ejabberd says nothing and takes "max" for its own cap).
import type { Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';

export interface MaxItems {
  /** The node's setting: a count, "max" (the service's cap), or undefined when the form has none. */
  value: number | 'max' | undefined;
  /** The highest value the service accepts, when its form says. */
  cap?: number;
}

const MAX_ITEMS_FIELD = 'pubsub#max_items';

/** pubsub#max_items of a configuration (or default configuration) result. */
export function parseMaxItems(result: Element): MaxItems {
  const owner = result.getChild('pubsub', NS.pubsubOwner);
  const form = (owner?.getChild('configure') ?? owner?.getChild('default'))?.getChild('x', NS.dataForms);
  const field = form?.getChildren('field').find((f) => f.attrs.var === MAX_ITEMS_FIELD);
  const cap = positiveInteger(
    field?.getChild('validate', 'http://jabber.org/protocol/xdata-validate')?.getChild('range')?.attrs.max,
  );
  const text = field?.getChildText('value')?.trim();
  const value = text === 'max' ? 'max' : positiveInteger(text);
  return cap === undefined ? { value } : { value, cap };
}

/** How many items the node keeps; undefined when unknown, Infinity when the service sets no limit it tells. */
export function keptItems({ value, cap }: MaxItems): number | undefined {
  if (value === 'max') return cap ?? Infinity;
  return value;
}

function positiveInteger(text: string | undefined | null): number | undefined {
  if (!text || !/^\d{1,12}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}
