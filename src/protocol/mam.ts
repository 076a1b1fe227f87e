// XEP-0313 Message Archive Management: query our archive from a point on, read the results.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './namespaces.js';
import { buildSubmitForm } from './dataForm.js';
import { parseRsm, rsmSet, type PageInfo } from './rsm.js';

export interface MamQuery {
  queryId: string;
  /** Archive id to continue after (RSM). */
  after?: string;
  /** Only messages from this time on (used when `after` is unknown to the archive). */
  start?: string;
  max: number;
}

export function mamQueryIq({ queryId, after, start, max }: MamQuery): Element {
  const fields: Record<string, string> = start ? { start } : {};
  return xml(
    'iq',
    { type: 'set' },
    xml(
      'query',
      { xmlns: NS.mam, queryid: queryId },
      buildSubmitForm(NS.mam, fields),
      rsmSet({ max, ...(after ? { after } : {}) }),
    ),
  );
}

export interface ArchivedMessage {
  archiveId: string;
  stamp?: string;
  message: Element;
}

/** The archived message of a result <message/>, when it answers our query. */
export function parseMamResult(stanza: Element, queryId: string): ArchivedMessage | undefined {
  const result = stanza.getChild('result', NS.mam);
  if (!result || result.attrs.queryid !== queryId || !result.attrs.id) return undefined;
  const forwarded = result.getChild('forwarded', NS.forward);
  const message = forwarded?.getChild('message');
  if (!message) return undefined;
  return { archiveId: result.attrs.id, stamp: forwarded?.getChild('delay', NS.delay)?.attrs.stamp, message };
}

export function parseMamFin(iqResult: Element): { complete: boolean; page?: PageInfo } {
  const fin = iqResult.getChild('fin', NS.mam);
  return { complete: fin?.attrs.complete === 'true', page: parseRsm(fin) };
}
