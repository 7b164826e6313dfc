// The yes/no decision an explanation states, read from its first sentence; the same reading
// checks teacher texts (tasks) and scores explanations (explain).

export type Decision = 'yes' | 'no';

const FIRST_SENTENCE = /^[\s\S]*?(?:[.!?](?=\s|$)|\n|$)/;
const HEDGE = String.raw`(?:\s+(?:probably|likely|definitely|certainly|surely|really|also|most\s+likely))?`;
// yes | "no" as an answer (followed by , . ! ? ; : or the sentence's end, or opening it) |
// would [hedge] [not|n't|never] [hedge] enjoy|like|love|recommend
const ANSWER = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:(?<yes>yes)|(?<no>no)(?:(?=\s*[,.!?;:])|$|(?<=^[^\p{L}\p{N}]*no))|would${HEDGE}(?<neg>\s*n['’]t|\s+not|\s+never)?${HEDGE}\s+(?:enjoy|like|love|recommend))(?![\p{L}\p{N}])`,
  'iu',
);

/**
 * The decision an explanation states: the first answer in its first sentence (the text up to
 * the first . ! ? followed by a space, or the first line break). An answer is the word "yes";
 * the word "no" when it opens the sentence or is followed by punctuation ("No, ...", "Answer:
 * no." — not "no doubt"); or "would [not|n't|never] enjoy|like|love|recommend", a hedge such as
 * "probably" allowed around the negation ("would probably not enjoy" is 'no'). Negations outside
 * that phrase ("I don't think they would like it") are not read. null when there is none.
 */
export function parseDecision(text: string): Decision | null {
  const first = FIRST_SENTENCE.exec(text.trim())![0];
  const m = ANSWER.exec(first);
  if (!m?.groups) return null;
  if (m.groups.yes) return 'yes';
  if (m.groups.no) return 'no';
  return m.groups.neg ? 'no' : 'yes';
}
