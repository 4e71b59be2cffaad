import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyChainInput } from '../../../cli/pki-commands';

/** Any bytes do: verifyChainInput reads files, it does not parse certificates. */
const DER = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]);

describe('pki verify-chain input', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lienthong-verify-chain-'));
    for (const name of ['root.der', 'legacy-root.der', 'ee.der']) writeFileSync(file(name), DER);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes --anchor as constrained and --anchor-unconstrained as constraints: ignore', async () => {
    const input = await verifyChainInput(
      {
        anchor: [file('root.der')],
        anchorUnconstrained: [file('legacy-root.der')],
        cert: file('ee.der'),
        at: '2026-03-01T00:00:00Z',
      },
      new Date('2000-01-01T00:00:00Z'),
    );
    expect(input.anchors).toEqual([DER, { certificate: DER, constraints: 'ignore' }]);
    expect(input.at.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(input.revocation).toBe('none');
  });

  it('refuses a call without any trust anchor', async () => {
    await expect(verifyChainInput({ cert: file('ee.der') }, new Date())).rejects.toMatchObject({
      name: 'UsageError',
    });
  });
});
