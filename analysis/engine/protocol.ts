/**
 * The wire protocol shared by every remote transport (WebSocket, Electron utilityProcess): requests
 * `{ id, method, params }`, replies `{ id, ok, result | error }`, events `{ event, payload }`.
 * `dispatch` is the server half: it checks the envelope, the method allowlist and the params schema,
 * calls the engine, and validates the result before it leaves the process.
 */
import { z } from 'zod';
import { type EngineApi, engineMethods, isEngineMethod } from './api';
import { formatIssues } from './issues';
import { InvalidRequestError, type SerializedError, serializeError } from './errors';

export const requestSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string(),
  params: z.unknown(),
});

export type EngineRequest = z.infer<typeof requestSchema>;
export type EngineReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError };
export interface EngineEvent {
  event: string;
  payload: unknown;
}

/** Checks a request against the allowlist and the method's schema; throws InvalidRequestError. */
export function parseRequest(raw: unknown): {
  id: number;
  method: keyof typeof engineMethods;
  params: unknown;
} {
  const env = requestSchema.safeParse(raw);
  if (!env.success) throw new InvalidRequestError(`malformed request: ${formatIssues(env.error).join('; ')}`);
  const { id, method } = env.data;
  if (!isEngineMethod(method))
    throw new InvalidRequestError(`unknown method: ${JSON.stringify(method).slice(0, 80)}`);
  const params = engineMethods[method].params.safeParse(env.data.params ?? {});
  if (!params.success) {
    throw new InvalidRequestError(`invalid params for ${method}: ${formatIssues(params.error).join('; ')}`, {
      method,
      issues: formatIssues(params.error),
    });
  }
  return { id, method, params: params.data };
}

export async function dispatch(engine: EngineApi, raw: unknown): Promise<EngineReply> {
  const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
  try {
    const req = parseRequest(raw);
    const call = engine[req.method] as (p: unknown) => Promise<unknown>;
    const result = await call.call(engine, req.params);
    const checked = engineMethods[req.method].result.safeParse(result);
    if (!checked.success)
      throw new Error(
        `engine returned an invalid ${req.method} result: ${formatIssues(checked.error).join('; ')}`,
      );
    return { id: req.id, ok: true, result: checked.data };
  } catch (e) {
    return { id, ok: false, error: serializeError(e) };
  }
}
