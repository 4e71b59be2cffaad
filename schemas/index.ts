export * from './constants';
export * from './errors';
export * from './identity';
export * from './api';
export * from './audit';
export * from './audit-events';
export * from './config';
export * from './verification';
