import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { Redactor } from '../core/redact.js';
import {
  cloudFromEnvironment,
  cloudsFileCandidates,
  listClouds,
  openstackConfigDirs,
  resolveCloud,
  secureFileCandidates,
  type CloudSearchContext,
  type ResolveCloudOptions,
  type ResolvedCloud,
} from './clouds.js';

const root = mkdtempSync(join(tmpdir(), 'faultline-clouds-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

/** A private filesystem per test: cwd, home, the XDG system dir and the /etc/openstack stand-in. */
class Sandbox implements CloudSearchContext {
  readonly base = join(root, `s${++count}`);
  readonly cwd = join(this.base, 'work');
  readonly home = join(this.base, 'home');
  readonly siteConfigDir = join(this.base, 'etc', 'openstack');
  readonly env: NodeJS.ProcessEnv;
  readonly userDir = join(this.home, '.config', 'openstack');
  readonly xdgDir = join(this.base, 'xdg');

  constructor(env: NodeJS.ProcessEnv = {}) {
    mkdirSync(this.cwd, { recursive: true });
    mkdirSync(this.home, { recursive: true });
    // Without XDG_CONFIG_DIRS the search would include the real /etc/xdg.
    this.env = { XDG_CONFIG_DIRS: this.xdgDir, ...env };
  }

  write(path: string, text: string): string {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  resolve(extra: Partial<ResolveCloudOptions> = {}): ResolvedCloud & { redactor: Redactor } {
    const redactor = new Redactor();
    const cloud = resolveCloud({ env: this.env, cwd: this.cwd, home: this.home, siteConfigDir: this.siteConfigDir, redactor, ...extra });
    return { ...cloud, redactor };
  }

  fails(extra: Partial<ResolveCloudOptions> = {}): ConfigError {
    try {
      this.resolve(extra);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected resolveCloud to fail');
  }
}

const PROD = `
clouds:
  prod:
    auth:
      auth_url: https://keystone.prod.example:5000/v3
      username: faultline
      password: prod-password
      project_name: ops
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
`;

const TWO = `
clouds:
  prod:
    auth: { auth_url: https://prod.example/v3, username: u, password: prod-pass, user_domain_name: Default }
  dev:
    auth: { auth_url: https://dev.example/v3, username: u, password: dev-pass, user_domain_name: Default }
`;

const OPENRC = {
  OS_AUTH_URL: 'https://env.example:5000/v3',
  OS_USERNAME: 'env-user',
  OS_PASSWORD: 'env-password',
  OS_PROJECT_NAME: 'env-project',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
};

describe('where clouds.yaml is looked for', () => {
  it('searches cwd, the user config dir, ~/.config, the XDG system dir and /etc/openstack, in that order', () => {
    const s = new Sandbox();
    assert.deepEqual(openstackConfigDirs(s), [s.cwd, s.userDir, join(s.xdgDir, 'openstack'), s.siteConfigDir]);
    const xdgHome = join(s.base, 'xdg-home');
    const withXdgHome = { ...s, env: { ...s.env, XDG_CONFIG_HOME: xdgHome } };
    assert.deepEqual(openstackConfigDirs(withXdgHome).slice(0, 3), [s.cwd, join(xdgHome, 'openstack'), s.userDir]);
  });

  it('tries .yaml, .yml and .json in each directory, after OS_CLIENT_CONFIG_FILE', () => {
    const s = new Sandbox({ OS_CLIENT_CONFIG_FILE: '/srv/my-clouds.yaml', OS_CLIENT_SECURE_FILE: '/srv/my-secure.yaml' });
    const files = cloudsFileCandidates(s);
    assert.deepEqual(files.slice(0, 4), ['/srv/my-clouds.yaml', join(s.cwd, 'clouds.yaml'), join(s.cwd, 'clouds.yml'), join(s.cwd, 'clouds.json')]);
    assert.equal(files.at(-1), join(s.siteConfigDir, 'clouds.json'));
    assert.deepEqual(secureFileCandidates(s).slice(0, 2), ['/srv/my-secure.yaml', join(s.cwd, 'secure.yaml')]);
  });

  it('uses the first file found and does not merge later ones', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yml'), PROD.replace('prod-password', 'from-cwd'));
    s.write(join(s.userDir, 'clouds.yaml'), PROD.replace('prod-password', 'from-home').replace('prod:', 'other:'));
    const cloud = s.resolve();
    assert.equal(cloud.auth.password, 'from-cwd');
    assert.deepEqual(cloud.source, [join(s.cwd, 'clouds.yml')]);
    assert.deepEqual(listClouds(s).names, ['prod']);
  });

  it('prefers .yaml over .yml in the same directory', () => {
    const s = new Sandbox();
    s.write(join(s.userDir, 'clouds.yaml'), PROD);
    s.write(join(s.userDir, 'clouds.yml'), PROD.replace('prod-password', 'from-yml'));
    assert.equal(s.resolve().auth.password, 'prod-password');
  });

  it('finds clouds.yaml in /etc/openstack when nothing else exists', () => {
    const s = new Sandbox();
    s.write(join(s.siteConfigDir, 'clouds.yaml'), PROD);
    assert.deepEqual(s.resolve().source, [join(s.siteConfigDir, 'clouds.yaml')]);
  });

  it('puts OS_CLIENT_CONFIG_FILE before the working directory', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD);
    const override = s.write(join(s.base, 'elsewhere.yaml'), PROD.replace('prod-password', 'override'));
    s.env['OS_CLIENT_CONFIG_FILE'] = override;
    assert.equal(s.resolve().auth.password, 'override');
  });

  it('falls back to the usual places, with a note, when OS_CLIENT_CONFIG_FILE does not exist', () => {
    const s = new Sandbox({ OS_CLIENT_CONFIG_FILE: '/nonexistent/clouds.yaml' });
    s.write(join(s.cwd, 'clouds.yaml'), PROD);
    const cloud = s.resolve();
    assert.equal(cloud.name, 'prod');
    assert.ok(cloud.notes.some((n) => n.includes('OS_CLIENT_CONFIG_FILE')));
  });

  it('reads clouds.json as JSON', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.json'), JSON.stringify({ clouds: { j: { auth: { auth_url: 'https://j/v3', username: 'u', password: 'json-pass' } } } }));
    assert.equal(s.resolve().auth.password, 'json-pass');
  });
});

describe('secure.yaml', () => {
  it('is deep-merged over clouds.yaml, even from another directory', () => {
    const s = new Sandbox();
    const clouds = s.write(join(s.cwd, 'clouds.yaml'), PROD.replace('      password: prod-password\n', ''));
    const secure = s.write(join(s.userDir, 'secure.yaml'), 'clouds:\n  prod:\n    auth:\n      password: from-secure\n');
    const cloud = s.resolve();
    assert.equal(cloud.auth.password, 'from-secure');
    assert.equal(cloud.auth.username, 'faultline');
    assert.deepEqual(cloud.source, [clouds, secure]);
    assert.equal(cloud.redactor.redact('from-secure'), '***');
  });
});

describe('choosing the cloud', () => {
  it('uses the only cloud in clouds.yaml when none is named', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD);
    assert.equal(s.resolve().name, 'prod');
  });

  it('refuses to guess among several clouds and lists them', () => {
    const s = new Sandbox();
    const file = s.write(join(s.cwd, 'clouds.yaml'), TWO);
    const err = s.fails();
    assert.equal(err.file, file);
    assert.equal(err.key, 'clouds');
    assert.match(err.message, /clouds\.yaml has clouds: prod, dev/);
    assert.match(err.fix ?? '', /set OS_CLOUD or openstack\.cloud/);
  });

  it('takes OS_CLOUD, and an explicit name over OS_CLOUD', () => {
    const s = new Sandbox({ OS_CLOUD: 'dev' });
    s.write(join(s.cwd, 'clouds.yaml'), TWO);
    assert.equal(s.resolve().auth.password, 'dev-pass');
    assert.equal(s.resolve({ cloud: 'prod' }).auth.password, 'prod-pass');
  });

  it('names an unknown cloud with a suggestion and the clouds available', () => {
    const s = new Sandbox();
    const file = s.write(join(s.cwd, 'clouds.yaml'), TWO);
    const err = s.fails({ cloud: 'prd' });
    assert.equal(err.file, file);
    assert.equal(err.key, 'clouds.prd');
    assert.match(err.message, /did you mean "prod"/);
    assert.match(err.fix ?? '', /openstack\.cloud to one of: prod, dev/);
  });

  it('says where it looked when there is no clouds.yaml and no OS_* variables', () => {
    const s = new Sandbox();
    const err = s.fails();
    assert.match(err.message, /no OpenStack credentials/);
    assert.ok(err.message.includes(s.userDir));
  });
});

describe('the envvars cloud', () => {
  it('is made from OS_* variables and used when no cloud is named', () => {
    const s = new Sandbox({
      ...OPENRC,
      OS_REGION_NAME: 'RegionTwo',
      OS_INTERFACE: 'internal',
      OS_IDENTITY_API_VERSION: '3',
      OS_CACERT: '/etc/ssl/ca.pem',
    });
    s.write(join(s.cwd, 'clouds.yaml'), PROD);
    const cloud = s.resolve();
    assert.equal(cloud.name, 'envvars');
    assert.deepEqual(cloud.source, []);
    assert.deepEqual(cloud.auth, {
      authUrl: 'https://env.example:5000/v3',
      username: 'env-user',
      password: 'env-password',
      projectName: 'env-project',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    });
    assert.equal(cloud.authType, 'password');
    assert.equal(cloud.regionName, 'RegionTwo');
    assert.equal(cloud.interface, 'internal');
    assert.equal(cloud.identityApiVersion, '3');
    assert.equal(cloud.verify, true);
    assert.equal(cloud.cacert, '/etc/ssl/ca.pem');
    assert.equal(cloud.redactor.redact('env-password'), '***');
  });

  it('does not override a named cloud: the variables only make the envvars cloud', () => {
    const s = new Sandbox({ ...OPENRC, OS_CLOUD: 'prod' });
    s.write(join(s.cwd, 'clouds.yaml'), PROD);
    const cloud = s.resolve();
    assert.equal(cloud.name, 'prod');
    assert.equal(cloud.auth.password, 'prod-password');
    assert.equal(cloud.auth.username, 'faultline');
    assert.equal(cloud.regionName, 'RegionOne');
    assert.ok(cloud.notes.some((n) => n.includes('envvars')));
  });

  it('can be named explicitly next to clouds from the file', () => {
    const s = new Sandbox({ ...OPENRC });
    s.write(join(s.cwd, 'clouds.yaml'), TWO);
    assert.equal(s.resolve({ cloud: 'envvars' }).auth.username, 'env-user');
    assert.equal(s.resolve({ cloud: 'dev' }).auth.password, 'dev-pass');
  });

  it('is not made from selector variables alone', () => {
    assert.equal(cloudFromEnvironment({ OS_CLOUD: 'prod', OS_REGION_NAME: 'r', OS_CLIENT_CONFIG_FILE: 'x' }), undefined);
    assert.equal(cloudFromEnvironment({ OS_TEST_TIMEOUT: '60', OS_STDOUT_CAPTURE: '1', OS_LOG_CAPTURE: '1' }), undefined);
    assert.deepEqual(cloudFromEnvironment({ OS_AUTH_URL: 'u', OS_REGION_NAME: 'r', HOME: '/h' }), { auth_url: 'u', region_name: 'r' });
  });

  it('takes its name from OS_CLOUD_NAME', () => {
    const s = new Sandbox({ ...OPENRC, OS_CLOUD_NAME: 'from-rc' });
    assert.equal(s.resolve().name, 'from-rc');
  });

  it('reserves its name: a file cloud called envvars is an error', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD.replace('prod:', 'envvars:'));
    const err = s.fails();
    assert.equal(err.key, 'clouds.envvars');
    assert.match(err.fix ?? '', /rename/);
  });

  it('names the missing variable and how to set it, and the file clouds it shadows', () => {
    const s = new Sandbox({ OS_AUTH_URL: 'https://env.example/v3', OS_USERNAME: 'u' });
    s.write(join(s.cwd, 'clouds.yaml'), PROD);
    const err = s.fails();
    assert.equal(err.key, 'OS_PASSWORD');
    assert.equal(err.file, undefined);
    assert.match(err.message, /"envvars" cloud/);
    assert.match(err.fix ?? '', /export OS_PASSWORD=/);
    assert.match(err.fix ?? '', /OS_CLOUD to one of prod/);
  });

  it('reads OS_INSECURE=true as "do not verify"', () => {
    const s = new Sandbox({ ...OPENRC, OS_INSECURE: 'True', OS_CACERT: '/ca.pem' });
    const cloud = s.resolve();
    assert.equal(cloud.verify, false);
    assert.equal(cloud.cacert, undefined);
    assert.ok(cloud.notes.some((n) => n.includes('cacert')));
  });

  it('reads an application credential from OS_* variables', () => {
    const s = new Sandbox({
      OS_AUTH_URL: 'https://env.example/v3',
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_ID: 'ac-id-1',
      OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret-1',
    });
    const cloud = s.resolve();
    assert.equal(cloud.authType, 'v3applicationcredential');
    assert.deepEqual(cloud.auth, { authUrl: 'https://env.example/v3', applicationCredentialId: 'ac-id-1', applicationCredentialSecret: 'ac-secret-1' });
    assert.equal(cloud.redactor.redact('ac-secret-1'), '***');
  });
});

describe('credentials in clouds.yaml', () => {
  it('names the file, the key and the fix for a missing auth_url', () => {
    const s = new Sandbox();
    const file = s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  mycloud:\n    auth: { username: u, password: secret-pw }\n');
    const err = s.fails();
    assert.equal(err.file, file);
    assert.equal(err.key, 'clouds.mycloud.auth.auth_url');
    assert.match(err.fix ?? '', /under clouds\.mycloud\.auth in clouds\.yaml/);
  });

  it('points a missing password at secure.yaml too when there is one', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD.replace('      password: prod-password\n', ''));
    s.write(join(s.cwd, 'secure.yaml'), 'clouds: {}\n');
    const err = s.fails();
    assert.equal(err.key, 'clouds.prod.auth.password');
    assert.match(err.fix ?? '', /clouds\.yaml or secure\.yaml/);
  });

  it('supports application credentials and registers the secret', () => {
    const s = new Sandbox();
    s.write(
      join(s.cwd, 'clouds.yaml'),
      'clouds:\n  ac:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: https://k/v3\n      application_credential_id: abc\n      application_credential_secret: very-secret\n',
    );
    const cloud = s.resolve();
    assert.equal(cloud.authType, 'v3applicationcredential');
    assert.equal(cloud.auth.applicationCredentialSecret, 'very-secret');
    assert.equal(cloud.redactor.redact('x very-secret x'), 'x *** x');
  });

  it('tells an operator with an application credential under auth_type password to change auth_type', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  ac:\n    auth:\n      auth_url: https://k/v3\n      application_credential_id: abc\n      application_credential_secret: very-secret\n');
    const redactor = new Redactor();
    const err = s.fails({ redactor });
    assert.equal(err.key, 'clouds.ac.auth_type');
    assert.match(err.fix ?? '', /auth_type: v3applicationcredential/);
    // A rejected cloud's secret is still registered, so a later log line cannot leak it.
    assert.equal(redactor.redact('very-secret'), '***');
  });

  it('needs the user when an application credential is given by name', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  ac:\n    auth_type: v3applicationcredential\n    auth: { auth_url: https://k/v3, application_credential_name: mon, application_credential_secret: s3cret }\n');
    assert.equal(s.fails().key, 'clouds.ac.auth.username');
  });

  it('supports token auth', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  t:\n    auth_type: v3token\n    auth: { auth_url: https://k/v3, token: gAAAAA-token, project_id: p1 }\n');
    const cloud = s.resolve();
    assert.equal(cloud.authType, 'token');
    assert.equal(cloud.auth.token, 'gAAAAA-token');
    assert.equal(cloud.redactor.redact('gAAAAA-token'), '***');
  });

  it('rejects an auth type faultline cannot use, with a suggestion', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  o:\n    auth_type: v3oidcpassword\n    auth: { auth_url: https://k/v3 }\n');
    const err = s.fails();
    assert.equal(err.key, 'clouds.o.auth_type');
    assert.match(err.fix ?? '', /password, v3applicationcredential or token/);
    const typo = new Sandbox();
    typo.write(join(typo.cwd, 'clouds.yaml'), 'clouds:\n  o:\n    auth_type: pasword\n    auth: { auth_url: https://k/v3 }\n');
    assert.match(typo.fails().message, /did you mean "password"/);
  });

  it('registers every secret in the cloud, numeric passwords included', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  n:\n    auth: { auth_url: https://k/v3, username: u, password: 12345678 }\n    extra: { api_key: other-secret }\n');
    const cloud = s.resolve();
    assert.equal(cloud.auth.password, '12345678');
    assert.equal(cloud.redactor.redact('12345678 other-secret'), '*** ***');
  });
});

describe('openstacksdk compatibility', () => {
  it('accepts old spellings: tenant_name, dashed keys, endpoint_type and publicURL', () => {
    const s = new Sandbox();
    s.write(
      join(s.cwd, 'clouds.yaml'),
      'clouds:\n  old:\n    endpoint_type: internalURL\n    auth:\n      auth-url: https://k/v3\n      username: u\n      password: pw-old-1\n      tenant_name: legacy\n      user-domain-name: Default\n',
    );
    const cloud = s.resolve();
    assert.equal(cloud.auth.projectName, 'legacy');
    assert.equal(cloud.auth.userDomainName, 'Default');
    assert.equal(cloud.interface, 'internal');
  });

  it('maps old OS_TENANT_NAME / OS_AUTH_TOKEN variables, and lets a top-level value beat one under auth', () => {
    const env = new Sandbox({ OS_AUTH_URL: 'https://k/v3', OS_AUTH_TYPE: 'token', OS_AUTH_TOKEN: 'tok-legacy-1', OS_TENANT_NAME: 'legacy-project' });
    const cloud = env.resolve();
    assert.equal(cloud.auth.token, 'tok-legacy-1');
    assert.equal(cloud.auth.projectName, 'legacy-project');
    const file = new Sandbox();
    file.write(join(file.cwd, 'clouds.yaml'), 'clouds:\n  c:\n    project_name: outside\n    auth: { auth_url: https://k/v3, username: u, password: pw-top-1, project_name: inside }\n');
    assert.equal(file.resolve().auth.projectName, 'outside');
  });

  it('spreads a single domain_name over the user and project domains of a project login', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  d:\n    auth: { auth_url: https://k/v3, username: u, password: pw-dom-1, project_name: p, domain_name: Corp }\n');
    const { auth } = s.resolve();
    assert.equal(auth.userDomainName, 'Corp');
    assert.equal(auth.projectDomainName, 'Corp');
    assert.equal(auth.domainName, undefined);
  });

  it('keeps domain_name as the scope of a login without a project', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  d:\n    auth: { auth_url: https://k/v3, username: u, password: pw-dom-2, user_domain_name: Default, domain_name: Corp }\n');
    assert.equal(s.resolve().auth.domainName, 'Corp');
  });

  it('reads clouds.yaml as YAML 1.1, like PyYAML: "verify: no" is false', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD + '    verify: no\n    cacert: ~/ca.pem\n');
    const cloud = s.resolve();
    assert.equal(cloud.verify, false);
    assert.equal(cloud.cacert, undefined);
  });

  it('uses cacert when verifying, expanding ~', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD + '    cacert: ~/ca.pem\n');
    assert.equal(s.resolve().cacert, join(s.home, 'ca.pem'));
  });

  it('rejects a verify that is not a boolean', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD + '    verify: "/etc/ssl/ca.pem"\n');
    assert.equal(s.fails().key, 'clouds.prod.verify');
  });

  it('rejects an unknown interface', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD + '    interface: private\n');
    assert.equal(s.fails().key, 'clouds.prod.interface');
  });

  it('fills {region_name} in auth_url', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  r:\n    region_name: eu1\n    auth: { auth_url: "https://keystone.{region_name}.example/v3", username: u, password: pw-reg-1 }\n');
    assert.equal(s.resolve().auth.authUrl, 'https://keystone.eu1.example/v3');
  });

  it('names the file for a clouds.yaml that is not a mapping', () => {
    const s = new Sandbox();
    const file = s.write(join(s.cwd, 'clouds.yaml'), '- just\n- a list\n');
    const err = s.fails();
    assert.equal(err.file, file);
    assert.match(err.message, /not a mapping/);
  });

  it('names file, line and column for broken YAML', () => {
    const s = new Sandbox();
    const file = s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  a: [\n');
    const err = s.fails();
    assert.equal(err.file, file);
    assert.match(err.message, /line \d+, column \d+/);
  });
});

describe('regions', () => {
  const REGIONS = `
clouds:
  multi:
    auth: { auth_url: https://k/v3, username: u, password: pw-multi-1, user_domain_name: Default }
    regions:
      - RegionOne
      - name: RegionTwo
        values:
          interface: internal
`;

  it('uses the first listed region unless one is asked for, and lists them all', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), REGIONS);
    const first = s.resolve();
    assert.equal(first.regionName, 'RegionOne');
    assert.deepEqual(first.regions, ['RegionOne', 'RegionTwo']);
    assert.equal(first.interface, 'public');
  });

  it('applies the per-region values of the region asked for', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), REGIONS);
    const second = s.resolve({ regionName: 'RegionTwo' });
    assert.equal(second.regionName, 'RegionTwo');
    assert.equal(second.interface, 'internal');
  });

  it('rejects a region the cloud does not list', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), REGIONS);
    const err = s.fails({ regionName: 'regionone' });
    assert.equal(err.key, 'clouds.multi.regions');
    assert.match(err.message, /case-sensitive/);
    assert.match(err.fix ?? '', /RegionOne, RegionTwo/);
  });

  it('splits an old comma-separated region_name', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD.replace('region_name: RegionOne', 'region_name: "a,b"'));
    assert.deepEqual(s.resolve().regions, ['a', 'b']);
  });
});

describe('vendor profiles', () => {
  it('merges a profile defined in clouds-public.yaml under the cloud', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), 'clouds:\n  p:\n    profile: mycorp\n    auth: { username: u, password: pw-prof-1, user_domain_name: Default }\n');
    const vendor = s.write(join(s.userDir, 'clouds-public.yaml'), 'public-clouds:\n  mycorp:\n    auth: { auth_url: https://identity.mycorp/v3 }\n    regions: [north, south]\n');
    const cloud = s.resolve();
    assert.equal(cloud.profile, 'mycorp');
    assert.equal(cloud.auth.authUrl, 'https://identity.mycorp/v3');
    assert.equal(cloud.auth.username, 'u');
    assert.equal(cloud.regionName, 'north');
    assert.ok(cloud.source.includes(vendor));
  });

  it('records a built-in sdk profile and says its data is not expanded', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD + '    profile: vexxhost\n');
    const cloud = s.resolve();
    assert.equal(cloud.profile, 'vexxhost');
    assert.ok(cloud.notes.some((n) => n.includes('built-in vendor profile "vexxhost"')));
  });

  it('notes an unknown profile with a suggestion', () => {
    const s = new Sandbox();
    s.write(join(s.cwd, 'clouds.yaml'), PROD + '    profile: vexhost\n');
    assert.ok(s.resolve().notes.some((n) => n.includes('did you mean "vexxhost"')));
  });
});
