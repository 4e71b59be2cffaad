import {
  installCommand,
  machineProbe,
  planSystem,
  SYSTEM_TOOLS,
  type SystemProbe,
} from '../../../scripts/lib/system-tools';

/** A machine that has exactly `present` on its PATH. */
const machine = (present: string[], isRoot: boolean): SystemProbe => ({
  has: (command) => present.includes(command),
  isRoot,
});
const everyTool = SYSTEM_TOOLS.map((t) => t.command);

describe('the pretest step on system tools', () => {
  it('does nothing when every tool is present', () => {
    expect(planSystem(machine([...everyTool, 'apt-get'], false))).toEqual({ action: 'nothing' });
  });

  it('installs what is missing with apt-get when it runs as root, each package once', () => {
    const present = everyTool.filter((c) => !['pdfsig', 'pdftoppm', 'certutil', 'chromium'].includes(c));
    const plan = planSystem(machine([...present, 'apt-get'], true));
    expect(plan).toMatchObject({
      action: 'install',
      packages: ['poppler-utils', 'libnss3-tools', 'chromium'],
    });
  });

  it('stops with the one apt-get command when it is not root', () => {
    const plan = planSystem(machine(['apt-get', 'openssl'], false));
    expect(plan.action).toBe('stop');
    if (plan.action !== 'stop') return;
    expect(plan.packages).toEqual(['poppler-utils', 'qpdf', 'libnss3-tools', 'ghostscript', 'chromium']);
    expect(plan.message).toContain(
      'sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils qpdf libnss3-tools ghostscript chromium',
    );
    expect(plan.message).toContain('gs (ghostscript)');
    expect(plan.message).not.toContain('openssl (openssl)');
  });

  it('names the packages when the machine has no apt-get, even as root', () => {
    const plan = planSystem(
      machine(
        everyTool.filter((c) => c !== 'qpdf'),
        true,
      ),
    );
    expect(plan).toMatchObject({ action: 'stop', packages: ['qpdf'] });
    if (plan.action === 'stop') {
      expect(plan.message).toContain('package manager (Debian names: qpdf)');
      expect(plan.message).not.toContain('apt-get');
    }
  });

  it('requires no font package (the project ships its fonts)', () => {
    expect(SYSTEM_TOOLS.some((t) => t.debianPackage.startsWith('fonts-'))).toBe(false);
    expect(installCommand(['qpdf'], true)).toBe(
      'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y qpdf',
    );
  });

  it('finds commands on PATH the way command -v does', () => {
    const probe = machineProbe({ PATH: '/usr/bin:/bin' });
    expect(probe.has('sh')).toBe(true);
    expect(probe.has('no-such-command-lienthong')).toBe(false);
    expect(machineProbe({ PATH: '' }).has('sh')).toBe(false);
  });
});
