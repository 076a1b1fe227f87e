// XEP-0082 date-time profile, as Libervia writes it: UTC, seconds, no fraction ("…T11:43:23Z").
export function xep82DateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Parses a XEP-0082 DateTime (timezone required); undefined when it is not one. */
export function parseXep82DateTime(text: string | undefined): Date | undefined {
  const match = text
    ? /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(text)
    : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date would roll 02-30 over to 03-02 and 24:00 to the next day: refuse impossible fields
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    second > 59
  )
    return undefined;
  const date = new Date(text!);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
