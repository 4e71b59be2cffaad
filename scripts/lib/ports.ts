import type { StackPorts } from './stack';

/** Default ports of the dev stack: none collides with services this kind of machine already runs. */
export const DEFAULT_PORTS: StackPorts = {
  temporal: 17233,
  temporalHttp: 17243,
  temporalUi: 18233,
  temporalMetrics: 17234,
  nats: 14222,
  natsMonitor: 18222,
  mongo: 27027,
};

function envPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return n;
}

export function portsFromEnv(env: NodeJS.ProcessEnv): StackPorts {
  return {
    temporal: envPort(env, 'TEMPORAL_PORT', DEFAULT_PORTS.temporal),
    temporalHttp: envPort(env, 'TEMPORAL_HTTP_PORT', DEFAULT_PORTS.temporalHttp),
    temporalUi: envPort(env, 'TEMPORAL_UI_PORT', DEFAULT_PORTS.temporalUi),
    temporalMetrics: envPort(env, 'TEMPORAL_METRICS_PORT', DEFAULT_PORTS.temporalMetrics),
    nats: envPort(env, 'NATS_PORT', DEFAULT_PORTS.nats),
    natsMonitor: envPort(env, 'NATS_MONITOR_PORT', DEFAULT_PORTS.natsMonitor),
    mongo: envPort(env, 'MONGO_PORT', DEFAULT_PORTS.mongo),
  };
}
