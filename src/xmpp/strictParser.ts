// The XMPP stream parser: the same events as @xmpp/xml's Parser (start, element, end, error),
// built on the strict parser of src/protocol/xml.ts instead of ltx's lenient one, so a stanza
// with a DOCTYPE or an undeclared entity ends the stream instead of being half-understood.
import { EventEmitter } from 'node:events';
import { XmlTreeBuilder, type Element } from '../protocol/xml.js';

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
      { fragment: false },
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
