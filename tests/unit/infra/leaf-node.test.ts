import { natsAuthorizationConfig } from '../../../infra/nats-auth';
import {
  hubLeafnodeConfig,
  leafDeliverPrefix,
  leafDeniedSubjects,
  leafDomain,
  leafInboxStream,
  leafNatsPassword,
  leafNatsPermissions,
  leafNatsUser,
  renderLeafNodeConfig,
} from '../../../infra/leaf-node';
import { exchangeNames } from '../../../schemas/edxml';

const base = {
  agency: '000.01.01.H29',
  hubUrls: ['nats://tinh.example.vn:7422', 'tls://nats-2.tinh.example.vn:7422'],
  hubUser: leafNatsUser('000.01.01.H29'),
  hubPassword: 'p@ss/word:1',
  listen: { host: '127.0.0.1', port: 4222 },
  storeDir: '/var/lib/lienthong-leaf/jetstream',
};

describe('leaf node names', () => {
  it('gives each commune its own JetStream domain and leaf user, one subject token each', () => {
    expect(leafDomain('000.01.01.H29')).toBe('commune-000-01-01-h29');
    expect(leafNatsUser('000.01.01.H29')).toBe('leaf-000_01_01_h29');
    expect(leafInboxStream()).toBe('LIENTHONG_EXCHANGE_INBOX');
    expect(leafInboxStream(exchangeNames('t1'))).toBe('LIENTHONG_EXCHANGE_T1_INBOX');
  });

  it('derives a URL-safe leaf password per commune from the deployment secret', () => {
    const a = leafNatsPassword('secret', '000.01.01.H29');
    expect(a).toBe(leafNatsPassword('secret', '000.01.01.H29'));
    expect(a).not.toBe(leafNatsPassword('secret', '000.01.02.H29'));
    expect(a).not.toBe(leafNatsPassword('other', '000.01.01.H29'));
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('renderLeafNodeConfig', () => {
  it('puts the leaf in its own domain and keeps the exchange, dead-letter and documents subjects off the link', () => {
    const config = renderLeafNodeConfig(base);
    expect(config).toContain('domain: "commune-000-01-01-h29"');
    expect(config).toContain('sync_interval: always');
    const denied = JSON.stringify(leafDeniedSubjects());
    expect(denied).toBe('["lienthong.exchange.>","lienthong.dlq.>","$O.lienthong-documents.>"]');
    expect(config).toContain(`deny_exports: ${denied.replace(/,/g, ', ')}`);
    expect(config).toContain(`deny_imports: ${denied.replace(/,/g, ', ')}`);
  });

  it('URL-encodes the credentials into every hub URL and keeps each URL scheme', () => {
    const config = renderLeafNodeConfig(base);
    expect(config).toContain(
      'urls: ["nats://leaf-000_01_01_h29:p%40ss%2Fword%3A1@tinh.example.vn:7422", ' +
        '"tls://leaf-000_01_01_h29:p%40ss%2Fword%3A1@nats-2.tinh.example.vn:7422"]',
    );
  });

  it('refuses a hub URL that is not nats:// or tls://, and an empty list', () => {
    expect(() => renderLeafNodeConfig({ ...base, hubUrls: ['http://tinh.example.vn:7422'] })).toThrow(
      /expected nats:\/\/host:port/,
    );
    expect(() => renderLeafNodeConfig({ ...base, hubUrls: [] })).toThrow(/at least one hub URL/);
  });
});

describe('hubLeafnodeConfig and the leaf users', () => {
  it('renders the leafnode port with the advertised address when given', () => {
    const config = hubLeafnodeConfig({
      listen: { host: '0.0.0.0', port: 7422 },
      advertise: 'nats.tinh.example.vn:7422',
    });
    expect(config).toContain('listen: "0.0.0.0:7422"');
    expect(config).toContain('advertise: "nats.tinh.example.vn:7422"');
    expect(config).not.toContain('authorization');
  });

  it("allows a commune's link only its own inbox filter, its own deliveries and its own domain's API", () => {
    const { publish, subscribe } = leafNatsPermissions('000.01.01.H29');
    expect(publish).toEqual([
      '$JS.province.API.CONSUMER.CREATE.LIENTHONG_EXCHANGE.*.lienthong.exchange.000_01_01_h29.>',
      'lienthong.leaf.000_01_01_h29.up.>',
      '$JSC.R.>',
      '$JS.FC.>',
    ]);
    expect(subscribe).toEqual([
      '$JS.commune-000-01-01-h29.API.>',
      'lienthong.leaf.000_01_01_h29.down.>',
      '$JSC.R.>',
      '$JS.FC.>',
      '$LDS.>',
    ]);
    expect(leafDeliverPrefix('000.01.01.H29', 'up')).toBe('lienthong.leaf.000_01_01_h29.up');
  });

  it('adds one restricted user per commune to the server authorization block', () => {
    const config = natsAuthorizationConfig({
      agencies: [],
      system: { user: 'lienthong', password: 's' },
      leaves: [{ code: '000.01.01.H29', password: 'x' }],
    });
    expect(config).toContain('user: "leaf-000_01_01_h29"');
    expect(config).toContain('"$JS.commune-000-01-01-h29.API.>"');
    expect(config.match(/permissions/g)).toHaveLength(1);
  });
});
