// A POST body as instances, KServe style: either one instance with the route's shared fields beside
// it ({user, item, aspect}), or {instances: [{user, item}, …], aspect}. Unknown fields are 400s; so
// is a shared field inside an instance. And `between`, the yield a job makes between model calls.
import { badRequest } from './http_error.js';
import { objects, object, type Json } from './validate.js';

export function instancesOf(
  body: unknown,
  perInstance: readonly string[],
  shared: readonly string[],
  max: number,
): { shared: Json; instances: { o: Json; path: string }[] } {
  const top = object(body, ['instances', ...perInstance, ...shared]);
  const list = objects(top, 'instances', max);
  if (list === undefined) return { shared: top, instances: [{ o: top, path: 'body' }] };
  const mixed = perInstance.find((k) => k in top);
  if (mixed !== undefined) throw badRequest(`"${mixed}" belongs inside each instance when "instances" is given`);
  return { shared: top, instances: list.map((o, i) => ({ o: object(o, perInstance, `instances[${i}]`), path: `instances[${i}]` })) };
}

/** Lets the event loop answer other requests (health, refusals) between two model calls; throws once the request is abandoned. */
export async function between(signal: AbortSignal): Promise<void> {
  await new Promise((r) => setImmediate(r));
  signal.throwIfAborted();
}
