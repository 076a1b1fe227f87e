// Item ids that give away their item's content. Libervia 0.9 (plugin_xep_0277 friendlyId) names
// a blog post after its title (or, without one, its text): the text folded to ASCII, runs of
// anything but letters, digits, ',' and '_' turned into '-', lower-cased, cut to 60 characters,
// then '-' and 4 random URL-safe characters (token_urlsafe(3)): "my-holiday-in-rome-K1jV".

const FRIENDLY_ID = /^([a-z0-9,_]+(?:-[a-z0-9,_]+)*)-[A-Za-z0-9_-]{4}$/;
const SLUG_MAX = 60;
/** A slug with no word of 3 letters is more likely hex or a counter than text. */
const WORD = /[a-z]{3}/;

/** Whether the id has the shape of Libervia's title-derived ids (a heuristic: "abc-1234" is one too). */
export function looksTitleDerived(id: string): boolean {
  const slug = FRIENDLY_ID.exec(id)?.[1];
  return slug !== undefined && slug.length <= SLUG_MAX && WORD.test(slug);
}
