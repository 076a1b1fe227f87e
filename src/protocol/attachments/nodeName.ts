// XEP-0470 §attachments node: `urn:xmpp:pubsub-attachments:1/` followed by the XMPP URI of the
// item, escaped exactly as Libervia 0.9 writes it (sat/tools/common/uri.py: urllib's quote_plus
// on the UTF-8 bytes, '@' kept in the service): the node name must be the same byte for byte, or
// the two clients look for each other's attachments on different nodes.
import { NS } from '../namespaces.js';

export function attachmentsNodeName(service: string, node: string, itemId: string): string {
  const path = quotePlus(service).replace(/%40/g, '@');
  return `${NS.attachments}/xmpp:${path}?;node=${quotePlus(node)};item=${quotePlus(itemId)}`;
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
