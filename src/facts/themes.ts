// Themes in texts: the attribute values (genres, tags, years, ...) a candidate shares with a
// history, and whether a text mentions an attribute as whole words.
import { safeText } from '../data/text_forms.js';

function attributeKey(a: string): string {
  return safeText(a).toLowerCase();
}

/** The candidate's attribute values that some history item also has (case-insensitive, each once, in item order). */
export function sharedAttributes(item: readonly string[], history: readonly string[]): string[] {
  const seen = new Set(history.map(attributeKey));
  const out = new Map<string, string>();
  for (const a of item) {
    const key = attributeKey(a);
    if (key && seen.has(key) && !out.has(key)) out.set(key, safeText(a));
  }
  return [...out.values()];
}

/** Whether text mentions the attribute as whole words, case-insensitively ("Drama" not in "melodrama"). */
export function mentions(text: string, attribute: string): boolean {
  const words = safeText(attribute).split(' ').filter(Boolean);
  if (words.length === 0) return false;
  const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(String.raw`\s+`);
  return new RegExp(String.raw`(?<![\p{L}\p{N}])${body}(?![\p{L}\p{N}])`, 'iu').test(text);
}
