// The UI's small toolkit: h() builds elements (text always as text nodes, never parsed as HTML),
// api() calls the service's JSON routes and turns its {"error": {message}} answers into thrown Errors.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...kids: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const kid of kids) if (kid !== null && kid !== undefined && kid !== false) el.append(typeof kid === 'number' ? String(kid) : kid);
  return el;
}

/** GET path (no body) or POST body as JSON; the parsed answer, or an Error with the service's one-line reason. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(
    path,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const json = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
  return json;
}

/** A number with `d` decimals, or an em dash for null. */
export const num = (v: number | null | undefined, d = 3): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));

/** An error line in place of a page part. */
export const failure = (e: unknown): HTMLElement => h('p', { class: 'error' }, (e as Error).message);
