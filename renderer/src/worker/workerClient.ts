/**
 * The main-thread half of the worker protocol: numbers requests, matches replies to them by id, and
 * turns error replies into rejected promises. `lane` keeps at most one request of a kind in flight
 * and only the newest one waiting, so a slider drag that outruns the worker never builds a queue:
 * intermediate values are skipped, the last one is always computed.
 *
 * Requests are posted without a transfer list: the only large request is `load`, whose Stats the
 * main thread keeps using (tiles, overlay), so it is copied once per recording.
 */
import type { ReplyFor, WorkerError, WorkerReply, WorkerRequest, WorkerRequestType } from './protocol';

/** What the client needs of a Worker (a real one, or a fake in tests). */
export interface WorkerPort {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: 'message', listener: (ev: { data: WorkerReply }) => void): void;
  addEventListener(type: 'error', listener: (ev: { message?: string }) => void): void;
  terminate?(): void;
}

export class WorkerRequestError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(e: WorkerError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
    this.details = e.details;
  }
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
export type RequestBody<T extends WorkerRequestType> = Distribute<Extract<WorkerRequest, { type: T }>>;

export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }
  >();

  constructor(private readonly port: WorkerPort) {
    port.addEventListener('message', (ev) => this.receive(ev.data));
    port.addEventListener('error', (ev) => {
      const error = {
        name: 'WorkerCrashed',
        code: 'worker-crashed',
        message: ev.message ?? 'the analysis worker failed',
      };
      for (const p of this.pending.values()) p.reject(new WorkerRequestError(error));
      this.pending.clear();
    });
  }

  request<B extends RequestBody<WorkerRequestType>>(body: B): Promise<ReplyFor<B['type']>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: WorkerReply) => void, reject });
      this.port.postMessage({ ...body, id } as WorkerRequest);
    });
  }

  /** Requests still waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  private receive(reply: WorkerReply) {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.type === 'error') p.reject(new WorkerRequestError(reply.error));
    else p.resolve(reply);
  }

  terminate() {
    this.port.terminate?.();
  }
}

/**
 * A latest-wins lane: `submit(job)` runs the job now if the lane is idle, else replaces whatever job
 * was waiting. The returned promise settles with the job's outcome, or with `skipped` when a newer
 * submission replaced it before it started.
 */
export function lane() {
  let running = false;
  let waiting: { job: () => Promise<unknown>; settle: (v: LaneOutcome<unknown>) => void } | null = null;

  const start = (job: () => Promise<unknown>, settle: (v: LaneOutcome<unknown>) => void) => {
    running = true;
    job()
      .then(
        (value) => settle({ status: 'done', value }),
        (error) => settle({ status: 'failed', error }),
      )
      .finally(() => {
        running = false;
        const next = waiting;
        waiting = null;
        if (next) start(next.job, next.settle);
      });
  };

  return {
    submit<T>(job: () => Promise<T>): Promise<LaneOutcome<T>> {
      return new Promise((settle) => {
        const s = settle as (v: LaneOutcome<unknown>) => void;
        if (!running) start(job, s);
        else {
          waiting?.settle({ status: 'skipped' });
          waiting = { job, settle: s };
        }
      });
    },
    get busy() {
      return running;
    },
  };
}

export type LaneOutcome<T> =
  | { status: 'done'; value: T }
  | { status: 'failed'; error: unknown }
  | { status: 'skipped' };
