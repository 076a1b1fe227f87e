// The transport against a server played by an attacker on the path (a scripted fake server on
// loopback, see test/helpers/fakeXmppServer.ts): the real oxps binary must refuse any stream
// that skips TLS or login, and a session must not take an IQ answer from someone it did not ask.
import { describe, expect, it, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import xml, { type Element } from '@xmpp/xml';
import { TestUser, serverInfo, type RunResult } from '../helpers/cli.js';
import {
  startFakeServer,
  BIND,
  NS_BIND,
  PLAIN_LOGIN,
  STARTTLS,
  type FakeServer,
  type FakeServerScript,
} from '../helpers/fakeXmppServer.js';
import { Session } from '../../src/xmpp/session.js';

const SESSION = "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>";
const JID = 'tina@localhost';

/** Binds the resource the client asks for (so a client that binds in clear really goes online). */
function bindAnswer(iq: Element): string[] {
  const resource = iq.getChild('bind', NS_BIND)?.getChildText('resource') ?? 'r';
  if (iq.getChild('bind', NS_BIND)) {
    return [
      `<iq type='result' id='${iq.attrs.id}'><bind xmlns='${NS_BIND}'><jid>${JID}/${resource}</jid></bind></iq>`,
    ];
  }
  return [
    `<iq type='error' id='${iq.attrs.id}' from='${iq.attrs.to ?? JID}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
  ];
}

describe('#12.1 TLS and login are enforced whatever the server offers', () => {
  let server: FakeServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function profileAdd(
    features: FakeServerScript['features'],
  ): Promise<{ result: RunResult; transcript: string }> {
    server = await startFakeServer({ features, onIq: bindAnswer, certFile: serverInfo().certFile });
    const user = await TestUser.device('tina');
    const result = await user.run(
      user.profileAddArgs({ port: server.port, certFile: serverInfo().certFile }),
      {
        env: { OXPS_PASSWORD: 'tinapass' },
      },
    );
    return { result, transcript: await server.transcript };
  }

  function expectOneLine(result: RunResult, code: number, text: string): void {
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(text);
    expect(result.code, result.stderr).toBe(code);
  }

  const withoutStartTls: Array<[string, string]> = [
    ['only <bind/>', BIND],
    ['only <session/>', SESSION],
    ['no features at all', ''],
    ['SASL mechanisms and <bind/> but no STARTTLS', PLAIN_LOGIN + BIND],
  ];
  for (const [what, features] of withoutStartTls) {
    it(`#12.1 ${what} before TLS: exit 6, nothing but the stream header is sent`, async () => {
      const { result, transcript } = await profileAdd({ plain: features });
      expectOneLine(result, 6, 'localhost did not offer STARTTLS');
      expect(transcript).not.toContain('<iq');
      expect(transcript).not.toContain('<auth');
      expect(transcript).not.toContain('tinapass');
    });
  }

  it('#12.1 a second features list with login and bind sent right behind STARTTLS: exit 6, nothing in clear', async () => {
    const { result, transcript } = await profileAdd({
      plain: `${STARTTLS}</stream:features><stream:features>${PLAIN_LOGIN}${BIND}`,
    });
    expectOneLine(result, 6, 'localhost sent stream features out of turn before TLS was up');
    expect(transcript).not.toContain('<iq');
    expect(transcript).not.toContain('<auth');
  });

  it('#12.1 only <bind/> after TLS: exit 4, no unauthenticated bind', async () => {
    const { result, transcript } = await profileAdd({ plain: STARTTLS, tls: BIND });
    expectOneLine(result, 4, 'localhost offered no login after TLS');
    expect(transcript).not.toContain('<iq');
  });

  it('#12.1 no features at all after TLS: exit 4, not a hang', async () => {
    const { result, transcript } = await profileAdd({ plain: STARTTLS, tls: '' });
    expectOneLine(result, 4, 'localhost offered no login after TLS');
    expect(transcript).not.toContain('<iq');
  });

  it('#12.1 no resource binding after login: exit 7, not a hang', async () => {
    const { result, transcript } = await profileAdd({ plain: STARTTLS, tls: PLAIN_LOGIN, loggedIn: SESSION });
    expectOneLine(result, 7, 'localhost offered no resource binding after login');
    expect(transcript).not.toContain('<iq');
  });
});

describe('#12.11 IQ answers are taken only from the entity asked', () => {
  let server: FakeServer;

  afterEach(async () => server.close());

  async function openSession(onIq: (iq: Element) => string[]): Promise<Session> {
    const certFile = serverInfo().certFile;
    server = await startFakeServer({
      features: { plain: STARTTLS, tls: PLAIN_LOGIN, loggedIn: BIND },
      onIq,
      certFile,
    });
    return Session.open({
      jid: JID,
      password: 'tinapass',
      host: '127.0.0.1',
      port: server.port,
      caPem: readFileSync(certFile, 'utf8'),
      timeoutSeconds: 20,
    });
  }

  it("#12.11 a result and an error from mallory with the id of an IQ sent to bob are ignored; bob's answer is taken", async () => {
    const session = await openSession((iq) => {
      if (iq.getChild('bind', NS_BIND)) return bindAnswer(iq);
      const id = iq.attrs.id;
      return [
        `<iq type='result' id='${id}' from='mallory@localhost'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='spoofed' type='mallory'/></query></iq>`,
        `<iq type='error' id='${id}' from='mallory@localhost/x'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
        `<iq type='result' id='${id}' from='${JID}'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='spoofed' type='own-account'/></query></iq>`,
        `<iq type='result' id='${id}' from='Bob@LOCALHOST'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='account' type='registered'/></query></iq>`,
      ];
    });
    try {
      const answer = await session.iq(
        xml(
          'iq',
          { type: 'get', to: 'bob@localhost' },
          xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }),
        ),
        'asking bob',
      );
      expect(answer.attrs.from).toBe('Bob@LOCALHOST');
      expect(answer.getChild('query')?.getChild('identity')?.attrs.type).toBe('registered');
    } finally {
      await session.close();
    }
  });

  it('#12.11 IQ ids are unpredictable (128 random bits), not a counter', async () => {
    const ids: string[] = [];
    const session = await openSession((iq) => {
      if (iq.getChild('bind', NS_BIND)) return bindAnswer(iq);
      ids.push(iq.attrs.id!);
      return [`<iq type='result' id='${iq.attrs.id}' from='localhost'/>`];
    });
    try {
      for (let i = 0; i < 3; i++) await session.roundTrip();
    } finally {
      await session.close();
    }
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(3);
  });
});
