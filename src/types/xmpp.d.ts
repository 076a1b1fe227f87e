// Minimal declarations for the parts of xmpp.js 0.14 (untyped ESM packages) that oxps uses.
declare module '@xmpp/xml' {
  export type Node = Element | string;
  export class Element {
    constructor(name: string, attrs?: Record<string, string>);
    name: string;
    attrs: Record<string, string>;
    children: Node[];
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    getAttr(name: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    text(): string;
    append(...nodes: Node[]): void;
    t(text: string): Element;
    c(name: string, attrs?: Record<string, string>): Element;
    toString(): string;
  }
  export function xml(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: Array<Node | Node[] | null | undefined | false>
  ): Element;
  export default xml;
}

declare module '@xmpp/jid' {
  export class JID {
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    toString(): string;
    getLocal(): string;
    getDomain(): string;
  }
  export default function jid(address: string): JID;
}

declare module '@xmpp/events' {
  import { EventEmitter as NodeEventEmitter } from 'node:events';
  export class EventEmitter extends NodeEventEmitter {}
  export function promise<T = unknown>(
    target: NodeEventEmitter,
    event: string,
    rejectEvent?: string | null,
    timeout?: number,
  ): Promise<T>;
  export function procedure(
    entity: unknown,
    stanza: unknown,
    handler: (element: import('@xmpp/xml').Element, done: (value?: unknown) => void) => Promise<void> | void,
  ): Promise<unknown>;
  export class TimeoutError extends Error {}
}

declare module '@xmpp/client-core' {
  import { EventEmitter } from 'node:events';
  import type { Element } from '@xmpp/xml';
  import type { JID } from '@xmpp/jid';
  export class Client extends EventEmitter {
    constructor(options: { service: string; domain: string; timeout?: number; lang?: string });
    transports: unknown[];
    socket:
      (EventEmitter & { secure?: boolean; socket?: import('node:net').Socket | null; end(): void }) | null;
    jid: JID | null;
    status: string;
    timeout: number;
    options: { service: string; domain: string; [key: string]: unknown };
    start(): Promise<JID>;
    stop(): Promise<unknown>;
    restart(): Promise<unknown>;
    send(element: Element): Promise<void>;
    sendMany(elements: Element[]): Promise<void>;
    sendReceive(element: Element, timeout?: number): Promise<Element>;
    isSecure(): boolean;
    _attachSocket(socket: unknown): void;
    _jid(address: string): JID;
    _ready(resumed?: boolean): void;
  }
}

declare module '@xmpp/tcp/lib/Connection.js' {
  const ConnectionTCP: { prototype: Record<string, unknown> } & (new (...args: unknown[]) => unknown);
  export default ConnectionTCP;
}

declare module '@xmpp/tls/lib/Socket.js' {
  import { EventEmitter } from 'node:events';
  import type { ConnectionOptions } from 'node:tls';
  export default class Socket extends EventEmitter {
    socket: import('node:tls').TLSSocket | null;
    secure: boolean;
    connect(options: ConnectionOptions): void;
    end(): void;
  }
}

declare module '@xmpp/middleware' {
  import type { Element } from '@xmpp/xml';
  export interface IncomingContext {
    stanza: Element;
    from: import('@xmpp/jid').JID;
    entity: unknown;
    name: string;
    type: string;
    id: string;
  }
  export type Handler = (ctx: IncomingContext, next: () => Promise<unknown>) => unknown;
  export interface Middleware {
    use(fn: Handler): Handler;
    filter(fn: Handler): Handler;
  }
  export default function middleware(args: { entity: unknown }): Middleware;
}

declare module '@xmpp/iq/callee.js' {
  import type { Element } from '@xmpp/xml';
  export interface IQCallee {
    get(
      ns: string,
      name: string,
      handler: (ctx: unknown) => Element | Record<string, never> | Promise<Element>,
    ): void;
  }
  export default function iqCallee(args: { middleware: unknown; entity: unknown }): IQCallee;
}

declare module '@xmpp/middleware/lib/StanzaError.js' {
  import type { Element } from '@xmpp/xml';
  export default class StanzaError extends Error {
    constructor(condition: string, text?: string, application?: Element, type?: string);
    static fromElement(element: Element): StanzaError;
    condition: string;
    text: string | undefined;
    type: string;
    element: Element;
  }
}
