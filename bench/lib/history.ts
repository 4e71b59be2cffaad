import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';

/*
 * Reading workflow histories for the exchange benchmark: where one document's time went (queues, tasks, activities)
 * and what the Temporal server handled for it (events by kind, payload bytes), next to the no-op floor's.
 */

/** Bytes of every payload (inputs, results, signal and update arguments) anywhere in a history. */
export function payloadBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + payloadBytes(v), 0);
  if (value && typeof value === 'object')
    return Object.values(value).reduce((sum: number, v) => sum + payloadBytes(v), 0);
  return 0;
}

export const padMs = (v: number) => `${v.toFixed(0).padStart(6)} ms`;

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** An event's time in epoch ms (0 for none). */
const eventMs = (e: HistoryEvent | undefined) => (e?.eventTime ? tsToMs(e.eventTime) : 0);

/** A history's events by id, so a completion finds its scheduling and start. */
const eventsById = (events: HistoryEvent[]) => new Map(events.map((e) => [String(e.eventId), e]));

/** Sums of the spans in one workflow history, in ms (sequential spans; parallel activities add up). */
export function historySpans(events: HistoryEvent[]) {
  const byId = eventsById(events);
  const t = { wall: 0, wftQueued: 0, wftRunning: 0, actQueued: 0, actRunning: 0, activities: 0 };
  for (const e of events) {
    const started = e.workflowTaskStartedEventAttributes;
    if (started) t.wftQueued += eventMs(e) - eventMs(byId.get(String(started.scheduledEventId)));
    const completed = e.workflowTaskCompletedEventAttributes;
    if (completed) t.wftRunning += eventMs(e) - eventMs(byId.get(String(completed.startedEventId)));
    const actStarted = e.activityTaskStartedEventAttributes;
    if (actStarted) t.actQueued += eventMs(e) - eventMs(byId.get(String(actStarted.scheduledEventId)));
    const actDone = e.activityTaskCompletedEventAttributes;
    if (actDone) {
      t.actRunning += eventMs(e) - eventMs(byId.get(String(actDone.startedEventId)));
      t.activities++;
    }
    // The sender's workflow stays open after 03 (recalls, follow-ups): its wall time is up to its last event.
    t.wall = eventMs(e) - eventMs(events[0]);
  }
  return t;
}

/** What the Temporal server handled for some workflows: their events, by the kinds that cost it most. */
export interface TemporalWork {
  workflows: number;
  events: number;
  workflowTasks: number;
  activities: number;
  signals: number;
  updates: number;
  timers: number;
}

export function temporalWork(histories: HistoryEvent[][]): TemporalWork {
  const w: TemporalWork = {
    workflows: histories.length,
    events: 0,
    workflowTasks: 0,
    activities: 0,
    signals: 0,
    updates: 0,
    timers: 0,
  };
  for (const e of histories.flat()) {
    w.events++;
    if (e.workflowTaskCompletedEventAttributes) w.workflowTasks++;
    if (e.activityTaskScheduledEventAttributes) w.activities++;
    if (e.workflowExecutionSignaledEventAttributes) w.signals++;
    if (e.workflowExecutionUpdateAcceptedEventAttributes) w.updates++;
    if (e.timerStartedEventAttributes) w.timers++;
  }
  return w;
}

export const describeWork = (w: TemporalWork): string =>
  `${w.workflows} workflow(s), ${w.events} events: ${w.workflowTasks} workflow tasks, ${w.activities} activities, ` +
  `${w.signals} signals, ${w.updates} updates, ${w.timers} timers`;

/** One activity of a history, from its scheduling to its completion, with the attempt that completed it. */
export interface ActivitySpan {
  activityType: string;
  ms: number;
  attempt: number;
  /** The failure of the attempt before the last, when there was one (a timeout, the database gone). */
  lastFailure?: string;
}

/**
 * Every completed activity's span: its scheduling to its completion, so attempts that failed or timed out before
 * are inside it (Temporal records only an activity's last attempt, with its number and the failure before it).
 */
export function activitySpans(events: HistoryEvent[]): ActivitySpan[] {
  const byId = eventsById(events);
  const spans: ActivitySpan[] = [];
  for (const e of events) {
    const done = e.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const scheduled = byId.get(String(done.scheduledEventId));
    const started = byId.get(String(done.startedEventId))?.activityTaskStartedEventAttributes;
    spans.push({
      activityType: scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
      ms: eventMs(e) - eventMs(scheduled),
      attempt: started?.attempt ?? 1,
      lastFailure: started?.lastFailure?.message ?? undefined,
    });
  }
  return spans;
}
