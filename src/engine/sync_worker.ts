// Synchronous calls into an asynchronous worker (the synckit pattern, in small). The worker runs
// `handler`, plain JavaScript (workers get no TypeScript loader) that defines
// `async function handle(request)` with `require` and `data` in scope (an error at its top level
// is the reply to every call). call() posts the request
// on a MessagePort and blocks this thread on Atomics.wait over a SharedArrayBuffer; the worker
// awaits handle(), posts { ok, value } or { ok: false, message } and then notifies; this thread
// wakes and takes the reply off the port with receiveMessageOnPort. One call at a time, so a
// reply always answers the last request. The worker never keeps the process alive (unref'd).
// A handler that throws becomes an Error here with its message; requests and replies are
// structured clones (typed arrays copy).
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

type Reply = { ok: true; value: unknown } | { ok: false; message: string };

/** How long call() polls for a reply that is not on the port when the worker's notify wakes it. */
const REPLY_GRACE_MS = 5000;
const SLEEP = new Int32Array(new SharedArrayBuffer(4)); // always 0: Atomics.wait on it only sleeps

const STUB = (handler: string) => `
const { workerData } = require('node:worker_threads');
const { port, signal, data } = workerData;
let setup;
let broken = null;
try {
  setup = (() => {
${handler}
    return handle;
  })();
} catch (e) {
  broken = String((e && e.message) || e);
}
port.on('message', async (request) => {
  let reply;
  try {
    if (broken !== null) throw new Error(broken);
    reply = { ok: true, value: await setup(request) };
  } catch (e) {
    reply = { ok: false, message: String((e && e.message) || e) };
  }
  try {
    port.postMessage(reply);
  } catch (e) {
    port.postMessage({ ok: false, message: 'the reply could not be sent: ' + String((e && e.message) || e) });
  }
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

export class SyncWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;

  /** Starts the worker; `data` (structured-cloneable) is in the handler's scope as `data`. */
  constructor(handler: string, data: unknown) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(STUB(handler), {
      eval: true,
      workerData: { port: port2, signal: this.signal, data },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
  }

  /** handle(request)'s value, waited for on this thread; its error as an Error with the same message. */
  call<T>(request: unknown): T {
    if (this.closed) throw new Error('the worker was closed');
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(request);
    Atomics.wait(this.signal, 0, 0);
    let got = receiveMessageOnPort(this.port);
    // the reply has once been missing right after the wake-up (a loaded machine, CI); babel's sync
    // worker met the same: poll for it a while before calling it lost
    for (let ms = 0; !got && ms < REPLY_GRACE_MS; ms++) {
      Atomics.wait(SLEEP, 0, 0, 1); // 1 ms
      got = receiveMessageOnPort(this.port);
    }
    if (!got) throw new Error('the worker woke this thread without a reply');
    const reply = got.message as Reply;
    if (!reply.ok) throw new Error(reply.message);
    return reply.value as T;
  }

  /** Stops the worker; a later call throws. */
  close(): void {
    this.closed = true;
    void this.worker.terminate();
    this.port.close();
  }
}
