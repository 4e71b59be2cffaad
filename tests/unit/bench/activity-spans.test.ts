import Long from 'long';
import { activitySpans, type HistoryEvent } from '../../../bench/lib/history';

// Event times as the client decodes them: seconds as a Long.
const at = (ms: number) => ({ seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

// A history in the shape the Temporal client returns: one activity completed at its first attempt, one completed at
// its third after the worker running the second died (a start-to-close timeout), one scheduled and not yet done.
const events = [
  {
    eventId: 5,
    eventTime: at(1_000),
    activityTaskScheduledEventAttributes: { activityType: { name: 'signPersonal' } },
  },
  {
    eventId: 6,
    eventTime: at(1_100),
    activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 1 },
  },
  {
    eventId: 7,
    eventTime: at(1_400),
    activityTaskCompletedEventAttributes: { scheduledEventId: 5, startedEventId: 6 },
  },
  {
    eventId: 11,
    eventTime: at(2_000),
    activityTaskScheduledEventAttributes: { activityType: { name: 'recordDocumentEvents' } },
  },
  {
    eventId: 12,
    eventTime: at(242_000),
    activityTaskStartedEventAttributes: {
      scheduledEventId: 11,
      attempt: 3,
      lastFailure: { message: 'activity StartToClose timeout' },
    },
  },
  {
    eventId: 13,
    eventTime: at(242_500),
    activityTaskCompletedEventAttributes: { scheduledEventId: 11, startedEventId: 12 },
  },
  {
    eventId: 20,
    eventTime: at(250_000),
    activityTaskScheduledEventAttributes: { activityType: { name: 'dispatch' } },
  },
] as unknown as HistoryEvent[];

describe('activitySpans', () => {
  it('spans each completed activity from its scheduling, failed attempts included, with the failure before', () => {
    expect(activitySpans(events)).toEqual([
      { activityType: 'signPersonal', ms: 400, attempt: 1, lastFailure: undefined },
      {
        activityType: 'recordDocumentEvents',
        ms: 240_500,
        attempt: 3,
        lastFailure: 'activity StartToClose timeout',
      },
    ]);
  });
});
