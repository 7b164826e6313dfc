// Reads a 0–3 rating out of a judge's free-text reply, tolerating format drift; a reply with no
// unambiguous rating gives null. Pure; the rules are listed on parseRating.

const WORDS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

/** A number as digits (decimals allowed, so that "2.5" is seen and refused) or as an English word. */
const NUM = String.raw`(\d+(?:\.\d+)?|${Object.keys(WORDS).join('|')})`;
/** An optional "/N" or "out of N" after the value; N is captured. */
const SCALE = String.raw`(?:\s*\(?\s*(?:\/|out\s+of)\s*(\d+))?`;
/** Markup and punctuation that may sit between a label and its value: "**Rating:** ", "RATING-", '"rating": "'. */
const GAP = String.raw`[\s*_"'\`:=#>\[\](){}\-–—]*`;

/** "rating"/"score"/"grade", an optional "(0-3)" range note, markup, an optional "is"/"of", then the value. */
const LABELLED = new RegExp(
  String.raw`\b(?:rating|score|grade)s?\b(?:\s*[(\[]\s*0\s*(?:-|–|to)\s*3\s*[)\]])?${GAP}(?:(?:is|of|would\s+be)\s*[*_"'\`\[(]*\s*)?${NUM}\b${SCALE}`,
  'gi',
);

/** A line holding nothing but a value, e.g. "3", "**2**", "2/3", "Two.". */
const BARE = new RegExp(String.raw`^[\s*_"'\`#>\[(]*${NUM}${SCALE}[\s*_"'\`\])!.]*$`, 'i');

const VERB = String.raw`(?:give|gives|gave|giving|rate|rates|rated|award|awards|awarded|assign|assigns|assigned|deserves?|merits?|earns?|warrants?)`;
const FILLER = String.raw`(?:this|that|it|the|its|an?|explanation|response|answer|reply|output|assistant'?s?|overall|solid|only|just|as|at\s+most|at\s+least)`;
/** What may follow an unlabelled value: end of text, punctuation, a scale, or a word that starts a reason. */
const AFTER = String.raw`(?=[ \t]*(?:$|[\r\n.,;:!?)\]*_"'\`\/\-–—]|(?:out\s+of|because|since|as|for|given)\b))`;
/** "give this a 2", "I'd rate it 1 because", "deserves a three." */
const PHRASE = new RegExp(String.raw`\b${VERB}(?:\s+${FILLER})*\s+${NUM}\b${SCALE}${AFTER}`, 'gi');
/** "2/3" or "2 out of 3" anywhere (only the 3-point scale counts without a label). */
const FRACTION = new RegExp(String.raw`\b${NUM}\s*(?:\/|out\s+of)\s*(3)\b`, 'gi');

interface Candidate {
  value: string;
  scale: string | undefined;
}

function candidates(text: string, re: RegExp): Candidate[] {
  return [...text.matchAll(re)].map((m) => ({ value: m[1], scale: m[2] }));
}

/** The one rating the candidates agree on, or null when any is off the 0–3 scale or they disagree. */
function consensus(found: Candidate[]): number | null {
  const values = new Set<number>();
  for (const c of found) {
    const key = c.value.toLowerCase();
    const v = key in WORDS ? WORDS[key] : Number(key);
    if (!Number.isInteger(v) || v < 0 || v > 3) return null;
    if (c.scale !== undefined && Number(c.scale) !== 3) return null;
    values.add(v);
  }
  return values.size === 1 ? [...values][0] : null;
}

/**
 * The 0–3 rating in a judge's reply, or null. Matching ignores case. The first rule below that
 * finds any candidate decides, and it gives a rating only when every candidate it found is the
 * same whole number 0–3 (digits, or a word "zero".."three") on no scale or a 3-point one ("/3",
 * "out of 3"); different values, "Rating: 5", "2.5" or "3/5" give null, with no later rule tried.
 *   1. An empty reply gives null.
 *   2. Labelled ratings on the first non-empty line, the line the judge was asked for: the label
 *      "rating", "score" or "grade", optional markup or punctuation, an optional "is"/"of", then the
 *      value: "Rating: 3", "rating - 2", "**Rating:** 2/3", "RATING-1", `{"rating": 2}`.
 *   3. Labelled ratings anywhere in the reply (a JSON object over several lines, a rating after a preamble).
 *   4. A first line that is only a value: "3", "**2**", "2/3".
 *   5. Unlabelled rating phrases anywhere: a verb such as give/rate/award/deserve, filler such as
 *      "this"/"it"/"a", then a value followed by punctuation, the end, a scale or a reason word
 *      ("I would give this a 2.", "deserves a three because"); and "N/3" or "N out of 3".
 * Other numbers are not ratings ("gives two reasons", "Halo 3"), so a reply with none of the above gives null.
 */
export function parseRating(reply: string): number | null {
  const text = reply.trim();
  if (!text) return null;
  const firstLine =
    text
      .split(/\r?\n/)
      .map((s) => s.trim())
      .find(Boolean) ?? '';
  const rules: (() => Candidate[])[] = [
    () => candidates(firstLine, LABELLED),
    () => candidates(text, LABELLED),
    () => {
      const m = BARE.exec(firstLine);
      return m ? [{ value: m[1], scale: m[2] }] : [];
    },
    () => [...candidates(text, PHRASE), ...candidates(text, FRACTION)],
  ];
  for (const rule of rules) {
    const found = rule();
    if (found.length) return consensus(found);
  }
  return null;
}
