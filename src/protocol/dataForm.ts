// XEP-0004 data forms, as far as pubsub configuration and publish-options need them.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './namespaces.js';

export type FormValues = Record<string, string | string[]>;

export function buildSubmitForm(formType: string, values: FormValues): Element {
  const fields = Object.entries(values).map(([name, value]) =>
    xml('field', { var: name }, ...(Array.isArray(value) ? value : [value]).map((v) => xml('value', {}, v))),
  );
  return xml(
    'x',
    { xmlns: NS.dataForms, type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)),
    ...fields,
  );
}

export function parseFormValues(form: Element | undefined): FormValues {
  const values: FormValues = {};
  if (!form) return values;
  for (const field of form.getChildren('field')) {
    const name = field.attrs.var;
    if (!name || name === 'FORM_TYPE') continue;
    const list = field.getChildren('value').map((v) => v.text());
    values[name] = field.attrs.type?.endsWith('-multi') ? list : (list[0] ?? '');
  }
  return values;
}
