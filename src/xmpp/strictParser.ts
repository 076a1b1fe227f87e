// The XMPP stream parser: the same events as @xmpp/xml's Parser (start, element, end, error),
// built on the strict parser of src/protocol/xml.ts instead of ltx's lenient one, so a stanza
// with a DOCTYPE or an undeclared entity ends the stream instead of being half-understood.
import { EventEmitter } from 'node:events';
import { MAX_XML_DEPTH, XmlTreeBuilder, type Element } from '../protocol/xml.js';

/**
 * How deep a stanza may nest; deeper elements are left out, so that one hostile item does not
 * end the session and no walk over a stanza can exhaust the stack. A payload sits under at most
 * 7 levels of wrappers (MAM: message/result/forwarded/message/event/items/item; pubsub results:
 * iq/pubsub/items/item), so a payload of MAX_XML_DEPTH levels fits with room to spare, and a cut
 * payload is deeper than MAX_XML_DEPTH: readers of items report it (see pubsub/items.ts).
 */
export const MAX_STANZA_DEPTH = 2 * MAX_XML_DEPTH;

export class StrictStreamParser extends EventEmitter {
  private readonly builder: XmlTreeBuilder;
  private root: Element | undefined;
  private failed = false;

  constructor() {
    super();
    this.builder = new XmlTreeBuilder(
      {
        open: (element) => {
          this.root = element;
          this.emit('start', element);
        },
        element: (element, depth) => {
          if (depth !== 1 || !this.root) return;
          // stanzas keep their parent (for namespace lookups) but are not kept by the root
          this.root.children = [];
          element.parent = this.root;
          this.emit('element', element);
        },
        close: (element) => this.emit('end', element),
        error: (error) => this.fail(error),
      },
      // the stream's root element is level 1 of the document
      { fragment: false, maxDepth: 1 + MAX_STANZA_DEPTH, cutBeyondMaxDepth: true },
    );
  }

  write(data: string | Buffer): void {
    if (this.failed) return;
    try {
      this.builder.write(data.toString());
    } catch (error) {
      this.fail(error as Error);
    }
  }

  end(data?: string): void {
    if (data) this.write(data);
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.emit('error', error);
  }
}
