/**
 * The IPC edge in the main process: a call is forwarded to the engine only when its channel is on
 * the allowlist (one channel per EngineApi method), it comes from the app's own top frame, and its
 * payload matches the method's schema. Everything else gets a clear error reply and reaches nothing.
 */
import { ENGINE_METHODS, type EngineMethod } from '../../analysis/engine/api';
import { InvalidRequestError, serializeError } from '../../analysis/engine/errors';
import { parseRequest, type EngineReply } from '../../analysis/engine/protocol';
import { APP_ORIGIN } from './csp';

export const CHANNEL_PREFIX = 'vlcache:';
export const IPC_CHANNELS = ENGINE_METHODS.map((m) => `${CHANNEL_PREFIX}${m}`);

export interface IpcSender {
  /** URL of the frame that sent the message. */
  url: string;
  /** Whether that frame is the window's top frame. */
  isTopFrame: boolean;
}

export function methodForChannel(channel: string): EngineMethod | null {
  if (!channel.startsWith(CHANNEL_PREFIX)) return null;
  const m = channel.slice(CHANNEL_PREFIX.length);
  return (ENGINE_METHODS as string[]).includes(m) ? (m as EngineMethod) : null;
}

export function isTrustedSender(sender: IpcSender): boolean {
  if (!sender.isTopFrame) return false;
  try {
    return new URL(sender.url).origin === APP_ORIGIN || sender.url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

let nextId = 1;

/** Validates one IPC call; returns the request to forward, or the error reply to send back. */
export function guardIpcCall(
  channel: string,
  sender: IpcSender,
  payload: unknown,
):
  | { ok: true; request: { id: number; method: EngineMethod; params: unknown } }
  | { ok: false; reply: EngineReply } {
  const fail = (e: Error): { ok: false; reply: EngineReply } => ({
    ok: false,
    reply: { id: -1, ok: false, error: serializeError(e) },
  });
  const method = methodForChannel(channel);
  if (!method) return fail(new InvalidRequestError(`unknown channel: ${channel.slice(0, 80)}`));
  if (!isTrustedSender(sender))
    return fail(new InvalidRequestError(`call on ${channel} from an untrusted frame refused`));
  try {
    const id = nextId++;
    const req = parseRequest({ id, method, params: payload });
    return { ok: true, request: { id, method: req.method, params: req.params } };
  } catch (e) {
    return fail(e as Error);
  }
}
