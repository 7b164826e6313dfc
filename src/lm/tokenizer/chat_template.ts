// A model's own chat template (a GGUF's tokenizer.chat_template, a tokenizer_config.json's
// chat_template), rendered with @huggingface/jinja as transformers' apply_chat_template renders it
// (messages, add_generation_prompt, bos_token, eos_token). For token ids the contents go in as
// placeholders, so the rendering splits into the template's markup and each message verbatim: a
// message is never searched for special tokens, and an answer's ids can be told apart (loss mask).
// An assistant turn must end with a special token (e.g. <|im_end|>, <|eot_id|>), the model's end of
// answer; the generation prompt must be exactly what precedes an answer. Otherwise a one-line UserError.
// chatRenderer renders text alone, without these checks (a prompt another engine answers).
import { Template } from '@huggingface/jinja';
import { UserError } from '../../engine/errors.js';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** A rendered conversation: template text, and message i (content not included) in its place. */
export type ChatPiece = { markup: string } | { message: number };

const OPEN = '\uE000'; // private-use characters around a message's index: no template or text has them
const CLOSE = '\uE001';
const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}`);

/** The template of a chat_template value: a string, or transformers' list of named templates (the "default" one). */
export function chatTemplateSource(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
  }
  return undefined;
}

/** A conversation rendered as text; a template error is a one-line UserError. */
export type RenderChat = (messages: readonly { role: string; content: string }[], addGenerationPrompt: boolean) => string;

/** The template compiled for rendering alone (no checks: e.g. for generation with another engine); a syntax error is a UserError. */
export function chatRenderer(source: string, vars: { bos_token: string; eos_token: string }): RenderChat {
  let template: Template;
  try {
    template = new Template(source);
  } catch (e) {
    throw new UserError(`chat template: ${oneLine(e)}`);
  }
  return (messages, addGenerationPrompt) => {
    try {
      return template.render({ messages, add_generation_prompt: addGenerationPrompt, ...vars });
    } catch (e) {
      throw new UserError(`chat template: ${oneLine(e)}`);
    }
  };
}

export class ChatTemplate {
  private readonly renderText: RenderChat;
  /** The special token that ends an assistant turn. */
  readonly end: string;

  /** specials: the contents of the vocabulary's special tokens, to find the end of a turn. */
  constructor(
    readonly source: string,
    vars: { bos_token: string; eos_token: string },
    specials: readonly string[],
  ) {
    this.renderText = chatRenderer(source, vars);
    const probe: ChatMessage[] = [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'A' },
    ];
    const full = this.render(probe, false);
    const prompt = this.render(probe.slice(0, 1), true);
    if (!full.startsWith(prompt + 'A'))
      throw new UserError('chat template: its generation prompt is not what precedes an answer (not supported)');
    const rest = full.slice(prompt.length + 1);
    const end = [...specials].sort((a, b) => b.length - a.length).find((s) => s && rest.trimStart().startsWith(s));
    if (!end)
      throw new UserError(
        `chat template: an answer is followed by ${JSON.stringify(rest.slice(0, 24))}, not by a special token (not supported)`,
      );
    this.end = end;
  }

  /** The conversation as text, as apply_chat_template renders it. */
  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    return this.renderText(messages, addGenerationPrompt);
  }

  /** The conversation as markup and message pieces, in order; each message exactly once. */
  pieces(messages: readonly ChatMessage[], addGenerationPrompt: boolean): ChatPiece[] {
    const text = this.render(
      messages.map((m, i) => ({ role: m.role, content: `${OPEN}${i}${CLOSE}` })),
      addGenerationPrompt,
    );
    const parts = text.split(PLACEHOLDER); // odd parts: message indices
    const out: ChatPiece[] = [];
    parts.forEach((p, k) => {
      if (k % 2 === 1) out.push({ message: Number(p) });
      else if (p) out.push({ markup: p });
    });
    const order = out.flatMap((p) => ('message' in p ? [p.message] : []));
    if (order.length !== messages.length || order.some((m, i) => m !== i))
      throw new UserError('chat template: it does not render every message once, in order (not supported)');
    return out;
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
