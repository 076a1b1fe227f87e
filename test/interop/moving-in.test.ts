// #15.2 #15.3 Moving in from Libervia: alice blogs with Libervia (title-derived ids, a signed post
// whose XEP-0470 attachments node Libervia makes open); an oxps device of the same account audits
// the node, imports Libervia's secrets (`secret import --from-libervia`), reads the old posts,
// makes the node a whitelist node and shares with bob, whose Libervia reads them.
import { beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  freshNode,
  harness,
  jidOf,
  li,
  liberviaItems,
  liberviaSecrets,
  waitForLiberviaSecrets,
  childText,
} from './helpers.js';
import { runOxps } from './harness.js';
import { deviceEnv } from '../harness/device.js';
import { liberviaEnv } from './libervia.js';
import type { ProcessResult } from '../harness/process.js';

const alice = jidOf('alice');
const bob = jidOf('bob');

interface Finding {
  kind: string;
  fix: string;
  itemIds?: string[];
  accessModel?: string;
  attachmentsNode?: string;
}
interface AuditReport {
  nodes: Array<{ node: string; accessModel: string; items: number; secrets: number; findings: Finding[] }>;
  findings: number;
}

/** `li blog set -e [-X]` with a title: Libervia's friendly id ("title-words-XXXX"). */
async function blogPost(node: string, title: string, body: string, sign = false): Promise<string> {
  const result = await li(
    ['blog', 'set', '-p', 'alice', '-n', node, '-T', title, '-e', ...(sign ? ['-X'] : [])],
    { input: `${body}\n` },
  );
  const id = /Item published with ID (\S+)/.exec(result.stdout)?.[1];
  if (!id) throw new Error(`no item id in: ${result.stdout}`);
  return id;
}

describe('moving in from Libervia (alice: Libervia, then oxps on the same account)', () => {
  const node = freshNode('moving-in');
  let run: (args: string[], options?: { code?: number }) => Promise<ProcessResult>;
  const ids: string[] = [];

  beforeAll(async () => {
    ids.push(await blogPost(node, 'My holiday in Rome', 'the Colosseum at dawn'));
    // Libervia creates the node keeping Prosody's default of 1 item
    await li(['pubsub', 'node', 'set', '-p', 'alice', '-n', node, '-f', 'max_items', '20']);
    ids.push(await blogPost(node, 'signed post', 'this one is signed', true));
    // an oxps device of alice's account, and a libervia-cli that reaches the test's backend
    const { dir, port, certFile, liberviaDir } = harness();
    const home = join(dir, 'oxps-devices', 'alice');
    await mkdir(home, { recursive: true, mode: 0o700 });
    const wrapper = join(home, 'libervia-cli');
    const env = Object.entries(liberviaEnv(liberviaDir))
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    await writeFile(wrapper, `#!/bin/sh\nexec env -i ${env} /usr/bin/python3 /usr/bin/libervia-cli "$@"\n`);
    await chmod(wrapper, 0o700);
    const deviceEnvironment = { ...deviceEnv(home, 'alice'), OXPS_LIBERVIA_CLI: wrapper };
    run = async (args, { code = 0 } = {}) => {
      const result = await runOxps(deviceEnvironment, args, { extraEnv: { OXPS_PASSWORD: 'alicepass' } });
      if (result.code !== code)
        throw new Error(
          `oxps ${args.join(' ')} exited ${result.code}, not ${code}:\n${result.stdout}\n${result.stderr}`,
        );
      return result;
    };
    await run(['profile', 'add', alice, '--host', '127.0.0.1', '--port', String(port), '--tls-ca', certFile]);
    await run(['key', 'generate']);
  });

  it('#15.2 node audit finds the presence access model, title-derived ids and no secret held', async () => {
    expect(ids[0]).toMatch(/^my-holiday-in-rome-[A-Za-z0-9_-]{4}$/);
    const report = JSON.parse(
      (await run(['--json', 'node', 'audit', '-n', node], { code: 9 })).stdout,
    ) as AuditReport;
    const findings = report.nodes[0]!.findings;
    const byKind = (kind: string) => findings.filter((f) => f.kind === kind);
    expect(byKind('access-model')).toEqual([expect.objectContaining({ accessModel: 'presence' })]);
    expect(byKind('no-secret-known')).toEqual([
      expect.objectContaining({ fix: `oxps secret import --from-libervia -n ${node}` }),
    ]);
    expect(byKind('title-derived-id')[0]!.itemIds!.sort()).toEqual([...ids].sort());
    // Libervia 0.9 makes an attachments node per post with the node's access model of the time
    // (on urn:xmpp:microblog:0: open, see the recorded 40-blog-set-sign.xml): none weaker yet
    expect(byKind('attachments-access-model')).toEqual([]);
  });

  it("#15.3 secret import --from-libervia takes Libervia's secrets; oxps fetch reads the old posts", async () => {
    const [librevia] = await liberviaSecrets('alice', alice, node);
    const imported = JSON.parse(
      (await run(['--json', 'secret', 'import', '--from-libervia', 'alice', '-n', node])).stdout,
    ) as { secrets: Array<Record<string, unknown>> };
    expect(imported.secrets).toEqual([
      expect.objectContaining({ node, id: librevia!.id, origin: alice, revoked: false, status: 'imported' }),
    ]);
    expect(JSON.stringify(imported)).not.toContain(librevia!.key!);
    const fetched = JSON.parse((await run(['--json', 'fetch', '-n', node, '--all'])).stdout) as {
      items: Array<{ id: string; status: string; xml: string }>;
    };
    expect(fetched.items.map((i) => [i.id, i.status]).sort()).toEqual(
      ids.map((id) => [id, 'decrypted']).sort(),
    );
    expect(fetched.items.map((i) => i.xml).join()).toContain('the Colosseum at dawn');
  });

  it("#15.3 oxps makes the node a whitelist node and shares with bob; bob's Libervia reads the old posts; the attachments nodes are now weaker than the node", async () => {
    await run(['encrypt-node', '-n', node, '--yes']);
    await run(['secret', 'share', '-n', node, bob]);
    await waitForLiberviaSecrets('bob', alice, node, (secrets) => secrets.length > 0);
    const items = await liberviaItems('bob', alice, node);
    expect(items.map((i) => childText(i.payload, 'title')).sort()).toEqual([
      'My holiday in Rome',
      'signed post',
    ]);
    const report = JSON.parse(
      (await run(['--json', 'node', 'audit', '-n', node], { code: 9 })).stdout,
    ) as AuditReport;
    const findings = report.nodes[0]!.findings;
    expect([...new Set(findings.map((f) => f.kind))].sort()).toEqual([
      'attachments-access-model',
      'title-derived-id',
    ]);
    // the posts' attachments nodes (the signature among them) stayed presence: weaker than whitelist now
    const attachments = findings.filter((f) => f.kind === 'attachments-access-model');
    expect(attachments.map((f) => [f.attachmentsNode!.split(';item=')[1], f.accessModel]).sort()).toEqual(
      ids.map((id) => [id, 'presence']).sort(),
    );
    for (const finding of attachments) expect(finding.fix).toContain('access_model whitelist');
  });
});
