// The chat messages that ask a teacher LLM for (a) an explanation of f's decision on one task-7
// pair, written from f's facts and opening with "Yes." or "No.", and (b) a short preference
// summary of a user from the shown history. Our own words; titles are given, never to be invented.
import { conversation, type ChatMessage } from '../openai/chat.js';

/** What the teacher is told about one pair; titles are normal titles. */
export interface ExplanationBrief {
  history: string[]; // the shown history, oldest first
  item: string; // the candidate
  decision: 'yes' | 'no'; // f's
  contributors: string[]; // f's strongest history items for this score, strongest first
  shared: string[]; // themes the candidate shares with them
  itemThemes: string[];
  era: string | null; // "the 1990s"
}

/** What the teacher is told about one history. */
export interface SummaryBrief {
  history: string[]; // the shown history, oldest first
  themes: string[]; // its most frequent themes
}

const numbered = (titles: readonly string[]) => (titles.length ? titles.map((t, i) => `${i + 1}. ${t}`).join('\n') : '(empty)');
const orNone = (xs: readonly string[], none: string) => (xs.length ? xs.join('; ') : none);

/** System + user messages asking for a 2–4 sentence explanation that opens with f's decision. */
export function explanationMessages(b: ExplanationBrief): ChatMessage[] {
  const system = [
    'You write short training texts for a model that learns to explain a recommender system.',
    "You are given a user's history, a candidate item, the recommender's decision about it and the facts behind that decision.",
    'Explain the decision the way the recommender would justify it. Never contradict the decision and never add facts that are not given.',
  ].join(' ');
  const opening = b.decision === 'yes' ? 'Yes.' : 'No.';
  const user = [
    "The user's history, oldest first:",
    numbered(b.history),
    '',
    `Candidate item: ${b.item}`,
    `Recommender's decision: ${b.decision === 'yes' ? 'yes, it recommends the candidate' : 'no, it does not recommend the candidate'}`,
    `History items that weighed most in this decision, strongest first: ${orNone(b.contributors, 'none stands out')}`,
    `Themes the candidate shares with the user's history: ${orNone(b.shared, 'none')}`,
    `The candidate's themes: ${orNone(b.itemThemes, 'unknown')}`,
    `The candidate's era: ${b.era ?? 'unknown'}`,
    '',
    `Write 2 to 4 sentences. The first word must be "${opening}" (the decision). Then describe the patterns in the user's history`,
    'and say why the candidate fits them or not. Mention only titles from the history above or the candidate itself.',
    'Reply with the explanation alone.',
  ].join('\n');
  return conversation(system, user);
}

/** System + user messages asking for a 1–3 sentence summary of what the user likes. */
export function summaryMessages(b: SummaryBrief): ChatMessage[] {
  const system =
    'You describe the users of a recommender system from the items they interacted with, briefly and without guessing beyond the evidence.';
  const user = [
    "A user's history, oldest first:",
    numbered(b.history),
    ...(b.themes.length ? ['', `Its most frequent themes: ${b.themes.join('; ')}`] : []),
    '',
    'In 1 to 3 sentences, summarise what this user tends to like. Rely on the history above only and name no title that is not in it.',
    'Reply with the summary alone.',
  ].join('\n');
  return conversation(system, user);
}
