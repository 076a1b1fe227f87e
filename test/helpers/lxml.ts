// The reference C14N 2.0: Debian's python3-lxml, as Libervia calls it. One Python process for
// many inputs; each input is canonicalised after a deep copy of the element at `path` (child
// indexes from the root), which makes a subtree self-contained the way Libervia's domish→lxml
// round trip does.
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

const SCRIPT = String.raw`
import copy, json, sys
from lxml import etree
out = []
for case in json.load(sys.stdin):
    try:
        el = etree.fromstring(case['xml'].encode('utf-8'))
        for i in case.get('path', []):
            el = el[i]
        if case.get('path'):
            el = copy.deepcopy(el)
            el.tail = None
        out.append({'c14n': etree.tostring(el, method='c14n2', with_comments=False, strip_text=True).decode('utf-8')})
    except Exception as e:
        out.append({'error': repr(e)})
json.dump(out, sys.stdout)
`;

export interface LxmlCase {
  xml: string;
  path?: number[];
}

export type LxmlResult = { c14n: string } | { error: string };

export function lxmlAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import lxml'], { encoding: 'utf8' }).status === 0;
}

export function lxmlCanonicalize(cases: LxmlCase[]): LxmlResult[] {
  const run = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3-lxml failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as LxmlResult[];
}
