// Rate: a blind session. The rater gives an id and a number of cases; each case shows the history the
// explainers saw, the item and f's decision, then every explainer's text in a random order, labelled
// A, B, … only. Keys: 0–3 rate the current explanation on the rubric (stored at once), n / p move to the
// next / previous one. The session and the rater id survive a reload (localStorage). Beside it, live
// agreement between raters and with the judges, and the exports; no per-explainer figures (they would
// unblind the session: the Compare page has them).
import type { Agreement, AgreementReport } from '../ratings/agreement.js';
import type { SessionView } from '../ratings/routes.js';
import { api, failure, h, num } from './dom.js';

const RATER_KEY = 'recexplainer.rater';
const SESSION_KEY = 'recexplainer.session';

type Slot = { case: SessionView['cases'][number]; e: SessionView['cases'][number]['explanations'][number] };

function agreementView(a: AgreementReport): HTMLElement {
  const pairs = <R extends Agreement>(rows: R[], first: (r: R) => string) =>
    h(
      'table',
      { class: 'small' },
      h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'n'), h('th', null, 'Cohen’s κ'), h('th', null, 'Spearman’s ρ'))),
      h(
        'tbody',
        null,
        ...rows.map((r) =>
          h('tr', null, h('th', null, first(r)), h('td', null, r.n), h('td', null, num(r.kappa)), h('td', null, num(r.rho))),
        ),
      ),
    );
  const raters = Object.entries(a.raters);
  return h(
    'div',
    { id: 'agreement-figures' },
    h('p', { id: 'counts' }, `${a.ratings} ratings`, raters.length ? ` — ${raters.map(([r, n]) => `${r}: ${n}`).join(', ')}` : ''),
    h('h4', null, 'Between raters'),
    a.between_raters.length ? pairs(a.between_raters, (r) => `${r.a} / ${r.b}`) : h('p', { class: 'muted small' }, 'Needs two raters.'),
    h('h4', null, 'Humans and the rule judge'),
    a.human_vs_rule.length ? pairs(a.human_vs_rule, (r) => r.rater) : h('p', { class: 'muted small' }, 'No ratings yet.'),
    a.human_vs_llm.length ? h('h4', null, 'Humans and the LLM judge') : '',
    a.human_vs_llm.length ? pairs(a.human_vs_llm, (r) => r.rater) : '',
    h(
      'p',
      null,
      'Export: ',
      h('a', { href: '/v1/ratings.csv', id: 'export-csv' }, 'CSV'),
      ' · ',
      h('a', { href: '/v1/ratings.jsonl', id: 'export-jsonl' }, 'JSON Lines'),
    ),
  );
}

export async function ratePage(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const rater = h('input', { id: 'rater', value: localStorage.getItem(RATER_KEY) ?? '', placeholder: 'your rater id', maxlength: 64 });
  const count = h('input', { id: 'cases', type: 'number', min: 1, max: 50, value: 2 });
  const status = h('p', { id: 'status', class: 'muted' });
  const board = h('section', { id: 'session' });
  const figures = h('section', { id: 'agreement', class: 'card' }, h('h3', null, 'Agreement, live'));
  let s: SessionView | undefined;
  let slots: Slot[] = [];
  let current = 0;

  const refreshAgreement = async () => {
    try {
      figures.replaceChildren(h('h3', null, 'Agreement, live'), agreementView(await api<AgreementReport>('/v1/ratings/agreement')));
    } catch (e) {
      figures.replaceChildren(failure(e));
    }
  };

  const draw = () => {
    if (!s)
      return board.replaceChildren(
        h('p', { class: 'muted' }, 'Start a session to rate explanations without knowing which model wrote them.'),
      );
    const { case: c } = slots[current];
    const rated = slots.filter((x) => x.e.rating !== null).length;
    status.textContent = `Session of ${s.rater}: case ${s.cases.indexOf(c) + 1} of ${s.cases.length} · explanation ${slots[current].e.label} · ${rated} of ${slots.length} rated`;
    status.dataset.rated = String(rated);
    board.replaceChildren(
      h(
        'article',
        { class: 'card' },
        h(
          'h3',
          null,
          'Candidate: ',
          c.item.title,
          ' ',
          h('span', { class: `badge ${c.decision === 'yes' ? 'ok' : 'bad'}` }, `f says ${c.decision}`),
        ),
        h('p', { class: 'small muted' }, 'The user’s history, as the explainers saw it: ', c.history.map((x) => x.title).join(' · ')),
      ),
      ...c.explanations.map((e) =>
        h(
          'article',
          { class: `card blind${e.slot === slots[current].e.slot ? ' current' : ''}`, 'data-slot': e.slot },
          h('h3', null, `Explanation ${e.label}`, e.rating !== null ? h('span', { class: 'badge ok rated' }, ` rated ${e.rating}`) : ''),
          e.text.trim() ? h('p', { class: 'text' }, e.text) : h('p', { class: 'text muted' }, '(empty explanation)'),
          h(
            'div',
            { class: 'row' },
            ...s!.rubric.map((l) =>
              h(
                'button',
                { class: `level${e.rating === l.rating ? ' chosen' : ''}`, title: l.meaning, onclick: () => void rate(e.slot, l.rating) },
                `${l.rating} · ${l.name}`,
              ),
            ),
          ),
        ),
      ),
      h(
        'details',
        { class: 'card small' },
        h('summary', null, 'Rubric and keys: 0–3 rate the highlighted explanation, n next, p previous'),
        h('dl', null, ...s.rubric.flatMap((l) => [h('dt', null, `${l.rating} — ${l.name}`), h('dd', null, l.meaning)])),
      ),
    );
    board.querySelector('.current')?.scrollIntoView({ block: 'nearest' });
  };

  const show = (view: SessionView) => {
    s = view;
    slots = view.cases.flatMap((c) => c.explanations.map((e) => ({ case: c, e })));
    const next = slots.findIndex((x) => x.e.rating === null);
    current = next >= 0 ? next : 0;
    localStorage.setItem(SESSION_KEY, view.session);
    draw();
  };

  const rate = async (slot: number, rating: number) => {
    if (!s) return;
    const at = slots.findIndex((x) => x.e.slot === slot);
    current = at; // before the answer: a key pressed meanwhile (n, p) moves on from here
    try {
      await api('/v1/ratings', { session: s.session, slot, rating });
      slots[at].e.rating = rating;
      draw();
      await refreshAgreement();
    } catch (e) {
      status.replaceChildren(failure(e));
    }
  };

  const start = async () => {
    localStorage.setItem(RATER_KEY, rater.value.trim());
    try {
      show(await api<SessionView>('/v1/rate/session', { rater: rater.value.trim(), cases: Number(count.value) || 1 }));
    } catch (e) {
      status.replaceChildren(failure(e));
    }
  };

  document.addEventListener(
    'keydown',
    (ev) => {
      if (!s || ev.ctrlKey || ev.metaKey || ev.altKey || (ev.target as HTMLElement).closest('input, textarea')) return;
      if (/^[0-3]$/.test(ev.key)) void rate(slots[current].e.slot, Number(ev.key));
      else if (ev.key === 'n' && current < slots.length - 1) (current++, draw());
      else if (ev.key === 'p' && current > 0) (current--, draw());
      else return;
      ev.preventDefault();
    },
    { signal },
  );

  root.replaceChildren(
    h(
      'div',
      { class: 'rate' },
      h(
        'div',
        null,
        h(
          'form',
          { class: 'row', onsubmit: (e) => (e.preventDefault(), void start()) },
          h('label', null, 'Rater ', rater),
          h('label', null, 'Cases ', count),
          h('button', { type: 'submit', id: 'start' }, 'Start a blind session'),
        ),
        status,
        board,
      ),
      figures,
    ),
  );
  const stored = localStorage.getItem(SESSION_KEY);
  if (stored) await api<SessionView>('/v1/rate/session', { session: stored }).then(show, () => localStorage.removeItem(SESSION_KEY));
  draw();
  await refreshAgreement();
}
