// An answer other than 200: an HTTP status, a one-line reason, and headers (Allow, Retry-After).
// Every error the service sends is {"error": {"status", "message"}} (the shape OpenAI clients read).
import { UserError } from '../engine/errors.js';

export class HttpError extends UserError {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400: the request is not what the route takes (shape, fields, types). */
export const badRequest = (message: string) => new HttpError(400, message);

/** 422: well-formed, but names what the run does not have (ids, models) or an impossible value. */
export const unprocessable = (message: string) => new HttpError(422, message);

/** The body of an error answer; the message on one line, at most 500 characters. */
export function errorBody(status: number, message: string): { error: { status: number; message: string } } {
  const line = message.replace(/\s+/g, ' ').trim();
  return { error: { status, message: line.length > 500 ? `${line.slice(0, 497)}...` : line } };
}
