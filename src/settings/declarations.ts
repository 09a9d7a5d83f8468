import { availableParallelism, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import type { Settings } from './schema.js';
import type { SettingDecl } from './types.js';
import { parseBind, validateBind } from './bind.js';
import { runtimeDir } from './runtime-dir.js';

type Declarations = { [K in keyof Settings]: SettingDecl<Settings[K]> };

/** Django's host names for a server only this machine reaches (its DEBUG default). */
const LOOPBACK_HOSTS = ['.localhost', '127.0.0.1', '[::1]'];

/** Whether a BIND address listens on loopback only (a unix socket or an inherited fd may be a proxy's). */
function onLoopback(bind: string): boolean {
  try {
    const b = parseBind(bind);
    return b.kind === 'tcp' && (b.host === 'localhost' || b.host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(b.host));
  } catch {
    return false;
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'openquake';
  }
}

/** Every setting of oq-webui, declared once: CLI flags, env, file keys, check and docs derive from here. */
export const DECLARATIONS: Declarations = {
  // ---- server (gunicorn's flags) ----
  BIND: {
    section: 'server', flag: '--bind', short: '-b', type: 'list', metavar: 'ADDRESS',
    default: ['127.0.0.1:8800'], validate: validateBind,
    help: 'Where to listen: HOST:PORT, [::1]:PORT, unix:PATH or fd://N; repeat the flag (or give a comma list) for several.',
  },
  WORKERS: {
    section: 'server', flag: '--workers', short: '-w', env: 'WEB_CONCURRENCY', type: 'int', min: 1,
    default: () => availableParallelism(),
    help: 'Number of HTTP worker processes (default: $WEB_CONCURRENCY, else the number of CPU cores).',
  },
  TIMEOUT: {
    section: 'server', flag: '--timeout', short: '-t', type: 'int', min: 0, metavar: 'SECONDS', default: 30,
    help: 'A worker silent (no heartbeat) for more than this many seconds is killed and replaced; 0 disables the watchdog.',
  },
  GRACEFUL_TIMEOUT: {
    section: 'server', flag: '--graceful-timeout', type: 'int', min: 0, metavar: 'SECONDS', default: 30,
    help: 'On TERM, HUP or recycling, how long in-flight requests may run before the worker is killed.',
  },
  MAX_REQUESTS: {
    section: 'server', flag: '--max-requests', type: 'int', min: 0, default: 0,
    help: 'Recycle a worker gracefully after this many requests (0 = never).',
  },
  MAX_REQUESTS_JITTER: {
    section: 'server', flag: '--max-requests-jitter', type: 'int', min: 0, default: 0,
    help: 'Add a random 0..N to max-requests per worker so that workers do not all restart at once.',
  },
  MAX_MEMORY: {
    section: 'server', flag: '--max-memory', type: 'int', min: 0, metavar: 'MIB', default: 0,
    help: 'Recycle a worker gracefully when its resident memory exceeds this many MiB, once it has served a request (0 = off).',
  },
  KEEPALIVE: {
    section: 'server', flag: '--keep-alive', type: 'int', min: 0, metavar: 'SECONDS', default: 5,
    help: 'How long an idle keep-alive connection is held open (0 closes after each response).',
  },
  BODY_TIMEOUT: {
    section: 'server', flag: '--body-timeout', type: 'int', min: 0, metavar: 'SECONDS', default: 60,
    help: 'A request body must arrive within this many seconds, plus one second per 64 KiB received (a slow upload that keeps at least 64 KiB/s goes through; a trickled one does not); a slower body is answered 408 and its connection closed (0 = no limit).',
  },
  BACKLOG: {
    section: 'server', flag: '--backlog', type: 'int', min: 1, default: 2048,
    help: 'Maximum number of pending connections on the listening socket.',
  },
  LIMIT_REQUEST_LINE: {
    section: 'server', flag: '--limit-request-line', type: 'int', min: 0, metavar: 'BYTES', default: 4094,
    help: 'Longest accepted request line (method, URL, version); longer gets 414.',
  },
  LIMIT_REQUEST_FIELDS: {
    section: 'server', flag: '--limit-request-fields', type: 'int', min: 1, default: 100,
    help: 'Most header fields accepted in a request; more gets 431.',
  },
  LIMIT_REQUEST_FIELD_SIZE: {
    section: 'server', flag: '--limit-request-field-size', type: 'int', min: 1, metavar: 'BYTES', default: 8190,
    help: 'Longest accepted header line; longer gets 431.',
  },
  PIDFILE: {
    section: 'server', flag: '--pid', short: '-p', type: 'path', metavar: 'PATH', default: '',
    help: 'Write the master\'s pid to this file (refused if it names a live process); status and control find the master through it.',
  },
  // ---- logging ----
  LOG_LEVEL: {
    section: 'logging', flag: '--log-level', type: 'enum', choices: ['debug', 'info', 'warning', 'error', 'critical'],
    default: 'info', help: 'Least severe message written to stderr and to the server log.',
  },
  LOG_DIR: {
    section: 'logging', flag: '--log-dir', type: 'path', metavar: 'DIR', default: join(PACKAGE_ROOT, 'logs'),
    help: 'Folder of the daily-rotated server logs (oq-webui-YYYY-MM-DD.log) and of access.log.',
  },
  ACCESS_LOG: {
    section: 'logging', flag: '--access-log', type: 'boolean', default: true,
    help: 'Write one line per HTTP request (gunicorn\'s format plus the response time) to LOG_DIR/access.log.',
  },
  WEBUI_ACCESS_LOG_DIR: {
    section: 'logging', type: 'path', metavar: 'DIR', default: (s) => s.LOG_DIR,
    help: 'Folder of webui-access.log, the login/logout log that Fail2Ban reads (default: LOG_DIR).',
  },
  // ---- accounts ----
  LOCKDOWN: {
    section: 'accounts', type: 'boolean', default: false,
    help: 'Require a login: enables sessions, /accounts and /admin. Off: every caller acts as DEFAULT_USER.',
  },
  APPLICATION_MODE: {
    section: 'accounts', type: 'enum', choices: ['PUBLIC', 'RESTRICTED', 'READ_ONLY'], default: 'PUBLIC',
    help: 'RESTRICTED forces LOCKDOWN; READ_ONLY removes run, abort, remove and validate_zip (404).',
  },
  ACL_ON: {
    section: 'accounts', type: 'boolean', default: true,
    help: 'When false, any logged-in user may open any calculation by id (lists stay filtered).',
  },
  ALLOW_DATASTORE_DOWNLOAD: {
    section: 'accounts', type: 'boolean', default: true,
    help: 'When false, only users of level 2 (advanced) and superusers may download a whole datastore (the original 3.26 setting).',
  },
  WEBUI_PATHPREFIX: {
    section: 'accounts', type: 'string', default: '',
    validate: (v) => (v === '' || (/^\/[^?#]*[^/]$/.test(v)) ? undefined : 'empty, or a path like /webui (leading slash, no trailing slash)'),
    help: 'Prefix under which every route lives (e.g. /webui behind a shared nginx).',
  },
  USE_REVERSE_PROXY: {
    section: 'accounts', type: 'boolean', default: false,
    help: 'Running behind nginx: take the client IP from X-Forwarded-For added by a trusted proxy.',
  },
  FORWARDED_ALLOW_IPS: {
    section: 'accounts', flag: '--forwarded-allow-ips', type: 'list', default: ['127.0.0.1', '::1'],
    help: 'Proxies trusted to set X-Forwarded-For / X-Forwarded-Proto (IPs, CIDRs, or *).',
  },
  ALLOWED_HOSTS: {
    section: 'accounts', type: 'list', metavar: 'HOST',
    default: (s) => (s.LOCKDOWN || s.APPLICATION_MODE === 'RESTRICTED' || s.USE_REVERSE_PROXY || !s.BIND.every(onLoopback) ? ['*'] : [...LOOPBACK_HOSTS]),
    help: 'Host names the server answers, as Django\'s ALLOWED_HOSTS (a leading dot: the domain and its subdomains; *: any name; the port does not count); another Host gets 400. Default: with LOCKDOWN off, no reverse proxy and every BIND on loopback, only .localhost, 127.0.0.1 and [::1] (a page whose name was rebound to 127.0.0.1 must not drive the server); otherwise *.',
  },
  STATIC_ROOT: {
    section: 'accounts', type: 'path', default: '/var/www/webui',
    help: 'Where `oq-webui collectstatic` copies the pages\' static files, for nginx to serve under /static/.',
  },
  SERVER_NAME: {
    section: 'accounts', type: 'string', default: '',
    help: 'Name of this server in the pages\' header (empty: the machine\'s host name).',
  },
  WEBUI_USER: {
    section: 'accounts', type: 'string', default: 'openquake',
    help: 'The service account the server runs as (the systemd unit\'s User=); `oq-webui check` warns when no such user exists.',
  },
  DEFAULT_USER: {
    section: 'accounts', type: 'string', default: () => currentUser(),
    help: 'With LOCKDOWN off, the user every caller acts as (default: the user running the server).',
  },
  SECRET_KEY: {
    section: 'accounts', type: 'string', secret: true, default: '',
    validate: (v) => (v === '' || v.length >= 32 ? undefined : 'at least 32 characters (or unset: one is generated and kept beside the database)'),
    help: 'Signs session cookies. Unset: generated once and kept in DATA_DIR/secret_key (mode 0600).',
  },
  SESSION_COOKIE_AGE: {
    section: 'accounts', type: 'int', min: 60, metavar: 'SECONDS', default: 14 * 24 * 3600,
    help: 'Lifetime of a login session.',
  },
  AUTHENTICATION_BACKENDS: {
    section: 'accounts', type: 'json-list', choices: ['local', 'pam'], default: ['local'],
    help: 'Where passwords are checked, in order: "local" (the database) and/or "pam".',
  },
  PAM_SERVICE: {
    section: 'accounts', type: 'string', default: 'oq-webui',
    help: 'PAM service name (a file in /etc/pam.d; config/pam.d/oq-webui is a template).',
  },
  PAM_MAP_UNIX_GROUPS: {
    section: 'accounts', type: 'boolean', default: false,
    help: 'At each PAM login, make the user a member of exactly the existing groups named like their unix groups.',
  },
  LOGIN_FAILURE_LIMIT: {
    section: 'accounts', type: 'int', min: 0, default: 10,
    help: 'Failed logins for one username from one IP within LOGIN_FAILURE_WINDOW before further attempts for that username from that IP get 429 (0 = no limit).',
  },
  LOGIN_FAILURE_IP_LIMIT: {
    section: 'accounts', type: 'int', min: 0, default: 100,
    help: 'Failed logins from one IP, whatever the usernames, within LOGIN_FAILURE_WINDOW before every attempt from that IP gets 429 (0 = no limit); keep it well above LOGIN_FAILURE_LIMIT.',
  },
  LOGIN_FAILURE_WINDOW: {
    section: 'accounts', type: 'int', min: 1, metavar: 'SECONDS', default: 300,
    help: 'The window over which failed logins are counted.',
  },
  LOGIN_URL: {
    section: 'accounts', type: 'string', default: (s) => `${s.WEBUI_PATHPREFIX}/accounts/login/`,
    help: 'Where pages send anonymous users under LOCKDOWN.',
  },
  LOGIN_REDIRECT_URL: {
    section: 'accounts', type: 'string', default: (s) => `${s.WEBUI_PATHPREFIX}/engine/`,
    help: 'Where a successful page login goes when no ?next= is given.',
  },
  LOGOUT_REDIRECT_URL: {
    section: 'accounts', type: 'string', default: (s) => `${s.WEBUI_PATHPREFIX}/accounts/login/`,
    help: 'Where a page logout goes.',
  },
  DATA_DIR: {
    section: 'calculations', flag: '--data-dir', type: 'path', metavar: 'DIR', default: join(PACKAGE_ROOT, 'data'),
    help: 'Folder of the default database, the secret key and one folder per calculation (calc_<id>/).',
  },
  DATABASE: {
    section: 'accounts', flag: '--database', type: 'string', metavar: 'URL',
    default: (s) => `sqlite:${join(s.DATA_DIR, 'webui.sqlite3')}`,
    validate: (v) => (/^(sqlite:|postgres(ql)?:\/\/)/.test(v) ? undefined : 'sqlite:PATH or postgres://USER@HOST/DB'),
    help: 'The database: sqlite:PATH (default DATA_DIR/webui.sqlite3) or postgres://... (needs the pg package).',
  },
  CONTROL_SOCKET: {
    section: 'server', flag: '--control-socket', type: 'path', metavar: 'PATH',
    default: (s) => (s.PIDFILE ? `${s.PIDFILE}.sock` : join(runtimeDir(s.DATA_DIR), 'oq-webui.sock')),
    help: 'Unix socket where the master answers `oq-webui status` (default: beside the pidfile, else oq-webui.sock in the runtime folder: $RUNTIME_DIRECTORY, else /run/oq-webui for root or the service user, else $XDG_RUNTIME_DIR/oq-webui, else DATA_DIR).',
  },
  // ---- calculations ----
  ENGINE_COMMAND: {
    section: 'calculations', type: 'json-list',
    default: ['oq', 'engine', '--run', '{job_ini}'],
    validate: (v) => (v.length > 0 && v.every((a) => typeof a === 'string') ? undefined : 'a non-empty JSON list of strings'),
    help: 'The engine command as an argument list (no shell); placeholders {job_ini} {calc_dir} {export_dir} {calc_id} {hazard_calculation_id}.',
  },
  ENGINE_DATA_DIR: {
    section: 'calculations', type: 'path', metavar: 'DIR', default: (s) => join(s.DATA_DIR, 'engine'),
    help: 'The engine\'s own files (its job database db.sqlite3, its configuration oq-webui.cfg, its HOME): default DATA_DIR/engine. Datastores stay in each calc_<id>/.',
  },
  ENGINE_CONFIG: {
    section: 'calculations', type: 'path', metavar: 'FILE', default: '',
    validate: (v) => (v === '' || v.startsWith('/') ? undefined : 'an absolute path to an openquake.cfg (or unset)'),
    help: 'An openquake.cfg of the operator\'s (e.g. [distribution] oq_distribute = zmq or slurm, [zworkers], [dbserver] receiver_host) that every engine run reads under the runner\'s own lines (its job database, serialize_jobs = 0, the folders), which win. README: "The engine\'s own cluster".',
  },
  MAX_CONCURRENT_JOBS: {
    section: 'calculations', type: 'int', min: 1, default: 1,
    help: 'How many calculations the job runner runs at once.',
  },
  CALC_TIMEOUT: {
    section: 'calculations', type: 'int', min: 0, metavar: 'SECONDS', default: 0,
    help: 'A calculation running longer than this fails (0 = no limit).',
  },
  RUNNER_LEASE: {
    section: 'calculations', type: 'int', min: 3, metavar: 'SECONDS', default: 30,
    help: 'How long a job runner\'s lease (its heartbeat row in the database, renewed every third of this) holds: once it expired, another host\'s runner marks the jobs of the host that stopped answering failed. The same on every host.',
  },
  MAX_UPLOAD_SIZE: {
    section: 'calculations', type: 'int', min: 1, metavar: 'BYTES', default: 512 * 1024 * 1024,
    help: 'Largest accepted upload (each file, and all files of one request together).',
  },
  MAX_EXTRACTED_SIZE: {
    section: 'calculations', type: 'int', min: 1, metavar: 'BYTES', default: 2 * 1024 * 1024 * 1024,
    help: 'Largest total size an uploaded zip may expand to (zip-bomb guard).',
  },
  USER_QUOTA: {
    section: 'calculations', type: 'int', min: 0, metavar: 'BYTES', default: 20 * 1024 * 1024 * 1024,
    help: 'Disk space one user\'s calculations and uploads may take (their sizes as recorded, inputs while running); a run that would go over it is refused with 413 (0 = no limit).',
  },
  MIN_FREE_SPACE: {
    section: 'calculations', type: 'int', min: 0, metavar: 'BYTES', default: 2 * 1024 * 1024 * 1024,
    help: 'Free space DATA_DIR\'s file system must keep: below it, new runs are refused with 507 (0 = no floor).',
  },
  BRIDGE_PYTHON: {
    section: 'calculations', type: 'string', metavar: 'PATH', default: '',
    help: 'The engine\'s Python, run by the engine bridge (extract, validation, ini defaults, GSIMs); empty: the Python of the venv that ENGINE_COMMAND\'s `oq` belongs to (its #! line).',
  },
  BRIDGE_PROCESSES: {
    section: 'calculations', type: 'int', min: 1, default: 2,
    help: 'How many engine Python processes the bridge keeps (requests beyond that wait for a free one).',
  },
  BRIDGE_TIMEOUT: {
    section: 'calculations', type: 'int', min: 1, metavar: 'SECONDS', default: 120,
    help: 'A bridge request (an extract, a validation) running longer is stopped (its process killed and replaced) and answered 504.',
  },
  BRIDGE_MAX_REQUESTS: {
    section: 'calculations', type: 'int', min: 0, default: 1000,
    help: 'Replace an engine Python process of the bridge after this many requests (0 = never).',
  },
  BRIDGE_MAX_MEMORY: {
    section: 'calculations', type: 'int', min: 0, metavar: 'MIB', default: 2048,
    help: 'Replace an engine Python process of the bridge after a request that left it above this many MiB resident (0 = never).',
  },
  RUN_INI_FOLDERS: {
    section: 'calculations', type: 'list', metavar: 'DIR', default: [],
    help: 'Folders whose job.ini files POST /v1/calc/run_ini, POST /v1/calc/validate_ini and GET /v1/calc/jobs_from_inis may name (empty: those routes answer 403); run_ini copies the inputs, which must be inside them too.',
  },
  LIST_CACHE_MS: {
    section: 'calculations', type: 'int', min: 0, metavar: 'MS', default: 1000,
    help: 'How long a worker may reuse a /v1/calc/list answer while the database is unchanged (polling clients); 0 = never.',
  },
};

/** The folder that holds the SQLite file of a `sqlite:PATH` URL. */
export function sqliteFolder(databaseUrl: string): string | null {
  return databaseUrl.startsWith('sqlite:') ? dirname(databaseUrl.slice('sqlite:'.length)) : null;
}

/** The env variable of a setting (OQ_WEBUI_<NAME> unless declared otherwise), or null. */
export function envName(name: string, decl: SettingDecl): string | null {
  return decl.env === undefined ? `OQ_WEBUI_${name}` : decl.env;
}
