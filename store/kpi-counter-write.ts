import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { isDuplicateKey } from './kpi-documents';

/**
 * How a counter document remembers the events it counted, so that an event counted a second time (a retried
 * activity) changes it once: by time slot, not by number. Each document keeps the ids of the events counted in the
 * last {@link TOKEN_SLOTS} slots of {@link TOKEN_SLOT_MS} (`w.s<n>`, with the slot's epoch in `e.s<n>`); the first write
 * of a new slot replaces what that slot held {@link TOKEN_SLOTS} slots before. So a retry is recognised for at least
 * an hour however busy the agency, and a document holds an hour of tokens at most.
 *
 * Why not `$push` with `$slice` (as before): FerretDB v1 ignores `$slice`, so on the dev stack a counter document kept
 * every token of its day or month and each `$inc` rewrote all of them (57 ms with 5,000); and on MongoDB the last 16
 * events of a busy agency are seconds, less than Temporal waits before retrying an activity whose worker died.
 * `r` is the earlier layout's list (and what a rebuild writes): still consulted, never grown.
 */
export const TOKEN_SLOT_MS = 10 * 60_000;
export const TOKEN_SLOTS = 7;

/** The fields of a counter document that are not counters (left out when reading counters). */
export const TOKEN_FIELDS = { r: 0, w: 0, e: 0 } as const;

export interface CounterTokens {
  /** Earlier layout and rebuilds: some recent tokens, never grown. */
  r?: string[];
  /** Tokens by slot (`s0`…), and the epoch (`TOKEN_SLOT_MS` since 1970) each slot's tokens belong to. */
  w?: Record<string, string[]>;
  e?: Record<string, number>;
}

/** The slot `now` writes to. */
export function tokenSlot(now: number): { epoch: number; name: string } {
  const epoch = Math.floor(now / TOKEN_SLOT_MS);
  return { epoch, name: `s${epoch % TOKEN_SLOTS}` };
}

/** Filter: the document holds no token `token` (in any slot, nor in `r`). */
function lacks(token: string): Record<string, unknown> {
  const filter: Record<string, unknown> = { r: { $ne: token } };
  for (let i = 0; i < TOKEN_SLOTS; i++) filter[`w.s${i}`] = { $ne: token };
  return filter;
}

/** Filter: the document holds token `token`. */
function holds(token: string): Record<string, unknown> {
  return { $or: [{ r: token }, ...Array.from({ length: TOKEN_SLOTS }, (_, i) => ({ [`w.s${i}`]: token }))] };
}

/**
 * Adds `dims` to counter document `_id` for the events of `tokens`, at time `now`. The first counting of events
 * (their tokens were new) adds unconditionally; a second counting (a retry, always of one event) only where the
 * document does not hold the token, so a retry after a crash half way completes the documents it had not reached and
 * counts none twice. One command in the common case (the slot is current), two when a slot starts.
 */
export async function incrementCounter<T extends { _id: string; c: Record<string, number> } & CounterTokens>(
  collection: Collection<T>,
  _id: string,
  tokens: readonly string[],
  dims: Record<string, number>,
  insertFields: Record<string, string>,
  firstCounting: boolean,
  now: number,
): Promise<void> {
  if (!firstCounting && tokens.length !== 1) throw new Error('a second counting is of one event at a time');
  const token = tokens[0]!;
  const { epoch, name } = tokenSlot(now);
  const $inc = Object.fromEntries(Object.entries(dims).map(([dim, n]) => [`c.${dim}`, n]));
  const guard = firstCounting ? {} : lacks(token);
  for (let attempt = 0; attempt < 10; attempt++) {
    // The slot is this epoch's (or a later one's, written by a process whose clock is ahead): add to it.
    const added = await collection.updateOne(
      { _id, ...guard, [`e.${name}`]: { $gte: epoch } } as Filter<T>,
      { $inc, $push: { [`w.${name}`]: { $each: [...tokens] } } } as unknown as UpdateFilter<T>,
    );
    if (added.matchedCount === 1) return;
    try {
      // No document yet, or the slot holds tokens of TOKEN_SLOTS slots ago: start it afresh.
      await collection.updateOne(
        {
          _id,
          ...guard,
          $or: [{ [`e.${name}`]: { $exists: false } }, { [`e.${name}`]: { $lt: epoch } }],
        } as Filter<T>,
        {
          $inc,
          $set: { [`w.${name}`]: [...tokens], [`e.${name}`]: epoch },
          $setOnInsert: insertFields,
        } as unknown as UpdateFilter<T>,
        { upsert: true },
      );
      return;
    } catch (err) {
      // The document is there and matched neither: another writer started the slot meanwhile (add to it now), or it
      // holds the token (this event was counted here before).
      if (!isDuplicateKey(err)) throw err;
      if (
        !firstCounting &&
        (await collection.findOne({ _id, ...holds(token) } as Filter<T>, { projection: { _id: 1 } }))
      )
        return;
    }
  }
  throw new Error(`KPI counter ${_id} kept colliding; giving up`);
}
