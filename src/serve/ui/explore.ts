// Explore: choose a user (their history with titles, years and themes; f's top-k and the aligned models'
// task-1 answers), choose any item (from the top-k or by title), and read f's decision, score and rank,
// its leave-one-out attribution as bars, and each explainer's text side by side with its checks
// (cited titles marked, hallucinated ones highlighted).
import type { ItemView } from '../browse.js';
import type { ExplainResponse, Explanation } from '../explain.js';
import type { Contributor, Prediction } from '../prediction.js';
import type { RecommendPrediction } from '../recommend.js';
import { api, failure, h, num } from './dom.js';
import { runs } from './highlight.js';

interface Models {
  data: { id: string; users?: number; items?: number }[];
}

const TOP_K = 10;

function itemLine(v: ItemView): HTMLElement {
  return h(
    'span',
    { class: 'item' },
    h('span', { class: 'title' }, v.title),
    v.year !== null && !v.title.includes(`(${v.year})`) && h('span', { class: 'muted' }, ` (${v.year})`),
    ...v.themes.slice(0, 4).map((t) => h('span', { class: 'chip' }, t)),
  );
}

/** Sets an element's width in % through the CSSOM: the Content-Security-Policy refuses style attributes. */
function width(el: HTMLElement, percent: number): HTMLElement {
  el.style.width = `${percent.toFixed(1)}%`;
  return el;
}

function bars(contributors: Contributor[]): HTMLElement {
  const max = Math.max(1e-9, ...contributors.map((c) => Math.abs(c.effect)));
  return h(
    'div',
    { class: 'bars' },
    ...contributors.map((c) =>
      h(
        'div',
        { class: 'bar-row', title: `f(history) − f(history without this item) = ${c.effect}` },
        h('span', { class: 'bar-label' }, c.title, c.shown ? '' : ' ·'),
        h(
          'span',
          { class: 'bar-track' },
          width(h('span', { class: `bar ${c.effect >= 0 ? 'pos' : 'neg'}` }), (Math.abs(c.effect) / max) * 100),
        ),
        h('span', { class: 'bar-value' }, num(c.effect)),
      ),
    ),
  );
}

function explanationCard(name: string, e: Explanation, f: Prediction, seconds: number | undefined): HTMLElement {
  const text = e.text.trim()
    ? h(
        'p',
        { class: 'text' },
        ...runs(
          e.text,
          e.cited.map((c) => c.title),
          e.checks.hallucinated_titles,
        ).map((r) => (r.kind === 'plain' ? r.text : h('mark', { class: r.kind, title: r.kind }, r.text))),
      )
    : h('p', { class: 'text muted' }, '(empty explanation)');
  const c = e.checks;
  return h(
    'article',
    { class: 'card explainer', 'data-explainer': name },
    h(
      'h3',
      null,
      name,
      ' ',
      h(
        'span',
        { class: `badge ${c.agreement ? 'ok' : 'bad'}` },
        e.decision ?? 'no decision',
        c.agreement ? ' ✓ agrees with f' : ` ✗ f says ${f.decision}`,
      ),
    ),
    text,
    h(
      'dl',
      { class: 'checks' },
      h('dt', null, 'rule judge'),
      h(
        'dd',
        null,
        `${c.rule_judge.rating} / 3`,
        c.rule_judge.reasons.length ? h('span', { class: 'muted' }, ` — ${c.rule_judge.reasons.join('; ')}`) : '',
      ),
      h('dt', null, 'hallucinated titles'),
      h(
        'dd',
        { class: c.hallucinated_titles.length ? 'warn' : '' },
        c.hallucinated_titles.length ? c.hallucinated_titles.join(' · ') : 'none',
      ),
      h('dt', null, 'attribution P@3'),
      h('dd', null, num(c['attribution_p@3'], 2)),
      h('dt', null, 'fact accuracy'),
      h(
        'dd',
        null,
        num(c.fact_accuracy, 2),
        c.false_facts.length ? h('span', { class: 'warn' }, ` (false: ${c.false_facts.join(', ')})`) : '',
      ),
      h('dt', null, 'aspects'),
      h('dd', null, e.aspects.join(', ') || '—'),
      seconds !== undefined && h('dt', null, 'seconds'),
      seconds !== undefined && h('dd', null, num(seconds, 2)),
    ),
  );
}

export async function explorePage(root: HTMLElement): Promise<void> {
  const models = await api<Models>('/v1/models');
  const users = models.data[0].users ?? 1;
  const userInput = h('input', { type: 'number', min: 1, max: users, value: 1, id: 'user', 'aria-label': 'user id' });
  const side = h('div', { id: 'user-panel' });
  const result = h('section', { id: 'result' }, h('p', { class: 'muted' }, 'Choose an item: one of f’s top-k, or any item by title.'));
  const search = h('input', { type: 'search', placeholder: 'any item by title…', id: 'item-search', 'aria-label': 'item title' });
  const found = h('ul', { class: 'plain', id: 'item-results' });
  let user = 1;

  const explain = async (item: number) => {
    result.replaceChildren(h('p', { class: 'muted' }, `Asking f and every explainer about item ${item} …`));
    try {
      const r = await api<ExplainResponse>('/v1/explain', { user, item });
      const p = r.predictions[0];
      const ex = r.explanations[0];
      result.replaceChildren(
        h(
          'article',
          { class: 'card decision', id: 'decision' },
          h('h2', null, p.title),
          h(
            'p',
            null,
            'f says ',
            h('span', { class: `badge big ${p.decision === 'yes' ? 'ok' : 'bad'}` }, p.decision),
            ` · score ${num(p.score)} · rank ${p.rank ?? '— (in the history)'} of ${p.of}`,
          ),
          h('h3', null, 'Leave-one-out attribution'),
          h('p', { class: 'muted small' }, 'How much f’s score of the item drops without each history item (· = not shown to the models).'),
          bars(p.contributors),
        ),
        h('div', { class: 'grid', id: 'explainers' }, ...Object.entries(ex).map(([n, e]) => explanationCard(n, e, p, r.seconds[n]))),
      );
      result.scrollIntoView({ block: 'start' });
    } catch (e) {
      result.replaceChildren(failure(e));
    }
  };

  const load = async () => {
    user = Math.min(users, Math.max(1, Math.round(Number(userInput.value) || 1)));
    userInput.value = String(user);
    side.replaceChildren(h('p', { class: 'muted' }, `Loading user ${user} …`));
    try {
      const [hist, rec] = await Promise.all([
        api<{ history: ItemView[] }>('/v1/history', { user }),
        api<{ predictions: RecommendPrediction[] }>('/v1/recommend', { user, k: TOP_K }),
      ]);
      const p = rec.predictions[0];
      side.replaceChildren(
        h('h3', null, `History of user ${user} (${hist.history.length} items, oldest first)`),
        h('ol', { class: 'history' }, ...hist.history.map((v) => h('li', null, itemLine(v)))),
        h('h3', null, `f’s top ${TOP_K}`),
        h(
          'ol',
          { class: 'topk', id: 'topk' },
          ...p.f.map((s) =>
            h(
              'li',
              null,
              h('button', { class: 'link', onclick: () => void explain(s.item) }, s.title),
              h('span', { class: 'muted' }, ` ${num(s.score)}`),
            ),
          ),
        ),
        h('h3', null, 'The aligned models’ answers (task 1)'),
        h(
          'ul',
          { class: 'plain small' },
          ...Object.entries(p.models).map(([n, a]) =>
            h('li', null, h('strong', null, n), ` HR@5 ${num(a['hr@5'], 0)}: `, a.titles.map((t) => t.title).join(' · ') || '(none)'),
          ),
        ),
      );
    } catch (e) {
      side.replaceChildren(failure(e));
    }
  };

  let pending = 0;
  search.addEventListener('input', () => {
    const q = search.value.trim();
    const mine = ++pending;
    if (!q) return found.replaceChildren();
    void api<{ items: ItemView[] }>('/v1/items', { query: q, limit: 12 }).then(
      (r) =>
        mine === pending &&
        found.replaceChildren(
          ...r.items.map((v) => h('li', null, h('button', { class: 'link', onclick: () => void explain(v.item) }, v.title))),
        ),
      (e: unknown) => found.replaceChildren(failure(e)),
    );
  });

  root.replaceChildren(
    h(
      'div',
      { class: 'explore' },
      h(
        'aside',
        null,
        h(
          'form',
          { class: 'row', onsubmit: (e) => (e.preventDefault(), void load()) },
          h('label', null, 'User ', userInput, h('span', { class: 'muted' }, ` of ${users}`)),
          h('button', { type: 'submit' }, 'Show'),
          h(
            'button',
            { type: 'button', onclick: () => ((userInput.value = String(1 + Math.floor(Math.random() * users))), void load()) },
            'Random',
          ),
        ),
        side,
        h('h3', null, 'Any item'),
        search,
        found,
      ),
      result,
    ),
  );
  await load();
}
