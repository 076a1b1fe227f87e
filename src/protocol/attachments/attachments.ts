// XEP-0470 attachment items: <attachments xmlns='urn:xmpp:pubsub-attachments:1'> holding one
// element per kind (signature, noticed, reactions, or any other namespace). On an encrypted node,
// XEP-0473 §rules: "the encrypted element MUST be a child of XEP-0470's <attachments/> element,
// instead of being the <item/> payload as usual" — the item payload that would be used in clear
// (the <attachments/> element itself) is encrypted, as for any item, and carried as
//   <attachments xmlns='urn:xmpp:pubsub-attachments:1'>
//     <encrypted xmlns='urn:xmpp:openpgp:pubsub:0' key='SECRET-ID'>BASE64</encrypted>
//   </attachments>
// Attachment nodes are often open to any publisher: everything here is bounded.
import { Element } from '../xml.js';
import { NS } from '../namespaces.js';
import { parseEncrypted, MalformedItem, type EncryptedPayload } from '../oxps/encrypted.js';
import { MalformedSignature, parseSignatureElement, type SignatureElement } from '../signing/signData.js';

/** Kinds of attachment one item may carry: a handful in practice. */
export const MAX_ATTACHMENT_ELEMENTS = 32;
export const MAX_REACTIONS = 64;
export const MAX_REACTION_LENGTH = 64;
/** How much of an unknown attachment is kept (its XML, cut). */
export const MAX_OTHER_ATTACHMENT_XML = 2048;

export type AttachmentBody =
  | { kind: 'signature'; signature: SignatureElement }
  /** A signature element that cannot be read (why). */
  | { kind: 'signature'; problem: string }
  | { kind: 'noticed'; timestamp?: string }
  | { kind: 'reactions'; timestamp?: string; reactions: string[] }
  | { kind: 'other'; name: string; namespace: string; xml: string };

/** encrypted: true when it was read from the encrypted part. */
export type Attachment = AttachmentBody & { encrypted: boolean };

export interface AttachmentsPayload {
  clear: Element[];
  encrypted?: EncryptedPayload;
}

/** Why an attachment item cannot be read: a plain sentence. */
export class MalformedAttachments extends Error {}

/** Splits an attachment item's payload into its clear children and its encrypted part. */
export function parseAttachmentsPayload(payload: Element): AttachmentsPayload {
  if (!payload.is('attachments', NS.attachments))
    throw new MalformedAttachments(`payload <${payload.name}> is not an XEP-0470 <attachments>`);
  const children = payload.getChildElements();
  if (children.length > MAX_ATTACHMENT_ELEMENTS)
    throw new MalformedAttachments(
      `<attachments> has ${children.length} elements (at most ${MAX_ATTACHMENT_ELEMENTS} are read)`,
    );
  const encrypted = children.filter((child) => child.is('encrypted', NS.oxps));
  if (encrypted.length > 1)
    throw new MalformedAttachments(
      `<attachments> has ${encrypted.length} <encrypted/> elements (one expected)`,
    );
  let parsed: EncryptedPayload | undefined;
  try {
    parsed = encrypted[0] && parseEncrypted(encrypted[0]);
  } catch (error) {
    if (error instanceof MalformedItem) throw new MalformedAttachments(error.message);
    throw error;
  }
  return { clear: children.filter((child) => !child.is('encrypted', NS.oxps)), encrypted: parsed };
}

/** The children of a decrypted attachments payload (an <attachments/> element). */
export function decryptedAttachments(plaintext: Element): Element[] {
  if (!plaintext.is('attachments', NS.attachments))
    throw new MalformedAttachments(
      `decrypted attachment <${plaintext.name}> is not an XEP-0470 <attachments>`,
    );
  const children = plaintext.getChildElements();
  if (children.length > MAX_ATTACHMENT_ELEMENTS)
    throw new MalformedAttachments(
      `decrypted <attachments> has ${children.length} elements (at most ${MAX_ATTACHMENT_ELEMENTS} are read)`,
    );
  if (children.some((child) => child.is('encrypted', NS.oxps)))
    throw new MalformedAttachments('decrypted <attachments> holds another <encrypted/>');
  return children;
}

export function readAttachments(children: Element[], encrypted: boolean): Attachment[] {
  return children.map((child) => ({ ...readAttachment(child), encrypted }));
}

function readAttachment(child: Element): AttachmentBody {
  if (child.is('signature', NS.pubsubSigning)) {
    try {
      return { kind: 'signature', signature: parseSignatureElement(child) };
    } catch (error) {
      if (error instanceof MalformedSignature) return { kind: 'signature', problem: error.message };
      throw error;
    }
  }
  const timestamp = boundedAttribute(child.attrs.timestamp);
  if (child.is('noticed', NS.attachments)) return { kind: 'noticed', ...(timestamp && { timestamp }) };
  if (child.is('reactions', NS.attachments)) {
    const reactions = child
      .getChildren('reaction', NS.attachments)
      .slice(0, MAX_REACTIONS)
      .map((reaction) => [...reaction.text()].slice(0, MAX_REACTION_LENGTH).join(''));
    return { kind: 'reactions', reactions, ...(timestamp && { timestamp }) };
  }
  const xml = child.toString();
  return {
    kind: 'other',
    name: child.getName(),
    namespace: child.getNS() ?? '',
    xml: xml.length > MAX_OTHER_ATTACHMENT_XML ? `${xml.slice(0, MAX_OTHER_ATTACHMENT_XML)}…` : xml,
  };
}

function boundedAttribute(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 64) : undefined;
}

/** An attachment item payload in clear (what Libervia publishes, and what is encrypted on an encrypted node). */
export function buildAttachments(children: Element[]): Element {
  const attachments = new Element('attachments', { xmlns: NS.attachments });
  attachments.append(...children);
  return attachments;
}

/** The payload of an encrypted attachment item (XEP-0473 §rules): the encrypted <attachments/> inside a clear one. */
export function buildEncryptedAttachments(encrypted: Element): Element {
  return buildAttachments([encrypted]);
}
