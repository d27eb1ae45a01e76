import { Place } from './repo';
import { ShellLine, ShellUnreadable, shellWords } from './shell-words';
import { YAML } from '../core/yaml';

/**
 * A repository's own Dockerfiles and compose files, read for what they say about its services:
 * the base image, the variables, the working directory, the command, the ports, the torch it
 * installs, the system packages; compose services with their build, command, ports,
 * environment and GPU reservations. Pure: text in, facts out.
 */

/** One instruction of a Dockerfile: its keyword, its text (continuations joined) and its line. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** A command of a Dockerfile or compose file: exec form as given, shell form as its text. */
export interface FileCommand {
  readonly exec?: string[];
  readonly shell?: string;
  readonly at: Place;
}

export interface DockerfileFacts {
  readonly file: string;
  /** `FROM` of the last stage, variables expanded where the file gives them. */
  readonly from?: { readonly image: string; readonly at: Place };
  /** `ENV` and `ARG` defaults, in order (later wins). */
  readonly vars: Readonly<Record<string, string>>;
  /** `ENV` of the last stage: name -> value and line. */
  readonly env: ReadonlyArray<{ readonly name: string; readonly value: string; readonly at: Place }>;
  readonly workdir?: { readonly path: string; readonly at: Place };
  readonly cmd?: FileCommand;
  readonly entrypoint?: FileCommand;
  readonly expose: ReadonlyArray<{ readonly port: number; readonly at: Place }>;
  /** `pip install` arguments of `RUN` lines that name packages (not `-r` files). */
  readonly pipInstalls: ReadonlyArray<{ readonly packages: string[]; readonly at: Place }>;
  /** Extras of `pip install [-e] .[extra,...]` lines: the project itself installed with them. */
  readonly projectExtras: ReadonlyArray<{ readonly extras: string[]; readonly at: Place }>;
  /** Debian packages of `apt-get install` lines. */
  readonly aptPackages: ReadonlyArray<{ readonly name: string; readonly at: Place }>;
  /** `COPY` sources (build-context paths) of the last stage. */
  readonly copies: ReadonlyArray<{ readonly from: string[]; readonly to: string; readonly at: Place }>;
  /** Whether the file installs Python packages at all (`pip`, `poetry`, `uv`, `conda`). */
  readonly installsPython: boolean;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i])) continue;
      joined = `${joined.replace(/\\\s*$/, '')} ${lines[i].trim()}`;
    }
    const m = /^[ \t]*([A-Za-z]+)[ \t]*(.*)$/s.exec(joined);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 });
  }
  return out;
}

/** `${X}`, `$X`, `${X:-d}` of a Dockerfile value, from its variables; unknown ones are kept as written. */
function expandVars(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, a, d, b) => {
      const name = a ?? b;
      if (Object.prototype.hasOwnProperty.call(vars, name) && vars[name] !== '') return vars[name];
      return d !== undefined ? d : all;
    },
  );
}

function unquote(value: string): string {
  const m = /^"(.*)"$|^'(.*)'$/s.exec(value);
  return m ? (m[1] ?? m[2]).replace(/\\"/g, '"') : value;
}

/** `ENV A=1 B="two words"` or the old `ENV A 1`. */
function envPairs(args: string): Array<[string, string]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]+(.*)$/s.exec(args);
    return m ? [[m[1], unquote(m[2].trim())]] : [];
  }
  const out: Array<[string, string]> = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (let m = re.exec(args); m; m = re.exec(args)) out.push([m[1], unquote(m[2])]);
  return out;
}

function command(args: string, at: Place): FileCommand {
  if (args.startsWith('[')) {
    try {
      const parsed = JSON.parse(args);
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return { exec: parsed, at };
    } catch {
      // not JSON: docker runs it as a shell command
    }
  }
  return { shell: args, at };
}

const FLAG = /^--/;

/** Reads a Dockerfile; `file` is its path in the repository. */
export function readDockerfile(file: string, text: string): DockerfileFacts {
  const vars: Record<string, string> = {};
  let env: Array<{ name: string; value: string; at: Place }> = [];
  let from: DockerfileFacts['from'];
  let workdir: DockerfileFacts['workdir'];
  let cmd: FileCommand | undefined;
  let entrypoint: FileCommand | undefined;
  let expose: Array<{ port: number; at: Place }> = [];
  const pipInstalls: Array<{ packages: string[]; at: Place }> = [];
  const projectExtras: Array<{ extras: string[]; at: Place }> = [];
  const aptPackages: Array<{ name: string; at: Place }> = [];
  let copies: Array<{ from: string[]; to: string; at: Place }> = [];
  let installsPython = false;
  for (const ins of instructions(text)) {
    const at = { file, line: ins.line };
    switch (ins.keyword) {
      case 'ARG': {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(ins.args);
        if (m && m[2] !== undefined && vars[m[1]] === undefined) vars[m[1]] = unquote(m[2].trim());
        break;
      }
      case 'ENV':
        for (const [name, value] of envPairs(ins.args)) {
          const expanded = expandVars(value, vars);
          vars[name] = expanded;
          env = env.filter((e) => e.name !== name);
          env.push({ name, value: expanded, at });
        }
        break;
      case 'FROM': {
        const image = ins.args.split(/\s+/).filter((w) => !FLAG.test(w))[0] ?? '';
        // a new stage: what the image runs is the last stage's
        from = { image: expandVars(image, vars), at };
        env = [];
        expose = [];
        copies = [];
        cmd = undefined;
        entrypoint = undefined;
        workdir = undefined;
        break;
      }
      case 'WORKDIR': {
        const path = expandVars(unquote(ins.args), vars);
        workdir = { path: path.startsWith('/') || !workdir ? path : `${workdir.path}/${path}`, at };
        break;
      }
      case 'CMD':
        cmd = command(ins.args, at);
        break;
      case 'ENTRYPOINT':
        entrypoint = command(ins.args, at);
        break;
      case 'EXPOSE':
        for (const word of ins.args.split(/\s+/)) {
          const port = Number(/^(\d+)(\/tcp)?$/.exec(expandVars(word, vars))?.[1]);
          if (Number.isInteger(port) && port > 0 && port < 65536) expose.push({ port, at });
        }
        break;
      case 'COPY': {
        const words = ins.args.split(/\s+/).filter((w) => !FLAG.test(w));
        if (words.length >= 2 && !ins.args.includes('--from')) {
          copies.push({
            from: words.slice(0, -1).map((w) => expandVars(w, vars)),
            to: expandVars(words[words.length - 1], vars),
            at,
          });
        }
        break;
      }
      case 'RUN': {
        const body = ins.args.replace(/^(--\S+\s+)+/, '');
        if (/\b(pip3?|poetry|uv|conda|mamba)\b/.test(body)) installsPython = true;
        for (const part of body.split(/&&|;|\|\|/)) {
          const words = part.trim().split(/\s+/);
          const install = words.findIndex(
            (w, i) => w === 'install' && i > 0 && /^pip3?$/.test(words[i - 1]),
          );
          if (install > 0) {
            const rest = words.slice(install + 1);
            for (const w of rest.map((x) => unquote(x))) {
              const m = /^\.\/?\[([A-Za-z0-9._,\s-]+)\]$/.exec(w);
              if (m) projectExtras.push({ extras: m[1].split(',').map((e) => e.trim()).filter(Boolean), at });
            }
            if (
              !rest.some(
                (w) =>
                  w === '-r' ||
                  w === '-e' ||
                  w.startsWith('--requirement') ||
                  w.startsWith('--editable') ||
                  w.startsWith('.'),
              )
            ) {
              const packages = rest.filter((w) => !w.startsWith('-')).map((w) => unquote(w));
              if (packages.length > 0) pipInstalls.push({ packages, at });
            }
          }
          const apt = words.findIndex((w, i) => /^apt(-get)?$/.test(w) && words[i + 1] === 'install');
          if (apt >= 0) {
            for (const w of words.slice(apt + 2)) {
              if (/^[a-z0-9][a-z0-9+.-]+$/.test(w)) aptPackages.push({ name: w, at });
            }
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return {
    file,
    from,
    vars,
    env,
    workdir,
    cmd,
    entrypoint,
    expose,
    pipInstalls,
    projectExtras,
    aptPackages,
    copies,
    installsPython,
  };
}

/** A command of a Dockerfile as one shell line or exec words, variables from its `ENV`/`ARG`. */
export function commandWords(
  cmd: FileCommand,
  vars: Readonly<Record<string, string>>,
): ShellLine | ShellUnreadable {
  if (cmd.exec) return { env: {}, words: [...cmd.exec] };
  return shellWords(cmd.shell ?? '', vars);
}

/** One service of a compose file. */
export interface ComposeServiceFacts {
  readonly name: string;
  readonly at: Place;
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly command?: FileCommand;
  readonly entrypoint?: FileCommand;
  /** `host:container` ports, as written (variables kept). */
  readonly ports: ReadonlyArray<{
    readonly text: string;
    readonly host?: number;
    readonly container?: number;
    readonly at: Place;
  }>;
  readonly environment: ReadonlyArray<{
    readonly name: string;
    readonly value?: string;
    readonly at: Place;
  }>;
  readonly gpu: boolean;
  /**
   * Keys a hardened stack does not carry over (env_file, ipc, bind mounts, privileged...), with their
   * lines.
   */
  readonly notCarried: ReadonlyArray<{ readonly what: string; readonly at: Place }>;
  readonly volumes: readonly string[];
}

export interface ComposeFacts {
  readonly file: string;
  readonly services: readonly ComposeServiceFacts[];
}

/** The 1-based line of a YAML node. */
function lineAt(counter: { linePos(offset: number): { line: number } }, node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}

/** Reads a compose file; a file that is not YAML, or not a compose file, has no services. */
export function readCompose(file: string, text: string): ComposeFacts {
  const counter = new YAML.LineCounter();
  let doc: ReturnType<typeof YAML.parseDocument>;
  try {
    doc = YAML.parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
  } catch {
    return { file, services: [] };
  }
  if (doc.errors.length > 0) return { file, services: [] };
  const root = doc.contents;
  const services = YAML.isMap(root) ? root.get('services', true) : undefined;
  if (!YAML.isMap(services)) return { file, services: [] };
  const out: ComposeServiceFacts[] = [];
  for (const pair of services.items) {
    const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
    const node = pair.value;
    if (!YAML.isMap(node)) continue;
    const at = (n: unknown): Place => ({ file, line: lineAt(counter, n) });
    const get = (key: string) => node.get(key, true) as unknown;
    const json = (key: string): unknown => {
      const n = get(key) as { toJSON?: () => unknown } | undefined;
      return n?.toJSON ? n.toJSON() : ((n as { value?: unknown } | undefined)?.value ?? n);
    };
    const build = json('build');
    const buildFacts =
      typeof build === 'string'
        ? { context: build, dockerfile: 'Dockerfile' }
        : build && typeof build === 'object'
          ? {
            context: String((build as Record<string, unknown>).context ?? '.'),
            dockerfile: String((build as Record<string, unknown>).dockerfile ?? 'Dockerfile'),
          }
          : undefined;
    const asCommand = (key: string): FileCommand | undefined => {
      const value = json(key);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
        return { exec: value.map(String), at: at(get(key)) };
      }
      return typeof value === 'string' ? { shell: value, at: at(get(key)) } : undefined;
    };
    const portsNode = get('ports');
    const ports: Array<{ text: string; host?: number; container?: number; at: Place }> = [];
    if (YAML.isSeq(portsNode)) {
      for (const item of portsNode.items) {
        const value =
          (item as { toJSON?: () => unknown }).toJSON?.() ?? (item as { value?: unknown }).value;
        const textValue =
          typeof value === 'object' && value !== null
            ? `${(value as Record<string, unknown>).published ?? ''}:`
              + `${(value as Record<string, unknown>).target ?? ''}`
            : String(value);
        const m = /^(?:[^:]*:)?(\d+):(\d+)(\/tcp)?$/.exec(textValue) ?? /^()(\d+)$/.exec(textValue);
        ports.push({
          text: textValue,
          host: m?.[1] ? Number(m[1]) : undefined,
          container: m ? Number(m[2]) : undefined,
          at: at(item),
        });
      }
    }
    const environment: Array<{ name: string; value?: string; at: Place }> = [];
    const envNode = get('environment');
    if (YAML.isSeq(envNode)) {
      for (const item of envNode.items) {
        const entry = String((item as { value?: unknown }).value ?? '');
        const eq = entry.indexOf('=');
        environment.push({
          name: eq < 0 ? entry : entry.slice(0, eq),
          value: eq < 0 ? undefined : entry.slice(eq + 1),
          at: at(item),
        });
      }
    } else if (YAML.isMap(envNode)) {
      for (const item of envNode.items) {
        const value = (item.value as { value?: unknown } | null)?.value;
        environment.push({
          name: String((item.key as { value?: unknown }).value),
          value: value === null || value === undefined ? undefined : String(value),
          at: at(item.key),
        });
      }
    }
    const deploy = json('deploy') as Record<string, any> | undefined;
    const devices = deploy?.resources?.reservations?.devices;
    const gpu =
      (Array.isArray(devices) &&
        devices.some(
          (d: any) =>
            d?.driver === 'nvidia' || (Array.isArray(d?.capabilities) && d.capabilities.includes('gpu')),
        )) ||
      json('runtime') === 'nvidia';
    const volumes = (Array.isArray(json('volumes')) ? (json('volumes') as unknown[]) : []).map((v) =>
      typeof v === 'string' ? v : JSON.stringify(v),
    );
    const notCarried: Array<{ what: string; at: Place }> = [];
    for (const key of ['env_file', 'ipc', 'pid', 'network_mode', 'privileged', 'cap_add', 'devices']) {
      if (get(key) !== undefined) {
        notCarried.push({ what: `${key}: ${JSON.stringify(json(key))}`, at: at(get(key)) });
      }
    }
    for (const v of volumes) {
      if (/^\.{0,2}\//.test(v) || v.startsWith('~')) {
        notCarried.push({ what: `a bind mount of the host folder (${v})`, at: at(get('volumes')) });
      }
    }
    out.push({
      name,
      at: at(pair.key),
      image: typeof json('image') === 'string' ? String(json('image')) : undefined,
      build: buildFacts,
      command: asCommand('command'),
      entrypoint: asCommand('entrypoint'),
      ports,
      environment,
      gpu,
      notCarried,
      volumes,
    });
  }
  return { file, services: out };
}
