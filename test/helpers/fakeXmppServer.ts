// A scripted XMPP "server" on 127.0.0.1, playing the attacker on the path that a real server
// never is: it offers the stream features the test chooses at each stage (before TLS, after
// STARTTLS, after login), upgrades to TLS with the test certificate when asked, accepts any PLAIN
// login and lets the test answer every IQ. It keeps what the client sent (decrypted after TLS);
// the transcript is complete when the client has closed the connection.
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Element } from '@xmpp/xml';
import { StrictStreamParser } from '../../src/xmpp/strictParser.js';

export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';

export const STARTTLS = `<starttls xmlns='${NS_TLS}'/>`;
export const PLAIN_LOGIN = `<mechanisms xmlns='${NS_SASL}'><mechanism>PLAIN</mechanism></mechanisms>`;
export const BIND = `<bind xmlns='${NS_BIND}'/>`;

type Stage = 'plain' | 'tls' | 'loggedIn';

export interface FakeServerScript {
  /** The children of <stream:features> at each stage (XML text). */
  features: Partial<Record<Stage, string>>;
  /** The XML to send back for each IQ the client sends (the bind request included). */
  onIq?: (iq: Element) => string[];
  /** The certificate and key for STARTTLS (the harness's localhost certificate). */
  certFile: string;
}

export interface FakeServer {
  port: number;
  /** Everything the first client sent, resolved when it has closed the connection. */
  transcript: Promise<string>;
  close(): Promise<void>;
}

export async function startFakeServer(script: FakeServerScript): Promise<FakeServer> {
  let resolveTranscript!: (text: string) => void;
  const transcript = new Promise<string>((resolve) => (resolveTranscript = resolve));
  const server = createServer((socket) => serve(socket, script, resolveTranscript));
  const port = await listen(server);
  return {
    port,
    transcript,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function serve(raw: Socket, script: FakeServerScript, done: (transcript: string) => void): void {
  let received = '';
  let stage: Stage = 'plain';
  let socket: Socket = raw;
  let parser = newParser();

  function newParser(): StrictStreamParser {
    const next = new StrictStreamParser();
    next.on('start', () => socket.write(streamHeader(script.features[stage] ?? '')));
    next.on('element', onElement);
    next.on('end', () => socket.end('</stream:stream>'));
    next.on('error', () => socket.destroy());
    return next;
  }

  function onElement(element: Element): void {
    if (element.is('starttls', NS_TLS)) {
      socket.write(`<proceed xmlns='${NS_TLS}'/>`);
      stopListening();
      socket = new TLSSocket(raw, {
        isServer: true,
        cert: readFileSync(script.certFile),
        key: readFileSync(script.certFile.replace(/\.crt$/, '.key')),
      });
      stopListening = listenTo(socket);
      stage = 'tls';
      parser = newParser();
    } else if (element.is('auth', NS_SASL)) {
      socket.write(`<success xmlns='${NS_SASL}'/>`);
      stage = 'loggedIn';
      parser = newParser();
    } else if (element.name === 'iq') {
      for (const reply of script.onIq?.(element) ?? []) socket.write(reply);
    }
  }

  /** Keeps what arrives on this socket and hands it to the parser; returns the function that stops. */
  function listenTo(current: Socket): () => void {
    const onData = (data: Buffer): void => {
      received += data.toString('utf8');
      parser.write(data.toString('utf8'));
    };
    const onError = (): void => void current.destroy();
    const onClose = (): void => done(received);
    current.on('data', onData).on('error', onError).on('close', onClose);
    return () => current.off('data', onData).off('error', onError).off('close', onClose);
  }

  let stopListening = listenTo(raw);
}

function streamHeader(features: string): string {
  return (
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
    `id='fake' from='localhost' version='1.0'><stream:features>${features}</stream:features>`
  );
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}
