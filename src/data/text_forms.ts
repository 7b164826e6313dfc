// Text forms shared by task generation and answer matching: one normal form for titles
// (whitespace collapsed, no list separator, no soft-token text, at most TITLE_MAX chars),
// lists joined by LIST_SEP, and the last-N history window shown in prompts.
import type { MetaValue } from './rawlog.js';

export const TITLE_MAX = 100; // characters, "…" included
export const ATTRIBUTE_MAX = 300; // characters of an attribute value (descriptions can be long)
export const LIST_SEP = ' | ';
export const USER_TOKEN = '<user>';
export const ITEM_TOKEN = '<item>';

/** "<user>"/"<item>" written as "‹user>"/"‹item>", so no text can pass for a soft token. */
export function defuseTokens(s: string): string {
  return s.replace(/<(?=(user|item)>)/gi, '‹');
}

/** One line of text: control characters removed, whitespace collapsed, soft-token text defused. */
export function safeText(s: string): string {
  return defuseTokens(
    s
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** Cuts text longer than max at a word boundary (when one is near) and marks the cut with "…". */
export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  const room = s.slice(0, max - 1);
  const space = room.lastIndexOf(' ');
  return (space > max / 2 ? room.slice(0, space) : room).trimEnd() + '…';
}

/** The normal form of a title; idempotent, so generated answers can be normalised and compared. */
export function normalTitle(s: string): string {
  return capText(safeText(s).replace(/\|/g, '/'), TITLE_MAX);
}

/** The normal title of each item by id (index 0, the padding id, is ''). */
export function titlesById(items: readonly { title: string }[]): string[] {
  return ['', ...items.map((i) => normalTitle(i.title))];
}

/** The key two titles are matched on: the normal form, case-folded. */
export function titleKey(s: string): string {
  return normalTitle(s).toLowerCase();
}

export function renderList(parts: readonly string[]): string {
  return parts.join(LIST_SEP);
}

/** A rendered list back into its parts (normal titles never contain "|"). */
export function parseList(text: string): string[] {
  return text
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The part of a history a prompt shows: its last maxHistory items, oldest first. */
export function recentHistory(history: readonly number[], maxHistory: number): number[] {
  return history.slice(Math.max(0, history.length - maxHistory));
}

/** An item attribute as answer text: lists joined with ", ", capped at ATTRIBUTE_MAX. */
export function attributeText(v: MetaValue): string {
  const s = Array.isArray(v)
    ? v
        .map((x) => safeText(String(x)))
        .filter(Boolean)
        .join(', ')
    : safeText(String(v));
  return capText(s, ATTRIBUTE_MAX);
}
