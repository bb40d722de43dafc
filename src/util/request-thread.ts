/**
 * A worker thread that answers requests, each answer carrying its request's id: started on first use, held while a
 * request is unanswered and let go when idle (so it never keeps a process alive), and replaced on the next request
 * after it dies, failing whatever it had not answered.
 *
 * It starts without the process's Node flags: a worker inherits them by default, and one it refuses
 * (`--input-type`, which a process started with `-e` may carry) would fail every request.
 */
import { type Transferable, Worker } from "node:worker_threads";

export interface RequestThreadOptions<Response, Waiting> {
  /** The worker's module. */
  readonly url: URL;
  /** Begins the error of a request the thread died with, before the cause: "the write thread stopped". */
  readonly lostMessage: string;
  /** Hands an answer to the one who asked; `waiting` is what was given with the request. */
  answered(response: Response, waiting: Waiting): void;
  /** Fails one unanswered request: the thread died or could not start. */
  lost(error: Error, waiting: Waiting): void;
}

export class RequestThread<Request, Response extends { readonly id: number }, Waiting> {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly unanswered = new Map<number, Waiting>();

  constructor(private readonly options: RequestThreadOptions<Response, Waiting>) {}

  /** Sends the request `build` makes with a fresh id; `waiting` comes back in `answered` or `lost`. */
  send(build: (id: number) => Request, waiting: Waiting, transfer: readonly Transferable[] = []): void {
    const id = this.nextId++;
    this.unanswered.set(id, waiting);
    const worker = this.started();
    worker.ref();
    worker.postMessage(build(id), transfer);
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(this.options.url, { execArgv: [] });
    worker.unref();
    worker.on("message", (response: Response) => {
      const waiting = this.unanswered.get(response.id);
      if (waiting === undefined) return;
      this.unanswered.delete(response.id);
      if (this.unanswered.size === 0) worker.unref();
      this.options.answered(response, waiting);
    });
    const lost = (cause: Error): void => {
      if (this.worker === worker) this.worker = null;
      const error = new Error(`${this.options.lostMessage}: ${cause.message}`, { cause });
      const unanswered = [...this.unanswered.values()];
      this.unanswered.clear();
      for (const waiting of unanswered) this.options.lost(error, waiting);
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
