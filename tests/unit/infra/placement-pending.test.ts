import { JetStreamApiError } from '@nats-io/jetstream';
import { whilePlacementPending } from '../../../infra/exchange-nats';

const apiError = (errCode: number, description: string) =>
  new JetStreamApiError({ code: 400, err_code: errCode, description });

describe('whilePlacementPending', () => {
  it('creates again while the cluster cannot place the copies yet, then returns what the creation returned', async () => {
    let calls = 0;
    const result = await whilePlacementPending(async () => {
      calls += 1;
      if (calls < 3) throw apiError(10005, 'no suitable peers for placement');
      return 'Ủy ban nhân dân xã Tân Phú';
    }, 5_000);
    expect(result).toBe('Ủy ban nhân dân xã Tân Phú');
    expect(calls).toBe(3);
  });

  it('throws any other JetStream error at once', async () => {
    let calls = 0;
    const create = async () => {
      calls += 1;
      throw apiError(10058, 'stream name already in use with a different configuration');
    };
    await expect(whilePlacementPending(create, 5_000)).rejects.toThrow('different configuration');
    expect(calls).toBe(1);
  });

  it('gives up with the placement error once its patience is spent', async () => {
    let calls = 0;
    const started = Date.now();
    const create = async () => {
      calls += 1;
      throw apiError(10005, 'no suitable peers for placement');
    };
    await expect(whilePlacementPending(create, 400)).rejects.toThrow('no suitable peers for placement');
    expect(calls).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
