// The UI's entry point (bundled by assets.ts): a hash router over the three pages — #/explore,
// #/compare, #/rate — each drawn into <main>; leaving a page aborts its signal (its key handlers).
import { comparePage } from './compare.js';
import { api, failure, h } from './dom.js';
import { explorePage } from './explore.js';
import { ratePage } from './rate.js';

const PAGES: Record<string, (root: HTMLElement, signal: AbortSignal) => Promise<void>> = {
  explore: explorePage,
  compare: comparePage,
  rate: ratePage,
};

let leave = new AbortController();

async function route(): Promise<void> {
  const name = location.hash.replace(/^#\/?/, '') || 'explore';
  const page = PAGES[name] ?? PAGES.explore;
  leave.abort();
  leave = new AbortController();
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.page === name);
  const root = document.getElementById('page')!;
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  document.body.dataset.page = name;
  try {
    await page(root, leave.signal);
  } catch (e) {
    root.replaceChildren(failure(e));
  }
  document.body.dataset.ready = name;
}

window.addEventListener('hashchange', () => void route());
void api<{ run: string }>('/v1/health').then((r) => (document.getElementById('run')!.textContent = r.run));
void route();
