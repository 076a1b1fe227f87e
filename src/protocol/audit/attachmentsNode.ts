// XEP-0470 §4.1: the attachments of item ITEM of node NODE on SERVICE live on the node named
// "urn:xmpp:pubsub-attachments:1/xmpp:SERVICE?;node=NODE;item=ITEM" of the same service, its parts
// URI-escaped (Libervia 0.9 escapes NODE and ITEM with Python's quote(…, safe=''); SERVICE keeps its '@').

const PREFIX = 'urn:xmpp:pubsub-attachments:1/xmpp:';

export interface AttachmentsTarget {
  service: string;
  node: string;
  item: string;
}

/** Python's urllib.parse.quote(text, safe=''): encodeURIComponent plus !'()*. */
function quote(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function attachmentsNodeName(service: string, node: string, item: string): string {
  return `${PREFIX}${quote(service).replace(/%40/g, '@')}?;node=${quote(node)};item=${quote(item)}`;
}

/** The item a node's name says it holds the attachments of, or undefined when it is no attachments node. */
export function parseAttachmentsNodeName(name: string): AttachmentsTarget | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const match = /^([^?]+)\?;node=([^;]*);item=([^;]*)$/.exec(name.slice(PREFIX.length));
  if (!match) return undefined;
  try {
    const [service, node, item] = match.slice(1, 4).map((part) => decodeURIComponent(part!)) as [string, string, string];
    return service && node && item ? { service, node, item } : undefined;
  } catch {
    return undefined; // a malformed %-escape
  }
}
