import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { attachmentsNodeName } from '../../../../src/protocol/attachments/nodeName.js';
import {
  buildAttachments,
  buildEncryptedAttachments,
  decryptedAttachments,
  MalformedAttachments,
  MAX_ATTACHMENT_ELEMENTS,
  parseAttachmentsPayload,
  readAttachments,
} from '../../../../src/protocol/attachments/attachments.js';
import { buildEncrypted } from '../../../../src/protocol/oxps/encrypted.js';
import { parseXmlElement } from '../../../../src/protocol/xml.js';
import { liberviaAttachments } from '../../../helpers/signingFixtures.js';

const A = 'urn:xmpp:pubsub-attachments:1';

describe('#13.5 XEP-0470 attachments', () => {
  it('#13.1 names the attachments node as Libervia does', () => {
    expect(attachmentsNodeName('alice@localhost', 'urn:xmpp:microblog:0', 'signed-sealed-6-5N')).toBe(
      'urn:xmpp:pubsub-attachments:1/xmpp:alice@localhost?;node=urn%3Axmpp%3Amicroblog%3A0;item=signed-sealed-6-5N',
    );
  });

  it.runIf(spawnSync('/usr/bin/python3', ['-c', '1']).status === 0)(
    "#13.1 escapes odd node names and ids exactly as Python's quote_plus (Libervia)",
    () => {
      const cases: Array<[string, string, string]> = [
        ['pubsub.example.org', 'a b/c', "it's!(*)~_.-"],
        ['bob@example.org', 'ünïcödé 😀', '%41+&;=?#'],
      ];
      const script = `import json,sys,urllib.parse as u
out=[]
for s,n,i in json.load(sys.stdin):
  q=lambda v: u.quote_plus(v.encode('utf-8'))
  out.append('urn:xmpp:pubsub-attachments:1/xmpp:'+q(s).replace('%40','@')+'?;node='+q(n)+';item='+q(i))
json.dump(out,sys.stdout)`;
      const run = spawnSync('/usr/bin/python3', ['-c', script], {
        input: JSON.stringify(cases),
        encoding: 'utf8',
      });
      const expected = JSON.parse(run.stdout) as string[];
      cases.forEach(([service, node, item], index) =>
        expect(attachmentsNodeName(service, node, item)).toBe(expected[index]),
      );
    },
  );

  it("#13.5 reads Libervia's clear signature attachment", () => {
    const payload = parseAttachmentsPayload(liberviaAttachments());
    expect(payload.encrypted).toBeUndefined();
    const [signature] = readAttachments(payload.clear, false);
    expect(signature).toMatchObject({
      kind: 'signature',
      encrypted: false,
      signature: { signer: 'alice@localhost' },
    });
  });

  it('#13.5 reads noticed, reactions and unknown attachments, and a malformed signature without failing', () => {
    const payload = parseXmlElement(
      `<attachments xmlns='${A}'><noticed timestamp='2026-01-01T00:00:00Z'/><reactions><reaction>👍</reaction><reaction>${'x'.repeat(500)}</reaction></reactions><custom xmlns='urn:example:custom' a='1'>hello</custom><signature xmlns='urn:xmpp:pubsub-signing:0'/></attachments>`,
      'payload',
    );
    const attachments = readAttachments(parseAttachmentsPayload(payload).clear, false);
    expect(attachments[0]).toEqual({ kind: 'noticed', timestamp: '2026-01-01T00:00:00Z', encrypted: false });
    expect(attachments[1]).toMatchObject({ kind: 'reactions', reactions: ['👍', 'x'.repeat(64)] });
    expect(attachments[2]).toMatchObject({
      kind: 'other',
      name: 'custom',
      namespace: 'urn:example:custom',
      xml: `<custom xmlns="urn:example:custom" a="1">hello</custom>`,
    });
    expect(attachments[3]).toMatchObject({ kind: 'signature', problem: expect.stringContaining('time') });
  });

  it('#13.5 carries the encrypted form XEP-0473 defines: <encrypted/> inside <attachments/>, an <attachments/> inside', () => {
    const encrypted = buildEncrypted({ secretId: 'S1', ciphertext: new Uint8Array([1, 2, 3]) });
    const payload = parseXmlElement(buildEncryptedAttachments(encrypted).toString(), 'payload');
    const parsed = parseAttachmentsPayload(payload);
    expect(parsed.clear).toEqual([]);
    expect(parsed.encrypted?.secretId).toBe('S1');
    expect([...parsed.encrypted!.ciphertext]).toEqual([1, 2, 3]);
    const plaintext = parseXmlElement(
      buildAttachments([xml('noticed', { xmlns: A })]).toString(),
      'plaintext',
    );
    expect(readAttachments(decryptedAttachments(plaintext), true)).toEqual([
      { kind: 'noticed', encrypted: true },
    ]);
  });

  it('#13.5 refuses attachment items an attacker inflates', () => {
    const many = parseXmlElement(
      `<attachments xmlns='${A}'>${'<noticed/>'.repeat(MAX_ATTACHMENT_ELEMENTS + 1)}</attachments>`,
      'many',
    );
    expect(() => parseAttachmentsPayload(many)).toThrow(MalformedAttachments);
    const twice = parseXmlElement(
      `<attachments xmlns='${A}'><encrypted xmlns='urn:xmpp:openpgp:pubsub:0' key='a'>AQID</encrypted><encrypted xmlns='urn:xmpp:openpgp:pubsub:0' key='b'>AQID</encrypted></attachments>`,
      'twice',
    );
    expect(() => parseAttachmentsPayload(twice)).toThrow(/2 <encrypted/);
    expect(() => parseAttachmentsPayload(parseXmlElement(`<other/>`, 'other'))).toThrow(MalformedAttachments);
    const nested = parseXmlElement(
      `<attachments xmlns='${A}'><encrypted xmlns='urn:xmpp:openpgp:pubsub:0' key='a'>AQID</encrypted></attachments>`,
      'nested',
    );
    expect(() => decryptedAttachments(nested)).toThrow(/another <encrypted/);
  });
});
