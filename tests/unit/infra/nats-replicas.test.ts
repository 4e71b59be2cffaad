import { ZodError } from 'zod';
import { parseConfig } from '../../../schemas/config';

const secret = 'x'.repeat(32);

describe('NATS_REPLICAS', () => {
  it('defaults to one copy, as on the single dev server', () => {
    expect(parseConfig({}, secret).nats.replicas).toBe(1);
  });

  it('reads three copies for the cluster and compose', () => {
    expect(parseConfig({ NATS_REPLICAS: '3' }, secret).nats.replicas).toBe(3);
  });

  it.each(['0', '6', '2.5', 'three', '-1'])('refuses %s, naming the variable', (raw) => {
    let caught: unknown;
    try {
      parseConfig({ NATS_REPLICAS: raw }, secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZodError);
    expect((caught as ZodError).issues[0]?.path).toEqual(['NATS_REPLICAS']);
  });
});
