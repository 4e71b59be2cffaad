/**
 * The exchange core: state objects, command tables and rules of an outgoing document and of a received copy.
 * Pure and sandbox-safe (no Temporal, no I/O, no clock): the exchange workflows wire their handlers to it.
 */
export * from './amendments';
export * from './approval';
export * from './envelope';
export * from './incoming-commands';
export * from './incoming-state';
export * from './outgoing-commands';
export * from './outgoing-state';
export * from './outgoing-view';
export * from './recipients';
export * from './refusal';
