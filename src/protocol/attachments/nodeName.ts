// XEP-0470 §attachments node: `urn:xmpp:pubsub-attachments:1/` followed by the XMPP URI of the
// item, escaped exactly as Libervia 0.9 writes it (sat/tools/common/uri.py: urllib's quote_plus
// on the UTF-8 bytes, '@' kept in the service): the node name must be the same byte for byte, or
// the two clients look for each other's attachments on different nodes.
import { NS } from '../namespaces.js';

export function attachmentsNodeName(service: string, node: string, itemId: string): string {
  const path = quotePlus(service).replace(/%40/g, '@');
  return `${NS.attachments}/xmpp:${path}?;node=${quotePlus(node)};item=${quotePlus(itemId)}`;
}

export interface AttachmentsTarget {
  service: string;
  node: string;
  item: string;
}

/** The item a node's name says it holds the attachments of, or undefined when it is no attachments node. */
export function parseAttachmentsNodeName(name: string): AttachmentsTarget | undefined {
  const prefix = `${NS.attachments}/xmpp:`;
  if (!name.startsWith(prefix)) return undefined;
  const match = /^([^?]+)\?;node=([^;]*);item=([^;]*)$/.exec(name.slice(prefix.length));
  if (!match) return undefined;
  try {
    const [service, node, item] = match
      .slice(1, 4)
      .map((part) => decodeURIComponent(part.replace(/\+/g, ' '))) as [string, string, string];
    return service && node && item ? { service, node, item } : undefined;
  } catch {
    return undefined; // a malformed %-escape
  }
}

/** Python's urllib.parse.quote_plus: letters, digits and "_.-~" kept, space as '+', the rest %XX of the UTF-8 bytes. */
function quotePlus(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
