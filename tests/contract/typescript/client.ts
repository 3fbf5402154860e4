// What an SPA written in strict TypeScript does with the generated types (tests/contract/test_typescript.py).
// It must compile with `tsc --strict`: response fields are required (not `?:`), nullability is explicit,
// error statuses carry the Error body, and operations are addressable by operationId.
import type { components, operations, paths } from "./generated/api";

type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

// A message as the chat list renders it: no optional chaining needed on required fields.
export function renderMessage(m: Schemas["Message"]): string {
  const avatar: string | null = m.user.avatar;
  const pinned: boolean = m.isPinned;
  return `${m.user.name}${avatar ?? ""}: ${m.text} ${pinned ? "📌" : ""} @ ${m.createdAt}`;
}

// Sending one: the request body type, the 201 body, and the error bodies.
type CreateMessage = operations["messagesPostMessage"];
export const body: Json<CreateMessage["requestBody"]> = { sessionId: "00000000-0000-0000-0000-000000000000", text: "hi" };
export function created(r: Json<CreateMessage["responses"][201]>): string {
  return r.id;
}
export function errorCode(e: Json<CreateMessage["responses"][401]> | Json<CreateMessage["responses"][429]>): string {
  return `${e.error.code}: ${e.error.message}`;
}
export function fieldProblems(e: Json<CreateMessage["responses"][400]>): string[] {
  const fields = e.error.fields;
  if (fields === undefined) return [];
  return Object.entries(fields).flatMap(([name, problems]) => problems.map((p) => `${name}: ${p}`));
}

// A poll's results and the caller's own vote (null when not voted).
export function pollSummary(p: Json<paths["/api/polls/session/{session_id}/active"]["get"]["responses"][200]>): string {
  const mine: string | null = p.userVoteOptionId;
  return p.options.map((o) => `${o.text}: ${o.votes}`).join(", ") + (mine === null ? "" : ` (voted ${mine})`);
}

// A stream not started yet has null times.
export function streamState(s: Schemas["Stream"]): string {
  const started: string | null = s.startedAt;
  return `${s.status} since ${started ?? "never"}`;
}

// Auth keeps Supabase's names.
export function bearer(r: Json<operations["authSignin"]["responses"][200]>): string {
  return `Bearer ${r.session.access_token}; expires ${r.session.expires_at}`;
}

// Socket.IO, typed by /api/socket-events.d.ts (saved as generated/socket-events.d.ts).
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, EventMeta, ServerToClientEvents } from "./generated/socket-events";

export function live(token: string, sessionId: string): Socket<ServerToClientEvents, ClientToServerEvents> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ auth: { token } });
  socket.on("new_message", (message, meta?: EventMeta) => {
    renderMessage(message);
    if (meta) console.log(meta.seq);
  });
  socket.on("viewer_count", ({ sessionId: id, count }) => console.log(id, count + 1));
  socket.on("questions_updated", (questions) => questions.map((q) => q.upvotes.toFixed()));
  socket.emit("join_session", { sessionId }, (answer) => {
    if (answer.ok) console.log(answer.data.viewerCount.toFixed());
    else console.error(answer.error.code);
  });
  socket.emit("send_message", { sessionId, text: "hello" }, (answer) => {
    if (answer.ok) renderMessage(answer.data);
  });
  return socket;
}
