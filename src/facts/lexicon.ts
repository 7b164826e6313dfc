// Broken words in generated texts: a word (two letters or more, lower-cased) that no training
// explanation and no catalogue title uses is a non-word ("a comlike title", "sci-bor"). The
// faithfulness metrics and the rule judge read titles, decisions and facts, not spelling; this
// is how a report sees a decoder that derails the LM mid-word. Pure.

const WORD = /\p{L}{2,}/gu;

/** The words of a text, lower-cased. */
export function wordsOf(text: string): string[] {
  return [...text.toLowerCase().matchAll(WORD)].map((m) => m[0]);
}

/** Every word of the given texts (training explanations and titles). */
export function lexicon(texts: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const t of texts) for (const w of wordsOf(t)) out.add(w);
  return out;
}

/** The text's words the lexicon lacks, each once, in order. */
export function nonWords(text: string, known: ReadonlySet<string>): string[] {
  return [...new Set(wordsOf(text).filter((w) => !known.has(w)))];
}
