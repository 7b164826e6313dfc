// A route of the service: method, exact path, whether it runs on a worker (model calls), how its body
// is validated (parse: the body → a request, or a 4xx HttpError) and what it answers: a value sent as
// JSON, or a RawBody (the UI's files, the rating exports) sent as it is with its content type.

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  queued: boolean; // runs on a worker (model calls)
  parse: (body: unknown) => unknown; // validates the body (POST) before it waits for a worker
  answer: (request: never, signal: AbortSignal) => unknown; // the answer (a promise for queued routes)
}

/** An answer that is not JSON: its bytes and their content type (and any further headers). */
export class RawBody {
  constructor(
    readonly type: string,
    readonly body: string | Buffer,
    readonly headers: Record<string, string> = {},
  ) {}
}

export function route<T>(
  method: Route['method'],
  path: string,
  queued: boolean,
  parse: (body: unknown) => T,
  answer: (request: T, signal: AbortSignal) => unknown,
): Route {
  return { method, path, queued, parse, answer: answer as Route['answer'] };
}

/** parse for a route without a body. */
export const noBody = (): undefined => undefined;
