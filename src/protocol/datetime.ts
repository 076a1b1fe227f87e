// XEP-0082 date-time profile, as Libervia writes it: UTC, seconds, no fraction ("…T11:43:23Z").
export function xep82DateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Parses a XEP-0082 DateTime (timezone required); undefined when it is not one. */
export function parseXep82DateTime(text: string | undefined): Date | undefined {
  if (!text || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
